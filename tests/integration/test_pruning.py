"""Microglial pruning (config/microglia_depletion.yaml: config/sleep_wake.yaml with pruning of E→E at
the end of every NREM phase). With microglia, pruning removes exactly the synapses whose effective
weight was below the threshold at the last tagging_time / H + 1 homeostasis checks (read from /weights
snapshots at those checks), the removed ones are gone from the next snapshot, and the synapse tables
shrink; with microglia depleted, nothing is removed and the weak synapses that sleep leaves
accumulate over the cycles, while with microglia the weak synapses left after each pruning point
stay few."""
import os

import numpy as np

import harness as h

POINTS = [4000.0, 8000.0, 12000.0]  # ms: the ends of the three NREM phases
H = 100.0                            # ms, homeostasis period
CHECKS = 3                           # tagging_time 200 ms / H + 1: below at the last 3 checks


def snapshot_sets(f):
    """{time: {(source, target): weight}} of every /weights/EE snapshot."""
    return {s.time: dict(zip(zip(s.source.tolist(), s.target.tolist()), s.weight.tolist())) for s in f.snapshots("EE")}


def test_pruning_removes_the_weak_synapses_and_depletion_lets_them_accumulate():
    d = h.tmpdir()
    depleted, pruned = os.path.join(d, "depleted.h5"), os.path.join(d, "pruned.h5")
    h.run(["run", h.config("microglia_depletion.yaml"), "-o", depleted, "-q"], ranks=2)
    times = sorted({t - k * H for t in POINTS for k in range(CHECKS)} | {POINTS[0] + H, POINTS[1] + H})
    weights = "[{projection: EE, times: [" + ", ".join(f"{t:g} ms" for t in times) + "]}]"
    h.run(["run", h.config("microglia_depletion.yaml"), "-o", pruned, "-q",
           "--set", "projections.0.pruning.depleted=false", "--set", f"recording.weights={weights}",
           "--set", "simulation.duration=12 s"], ranks=2)  # the recorder times are checked against it

    with h.files.Output(pruned) as f:
        threshold = float(f.attributes("pruning/EE")["threshold"])
        rec = {k[3:]: v for k, v in f.pruning().items() if k.startswith("EE/")}
        phase_pruned, kind = f.phases()["pruned"], f.phases()["kind"]
        snaps = snapshot_sets(f)
    assert threshold == 3.0
    assert list(rec["time"]) == POINTS
    for n, T in enumerate(POINTS):
        # Exactly the synapses below the threshold at the last CHECKS checks are tagged and removed.
        weak = [{pair for pair, w in snaps[T - k * H].items() if abs(w) < threshold} for k in range(CHECKS)]
        stayed_weak = set.intersection(*weak)
        print(f"{T / 1000:g} s: {rec['synapses'][n]} synapses, {rec['below'][n]} weak, {rec['tagged'][n]} tagged, "
              f"{rec['removed'][n]} removed; {rec['bytes_before'][n]} -> {rec['bytes_after'][n]} bytes")
        assert rec["below"][n] == len(weak[0])
        assert rec["tagged"][n] == len(stayed_weak) and rec["removed"][n] == len(stayed_weak)
        assert len(snaps[T]) == rec["synapses"][n]
        if T + H in snaps:  # the next check's snapshot: the tagged ones are gone, every other synapse is there
            after = set(snaps[T + H])
            assert after == set(snaps[T]) - stayed_weak
        if rec["removed"][n] > 0:
            assert rec["bytes_after"][n] < rec["bytes_before"][n], "the tables must shrink"
    assert rec["removed"].sum() > 1000
    assert rec["synapses"][-1] - rec["removed"][-1] < rec["synapses"][0]
    assert [p for p, k in zip(phase_pruned, kind) if k == "nrem"] == list(rec["removed"])
    assert all(p == 0 for p, k in zip(phase_pruned, kind) if k == "wake")

    with h.files.Output(depleted) as f:
        dep = {k[3:]: v for k, v in f.pruning().items() if k.startswith("EE/")}
    print("depleted: weak", list(dep["below"]), "tagged", list(dep["tagged"]), "synapses", list(dep["synapses"]))
    print("with microglia: weak left after each point", list(rec["below"] - rec["removed"]))
    assert (dep["removed"] == 0).all() and (dep["bytes_after"] == dep["bytes_before"]).all()
    assert (dep["synapses"] == dep["synapses"][0]).all()
    # Depleted: the weak synapses of each sleep stay, and more join: many more at the end than after
    # the first sleep. With microglia: those left after each point are a small fraction.
    assert dep["below"][-1] > 10 * max(1, dep["below"][0]) and dep["below"][-1] > 0.05 * dep["synapses"][0]
    left = rec["below"] - rec["removed"]
    assert (left < 0.01 * rec["synapses"]).all() and left[-1] < 0.1 * dep["below"][-1]
