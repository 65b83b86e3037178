"""The guard of tests/conftest.py: a test function that a file defines but that did not run (skipped,
deselected, or shadowed by a later function of the same name) fails the file; a file whose tests all
ran passes."""
import os
import shutil
import subprocess
import sys

import harness as h

TESTS = os.path.join(h.SOURCE, "tests")
SAMPLE = '''import pytest


def test_runs():
    pass


def test_is_skipped():
    pytest.skip("skipped on purpose")


def test_twice():
    pass


def test_twice():  # noqa: F811 (the shadowing this guard exists for)
    pass
'''


def pytest_in(folder, *args):
    for name in ("conftest.py", "pytest.ini"):
        shutil.copy(os.path.join(TESTS, name), folder)
    cmd = [sys.executable, "-m", "pytest", "-c", os.path.join(folder, "pytest.ini"), "--rootdir", folder, *args]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=120)


def test_a_test_that_did_not_run_fails_the_file():
    d = h.tmpdir()
    with open(os.path.join(d, "test_sample.py"), "w") as f:
        f.write(SAMPLE)
    p = pytest_in(d, "test_sample.py")
    assert p.returncode != 0, p.stdout
    assert "test_sample.py: test_is_skipped did not run" in p.stdout, p.stdout
    assert "test_sample.py: test_twice is defined 2 times" in p.stdout, p.stdout
    p = pytest_in(d, "test_sample.py", "-k", "runs")
    assert p.returncode != 0 and "test_twice did not run" in p.stdout, p.stdout
    shutil.rmtree(d, ignore_errors=True)


def test_a_file_whose_tests_all_ran_passes():
    d = h.tmpdir()
    with open(os.path.join(d, "test_sample.py"), "w") as f:
        f.write("def test_one():\n    pass\n\n\ndef test_two():\n    pass\n")
    p = pytest_in(d, "test_sample.py")
    assert p.returncode == 0, p.stdout
    assert "2 passed" in p.stdout and "did not run" not in p.stdout, p.stdout
    shutil.rmtree(d, ignore_errors=True)
