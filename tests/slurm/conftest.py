"""The slurm tier's fixture: the private cluster's client (slurm_harness.CLUSTER) and a scratch folder
(slurm_harness.WORK) for each test file; at its end every job the tests submitted is cancelled and the
folder removed, however the tests ended."""
import shutil
import tempfile

import pytest

import slurm_harness as s


@pytest.fixture(autouse=True, scope="module")
def cluster():
    s.CLUSTER = s.Cluster()
    s.WORK = tempfile.mkdtemp(prefix="synorm-slurm-test-")
    try:
        yield s.CLUSTER
    finally:
        s.CLUSTER.cancel_all()
        shutil.rmtree(s.WORK, ignore_errors=True)
