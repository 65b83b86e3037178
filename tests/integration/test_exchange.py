"""The targeted exchange (comm.exchange, src/README.md decision 6): alltoall and auto give the spikes,
final potentials and weights of allgather, bitwise, on 1x1, 1x2, 2x1, 2x2, 4x1 and 8x1 (oversubscribed)
for coba_stdp, sleep_wake, engram and the microcircuit at scale 0.1 with Poisson input, with the
exchange overlapped with the update (comm.overlap) or not, and the neurons placed round robin or in
blocks (network.placement) on each layout; a checkpoint written under allgather without
overlap resumes bitwise under alltoall with it, and the reverse; /provenance says what ran and what it
moved."""
import os
import shutil

import h5py
import numpy as np
import pytest

import harness as h

LAYOUTS = [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1), (8, 1)]
# Short runs: tens of ms, with the mechanisms of each configuration acting within them.
SHORT_SCHEDULE = ["--set", "schedule.cycles=1", "--set", "homeostasis.period=20 ms",
                  "--set", "schedule.phases.0.duration=40 ms", "--set", "schedule.phases.1.duration=40 ms"]
POISSON = ", ".join(f"{{kind: poisson, target: {p}, rate: 8 Hz, sources: {n}, weight: 87.8085 pA}}" for p, n in
                    [("L23E", 1600), ("L23I", 1500), ("L4E", 2100), ("L4I", 1900), ("L5E", 2000), ("L5I", 1900),
                     ("L6E", 2900), ("L6I", 2100)])
CASES = {
    "coba_stdp": ("coba_stdp.yaml", ["--duration", "60 ms", "--set",
                                     "recording.weights=[{projection: EE, times: [0 ms, 30 ms, 60 ms]}]"]),
    "sleep_wake": ("sleep_wake.yaml", SHORT_SCHEDULE + ["--set", "recording.weights=[]"]),
    "engram": ("engram.yaml", SHORT_SCHEDULE + [
        "--set", "inputs.1.start=0 ms", "--set", "inputs.1.period=20 ms", "--set", "inputs.1.duration=10 ms",
        "--set", "inputs.1.stop=never", "--set", "inputs.1.probe={times: [30 ms], duration: 10 ms, window: 20 ms}",
        "--set", "projections.0.pruning={threshold: 6.2 nS, tagging_time: 20 ms}"]),
    "microcircuit": ("microcircuit.yaml", ["--duration", "40 ms", "--set", "network.scale=0.1",
                                           "--set", f"inputs=[{POISSON}]"]),
}


def run(name, args, ranks, threads, exchange, out, overlap="auto", placement="round_robin"):
    h.run(["run", h.config(name), "--threads", str(threads), "-o", out, "-q", "--set", f"comm.exchange={exchange}",
           "--set", f"comm.overlap={overlap}", "--set", f"network.placement={placement}", *args], ranks=ranks,
          threads=threads, timeout=180)
    return out


def weights(path):
    """Every weight snapshot, /phase_weights and /patterns dataset: {name: array} in (target, source) order."""
    out = {}
    with h.files.Output(path) as f:
        for proj in f.snapshot_projections():
            for s in f.snapshots(proj):
                out[f"{proj}/{s.index}"] = s.weight
        if "patterns" in f.file:
            out.update({f"patterns/{k}": v for k, v in f.patterns().items()})
        if "pruning" in f.file:
            out.update({f"pruning/{k}": v for k, v in f.pruning().items() if "bytes" not in k})  # memory: by layout
    return out


def provenance(path):
    with h5py.File(path, "r") as f:
        return {k: v.decode() if isinstance(v, bytes) else v for k, v in f["provenance"].attrs.items()}


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# Overlap (comm.overlap) forced on and off besides auto's choice (on with more than one rank): with the
# layouts above under auto, every layout runs overlapped and not, under allgather and alltoall. On one rank
# "on" splits the intervals too, so the drain before each boundary is checked without MPI as well. The
# microcircuit (minimum delay = dt) never overlaps: there it checks that asking for it changes nothing.
# These runs place the neurons in blocks (network.placement), so each layout also runs under blocks.
OVERLAP_RUNS = [(1, 1, "allgather", "on"), (1, 2, "alltoall", "on"), (2, 1, "allgather", "on"),
                (2, 1, "allgather", "off"), (2, 2, "alltoall", "off"), (4, 1, "allgather", "on"),
                (8, 1, "allgather", "off")]


@pytest.mark.parametrize("case", sorted(CASES))
def test_alltoall_auto_and_overlap_give_the_spikes_and_weights_of_allgather_on_every_layout(case):
    name, args = CASES[case]
    d = h.tmpdir()
    ref = run(name, args, 1, 1, "allgather", os.path.join(d, "ref.h5"), overlap="off")
    ref_spikes, ref_v, ref_w = h.spikes(ref), h.final_v(ref), weights(ref)
    assert sum(len(t) for t, _ in ref_spikes.values()) > 200, "too few spikes for a comparison"
    runs = [(r, t, "alltoall", "auto") for r, t in LAYOUTS] + [(4, 1, "auto", "auto"), (8, 1, "auto", "auto")]
    runs = [(*r, "round_robin") for r in runs] + [(*r, "blocks") for r in OVERLAP_RUNS]
    for ranks, threads, exchange, overlap, placement in runs:
        what = f"{exchange}, overlap {overlap}, {placement}, on {ranks}x{threads}"
        out = run(name, args, ranks, threads, exchange,
                  os.path.join(d, f"{exchange}_{overlap}_{placement}_{ranks}x{threads}.h5"), overlap, placement)
        got = h.spikes(out)
        for pop in ref_spikes:
            assert same(got[pop][0], ref_spikes[pop][0]) and same(got[pop][1], ref_spikes[pop][1]), \
                f"spikes of {pop} differ under {what}"
        v = h.final_v(out)
        for pop in ref_v:
            assert same(v[pop], ref_v[pop]), f"V_m of {pop} differs under {what}"
        w = weights(out)
        assert w.keys() == ref_w.keys()
        for k in ref_w:
            assert same(w[k], ref_w[k]), f"{k} differs under {what}"
        p = provenance(out)
        assert p["exchange_setting"] == exchange and p["overlap_setting"] == overlap and p["placement"] == placement
        # The microcircuit's minimum delay is one step (dt): nothing to overlap, even when asked for.
        overlapped = p["min_delay_steps"] >= 2 and (overlap == "on" or (overlap == "auto" and ranks > 1))
        assert p["overlap"] == ("on" if overlapped else "off"), what
        if exchange == "alltoall":
            assert p["exchange"] == "alltoall" and 0 < p["exchange_fraction"] <= 1
        assert len(p["time_wait"]) == ranks and len(p["exchange_bytes_received"]) == ranks
        if ranks > 1:
            assert all(b > 0 for b in p["exchange_bytes_received"])
    shutil.rmtree(d)


def test_auto_takes_allgather_on_two_ranks_without_building_targets():
    d = h.tmpdir()
    out = run("coba.yaml", ["--duration", "20 ms"], 2, 1, "auto", os.path.join(d, "a.h5"))
    p = provenance(out)
    assert p["exchange"] == "allgather" and p["exchange_setting"] == "auto" and p["exchange_fraction"] == -1
    text = h.run(["info", out]).stdout
    assert "exchange allgather" in text and "wait" in text and "exchange bytes per interval, received" in text, text
    shutil.rmtree(d)


def test_overlap_auto_is_on_with_two_ranks_and_off_with_one_or_a_one_step_interval():
    """What ran and why, in /provenance, the summary and synorm info."""
    d = h.tmpdir()
    args = ["--duration", "20 ms"]
    on = run("coba.yaml", args, 2, 1, "allgather", os.path.join(d, "on.h5"))
    off = run("coba.yaml", args, 2, 1, "allgather", os.path.join(d, "off.h5"), overlap="off")
    p_on, p_off = provenance(on), provenance(off)
    assert (p_on["overlap"], p_on["overlap_setting"]) == ("on", "auto")
    assert (p_off["overlap"], p_off["overlap_setting"]) == ("off", "off")
    assert p_on["exchange_bytes_received"][0] > 0 and p_off["exchange_bytes_received"][0] > 0
    assert "exchange allgather overlapped (comm.overlap auto)" in h.run(["info", on]).stdout
    assert "exchange allgather (comm.overlap off)" in h.run(["info", off]).stdout
    one = h.run(["run", h.config("coba.yaml"), *args, "-o", os.path.join(d, "one.h5")]).stdout
    assert "not overlapped (auto: one rank) (comm.overlap auto)" in one, one
    # A minimum delay of dt: one step per interval, nothing to overlap, even when asked for.
    short = h.run(["run", h.config("coba.yaml"), *args, "-o", os.path.join(d, "short.h5"), "--set", "comm.overlap=on",
                   *[x for j in range(4) for x in ("--set", f"projections.{j}.delay=0.1 ms")]], ranks=2)
    assert "an interval of one step has no half to overlap" in short.stdout + short.stderr
    assert provenance(os.path.join(d, "short.h5"))["overlap"] == "off"
    shutil.rmtree(d)


def test_a_checkpoint_written_under_allgather_resumes_bitwise_under_alltoall():
    """STDP rows: under alltoall a rank's presynaptic state is current only for the sources it receives;
    the checkpoint merges it (engine/targets.cpp), so a resume on another layout and exchange continues
    the run bitwise, and an alltoall checkpoint resumes under allgather."""
    d = h.tmpdir()
    # Sparse (in-degrees × 0.02, driven by Poisson input), so that on 4 ranks none needs more than a third
    # of the neurons and the rows of the others' sources are stale there.
    args = ["--duration", "200 ms", "--set", "recording.weights=[{projection: EE, times: [100 ms, 200 ms]}]",
            "--set", "network.indegree_scale=0.02",
            "--set", "inputs=[{kind: poisson, target: E, rate: 5 Hz, sources: 100, weight: 4 nS}, "
                     "{kind: poisson, target: I, rate: 5 Hz, sources: 100, weight: 4 nS}]"]
    straight = run("coba_stdp.yaml", args, 1, 1, "allgather", os.path.join(d, "straight.h5"))
    ref_spikes, ref_w = h.spikes(straight), weights(straight)
    # Overlap off while writing, on after resuming, and the reverse (a checkpoint is taken with nothing in
    # flight). Checkpoints at 70.4 ms, off every boundary (homeostasis and snapshots at 100 ms): only the
    # checkpoint's own drain lands the spikes in flight there.
    for (first, o1), (second, o2) in [(("allgather", "off"), ("alltoall", "on")),
                                      (("alltoall", "on"), ("allgather", "off"))]:
        out = os.path.join(d, f"{first}.h5")
        h.run(["run", h.config("coba_stdp.yaml"), "-o", out, "-q", "--checkpoint-every", "70 ms",
               "--set", f"comm.exchange={first}", "--set", f"comm.overlap={o1}", *args],
              ranks=4 if first == "alltoall" else 2)
        assert provenance(out)["overlap"] == o1
        with h5py.File(out, "r+") as f:
            f.attrs["status"] = "running"
        cdir = os.path.join(d, f"{first}.checkpoints")
        ckpt = os.path.join(cdir, sorted(os.listdir(cdir))[0])
        h.run(["resume", ckpt, "--set", f"comm.exchange={second}", "--set", f"comm.overlap={o2}"],
              ranks=4 if second == "alltoall" else 2)
        p = provenance(out)
        assert p["exchange"] == second and (second == "allgather" or p["exchange_fraction"] < 0.5)
        assert p["overlap"] == o2
        got = h.spikes(out)
        for pop in ref_spikes:
            assert same(got[pop][0], ref_spikes[pop][0]) and same(got[pop][1], ref_spikes[pop][1]), \
                f"spikes of {pop} differ after {first} → {second}"
        w = weights(out)
        for k in ref_w:
            assert same(w[k], ref_w[k]), f"{k} differs after {first} → {second}"
    # A resume changes the exchange, nothing else.
    p = h.run(["resume", ckpt, "--set", "simulation.seed=3"], check=False)
    assert p.returncode == 2 and "changes only comm.* settings" in p.stderr, p.stderr
    shutil.rmtree(d)


@pytest.mark.parametrize("case", ["microcircuit", "sleep_wake"])
def test_blocks_with_alltoall_give_the_spikes_and_weights_of_round_robin_allgather(case):
    """Placement and exchange together, where targeting matters: under blocks a population sits on few
    ranks, so a spike goes to fewer of them. Bitwise the same as round robin with allgather on 1x1."""
    name, args = CASES[case]
    d = h.tmpdir()
    ref = run(name, args, 1, 1, "allgather", os.path.join(d, "ref.h5"))
    ref_spikes, ref_v, ref_w = h.spikes(ref), h.final_v(ref), weights(ref)
    blocks = [*args, "--set", "network.placement=blocks"]
    for ranks, threads, exchange in [(8, 1, "alltoall"), (2, 2, "alltoall"), (8, 1, "allgather")]:
        out = run(name, blocks, ranks, threads, exchange, os.path.join(d, f"blocks_{exchange}_{ranks}x{threads}.h5"))
        got, v, w = h.spikes(out), h.final_v(out), weights(out)
        for pop in ref_spikes:
            assert same(got[pop][0], ref_spikes[pop][0]) and same(got[pop][1], ref_spikes[pop][1]), \
                f"spikes of {pop} differ under blocks, {exchange}, {ranks}x{threads}"
            assert same(v[pop], ref_v[pop]), f"V_m of {pop} differs under blocks, {exchange}, {ranks}x{threads}"
        assert w.keys() == ref_w.keys() and all(same(w[k], ref_w[k]) for k in ref_w)
        p = provenance(out)
        assert p["placement"] == "blocks" and p["exchange"] == exchange
    shutil.rmtree(d)
