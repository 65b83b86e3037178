"""config/multi_area_sleep.yaml at a tiny scale: one wake and one NREM phase of the multi-area model with
lif_curr_exp_adapt neurons, within-area E->E STDP in wake and SHY renormalization in NREM.

Checked: W (/phases) rises in wake and falls back to within 1 % of its set point in NREM; with SHY by area
(renormalization scope group) each area's W (/phases/weight_by_group) rises and returns to within 1 % of its
own set point, all the synapses onto an area scaled by one factor (rank order kept in each: Spearman > 0.9);
NREM carries more slow-wave activity (tools/slow_waves' measures, per area from /rates_by_group) than wake in
a majority of the 32 areas (25 measured), and more than a control run whose NREM has no adaptation (same
wake, bit for bit) in a majority too (20 measured: at this scale areas fluctuate without adaptation, README
"Whole-brain sleep and wake"); the same records, bitwise, on 1x1, 2x1 and 1x2. The last test runs the shipped
schedule (two cycles of 0.5 s wake and 2 s NREM) and checks that slow waves travel between areas with distance;
SWA tracking W per area, the other result of issue 17 item 6, is not shown at this scale: it prints it.

The tables are not part of synorm (CC BY-NC-SA): the test uses ../shared/models/multi_area beside the
source tree, or $SYNORM_MULTI_AREA_DIR, and when neither exists says so and checks nothing (as
test_multi_area_dynamics.py)."""
import os

import numpy as np

import harness as h

TABLES = os.environ.get("SYNORM_MULTI_AREA_DIR") or os.path.join(
    os.path.dirname(h.SOURCE), "shared", "models", "multi_area")


SLOW_WAVES = h.tool("slow_waves")
SLEEP_PLOTS = h.tool("sleep_plots")
TRAVEL = h.tool("slow_wave_travel")
# The configuration's N × 0.001 (4 137 neurons) and K × 0.1; one cycle of a 600 ms wake and a 1.2 s NREM.
SETTINGS = ["schedule.cycles=1", "schedule.phases.0.duration=600 ms", "schedule.phases.1.duration=1200 ms"]
CONTROL = ['schedule.phases.1.neurons={"L*E_*": {a: "0 nS", b: "0 pA"}}']
WINDOW = 300  # ms, of the slow-wave activity: wake's last, and NREM's after its first
NULLS = 50  # copies of the up-state onsets shifted in time, for the travel slope's null
WORKDIR = h.tmpdir()
FILES = {}


def found():
    if os.path.isfile(os.path.join(TABLES, "synapses.csv")):
        return TABLES
    print(f"  skipped: the multi-area model's tables are not at {TABLES} (set SYNORM_MULTI_AREA_DIR to their folder)")
    return None


def output(tables, ranks=1, threads=1, control=False):
    """The run on ranks x threads, made once; the control has no adaptation in NREM."""
    if (ranks, threads, control) not in FILES:
        out = os.path.join(WORKDIR, f"{ranks}x{threads}{'-control' if control else ''}.h5")
        args = ["run", h.config("multi_area_sleep.yaml"), "-o", out, "-q", "--threads", str(threads),
                "--set", f"tables.directory={tables}"]
        for s in SETTINGS + (CONTROL if control else []):
            args += ["--set", s]
        h.run(args, ranks=ranks, threads=threads)
        FILES[(ranks, threads, control)] = out
    return FILES[(ranks, threads, control)]


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
    # SHY by area (renormalization scope group): each area's W (/phases/weight_by_group) back within 1 % of
    # its own set point, by one factor for all of that area's synapses, so rank order is kept in each.
    with h.files.Output(out) as f:
        times, by_group, set_points = f.group_weights()
    assert len(by_group) == 32, "W of every area"
    for area, w in by_group.items():
        assert w.max() > set_points[area], f"{area}: W must rise in wake"
        assert abs(w[-1] / set_points[area] - 1.0) < 0.01, f"{area}: W must return to within 1 % of its set point"
    areas = {}
    for n in plastic:
        areas.setdefault(n.rsplit("_", 1)[1], []).append(n)
    for area, names in areas.items():
        before = np.concatenate([snaps[n][1] for n in names]).astype(float)
        after = np.concatenate([snaps[n][2] for n in names]).astype(float)
        ratio = after[before > 0] / before[before > 0]
        assert h.files.spearman(before, after) > 0.9, area
        assert ratio.max() - ratio.min() < 1e-5 * ratio.mean(), f"{area}: one factor for all its synapses"
    print(f"  {len(plastic)} plastic projections in {len(areas)} areas: each area scaled by one factor")

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
    # Against the same run without adaptation in NREM (the same wake, bit for bit): adaptation is what raises
    # the slow-wave activity, in most areas (at this scale areas fluctuate without it too).
    with h.files.Output(output(tables, control=True)) as f:
        _, control = f.group_rates()
    raised = []
    for area, rate in by_area.items():
        def nrem_swa(r):
            return np.mean([SLOW_WAVES.measures(r[i:i + n], bin_ms, 2.0, 5.0)["swa"]
                            for i in range(wake_end + n, nrem_end - n + 1, n)])
        assert np.array_equal(rate[:wake_end], control[area][:wake_end]), f"{area}: the same wake"
        raised.append(nrem_swa(rate) > nrem_swa(control[area]))
    print(f"  adaptation raises NREM slow-wave activity over the control's in {sum(raised)} of {len(raised)} areas")
    assert sum(raised) > len(raised) / 2


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


def nrem_measures(tables):
    """The shipped schedule's run on 1x1 (two cycles of 0.5 s wake and 2 s NREM): its phase table, per-area W
    and rates, neurons per area and connected area pairs."""
    out = os.path.join(WORKDIR, "shipped.h5")
    if not os.path.exists(out):
        h.run(["run", h.config("multi_area_sleep.yaml"), "-o", out, "-q", "--set", f"tables.directory={tables}"])
    with h.files.Output(out) as f:
        run = f.phases()
        run["skipped"] = run["skipped"].astype(bool)
        _, weights, _ = f.group_weights()
        bin_ms, by_area = f.group_rates()
        neurons = {g: float(f.attributes("rates_by_group/" + g)["neurons"]) for g in by_area}
        pairs = TRAVEL.connected_pairs(f, list(by_area))
    return run, weights, bin_ms, by_area, neurons, pairs


def swa_tracks_w(run, weights, bin_ms, by_area, neurons):
    """SWA against W per NREM window (tools/sleep_plots --by-group, WINDOW ms windows): Pearson's r per area
    and for the whole model (the neuron-weighted rate against W). The result would be r above 0.5 in a
    majority of areas and pooled."""
    r = {g: SLEEP_PLOTS.swa_correlation(SLEEP_PLOTS.swa_windows(run, None, WINDOW, rate, weights[g], bin_ms))
         for g, rate in by_area.items()}
    rate = sum(by_area[g] * neurons[g] for g in by_area) / sum(neurons.values())
    pooled = SLEEP_PLOTS.swa_correlation(SLEEP_PLOTS.swa_windows(run, None, WINDOW, rate, run["weight"], bin_ms))
    tracking = sum(x > 0.5 for x in r.values())
    silent = sorted(g for g, x in r.items() if not np.isfinite(x))
    print(f"  SWA against W: r > 0.5 in {tracking} of {len(r)} areas (median {np.nanmedian(list(r.values())):.2f}; "
          f"none in {', '.join(silent) or 'no area'}), pooled {pooled:.2f}")
    return r, pooled


def travel_slope(onsets, pairs, distances):
    """The least-squares slope (ms/mm) of travel delay on distance over connected area pairs (tools/slow_wave_travel,
    200 ms window), its 95 % half-width (t-based) and the number of pairs."""
    result = TRAVEL.analyse(onsets, pairs, 200.0, distances)
    keys = list(result["distance_mm"])
    d = np.array([result["distance_mm"][key] for key in keys])
    lag = np.array([result["travel_ms"][key] for key in keys])
    slope, intercept = np.polyfit(d, lag, 1)
    se = np.sqrt(np.sum((lag - slope * d - intercept) ** 2) / (len(d) - 2) / np.sum((d - d.mean()) ** 2))
    return slope, 1.96 * se, len(d)


def waves_travel(tables, run, bin_ms, by_area, pairs):
    """The up-state onsets of each NREM phase after its first 200 ms (tools/slow_wave_travel --kind nrem --skip
    "200 ms", the tables' distances.csv): the slope of their travel delay between connected areas on distance,
    and the same slope for NULLS copies of the onsets, each area's shifted circularly within each NREM stretch by
    its own random offset (the same onset counts and intervals, their timing between areas undone)."""
    spans = [(run["start"][k] + 200.0, run["end"][k]) for k in range(len(run["kind"])) if run["kind"][k] == "nrem"]
    onsets = {}
    for g, rate in by_area.items():
        parts = []
        for a, b in spans:
            lo, hi = int(round(a / bin_ms)), int(round(b / bin_ms))
            parts.append(h.files.up_onsets(rate[lo:hi], bin_ms) + lo * bin_ms)
        onsets[g] = np.concatenate(parts)
    distances = TRAVEL.read_distances(os.path.join(tables, "distances.csv"))
    slope, half, measured = travel_slope(onsets, pairs, distances)
    rng = np.random.default_rng(1)
    nulls = []
    for _ in range(NULLS):
        shifted = {}
        for g, t in onsets.items():
            parts = []
            for a, b in spans:
                x = t[(t >= a) & (t < b)]
                parts.append(np.sort((x - a + rng.uniform(0.0, b - a)) % (b - a) + a))
            shifted[g] = np.concatenate(parts)
        nulls.append(travel_slope(shifted, pairs, distances)[0])
    print(f"  travel delay against distance over {measured} area pairs: {slope:.3f} ± {half:.3f} ms/mm; "
          f"{NULLS} shifted copies: {np.mean(nulls):.3f} ± {np.std(nulls):.3f}, at most {np.max(nulls):.3f}")
    return measured, slope, half, np.array(nulls)


def test_slow_waves_travel_between_areas_with_distance():
    """Issue 17 item 6: slow waves travel between areas. On the shipped configuration (the NREM drive x 0.85 on
    uncompensated Poisson inputs; README "Whole-brain sleep and wake"), an up state that starts in one area starts
    later in the areas it projects to, the later the farther: the slope of travel delay on distance has its 95 %
    interval above 0.1 ms/mm (measured 0.98 ± 0.38 ms/mm at seed 1, 1.08 and 1.06 at seeds 2 and 3) and lies at
    least 3 standard deviations above the slopes of copies with each area's onsets shifted in time (z = 5.4; the
    old configuration, whose drive factor acted on the Poisson part only: 0.23 ± 0.29, z = 1.5). SWA tracking
    W per area is measured and printed, not asserted: it is not shown (r > 0.5 in 5-6 of 32 areas over seeds
    1-3 with 400 ms windows, pooled -0.49, 0.17, 0.41; with the test's 300 ms: 6, pooled 0.47)."""
    tables = found()
    if not tables:
        return
    run, weights, bin_ms, by_area, neurons, pairs = nrem_measures(tables)
    assert list(run["kind"]) == ["wake", "nrem", "wake", "nrem"], run["kind"]
    r, pooled = swa_tracks_w(run, weights, bin_ms, by_area, neurons)
    # An area silent through NREM (V1, V2: no slow-wave activity to vary) has no r.
    assert len(r) == 32 and sum(np.isfinite(x) for x in r.values()) >= 24 and np.isfinite(pooled), r
    measured, slope, half, nulls = waves_travel(tables, run, bin_ms, by_area, pairs)
    assert measured >= 200, measured
    assert slope - half > 0.1, f"travel delay must grow with distance: {slope:.3f} ± {half:.3f} ms/mm"
    z = (slope - nulls.mean()) / nulls.std()
    print(f"  z against the shifted copies: {z:.2f}")
    assert z > 3.0, f"{slope:.3f} ms/mm must lie 3 sd above the shifted copies' {nulls.mean():.3f} ± {nulls.std():.3f}"
