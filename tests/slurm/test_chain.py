"""jobs/chain.sbatch on the test cluster: a run that needs more than its job's time limit (1 minute,
SLURM's smallest) is signalled before the limit, checkpoints, is requeued, resumes, and finishes; its
output holds the same spikes and final state as an uninterrupted run of the same configuration made
alongside it. SLURM looks at time limits every 30 s and signals when at most N + 30 s are left, so
--signal=USR1@5 comes 25 to 55 s into each job, at least 30 s before the kill at the limit."""
import os
import subprocess

import h5py
import numpy as np

import slurm_harness as s

CONFIG = os.path.join(s.SOURCE, "config", "brunel.yaml")
# Brunel's network with 2 500 neurons and its full in-degrees (3.1 million synapses): about a minute of
# one core per 90 s of biological time on an idle machine, so 120 s outlast the time limit even
# there, while only the inhibitory population's spikes are written (about 40 MB).
RUN = ["--set", "network.scale=0.2", "--set", "network.indegree_scale=1", "--set", "recording.spikes=[I]",
       "--set", "recording.rate_bin=0 ms", "--duration", "120 s", "-q"]
TIMEOUT = 1200  # s: a busy machine slows every link, and each requeue waits about 12 s


def test_chain_equals_an_uninterrupted_run():
    reference = os.path.join(s.WORK, "reference.h5")
    straight = subprocess.Popen([s.h.SYNORM, "run", CONFIG, "-o", reference, *RUN], env={**s.CLUSTER.env, "OMP_NUM_THREADS": "1"},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        log = os.path.join(s.WORK, "chain.log")
        job = s.CLUSTER.sbatch(["--time=1", "--signal=USR1@5", f"--output={log}", os.path.join(s.JOBS, "chain.sbatch"),
                                CONFIG, "-o", "chain.h5", "--checkpoint-dir", "chain.ckpt", *RUN], cwd=s.WORK)
        states = s.CLUSTER.wait(job, TIMEOUT)
        text = s.read(log)
        assert len(states) == 1 and states[0][:2] == ("COMPLETED", 0), f"{states}\n{text}"
        restarts = states[0][2]
        assert restarts >= 1, f"the run ended within its first job (never signalled): make it longer\n{text}"
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
    with h5py.File(chained, "r") as f:
        assert f.attrs["status"].decode() == "complete", f.attrs["status"]


if __name__ == "__main__":
    s.main([test_chain_equals_an_uninterrupted_run])
