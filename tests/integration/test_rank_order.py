"""tools/rank_order on synthetic snapshot files in synorm's output layout (src/io/README.md), whose
answers are known: the rank-order fit against numpy's own least squares, within-neuron ratios under
per-neuron multiplicative scaling, and a scale factor recovered by the Kim, Tsien & Alger procedure."""
import json
import os
import subprocess
import sys

import h5py
import numpy as np

import harness as h

TOOL = os.path.join(h.SOURCE, "tools", "rank_order")


def write(path, projection, snapshots):
    """snapshots: [(time ms, source, target, weight)] as /weights/<projection>/<index>."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "synorm-output"
        for k, (t, s, g, w) in enumerate(snapshots):
            grp = f.create_group(f"weights/{projection}/{k}")
            grp.attrs["time"] = float(t)
            grp["source"] = np.asarray(s, np.uint64)
            grp["target"] = np.asarray(g, np.uint64)
            grp["weight"] = np.asarray(w, np.float32)


def tool(*args, check=True):
    p = subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"rank_order {' '.join(args)} exited with {p.returncode}: {p.stderr}")
    return p


def synapses(rng, targets=80, per=40):
    # No two synapses share a (source, target) pair, so that a shuffled file pairs unambiguously.
    tgt = np.repeat(np.arange(1000, 1000 + targets), per)
    src = np.concatenate([rng.choice(500, per, replace=False) for _ in range(targets)])
    order = np.lexsort((src, tgt))
    return src[order], tgt[order]


def test_rank_order_fit_matches_numpy():
    rng = np.random.default_rng(3)
    src, tgt = synapses(rng)
    before = rng.lognormal(0.0, 0.5, size=src.size).astype(np.float32)
    after = (1.7 * before + rng.normal(0.0, 0.05, size=src.size) + 0.1).astype(np.float32)
    d = h.tmpdir()
    path = os.path.join(d, "noisy.h5")
    write(path, "EE", [(0.0, src, tgt, before), (500.0, src, tgt, before), (1000.0, src, tgt, after)])
    png = os.path.join(d, "fit.png")
    out = json.loads(tool(path, "--json", "-o", png).stdout)
    assert out["before_index"] == 0 and out["after_index"] == 2 and out["aligned"], out
    b, a = np.sort(before.astype(np.float64)), np.sort(after.astype(np.float64))
    slope = np.dot(a, b) / np.dot(b, b)
    m, c = np.polyfit(b, a, 1)
    r2 = 1 - np.sum((a - (m * b + c)) ** 2) / np.sum((a - a.mean()) ** 2)
    assert abs(out["slope"] - slope) < 1e-9 * slope, (out["slope"], slope)
    assert abs(out["ols_slope"] - m) < 1e-7 and abs(out["intercept"] - c) < 1e-7, (out, m, c)
    assert abs(out["r2"] - r2) < 1e-9, (out["r2"], r2)
    assert 0.95 < out["r2"] < 1.0 and out["intercept"] > 0.05, out  # the offset is seen
    ratio = after[before > 0].astype(np.float64) / before[before > 0]
    assert abs(out["ratio_mean"] - ratio.mean()) < 1e-9, out
    assert os.path.getsize(png) > 10000, "a PNG was written"
    # Snapshots chosen by time; `key value` lines by default.
    lines = dict(line.split(" ", 1) for line in tool(path, "--before-time", "0", "--after-time", "500",
                                                     "--no-plot").stdout.splitlines())
    assert lines["after_index"] == "1" and abs(float(lines["slope"]) - 1.0) < 1e-12, lines


def test_per_neuron_scaling_and_kim_factor():
    rng = np.random.default_rng(11)
    src, tgt = synapses(rng, targets=100, per=50)
    before = rng.lognormal(0.0, 0.6, size=src.size)
    gain = rng.uniform(1.3, 1.7, size=100)  # one multiplicative factor per neuron
    after = before * gain[tgt - 1000]
    d = h.tmpdir()
    control, treated = os.path.join(d, "control.h5"), os.path.join(d, "treated.h5")
    write(control, "EE", [(0.0, src, tgt, before)])
    # The treated file lists its synapses in another order: the tool pairs them by (target, source).
    shuffle = rng.permutation(src.size)
    write(treated, "EE", [(0.0, src[shuffle], tgt[shuffle], after[shuffle])])
    out = json.loads(tool(control, treated, "--projection", "EE", "--per-neuron", "--json", "--no-plot").stdout)
    assert not out["aligned"] and out["synapses"] == src.size and out["unpaired"] == 0, out
    assert out["within_neuron_max_dev"] < 1e-6, out
    g32 = (after.astype(np.float32) / before.astype(np.float32))
    assert abs(out["neuron_factor_mean"] - gain.mean()) < 1e-5, (out, gain.mean(), g32.mean())
    # A pattern not preserved within neurons is seen as such.
    write(treated, "EE", [(0.0, src, tgt, before * rng.uniform(1.3, 1.7, size=src.size))])
    out = json.loads(tool(control, treated, "--per-neuron", "--json", "--no-plot").stdout)
    assert out["within_neuron_max_dev"] > 0.05, out

    # Kim et al. 2012: the treated distribution is an independent sample of the control's scaled by
    # 1.6, with the values under a detection threshold lost; the procedure finds 1.6 back.
    control_w = rng.lognormal(0.0, 0.5, size=6000)
    treated_w = 1.6 * rng.lognormal(0.0, 0.5, size=6000)
    thr = 0.8
    treated_w = treated_w[treated_w >= thr]
    n = min(control_w.size, treated_w.size)
    s, t = np.zeros(n, np.uint64), np.arange(n, dtype=np.uint64)
    write(control, "EE", [(0.0, s, t, control_w[:n])])
    write(treated, "EE", [(0.0, s, t, treated_w[:n])])
    out = json.loads(tool(control, treated, "--threshold", str(thr), "--json", "--no-plot").stdout)
    assert abs(out["kim_factor"] - 1.6) < 0.05, out
    assert out["kim_p"] > 0.05, out
    # Its KS statistic is the two-sample one, as scipy computes it where scipy exists.
    try:
        from scipy.stats import ks_2samp
    except ImportError:
        return
    c = control_w[:n] * out["kim_factor"]
    ref = ks_2samp(c[c >= thr], treated_w[:n][treated_w[:n] >= thr])
    assert abs(ref.statistic - out["kim_D"]) < 1e-6, (ref, out)


def test_bad_input_exits_2():
    d = h.tmpdir()
    path = os.path.join(d, "one.h5")
    rng = np.random.default_rng(1)
    src, tgt = synapses(rng, 5, 5)
    write(path, "EE", [(0.0, src, tgt, np.ones(src.size))])
    for args, msg in (([os.path.join(d, "missing.h5")], "no such file"),
                      ([path, "--projection", "IE"], "no snapshots of projection 'IE'"),
                      ([path, "--after", "4"], "no snapshot with index 4"),
                      ([path, "--after-time", "3"], "no snapshot at 3.0 ms")):
        p = tool(*args, "--no-plot", check=False)
        assert p.returncode == 2 and msg in p.stderr, (args, p.returncode, p.stderr)
