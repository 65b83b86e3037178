"""Sleep and wake (config/sleep_wake.yaml, three wake/NREM cycles): the total excitatory plastic weight
W rises in every wake and falls in every NREM along a decaying exponential back to within 5 % of its
set point; SHY renormalization is proportional (the weights keep their rank order, and the rank-order
slope through the origin is the folded gain); slow-wave activity is higher early in NREM than late
and tracks W across the 2 s windows of all NREM phases (Pearson r > 0.8); /phases' SWA (C++)
matches the Python definition (tools/synorm_files.py swa). In selective mode (de Vivo et al. 2017) the
strongest fifth of the synapses keeps its weight, the others are scaled by G, and W still reaches its
set point. A phase with learning off skips the STDP updates only while every weight is within its bounds,
with the same results in every layout."""
import os
import subprocess

import numpy as np

import harness as h
from harness import files

WINDOW_MS = 2000.0


def test_three_cycles_of_wake_and_renormalizing_sleep():
    out = os.path.join(h.tmpdir(), "sleep_wake.h5")
    h.run(["run", h.config("sleep_wake.yaml"), "-o", out, "-q"])
    with files.Output(out) as f:
        p = f.phases()
        bin_ms, rate = f.rates("E")
        snaps = {s.index: (s.source, s.target, s.weight) for s in f.snapshots("EE", "phase_weights")}
        loop = float(f.provenance()["loop_time"])
    kind, start, end = p["kind"], p["start"], p["end"]
    w0, w1, set_point, factor = p["weight_start"], p["weight_end"], p["set_point"], p["renormalization"]
    t, W, swa, wall = p["time"], p["weight"], p["E/swa"], p["wall"]
    assert kind == ["wake", "nrem"] * 3, kind
    windows = []  # (NREM phase, start ms, mean W, SWA) per 2 s window: SWA against W below
    # The phases' wall times (the real-time factor per phase kind) share out the loop's time.
    print(f"phase wall times {wall} s, loop {loop:.3f} s")
    assert np.all(wall > 0) and 0.5 * loop < wall.sum() <= loop * 1.001 + 0.01
    for c in range(3):
        wake, nrem = 2 * c, 2 * c + 1
        print(f"cycle {c}: wake W {w0[wake]:.0f} -> {w1[wake]:.0f}; NREM -> {w1[nrem]:.0f} (set point "
              f"{set_point[nrem]:.0f}, "
              f"G {factor[nrem]:.6f})")
        assert w1[wake] > 1.02 * w0[wake], "W must rise in wake"
        assert w1[nrem] < w0[nrem] and factor[nrem] < 1.0, "W must fall in NREM"
        assert abs(w1[nrem] / set_point[nrem] - 1.0) < 0.05, "W must return to within 5 % of its set point"
        assert factor[wake] == 1.0
        # The course in NREM: W(t) = W* + A·exp(−(t − t0)/τ), fitted on log(W − W*), R² of the fit on W.
        inside = (t > start[nrem]) & (t <= end[nrem])
        ts, ws = t[inside], W[inside]
        excess = ws - set_point[nrem]
        assert np.all(excess > 0)
        slope, intercept = np.polyfit(ts - start[nrem], np.log(excess), 1)
        model = set_point[nrem] + np.exp(intercept + slope * (ts - start[nrem]))
        r2 = 1.0 - np.sum((ws - model) ** 2) / np.sum((ws - ws.mean()) ** 2)
        print(f"  NREM exponential fit: tau {-1 / slope:.1f} ms, R^2 {r2:.6f}")
        assert r2 > 0.95 and slope < 0
        # Proportional: the weights before and after NREM keep their order; the slope is the gain.
        (s0, t0, before), (s1, t1, after) = snaps[2 * c + 1], snaps[2 * c + 2]
        assert np.array_equal(s0, s1) and np.array_equal(t0, t1)
        b, a = before.astype(float), after.astype(float)
        # Every synapse is scaled by the same G; the stored floats differ from b·G only by rounding
        # (single precision), so the rank order holds up to that rounding.
        nonzero = b > 0
        ratio = a[nonzero] / b[nonzero]
        assert np.max(np.abs(ratio / factor[nrem] - 1.0)) < 3e-7, "renormalization is not proportional"
        order = np.argsort(b, kind="stable")
        assert np.all(np.diff(a[order]) >= -3e-7 * a.max()), "renormalization changed the rank order"
        spearman = files.spearman(b, a)
        fit = float(np.dot(a, b) / np.dot(b, b))
        print(f"  Spearman {spearman:.9f}, rank-order slope {fit:.9f}, folded G {factor[nrem]:.9f}")
        assert spearman > 1.0 - 1e-6
        assert abs(fit - factor[nrem]) < 1e-6
        # Slow-wave activity: higher in the first half of NREM than in the second; /phases' SWA as the tool's.
        lo, hi = int(start[nrem] / bin_ms), int(end[nrem] / bin_ms)
        mid = (lo + hi) // 2
        early, late = files.swa(rate[lo:mid], bin_ms), files.swa(rate[mid:hi], bin_ms)
        print(f"  SWA early {early:.3f}, late {late:.3f} Hz^2")
        assert early > late
        assert abs(swa[nrem] - files.swa(rate[lo:hi], bin_ms)) <= 1e-9 * max(1.0, swa[nrem])
        # 2 s windows: the shortest whose periodogram resolves 0.5 Hz, the bottom of the band. W in a
        # window: the mean of the /phases samples in force in it (each holds from its time on).
        per = int(round(WINDOW_MS / bin_ms))
        for a in np.arange(start[nrem], end[nrem] - WINDOW_MS + 1e-9, WINDOW_MS):
            i = int(round(a / bin_ms))
            windows.append((nrem, a, W[(t >= a) & (t < a + WINDOW_MS)].mean(), files.swa(rate[i:i + per], bin_ms)))
    # Slow-wave activity tracks synaptic strength as it declines through sleep (Vyazovskiy et al. 2008):
    # the windows of the three NREM phases pooled.
    for k, a, w, power in windows:
        print(f"  NREM window phase {k} at {a / 1e3:.0f} s: W {w:.0f}, SWA {power:.3f} Hz^2")
    r = np.corrcoef([x[2] for x in windows], [x[3] for x in windows])[0, 1]
    print(f"SWA against W: {len(windows)} windows of {WINDOW_MS:.0f} ms, Pearson r {r:.4f}")
    assert len(windows) >= 9
    assert r > 0.8, "slow-wave activity does not track W across the NREM windows"
    # tools/sleep_plots: its numbers agree with the table, and it writes its three figures.
    figures = os.path.join(h.tmpdir(), "figures")
    proc = subprocess.run(["/usr/bin/python3", os.path.join(h.SOURCE, "tools", "sleep_plots"), out, "--dir", figures],
                          capture_output=True, text=True, check=True)
    said = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    for c in range(3):
        nrem = 2 * c + 1
        assert said[f"phase{nrem}_kind"] == "nrem"
        assert abs(float(said[f"phase{nrem}_slope"]) - factor[nrem]) < 1e-6
        assert float(said[f"phase{nrem}_spearman"]) > 1.0 - 1e-6
    assert int(said["swa_windows"]) == len(windows) and abs(float(said["swa_w_r"]) - r) < 1e-6
    for suffix in ("trajectory", "weights", "rank_order", "swa"):
        assert os.path.getsize(os.path.join(figures, f"sleep_wake_{suffix}.png")) > 10000


def test_selective_renormalization_spares_the_strongest_synapses():
    out = os.path.join(h.tmpdir(), "selective.h5")
    h.run(["run", h.config("sleep_wake.yaml"), "-o", out, "-q", "--set", "schedule.renormalization.mode=selective",
           "--set", "schedule.renormalization.spare=0.2"])
    with files.Output(out) as f:
        p = f.phases()
        snaps = {s.index: (s.target, s.weight) for s in f.snapshots("EE", "phase_weights")}
    w1, set_point, factor, spared = p["weight_end"], p["set_point"], p["renormalization"], p["weight_spared"]
    for c in range(3):
        nrem = 2 * c + 1
        (target, before), (_, after) = snaps[nrem], snaps[nrem + 1]
        b, a = before.astype(float), after.astype(float)
        # Scaling is frozen in NREM, so a spared synapse's effective weight is unchanged bit for bit and
        # every other one is scaled by G (up to single-precision rounding).
        kept = a == b
        scaled = np.abs(a / np.where(b > 0, b, 1.0) / factor[nrem] - 1.0) < 3e-7
        print(f"cycle {c}: G {factor[nrem]:.6f}, spared {kept.mean():.4f} of the synapses, "
              f"W end {w1[nrem]:.0f} (set point {set_point[nrem]:.0f}), spared Σw at the start {spared[nrem]:.0f}")
        assert factor[nrem] < 1.0
        assert np.all(kept | scaled), "every synapse is either spared or scaled by G"
        assert 0.15 < kept.mean() <= 0.2, "at most the configured fraction is spared"
        assert abs(w1[nrem] / set_point[nrem] - 1.0) < 0.05
        # Within one target neuron all inputs carry the same scaling gain, so the order of effective
        # weights is that of the rule's w: every spared input is at least as strong as every scaled one.
        order = np.lexsort((b, target))
        t_sorted, kept_sorted = target[order], kept[order]
        for t in np.unique(t_sorted[kept_sorted])[:200]:
            mine = t_sorted == t
            k, s_ = b[order][mine & kept_sorted], b[order][mine & ~kept_sorted]
            if len(s_):
                assert k.min() >= s_.max(), f"target {t}: a scaled input is stronger than a spared one"


def test_a_phase_with_learning_off_skips_stdp_only_while_every_weight_is_within_its_bounds():
    """NREM's factor 0 for EE: its rows go out as static ones (no STDP update counted in /provenance
    phase_work) while every weight lies in [w_min, w_max]. With w_min just below the initial 6 nS, the
    first NREM's SHY fold leaves weights below w_min, which the rule clips at its next update even at
    factor 0: the later NREM phases keep the STDP path. Each thread decides for its own table, so the
    layouts, deciding differently, must still agree bitwise (spikes, /phases, snapshots)."""
    args = ["run", h.config("sleep_wake.yaml"), "--set", "schedule.cycles=3", "--set",
            "schedule.phases.0.duration=300 ms", "--set", "schedule.phases.1.duration=300 ms", "--set",
            "projections.0.plasticity.w_min=5.9 nS", "--set", "schedule.renormalization.tau=100 ms", "-q"]
    outs = []
    for threads in (1, 3):
        outs.append(os.path.join(h.tmpdir(), f"learning_off_{threads}.h5"))
        h.run(args + ["-o", outs[-1]], threads=threads)
    runs = []
    for out in outs:
        with files.Output(out) as f:
            p = f.provenance()
            columns = files.text(p["phase_work_columns"]).split()
            work = np.asarray(p["phase_work"]).reshape(-1, len(columns))
            phases = {k: np.asarray(v) for k, v in f.file["phases"].items() if k != "wall"}
            kinds = f.phases()["kind"]
            weights = [s.weight for s in f.snapshots("EE", "phase_weights")]
        runs.append((work[:, columns.index("plastic_pre")], work[:, columns.index("plastic_post")], phases,
                     weights, h.spikes(out)))
    assert kinds == ["wake", "nrem"] * 3
    pre, post = runs[0][0], runs[0][1]
    assert pre[1] == 0 and post[1] == 0, (pre, post)  # the first NREM: every weight within the bounds
    assert np.all(pre[[0, 2, 3, 4, 5]] > 0) and np.all(post[[0, 2, 3, 4, 5]] > 0), (pre, post)
    w_min = np.min(weights[0])  # the snapshot at the start: every weight 6 nS in the weight's unit
    assert phases["renormalization"][1] < 1.0 and any(np.min(w) < 5.9 / 6.0 * w_min for w in weights[1:])
    for key in runs[0][2]:
        assert runs[0][2][key].tobytes() == runs[1][2][key].tobytes(), key
    assert len(runs[0][3]) == len(runs[1][3]) > 0
    for a, b in zip(runs[0][3], runs[1][3]):
        assert a.tobytes() == b.tobytes()
    for pop in runs[0][4]:
        for x, y in zip(runs[0][4][pop], runs[1][4][pop]):
            assert np.array_equal(x, y), pop
