"""tools/format, the layout check tools/test runs first: it must tell a file clang-format would change
and a line wider than 120 columns from a clean file, and format a file in place."""
import os
import shutil
import subprocess

import harness as h

FORMAT = os.path.join(h.SOURCE, "tools", "format")
CLEAN = "int add(int a, int b) {\n    if (a > b) return a - b;\n    return a + b;\n}\n"
MESSY = "int add(int a,int b){\n  if(a>b) return a-b;\n  return a+b;\n}\n"


def tool(*args):
    return subprocess.run([FORMAT, *args], capture_output=True, text=True, timeout=120)


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_check_lists_what_differs_and_formatting_fixes_it():
    if shutil.which("clang-format") is None:
        raise AssertionError("clang-format is missing: tools/setup installs it")
    d = h.tmpdir()
    clean, messy = write(d, "clean.cpp", CLEAN), write(d, "messy.cpp", MESSY)
    wide = write(d, "wide.py", "x = " + repr("w" * 130) + "\n")
    p = tool("--check", clean)
    assert p.returncode == 0, p.stdout + p.stderr
    p = tool("--check", clean, messy, wide)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "1 file(s) differ" in p.stdout and "messy.cpp" in p.stdout and "clean.cpp" not in p.stdout, p.stdout
    assert "1 line(s) wider than 120 columns" in p.stdout and "wide.py:1: 136 columns" in p.stdout, p.stdout
    with open(messy) as f:
        assert f.read() == MESSY, "--check changed the file"
    p = tool(messy)
    assert p.returncode == 0 and "formatted" in p.stdout, p.stdout + p.stderr
    with open(messy) as f:
        assert f.read() == CLEAN
    assert tool("--check", messy).returncode == 0
    shutil.rmtree(d)
