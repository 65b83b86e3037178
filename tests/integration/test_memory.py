"""The memory estimate made from the configuration alone (`synorm validate --estimate`) against the
peak resident memory the run really reaches (provenance peak_rss_bytes), within 25 %, for the core
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
            peak = max(f.provenance()["peak_rss_bytes"]) / 2**20
        est = estimate_mib(config, extra, ranks)
        print(f"  {config} {ranks} rank(s): estimate {est:.1f} MiB, measured peak {peak:.1f} MiB "
              f"({est / peak - 1:+.0%})")
        assert abs(est - peak) <= 0.25 * peak, (f"{config} on {ranks} rank(s): estimate {est:.1f} MiB vs measured "
                                                f"{peak:.1f} MiB")


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
