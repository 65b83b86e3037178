"""Records by group (the areas of a multi-area model): /rates_by_group/<group> and the attribute `mean` of
/rates/<population> (src/io/README.md), on a small network of four populations, two in group A, one in B and
one in none, whose duration (201 ms) is not a multiple of the bin (2 ms), so that the last bin is shorter.
Checked against the spikes in the file, and byte for byte on 1x1, 1x2, 2x1 and 2x2."""
import os

import numpy as np

import harness as h

DT, DURATION, BIN = 0.1, 201.0, 2.0  # ms
NEURON = ('{model: lif_delta, C_m: "250 pF", tau_m: "20 ms", E_L: "0 mV", V_th: "20 mV", V_reset: "10 mV", '
          't_ref: "2 ms"}')
V_INIT = '{distribution: uniform, low: "0 mV", high: "20 mV"}'
SIZES = {"E1": 400, "I1": 100, "X": 150, "E2": 300}
GROUPS = {"E1": "A", "I1": "A", "E2": "B"}


def config():
    lines = [f'simulation: {{dt: "{DT} ms", duration: "{DURATION:g} ms", seed: 3}}', "populations:"]
    for name, size in SIZES.items():
        group = f", group: {GROUPS[name]}" if name in GROUPS else ""
        kind = "inhibitory" if name.startswith("I") else "excitatory"
        lines.append(f"  {name}: {{size: {size}, type: {kind}{group}, neuron: {NEURON}, V_init: {V_INIT}}}")
    lines += [
        "projections:",
        '  - {name: E1I1, source: E1, target: I1, connect: {rule: fixed_indegree, indegree: 50}, weight: "0.2 mV", '
        'delay: "1.5 ms"}',
        '  - {name: I1E1, source: I1, target: E1, connect: {rule: fixed_indegree, indegree: 20}, weight: "-0.5 mV", '
        'delay: "1 ms"}',
        '  - {name: E1E2, source: E1, target: E2, connect: {rule: fixed_indegree, indegree: 50}, weight: "0.3 mV", '
        'delay: "2 ms"}',
        "inputs:"]
    for name in SIZES:
        lines.append(f'  - {{kind: poisson, target: {name}, rate: "20 Hz", sources: 1000, weight: "0.1 mV"}}')
    lines.append(f'recording: {{spikes: all, rate_bin: "{BIN:g} ms"}}')
    path = os.path.join(h.tmpdir(), "groups.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


CONFIG = config()
FILES = {}


def output(ranks, threads):
    if (ranks, threads) not in FILES:
        path = os.path.join(os.path.dirname(CONFIG), f"{ranks}x{threads}.h5")
        h.run(["run", CONFIG, "-o", path, "-q", "--threads", str(threads)], ranks=ranks, threads=threads)
        FILES[(ranks, threads)] = path
    return FILES[(ranks, threads)]


def binned(times):
    """Spike counts per rate bin: bin b holds the steps [b·BIN/DT, (b+1)·BIN/DT)."""
    steps = np.rint(np.asarray(times) / DT).astype(np.int64)
    per_bin = round(BIN / DT)
    bins = -(-round(DURATION / DT) // per_bin)
    return np.bincount(steps // per_bin, minlength=bins)


def widths_s():
    per_bin, total = round(BIN / DT), round(DURATION / DT)
    bins = -(-total // per_bin)
    return np.array([min(per_bin, total - b * per_bin) * DT * 1e-3 for b in range(bins)])


def test_group_rates_and_mean_rates_follow_the_spikes():
    with h.files.Output(output(1, 1)) as run:
        spikes = run.spikes()
        mean = run.mean_rates()
        assert run.groups() == GROUPS
        bin_ms, by_group = run.group_rates()
        attributes = {g: run.attributes("rates_by_group/" + g) for g in by_group}
        _, rates = run.rates()
    widths = widths_s()
    assert widths[-1] < widths[0], "the test needs a shorter last bin"
    assert bin_ms == BIN and list(by_group) == ["A", "B"], (bin_ms, list(by_group))
    for pop, size in SIZES.items():
        expected = len(spikes[pop][0]) / size / (DURATION * 1e-3)
        assert expected > 1.0, f"{pop} fires at {expected} Hz: the comparison would be weak"
        assert abs(mean[pop] - expected) <= 1e-12 * expected, (pop, mean[pop], expected)
        # The plain mean of the bins weighs the short last bin as a full one: `mean` does not.
        assert np.isclose((rates[pop] * widths).sum() / widths.sum(), mean[pop], rtol=1e-12, atol=0)
    for group in ("A", "B"):
        members = [p for p in SIZES if GROUPS.get(p) == group]
        neurons = sum(SIZES[p] for p in members)
        counts = sum(binned(spikes[p][0]) for p in members)
        assert np.allclose(by_group[group], counts / neurons / widths, rtol=1e-12, atol=0), group
        a = attributes[group]
        assert a["populations"] == members and int(a["neurons"]) == neurons and a["units"] == "Hz", a
        total = sum(len(spikes[p][0]) for p in members)
        assert abs(a["mean"] - total / neurons / (DURATION * 1e-3)) <= 1e-12 * a["mean"], (group, a["mean"])
    # Neuron-weighted: A's rate lies between those of its two populations, B's is E2's.
    assert min(mean["E1"], mean["I1"]) < attributes["A"]["mean"] < max(mean["E1"], mean["I1"])
    assert np.array_equal(by_group["B"], rates["E2"])


def test_group_rates_are_the_same_bytes_on_every_layout():
    reference = {}
    with h.files.Output(output(1, 1)) as run:
        for g in ("A", "B"):
            reference[g] = run.read("rates_by_group/" + g).tobytes()
            reference[g + "/mean"] = np.float64(run.attributes("rates_by_group/" + g)["mean"]).tobytes()
        for p in SIZES:
            reference[p + "/mean"] = np.float64(run.attributes("rates/" + p)["mean"]).tobytes()
    for layout in ((1, 2), (2, 1), (2, 2)):
        with h.files.Output(output(*layout)) as run:
            for g in ("A", "B"):
                assert run.read("rates_by_group/" + g).tobytes() == reference[g], (g, layout)
                assert np.float64(run.attributes("rates_by_group/" + g)["mean"]).tobytes() == reference[g + "/mean"]
            for p in SIZES:
                assert np.float64(run.attributes("rates/" + p)["mean"]).tobytes() == reference[p + "/mean"], p


def test_a_run_without_groups_writes_no_group_rates():
    path = os.path.join(h.tmpdir(), "brunel.h5")
    h.run(["run", h.config("brunel.yaml"), "-o", path, "-q", "--duration", "20 ms", "--set", "populations.E.size=500",
           "--set", "populations.I.size=125", "--set", "projections.0.connect.indegree=50",
           "--set", "projections.1.connect.indegree=50", "--set", "projections.2.connect.indegree=12",
           "--set", "projections.3.connect.indegree=12"])
    with h.files.Output(path) as run:
        assert "rates_by_group" not in run and run.groups() == {}
        assert set(run.mean_rates()) == {"E", "I"}
