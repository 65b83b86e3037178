"""jobs/scaling.sh on the test cluster: strong and weak series of two small benchmark networks on 1 and
2 ranks, then the report job's table (every run complete, the layout and network size each series
asks for) and plot."""
import csv
import os

import slurm_harness as s

TIMEOUT = 420  # s for the series and the report


def test_series_and_report():
    out = os.path.join(s.WORK, "scaling")
    p = s.CLUSTER.command([os.path.join(s.JOBS, "scaling.sh"), "--configs", "coba,brunel", "--ranks", "1,2",
                           "--scale", "0.1", "--duration", "50 ms", "--out", out, "--wait",
                           "--sbatch", "--time=5 --oversubscribe"], cwd=s.WORK, timeout=TIMEOUT)
    report = s.read(os.path.join(out, "report.log"))
    assert p.returncode == 0, f"scaling.sh exited {p.returncode}\n{p.stderr}\n{report}"
    with open(os.path.join(out, "scaling.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    size = {"coba": 400, "brunel": 1250}  # the networks at scale 0.1
    got = sorted((r["config"], r["series"], int(r["ranks"])) for r in rows)
    assert got == sorted((c, series, r) for c in size for series in ("strong", "weak") for r in (1, 2)), got
    for r in rows:
        ranks = int(r["ranks"])
        assert r["status"] == "complete" and int(r["threads"]) == 1, r
        neurons = size[r["config"]] * (ranks if r["series"] == "weak" else 1)
        assert int(r["neurons"]) == neurons, f"{r['config']} {r['series']} on {ranks} ranks: {r['neurons']} neurons"
        assert all(float(r[c]) > 0 for c in ("rtf", "events_per_s", "rss_mib")), r
    with open(os.path.join(out, "scaling.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", "scaling.png is not a PNG"
    assert "efficiency" in report, report
