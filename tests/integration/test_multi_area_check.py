"""tools/multi_area_check on synthetic spike trains whose answers are known: LvR and the ISI CV of hand-made
intervals, the pairwise correlation without the matrix against numpy's corrcoef, and a synthetic output file
in synorm's layout (src/io/README.md) with regular, Poisson and synchronous populations in two areas, against
reference rates whose ratios, agreement and ordering are known."""
import csv
import json
import os
import subprocess
import sys

import h5py
import numpy as np

import harness as h

TOOL = os.path.join(h.SOURCE, "tools", "multi_area_check")


def tool_module():
    return h.tool("multi_area_check")


MAC = tool_module()


def test_lvr_and_cv_of_hand_made_trains():
    # Neuron 0: intervals 1 and 3 ms; neuron 1: regular, 5 ms; neuron 2: two spikes only (left out).
    times = np.array([0.0, 1.0, 4.0, 10.0, 15.0, 20.0, 25.0, 7.0, 9.0])
    ids = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2])
    # LvR of intervals (1, 3) with R: 3/(2 − 1) · (1 − 4·3/16) · (1 + 4R/4) = 0.75 (1 + R); regular: 0.
    for t_ref in (0.0, 2.0):
        assert abs(MAC.lvr(times, ids, t_ref) - (0.75 * (1 + t_ref) + 0.0) / 2) < 1e-12, t_ref
    # CV of (1, 3): std 1 / mean 2; regular: 0.
    assert abs(MAC.isi_cv(times, ids) - 0.25) < 1e-12
    shuffled = np.random.default_rng(1).permutation(len(times))
    assert MAC.lvr(times[shuffled], ids[shuffled], 2.0) == MAC.lvr(times, ids, 2.0)
    assert np.isnan(MAC.lvr(times[-2:], ids[-2:], 2.0)) and np.isnan(MAC.isi_cv(times[-2:], ids[-2:]))


def test_mean_correlation_is_numpys_without_the_matrix():
    rng = np.random.default_rng(2)
    x = rng.poisson(0.3, size=(40, 500)).astype(float)
    x[:, :100] += rng.poisson(0.5, size=100)  # a shared part: correlations well above 0
    x[7] = 0.0  # a constant row: its pairs count as 0 (NaN in corrcoef)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.corrcoef(x)
    c = np.where(np.isnan(c), 0.0, c)
    expected = c[~np.eye(len(x), dtype=bool)].mean()
    assert expected > 0.05
    assert abs(MAC.mean_correlation(x) - expected) < 1e-12, (MAC.mean_correlation(x), expected)


DURATION = 2000.0  # ms
AREAS = ["A1", "A2"]


def synthetic(path, rng):
    """Per area: L23E Poisson (independent, 20 and 12 Hz), L23I regular at 100 Hz with random phases, L4E
    synchronous (every neuron fires the same 10 Hz Poisson train). Returns {population: rate Hz}."""
    pops, rates = {}, {}
    for k, area in enumerate(AREAS):
        n = 200
        times, ids = [], []
        for i in range(n):
            t = np.sort(rng.uniform(0, DURATION, rng.poisson((20.0 - 8 * k) * DURATION * 1e-3)))
            times.append(t)
            ids.append(np.full(len(t), i))
        pops[f"L23E_{area}"] = (n, np.concatenate(times), np.concatenate(ids), "excitatory")
        n = 50
        phase = rng.uniform(0, 10.0, n)
        t = (phase[:, None] + 10.0 * np.arange(int(DURATION / 10) - 1)[None, :]).ravel()
        pops[f"L23I_{area}"] = (n, t, np.repeat(np.arange(n), int(DURATION / 10) - 1), "inhibitory")
        n = 30
        common = np.sort(rng.uniform(0, DURATION, rng.poisson(10.0 * DURATION * 1e-3)))
        pops[f"L4E_{area}"] = (n, np.tile(common, n), np.repeat(np.arange(n), len(common)), "excitatory")
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "synorm-output"
        f.attrs["status"] = "complete"
        f.create_group("simulation").attrs.update({"dt": 0.1, "duration": DURATION})
        g = f.create_group("populations")
        g.attrs["order"] = np.array([p.encode() for p in pops])
        first = 0
        for name, (n, t, i, kind) in pops.items():
            p = g.create_group(name)
            p.attrs.update({"size": np.uint64(n), "first_gid": np.uint64(first), "model": b"lif_curr_exp",
                            "type": kind.encode(), "group": name.split("_")[1].encode()})
            first += n
            s = f.create_group(f"spikes/{name}")
            s["node_ids"] = np.asarray(i, np.uint64)
            s["timestamps"] = np.asarray(t, np.float64)
            rates[name] = len(t) / n / (DURATION * 1e-3)
    return rates


def write_reference(path, rates, factor):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "population", "rate_Hz"])
        for name, r in rates.items():
            layer, area = name[1:].split("_")
            w.writerow([area, layer, repr(r * factor[name])])


def run_tool(*args, check=True):
    p = subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"multi_area_check {' '.join(args)} exited with {p.returncode}: {p.stderr}")
    return p


def test_a_synthetic_run_gives_the_known_figures():
    d = h.tmpdir()
    out = os.path.join(d, "run.h5")
    rates = synthetic(out, np.random.default_rng(5))
    # References with known ratios rate / reference: 1, 2/3, 1/3, 4, 1, 1/2 (four of six within 2×).
    factors = dict(zip(rates, [1.0, 1.5, 3.0, 0.25, 1.0, 2.0]))
    ref = os.path.join(d, "ref.csv")
    write_reference(ref, rates, factors)
    result = json.loads(run_tool(out, "--reference", ref, "--from", "0 ms", "--t-ref", "0 ms", "--json").stdout)
    assert result["window"] == [0.0, DURATION]
    by = {r["population"]: r for r in result["populations"]}
    assert list(by) == list(rates)
    for name, r in by.items():
        assert abs(r["rate"] - rates[name]) < 1e-9 * rates[name], name
        assert abs(r["ratio"] - 1 / factors[name]) < 1e-9, name
        assert r["area"] == name.split("_")[1] and r["layer"] == name[1:].split("_")[0]
        if name.startswith("L23E"):  # independent Poisson
            assert abs(r["cv"] - 1) < 0.1 and abs(r["lvr"] - 1) < 0.1, r
            assert abs(r["cc"]) < 0.01 and abs(r["fano"] - 1) < 0.15, r
        elif name.startswith("L23I"):  # regular
            assert r["cv"] < 1e-9 and r["lvr"] < 1e-9, r
        else:  # synchronous: identical trains
            assert abs(r["cc"] - 1) < 1e-9 and r["fano"] > 30 * 0.9, r
    s = result["summary"]
    log_ratios = np.abs(np.log([1 / f for f in factors.values()]))
    assert s["matched"] == s["populations"] == 6 and s["silent"] == 0 and s["above_100Hz"] == 0
    assert abs(s["within_2x"] - 4 / 6) < 1e-12
    assert abs(s["median_abs_log_ratio"] - np.median(log_ratios)) < 1e-9
    assert abs(s["typical_factor"] - np.exp(np.median(log_ratios))) < 1e-9

    # The same ordering at 1.2 times the rates: every ordering measure is 1, every ratio within 2×.
    write_reference(ref, rates, dict.fromkeys(rates, 1.2))
    s = json.loads(run_tool(out, "--reference", ref, "--from", "0 ms", "--json").stdout)["summary"]
    assert s["within_2x"] == 1.0 and abs(s["median_abs_log_ratio"] - np.log(1.2)) < 1e-9
    for key in ("log_rate_r", "rate_spearman", "layer_spearman", "area_spearman"):
        assert abs(s[key] - 1) < 1e-9, (key, s[key])
    # Reversed ordering of the areas: area A2 made the higher of the two in the reference.
    write_reference(ref, rates, {n: (10.0 if n.endswith("A2") else 1.0) for n in rates})
    s = json.loads(run_tool(out, "--reference", ref, "--from", "0 ms", "--json").stdout)["summary"]
    assert abs(s["area_spearman"] + 1) < 1e-9, s["area_spearman"]

    table = run_tool(out, "--reference", ref).stdout
    assert "L23E_A1" in table and "within_2x" in table


def test_bad_inputs_exit_2():
    d = h.tmpdir()
    out = os.path.join(d, "run.h5")
    rates = synthetic(out, np.random.default_rng(6))
    ref = os.path.join(d, "ref.csv")
    with open(ref, "w") as f:
        f.write("area,population,rate_Hz\nV1,23E,1.0\n")
    p = run_tool(out, "--reference", ref, check=False)
    assert p.returncode == 2 and "names none of the run's populations" in p.stderr, p.stderr
    p = run_tool(os.path.join(d, "missing.h5"), check=False)
    assert p.returncode == 2, p.stderr
    p = run_tool(out, "--from", "3 s", check=False)
    assert p.returncode == 2 and "--from" in p.stderr, p.stderr
    assert len(rates) == 6
