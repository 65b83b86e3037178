"""Exchange by structure (config/README.md "group_delay_min", "placement"; src/README.md decision 6)
on a small network of three groups (grouped_network.py): network.group_delay_min bounds the delays
drawn between groups and leaves those within groups alone."""
import os

import numpy as np

import grouped_network
import harness as h


def synapse_delays(d, name, *extra):
    """Delays in steps of every synapse, by projection (source, target) name, from a checkpoint."""
    config = grouped_network.write(d)
    out = os.path.join(d, name + ".h5")
    h.run(["run", config, "-o", out, "-q", "--duration", "20 ms", "--checkpoint-every", "10 ms", *extra])
    cdir = os.path.join(d, name + ".checkpoints")
    first = sorted(os.listdir(cdir))[0]
    with h.files.open(os.path.join(cdir, first)) as c:
        return [c.file[f"synapses/{j}/delay"][()] for j in range(len(grouped_network.projections()))]


def test_group_delay_min_bounds_the_drawn_delays_between_groups():
    d = h.tmpdir()
    free = synapse_delays(d, "free")
    bounded = synapse_delays(d, "bounded", "--set", "network.group_delay_min=1 ms")
    projections = grouped_network.projections()
    between = [j for j, (s, t) in enumerate(projections) if s[-1] != t[-1]]
    assert len(between) == 6, projections
    for j, name in enumerate(projections):
        assert len(free[j]) >= 120, name
        if j in between:
            assert free[j].min() < 10, f"{name}: without the bound some delays are below 1 ms"
            assert bounded[j].min() >= 10, f"{name}: a delay of {bounded[j].min()} steps is below the bound"
            assert len(bounded[j]) == len(free[j])
        else:
            assert free[j].min() < 10, name
            assert np.array_equal(free[j], bounded[j]), f"{name}: a projection within a group changed"


def run_grouped(d, name, ranks, threads, *extra):
    config = grouped_network.write(d)
    out = os.path.join(d, f"{name}-{ranks}x{threads}.h5")
    p = h.run(["run", config, "-o", out, "--threads", str(threads), *extra], ranks=ranks, threads=threads)
    return out, p


def assert_same_run(ref, path, what):
    ref_spikes, got = h.spikes(ref), h.spikes(path)
    assert set(got) == set(ref_spikes)
    for pop in ref_spikes:
        assert all(np.array_equal(a, b) for a, b in zip(got[pop], ref_spikes[pop])), f"spikes of {pop} differ: {what}"
    ref_v, v = h.final_v(ref), h.final_v(path)
    for pop in ref_v:
        assert v[pop].tobytes() == ref_v[pop].tobytes(), f"V_m of {pop} differs: {what}"


def test_placement_by_groups_changes_no_result():
    """3 groups on 2 ranks (a rank holds two), on 4 and 5 ranks (a group spans ranks), with threads."""
    d = h.tmpdir()
    ref, _ = run_grouped(d, "ref", 1, 1)
    assert sum(len(t) for t, _ in h.spikes(ref).values()) > 2000
    for ranks, threads in [(1, 1), (2, 1), (2, 2), (4, 1), (5, 1)]:
        out, p = run_grouped(d, "groups", ranks, threads, "--set", "network.placement=groups")
        assert_same_run(ref, out, f"groups on {ranks}x{threads}")
        with h.files.Output(out) as f:
            prov = f.provenance()
        assert prov["placement"] == "groups"
        assert int(np.min(prov["rank_neurons"])) > 0, prov["rank_neurons"]
