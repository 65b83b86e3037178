"""Thousands of projections cost their synapses and rows, and little per projection beyond them (README
"Networks from tables"): the same neurons and synapses as 1 600 projections between 40 populations
(from CSV tables) and as 4 projections between 2, on 2 ranks × 2 threads, written by tools/many_projections.
What the many cost beyond the few (rank 0's peak RSS), less the synapse memory their rows add (a row per
source, projection and thread: `synapse_bytes`), is a cost per projection, bounded here.

Measured: first 9.7 kB per projection (the HDF5 metadata cache holding every /projections/<name> group,
vectors by projection at up to twice their size, and a 4 B per row list of every row's source built for
the synapse checksum right after the build); then 5.1 kB, with the loader's and the engine's copies of each
projection's spec, its resolved YAML and a plasticity rule for static projections too (about 1.4 kB); now
4.3 kB: one spec shared by the loader, the engine and the schedule (408 B), the YAML read back from the
output when a checkpoint needs it, a rule only for plastic projections, a 200 B table header per thread,
the rows' sources while the build lasts (4 B per row), and the output's groups and open datasets of 38
more populations (about 78 KB each, 1.9 kB per projection here). Since static tables of short rows keep no
row offsets once indexed (span rows), the rows' steady cost (`synapse_bytes`) fell but their build-time
cost (each row's 4 B source and 1 B length until the index is merged) did not, and that part of the peak
now counts here: 4.8-5.5 kB measured on a loaded machine, the peaks themselves unchanged."""
import os
import re

import harness as h

POPULATIONS, SIZE, SYNAPSES = 40, 100, 300
BOUND = 6000  # bytes per projection beyond its rows (steady) and their build-time sources


def generator():
    return h.tool("many_projections")


def test_many_projections_cost_little_beyond_their_rows():
    d = h.tmpdir()
    tool = generator()
    tool.write_many(d, POPULATIONS, SIZE, SYNAPSES)
    tool.write_few(d, POPULATIONS, SIZE, SYNAPSES)
    figures, estimates = {}, {}
    for name in ("few", "many"):
        out = os.path.join(d, name + ".h5")
        settings = ["--set", "simulation.duration=20 ms", "--set", "recording.spikes=none"]
        h.run(["run", os.path.join(d, name + ".yaml"), "-o", out, "-q"] + settings, ranks=2, threads=2)
        text = h.run(["validate", os.path.join(d, name + ".yaml"), "--estimate", "--ranks", "2", "--threads", "2"] +
                     settings).stdout
        estimates[name] = float(re.search(r"peak\s+([0-9.]+) MiB", text).group(1)) * 2**20
        with h.files.Output(out) as f:
            p = f.provenance()
            figures[name] = (int(p["synapses"]), int(p["peak_rss_bytes"][0]), int(p["synapse_bytes"][0]),
                             len(f.projections()))
    (s_few, peak_few, syn_few, j_few), (s_many, peak_many, syn_many, j_many) = figures["few"], figures["many"]
    assert s_few == s_many == POPULATIONS**2 * SYNAPSES
    assert (j_few, j_many) == (4, POPULATIONS**2)
    per_projection = (peak_many - peak_few - (syn_many - syn_few)) / (j_many - j_few)
    print(f"  peak {peak_few / 2**20:.1f} MiB (4 projections) against {peak_many / 2**20:.1f} MiB ({j_many}); "
          f"synapse memory {syn_few / 2**20:.1f} against {syn_many / 2**20:.1f} MiB; "
          f"{per_projection:.0f} B per projection beyond its rows")
    assert syn_many > syn_few, "a row per (source, projection, thread) costs memory: the measure sees it"
    assert per_projection < BOUND, f"{per_projection:.0f} B per projection beyond its rows, bound {BOUND}"
    # The memory estimate counts what each projection and population costs (`configuration`, and the
    # output's objects per population with the libraries): within 12 % of the peak either way (before
    # those terms, 13 % short with 1 600 projections; with span rows the many's peak is 7-10 % above it,
    # from the rows' build-time sources on a loaded machine).
    for name, peak in (("few", peak_few), ("many", peak_many)):
        print(f"  {name}: estimate {estimates[name] / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB")
        assert abs(estimates[name] - peak) <= 0.12 * peak, (name, estimates[name], peak)
