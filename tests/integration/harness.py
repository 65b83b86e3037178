"""Shared helpers of the integration tests: run synorm (alone or under mpirun) and read its output."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SYNORM = os.environ.get("SYNORM_BIN", "")
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(name):
    return os.path.join(SOURCE, "config", name)


def run(args, ranks=1, threads=1, timeout=600, check=True, cwd=None):
    """Runs `synorm ARGS`; under mpirun when ranks > 1. Returns the CompletedProcess."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [SYNORM] + list(args)
    if ranks > 1 or os.environ.get("SYNORM_FORCE_MPIRUN"):
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise AssertionError(f"{' '.join(cmd)} exited with {p.returncode}")
    return p


def spikes(path):
    """{population: (times ms, population-local ids)} sorted by (time, id)."""
    out = {}
    with h5py.File(path, "r") as f:
        for pop, g in f["spikes"].items():
            ids = np.asarray(g["node_ids"][()], dtype=np.int64)
            ts = np.asarray(g["timestamps"][()], dtype=np.float64)
            order = np.lexsort((ids, ts))
            out[pop] = (ts[order], ids[order])
    return out


def final_v(path):
    """{population: V_m ordered by node id}."""
    out = {}
    with h5py.File(path, "r") as f:
        for pop, g in f["final_state"].items():
            ids = np.asarray(g["node_ids"][()])
            v = np.asarray(g["V_m"][()])
            out[pop] = v[np.argsort(ids, kind="stable")]
    return out


def sizes(path):
    with h5py.File(path, "r") as f:
        return {pop: int(g.attrs["size"]) for pop, g in f["populations"].items()}


def mean_rate(ts, n, t0, t1):
    return np.sum((ts >= t0) & (ts < t1)) / n / ((t1 - t0) * 1e-3)


def isi_cv(ts, ids, t0):
    """Mean coefficient of variation of the inter-spike intervals over neurons with ≥ 3 spikes after t0."""
    keep = ts >= t0
    ts, ids = ts[keep], ids[keep]
    order = np.lexsort((ts, ids))
    ts, ids = ts[order], ids[order]
    cvs = []
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    for a, b in zip(starts, ends):
        if b - a >= 4:
            isi = np.diff(ts[a:b])
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


def tmpdir():
    return tempfile.mkdtemp(prefix="synorm-test-")

