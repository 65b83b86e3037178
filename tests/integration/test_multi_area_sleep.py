"""config/multi_area_sleep.yaml at a tiny scale: one wake and one NREM phase of the multi-area model with
lif_curr_exp_adapt neurons, within-area E->E STDP in wake and SHY renormalization in NREM.

Checked: W (/phases) rises in wake and falls back to within 1 % of its set point in NREM, by one factor
for every synapse (rank order kept: Spearman > 0.9 and the slope is the folded gain); NREM carries more
slow-wave activity (tools/slow_waves' measures, per area from /rates_by_group) than wake in a majority of
the 32 areas (21 measured; a control with adaptation off in NREM passes this too, 25 of 32: at this
scale the areas' rates fluctuate without adaptation, README "Whole-brain sleep and wake"); the same
records, bitwise, on 1x1, 2x1 and 1x2.

The tables are not part of synorm (CC BY-NC-SA): the test uses ../shared/models/multi_area beside the
source tree, or $SYNORM_MULTI_AREA_DIR, and when neither exists says so and checks nothing (as
test_multi_area_dynamics.py)."""
import importlib.machinery
import importlib.util
import os

import numpy as np

import harness as h

TABLES = os.environ.get("SYNORM_MULTI_AREA_DIR") or os.path.join(
    os.path.dirname(h.SOURCE), "shared", "models", "multi_area")


def script(name):
    """tools/NAME, a script without the .py, loaded as a module."""
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(h.SOURCE, "tools", name))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


SLOW_WAVES = script("slow_waves")
# The configuration's N × 0.001 (4 137 neurons) and K × 0.1; one cycle of a 600 ms wake and a 1.2 s NREM.
SETTINGS = ["schedule.cycles=1", "schedule.phases.0.duration=600 ms", "schedule.phases.1.duration=1200 ms"]
WINDOW = 300  # ms, of the slow-wave activity: wake's last, and NREM's after its first
WORKDIR = h.tmpdir()
FILES = {}


def found():
    if os.path.isfile(os.path.join(TABLES, "synapses.csv")):
        return TABLES
    print(f"  skipped: the multi-area model's tables are not at {TABLES} (set SYNORM_MULTI_AREA_DIR to their folder)")
    return None


def output(tables, ranks=1, threads=1):
    """The run on ranks x threads, made once."""
    if (ranks, threads) not in FILES:
        out = os.path.join(WORKDIR, f"{ranks}x{threads}.h5")
        args = ["run", h.config("multi_area_sleep.yaml"), "-o", out, "-q", "--threads", str(threads),
                "--set", f"tables.directory={tables}"]
        for s in SETTINGS:
            args += ["--set", s]
        h.run(args, ranks=ranks, threads=threads)
        FILES[(ranks, threads)] = out
    return FILES[(ranks, threads)]


def records(path):
    """Every rate record, the phase table's weights and the weight snapshots, as bytes."""
    with h.files.Output(path) as f:
        out = {}
        for group in ("rates", "rates_by_group"):
            for name in f.file[group]:
                out[f"{group}/{name}"] = f.read(f"{group}/{name}").tobytes()
        for key in ("weight", "gain", "weight_start", "weight_end"):
            out[f"phases/{key}"] = f.read(f"phases/{key}").tobytes()
        # Snapshots: each rank writes its own synapses, so they are compared in (source, target, weight) order.
        for name in f.file["phase_weights"]:
            for s in f.snapshots(name, "phase_weights"):
                order = np.lexsort((s.weight, s.target, s.source))
                out[f"phase_weights/{name}/{s.index}"] = b"".join(
                    np.ascontiguousarray(a[order]).tobytes() for a in (s.source, s.target, s.weight))
    return out


def test_wake_potentiates_nrem_renormalizes_with_slow_waves_and_rank_order_kept():
    tables = found()
    if not tables:
        return
    out = output(tables)
    with h.files.Output(out) as f:
        p = f.phases()
        bin_ms, by_area = f.group_rates()
        plastic = list(f.file["phase_weights"])
        snaps = {name: {s.index: s.weight for s in f.snapshots(name, "phase_weights")} for name in plastic}
    assert p["kind"] == ["wake", "nrem"], p["kind"]
    w0, w1, set_point, factor = p["weight_start"], p["weight_end"], p["set_point"], p["renormalization"]
    print(f"  W: wake {w0[0]:.6g} -> {w1[0]:.6g}, NREM -> {w1[1]:.6g} (set point {set_point[1]:.6g}, "
          f"G {factor[1]:.6f}); wall {p['wall']} s")
    assert w1[0] > 1.002 * w0[0], "W must rise in wake"
    assert w1[1] < w0[1] and factor[1] < 1.0, "W must fall in NREM"
    assert abs(w1[1] / set_point[1] - 1.0) < 0.01, "W must return to within 1 % of its set point"
    # Rank order: every plastic synapse scaled by the one folded gain, over all areas' projections.
    before = np.concatenate([snaps[n][1] for n in plastic]).astype(float)
    after = np.concatenate([snaps[n][2] for n in plastic]).astype(float)
    spearman = h.files.spearman(before, after)
    slope = float(np.dot(after, before) / np.dot(before, before))
    print(f"  {len(plastic)} plastic projections, {before.size} synapses: Spearman {spearman:.9f}, "
          f"slope {slope:.9f}")
    assert spearman > 0.9 and abs(slope - factor[1]) < 1e-5

    # Slow waves per area (tools/slow_waves' measures of /rates_by_group/<area>, as --group gives them):
    # SWA over windows of the same length in both phases, leaving out the start from V0 = -150 mV in
    # wake and the build-up of adaptation in NREM.
    n = int(round(WINDOW / bin_ms))
    wake_end, nrem_end = int(round(p["end"][0] / bin_ms)), int(round(p["end"][1] / bin_ms))
    more = []
    for area, rate in by_area.items():
        def windows(a, b):
            return [SLOW_WAVES.measures(rate[i:i + n], bin_ms, 2.0, 5.0) for i in range(a, b - n + 1, n)]
        wake, nrem = windows(wake_end - n, wake_end), windows(wake_end + n, nrem_end)
        swa_wake, swa_nrem = np.mean([w["swa"] for w in wake]), np.mean([w["swa"] for w in nrem])
        more.append(swa_nrem > swa_wake)
        print(f"  {area}: SWA wake {swa_wake:.3g}, NREM {swa_nrem:.3g} Hz^2; rate {wake[0]['mean_rate_hz']:.3g} / "
              f"{np.mean([w['mean_rate_hz'] for w in nrem]):.3g} Hz")
    print(f"  NREM slow-wave activity above wake's in {sum(more)} of {len(more)} areas")
    assert sum(more) > len(more) / 2


def test_layouts_are_bitwise_identical():
    tables = found()
    if not tables:
        return
    reference = records(output(tables))
    assert sum(k.startswith("rates_by_group/") for k in reference) == 32, "one rate per area"
    for ranks, threads in ((2, 1), (1, 2)):
        got = records(output(tables, ranks, threads))
        assert got.keys() == reference.keys(), (ranks, threads)
        for key, value in reference.items():
            assert got[key] == value, f"{key} differs on {ranks}x{threads}"
