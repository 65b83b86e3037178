"""jobs/run.sbatch on the test cluster: a short run on 2 ranks and on 1 rank x 2 threads completes with the
layout the job asked for; srun without PMIx is refused by the rank check; a repository without a
build gives the documented message and exit code."""
import os
import shutil

import slurm_harness as s

CONFIG = os.path.join(s.SOURCE, "config", "coba.yaml")
TIMEOUT = 300  # s per job; the jobs take seconds, but the machine may be busy


def layout_of(path):
    with s.h.files.Output(path) as f:
        prov = f.provenance()
        return f.status, int(prov["ranks"]), int(prov["threads"])


def run_job(name, sbatch_args):
    out = os.path.join(s.WORK, f"{name}.h5")
    log = os.path.join(s.WORK, f"{name}.log")
    job = s.CLUSTER.sbatch([*sbatch_args, f"--output={log}", os.path.join(s.JOBS, "run.sbatch"), CONFIG, "-o", out,
                            "--set", "network.scale=0.25", "--duration", "100 ms"], cwd=s.WORK)
    states = s.CLUSTER.wait(job, TIMEOUT)
    assert states == [("COMPLETED", 0, 0)], f"{name}: {states}\n{s.read(log)}"
    return out, s.read(log)


def test_two_ranks():
    out, log = run_job("ranks", ["--ntasks=2", "--cpus-per-task=1"])
    assert layout_of(out) == ("complete", 2, 1), f"{layout_of(out)}\n{log}"
    assert "srun --mpi=pmix: 2 rank(s) x 1 thread(s)" in log, log
    assert log.count("output written to") == 1, f"the summary should come once, from rank 0:\n{log}"


def test_threads_from_cpus_per_task():
    out, log = run_job("threads", ["--ntasks=1", "--cpus-per-task=2"])
    assert layout_of(out) == ("complete", 1, 2), f"{layout_of(out)}\n{log}"


def test_rank_check_refuses_tasks_outside_mpi():
    """What a wrong MPI plug-in does: every task a lone rank 0. synorm refuses (exit 2) before it
    creates the output file, and says why once."""
    out = os.path.join(s.WORK, "lone.h5")
    p = s.CLUSTER.command(["srun", "--ntasks=2", "--mpi=none", "--oversubscribe", s.h.SYNORM, "run", CONFIG, "-o", out,
                           "--duration", "10 ms"], cwd=s.WORK, env={"SYNORM_EXPECTED_RANKS": "2"}, timeout=TIMEOUT)
    assert p.returncode == 2, f"exit code {p.returncode}\n{p.stderr}"
    lines = [line for line in p.stderr.splitlines() if "SYNORM_EXPECTED_RANKS" in line]
    assert len(lines) == 1 and "started as 1 MPI rank(s)" in lines[0] and "--mpi=pmix" in lines[0], p.stderr
    assert not os.path.exists(out), "the refused run created its output file"


def test_not_built():
    """A clone of the repository without a build: exit code 11 and a message saying what to do."""
    clone = os.path.join(s.WORK, "clone")
    os.makedirs(os.path.join(clone, "jobs"))
    for name in ("run.sbatch", "lib.sh"):
        shutil.copy(os.path.join(s.JOBS, name), os.path.join(clone, "jobs", name))
    log = os.path.join(s.WORK, "not-built.log")
    job = s.CLUSTER.sbatch([f"--output={log}", os.path.join(clone, "jobs", "run.sbatch"), CONFIG], cwd=s.WORK,
                           unset=("SYNORM",))
    states = s.CLUSTER.wait(job, TIMEOUT)
    assert states == [("FAILED", 11, 0)], f"{states}\n{s.read(log)}"
    text = s.read(log)
    expected = f"run.sbatch: synorm is not built: there is no executable {clone}/build/src/app/synorm."
    assert expected in text and "tools/setup" in text and "SYNORM" in text, text
