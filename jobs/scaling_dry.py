#!/usr/bin/python3
"""The table of a dry-run scaling series (jobs/scaling.sh --dry-run): one row per job (config, series,
ranks) from the dry runs of a few of its ranks, in the columns of tools/gather that
jobs/scaling_plot.py reads, plus the dry run's own.

  jobs/scaling_dry.py DRY_RUNS.tsv > SCALING.tsv

A job goes at the pace of its slowest rank, so its real-time factor is the largest of its dry runs':
  rtf           measured: the slowest dry run's loop seconds per biological second (its exchange is
                only the local copy and the modelled spikes)
  rtf_modelled  the slowest of (loop − exchange here + modelled exchange) per biological second: the
                cost model's figure (modelled exchange: README "Dry run", config/README.md dry_run)
  events_per_s  P · the mean synaptic events of the dry runs / the slowest loop
  rss_mib, synapse_mib   the largest peak memory and synapse-table memory of the dry runs
  received_per_interval, bytes_received_per_interval   the most of the dry runs
status is complete when every dry run of the job is, else the first other status (missing: no file).
Exit codes: 0 every job complete; 1 some not; 10 bad arguments."""
import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import synorm_files as files  # noqa: E402

COLUMNS = ["config", "series", "ranks", "threads", "scale", "dry_ranks", "status", "bio_s", "rtf", "rtf_modelled",
           "events_per_s", "rss_mib", "synapse_mib", "received_per_interval", "bytes_received_per_interval"]


def measured(path):
    """(status, provenance) of one dry run's output."""
    if not os.path.exists(path):
        return "missing", {}
    try:
        with files.Output(path) as run:
            return run.status, run.provenance()
    except Exception as e:  # a file that is no synorm output: its row says why
        return f"unreadable: {e}", {}


def job_row(key, runs):
    config, series, ranks = key
    row = {"config": config, "series": series, "ranks": ranks, "threads": runs[0]["threads"],
           "scale": runs[0]["scale"], "dry_ranks": ",".join(r["rank"] for r in runs), "status": "complete"}
    got = []
    for r in runs:
        status, p = measured(r["output"])
        if status != "complete":
            row["status"] = status
            return row
        got.append(p)
    bio = float(got[0]["simulated_time"]) * 1e-3
    loops = [float(p["loop_time"]) for p in got]
    modelled = [float(p["loop_time"]) - float(p["time_exchange"][0]) + float(p["dry_run_exchange"][2]) for p in got]
    events = [float(p["synaptic_events"]) for p in got]
    intervals = [max(1, int(p["dry_run_counts"][0])) for p in got]
    received = [(int(p["dry_run_counts"][1]) + int(p["dry_run_counts"][2])) / n for p, n in zip(got, intervals)]
    row.update({
        "bio_s": f"{bio:.6g}",
        "rtf": f"{max(loops) / bio:.6g}",
        "rtf_modelled": f"{max(modelled) / bio:.6g}",
        "events_per_s": f"{int(ranks) * sum(events) / len(events) / max(loops):.6g}",
        "rss_mib": f"{max(int(p['peak_rss_bytes'][0]) for p in got) / 2**20:.6g}",
        "synapse_mib": f"{max(int(p['synapse_bytes'][0]) for p in got) / 2**20:.6g}",
        "received_per_interval": f"{max(received):.6g}",
        "bytes_received_per_interval": f"{max(int(p['dry_run_counts'][5]) / n for p, n in zip(got, intervals)):.6g}",
    })
    return row


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 10
    with open(argv[1], newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    jobs = {}
    for r in rows:
        jobs.setdefault((r["config"], r["series"], r["ranks"]), []).append(r)
    out = csv.DictWriter(sys.stdout, COLUMNS, delimiter="\t", restval="", lineterminator="\n")
    out.writeheader()
    complete = True
    for key, runs in jobs.items():
        row = job_row(key, runs)
        complete = complete and row["status"] == "complete"
        out.writerow(row)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
