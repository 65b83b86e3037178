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


BOUND = ["--set", "network.group_delay_min=1 ms"]
GROUPS = ["--set", "network.placement=groups"]


def structure(path):
    with h.files.Output(path) as f:
        return f.provenance()["exchange_structure"]


def test_the_two_level_exchange_gives_the_flat_spikes():
    """comm.structure (auto): within each cluster every 0.1 ms, over all ranks every 1 ms. 2 ranks: a
    cluster per rank, one holding two groups; 4 and 5 ranks: a group on two ranks; threads too. The
    same spikes and final V as flat on 1 rank, and as flat on 3 ranks."""
    d = h.tmpdir()
    ref, _ = run_grouped(d, "flat", 1, 1, *BOUND)
    assert structure(ref) == "flat"
    assert sum(len(t) for t, _ in h.spikes(ref).values()) > 2000
    expected = {2: 2, 4: 3, 5: 3}  # clusters
    for ranks, threads in [(2, 1), (4, 1), (5, 1), (2, 2)]:
        out, p = run_grouped(d, "groups", ranks, threads, *BOUND, *GROUPS)
        assert structure(out) == f"groups: {expected[ranks]} clusters, all ranks every 10 steps", structure(out)
        assert f"structure groups: {expected[ranks]} clusters" in p.stdout, p.stdout
        assert_same_run(ref, out, f"structured on {ranks}x{threads}")
    out, _ = run_grouped(d, "flat", 3, 1, *BOUND, *GROUPS, "--set", "comm.structure=flat")
    assert structure(out) == "flat"
    assert_same_run(ref, out, "flat on 3x1")
    assert "structure:   groups: 3 clusters" in h.run(["info", os.path.join(d, "groups-5x1.h5")]).stdout
    # A run whose end is no multiple of M: its last exchange over all ranks is at the end.
    ref, _ = run_grouped(d, "short", 1, 1, *BOUND, "--duration", "50.3 ms")
    out, _ = run_grouped(d, "short", 4, 1, *BOUND, *GROUPS, "--duration", "50.3 ms")
    assert structure(out).startswith("groups: 3 clusters")
    assert_same_run(ref, out, "structured on 4x1, 50.3 ms")


def test_the_structure_says_why_it_stays_flat():
    d = h.tmpdir()
    out, _ = run_grouped(d, "unbounded", 2, 1, *GROUPS, "--set", "comm.structure=groups")
    assert structure(out) == "flat (the least delay between clusters is under 2 intervals " \
                             "(network.group_delay_min))", structure(out)
    out, _ = run_grouped(d, "alltoall", 4, 1, *BOUND, *GROUPS, "--set", "comm.structure=groups",
                         "--set", "comm.exchange=alltoall")
    assert structure(out) == "flat (the exchange is alltoall)"
    out, _ = run_grouped(d, "blocks", 2, 1, *BOUND, "--set", "comm.structure=groups")
    assert structure(out) == "flat (network.placement is not groups)"
    out, _ = run_grouped(d, "auto", 2, 1, *BOUND)  # auto under round_robin: flat, nothing to say
    assert structure(out) == "flat"



def test_a_dry_run_counts_both_levels():
    """Rank 0 of 4 shares its cluster with rank 1: 1 message per interval within it and 2 (⌈log2 4⌉) per
    exchange over all ranks, every 10 intervals, against 2 per interval flat; rank 2 is a cluster alone."""
    d = h.tmpdir()
    rates, _ = run_grouped(d, "rates", 1, 1, *BOUND)
    counts = {}
    for setting in ("flat", "auto"):
        for rank in (0, 2):
            out, _ = run_grouped(d, f"dry-{setting}-{rank}", 1, 1, *BOUND, *GROUPS, "--set",
                                 f"comm.structure={setting}", "--dry-run", f"4:{rank}", "--dry-run-rates", rates)
            with h.files.Output(out) as f:
                prov = f.provenance()
            counts[setting, rank] = [int(x) for x in prov["dry_run_counts"]]
            expected = "flat" if setting == "flat" else "groups: 3 clusters, all ranks every 10 steps"
            assert structure(out) == expected, structure(out)
    intervals = counts["flat", 0][0]
    assert intervals == 1000 and counts["auto", 0][0] == intervals
    assert counts["flat", 0][3] == counts["flat", 2][3] == 2 * intervals
    assert counts["auto", 0][3] == intervals + 2 * intervals // 10
    assert counts["auto", 2][3] == 2 * intervals // 10
    for rank in (0, 2):  # the same own spikes, the same synapses
        assert counts["auto", rank][1] == counts["flat", rank][1]


def test_a_structured_checkpoint_falls_on_an_exchange_over_all_ranks_and_resumes_flat():
    d = h.tmpdir()
    ref, _ = run_grouped(d, "straight", 1, 1, *BOUND)
    out, _ = run_grouped(d, "cut", 4, 1, *BOUND, *GROUPS, "--checkpoint-every", "35.5 ms")
    cdir = out[:-3] + ".checkpoints"
    first = sorted(os.listdir(cdir))[0]
    assert first == "ckpt_000000000360.h5", os.listdir(cdir)  # 35.5 ms: the next multiple of 1 ms
    with h.files.open(out, "r+") as f:
        f.file.attrs["status"] = "running"
    h.run(["resume", os.path.join(cdir, first), "-q", "--set", "comm.structure=flat"], ranks=2)
    assert_same_run(ref, out, "resumed flat on 2x1 from a structured checkpoint at 36 ms")
