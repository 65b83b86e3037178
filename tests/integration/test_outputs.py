"""Nothing lost, nothing silently wrong: a run never damages another run's file or a finished output,
checks its checkpoint directory before it builds, stops with a checkpoint on every stop signal, names
the real cause of a stop, escapes control characters in its messages, and does not claim an output
that vanished (README "Exit codes", "Checkpoints and resuming", Troubleshooting)."""
import os
import shutil
import signal
import subprocess
import time

import h5py
import pytest

import harness as h

COBA = h.config("coba.yaml")
RANKS = (1, 2)


@pytest.fixture
def d():
    """A fresh directory for one test, removed after it."""
    path = h.tmpdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def env():
    return dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def start(args, ranks, **kw):
    """Starts `synorm ARGS` (under mpirun for 2 ranks) without waiting."""
    cmd = [h.SYNORM] + args
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(cmd, env=env(), text=True, **kw)


def finish(p, timeout=300):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, (out or "") + (err or "")


def wait_for(condition, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def rank_pids(launcher, ranks):
    """{rank: pid} of the processes that `launcher` (mpirun, or synorm itself on one rank) runs."""
    if ranks == 1:
        return {0: launcher.pid}
    found = {}

    def look():
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                if ppid != launcher.pid:
                    continue
                with open(f"/proc/{entry}/environ", "rb") as f:
                    for item in f.read().split(b"\0"):
                        if item.startswith(b"OMPI_COMM_WORLD_RANK="):
                            found[int(item.split(b"=")[1])] = int(entry)
            except (OSError, ValueError, IndexError):
                continue
        return len(found) == ranks

    wait_for(look, "the ranks of mpirun")
    return found


def running(out):
    """True once a run has created `out` (the file is at least a superblock long; the run holds its
    lock from before it touched it)."""
    return lambda: os.path.exists(out) and os.path.getsize(out) > 0


# --- item 1: one output, one run ---

@pytest.mark.parametrize("ranks", RANKS)
def test_a_second_run_on_the_same_output_is_refused_and_the_first_file_stays_intact(ranks, d):
    out = os.path.join(d, "c.h5")
    # a checkpoint of another run, to try `resume -o` on the running output
    h.run(["run", COBA, "-q", "-o", os.path.join(d, "other.h5"), "--duration", "100 ms",
           "--checkpoint-every", "50 ms"])
    # Long enough to be still running whatever the machine's speed; stopped below with SIGUSR1
    # (mpirun forwards it to every rank), which checkpoints and exits 6.
    first = start(["run", COBA, "-q", "-o", out, "--duration", "1000 s"], ranks)
    wait_for(running(out), "the first run's output")
    p = h.run(["run", COBA, "-q", "-o", out, "--duration", "6 s", "--seed", "2"], ranks=ranks, check=False)
    r = h.run(["resume", os.path.join(d, "other.checkpoints"), "-q", "-o", out, "--force"], ranks=ranks,
              check=False)
    time.sleep(2.0)  # well into its simulation (it builds in a fraction of a second), so it has spikes
    first.send_signal(signal.SIGUSR1)
    code, text = finish(first)
    assert p.returncode == 3, (ranks, p.returncode, p.stderr)
    assert f"output '{out}' is in use by another synorm run (host " in p.stderr and ", pid " in p.stderr, p.stderr
    assert r.returncode == 3 and f"output '{out}' is in use by another synorm run" in r.stderr, \
        (r.returncode, r.stderr)
    assert code == 6, (ranks, code, text)
    assert h.status(out).startswith("checkpointed at "), h.status(out)
    assert sum(len(t) for t, _ in h.spikes(out).values()) > 1000
    assert h.run(["info", out], check=False).returncode == 0
    assert not os.path.exists(out + ".lock"), "the lock file outlived its run"


@pytest.mark.parametrize("ranks", RANKS)
def test_an_existing_output_is_kept_unless_overwrite_and_a_failed_one_is_replaced(ranks, d):
    out = os.path.join(d, "c.h5")
    args = ["run", COBA, "-q", "-o", out, "--duration", "100 ms"]
    h.run(args, ranks=ranks)
    before = os.stat(out)
    p = h.run(args + ["--seed", "3"], ranks=ranks, check=False)
    assert p.returncode == 3 and "already holds a complete run" in p.stderr and "--overwrite" in p.stderr, p.stderr
    after = os.stat(out)
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (before.st_mtime_ns, before.st_size, before.st_ino)
    # a run stopped at a checkpoint is resumable: refused, pointing at resume
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "checkpointed at 50 ms: resume with synorm resume x"
    p = h.run(args, ranks=ranks, check=False)
    assert p.returncode == 3 and "synorm resume" in p.stderr and "--overwrite" in p.stderr, p.stderr
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "running"
    p = h.run(args, ranks=ranks, check=False)
    assert p.returncode == 3 and '"running"' in p.stderr, p.stderr
    # a failed run's file is replaced without asking
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "failed: the disk was full"
    p = h.run(args, ranks=ranks)
    assert "replacing" in p.stderr and h.status(out) == "complete", p.stderr
    # not a synorm output at all
    with open(out, "w") as f:
        f.write("my notes\n")
    p = h.run(args, ranks=ranks, check=False)
    assert p.returncode == 3 and "is not a synorm output" in p.stderr, p.stderr
    assert open(out).read() == "my notes\n"
    h.run(args + ["--overwrite"], ranks=ranks)
    assert h.status(out) == "complete"


# --- item 10: the checkpoint directory, before the build, one run's own ---

@pytest.mark.parametrize("ranks", RANKS)
def test_a_checkpoint_directory_that_is_a_file_is_refused_before_the_build(ranks, d):
    out, cdir = os.path.join(d, "c.h5"), os.path.join(d, "cdir")
    with open(cdir, "w") as f:
        f.write("not a directory\n")
    p = h.run(["run", COBA, "-o", out, "--duration", "200 ms", "--checkpoint-every", "100 ms",
               "--checkpoint-dir", cdir], ranks=ranks, check=False)
    assert p.returncode == 3 and "is not a directory" in p.stderr, (ranks, p.returncode, p.stderr)
    assert "built in" not in p.stderr, "the network was built (and simulated) before the check: " + p.stderr
    assert not os.path.exists(out), "a refused run left an output file"


@pytest.mark.parametrize("ranks", RANKS)
def test_two_runs_sharing_a_checkpoint_directory_are_refused_and_a_stale_tmp_is_removed(ranks, d):
    cdir = os.path.join(d, "shared")
    os.makedirs(cdir)
    stale = os.path.join(cdir, "ckpt_000000000800.h5.tmp")
    with open(stale, "w") as f:
        f.write("half a checkpoint\n")
    a = os.path.join(d, "a.h5")
    # Running until SIGUSR1 stops it (with a checkpoint, exit 6), however fast the machine is.
    first = start(["run", COBA, "-q", "-o", a, "--duration", "1000 s", "--checkpoint-every", "2 s",
                   "--checkpoint-dir", cdir], ranks)
    wait_for(running(a), "the first run's output")
    p = h.run(["run", COBA, "-q", "-o", os.path.join(d, "b.h5"), "--duration", "100 ms", "--checkpoint-dir", cdir],
              ranks=ranks, check=False)
    first.send_signal(signal.SIGUSR1)
    code, text = finish(first)
    assert p.returncode == 3, p.stderr
    assert f"checkpoint directory '{cdir}' is in use by another synorm run" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(d, "b.h5")), "the refused run left an output file"
    assert code == 6, (ranks, code, text)
    assert not os.path.exists(stale) and "removed " + stale in text, text
    names = os.listdir(cdir)
    assert any(n.endswith(".h5") for n in names) and not any(n.endswith(".tmp") for n in names), names


def test_a_checkpoint_directory_without_room_is_refused_before_the_build():
    """Needs a tmpfs mount (root with CAP_SYS_ADMIN); skipped otherwise."""
    d = h.tmpdir()
    mount = os.path.join(d, "small")
    os.makedirs(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], capture_output=True).returncode != 0:
        print("SKIP test_a_checkpoint_directory_without_room_is_refused_before_the_build: cannot mount a tmpfs here")
        return
    try:
        for ranks in RANKS:
            p = h.run(["run", COBA, "-o", os.path.join(d, "c.h5"), "--duration", "200 ms",
                       "--checkpoint-every", "100 ms", "--checkpoint-dir", os.path.join(mount, "ck")],
                      ranks=ranks, check=False)
            assert p.returncode == 3 and "MiB free" in p.stderr and "built in" not in p.stderr, p.stderr
    finally:
        subprocess.run(["umount", mount])
        shutil.rmtree(d)


# --- item 11: every stop signal checkpoints; a closed pipe loses nothing ---

def test_sigint_and_sighup_checkpoint_and_exit_6():
    """On one rank, the signal to the process (Ctrl-C, a closed terminal); on two, to every rank (as
    a terminal's process group or srun delivers it)."""
    for ranks in RANKS:
        for sig in (signal.SIGINT, signal.SIGHUP):
            d = h.tmpdir()
            out = os.path.join(d, "c.h5")
            p = start(["run", COBA, "-q", "-o", out, "--duration", "60 s"], ranks)
            wait_for(running(out), "the run's output")
            time.sleep(0.3)
            for pid in rank_pids(p, ranks).values():
                os.kill(pid, sig)
            code, text = finish(p)
            assert code == 6, (ranks, sig, code, text)
            name = signal.Signals(sig).name
            assert f"(signal {name}" in text, text
            assert h.status(out).startswith("checkpointed at "), h.status(out)
            names = os.listdir(os.path.join(d, "c.checkpoints"))
            assert any(n.startswith("ckpt_") and n.endswith(".h5") for n in names), names
            shutil.rmtree(d)


def test_a_closed_stdout_or_stderr_does_not_lose_the_run():
    d = h.tmpdir()
    out = os.path.join(d, "c.h5")
    p = start(["run", COBA, "-o", out, "--duration", "1 s"], 1)
    p.stdout.close()  # `synorm run ... | head -1` after head has gone
    p.stderr.close()
    p.wait(timeout=300)
    assert p.returncode == 0, f"exit {p.returncode} (a negative one is a death by signal)"
    assert h.status(out) == "complete", h.status(out)
    shutil.rmtree(d)


# --- item 12: the stop message names the real cause ---

@pytest.mark.parametrize("ranks", RANKS)
def test_a_signal_that_reached_one_rank_is_named_with_its_rank(ranks, d):
    out = os.path.join(d, "c.h5")
    p = start(["run", COBA, "-q", "-o", out, "--duration", "60 s"], ranks)
    wait_for(running(out), "the run's output")
    time.sleep(0.3)
    os.kill(rank_pids(p, ranks)[ranks - 1], signal.SIGUSR1)
    code, text = finish(p)
    assert code == 6, (ranks, code, text)
    assert "--stop-after" not in text, text
    expected = "(signal SIGUSR1 on rank 1)" if ranks == 2 else "(signal SIGUSR1)"
    assert expected in text, text


# --- item 13: no control character from the input reaches the terminal ---

def test_control_characters_in_messages_are_escaped():
    d = h.tmpdir()
    bad = os.path.join(d, "bad.yaml")
    with open(COBA, "rb") as f:
        text = f.read()
    # an unknown key that would set the terminal's title, and one with a C1 control (CSI)
    text = text.replace(b"simulation:\n", b"simulation:\n  \x1b]0;owned\x07dt2: 1\n", 1)
    with open(bad, "wb") as f:
        f.write(text)
    c1 = os.path.join(d, "c1.yaml")
    with open(c1, "wb") as f:
        f.write(text.replace(b"\x1b]0;owned\x07dt2", "\u009b31mred".encode()))
    for ranks in RANKS:
        for path, escaped in ((bad, "\\x1b]0;owned\\x07dt2"), (c1, "\\u009b31mred")):
            for command in (["validate", path], ["run", path, "-o", os.path.join(d, "x.h5")]):
                launcher = [h.SYNORM] if ranks == 1 else ["mpirun", "--oversubscribe", "-np", "2", h.SYNORM]
                p = subprocess.run(launcher + command, env=env(), capture_output=True)
                err = p.stderr.decode("utf-8", "replace")
                assert p.returncode == 2, (command, p.returncode, err)
                assert escaped in err, err
                for raw in (b"\x1b", "\u009b".encode(), b"\x07"):
                    assert raw not in p.stderr, p.stderr
    # multi-line messages keep their lines
    p = subprocess.run([h.SYNORM, "frobnicate"], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count("\n") > 3 and "\\x0a" not in p.stderr, p.stderr
    shutil.rmtree(d)


# --- item 14: a dangling link, an output that vanished ---

def test_a_dangling_symlink_as_output_is_named():
    d = h.tmpdir()
    link = os.path.join(d, "link.h5")
    os.symlink("/nonexistent-dir/run.h5", link)
    for ranks in RANKS:
        p = h.run(["run", COBA, "-q", "-o", link, "--duration", "100 ms"], ranks=ranks, check=False)
        assert p.returncode == 3 and "dangling symbolic link to '/nonexistent-dir/run.h5'" in p.stderr, p.stderr
    shutil.rmtree(d)


@pytest.mark.parametrize("ranks", RANKS)
def test_an_output_directory_removed_during_the_run_is_reported(ranks, d):
    where = os.path.join(d, "results")
    os.makedirs(where)
    out = os.path.join(where, "c.h5")
    p = start(["run", COBA, "-o", out, "--duration", "8 s"], ranks)
    wait_for(running(out), "the run's output")
    shutil.rmtree(where)
    code, text = finish(p)
    assert code == 3, (ranks, code, text)
    assert "was removed or replaced during the run" in text, text
    assert "output written to" not in text, text
