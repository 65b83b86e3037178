"""W and SHY renormalization by group (the areas of a multi-area model; src/engine/phases.cpp): two areas A
and B of adapting E/I networks, each with plastic E→E, A driven by bursts of stress in wake so that A
potentiates more than B. /phases/weight_by_group/<group> holds W_g per homeostasis period, from the same
global reduction as /phases/weight; schedule.renormalization.scope: group gives each area its own set point
and gain, so each returns to its own W*_g, which the network's one gain does not do."""
import os

import numpy as np

import group_sleep_config as cfg
import harness as h

STRESS = ('  - {kind: pattern, name: stress, target: A_E, group: {first: 0, count: 400}, start: "100 ms", '
          'period: "500 ms", duration: "200 ms", rate: "100 Hz", sources: 5, weight: "6 nS"}')


def schedule(scope, wake="1 s", nrem="1.5 s"):
    return f"""homeostasis: {{period: "100 ms"}}
schedule:
  renormalization: {{set_point: first_wake, tau: "200 ms", scope: {scope}}}
  phases:
    - name: wake
      kind: wake
      duration: "{wake}"
      inputs: {{0: {{sources: 20}}, 1: {{sources: 20}}, 2: {{sources: 20}}, 3: {{sources: 20}}}}
      neurons: {{A_E: {{a: "0 nS", b: "0 pA"}}, B_E: {{a: "0 nS", b: "0 pA"}}}}
    - name: sleep
      kind: nrem
      duration: "{nrem}"
      plasticity: {{AA: 0, BB: 0}}"""


def config(name, scope, **kw):
    return cfg.write(cfg.path(name + ".yaml"), ["A", "B"], [("A", "B", "2 nS", "2 ms", 0.02)],
                     schedule=schedule(scope, **kw), extra_inputs=[STRESS])


def run(config_path, name, ranks=1, threads=1):
    out = cfg.path(name + ".h5")
    h.run(["run", config_path, "-o", out, "-q", "--threads", str(threads), "--overwrite"], ranks=ranks,
          threads=threads)
    return out


def group_course(path):
    with h.files.Output(path) as f:
        t, W, set_point = f.group_weights()
        return t, W, set_point, f.phases(), f.group_gains()


def test_group_scope_returns_each_group_to_its_own_set_point_and_network_scope_does_not():
    ends = {}
    for scope in ("network", "group"):
        out = run(config(scope, scope), scope)
        t, W, set_point, p, gains = group_course(out)
        assert list(W) == ["A", "B"], list(W)
        # The groups' set points are their W at the moment the network's is taken (the first wake's start).
        for g in ("A", "B"):
            assert set_point[g] == p[f"{g}{g}/weight_start"][0], (g, set_point[g], p[f"{g}{g}/weight_start"][0])
        assert np.isclose(set_point["A"] + set_point["B"], p["set_point"][0], rtol=1e-12, atol=0)
        # W_g add up to the network's W in every period.
        assert np.allclose(W["A"] + W["B"], p["weight"], rtol=1e-12, atol=0)
        wake = t <= p["end"][0]
        rise = {g: W[g][wake][-1] / set_point[g] - 1 for g in W}
        assert rise["A"] > 0.015 and rise["A"] > 3 * rise["B"] > 0, rise  # potentiated unequally
        ends[scope] = {g: W[g][-1] / set_point[g] for g in W}
        assert abs(p["weight"][-1] / p["set_point"][0] - 1) < 2e-3, (scope, p["weight"][-1] / p["set_point"][0])
        assert (scope == "group") == bool(gains), gains
        # synorm info: W_g / W*_g at each phase end.
        info = h.run(["info", out]).stdout
        for g in ("A", "B"):
            line = next(x for x in info.splitlines() if x.startswith(f"  {g} ") and " W* " in x)
            assert [float(v) for v in line.split(":")[1].split()] == [round(W[g][wake][-1] / set_point[g], 4),
                                                                       round(W[g][-1] / set_point[g], 4)], line
    print("W_g / W*_g at the end of NREM:", {s: {g: round(v, 5) for g, v in e.items()} for s, e in ends.items()})
    # Scope group: each area back to its own set point.
    assert all(abs(v - 1) < 2e-3 for v in ends["group"].values()), ends["group"]
    # Scope network: the one gain leaves the more potentiated area above its set point, the other below.
    assert ends["network"]["A"] > 1.005 and ends["network"]["B"] < 0.995, ends["network"]


def test_weights_by_group_are_the_same_bytes_on_every_layout():
    path = config("layouts", "group", wake="500 ms", nrem="500 ms")
    reference = None
    for ranks, threads in ((1, 1), (1, 2), (2, 1), (2, 2)):
        with h.files.Output(run(path, f"layout{ranks}x{threads}", ranks, threads)) as f:
            data = {k: v.tobytes() for k, v in h.files.datasets(f.file["phases"]).items()
                    if k.startswith(("weight_by_group/", "gain_by_group/")) or k in ("weight", "gain")}
            data.update({g: np.float64(s).tobytes() for g, s in f.group_weights()[2].items()})
        assert len(data) == 8, sorted(data)
        if reference is None:
            reference = data
        assert data == reference, (ranks, threads, [k for k in data if data[k] != reference[k]])


def test_scope_group_needs_a_group_on_every_renormalized_target():
    path = config("ungrouped", "group")
    with open(path) as f:
        text = f.read().replace(", group: B,", ",")
    with open(path, "w") as f:
        f.write(text)
    p = h.run(["run", path, "-o", cfg.path("ungrouped.h5"), "-q"], check=False)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "scope: group" in x)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert f"ungrouped.yaml:{line}:" in p.stderr and "BB" in p.stderr and "B_E" in p.stderr, p.stderr
    assert "no group" in p.stderr, p.stderr


def test_a_run_stopped_in_nrem_resumes_with_the_groups_gains_and_course():
    import h5py
    path = config("resumed", "group", wake="500 ms", nrem="500 ms")
    straight = run(path, "straight")
    out = cfg.path("resumed.h5")
    h.run(["run", path, "-o", out, "-q", "--overwrite", "--checkpoint-every", "700 ms"])
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "running"
    checkpoints = cfg.path("resumed.checkpoints")
    h.run(["resume", os.path.join(checkpoints, sorted(os.listdir(checkpoints))[0])], ranks=2)

    def table(p):
        with h.files.Output(p) as f:
            return {k: v.tobytes() for k, v in h.files.datasets(f.file["phases"]).items() if k != "wall"}, \
                f.group_weights()[2]
    (a, set_a), (b, set_b) = table(straight), table(out)
    assert "gain_by_group/A" in a and a.keys() == b.keys(), (sorted(a), sorted(b))
    assert [k for k in a if a[k] != b[k]] == [] and set_a == set_b
