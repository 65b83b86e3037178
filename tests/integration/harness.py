"""Shared helpers of the integration tests: run synorm (alone or under mpirun). Its files are read with
tools/synorm_files.py, imported here as `files` (h.files.Output(path), h.files.swa, …); spikes,
final_v, sizes and status are its readers of a whole file."""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile

import numpy as np

SYNORM = os.environ.get("SYNORM_BIN", "")
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE, "tools"))
import synorm_files as files  # noqa: E402 (tools/synorm_files.py)


def tool(name):
    """tools/NAME, a script without the .py, loaded as a module (its functions tested directly)."""
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(SOURCE, "tools", name))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


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
    return files.spikes(path)


def final_v(path):
    """{population: V_m ordered by node id}."""
    with files.Output(path) as run:
        return run.final_v()


def sizes(path):
    with files.Output(path) as run:
        return run.sizes()


def status(path):
    return files.status(path)


def mean_rate(ts, n, t0, t1):
    return np.sum((ts >= t0) & (ts < t1)) / n / ((t1 - t0) * 1e-3)


def isi_cv(ts, ids, t0):
    """Mean coefficient of variation of the inter-spike intervals over neurons with ≥ 4 spikes after t0."""
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

