"""config/multi_area.yaml (Schmidt et al. 2018) at a tiny scale: the same spikes and per-area records, bitwise, on
1x1, 1x2, 2x1 and 2x2; and tools/multi_area_check on the 1x1 run, whose rates must agree with the run's own
records and stay within the bounds measured for the model (README "The multi-area model: dynamics").

The run sets network.scale (N and K × 0.002) and network.indegree_scale (K × 0.1 instead: at K × 0.01 and
below the published compensation leaves the network silent, config/multi_area.yaml says why). The tables are
not part of synorm (CC BY-NC-SA): the test uses ../shared/models/multi_area beside the source tree, or
$SYNORM_MULTI_AREA_DIR, and when neither exists says so and checks nothing (tests/conftest.py fails a
session with a pytest.skip, so it returns, as test_multi_area_tables.py does)."""
import json
import os
import subprocess
import sys

import numpy as np

import harness as h

TABLES = os.environ.get("SYNORM_MULTI_AREA_DIR") or os.path.join(
    os.path.dirname(h.SOURCE), "shared", "models", "multi_area")
TOOL = os.path.join(h.SOURCE, "tools", "multi_area_check")
SCALE, INDEGREE = "0.002", "0.1"  # 8 250 neurons, 4.8 M synapses: seconds to build and run


def found():
    if os.path.isfile(os.path.join(TABLES, "synapses.csv")):
        return TABLES
    print(f"  skipped: the multi-area model's tables are not at {TABLES} (set SYNORM_MULTI_AREA_DIR to their folder)")
    return None


DURATION = "300 ms"
WORKDIR = h.tmpdir()
FILES = {}


def output(tables, ranks=1, threads=1):
    """The run on ranks x threads, made once."""
    if (ranks, threads) not in FILES:
        out = os.path.join(WORKDIR, f"{ranks}x{threads}.h5")
        h.run(["run", h.config("multi_area.yaml"), "-o", out, "-q", "--threads", str(threads),
               "--set", f"tables.directory={tables}", "--set", f"network.scale={SCALE}",
               "--set", f"network.indegree_scale={INDEGREE}", "--duration", DURATION],
              ranks=ranks, threads=threads)
        FILES[(ranks, threads)] = out
    return FILES[(ranks, threads)]


def records(path):
    """Every spike (sorted) and every rate record, as bytes."""
    with h.files.Output(path) as f:
        out = {f"spikes/{p}": np.concatenate([t.view(np.uint64), i.view(np.uint64)]).tobytes()
               for p, (t, i) in f.spikes().items()}
        for group in ("rates", "rates_by_group"):
            for name in f.file[group]:
                out[f"{group}/{name}"] = f.read(f"{group}/{name}").tobytes()
                out[f"{group}/{name}/mean"] = np.float64(f.attributes(f"{group}/{name}")["mean"]).tobytes()
    return out


def test_layouts_are_bitwise_identical():
    tables = found()
    if not tables:
        return
    reference = records(output(tables))
    spikes = sum(len(v) // 16 for k, v in reference.items() if k.startswith("spikes/"))
    assert sum(k.startswith("rates_by_group/") for k in reference) == 2 * 32, "one rate and mean per area"
    # The published ground state fires at a few Hz, after a start from V0 ≈ −150 mV: hundreds of spikes.
    assert spikes > 500, f"only {spikes} spikes: the comparison would be weak"
    for ranks, threads in ((1, 2), (2, 1), (2, 2)):
        got = records(output(tables, ranks, threads))
        assert got.keys() == reference.keys(), (ranks, threads)
        for key, value in reference.items():
            assert got[key] == value, f"{key} differs on {ranks}x{threads}"


def check(tables, out, start):
    p = subprocess.run([sys.executable, TOOL, out, "--reference",
                        os.path.join(tables, "rates_meanfield_this_network.csv"), "--from", start, "--json"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    print(f"  from {start}: " + " ".join(f"{k}={v:.4g}" for k, v in result["summary"].items()))
    return result


def test_the_dynamics_check_agrees_with_the_records_and_stays_in_bounds():
    tables = found()
    if not tables:
        return
    out = output(tables)
    result = check(tables, out, "0 ms")
    with h.files.Output(out) as f:
        mean = f.mean_rates()
        by_area = {g: f.attributes("rates_by_group/" + g) for g in f.group_rates()[1]}
    rows = result["populations"]
    assert result["summary"]["populations"] == result["summary"]["matched"] == 254
    # The tool's rates over the whole run are the engine's records, population by population and by area.
    for r in rows:
        assert abs(r["rate"] - mean[r["population"]]) <= 1e-9 * max(mean[r["population"]], 1.0), r["population"]
    for area, a in by_area.items():
        members = [r for r in rows if r["area"] == area]
        assert [r["population"] for r in members] == a["populations"]
        weighted = sum(r["rate"] * r["size"] for r in members) / sum(r["size"] for r in members)
        assert abs(weighted - a["mean"]) <= 1e-9 * max(a["mean"], 1.0), area
    # The ground state against the mean-field rates of the full network. Silence over the whole run (a
    # population whose mean-field rate predicts 20 or more spikes); the rest after the start from
    # V0 ≈ −150 mV, which every neuron leaves at about the same time. Measured at this scale (seed 1):
    # rates within a factor 1.5 typically (median |ln ratio| 0.42), Spearman 0.90 over populations and
    # 0.93 over layers, CV 0.43 and pairwise correlation 0.12 on average, no population above 17 Hz.
    # The bounds leave room for another seed but fail for the downscaling without compensation
    # (100–300 Hz, regular), a silent network, or population-wide volleys.
    window_s = (result["window"][1] - result["window"][0]) * 1e-3
    expected = {r["population"]: r["reference"] * r["size"] * window_s for r in rows}
    silent = [r["population"] for r in rows if r["rate"] == 0 and expected[r["population"]] >= 20]
    assert sum(e >= 20 for e in expected.values()) >= 20, "too few populations for the silence check"
    assert not silent, f"silent, though the mean-field rates expect 20 or more spikes: {silent}"
    s = check(tables, out, "100 ms")["summary"]
    assert s["typical_factor"] < 2.5, s["typical_factor"]
    assert s["rate_spearman"] > 0.7, s["rate_spearman"]
    assert s["layer_spearman"] > 0.6, s["layer_spearman"]
    assert s["rate_max"] < 50.0, s["rate_max"]
    assert s["cc_mean"] < 0.2, s["cc_mean"]
    assert 0.2 < s["cv_mean"] < 1.5, s["cv_mean"]
