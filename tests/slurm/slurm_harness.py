"""Shared by the `slurm` tier: submits the jobs/ scripts to the private cluster that tests/slurm/cluster
started (its folder is in the file SYNORM_SLURM_RECORD names), waits for them with a deadline, and
cancels what is left when a test fails, so that a broken job cannot hang the suite."""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness as h  # noqa: E402 (tests/integration/harness.py: spikes, main)

SOURCE = h.SOURCE
JOBS = os.path.join(SOURCE, "jobs")
FINAL_STATES = {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
                "DEADLINE", "PREEMPTED"}


class Cluster:
    def __init__(self):
        record = os.environ.get("SYNORM_SLURM_RECORD", "")
        if not record or not os.path.exists(record):
            raise RuntimeError(f"no test cluster: {record or 'SYNORM_SLURM_RECORD'} does not exist "
                             "(the CTest fixture slurm.cluster.start makes it)")
        with open(record) as f:
            folder = f.read().strip()
        # The node's tasks are not confined to their CPUs (TaskPlugin=task/none), so OMP_PROC_BIND=close
        # would put the threads of every rank on the node's first cores: the tests let them float.
        self.env = dict(os.environ, SLURM_CONF=os.path.join(folder, "slurm.conf"), SYNORM=h.SYNORM,
                        OMP_PROC_BIND="false")
        self.submitted = []

    def command(self, args, cwd=None, timeout=60, env=None, unset=()):
        """Runs a command with the cluster's environment, plus `env`, less `unset`; returns the CompletedProcess."""
        environment = {k: v for k, v in {**self.env, **(env or {})}.items() if k not in unset}
        try:
            return subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{' '.join(args)} did not end within {timeout} s") from None

    def sbatch(self, args, cwd, env=None, unset=()):
        """Submits (the job inherits the environment); returns the job id."""
        p = self.command(["sbatch", "--parsable", *args], cwd=cwd, env=env, unset=unset, timeout=30)
        assert p.returncode == 0, f"sbatch {' '.join(args)} failed ({p.returncode}): {p.stderr}"
        job = p.stdout.strip().split(";")[0]
        self.submitted.append(job)
        return job

    def states(self, job):
        """[(JobState, exit code, restarts)] of the job, one per array task; [] once SLURM forgot it."""
        p = self.command(["scontrol", "show", "job", "--oneliner", job], timeout=20)
        if p.returncode != 0:
            return []
        out = []
        for line in p.stdout.splitlines():
            fields = dict(re.findall(r"(\w+)=(\S*)", line))
            if "JobState" in fields:
                code = int(fields.get("ExitCode", "0:0").split(":")[0])
                out.append((fields["JobState"], code, int(fields.get("Restarts", "0"))))
        return out

    def wait(self, job, timeout):
        """Waits until every task of `job` has ended; returns their states as states() does. After
        `timeout` seconds, cancels the job and fails."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.states(job)
            if states and all(s in FINAL_STATES for s, _, _ in states):
                return states
            time.sleep(0.5)
        self.command(["scancel", job], timeout=20)
        raise AssertionError(f"job {job} did not end within {timeout} s (cancelled); last states {self.states(job)}")

    def cancel_all(self):
        if self.submitted:
            self.command(["scancel", *self.submitted], timeout=20)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return f"({path} does not exist)"


CLUSTER = None
WORK = None
