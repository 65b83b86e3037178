"""jobs/chain.sbatch on the test cluster, on 2 ranks: a run is signalled, checkpoints, is requeued,
resumes on 2 ranks (the output file continued through parallel HDF5) and finishes; its output holds
the same spikes and final state as an uninterrupted run of the same configuration made alongside it.

The job asks for a 1-minute limit (SLURM's smallest) with --signal=USR1@50: SLURM looks at time
limits every 30 s and signals when at most N + 30 s are left, so every link is signalled at the first
look, 0 to 30 s after it starts (possibly while synorm starts up: it then checkpoints at the end of
its first interval). So that the first link is signalled however fast the machine, the test also
sends the same signal to the job's steps (`scancel --signal=USR1`, what SLURM does at the limit) as
soon as the first checkpoint exists. A requeued link starts about 14 s after the look that signalled
the one before and is signalled at the next look, about 16 s in."""
import os
import subprocess
import time

import numpy as np

import slurm_harness as s

CONFIG = os.path.join(s.SOURCE, "config", "brunel.yaml")
# Brunel's network with 2 500 neurons and its full in-degrees (3.1 million synapses), 4 s of biological
# time: about 3 s of one core, but each link spends most of its ~16 s starting (srun, MPI, reading the
# checkpoint, rebuilding) on a loaded machine, so the chain takes 2 to 4 links (about 1.5 min). A
# checkpoint every second, so that the test's signal comes early. Only the inhibitory population's
# spikes are written.
RUN = ["--set", "network.scale=0.2", "--set", "network.indegree_scale=1", "--set", "recording.spikes=[I]",
       "--set", "recording.rate_bin=0 ms", "--duration", "4 s", "-q"]
TIMEOUT = 400  # s: a busy machine slows every link, and each requeue waits about 12 s


def test_chain_equals_an_uninterrupted_run():
    reference = os.path.join(s.WORK, "reference.h5")
    straight = subprocess.Popen([s.h.SYNORM, "run", CONFIG, "-o", reference, *RUN],
                                env={**s.CLUSTER.env, "OMP_NUM_THREADS": "1"},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        log = os.path.join(s.WORK, "chain.log")
        job = s.CLUSTER.sbatch(["--time=1", "--signal=USR1@50", "--ntasks=2", "--cpus-per-task=1", f"--output={log}",
                                os.path.join(s.JOBS, "chain.sbatch"), CONFIG, "-o", "chain.h5",
                                "--checkpoint-dir", "chain.ckpt",
                                "--checkpoint-every", "1 s", *RUN], cwd=s.WORK)
        ckpt = os.path.join(s.WORK, "chain.ckpt")
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not (os.path.isdir(ckpt)
                                                   and any(n.endswith(".h5") for n in os.listdir(ckpt))):
            time.sleep(0.2)
        if not s.CLUSTER.states(job)[0][2]:  # not yet requeued by SLURM's own signal
            s.CLUSTER.command(["scancel", "--signal=USR1", job])
        states = s.CLUSTER.wait(job, TIMEOUT)
        text = s.read(log)
        assert len(states) == 1 and states[0][:2] == ("COMPLETED", 0), f"{states}\n{text}"
        restarts = states[0][2]
        assert restarts >= 1, f"the run ended within its first job (never signalled)\n{text}"
        assert "(signal SIGUSR1 on every rank); continue with" in text, text
        assert text.count("checkpointed in chain.ckpt; requeueing") == restarts, text
        assert text.count("resuming from chain.ckpt") == restarts, text
        assert f"the run is done after {restarts + 1} job(s)" in text, text
        out, _ = straight.communicate(timeout=TIMEOUT)
        assert straight.returncode == 0, f"the uninterrupted run failed ({straight.returncode}):\n{out}"
    finally:
        if straight.poll() is None:
            straight.kill()
            straight.wait()

    chained = os.path.join(s.WORK, "chain.h5")
    a, b = s.h.spikes(reference), s.h.spikes(chained)
    assert set(a) == set(b) == {"I"}, (sorted(a), sorted(b))
    assert len(a["I"][0]) > 0, "no spikes"
    assert np.array_equal(a["I"][0], b["I"][0]) and np.array_equal(a["I"][1], b["I"][1]), \
        f"spikes differ: {len(a['I'][0])} uninterrupted, {len(b['I'][0])} chained over {restarts + 1} jobs"
    va, vb = s.h.final_v(reference), s.h.final_v(chained)
    assert all(np.array_equal(va[p], vb[p]) for p in va) and set(va) == set(vb), "final membrane potentials differ"
    assert s.h.status(chained) == "complete", s.h.status(chained)
