"""Published behaviour of the example networks.

Brunel (2000) at g = 5, η = 2: the mean-field rate is 37.95 Hz; firing is fairly regular (this point
is mean-driven; Brian2 2.5.1 gives 36.9 Hz and CV 0.40) and asynchronous.
COBA (Vogels & Abbott 2005; Brette et al. 2007): self-sustained for 10 s at 15–25 Hz with the
default seed."""
import os

import numpy as np

import harness as h


def test_brunel_fires_at_its_mean_field_rate_asynchronously():
    out = os.path.join(h.tmpdir(), "brunel.h5")
    h.run(["run", h.config("brunel.yaml"), "--duration", "1 s", "-o", out, "-q"], ranks=2, threads=1, timeout=900)
    n = h.sizes(out)
    ts, ids = h.spikes(out)["E"]
    rate = h.mean_rate(ts, n["E"], 200.0, 1000.0)
    print(f"  Brunel E rate {rate:.2f} Hz (mean field 37.95 Hz)")
    assert abs(rate - 37.95) <= 0.1 * 37.95, f"rate {rate:.2f} Hz not within 10 % of 37.95 Hz"
    ti, _ = h.spikes(out)["I"]
    rate_i = h.mean_rate(ti, n["I"], 200.0, 1000.0)
    assert abs(rate_i - 37.95) <= 0.1 * 37.95, f"I rate {rate_i:.2f} Hz"
    cv = h.isi_cv(ts, ids, 200.0)
    print(f"  mean ISI CV {cv:.3f}")
    assert 0.3 <= cv <= 0.5, f"mean ISI CV {cv:.3f} outside 0.3–0.5"
    # No population-wide oscillation: the power spectrum of the population count (1 ms bins) has no
    # peak far above its median. Calibrated on this network: the AI point gives a peak/median of
    # about 80; the synchronous-irregular fast state (g = 6, η = 4) about 400, checked below; the
    # synchronous-regular state (g = 3) about 5·10⁴.
    ratio = spectral_peak_ratio(ts)
    print(f"  population spectrum peak/median {ratio:.0f}")
    assert ratio < 200, f"population activity oscillates (spectral peak {ratio:.0f}x the median)"


def spectral_peak_ratio(ts, t0=200.0, t1=1000.0):
    counts, _ = np.histogram(ts[ts >= t0], bins=np.arange(t0, t1 + 1e-9, 1.0))
    power = np.abs(np.fft.rfft(counts - counts.mean()))[1:] ** 2
    return power.max() / np.median(power)


def test_brunel_oscillation_measure_detects_the_synchronous_fast_state():
    """The control for the test above: at g = 6, η = 4 (Brunel's SI fast state) the same measure
    must report the oscillation."""
    out = os.path.join(h.tmpdir(), "brunel_si.h5")
    h.run(["run", h.config("brunel.yaml"), "--duration", "1 s", "-o", out, "-q",
           "--set", "projections.2.weight=-0.6 mV", "--set", "projections.3.weight=-0.6 mV",
           "--set", "inputs.0.rate=40 Hz", "--set", "inputs.1.rate=40 Hz"], ranks=2, threads=1, timeout=900)
    ts, _ = h.spikes(out)["E"]
    ratio = spectral_peak_ratio(ts)
    print(f"  SI fast: spectral peak/median {ratio:.0f}")
    assert ratio > 200, f"the oscillation measure misses the SI fast state ({ratio:.0f})"


def test_coba_is_self_sustained_for_ten_seconds():
    out = os.path.join(h.tmpdir(), "coba.h5")
    h.run(["run", h.config("coba.yaml"), "--duration", "10 s", "-o", out, "-q"], ranks=1, threads=2, timeout=900)
    n = h.sizes(out)
    for pop in ("E", "I"):
        ts, _ = h.spikes(out)[pop]
        rate = h.mean_rate(ts, n[pop], 100.0, 10000.0)
        last = h.mean_rate(ts, n[pop], 9000.0, 10000.0)
        print(f"  COBA {pop}: {rate:.2f} Hz over 0.1–10 s, {last:.2f} Hz in the last second")
        assert 15.0 <= rate <= 25.0, f"{pop} rate {rate:.2f} Hz outside 15–25 Hz"
        assert last > 5.0, f"{pop} activity died out"
