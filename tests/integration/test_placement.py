"""network.placement: blocks gives the same spikes, weights and records as round_robin, bitwise, on
1x1, 1x2, 2x1, 2x2 and 4x1 (connectivity is drawn per target gid: src/README.md decision 5); a
checkpoint written under one placement resumes bitwise under the other; the per-rank load report in
/provenance, `synorm info` and the run summary."""
import os
import shutil

import h5py
import numpy as np

import harness as h
from test_checkpoint import assert_same, records
from test_invariance import canonical

LAYOUTS = [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1)]

# Short runs: tens of ms of coba_stdp (STDP on EE, weights at 0 and 70 ms) and one wake/NREM cycle of
# engram (the pattern, STDP, scaling, SHY renormalization, snapshots at each phase boundary).
COBA_STDP = ["--duration", "80 ms", "--set", "recording.weights=[{projection: EE, times: [0 ms, 70 ms]}]",
             "--set", "homeostasis.period=20 ms",
             "--set", "populations.E.scaling={target_rate: 15 Hz, tau_up: 200 ms, tau_down: 200 ms}"]
ENGRAM = ["--set", "homeostasis.period=20 ms", "--set", "schedule.cycles=1",
          "--set", "schedule.phases.0.duration=60 ms", "--set", "schedule.phases.1.duration=40 ms",
          "--set", "schedule.renormalization.tau=40 ms",
          "--set", "inputs.1.start=0 ms", "--set", "inputs.1.period=30 ms", "--set", "inputs.1.duration=20 ms",
          "--set", "inputs.1.stop=never", "--set", "inputs.1.probe.times=[20 ms]",
          "--set", "inputs.1.probe.window=20 ms",
          "--set", "inputs.1.probe.duration=10 ms"]


def provenance(path):
    with h5py.File(path, "r") as f:
        return {k: v.decode() if isinstance(v, bytes) else v for k, v in f["provenance"].attrs.items()}


def run(d, name, args, ranks, threads, placement):
    out = os.path.join(d, f"{name}-{placement}-{ranks}x{threads}.h5")
    p = h.run(["run", h.config(name), "--threads", str(threads), "-o", out, "--set", f"network.placement={placement}",
               *args], ranks=ranks, threads=threads)
    return out, p


def assert_placements_identical(name, args, datasets, least_spikes, snapshots=()):
    """Runs NAME under round_robin on 1x1 and 4x1 and under blocks on every layout; returns the
    provenance of each run by (ranks, threads, placement)."""
    d = h.tmpdir()
    ref, _ = run(d, name, args, 1, 1, "round_robin")
    ref_spikes, ref_v, ref_records = h.spikes(ref), h.final_v(ref), records(ref)
    for key in snapshots:
        assert key in ref_records, f"{key} is compared"
    total = sum(len(t) for t, _ in ref_spikes.values())
    assert total > least_spikes, f"only {total} spikes: the comparison would be weak"
    outputs = {(4, 1, "round_robin"): run(d, name, args, 4, 1, "round_robin")}
    for ranks, threads in LAYOUTS:
        outputs[(ranks, threads, "blocks")] = run(d, name, args, ranks, threads, "blocks")
    provenances = {}
    for key, (path, process) in outputs.items():
        got = h.spikes(path)
        assert set(got) == set(ref_spikes)
        for pop in ref_spikes:
            assert all(np.array_equal(a, b) for a, b in zip(got[pop], ref_spikes[pop])), \
                f"spikes of {pop} differ for {key}"
        v = h.final_v(path)
        for pop in ref_v:
            assert v[pop].tobytes() == ref_v[pop].tobytes(), f"V_m of {pop} differs for {key}"
        assert_same(ref_records, records(path))
        for dataset in datasets:
            with h.files.Output(ref) as a, h.files.Output(path) as b:
                assert canonical(a, dataset).tobytes() == canonical(b, dataset).tobytes(), \
                    f"{dataset} differs for {key}"
        # The load report: every neuron and synapse counted once, on the rank that holds it.
        prov = provenances[key] = provenance(path)
        ranks = key[0]
        assert prov["placement"] == key[2]
        for field in ("rank_neurons", "rank_synapses", "rank_spikes", "rank_events"):
            assert len(prov[field]) == ranks, (field, prov[field])
        assert int(prov["rank_neurons"].sum()) == sum(h.sizes(path).values())
        assert int(prov["rank_synapses"].sum()) == int(prov["synapses"])
        assert int(prov["rank_spikes"].sum()) == int(prov["spikes"]) == total
        assert int(prov["rank_events"].sum()) == int(prov["synaptic_events"])
        if ranks > 1:
            assert "load per rank (" + key[2] + "): neurons min " in process.stdout, process.stdout
    shutil.rmtree(d)
    return provenances


def test_coba_stdp_blocks_and_round_robin_are_bitwise_identical():
    # /weights segments come in rank order: records() compares them in (target, source) order.
    provenances = assert_placements_identical("coba_stdp.yaml", COBA_STDP, [], 1000, snapshots=["w/EE/1"])
    # E and I cost the same per neuron here (2 % from E and from I each; E's expected 15 Hz weighs
    # on every target alike), so blocks cut 4 equal ranges; both placements balance the synapses.
    for placement in ("round_robin", "blocks"):
        prov = provenances[(4, 1, placement)]
        assert list(prov["rank_neurons"]) == [1000] * 4, prov["rank_neurons"]
        synapses = prov["rank_synapses"]
        assert synapses.max() / synapses.mean() < 1.05, synapses


def test_engram_blocks_and_round_robin_are_bitwise_identical():
    assert_placements_identical("engram.yaml", ENGRAM,
                                ["patterns/A/uncued_spikes", "patterns/A/EE/w_group", "phases/weight",
                                 "phases/renormalization", "phase_weights/EE/1/weight", "homeostasis/E/gain_ex"],
                                300)


def test_a_round_robin_checkpoint_resumes_bitwise_under_blocks_and_back():
    d = h.tmpdir()
    args = ["--duration", "300 ms"] + COBA_STDP[2:]
    straight = os.path.join(d, "straight.h5")
    h.run(["run", h.config("coba_stdp.yaml"), "-o", straight, "-q"] + args)
    reference = records(straight)
    for written, resumed, layout in [("round_robin", "blocks", (2, 1)), ("blocks", "round_robin", (2, 2))]:
        out = os.path.join(d, f"{written}.h5")
        h.run(["run", h.config("coba_stdp.yaml"), "-o", out, "-q", "--checkpoint-every", "100 ms",
               "--set", f"network.placement={written}"] + args, ranks=2)
        with h5py.File(out, "r+") as f:
            f.attrs["status"] = "running"
        cdir = os.path.join(d, f"{written}.checkpoints")
        first = sorted(os.listdir(cdir))[0]
        h.run(["resume", os.path.join(cdir, first), "--placement", resumed, "-q"], ranks=layout[0], threads=layout[1])
        assert_same(reference, records(out))
        assert provenance(out)["placement"] == resumed
    p = h.run(["resume", os.path.join(cdir, first), "--placement", "striped"], check=False)
    assert p.returncode == 2 and "expected round_robin, blocks or groups" in p.stderr, p.stderr
    shutil.rmtree(d)


def test_info_prints_the_load_per_rank():
    d = h.tmpdir()
    out = os.path.join(d, "blocks.h5")
    h.run(["run", h.config("coba_stdp.yaml"), "-o", out, "-q", "--set", "network.placement=blocks"] + COBA_STDP,
          ranks=2)
    info = h.run(["info", out]).stdout
    assert "load per rank (placement blocks; max/mean is the imbalance):" in info, info
    prov = provenance(out)
    line = next(l for l in info.splitlines() if l.strip().startswith("neurons "))
    assert line.split()[1:3] == [str(n) for n in prov["rank_neurons"]], line
    assert "synapses" in info and "events" in info
    # A bad placement word is refused with the accepted ones.
    p = h.run(["validate", h.config("coba_stdp.yaml"), "--set", "network.placement=striped"], check=False)
    assert p.returncode == 2 and "round_robin" in p.stderr and "blocks" in p.stderr, p.stderr
    shutil.rmtree(d)


def test_alltoall_sends_a_rank_only_the_spikes_with_rows_there():
    # Two areas under blocks on 4 ranks: the rows each rank's tables reach are the same under either
    # exchange; allgather makes every rank look up every spike, alltoall only those some row needs.
    short = ["--set", "schedule.cycles=1", "--set", "schedule.phases.0.duration=100 ms",
             "--set", "schedule.phases.1.duration=100 ms", "--set", "recording.weights=[]"]
    got = {}
    for exchange in ("allgather", "alltoall"):
        out, _ = run(h.tmpdir(), "two_areas.yaml", [*short, "--set", f"comm.exchange={exchange}"], 4, 1, "blocks")
        got[exchange] = provenance(out)
    every, targeted = got["allgather"], got["alltoall"]
    assert every["spikes"] > 100, every["spikes"]
    assert list(every["rank_received"]) == [every["spikes"]] * 4, every["rank_received"]
    assert list(targeted["rank_rows"]) == list(every["rank_rows"]), (targeted["rank_rows"], every["rank_rows"])
    assert list(targeted["rank_events"]) == list(every["rank_events"])
    received = np.asarray(targeted["rank_received"])
    assert (received <= every["spikes"]).all() and received.min() < every["spikes"], received
    # A spike sent to a rank reaches at least one row there.
    assert (received <= np.asarray(targeted["rank_rows"])).all(), (received, targeted["rank_rows"])
