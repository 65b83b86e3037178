"""config/multi_area.yaml applies the published downscaling of the multi-area model (Schmidt et al. 2018,
multiarea_model.py MultiAreaModel.scale_network and adj_W_to_K): sizes × N_scaling, synapse numbers × N_scaling ×
K_scaling, every weight × 1/√K_scaling, the Poisson input's rate K_ext·10 Hz × K_scaling, and the DC
C_m/τ_m·(1 − √K_scaling)·(x1 + x1_ext) from the full-scale rates of tables.rates, recomputed here from the tables
alone; the Poisson input starts at the published generators' 1 ms delay. Skipped, saying so, without the tables
(test_multi_area_tables.py)."""
import csv
import math
import os

import yaml

import harness as h
from test_multi_area_tables import found

SCALE, INDEGREE = 0.005, 0.1  # N_scaling and K_scaling (network.scale, network.indegree_scale)


def rows(tables, name):
    with open(os.path.join(tables, name)) as f:
        return list(csv.DictReader(f))


def test_the_published_downscaling_with_its_compensating_current():
    tables = found()
    if not tables:
        return
    out = os.path.join(h.tmpdir(), "multi_area.h5")
    p = h.run(["run", h.config("multi_area.yaml"), "-o", out, "-q", "--set", f"tables.directory={tables}",
               "--set", f"network.scale={SCALE}", "--set", f"network.indegree_scale={INDEGREE}",
               "--duration", "1 ms"])
    assert p.returncode == 0
    with h.files.Output(out) as run:
        resolved = yaml.load(run.config, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    pops = {(r["area"], r["population"]): r for r in rows(tables, "populations.csv")}
    rates = {(r["area"], r["population"]): float(r["rate_Hz"])
             for r in rows(tables, "rates_meanfield_this_network.csv")}
    synapses = rows(tables, "synapses.csv")
    populations = resolved["populations"]
    tau_m, C_m, tau_syn = 10.0, 250.0, 0.5  # ms, pF, ms (parameters.md)
    root = math.sqrt(INDEGREE)
    for area, pop in [("V1", "23E"), ("V1", "4I"), ("FEF", "5E"), ("TH", "6I")]:
        name = f"L{pop}_{area}"
        row = pops[(area, pop)]
        assert populations[name]["size"] == max(1, round(int(row["neurons"]) * SCALE)), name
        # x1 and x1_ext of adj_W_to_K, with J = W·τ_syn/C_m (mV·ms) and the full-scale in-degrees.
        x1 = sum(1e-3 * tau_m * float(s["weight_mean_pA"]) * tau_syn / C_m * int(s["synapses"]) / int(row["neurons"])
                 * rates[(s["source_area"], s["source_pop"])]
                 for s in synapses if (s["target_area"], s["target_pop"]) == (area, pop))
        x1_ext = 1e-3 * tau_m * float(row["W_ext_pA"]) * tau_syn / C_m * float(row["poisson_total_rate_Hz"])
        dc = C_m / tau_m * (1 - root) * (x1 + x1_ext)
        I_e = float(populations[name]["neuron"]["I_e"].split()[0])
        assert math.isclose(I_e, dc, rel_tol=1e-9), (name, I_e, dc)
    inputs = {i["target"]: i for i in resolved["inputs"]}
    v1 = pops[("V1", "23E")]
    assert math.isclose(float(inputs["L23E_V1"]["rate"].split()[0]), float(v1["poisson_total_rate_Hz"]) * INDEGREE)
    assert math.isclose(float(inputs["L23E_V1"]["weight"].split()[0]), float(v1["W_ext_pA"]) / root)
    assert inputs["L23E_V1"]["start"] == "1 ms"
    projections = {(p["source"], p["target"]): p for p in resolved["projections"]}
    for s in synapses[:40:7] + [s for s in synapses if s["kind"] == "inter"][:5]:
        proj = projections[(f"L{s['source_pop']}_{s['source_area']}", f"L{s['target_pop']}_{s['target_area']}")]
        assert proj["connect"]["number"] == max(1, round(int(s["synapses"]) * SCALE * INDEGREE))
        assert math.isclose(float(proj["weight"]["mean"].split()[0]), float(s["weight_mean_pA"]) / root)
        assert math.isclose(float(proj["weight"]["sd"].split()[0]), float(s["weight_sd_pA"]) / root)
