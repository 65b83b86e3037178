"""The memory estimate made from the configuration alone (`synorm validate --estimate`) against the
peak resident memory each rank really reaches (provenance peak_rss_bytes), within 25 %, for the core
examples; and a run that cannot fit is refused before anything is allocated."""
import os
import re


import harness as h

CASES = [  # config, extra arguments, ranks
    ("coba.yaml", ["--duration", "1 s"], 1),
    ("coba.yaml", ["--duration", "1 s"], 2),
    ("brunel.yaml", ["--duration", "200 ms"], 1),
    ("brunel.yaml", ["--duration", "200 ms"], 2),
    ("microcircuit.yaml", ["--duration", "100 ms", "--set", "network.scale=0.1"], 1),
    # 4 and 8 ranks (8 oversubscribed here): each rank's share is small, so the libraries' floor of an
    # MPI rank (memory_estimate.cpp, baseline) is most of the peak.
    ("coba.yaml", ["--duration", "200 ms"], 4),
    ("coba.yaml", ["--duration", "200 ms"], 8),
    ("microcircuit.yaml", ["--duration", "50 ms", "--set", "network.scale=0.1"], 4),
    ("microcircuit.yaml", ["--duration", "50 ms", "--set", "network.scale=0.1"], 8),
]


def estimate_mib(config, extra, ranks):
    # --duration is a run option; validate takes the same network through --set.
    args = ["validate", h.config(config), "--estimate", "--ranks", str(ranks)]
    i = 0
    while i < len(extra):
        if extra[i] == "--duration":
            args += ["--set", f"simulation.duration={extra[i + 1]}"]
        else:
            args += [extra[i], extra[i + 1]]
        i += 2
    out = h.run(args).stdout
    return float(re.search(r"peak\s+([0-9.]+) MiB", out).group(1))


def test_estimate_is_within_a_quarter_of_the_measured_peak():
    d = h.tmpdir()
    for config, extra, ranks in CASES:
        if not os.path.exists(h.config(config)):
            print(f"  skipped {config}: not in config/")
            continue
        out = os.path.join(d, f"{config}.{ranks}.h5")
        h.run(["run", h.config(config), "-o", out, "-q"] + extra, ranks=ranks)
        with h.files.Output(out) as f:
            peaks = [b / 2**20 for b in f.provenance()["peak_rss_bytes"]]
        est = estimate_mib(config, extra, ranks)
        print(f"  {config} {ranks} rank(s): estimate {est:.1f} MiB, measured peak per rank "
              f"{min(peaks):.1f} to {max(peaks):.1f} MiB ({est / max(peaks) - 1:+.0%} of the largest)")
        for rank, peak in enumerate(peaks):
            assert abs(est - peak) <= 0.25 * peak, (f"{config} on {ranks} rank(s): estimate {est:.1f} MiB vs "
                                                    f"rank {rank}'s measured {peak:.1f} MiB")


def test_the_libraries_floor_of_a_rank_is_modelled():
    """A run of a few hundred neurons is almost all libraries: the estimate's floor (one process
    without mpirun; an MPI rank of 2, or of 3 and more) is each rank's measured peak within 10 %."""
    d = h.tmpdir()
    small = ["--set", "network.scale=0.05"]
    for ranks in (1, 2, 4, 8):
        out = os.path.join(d, f"floor{ranks}.h5")
        h.run(["run", h.config("coba.yaml"), "-o", out, "-q", "--duration", "10 ms"] + small, ranks=ranks)
        with h.files.Output(out) as f:
            peaks = [b / 2**20 for b in f.provenance()["peak_rss_bytes"]]
        est = estimate_mib("coba.yaml", ["--duration", "10 ms"] + small, ranks)
        print(f"  floor, {ranks} rank(s): estimate {est:.1f} MiB, measured {min(peaks):.1f} to {max(peaks):.1f} MiB")
        for rank, peak in enumerate(peaks):
            assert abs(est - peak) <= 0.10 * peak, f"{ranks} ranks, rank {rank}: {est:.1f} vs {peak:.1f} MiB"


def test_a_network_that_cannot_fit_is_refused_before_the_build():
    d = h.tmpdir()
    out = os.path.join(d, "no.h5")
    for ranks in (1, 2):
        p = h.run(["run", h.config("brunel.yaml"), "--memory-limit", "64 MiB", "-o", out], ranks=ranks, check=False)
        assert p.returncode == 4, p.returncode
        msg = p.stderr
        assert "needs an estimated" in msg and "64.0 MiB" in msg and "ranks with that much memory" in msg, msg
        assert msg.count("needs an estimated") == 1, "printed once"
        assert not os.path.exists(out), "nothing created"
