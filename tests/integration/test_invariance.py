"""Same seed, same spikes and final state — bitwise — for 1x1, 1x2, 2x1 and 2x2 ranks x threads,
through the whole program: configuration, build, run and parallel HDF5 output (src/README.md decision 5)."""
import os

import numpy as np

import harness as h


def canonical(f, dataset):
    """A dataset's values; weight snapshots (segments in rank order) sorted by (target, source)."""
    values = f.read(dataset)
    if dataset.startswith("phase_weights/"):
        group = dataset.rsplit("/", 1)[0]
        values = values[np.lexsort((f.read(group + "/source"), f.read(group + "/target")))]
    return values


def run_layouts(name, args):
    """{(ranks, threads): output file} of config/NAME run with ARGS on 1x1, 1x2, 2x1 and 2x2."""
    d = h.tmpdir()
    files = {}
    for ranks, threads in [(1, 1), (1, 2), (2, 1), (2, 2)]:
        out = os.path.join(d, f"{ranks}x{threads}.h5")
        h.run(["run", h.config(name), "--threads", str(threads), "-o", out, "-q", *args], ranks=ranks, threads=threads)
        files[(ranks, threads)] = out
    return files


def layouts_are_bitwise_identical(name, duration, least_spikes, recordings=(), extra=()):
    files = run_layouts(name, (["--duration", duration] if duration is not None else []) + list(extra))
    ref = h.spikes(files[(1, 1)])
    ref_v = h.final_v(files[(1, 1)])
    total = sum(len(t) for t, _ in ref.values())
    assert total > least_spikes, f"only {total} spikes: the comparison would be weak"
    for layout, path in files.items():
        got = h.spikes(path)
        assert set(got) == set(ref)
        for pop in ref:
            assert np.array_equal(got[pop][0], ref[pop][0]) and np.array_equal(got[pop][1], ref[pop][1]), \
                f"spikes of {pop} differ for layout {layout}"
        v = h.final_v(path)
        for pop in ref_v:
            assert np.array_equal(v[pop].view(np.uint32),
                                  ref_v[pop].view(np.uint32)), f"V_m of {pop} differs for {layout}"
        for dataset in recordings:
            with h.files.Output(files[(1, 1)]) as a, h.files.Output(path) as b:
                assert np.array_equal(canonical(a, dataset).view(np.uint32), canonical(b, dataset).view(np.uint32)), \
                    f"{dataset} differs for {layout}"
    return files


def test_coba_layouts_are_bitwise_identical():
    layouts_are_bitwise_identical("coba.yaml", "300 ms", 5000)


def test_adapting_up_down_network_layouts_are_bitwise_identical():
    # Long enough for an up state, its end by adaptation and the next onset.
    layouts_are_bitwise_identical("up_down.yaml", "1200 ms", 10000, ["recordings/E_adaptation/w"])


def test_branch_gains_layouts_are_bitwise_identical():
    # Past the silencing of SA at 3 s, with every population's spikes.
    layouts_are_bitwise_identical("branches.yaml", "3500 ms", 20000,
                                  ["homeostasis/T/branch_gain", "homeostasis/T/branch_gain_mean",
                                   "homeostasis/T/branch_gain_std"],
                                  ["--set", "recording.spikes=all", "--set", "recording.weights=[]"])
def homeostasis_datasets(path):
    """{name: array} of everything under /homeostasis."""
    with h.files.Output(path) as f:
        return f.homeostasis()


def test_homeostasis_layouts_are_bitwise_identical():
    """Scaling with the integral term and the glial boost, E_GABA homeostasis, additive scaling on the
    interneurons, a poisson_source population with plastic synapses onto a normalized population:
    spikes, every /homeostasis record (gains, E_in, weight quantiles, chosen neurons) and the
    effective-weight snapshots, bitwise, on every layout."""
    base = ["--duration", "8 s",
            "--set", "populations.E.scaling.tau_integral=2 s", "--set", "populations.E.scaling.glial_gain=2",
            "--set", "populations.E.e_gaba={tau: 2 s}",
            "--set", "populations.I.scaling={target_rate: 20 Hz, tau_up: 2 s, tau_down: 2 s, mode: additive}"]
    files = run_layouts("turrigiano_ttx.yaml", base)
    ref = h.spikes(files[(1, 1)])
    ref_h = homeostasis_datasets(files[(1, 1)])
    assert "E/neurons/E_in" in ref_h and "E/E_in" in ref_h
    assert np.any(ref_h["E/E_in"] != -80.0), "E_in moved"
    assert_records_match(files, ref, ref_h)


def assert_records_match(files, ref, ref_h):
    """Every layout's spikes, /homeostasis records and weight snapshots equal those of 1x1, bitwise."""
    for layout, path in files.items():
        got = h.spikes(path)
        for pop in ref:
            assert np.array_equal(got[pop][0], ref[pop][0]) and np.array_equal(got[pop][1], ref[pop][1]), \
                f"spikes of {pop} differ for layout {layout}"
        got_h = homeostasis_datasets(path)
        assert set(got_h) == set(ref_h)
        for name, values in ref_h.items():
            assert np.array_equal(got_h[name], values,
                                  equal_nan=values.dtype.kind == "f"), f"/homeostasis/{name} differs for {layout}"
        with h.files.Output(path) as f, h.files.Output(files[(1, 1)]) as r:
            for proj in f.snapshot_projections():
                # Segments come in rank order: the snapshots are read in (target, source) order.
                mine, theirs = f.snapshots(proj), r.snapshots(proj)
                assert len(mine) == len(theirs), f"/weights/{proj}: {len(mine)} snapshots for {layout}"
                for a, b in zip(mine, theirs):
                    for key in ("source", "target", "weight"):
                        assert np.array_equal(getattr(a, key), getattr(b, key)), \
                            f"/weights/{proj}/{a.index} differs for {layout}"


def test_every_mechanism_layouts_are_bitwise_identical():
    """config/runaway.yaml with every plasticity and homeostasis mechanism on at once: additive pair
    STDP on E→E, triplet STDP on E→I, inhibitory STDP on I→E; on E scaling with the integral term,
    the glial boost and inhibitory scaling, E_GABA homeostasis, two random branches and
    metaplasticity; on I additive scaling and metaplasticity (onto the triplet rule). Spikes, final
    potentials, every /homeostasis record (gains, E_in, θ, branch gains, weight statistics, chosen
    neurons) and the effective-weight snapshots, bitwise, on every layout."""
    base = ["--duration", "2 s",
            "--set", "populations.E.scaling.tau_integral=2 s", "--set", "populations.E.scaling.glial_gain=2",
            "--set", "populations.E.e_gaba={tau: 2 s}",
            "--set", "populations.E.branches={count: 2, target_rate: 300 Hz, tau_activity: 100 ms, tau: 500 ms, "
                     "record: [0, 3]}",
            "--set", "populations.E.metaplasticity={tau_theta: 500 ms, factor_min: 0.05, factor_max: 20}",
            "--set", "populations.I.scaling={target_rate: 20 Hz, tau_up: 2 s, tau_down: 2 s, mode: additive}",
            "--set", "populations.I.metaplasticity={target_rate: 20 Hz, tau_theta: 500 ms}",
            "--set", "projections.1.plasticity={rule: triplet, A2_plus: 0.01 nS, A3_plus: 0.02 nS, "
                     "A2_minus: -0.015 nS, w_max: 3 nS}",
            "--set", "projections.2.plasticity={rule: vogels, eta: 0.05 nS, target_rate: 5 Hz, w_max: 30 nS}",
            "--set", "recording.homeostasis=[{population: E, ids: [0, 5, 399]}, {population: I, ids: [2]}]",
            "--set", "recording.weights=[{projection: EE, times: [1 s, 2 s]}, {projection: EI, times: [2 s]}, "
                     "{projection: IE, times: [2 s]}]"]
    files = run_layouts("runaway.yaml", base)
    ref = h.spikes(files[(1, 1)])
    ref_v = h.final_v(files[(1, 1)])
    ref_h = homeostasis_datasets(files[(1, 1)])
    assert sum(len(t) for t, _ in ref.values()) > 5000
    for name in ("E/theta", "I/theta", "E/neurons/theta", "I/neurons/theta", "E/E_in", "E/branch_gain", "EI/w_mean",
                 "IE/w_mean"):
        assert name in ref_h, name
    assert np.all(ref_h["E/theta"][-1] != 25.0) and np.all(ref_h["I/theta"][-1] != 400.0), "θ moved"
    assert ref_h["IE/w_mean"][-1] != ref_h["IE/w_mean"][0] and ref_h["EI/w_mean"][-1] != ref_h["EI/w_mean"][0]
    assert_records_match(files, ref, ref_h)
    for layout, path in files.items():
        v = h.final_v(path)
        for pop in ref_v:
            assert np.array_equal(v[pop].view(np.uint32),
                                  ref_v[pop].view(np.uint32)), f"V_m of {pop} differs for {layout}"


def test_sleep_wake_schedule_layouts_are_bitwise_identical():
    # Two short wake/NREM cycles: phase boundaries (drive, adaptation, learning rate, scaling rate),
    # SHY renormalization and its fold at every phase end, weight snapshots at every boundary.
    # With microglial pruning of E → E at each NREM end: about 13000 synapses go at the first, about
    # 1000 at the second; the same ones on every layout.
    short = ["--set", "schedule.cycles=2", "--set", "schedule.phases.0.duration=300 ms",
             "--set", "schedule.phases.1.duration=300 ms",
             "--set", "projections.0.pruning={threshold: 6.2 nS, tagging_time: 100 ms}"]
    files = layouts_are_bitwise_identical("sleep_wake.yaml", None, 5000,
                                          ["phases/weight", "phases/gain", "phases/renormalization", "phases/E/swa",
                                           "phase_weights/EE/2/weight", "phase_weights/EE/4/weight",
                                           "homeostasis/E/gain_ex",
                                           "phases/pruned", "pruning/EE/below", "pruning/EE/tagged",
                                           "pruning/EE/removed",
                                           "pruning/EE/synapses"],
                                          short)
    with h.files.Output(files[(1, 1)]) as f:
        pruning = f.pruning()
    removed = pruning["EE/removed"]
    assert len(removed) == 2 and removed[0] > 1000 and removed[1] > 0, removed
    assert (pruning["EE/bytes_after"] < pruning["EE/bytes_before"]).all()
    # Selective renormalization: the spare thresholds from the exact histogram, G on the weaker synapses only,
    # and pruning reads the same effective weights.
    layouts_are_bitwise_identical("sleep_wake.yaml", None, 5000,
                                  ["phases/weight", "phases/gain", "phases/renormalization", "phases/weight_spared",
                                   "phase_weights/EE/2/weight", "phase_weights/EE/4/weight", "pruning/EE/removed"],
                                  short + ["--set", "schedule.renormalization.mode=selective"])


def test_engram_patterns_layouts_are_bitwise_identical():
    # A stimulus pattern with jitter, switched by the schedule (presented in wake only), recall probes
    # in wake and in NREM, the engram's weights at every boundary and the per-projection totals.
    short = ["--set", "schedule.cycles=2", "--set", "schedule.phases.0.duration=300 ms",
             "--set", "schedule.phases.1.duration=300 ms", "--set", "inputs.1.start=0 ms",
             "--set", "inputs.1.period=100 ms", "--set", "inputs.1.duration=50 ms", "--set", "inputs.1.stop=never",
             "--set", "inputs.1.probe.times=[250 ms, 450 ms]"]
    layouts_are_bitwise_identical("engram.yaml", None, 5000,
                                  ["patterns/A/onsets", "patterns/A/uncued_spikes", "patterns/A/cued_spikes",
                                   "patterns/A/rest_spikes", "patterns/A/EE/w_group", "patterns/A/EE/w_rest",
                                   "phases/EE/weight_end", "phase_weights/EE/3/weight"],
                                  short)
    # Every mechanism of the sleep/wake studies at once: the schedule, STDP and scaling in wake,
    # selective SHY renormalization in NREM, microglial pruning at each NREM end, the pattern.
    files = layouts_are_bitwise_identical("engram.yaml", None, 5000,
                                          ["patterns/A/uncued_spikes", "patterns/A/rest_spikes",
                                           "patterns/A/EE/w_group",
                                           "phases/weight", "phases/renormalization", "phases/weight_spared",
                                           "phases/pruned",
                                           "pruning/EE/removed", "phase_weights/EE/3/weight", "homeostasis/E/gain_ex"],
                                          short + ["--set", "schedule.renormalization.mode=selective",
                                                   "--set",
                                                   "projections.0.pruning={threshold: 6.2 nS, tagging_time: 100 ms}"])
    with h.files.Output(files[(1, 1)]) as f:  # each mechanism did act
        pruning, phases, patterns = f.pruning(), f.phases(), f.patterns()
    assert pruning["EE/removed"].sum() > 0 and phases["weight_spared"].max() > 0
    assert patterns["A/uncued_spikes"].sum() > 0 and phases["renormalization"].min() < 1.0


def test_different_seeds_differ():
    d = h.tmpdir()
    a, b = os.path.join(d, "a.h5"), os.path.join(d, "b.h5")
    for seed, out in [(1, a), (2, b)]:
        h.run(["run", h.config("coba.yaml"), "--seed", str(seed), "--duration", "100 ms", "-o", out, "-q"])
    sa, sb = h.spikes(a)["E"], h.spikes(b)["E"]
    assert not (len(sa[0]) == len(sb[0]) and np.array_equal(sa[0], sb[0])), "the seed must matter"
