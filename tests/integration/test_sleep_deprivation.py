"""Sleep deprivation (config/sleep_deprivation.yaml): with the first two NREM phases skipped, the total
excitatory plastic weight keeps rising across them, the fraction of E→E weights at the upper bound
grows, and a pattern presented for the first time in the third wake leaves a weaker engram (mean
weight within its group over the mean of the other E→E synapses) than the same protocol after two
nights of sleep."""
import os

import numpy as np

import harness as h

def run(name, *extra):
    out = os.path.join(h.tmpdir(), name + ".h5")
    h.run(["run", h.config("sleep_deprivation.yaml"), "-o", out, "-q", *extra], ranks=2)
    with h.files.Output(out) as f:
        p, hs, g = f.phases(), f.homeostasis(), f.patterns()
    r = {"skipped": p["skipped"], "w_start": p["weight_start"], "w_end": p["weight_end"], "ee_end": p["EE/weight_end"]}
    # The rule's weights at w_max (/homeostasis: per period), at the ends of phases 0-3.
    t, at_max = hs["time"], hs["EE/w_at_max"]
    r["at_max"] = [float(at_max[list(t).index(end)]) for end in (2000.0, 4000.0, 6000.0, 8000.0)]
    t, wg, wr = g["B/weight_time"], g["B/EE/w_group"], g["B/EE/w_rest"]
    i0, i1 = list(t).index(8000.0), list(t).index(10000.0)
    r["engram_before"], r["engram"] = wg[i0] / wr[i0], wg[i1] / wr[i1]
    r["onsets"] = g["B/onsets"]
    r["recall"] = g["B/uncued_rate"][0] / g["B/rest_rate"][0]
    return r


def test_deprivation_saturates_and_weakens_new_learning():
    deprived = run("deprived")
    slept = run("slept", "--set", "schedule.phases.1.skip=[]")
    assert list(deprived["skipped"]) == [0, 1, 0, 1, 0, 0] and not slept["skipped"].any()
    # W rises through both skipped sleeps: at every boundary of the first 4 phases, higher than before.
    w = np.concatenate(([deprived["w_start"][0]], deprived["w_end"][:4]))
    assert np.all(np.diff(w) > 0), w
    assert np.allclose(deprived["ee_end"], deprived["w_end"]), "EE is the only excitatory plastic projection"
    # ... while sleep brings it back each night.
    assert slept["w_end"][1] < 1.05 * slept["w_start"][0] < deprived["w_end"][1]
    # The fraction of weights at w_max grows through the skipped sleeps; sleep keeps it near 0.
    f = deprived["at_max"]
    assert np.all(np.diff(f) > 0) and f[3] > 0.2, f
    assert f[3] > 20 * max(slept["at_max"]) and max(slept["at_max"]) < 0.02, (f, slept["at_max"])
    # The new pattern, the same presentations in both runs.
    assert np.array_equal(deprived["onsets"], slept["onsets"]) and len(deprived["onsets"]) == 7
    # Its engram: how much the third wake raised the group's mean weight relative to the rest.
    learned = {name: r["engram"] / r["engram_before"] for name, r in [("deprived", deprived), ("slept", slept)]}
    assert learned["slept"] > 1.03, learned
    assert learned["deprived"] - 1 < 0.3 * (learned["slept"] - 1), learned
    print("engram of the new pattern (ratio after / before its wake):", learned,
          "| at w_max:", deprived["at_max"], slept["at_max"], "| recall (uncued / rest):", deprived["recall"],
          slept["recall"])
