"""The population rate bins stream (src/engine/records.cpp): a rank keeps the bins of one spike flush (every
simulated second), reduces them over ranks at the flush and the output appends them to /rates and
/rates_by_group. So a run of many flush windows holds every bin, each equal to the spikes in the file, in the
memory of one window; and a run stopped by a signal after a checkpoint that falls inside a bin resumes
from it, the bins after the checkpoint cut from the file, and appends the rest bit for bit."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np

import harness as h

DT = 0.1  # ms
NEURON = ('{model: lif_delta, C_m: "250 pF", tau_m: "20 ms", E_L: "0 mV", V_th: "20 mV", V_reset: "10 mV", '
          't_ref: "2 ms"}')
V_INIT = '{distribution: uniform, low: "0 mV", high: "20 mV"}'
GROUPS = {"E1": "A", "I1": "A", "E2": "B"}  # X in none


def config(name, duration_ms, bin_ms, scale):
    """Four populations, two in group A, one in B, one in none (as test_group_rates.py), `scale` × 10 neurons."""
    sizes = {"E1": 40 * scale, "I1": 10 * scale, "X": 15 * scale, "E2": 30 * scale}
    lines = [f'simulation: {{dt: "{DT} ms", duration: "{duration_ms:g} ms", seed: 3}}', "populations:"]
    for pop, size in sizes.items():
        group = f", group: {GROUPS[pop]}" if pop in GROUPS else ""
        kind = "inhibitory" if pop.startswith("I") else "excitatory"
        lines.append(f"  {pop}: {{size: {size}, type: {kind}{group}, neuron: {NEURON}, V_init: {V_INIT}}}")
    lines += [
        "projections:",
        '  - {name: E1I1, source: E1, target: I1, connect: {rule: fixed_indegree, indegree: 5}, weight: "0.2 mV", '
        'delay: "1.5 ms"}',
        '  - {name: I1E1, source: I1, target: E1, connect: {rule: fixed_indegree, indegree: 2}, weight: "-0.5 mV", '
        'delay: "1 ms"}',
        "inputs:"]
    for pop in sizes:
        lines.append(f'  - {{kind: poisson, target: {pop}, rate: "20 Hz", sources: 1000, weight: "0.1 mV"}}')
    lines.append(f'recording: {{spikes: all, rate_bin: "{bin_ms:g} ms"}}')
    path = os.path.join(h.tmpdir(), name + ".yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path, sizes


def peak_rss(path):
    with h5py.File(path, "r") as f:
        return float(np.max(f["provenance"].attrs["peak_rss_bytes"]))


def test_sixty_flush_windows_stream_every_bin_in_the_memory_of_one():
    """60 s in bins of one step: 600 000 bins of 4 populations and 2 groups, which held for the whole run
    cost 16 B per population and bin (38 MB, 51 MB more peak memory than the same run without rates,
    measured before the bins streamed); streamed, under 2 MB more."""
    d = h.tmpdir()
    duration, bin_ms = 60000.0, DT
    binned, sizes = config("binned", duration, bin_ms, 1)
    unbinned, _ = config("unbinned", duration, 0, 1)
    out, bare = os.path.join(d, "binned.h5"), os.path.join(d, "bare.h5")
    h.run(["run", binned, "-o", out, "-q"])
    h.run(["run", unbinned, "-o", bare, "-q"])
    grown = peak_rss(out) - peak_rss(bare)
    print(f"  peak memory with 600 000 rate bins: {grown / 2**20:.1f} MiB more than without")
    assert grown < 12 * 2**20, f"{grown / 2**20:.1f} MiB for the rate bins"

    bins = int(round(duration / bin_ms))
    width = 1.0 * DT * 1e-3  # s: steps in the bin · dt, as the engine computes it
    duration_s = float(bins) * DT * 1e-3
    counts = {}
    with h5py.File(out, "r") as f:
        for pop, size in sizes.items():
            steps = np.rint(f[f"spikes/{pop}/timestamps"][()] / DT).astype(np.int64)
            counts[pop] = np.bincount(steps, minlength=bins)
            assert counts[pop].size == bins and counts[pop].sum() > 10 * duration_s * size
            rate = f[f"rates/{pop}"]
            assert rate.shape == (bins,), (pop, rate.shape)
            assert rate[()].tobytes() == (counts[pop].astype(np.float64) / size / width).tobytes(), pop
            assert rate.attrs["mean"] == float(counts[pop].sum()) / size / duration_s, pop
        assert list(f["rates_by_group"].attrs["order"].astype(str)) == ["A", "B"]
        for group in ("A", "B"):
            members = [p for p in sizes if GROUPS.get(p) == group]
            n = sum(counts[p] for p in members)
            neurons = sum(sizes[p] for p in members)
            rate = f[f"rates_by_group/{group}"]
            assert rate[()].tobytes() == (n.astype(np.float64) / neurons / width).tobytes(), group
            assert rate.attrs["mean"] == float(n.sum()) / neurons / duration_s, group


def stopped(args, directory, ranks):
    """Starts a run, sends SIGUSR1 once its first checkpoint exists, waits (test_checkpoint.py's signalled)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [h.SYNORM] + args
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None:
        if os.path.isdir(directory) and any(n.endswith(".h5") for n in os.listdir(directory)):
            break
        time.sleep(0.02)
    p.send_signal(signal.SIGUSR1)
    out, err = p.communicate(timeout=600)
    return p.returncode, out + err


def rate_records(path):
    """Every /rates and /rates_by_group dataset with its mean, and the spikes (sorted), as bytes."""
    out = {}
    with h5py.File(path, "r") as f:
        for group in ("rates", "rates_by_group"):
            for name in f[group]:
                out[f"{group}/{name}"] = f[f"{group}/{name}"][()].tobytes()
                out[f"{group}/{name}/mean"] = np.float64(f[f"{group}/{name}"].attrs["mean"]).tobytes()
    for pop, (t, i) in h.spikes(path).items():  # sorted: ranks append theirs in rank order
        out[f"spikes/{pop}"] = t.tobytes() + i.tobytes()
    return out


def test_a_checkpoint_inside_a_rate_bin_resumes_and_appends_bitwise():
    """Bins of 2.3 ms (23 steps), a checkpoint every 450 ms (4 500 steps: inside bin 195), a stop by SIGUSR1
    on two ranks after the first; then a resume on one rank with two threads from that first checkpoint,
    as after a crash: the bins the run wrote after it are cut, its open bin completed, the rest appended."""
    d = h.tmpdir()
    path, _ = config("resumed", 6000.0, 2.3, 10)
    straight, out = os.path.join(d, "straight.h5"), os.path.join(d, "out.h5")
    h.run(["run", path, "-o", straight, "-q"])
    reference = rate_records(straight)
    assert len(reference["rates/E1"]) == 8 * 2609  # 6000 ms in bins of 2.3 ms, the last one shorter

    cdir = os.path.join(d, "out.checkpoints")
    code, text = stopped(["run", path, "-o", out, "--checkpoint-every", "450 ms", "--checkpoint-keep", "100"], cdir,
                         ranks=2)
    assert code == 6, text
    first = os.path.join(cdir, "ckpt_000000004500.h5")
    with h5py.File(first, "r") as c:
        assert c["output_rate_bins"][()].tolist() == [4500 // 23], "the bins before the checkpoint's open one"
        assert c["counters/rate_first"][()].tolist() == [4500 // 23]
        open_bin = c["counters/rate_counts"][()]
        assert open_bin.size == 4 and open_bin.sum() > 0, open_bin  # one bin of each population, begun
    with h5py.File(out, "r") as f:
        written = f["rates/E1"].shape[0]
    assert written >= 4500 // 23, written

    p = h.run(["resume", first], threads=2)
    assert "from 450 ms" in p.stderr, p.stderr
    got = rate_records(out)
    assert got.keys() == reference.keys(), (got.keys(), reference.keys())
    for k in reference:
        assert got[k] == reference[k], k
