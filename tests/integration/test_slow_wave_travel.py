"""Per-area analysis of a sleep/wake study (tools/slow_wave_travel, tools/sleep_plots --by-group) on small
networks of areas, each a group of adapting E/I populations (group_sleep_config.py) in NREM settings that
give up and down states. Three areas in a chain A → B → C with known delays: the onset lags follow the
delays (and swap when the delays do), A leads, and against distances proportional to the delays the
speed comes out near distance / delay. Then the per-group numbers of sleep_plots."""
import json
import os
import subprocess

import numpy as np

import group_sleep_config as cfg
import harness as h

TOOLS = os.path.join(h.SOURCE, "tools")


def tool(name, *args, check=True):
    p = subprocess.run(["/usr/bin/python3", os.path.join(TOOLS, name), *args], capture_output=True, text=True,
                       timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"{name} exited with {p.returncode}: {p.stderr}")
    return p


def chain(name, delay_ab, delay_bc):
    """Three areas, 5 s of NREM (adaptation on, weak drive): A's up states spread to B and on to C."""
    path = cfg.write(cfg.path(name + ".yaml"), ["A", "B", "C"],
                     [("A", "B", "4 nS", f"{delay_ab} ms", 0.05), ("B", "C", "4 nS", f"{delay_bc} ms", 0.05)],
                     plastic=False, ee_weight="6 nS", simulation='{dt: "0.1 ms", duration: "5 s", seed: 5}')
    out = cfg.path(name + ".h5")
    h.run(["run", path, "-o", out, "-q", "--overwrite"])
    return out


def travel(path, *extra):
    return json.loads(tool("slow_wave_travel", path, "--skip", "500 ms", "--json", *extra).stdout)


def test_onset_lags_follow_the_delays_and_the_leader_comes_first():
    distances = cfg.path("distances.csv")
    with open(distances, "w") as f:
        f.write("target_area,source_area,distance_mm,connected\nB,A,10,1\nC,B,30,1\nC,A,40,0\n")
    for (dab, dbc) in ((10, 30), (30, 10)):
        r = travel(chain(f"chain{dab}_{dbc}", dab, dbc), "--distances", distances, "--all-pairs")
        print(f"delays A→B {dab} ms, B→C {dbc} ms:", {k: r[k] for k in ("onsets", "travel_ms", "onset_ms", "order")},
              "speed", round(r["speed_mm_per_ms"], 3), "r", round(r["lag_distance_r"], 3))
        assert min(r["onsets"].values()) >= 5, r["onsets"]
        assert r["order"] == ["A", "B", "C"], r["order"]
        # The waves travel A → B → C, each lag the synaptic delay within the onsets' recruitment time.
        assert set(r["travel_ms"]) == {"A>B", "B>C", "A>C"}, r["travel_ms"]
        assert abs(r["travel_ms"]["A>B"] - dab) <= 8 and abs(r["travel_ms"]["B>C"] - dbc) <= 8, r["travel_ms"]
        assert abs(r["travel_ms"]["A>C"] - (dab + dbc)) <= 12, r["travel_ms"]
        assert r["pairs"]["A>B"]["fraction"] >= 0.6, r["pairs"]["A>B"]
        assert r["onset_ms"]["A"] == 0 and abs(r["onset_ms"]["B"] - dab) <= 8, r["onset_ms"]
        assert abs(r["onset_ms"]["C"] - (dab + dbc)) <= 12, r["onset_ms"]
        if (dab, dbc) == (10, 30):  # distance = 1 mm/ms × delay
            assert 0.7 < r["speed_mm_per_ms"] < 1.4 and r["lag_distance_r"] > 0.95, r
    # Without --all-pairs, only the connected pairs (the run's projections) have lag lines.
    lines = tool("slow_wave_travel", cfg.path("chain10_30.h5"), "--skip", "500 ms").stdout.splitlines()
    keys = dict(line.split(" ", 1) for line in lines)
    assert "lag_A_B_median_ms" in keys and "lag_B_C_median_ms" in keys and "lag_A_C_median_ms" not in keys, keys
    assert keys["order"] == "A B C", keys["order"]


SLEEP_WAKE = """homeostasis: {period: "100 ms"}
schedule:
  cycles: 2
  snapshots: true
  renormalization: {set_point: first_wake, tau: "300 ms", scope: group}
  phases:
    - name: wake
      kind: wake
      duration: "2 s"
      inputs: {0: {sources: 20}, 1: {sources: 20}, 2: {sources: 20},
               3: {sources: 20}, 4: {sources: 20}, 5: {sources: 20}}
      neurons: {A_E: {a: "0 nS", b: "0 pA"}, B_E: {a: "0 nS", b: "0 pA"}, C_E: {a: "0 nS", b: "0 pA"}}
    - name: sleep
      kind: nrem
      duration: "3 s"
      plasticity: {AA: 0, BB: 0, CC: 0}"""


def test_a_sleep_wake_study_of_three_areas_by_area():
    """The chain with plastic E→E in each area through two wake/NREM cycles, SHY by area: in the NREM
    phases the waves travel A → B → C with the delays, each area's W returns to its own set point, the
    rank order of the weights onto each area is kept, and sleep_plots prints r per area and pooled."""
    path = cfg.write(cfg.path("study.yaml"), ["A", "B", "C"],
                     [("A", "B", "4 nS", "10 ms", 0.05), ("B", "C", "4 nS", "30 ms", 0.05)],
                     ee_weight="6 nS", schedule=SLEEP_WAKE, simulation='{dt: "0.1 ms", seed: 5}')
    out = cfg.path("study.h5")
    h.run(["run", path, "-o", out, "-q", "--overwrite"])
    r = travel(out, "--kind", "nrem", "--skip", "300 ms")
    assert r["order"] == ["A", "B", "C"] and min(r["onsets"].values()) >= 6, r
    assert abs(r["travel_ms"]["A>B"] - 10) <= 8 and abs(r["travel_ms"]["B>C"] - 30) <= 8, r["travel_ms"]
    keys = dict(line.split(" ", 1) for line in tool("sleep_plots", out, "--by-group", "--no-plot", "--swa-window",
                                                    "1 s").stdout.splitlines())
    for g in "ABC":
        W_star = float(keys[f"group_{g}_set_point"])
        wake, nrem = float(keys[f"phase2_weight_end_{g}"]), float(keys[f"phase3_weight_end_{g}"])
        assert wake > 1.015 * W_star and abs(nrem / W_star - 1) < 1e-3, (g, wake / W_star, nrem / W_star)
        assert float(keys[f"phase1_spearman_{g}"]) > 0.999 and float(keys[f"phase3_spearman_{g}"]) > 0.999, keys
        assert int(keys[f"swa_windows_{g}"]) == 6 and np.isfinite(float(keys[f"swa_w_r_{g}"])), keys
    print("NREM travel:", r["travel_ms"], r["onset_ms"], {k: v for k, v in keys.items() if k.startswith("swa_w_r")})


def test_slow_wave_travel_refuses_bad_input():
    path = cfg.path("chain10_30.h5")
    if not os.path.exists(path):
        chain("chain10_30", 10, 30)
    bad = cfg.path("bad_distances.csv")
    with open(bad, "w") as f:
        f.write("source_area,target_area,distance_mm\nA,B,ten\n")
    p = tool("slow_wave_travel", path, "--distances", bad, check=False)
    assert p.returncode == 2 and "bad_distances.csv:2: distance_mm is not a number" in p.stderr, p.stderr
    with open(bad, "w") as f:
        f.write("from,to,mm\nA,B,1\n")
    p = tool("slow_wave_travel", path, "--distances", bad, check=False)
    assert p.returncode == 2 and "expected columns source_area, target_area, distance_mm" in p.stderr, p.stderr
    p = tool("slow_wave_travel", h.config("nowhere.h5"), check=False)
    assert p.returncode == 2 and "no such file" in p.stderr, p.stderr


def test_sleep_plots_by_group_prints_per_group_numbers():
    import test_group_shy as shy
    path = shy.config("plots", "group")
    with open(path) as f:
        text = f.read().replace("schedule:\n", "schedule:\n  snapshots: true\n")
    with open(path, "w") as f:
        f.write(text)
    out = shy.run(path, "plots")
    figures = cfg.path("figures")
    p = tool("sleep_plots", out, "--by-group", "--swa-window", "500 ms", "--dir", figures)
    keys = dict(line.split(" ", 1) for line in p.stdout.splitlines())
    with h.files.Output(out) as f:
        _, W, set_point = f.group_weights()
    for g in ("A", "B"):
        assert float(keys[f"group_{g}_set_point"]) == set_point[g]
        assert abs(float(keys[f"phase1_weight_end_{g}"]) / set_point[g] - 1) < 2e-3, keys[f"phase1_weight_end_{g}"]
        assert int(keys[f"swa_windows_{g}"]) == 3, keys  # 1.5 s of NREM in 500 ms windows
        assert np.isfinite(float(keys[f"swa_w_r_{g}"])), keys
        # Renormalization scales every synapse onto the group by one gain: the order is kept.
        assert float(keys[f"phase1_spearman_{g}"]) > 0.999, keys[f"phase1_spearman_{g}"]
    assert np.isfinite(float(keys["swa_w_r_pooled"])), keys
    print({k: v for k, v in keys.items() if k.startswith(("swa_w_r", "phase1_spearman"))})
    assert os.path.getsize(os.path.join(figures, "plots_groups.png")) > 10000
