"""The slurm tier's fixture: the private cluster's client (slurm_harness.CLUSTER) and a scratch folder
(slurm_harness.WORK) for each test file; at its end every job the tests submitted is cancelled and the
folder removed, however the tests ended."""
import shutil
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="module")
def cluster():
    # Imported here, not at the top: harness.py reads the binary (SYNORM_BIN, set from --synorm by
    # tests/conftest.py's pytest_configure), and conftest files load before that hook runs.
    import slurm_harness as s
    s.CLUSTER = s.Cluster()
    s.WORK = tempfile.mkdtemp(prefix="synorm-slurm-test-")
    try:
        yield s.CLUSTER
    finally:
        s.CLUSTER.cancel_all()
        shutil.rmtree(s.WORK, ignore_errors=True)
