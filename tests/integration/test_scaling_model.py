"""tools/scaling_model --budget: one row per job from the dry runs of its ranks (README "Placement and exchange
at full scale"), and the cost model fitted to their counts. On made-up dry runs whose figures are known."""
import os

import harness as h


def tool():
    return h.tool("scaling_model")


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


def phase_row(start_ms, bio_s, work, cpu_s, kind="wake"):
    """A phase's record as phase_rows() reads it (work in WORK_TERMS order), no exchange."""
    return {"file": "made_up.h5", "rank": 0, "ranks": 4, "threads": 1, "phase": kind, "kind": kind, "cycle": 0,
            "start_ms": start_ms, "bio_s": bio_s, "intervals": bio_s * 1e4, "wall_s": cpu_s, "cpu_s": cpu_s,
            "local_s": 0.0, "exchange_s": 0.0, "work": tuple(float(x) for x in work), "own_rate": 1.0}


def test_the_plastic_and_neuron_costs_fitted_beside_given_ones_are_the_costs():
    m = tool()
    costs = (10e-9, 125e-9, 3e-9, 214e-9, 40e-9, 70e-9)
    work = [(1e7, 1e6, 1e7, 2e6, 4e6, 3e6), (2e7, 1e6, 1e7, 2e6, 0, 0), (1e7, 2e6, 3e7, 1e6, 5e6, 1e6),
            (3e7, 1e6, 2e7, 3e6, 1e6, 6e6)]
    rows = [phase_row(200.0 * k, 0.2, w, sum(c * x for c, x in zip(costs, w))) for k, w in enumerate(work)]
    given = m.parse_costs("10,125,fit,214,fit,fit")
    fitted = m.fit_phase_costs(rows, given)
    assert fitted[:2] == given[:2] and fitted[3] == given[3], fitted  # the given ones are kept
    for got, want in zip(fitted, costs):
        assert got > 0 and abs(got - want) < 1e-6 * want, (fitted, costs)


def test_a_sleep_dry_run_is_costed_phase_by_phase_and_the_phases_add_up_to_the_run():
    """A dry run of config/sleep_wake.yaml (rank 0 of 4, two cycles of 200 ms wake and 200 ms NREM): its
    per-phase work (/provenance phase_work) adds up to the run's counts; STDP updates are counted in wake,
    and NREM, whose learning-rate factor for EE is 0, delivers its rows as static ones with none; the
    model's per-phase RTFs, weighted by duration, give the whole run's, which is the costs applied to
    the run's own totals; the plastic costs move the prediction by their counts."""
    m = tool()
    out = os.path.join(h.tmpdir(), "sleep_dry.h5")
    h.run(["run", h.config("sleep_wake.yaml"), "--set", "schedule.cycles=2", "--set",
           "schedule.phases.0.duration=200 ms", "--set", "schedule.phases.1.duration=200 ms", "--set",
           "schedule.snapshots=false", "--set", "recording.spikes=none", "--set",
           'dry_run.rates={E: "8 Hz", I: "8 Hz"}', "--dry-run", "4x1:0", "-o", out, "-q"])
    with h.files.Output(out) as f:
        p = f.provenance()
        kinds = f.phases()["kind"]
    columns = h.files.text(p["phase_work_columns"]).split()
    import numpy as np
    work = np.asarray(p["phase_work"]).reshape(-1, len(columns))
    total = dict(zip(columns, work.sum(axis=0)))
    assert kinds == ["wake", "nrem"] * 2 and work.shape[0] == 4 and len(p["phase_cpu"]) == 4
    assert total["events"] == p["rank_events"][0] and total["spikes"] == p["rank_spikes"][0], (total, p)
    assert total["received"] == p["rank_received"][0] and total["rows"] == p["rank_rows"][0], (total, p)
    pre, post, events = (work[:, columns.index(c)] for c in ("plastic_pre", "plastic_post", "events"))
    wake = np.array([k == "wake" for k in kinds])
    assert np.all(pre[wake] > 0) and np.all(pre < events) and np.all(post[wake] > 0), work
    assert np.all(pre[~wake] == 0) and np.all(post[~wake] == 0) and np.all(events[~wake] > 0), work
    costs = m.parse_costs("10,125,5,214,40,70")
    table = m.phase_table(m.phase_rows(out, None, None), costs)
    phases = [r for r in table if r["cycle"] >= 0]
    whole = [r for r in table if r["phase"] == "all"][0]
    assert len(phases) == 4 and {r["phase"] for r in table if r["cycle"] < 0} == {"wake", "nrem", "all"}
    weighted = sum(r["rtf_model"] * r["bio_s"] for r in phases) / sum(r["bio_s"] for r in phases)
    assert abs(whole["rtf_model"] - weighted) < 1e-9 * weighted, (whole["rtf_model"], weighted)
    bio = float(p["simulated_time"]) * 1e-3
    totals = (p["rank_events"][0], p["rank_received"][0], p["rank_neurons"][0] * bio / 1e-4, p["rank_rows"][0],
              pre.sum(), post.sum())
    exchange = sum(r["exchange_s"] for r in phases) / bio
    from_run = sum(c * float(x) for c, x in zip(costs, totals)) / bio + exchange
    assert abs(whole["rtf_model"] - from_run) < 1e-6 * from_run, (whole["rtf_model"], from_run)
    no_plastic = m.phase_table(m.phase_rows(out, None, None), costs[:4] + (0.0, 0.0))
    for r, s in zip(phases, no_plastic):
        moved = (40e-9 * r["work"][4] + 70e-9 * r["work"][5]) / r["bio_s"]
        assert (moved > 0) == (r["kind"] == "wake"), r
        assert abs(r["rtf_model"] - s["rtf_model"] - moved) < 1e-9 * r["rtf_model"], (r, s)
    assert all(r["exchange"] > 0 and r["rtf_timed"] > 0 and r["rtf_cpu"] > 0 for r in phases), phases
