"""jobs/sweep.sbatch on the test cluster: a 2 x 2 grid as a 4-task job array, then tools/gather: one row
per task, with the task's parameters and seed, a complete run, and the rates that run's file holds. A
task outside the grid fails alone with exit code 10."""
import csv
import io
import os

import yaml

import slurm_harness as s

TIMEOUT = 300  # s for the whole array
GRID = """\
config: {config}
output: sweep
seed: 5
set:
  simulation.duration: 100 ms
  network.scale: 0.25
grid:
  projections.2.weight: [60 nS, 67 nS]
  inputs.0.rate: [300 Hz, 600 Hz]
"""


def test_grid_and_gather():
    with open(os.path.join(s.WORK, "grid.yaml"), "w") as f:
        f.write(GRID.format(config=os.path.join(s.SOURCE, "config", "coba.yaml")))
    p = s.CLUSTER.command(["/usr/bin/python3", os.path.join(s.JOBS, "grid.py"), "array", "grid.yaml"], cwd=s.WORK)
    assert p.returncode == 0 and p.stdout.strip() == "0-3", f"{p.returncode} {p.stdout!r} {p.stderr}"
    job = s.CLUSTER.sbatch(["--array=0-4", "--output=sweep-%a.log", os.path.join(s.JOBS, "sweep.sbatch"), "grid.yaml"],
                           cwd=s.WORK)
    states = s.CLUSTER.wait(job, TIMEOUT)
    logs = "\n".join(s.read(os.path.join(s.WORK, f"sweep-{i}.log")) for i in range(5))
    assert sorted(states) == [("COMPLETED", 0, 0)] * 4 + [("FAILED", 10, 0)], f"{states}\n{logs}"
    assert "task 4 is outside the grid's 4 points (submit with --array=0-3)" in logs, logs

    p = s.CLUSTER.command([os.path.join(s.SOURCE, "tools", "gather"), "grid.yaml"], cwd=s.WORK)
    assert p.returncode == 0, f"gather: {p.returncode}\n{p.stdout}{p.stderr}"
    rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter="\t"))
    assert len(rows) == 4, p.stdout
    expected = [("60 nS", "300 Hz"), ("60 nS", "600 Hz"), ("67 nS", "300 Hz"), ("67 nS", "600 Hz")]
    for i, row in enumerate(rows):
        assert row["index"] == str(i) and row["seed"] == str(5 + i), row
        assert (row["projections.2.weight"], row["inputs.0.rate"]) == expected[i], row
        assert row["status"] == "complete" and row["ranks"] == "1" and row["neurons"] == "1000", row
        # What the task's own file says it ran with, and the rate its spikes give.
        with s.h.files.Output(os.path.join(s.WORK, "sweep", f"{i}.h5")) as f:
            resolved = yaml.safe_load(f.config)
            assert int(f.provenance()["seed"]) == 5 + i
            n_e = f.sizes()["E"]
            spikes_e = f.spike_count("E")
        weight = resolved["projections"][2]["weight"]
        assert weight.replace(" ", "") == expected[i][0].replace(" ", ""), resolved["projections"][2]
        assert abs(float(row["rate_E"]) - spikes_e / n_e / 0.1) < 1e-3 * max(1.0, float(row["rate_E"])), row
        assert float(row["rtf"]) > 0 and float(row["events_per_s"]) > 0 and float(row["rss_mib"]) > 0, row


def test_gather_reports_a_missing_task():
    """A grid whose outputs are not all there: every row is printed, the missing one says so, exit 1."""
    with open(os.path.join(s.WORK, "partial.yaml"), "w") as f:
        f.write(GRID.format(config="unused.yaml").replace("output: sweep", "output: sweep-partial"))
    os.makedirs(os.path.join(s.WORK, "sweep-partial"))
    p = s.CLUSTER.command([os.path.join(s.SOURCE, "tools", "gather"), "partial.yaml"], cwd=s.WORK)
    rows = list(csv.DictReader(io.StringIO(p.stdout), delimiter="\t"))
    assert p.returncode == 1 and len(rows) == 4 and all(r["status"] == "missing" for r in rows), p.stdout + p.stderr
    assert "gather: sweep-partial/0.h5: missing" in p.stderr, p.stderr
