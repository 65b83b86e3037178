"""pytest plugin of synorm's Python tests.

--synorm=BIN names the binary under test (harness.SYNORM reads it from SYNORM_BIN). And a guard that a
test cannot be left out: every module-level `def test_*` in each file given to pytest must have run
(passed or failed). A test that was skipped, deselected or shadowed by a second definition of the same
name fails the session, naming it.

Every temporary folder a test makes in this process (tempfile.mkdtemp, harness.tmpdir) lands in one scratch
folder per session, removed when the session ends, passed or failed: a test suite run many times on one
machine must not fill its disk. SYNORM_KEEP_TEST_FILES=1 keeps it and prints where it is."""
import ast
import collections
import os
import shutil
import tempfile

import pytest

_ran = set()    # (file, test name) of every test whose body ran; files relative to the rootdir
_files = set()  # the test files of this session, relative to the rootdir


def pytest_addoption(parser):
    parser.addoption("--synorm", default="", help="the synorm binary under test (sets SYNORM_BIN)")


_scratch = None  # this session's folder of temporary folders


def pytest_configure(config):
    global _scratch
    binary = config.getoption("--synorm")
    if binary:
        os.environ["SYNORM_BIN"] = os.path.abspath(binary)
    # Short and directly under the system's temporary folder: mpirun's session folders stay under TMPDIR,
    # which is left alone (their socket paths have a length limit).
    _scratch = tempfile.mkdtemp(prefix="synorm-pytest-")
    tempfile.tempdir = _scratch


def pytest_unconfigure(config):
    tempfile.tempdir = None
    if _scratch is None:
        return
    if os.environ.get("SYNORM_KEEP_TEST_FILES") == "1":
        print(f"\nsynorm: the test files are kept in {_scratch}")
    else:
        shutil.rmtree(_scratch, ignore_errors=True)


def pytest_collectreport(report):
    path = report.nodeid.partition("::")[0]
    if path.endswith(".py") and os.path.basename(path).startswith("test_"):
        _files.add(path)


def pytest_runtest_logreport(report):
    if report.when == "call" and report.outcome in ("passed", "failed"):
        path, _, name = report.nodeid.partition("::")
        _ran.add((path, name.split("[")[0]))


def defined_tests(path):
    """Module-level test functions of a file, in order, with repeats (a repeat shadows the first)."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")]


def pytest_sessionfinish(session, exitstatus):
    problems = []
    for path in sorted(_files):
        names = defined_tests(os.path.join(session.config.rootpath, path))
        for name, n in collections.Counter(names).items():
            if n > 1:
                problems.append(f"{path}: {name} is defined {n} times; only the last definition runs")
        for name in dict.fromkeys(names):
            if (path, name) not in _ran:
                problems.append(f"{path}: {name} did not run")
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for p in problems:
            reporter.write_line(f"NOT RUN: {p}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
