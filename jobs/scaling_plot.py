#!/usr/bin/python3
"""The plot of a scaling series (jobs/scaling.sh): real-time factor, synaptic events per second and
peak memory per rank against the number of ranks, strong scaling above, weak scaling below, one line
per network; the dashed lines are ideal scaling from the run on the fewest ranks.

  jobs/scaling_plot.py SCALING.tsv OUT.png

SCALING.tsv is tools/gather's table of the series (columns config, series, ranks, status, rtf,
events_per_s, rss_mib). Runs that are not complete are left out of the plot. Prints the parallel
efficiency of each run. Exit codes: 0 written, 1 nothing to plot, 10 bad arguments."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")  # batch nodes have no display
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

PANELS = [("rtf", "real-time factor", True), ("events_per_s", "synaptic events / s", True),
          ("rss_mib", "peak memory per rank (MiB)", False)]


def series_of(rows):
    """{(series, config): [(ranks, row)] sorted by ranks}, complete runs only."""
    out = {}
    for row in rows:
        if row.get("status") != "complete":
            continue
        out.setdefault((row["series"], row["config"]), []).append((int(row["ranks"]), row))
    for points in out.values():
        points.sort(key=lambda p: p[0])
    return out


def ideal(series, column, r0, v0, r):
    """What perfect scaling from (r0, v0) gives on r ranks; None for memory, whose per-rank floor (the
    MPI and HDF5 libraries, some tens of MiB) does not shrink with the ranks."""
    if column == "rtf":
        return v0 * r0 / r if series == "strong" else v0
    if column == "events_per_s":
        return v0 * r / r0
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 10
    with open(argv[1], newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    data = series_of(rows)
    if not data:
        print(f"scaling_plot: no complete run in {argv[1]}", file=sys.stderr)
        return 1
    fig, axes = plt.subplots(2, len(PANELS), figsize=(4.2 * len(PANELS), 7.5), squeeze=False)
    for i, series in enumerate(("strong", "weak")):
        for j, (column, label, log) in enumerate(PANELS):
            ax = axes[i][j]
            all_ranks = set()
            for (s, config), points in sorted(data.items()):
                if s != series:
                    continue
                ranks = [r for r, _ in points]
                values = [float(row[column]) for _, row in points]
                line, = ax.plot(ranks, values, "o-", label=config)
                if ideal(series, column, ranks[0], values[0], ranks[0]) is not None:
                    ax.plot(ranks, [ideal(series, column, ranks[0], values[0], r) for r in ranks], "--",
                            color=line.get_color(), alpha=0.5)
                all_ranks.update(ranks)
            ax.set_xscale("log", base=2)
            ax.set_xticks(sorted(all_ranks), [str(r) for r in sorted(all_ranks)])
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
            if log:
                ax.set_yscale("log")
            ax.set_xlabel("MPI ranks")
            ax.set_ylabel(label)
            ax.set_title(f"{series} scaling: {label}", fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            if j == 0:
                ax.legend(fontsize=8)
    fig.suptitle("synorm scaling (dashed: ideal from the fewest ranks)")
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)
    print(f"scaling_plot: wrote {argv[2]}")
    # Parallel efficiency from the real-time factor: strong r0·rtf0 / (r·rtf), weak rtf0 / rtf.
    for (series, config), points in sorted(data.items()):
        r0, rtf0 = points[0][0], float(points[0][1]["rtf"])
        for r, row in points:
            rtf = float(row["rtf"])
            eff = r0 * rtf0 / (r * rtf) if series == "strong" else rtf0 / rtf
            print(f"  {config:14s} {series:6s} {r:4d} ranks  rtf {rtf:9.4g}  efficiency {eff:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
