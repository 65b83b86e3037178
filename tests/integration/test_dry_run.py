"""`synorm run --dry-run P[xT][:r]` (README "Dry run"): one process builds rank r's share of a P-rank job
and models the other ranks. It must hold exactly the synapses the real rank r holds (count and
checksum, /provenance), take no more memory than that rank, and refuse bad arguments before any
simulation time is spent."""
import csv
import os
import re
import signal
import subprocess
import time

import numpy as np

import harness as h

BRUNEL = ["--set", "network.scale=0.1", "--duration", "20 ms"]


def provenance(path):
    with h.files.Output(path) as run:
        return run.provenance()


def u64(values):
    return [int(v) & (2**64 - 1) for v in values]


def test_dry_run_holds_the_real_ranks_synapses_and_no_more_memory():
    d = h.tmpdir()
    for ranks in (2, 4, 8):
        real = os.path.join(d, f"real{ranks}.h5")
        h.run(["run", h.config("brunel.yaml"), "-o", real, "-q"] + BRUNEL, ranks=ranks)
        pr = provenance(real)
        assert len(pr["synapse_checksum"]) == ranks
        assert len(set(u64(pr["synapse_checksum"]))) == ranks  # the ranks' shares differ
        for rank in sorted({0, ranks // 2, ranks - 1}):
            dry = os.path.join(d, f"dry{ranks}.{rank}.h5")
            h.run(["run", h.config("brunel.yaml"), "-o", dry, "-q", "--dry-run", f"{ranks}:{rank}",
                   "--dry-run-rates", real] + BRUNEL)
            pd = provenance(dry)
            assert pd["dry_run"] == f"rank {rank} of {ranks}"
            assert int(pd["ranks"]) == ranks
            assert int(pd["synapses_per_rank"][0]) == int(pr["synapses_per_rank"][rank])
            assert u64(pd["synapse_checksum"]) == [u64(pr["synapse_checksum"])[rank]]
            # Same threads, same tables: their bytes agree exactly.
            assert int(pd["synapse_bytes"][0]) == int(pr["synapse_bytes"][rank])
            # The dry run has no MPI library and no exchange buffers; it adds a partition of its own
            # rank's neurons and one interval of modelled spikes, kilobytes here. 5 % is the bound.
            assert pd["peak_rss_bytes"][0] <= 1.05 * pr["peak_rss_bytes"][rank], (ranks, rank)
    # Threads change the layout of the tables, not the synapses.
    dry = os.path.join(d, "dry4x2.h5")
    h.run(["run", h.config("brunel.yaml"), "-o", dry, "-q", "--dry-run", "4x2:3", "--dry-run-rates",
           os.path.join(d, "real4.h5")] + BRUNEL)
    pd, pr = provenance(dry), provenance(os.path.join(d, "real4.h5"))
    assert int(pd["threads"]) == 2
    assert u64(pd["synapse_checksum"]) == [u64(pr["synapse_checksum"])[3]]


def test_dry_run_does_the_real_ranks_work():
    """A dry run of each rank of a 2-rank job, given the real run's output (--dry-run-rates of the same
    network), replays the other rank's spikes themselves, so it does exactly the real rank's work: the
    spikes of its own neurons, the spikes it receives and the synaptic events they cause are the real
    rank's. Seeded counts, the same however loaded the machine: what makes the loop's time is compared,
    not the time (README "Dry run" and tools/dry_run_check have the times). With the mean rates alone
    coba's rank 0 came out at 6847 own spikes against 4222 (its onset: a kick, a lull, then
    self-sustained activity with rates spread over neurons, CV 1.2)."""
    d = h.tmpdir()
    cases = [("coba.yaml", ["--duration", "200 ms"]), ("brunel.yaml", BRUNEL)]
    for config, extra in cases:
        real = os.path.join(d, f"real_{config}.h5")
        h.run(["run", h.config(config), "-o", real, "-q"] + extra, ranks=2)
        pr = provenance(real)
        spikes = [int(s) for s in pr["rank_spikes"]]
        for rank in (0, 1):
            dry = os.path.join(d, f"dry_{config}.{rank}.h5")
            h.run(["run", h.config(config), "-o", dry, "-q", "--dry-run", f"2:{rank}", "--dry-run-rates", real] + extra)
            pd = provenance(dry)
            c = [int(v) for v in pd["dry_run_counts"]]
            figures = {"own spikes": (spikes[rank], c[1]),
                       "received spikes": (sum(spikes), c[1] + c[2]),  # allgather: every rank's
                       "synaptic events": (int(pr["rank_events"][rank]), int(pd["rank_events"][0]))}
            times = ", ".join(f"{k} {float(pr['time_' + k][rank]):.3f}/{float(pd['time_' + k][0]):.3f}"
                              for k in ("update", "deliver", "exchange", "wait"))
            print(f"  {config} rank {rank} of 2, real/dry: " +
                  ", ".join(f"{k} {a}/{b}" for k, (a, b) in figures.items()) +
                  f"; s: {times}, loop {float(pr['loop_time']):.3f}/{float(pd['loop_time']):.3f}")
            for name, (want, got) in figures.items():
                assert got == want, (config, rank, name, want, got)
            # Its own neurons' spikes are the real rank's, spike for spike ((times, ids) by population).
            a, b = h.spikes(real), h.spikes(dry)
            for pop in b:
                mine = np.isin(a[pop][1], np.unique(b[pop][1]))
                assert np.array_equal(a[pop][0][mine], b[pop][0]) and np.array_equal(a[pop][1][mine], b[pop][1])


def with_rates(d, rates):
    path = os.path.join(d, "brunel_rates.yaml")
    with open(h.config("brunel.yaml")) as src, open(path, "w") as out:
        out.write(src.read() + "\ndry_run:\n  rates: {" + rates + "}\n")
    return path


def test_modelled_remote_spikes_follow_the_rates_and_are_reproducible():
    d = h.tmpdir()
    config = with_rates(d, 'E: "20 Hz", I: "40 Hz"')
    outs = []
    for k in range(2):
        out = os.path.join(d, f"dry{k}.h5")
        p = h.run(["run", config, "-o", out, "--dry-run", "4:1"] + BRUNEL)
        assert "dry run of rank 1 of 4" in p.stdout and "modelled exchange" in p.stdout
        outs.append(out)
    assert "dry run:     rank 1 of 4" in h.run(["info", outs[0]]).stdout
    counts = [provenance(o)["dry_run_counts"] for o in outs]
    assert list(counts[0]) == list(counts[1])
    a, b = h.spikes(outs[0]), h.spikes(outs[1])
    for pop in a:
        assert np.array_equal(a[pop][0], b[pop][0]) and np.array_equal(a[pop][1], b[pop][1])
    # brunel at scale 0.1: 1000 E and 250 I neurons, 3/4 of them remote on 4 ranks; 20 ms.
    expected = (750 * 20.0 + 187.5 * 40.0) * 0.020
    assert abs(counts[0][2] - expected) < 5 * np.sqrt(expected)
    # Sent: own spikes and a count word per exchange, to each of the 3 others; received: the others'. An
    # overlapped interval (comm.overlap, on by default with more than one rank) is two exchanges.
    per_interval = 2 if provenance(outs[0])["overlap"] == "on" else 1
    assert per_interval == 2, "brunel's minimum delay is 15 steps: the real rank would overlap"
    assert counts[0][4] == 8 * (counts[0][1] + per_interval * counts[0][0]) * 3
    assert counts[0][5] == 8 * (counts[0][2] + 3 * per_interval * counts[0][0])


def test_validate_dry_run_builds_the_ranks_share():
    d = h.tmpdir()
    real = os.path.join(d, "real.h5")
    h.run(["run", h.config("brunel.yaml"), "-o", real, "-q"] + BRUNEL, ranks=2)
    out = h.run(["validate", h.config("brunel.yaml"), "--set", "network.scale=0.1", "--estimate", "--dry-run",
                 "2:1"]).stdout
    checksum = re.search(r"checksum ([0-9a-f]{16})", out).group(1)
    assert int(checksum, 16) == u64(provenance(real)["synapse_checksum"])[1]
    assert re.search(r"synapse tables\s+[0-9.]+ MiB \(estimate [0-9.]+ MiB\)", out)


def test_bad_dry_run_arguments_are_refused_before_anything_runs():
    d = h.tmpdir()
    out = os.path.join(d, "x.h5")
    base = ["run", h.config("brunel.yaml"), "-o", out] + BRUNEL
    cases = [
        (["--dry-run", "4:4"], "rank 4 is not one of the 4 ranks"),
        (["--dry-run", "0"], "at least 1"),
        (["--dry-run", "4x0:1"], "at least 1"),
        (["--dry-run", "four"], "expected P[xT][:r]"),
        (["--dry-run", "4:"], "expected P[xT][:r]"),
        (["--dry-run", "4x2", "--threads", "3"], "different thread counts"),
        (["--dry-run-rates", out], "applies only with --dry-run"),
        (["--dry-run", "4", "--checkpoint-every", "10 ms"], "does not apply to a dry run"),
        (["--dry-run", "4"], "no rate for population E"),
        (["--dry-run", "4", "--dry-run-rates", os.path.join(d, "missing.h5")], "--dry-run-rates"),
    ]
    for extra, message in cases:
        p = h.run(base + extra, check=False)
        assert p.returncode == 2, (extra, p.returncode, p.stderr)
        assert message in p.stderr, (extra, p.stderr)
        assert not os.path.exists(out), extra
    p = h.run(base + ["--dry-run", "2"], ranks=2, check=False)
    assert p.returncode == 2 and "without mpirun" in p.stderr
    p = h.run(["validate", h.config("brunel.yaml"), "--dry-run", "2"], check=False)
    assert p.returncode == 2 and "without --estimate" in p.stderr


def test_scaling_series_of_dry_runs():
    d = h.tmpdir()
    out = os.path.join(d, "series")
    env = dict(os.environ, SYNORM=h.SYNORM)
    p = subprocess.run([os.path.join(h.SOURCE, "jobs", "scaling.sh"), "--dry-run", "--configs", "brunel", "--ranks",
                        "1,4", "--scale", "0.1", "--duration", "10 ms", "--set", "dry_run.rates.E=5 Hz", "--set",
                        "dry_run.rates.I=5 Hz", "--out", out], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(out, "scaling.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    got = sorted((r["series"], int(r["ranks"]), r["dry_ranks"]) for r in rows)
    assert got == [("strong", 1, "0"), ("strong", 4, "0,2,3"), ("weak", 1, "0"), ("weak", 4, "0,2,3")], got
    for r in rows:
        assert r["status"] == "complete" and float(r["rtf"]) > 0 and float(r["rtf_modelled"]) > 0, r
    # Weak scaling keeps each rank's share: its synapse tables stay near the 1-rank network's.
    weak = {int(r["ranks"]): float(r["synapse_mib"]) for r in rows if r["series"] == "weak"}
    strong = {int(r["ranks"]): float(r["synapse_mib"]) for r in rows if r["series"] == "strong"}
    assert strong[4] < 0.5 * strong[1] and weak[4] > 0.8 * weak[1], (strong, weak)
    with open(os.path.join(out, "scaling.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_bare_scale_overrides_the_series_default_scale():
    # microcircuit's built-in default is 0.25; a bare --scale is every network's, that one's too.
    d = h.tmpdir()
    out = os.path.join(d, "series")
    env = dict(os.environ, SYNORM=h.SYNORM)
    p = subprocess.run([os.path.join(h.SOURCE, "jobs", "scaling.sh"), "--dry-run", "--configs", "microcircuit",
                        "--ranks", "1", "--series", "strong", "--scale", "0.02", "--duration", "5 ms", "--out", out],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(out, "dry_runs.tsv"), newline="") as f:
        scales = {r["scale"] for r in csv.DictReader(f, delimiter="\t")}
    assert scales == {"0.02"}, scales


def test_a_signal_ends_a_dry_run_without_a_checkpoint():
    d = h.tmpdir()
    out = os.path.join(d, "sig.h5")
    config = with_rates(d, 'E: "5 Hz", I: "5 Hz"')
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([h.SYNORM, "run", config, "-o", out, "-q", "--dry-run", "2:1", "--set",
                             "network.scale=0.1", "--duration", "60 s"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(out) and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "a dry run takes no checkpoints" in err
    assert h.status(out).startswith("failed: stopped by SIGTERM")
    assert not os.path.exists(os.path.join(d, "sig.checkpoints")) or not os.listdir(os.path.join(d, "sig.checkpoints"))


def test_scaling_model_predicts_from_the_dry_runs_counts():
    """tools/scaling_model: RTF = (compute + messages · latency + bytes / bandwidth) / biological time,
    per exchange; a larger latency costs exactly messages · Δlatency; a run that is not dry is refused."""
    d = h.tmpdir()
    config = with_rates(d, 'E: "20 Hz", I: "40 Hz"')
    runs = []
    for exchange in ("allgather", "alltoall"):
        out = os.path.join(d, f"{exchange}.h5")
        h.run(["run", config, "-o", out, "-q", "--dry-run", "4:1", "--set", f"comm.exchange={exchange}"] + BRUNEL)
        runs.append(out)
    model = os.path.join(h.SOURCE, "tools", "scaling_model")

    def table(*extra):
        p = subprocess.run(["/usr/bin/python3", model, *extra, *runs], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return {r["exchange"]: r for r in csv.DictReader(p.stdout.splitlines(), delimiter="\t")}

    base, slow = table(), table("--latency", "1 ms")
    assert set(base) == {"allgather", "alltoall"}
    for exchange, out in zip(("allgather", "alltoall"), runs):
        counts = provenance(out)["dry_run_counts"]
        bio = float(provenance(out)["simulated_time"]) * 1e-3
        assert int(base[exchange]["ranks"]) == 4 and float(base[exchange]["rtf_predicted"]) > 0
        extra = (float(slow[exchange]["rtf_predicted"]) - float(base[exchange]["rtf_predicted"])) * bio
        assert abs(extra - counts[3] * (1e-3 - 1e-6)) < 1e-3 * counts[3] * 1e-3 + 1e-6, (exchange, extra, counts[3])
    # --budget with given costs: one row per job; its modelled RTF is its compute, exchange and wait.
    p = subprocess.run(["/usr/bin/python3", model, "--budget", "--costs", "10,125,0,214", *runs], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0 and "given costs" in p.stderr, p.stderr
    budget = {r["exchange"]: r for r in csv.DictReader(p.stdout.splitlines(), delimiter="\t")}
    assert set(budget) == {"allgather", "alltoall"}
    for exchange, out in zip(("allgather", "alltoall"), runs):
        row, counts = budget[exchange], provenance(out)["dry_run_counts"]
        assert int(row["dry_runs"]) == 1 and float(row["wait_model"]) == 0.0
        assert abs(float(row["received_per_interval"]) - counts[2] / counts[0]) < 1e-3 * counts[2] / counts[0] + 1e-9
        total = float(row["compute_model"]) + float(row["exchange_time"]) + float(row["wait_model"])
        assert float(row["compute_model"]) > 0 and abs(float(row["rtf_model"]) - total) < 1e-3 * total, row
    p = subprocess.run(["/usr/bin/python3", model, "--budget", "--costs", "10,125", *runs], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 10 and "four numbers" in p.stderr, p.stderr
    real = os.path.join(d, "real.h5")
    h.run(["run", h.config("brunel.yaml"), "-o", real, "-q"] + BRUNEL)
    p = subprocess.run(["/usr/bin/python3", model, real], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "not a dry run" in p.stderr, p.stderr
