"""Checkpoints end to end: a signal stops a run with exit code 6 after a checkpoint, `synorm resume`
on another layout (one or two ranks, the output continued through parallel HDF5) finishes it, and the
output file then holds what a run that never stopped holds; and the bad inputs a user meets (README
Troubleshooting, "Checkpoints")."""
import os
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np

import harness as h

# config/coba_stdp.yaml, shorter: STDP on EE, the homeostasis loop every 100 ms, and synaptic scaling on E.
SHORT = ["--duration", "2 s", "--set",
         "populations.E.scaling={target_rate: \"15 Hz\", tau_up: \"2 s\", tau_down: \"2 s\"}"]


def records(path):
    """Everything a finished file holds that must not depend on a stop: spikes, rates, homeostasis,
    weight snapshots (sorted) and final potentials."""
    out = {"spikes": h.spikes(path), "v": h.final_v(path)}
    with h.files.Output(path) as f:
        assert f.status == "complete", f.status
        out["rates"] = f.rates()[1]
        out["homeostasis"] = f.homeostasis()
        for proj in f.snapshot_projections():
            for s in f.snapshots(proj):
                out[f"w/{proj}/{s.index}"] = (s.source, s.target, s.weight)
    return out


def patterns(path):
    """/patterns: {"<pattern>/<dataset>": array}."""
    with h.files.Output(path) as f:
        return f.patterns()


def identical(u, v):
    """Bitwise, so that NaN equals NaN (/homeostasis/<population>/ei_ratio is NaN for a period
    without inhibitory input, as in a down state of NREM)."""
    u, v = np.asarray(u), np.asarray(v)
    return u.dtype == v.dtype and u.shape == v.shape and u.tobytes() == v.tobytes()


def assert_same(a, b):
    assert a.keys() == b.keys(), (a.keys(), b.keys())
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, dict):
            assert x.keys() == y.keys(), k
            for kk in x:
                for u, v in zip(np.atleast_1d(x[kk]) if not isinstance(x[kk], tuple) else x[kk],
                                np.atleast_1d(y[kk]) if not isinstance(y[kk], tuple) else y[kk]):
                    assert identical(u, v), f"{k}/{kk} differs"
        else:
            for u, v in zip(x, y):
                assert identical(u, v), f"{k} differs"


def signalled(args, directory, ranks=1, threads=1):
    """Starts a run, sends SIGUSR1 once its first checkpoint exists (so it is inside the loop), waits."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [h.SYNORM] + args
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None:
        if os.path.isdir(directory) and any(n.endswith(".h5") for n in os.listdir(directory)):
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGUSR1)  # mpirun forwards it to every rank
    time.sleep(0.05)
    p.send_signal(signal.SIGUSR1)  # a second one changes nothing
    out, err = p.communicate(timeout=600)
    return p.returncode, out + err


def test_signal_exit_6_then_resume_on_another_layout_gives_the_output_of_an_uninterrupted_run():
    d = h.tmpdir()
    straight = os.path.join(d, "straight.h5")
    h.run(["run", h.config("coba_stdp.yaml"), "-o", straight, "-q"] + SHORT)
    reference = records(straight)
    assert sum(len(t) for t, _ in reference["spikes"].values()) > 10000
    # 2 ranks from a 1-rank checkpoint, 1 rank from a 2-rank one, 2 ranks from a 2-rank one (the
    # output file then continued through parallel HDF5 by every layout).
    for first, second in [((1, 2), (2, 1)), ((2, 1), (1, 1)), ((2, 1), (2, 2))]:
        name = f"run{first[0]}{first[1]}-{second[0]}{second[1]}"
        out = os.path.join(d, name + ".h5")
        cdir = os.path.join(d, name + ".checkpoints")
        code, text = signalled(["run", h.config("coba_stdp.yaml"), "-o", out, "--checkpoint-every", "300 ms"] + SHORT,
                               cdir,
                               ranks=first[0], threads=first[1])
        assert code == 6, (first, code, text)
        assert "continue with: synorm resume" in text, text
        assert h.status(out).startswith("checkpointed at "), h.status(out)
        # A checkpoint's configuration is the output's, read back from it: the run keeps no copy.
        with h.files.Output(out) as o:
            written = o.config
        assert written.startswith("# synorm resolved configuration"), written[:80]
        for n in (n for n in os.listdir(cdir) if n.endswith(".h5")):
            with h.files.Checkpoint(os.path.join(cdir, n)) as c:
                assert c.config == written, n
        p = h.run(["resume", cdir], ranks=second[0], threads=second[1])
        assert "from " in p.stderr, p.stderr
        assert_same(reference, records(out))
        h5spikes = "/work/shared/tools/h5spikes.py"
        eq = subprocess.run(["/usr/bin/python3", h5spikes, "equal", straight, out],
                            capture_output=True, text=True) if os.path.exists(h5spikes) else None
        assert eq is None or eq.returncode == 0, eq.stdout + eq.stderr
        # The run is finished now: resuming it again is refused, on any number of ranks.
        p = h.run(["resume", cdir], ranks=second[0], check=False)
        assert p.returncode == 2 and "is finished" in p.stderr, p.stderr
    shutil.rmtree(d)


# config/sleep_wake.yaml, one cycle of 600 ms wake and 600 ms NREM with SHY renormalization, and
# pruning of E → E at the end of NREM of the synapses below 6.2 nS at all 11 checks from 200 ms on:
# the tag counts of the checkpoint decide which synapses go.
SLEEP = ["--set", "schedule.cycles=1", "--set", "schedule.phases.0.duration=600 ms", "--set",
         "schedule.phases.1.duration=600 ms",
         "--set", "schedule.renormalization.tau=200 ms",
         "--set", "projections.0.pruning={threshold: 6.2 nS, tagging_time: 1000 ms}"]


def test_a_schedule_stopped_in_wake_resumes_across_the_phase_change_on_two_ranks():
    d = h.tmpdir()
    straight = os.path.join(d, "straight.h5")
    h.run(["run", h.config("sleep_wake.yaml"), "-o", straight, "-q"] + SLEEP)
    reference = records(straight)
    def phase_table(f):
        """Every /phases column and per-population series but the wall times, and the /phase_weights snapshots."""
        table = {k: v for k, v in f.phases().items() if k != "wall"}
        # /pruning, but for the table bytes, which depend on the layout
        table.update({"pruning/" + k: v for k, v in f.pruning().items() if "bytes" not in k})
        for proj in f.snapshot_projections("phase_weights"):  # in (target, source) order: the ranks' parts interleave
            for snap in f.snapshots(proj, "phase_weights"):
                for k in ("source", "target", "weight"):
                    table[f"w/{proj}/{snap.index}/{k}"] = getattr(snap, k)
        return table

    with h.files.Output(straight) as f:
        phases = phase_table(f)
    assert phases["kind"] == ["wake", "nrem"] and phases["renormalization"][1] < 0.99, phases
    assert phases["pruning/EE/removed"][0] > 100 and phases["pruned"][1] == phases["pruning/EE/removed"][0], phases
    out = os.path.join(d, "run.h5")
    cdir = os.path.join(d, "run.checkpoints")
    # Stopped in wake at the first checkpoint (200 ms) or soon after: the change to NREM comes after it.
    code, text = signalled(["run", h.config("sleep_wake.yaml"), "-o", out, "--checkpoint-every", "200 ms"] + SLEEP,
                           cdir, ranks=2)
    assert code == 6, text
    stopped = float(h.status(out).split("checkpointed at ")[1].split(" ms")[0])
    assert stopped < 600, f"stopped at {stopped} ms, after the phase change"
    h.run(["resume", cdir], ranks=2)
    got = records(out)
    with h.files.Output(out) as f:
        resumed = phase_table(f)
        wall = f.phases()["wall"]
    # The phase open at the checkpoint counts the wall time before it too (and each phase took some).
    assert np.all(wall > 0), wall
    assert resumed.keys() == phases.keys(), (resumed.keys(), phases.keys())
    for k, v in phases.items():  # bitwise, NaN included
        assert np.asarray(resumed[k]).tobytes() == np.asarray(v).tobytes(), f"/phases or /phase_weights: {k} differs"
    assert_same(reference, got)
    shutil.rmtree(d)


def test_a_signal_during_start_up_checkpoints_at_the_first_interval_and_exits_6():
    """SIGTERM while the network is being built (after the memory estimate is printed): honoured at the
    end of the first communication interval, exit 6, and the run resumes to the uninterrupted result."""
    d = h.tmpdir()
    args = [h.config("brunel.yaml"), "--set", "network.scale=0.2", "--set", "network.indegree_scale=1", "--duration",
            "300 ms"]
    straight = os.path.join(d, "straight.h5")
    h.run(["run"] + args + ["-o", straight, "-q"])
    out = os.path.join(d, "early.h5")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.Popen([h.SYNORM, "run"] + args + ["-o", out], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    first = p.stderr.readline()
    p.send_signal(signal.SIGTERM)
    out_text, rest = p.communicate(timeout=300)
    assert "estimated peak memory" in first, first + rest
    assert "built in" in rest, "the signal came before the build ended" + rest
    assert p.returncode == 6, (p.returncode, first + rest)
    # D = 15 steps of 0.1 ms
    assert "synorm: stopped at 1.5 ms after checkpoint" in rest and "(signal SIGTERM)" in rest, rest
    h.run(["resume", os.path.join(d, "early.checkpoints"), "-q"])
    eq = subprocess.run(["/usr/bin/python3", "/work/shared/tools/h5spikes.py", "equal", straight, out],
                        capture_output=True, text=True)
    assert eq.returncode == 0, eq.stdout + eq.stderr
    shutil.rmtree(d)


def test_stop_after_checkpoints_and_exits_6():
    d = h.tmpdir()
    out = os.path.join(d, "long.h5")
    p = h.run(["run", h.config("coba_stdp.yaml"), "-o", out, "--duration", "600 s", "--stop-after", "2 s"], check=False)
    assert p.returncode == 6, p.stderr
    assert "(--stop-after)" in p.stderr, p.stderr
    names = os.listdir(os.path.join(d, "long.checkpoints"))
    assert len(names) == 1 and names[0].startswith("ckpt_") and names[0].endswith(".h5"), names
    shutil.rmtree(d)


def test_stimulus_patterns_stopped_inside_a_probe_window_resume_on_two_ranks():
    # config/engram.yaml, short: presentations every 100 ms in wake, recall probes at 250 ms (wake) and
    # 450 ms (NREM). Stopped at 300 ms, inside the first probe's window and before the phase change.
    d = h.tmpdir()
    short = ["--set", "schedule.cycles=1", "--set", "schedule.phases.0.duration=400 ms",
             "--set", "schedule.phases.1.duration=400 ms", "--set", "inputs.1.start=0 ms",
             "--set", "inputs.1.period=100 ms", "--set", "inputs.1.duration=50 ms", "--set", "inputs.1.stop=never",
             "--set", "inputs.1.probe.times=[250 ms, 450 ms]"]

    straight = os.path.join(d, "straight.h5")
    h.run(["run", h.config("engram.yaml"), "-o", straight, "-q"] + short)
    reference = patterns(straight)
    assert reference["A/uncued_spikes"].sum() > 0 and len(reference["A/weight_time"]) == 3, reference
    # The run with checkpoints at 300 and 600 ms, marked unfinished, resumed from the first one.
    out = os.path.join(d, "run.h5")
    h.run(["run", h.config("engram.yaml"), "-o", out, "-q", "--checkpoint-every", "300 ms", "--checkpoint-keep",
           "2"] + short)
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "running"
    cdir = os.path.join(d, "run.checkpoints")
    first = sorted(os.listdir(cdir))[0]
    assert first == "ckpt_000000003000.h5", os.listdir(cdir)
    h.run(["resume", os.path.join(cdir, first)], ranks=2)
    got = patterns(out)
    assert got.keys() == reference.keys(), (got.keys(), reference.keys())
    for k, v in reference.items():
        assert np.asarray(got[k]).tobytes() == np.asarray(v).tobytes(), f"/patterns/{k} differs: {got[k]} vs {v}"
    assert_same(records(straight), records(out))
    # synorm info prints the pattern: its group, its probes' responses and the engram's course.
    info = h.run(["info", out]).stdout
    assert "pattern A (200 neurons of E, 4 presentations" in info, info
    assert info.count("  probe at ") == 2 and "engram in EE" in info, info
    shutil.rmtree(d)


def test_stimulus_patterns_without_a_schedule_resume_with_one_sample_at_t0():
    # config/engram.yaml without its schedule: the patterns' engram is sampled at 0 and at the end only.
    # A resumed run must not add a second sample at 0 (with the weights of the checkpoint).
    d = h.tmpdir()
    with open(h.config("engram.yaml")) as f:
        text = f.read()
    text = text[:text.index("schedule:")] + text[text.index("recording:"):]
    config = os.path.join(d, "engram_plain.yaml")
    with open(config, "w") as f:
        f.write(text)
    short = ["--duration", "600 ms", "--set", "inputs.1.stop=never", "--set", "inputs.1.probe.times=[450 ms]"]

    straight = os.path.join(d, "straight.h5")
    h.run(["run", config, "-o", straight, "-q"] + short)
    reference = patterns(straight)
    assert list(reference["A/weight_time"]) == [0.0, 600.0], reference["A/weight_time"]
    out = os.path.join(d, "run.h5")
    h.run(["run", config, "-o", out, "-q", "--checkpoint-every", "300 ms"] + short)
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "running"
    cdir = os.path.join(d, "run.checkpoints")
    h.run(["resume", os.path.join(cdir, sorted(os.listdir(cdir))[0])])
    got = patterns(out)
    assert got.keys() == reference.keys(), (got.keys(), reference.keys())
    for k, v in reference.items():
        assert np.asarray(got[k]).tobytes() == np.asarray(v).tobytes(), f"/patterns/{k} differs: {got[k]} vs {v}"
    shutil.rmtree(d)


def checkpointed_run(d, name, extra=()):
    """A short run that leaves checkpoints at 600 and 900 ms (and completes)."""
    out = os.path.join(d, name + ".h5")
    h.run(["run", h.config("coba_stdp.yaml"), "-o", out, "-q", "--duration", "1.2 s", "--checkpoint-every",
           "300 ms"] + list(extra))
    cdir = os.path.join(d, name + ".checkpoints")
    return out, cdir, sorted(os.path.join(cdir, n) for n in os.listdir(cdir))


def test_bad_checkpoints_are_refused_with_their_reason():
    d = h.tmpdir()
    out, cdir, files = checkpointed_run(d, "a")
    assert len(files) == 2, files  # 600 and 900 ms: --checkpoint-keep 2 removed the one at 300 ms

    # synorm info CHECKPOINT: what it holds.
    p = h.run(["info", files[-1]])
    for expected in ["synorm checkpoint (format 4), complete",
                     "time:        900 ms of 1200 ms (step 9000 of 12000, 75 %)",
                     "on 1 rank(s) x 1 thread(s)", "config hash: ", "output:      " + os.path.abspath(out),
                     "4000 neurons, ", "size:  ",
                     "synorm resume " + files[-1]]:
        assert expected in p.stdout, (expected, p.stdout)

    # A truncated checkpoint.
    cut = os.path.join(d, "cut.h5")
    shutil.copy(files[-1], cut)
    os.truncate(cut, os.path.getsize(cut) // 2)
    p = h.run(["resume", cut], check=False)
    assert p.returncode == 2, p.stderr
    assert f"cannot read checkpoint '{cut}'" in p.stderr and "truncated" in p.stderr, p.stderr
    p = h.run(["info", cut], check=False)
    assert p.returncode == 3 and "truncated" in p.stderr, p.stderr

    # A checkpoint of an older format (1: plastic synapses with deferred potentiation).
    old = os.path.join(d, "old.h5")
    shutil.copy(files[-1], old)
    with h5py.File(old, "r+") as f:
        f.attrs["format_version"] = np.int32(1)
    p = h.run(["resume", old], check=False)
    assert p.returncode == 2, p.stderr
    assert "format version 1, this synorm reads 4" in p.stderr, p.stderr
    assert "resume it with the synorm that wrote it (synorm 0." in p.stderr, p.stderr

    # A checkpoint that is not one (the output file).
    p = h.run(["resume", out], check=False)
    assert p.returncode == 2 and "not a synorm checkpoint" in p.stderr, p.stderr

    # A checkpoint of another configuration than the output file it would continue.
    other, _, _ = checkpointed_run(d, "b", ["--seed", "7"])
    with h5py.File(other, "r+") as f:
        f.attrs["status"] = "running"  # as if it had stopped
    p = h.run(["resume", files[0], "-o", other], check=False)
    assert p.returncode == 2, p.stderr
    assert "of another configuration" in p.stderr and "simulation.seed" in p.stderr, p.stderr

    # The run is finished: nothing to resume.
    p = h.run(["resume", cdir], check=False)
    assert p.returncode == 2 and "is finished" in p.stderr, p.stderr

    # An output written on one rank by an older synorm (chunks allocated incrementally, as h5py
    # does) continued on two ranks: refused before any collective write could hang.
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "running"
        f.attrs["format_version"] = np.int32(1)  # as an older synorm wrote it: no checksums
        ids = f["spikes/E/node_ids"][()]
        del f["spikes/E/node_ids"]
        f.create_dataset("spikes/E/node_ids", data=ids, chunks=(65536,), maxshape=(None,))
    p = h.run(["resume", files[0]], ranks=2, check=False)
    assert p.returncode == 3, p.stderr
    assert "written on one rank by an older synorm" in p.stderr, p.stderr
    assert "resume without mpirun or with -np 1" in p.stderr, p.stderr
    shutil.rmtree(d)


def test_a_failed_checkpoint_write_keeps_the_previous_checkpoint():
    d = h.tmpdir()
    out, cdir, files = checkpointed_run(d, "a")
    before = {f: open(f, "rb").read() for f in files}
    # The next run writes its 300 ms checkpoint over the old one; the write cannot happen. As root,
    # permissions do not stop a write: a directory in the temporary file's place does.
    if os.geteuid() == 0:
        os.mkdir(files[0] + ".tmp")
    else:
        os.chmod(cdir, 0o555)
    p = h.run(["run", h.config("coba_stdp.yaml"), "-o", out, "-q", "--duration", "1.2 s", "--checkpoint-every",
               "300 ms",
               "--overwrite"], check=False)
    if os.geteuid() != 0:
        os.chmod(cdir, 0o755)
    assert p.returncode == 3, p.stderr
    assert "writing a checkpoint failed" in p.stderr, p.stderr
    assert "the previous checkpoint, if any, is intact" in p.stderr, p.stderr
    for f, data in before.items():
        assert open(f, "rb").read() == data, f"{f} changed"
    assert h.status(out).startswith("failed: writing a checkpoint failed"), h.status(out)
    shutil.rmtree(d)


def test_a_full_disk_keeps_the_previous_checkpoint_and_the_run_resumes_from_it():
    """Checkpoints into a small tmpfs that holds one checkpoint and not two: the second write fails
    (no space left), the run stops with exit 3, the first checkpoint is intact, and resuming from the
    directory gives the output of an uninterrupted run. Needs root to mount the tmpfs."""
    if os.geteuid() != 0:
        print("  skipped: mounting a small tmpfs needs root")
        return
    d = h.tmpdir()
    straight = os.path.join(d, "straight.h5")
    args = ["run", h.config("coba_stdp.yaml"), "-q", "--duration", "1.2 s", "--checkpoint-every", "300 ms"]
    h.run(args + ["-o", straight, "--checkpoint-dir", os.path.join(d, "probe")])
    size = max(os.path.getsize(os.path.join(d, "probe", n)) for n in os.listdir(os.path.join(d, "probe")))
    full = os.path.join(d, "full")
    os.mkdir(full)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2}", "tmpfs", full],
                      capture_output=True).returncode != 0:
        print("  skipped: cannot mount a tmpfs here")
        shutil.rmtree(d)
        return
    try:
        out = os.path.join(d, "run.h5")
        p = h.run(args + ["-o", out, "--checkpoint-dir", full, "--checkpoint-keep", "5"], check=False)
        assert p.returncode == 3, p.stderr
        assert "writing a checkpoint failed" in p.stderr, p.stderr
        assert "the previous checkpoint, if any, is intact" in p.stderr, p.stderr
        assert sorted(os.listdir(full)) == ["ckpt_000000003000.h5"], os.listdir(full)  # no .tmp left behind
        assert h.status(out).startswith("failed: writing a checkpoint failed"), h.status(out)
        info = h.run(["info", os.path.join(full, "ckpt_000000003000.h5")])
        assert "300 ms of 1200 ms" in info.stdout, info.stdout
        h.run(["resume", full, "-q"], ranks=2)
        assert_same(records(straight), records(out))
    finally:
        subprocess.run(["umount", full], capture_output=True)
    shutil.rmtree(d)
