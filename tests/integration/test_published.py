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
    # No population-wide oscillation: the population count in 1 ms bins varies little more than
    # independent Poisson firing would (variance / mean near 1; a synchronous state gives >> 10).
    counts, _ = np.histogram(ts[ts >= 200.0], bins=np.arange(200.0, 1000.0 + 1e-9, 1.0))
    dispersion = counts.var() / counts.mean()
    print(f"  population count dispersion {dispersion:.2f}")
    assert dispersion < 5.0, f"population activity oscillates (variance/mean {dispersion:.1f})"


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


if __name__ == "__main__":
    h.main([test_brunel_fires_at_its_mean_field_rate_asynchronously, test_coba_is_self_sustained_for_ten_seconds])
