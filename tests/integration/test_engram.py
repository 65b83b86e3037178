"""An engram (config/engram.yaml): a pattern presented in the first wake potentiates the E→E synapses
within its group more than the others, and NREM's SHY renormalization scales the engram down with
everything else while keeping its ratio (mean weight within the group / mean of the rest) — the
global gain is proportional. The probes cue half of the group before and after sleep."""
import os

import numpy as np

import harness as h


def test_wake_potentiates_the_engram_and_sleep_keeps_its_ratio():
    out = os.path.join(h.tmpdir(), "engram.h5")
    h.run(["run", h.config("engram.yaml"), "-o", out, "-q"], ranks=2)
    with h.files.Output(out) as f:
        g, p = f.patterns(), f.phases()
    t, wg, wr = g["A/weight_time"], g["A/EE/w_group"], g["A/EE/w_rest"]
    onsets, probes = g["A/onsets"], g["A/probe_time"]
    cued, rest = g["A/cued_rate"], g["A/rest_rate"]
    uncued = g["A/uncued_rate"]
    members, cue = g["A/node_ids"], g["A/cue_ids"]
    kind, factor = p["kind"], p["renormalization"]
    assert kind == ["wake", "nrem"] * 2, kind
    assert list(t) == [0.0, 2000.0, 4000.0, 6000.0, 8000.0], t
    assert len(members) == 200 and len(cue) == 100 and set(cue) <= set(members)
    assert list(onsets) == [100.0 + 250.0 * k for k in range(7)], onsets  # first wake only (stop 1.8 s)
    # Wake: the group's synapses gain more than the rest (both start at 6 nS).
    assert wg[0] == wr[0] == 6.0
    gain_group, gain_rest = wg[1] - wg[0], wr[1] - wr[0]
    assert gain_group > 1.1 * gain_rest > 0, (gain_group, gain_rest)
    # NREM: both fall by the folded gain, their ratio stays (float rounding of the fold only).
    assert factor[1] < 0.9 and factor[3] < 1, factor
    assert wr[2] < 0.9 * wr[1]
    for before, after in [(1, 2), (3, 4)]:
        assert wr[after] < wr[before]
        r0, r1 = wg[before] / wr[before], wg[after] / wr[after]
        assert abs(r1 / r0 - 1) < 1e-6, (before, r0, r1)
        assert r1 > 1.02, "the engram outlives the sleep"
    # The probes drove their cue: its rate stands above the rest of E in both windows.
    assert list(probes) == [1900.0, 4000.0]
    assert np.all(cued > 1.5 * rest), (cued, rest)
    print("engram ratio after wake", wg[1] / wr[1], "after sleep", wg[2] / wr[2],
          "recall (uncued / rest) before sleep", uncued[0] / rest[0], "after", uncued[1] / rest[1])
