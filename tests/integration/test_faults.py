"""A dead rank ends the job: a rank killed with SIGKILL in the middle of a run makes the whole job end
within 30 s with a message naming that rank, and the output file is never marked complete."""
import os
import signal
import subprocess
import time

import harness as h


def rank_pids(marker):
    """{rank: pid} of the synorm processes whose command line contains `marker`."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            if not cmd or not cmd[0].endswith(b"synorm") or marker.encode() not in cmd:
                continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
            found[int(env.get(b"OMPI_COMM_WORLD_RANK", b"-1"))] = int(pid)
        except OSError:
            continue
    return found


def test_a_killed_rank_ends_the_job_naming_it():
    out = os.path.join(h.tmpdir(), "killed.h5")
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = ["mpirun", "--oversubscribe", "-np", "2", h.SYNORM, "run", h.config("coba.yaml"), "--duration", "1000 s",
           "-o", out]
    job = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        deadline = time.time() + 60
        pids = {}
        while time.time() < deadline and (len(pids) < 2 or not os.path.exists(out)):
            time.sleep(0.2)
            pids = rank_pids(out)
        assert len(pids) == 2, f"ranks not found: {pids}"
        time.sleep(1.0)  # well into the simulation
        os.kill(pids[1], signal.SIGKILL)
        killed_at = time.time()
        try:
            output, _ = job.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("the job did not end within 30 s of a rank's death")
        took = time.time() - killed_at
        print(f"  job ended {took:.1f} s after rank 1 was killed, exit code {job.returncode}")
        assert job.returncode != 0
        assert "rank 1" in output, output[-2000:]
        status = h.status(out)
        assert status != "complete", status
        print(f"  output status: {status!r}")
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
