"""Smoke test of tools/bench, so that the benchmark script cannot rot. It checks the shape of what the
script prints, never a speed: benchmarks are not tests."""
import csv
import os
import re
import subprocess

import harness as h

BENCH = os.path.join(h.SOURCE, "tools", "bench")
FIGURES = ["config", "layout", "cores", "bio_s", "rate_Hz", "synapses", "rtf", "loop_s", "wall_s", "min_wall_s",
           "spread",
           "Mev/s/core", "B/syn", "rss/rank_MiB", "maxrss_MiB"]
BREAKDOWN = ["config", "layout", "build", "update", "deliver", "exchange", "record", "sync", "other"]


def bench(*args):
    return subprocess.run([BENCH, "--binary", h.SYNORM] + list(args), capture_output=True, text=True, timeout=600)


def table_after(lines, title):
    """The header and rows of the table printed under the line starting with title."""
    i = next(k for k, line in enumerate(lines) if line.startswith(title))
    header = lines[i + 1].split()
    rows = []
    for line in lines[i + 2:]:
        if not line.strip():
            break
        rows.append(dict(zip(header, line.split())))
    return header, rows


def test_one_coba_run_prints_both_tables_and_a_csv():
    out = os.path.join(h.tmpdir(), "bench.csv")
    p = bench("--configs", "coba", "--layouts", "1x1", "--duration", "50 ms", "--repeat", "1", "--csv", out)
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout}{p.stderr}"
    lines = p.stdout.splitlines()
    header, rows = table_after(lines, "Figures")
    assert header == FIGURES, f"figure columns {header}"
    assert len(rows) == 1 and rows[0]["config"] == "coba" and rows[0]["layout"] == "1x1", rows
    row = rows[0]
    print(f"  coba 1x1 50 ms: {row['Mev/s/core']} M events/s/core, {row['B/syn']} B/synapse, rtf {row['rtf']}")
    assert float(row["bio_s"]) == 0.05, row
    assert float(row["Mev/s/core"]) > 0, row
    assert int(row["synapses"]) > 0 and float(row["B/syn"]) > 0, row
    assert float(row["rss/rank_MiB"]) > 0 and float(row["wall_s"]) > 0, row
    header, rows = table_after(lines, "Where the time goes")
    assert header == BREAKDOWN, f"breakdown columns {header}"
    assert len(rows) == 1 and all(float(rows[0][c]) >= 0 for c in BREAKDOWN[2:6]), rows
    assert any(line.strip().startswith("OMP_NUM_THREADS=1 ") and " run " in line for line in lines), \
        "the command line of the run is not printed"
    with open(out) as f:
        records = list(csv.DictReader(f))
    assert [r["repeat"] for r in records] == ["1", "median"], records
    assert float(records[0]["events"]) > 0, records[0]


def test_bad_layout_is_a_usage_error():
    p = bench("--configs", "coba", "--layouts", "2")
    assert p.returncode == 2, f"exit {p.returncode}\n{p.stdout}{p.stderr}"
    assert "RANKSxTHREADS" in p.stderr, p.stderr


def test_markdown_prints_the_readme_table():
    p = bench("--configs", "coba", "--layouts", "1x1", "--duration", "20 ms", "--repeat", "1", "--markdown")
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout}{p.stderr}"
    lines = p.stdout.splitlines()
    assert lines[0].startswith("Measured on ") and " cores" in lines[0] and "synorm " in lines[0], lines[0]
    assert re.search(r"\d{4}-\d\d-\d\d", lines[0]), f"no date in {lines[0]!r}"
    table = [line for line in lines if line.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header == ["config", "layout", "biological time (s)", "real-time factor", "synaptic events/s",
                      "bytes/synapse", "peak memory/rank (MiB)"], header
    assert set(table[1]) <= set("|-:"), table[1]
    assert len(table) == 3, table
    row = dict(zip(header, (c.strip() for c in table[2].strip("|").split("|"))))
    assert row["config"] == "coba" and row["layout"] == "1x1" and float(row["biological time (s)"]) == 0.02, row
    assert float(row["real-time factor"]) > 0 and float(row["synaptic events/s"].removesuffix(" M")) > 0, row
    assert float(row["bytes/synapse"]) > 0 and float(row["peak memory/rank (MiB)"]) > 0, row
    assert "Figures" not in p.stdout, "--markdown prints the markdown table alone"
