"""tools/scaling_model --budget: one row per job from the dry runs of its ranks (README "Placement and exchange
at full scale"), and the cost model fitted to their counts. On made-up dry runs whose figures are known."""
import importlib.machinery
import importlib.util
import os

import harness as h


def tool():
    path = os.path.join(h.SOURCE, "tools", "scaling_model")
    loader = importlib.machinery.SourceFileLoader("scaling_model", path)
    spec = importlib.util.spec_from_loader("scaling_model", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def dry(rank, ranks, placement, compute, events, received, neuron_steps, rows=None, exchange_s=0.01, peak=100):
    """A dry run's record as dry_run() reads it: 1 s simulated in 1 000 intervals; rows reached 2 per
    received spike unless given."""
    rows = 2.0 * received if rows is None else rows
    return {"rank": rank, "ranks": ranks, "exchange": "alltoall", "threads": 8, "placement": placement,
            "intervals": 1000,
            "synapses": 1000 * (rank + 1), "bio_s": 1.0, "compute_s": compute, "exchange_s": exchange_s,
            "rtf": compute + exchange_s, "bytes_per_interval": 8.0 * received / 1000,
            "received_per_interval": received / 1000, "messages_per_interval": 3.0,
            "events_per_interval": events / 1000, "peak_bytes": peak * 2**20,
            "work": (float(events), float(received), float(neuron_steps), float(rows))}


def test_the_costs_fitted_to_exact_counts_are_the_costs():
    m = tool()
    costs = (10e-9, 300e-9, 2e-9, 600e-9)  # s per event, per received spike, per neuron step, per row reached
    work = [(1e8, 1e6, 1e7, 2e6), (2e8, 1e6, 3e7, 5e6), (5e7, 3e6, 1e7, 4e6), (1e8, 2e6, 5e7, 9e6),
            (3e8, 1e6, 2e7, 1e6)]
    runs = [dry(r, 4, "blocks", sum(w * c for w, c in zip(ws, costs)), *ws) for r, ws in enumerate(work)]
    fitted = m.fit_costs(runs)
    for got, want in zip(fitted, costs):
        assert abs(got - want) < 1e-6 * want, (fitted, costs)
    assert abs(m.modelled_compute(runs[1], fitted) - runs[1]["compute_s"]) < 1e-9


def test_a_negative_cost_is_dropped_and_the_rest_refitted():
    m = tool()
    # Compute falls as neuron steps grow: a free fit gives them a negative cost, which no work has.
    runs = [dry(r, 4, "blocks", 1e-8 * e - 1e-9 * n, e, 1e6, n)
            for r, (e, n) in enumerate([(1e8, 1e7), (2e8, 2e7), (3e8, 1e6), (4e8, 5e7)])]
    fitted = m.fit_costs(runs)
    assert min(fitted) >= 0.0 and fitted[2] == 0.0, fitted


def test_the_budget_of_a_job_is_its_mean_rank_and_its_slowest():
    m = tool()
    costs = (1e-8, 0.0, 0.0)
    runs = [dry(0, 4, "blocks", 1.0, 1e8, 1e5, 0), dry(2, 4, "blocks", 3.0, 3e8, 3e5, 0, peak=300),
            dry(0, 4, "round_robin", 2.0, 2e8, 4e5, 0)]
    rows = {r["placement"]: r for r in m.budget(runs, costs)}
    assert set(rows) == {"blocks", "round_robin"}
    b = rows["blocks"]
    assert b["dry_runs"] == 2 and b["ranks"] == 4
    assert abs(b["compute"] - 2.0) < 1e-12 and abs(b["wait"] - 1.0) < 1e-12  # mean 2 s, slowest 3 s
    assert abs(b["compute_model"] - 2.0) < 1e-9 and abs(b["wait_model"] - 1.0) < 1e-9
    assert abs(b["events_imbalance"] - 1.5) < 1e-12 and abs(b["received_per_interval"] - 200.0) < 1e-9
    assert abs(b["rows_per_interval"] - 400.0) < 1e-9 and abs(b["peak_mib"] - 300.0) < 1e-9
    assert abs(b["rtf_predicted"] - 3.01) < 1e-12
    r = rows["round_robin"]
    assert r["dry_runs"] == 1 and r["wait"] == 0.0 and r["wait_model"] == 0.0
