"""Two areas (config/two_areas.yaml): a stressful wake (bursts of drive into the amygdala-like area A)
potentiates the plastic projection A→B more than a calm wake does; NREM's SHY renormalization resets
it to its set point; with the NREM phases skipped it accumulates from one day to the next. All from
/phases/AB, the projection's total weight at every phase boundary."""
import os

import numpy as np

import harness as h


def phases(name, *extra):
    out = os.path.join(h.tmpdir(), name + ".h5")
    h.run(["run", h.config("two_areas.yaml"), "-o", out, "-q", *extra])
    with h.files.Output(out) as f:
        p = f.phases()
    return p["kind"], p["AB/weight_start"], p["AB/weight_end"], p["set_point"], p["skipped"]


def test_stress_potentiates_sleep_resets_deprivation_accumulates():
    kind, start, end, set_point, _ = phases("slept")
    assert kind == ["wake", "nrem"] * 3, kind
    _, calm_start, calm_end, _, _ = phases("calm", "--set", "schedule.phases.0.patterns=[]")
    _, dep_start, dep_end, _, skipped = phases("deprived", "--set", "schedule.phases.1.skip=[0, 1, 2]")
    assert list(skipped) == [0, 1] * 3
    W0 = start[0]
    assert set_point[0] == W0, "the set point is A→B's total at the start of the first wake"
    # 1. Every stressful wake potentiates A→B, and more than a calm wake does.
    rise = end[0::2] / start[0::2] - 1
    calm_rise = calm_end[0::2] / calm_start[0::2] - 1
    assert np.all(rise > 0.04), rise
    assert np.all(rise > 2 * calm_rise), (rise, calm_rise)
    # 2. Every NREM phase brings it back to within 1 % of the set point.
    assert np.all(np.abs(end[1::2] / W0 - 1) < 0.01), end[1::2] / W0
    # 3. Without sleep it accumulates: it rises through every phase, to far above what sleep allows.
    assert np.all(np.diff(np.concatenate(([dep_start[0]], dep_end))) > 0), dep_end
    assert dep_end[-1] > 1.25 * W0 and dep_end[-1] > 1.15 * end.max(), (dep_end[-1], W0, end.max())
    print("A→B / W0 at phase ends: slept", np.round(end / W0, 4), "deprived", np.round(dep_end / W0, 4),
          "calm wakes", np.round(calm_end[0::2] / calm_start[0::2], 4))
