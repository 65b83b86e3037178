"""Competitive Hebbian learning (Song, Miller & Abbott 2000) from config/song_abbott.yaml: additive STDP
splits one neuron's input weights into a group near 0 and a group near w_max (bimodal), while the
same setup with multiplicative STDP (van Rossum et al. 2000) keeps one hump away from both bounds.
The learning rate is 3 × the paper's (the file's header explains why that is what the thresholds
allow, and what the paper's rate gives)."""
import os

import numpy as np

import harness as h

W_MAX = 0.15  # nS, the config's w_max


def deciles_per_neuron(path, time_ms):
    """{target: counts of w / w_max in the ten tenths of [0, 1]} of the snapshot at time_ms."""
    with h.files.Output(path) as f:
        for index, time in f.snapshot_times("in_out"):
            if time == time_ms:
                snap = f.snapshot("in_out", index)
                tg, w = snap.target, snap.weight / W_MAX
                return {int(t): np.histogram(w[tg == t], bins=10, range=(0.0, 1.0 + 1e-9))[0] for t in np.unique(tg)}
    raise AssertionError(f"no snapshot at {time_ms} ms")


def test_additive_stdp_is_bimodal():
    out = os.path.join(h.tmpdir(), "song.h5")
    h.run(["run", h.config("song_abbott.yaml"), "-o", out, "-q"])
    start, end = deciles_per_neuron(out, 0.0), deciles_per_neuron(out, 400000.0)
    for t, c in end.items():
        n = c.sum()
        low, high, middle = c[0] / n, c[9] / n, c[2:8].sum() / n
        print(f"neuron {t}: below 0.1 w_max {low:.2f}, above 0.9 w_max {high:.2f}, in [0.2, 0.8] {middle:.2f} (start: "
              f"{start[t][0] / n:.2f}, {start[t][9] / n:.2f}, {start[t][2:8].sum() / n:.2f}); tenths {c}")
        assert low > 0.15 and high > 0.15, "a large group at each bound"
        assert middle < 0.45, "few in between"
        assert min(c[0], c[9]) > c[2:8].max(), "two peaks at the bounds with a trough between them"
    with h.files.Output(out) as f:
        assert f.homeostasis()["out/rate"][-100:].mean() > 1.0, "the neuron still fires"


def test_multiplicative_stdp_is_unimodal():
    out = os.path.join(h.tmpdir(), "song_mult.h5")
    h.run(["run", h.config("song_abbott.yaml"), "-o", out, "-q", "--set",
           "projections.0.plasticity.weight_dependence=multiplicative",
           "--set", "projections.0.plasticity.A_minus=-0.0045 nS"])
    for t, c in deciles_per_neuron(out, 400000.0).items():
        n = c.sum()
        print(f"neuron {t}: tenths {c}")
        assert c[0] / n < 0.01 and c[9] / n < 0.01, "under 1 % near either bound"
        # one hump: the counts rise to the fullest tenth and fall after it
        peak = int(np.argmax(c))
        assert 0 < peak < 9, peak
        assert np.all(np.diff(c[:peak + 1]) >= 0) and np.all(np.diff(c[peak:]) <= 0), c
