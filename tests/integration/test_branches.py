"""Metaplasticity and branches.
config/branches.yaml (branch-local homeostasis): silencing the inputs onto one dendritic branch
raises that branch's gain only. Run on 2 ranks; checked on the /homeostasis record and with
tools/rank_order on the weight snapshots, whose effective weights include the branch gains.
config/metaplasticity.yaml: a neuron driven hard potentiates less and less as its sliding threshold
θ rises, by the factor θ0/θ; with metaplasticity off its potentiation per pairing stays at A+."""
import json
import os
import subprocess
import sys

import numpy as np

import harness as h

TOOL = os.path.join(h.SOURCE, "tools", "rank_order")


def rank_order(path, projection, *extra):
    p = subprocess.run([sys.executable, TOOL, path, "--projection", projection, "--per-neuron", "--json", "--no-plot",
                        *extra],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_silencing_one_branch_raises_its_gain_only():
    out = os.path.join(h.tmpdir(), "branches.h5")
    h.run(["run", h.config("branches.yaml"), "-o", out, "-q"], ranks=2)
    # /homeostasis/<pop>/branch_gain is three-dimensional: written and verified as every dataset is.
    info = h.run(["info", out])
    assert "checksums verified" in info.stdout, info.stdout
    with h.files.Output(out) as f:
        hs = f.homeostasis()
    t, mean, std = hs["time"], hs["T/branch_gain_mean"], hs["T/branch_gain_std"]
    full, ids = hs["T/branch_gain"], hs["T/branch_gain_ids"]
    assert mean.shape == (len(t), 2) and full.shape == (len(t), 2, 2) and list(ids) == [0, 1], (mean.shape, full.shape,
                                                                                                ids)
    before = np.searchsorted(t, 3000.0)       # the sample at 3 s, when SA falls silent
    settled = (t > 2000.0) & (t <= 3000.0)
    late = t > 4500.0
    # Before silencing both branches sit near the gain that brings their drive to the target.
    for b in (0, 1):
        assert np.all(np.abs(mean[settled, b] - 1.0) < 0.15), (b, mean[settled, b])
    # After it: branch 0 at its bound, in every neuron; branch 1 where it was.
    assert np.all(mean[late, 0] > 3.999) and np.all(std[late, 0] < 1e-3), mean[late, 0]
    assert np.all(full[late, :, 0] == 4.0), full[late, :, 0]
    # (Its mean follows the slow fluctuations of SB's population rate, by a few per cent.)
    assert np.all(np.abs(mean[late, 1] / mean[before, 1] - 1.0) < 0.08), (mean[before, 1], mean[late, 1])

    # Weights: SA→T multiplied per (neuron, branch), by about 4 / (gain at 3 s); SB→T unchanged.
    sa = rank_order(out, "SA_T", "--before-time", "3000", "--after-time", "6000")
    sb = rank_order(out, "SB_T", "--before-time", "3000", "--after-time", "6000")
    assert sa["aligned"] and sa["synapses"] == 50 * 100, sa
    assert sa["slope"] > 3.0 and sa["r2"] > 0.99, sa
    assert sa["within_neuron_max_dev"] < 1e-6, "one gain per neuron and branch: ratios within a neuron kept"
    assert abs(sb["slope"] - 1.0) < 0.08 and sb["within_neuron_max_dev"] < 1e-6, sb
    assert abs(sa["neuron_factor_mean"] - 4.0 / mean[before, 0]) < 0.01 * 4.0 / mean[before, 0], (sa, mean[before, 0])


def potentiation_per_pairing(path):
    """(times, Δw_mean per period / (postsynaptic spikes per neuron in the period · ρ_pre τ+), θ or None)
    of config/metaplasticity.yaml: the potentiation per pre-post pairing, in mV. With all-to-all
    pairing each postsynaptic spike pays A+ x m, and x averages ρ_pre τ+ = 10 Hz · 20 ms = 0.2 for
    independent Poisson inputs whose weights are too weak to cause the spikes."""
    with h.files.Output(path) as f:
        hs = f.homeostasis()
    t, w, rate, theta = hs["time"], hs["pre_out/w_mean"], hs["out/rate"], hs.get("out/theta")
    H = (t[1] - t[0]) * 1e-3
    dw = np.diff(np.concatenate(([0.01], w)))  # every weight starts at 0.01 mV
    return t, dw / (rate * H * 0.2), theta


def test_metaplasticity_shrinks_the_potentiation_of_a_neuron_driven_hard():
    d = h.tmpdir()
    on, off = os.path.join(d, "meta_on.h5"), os.path.join(d, "meta_off.h5")
    h.run(["run", h.config("metaplasticity.yaml"), "-o", on, "-q"], ranks=2)
    h.run(["run", h.config("metaplasticity.yaml"), "-o", off, "-q", "--set",
           "populations.out.metaplasticity.enabled=false"], ranks=2)
    A_plus = 1e-3  # mV
    t, p_on, theta = potentiation_per_pairing(on)
    _, p_off, none = potentiation_per_pairing(off)
    assert none is None, "no θ record without metaplasticity"
    with h.files.Output(on) as f:
        hs = f.homeostasis()
    rate, chosen = hs["out/rate"], hs["out/neurons/theta"]
    first, early, late = t <= 100.0, (t > 100.0) & (t <= 1000.0), t > 6000.0
    print(f"rate {rate[first].mean():.1f} -> {rate[late].mean():.1f} Hz, theta {theta[0]:.1f} -> "
          f"{theta[late].mean():.1f} Hz^2")
    print(f"potentiation per pairing: on {p_on[first].mean():.3e} -> {p_on[late].mean():.3e} mV, "
          f"off {p_off[early].mean():.3e} -> {p_off[late].mean():.3e} mV")
    assert rate[late].mean() > 30.0, "driven hard, far above the 5 Hz of θ0"
    assert chosen.shape == (len(t), 2) and np.all(chosen[late] > 20 * 25.0), "θ of the chosen neurons rose"
    # Without metaplasticity the potentiation per pairing is A+ (within the noise of the pairings)
    # once the presynaptic traces have built up, and stays there.
    for k in (early, late):
        assert abs(p_off[k].mean() / A_plus - 1.0) < 0.15, p_off[k].mean()
    # With it: the same until the first boundary (m = 1), then A+ θ0/θ with the θ of the boundary
    # before, as θ rises toward the square of the rate.
    assert p_on[0] == p_off[0], (p_on[0], p_off[0])
    assert theta[late].mean() > 0.5 * rate[late].mean() ** 2 and theta[late].mean() > 40 * 25.0, theta[late].mean()
    expected = A_plus * 25.0 / theta[:-1]  # the factor in force in periods 1, 2, …
    assert abs(p_on[1:][late[1:]].mean() / expected[late[1:]].mean() - 1.0) < 0.15, (p_on[late].mean(),
                                                                                     expected[late[1:]].mean())
    assert abs(p_on[1:5].mean() / expected[:4].mean() - 1.0) < 0.15, (p_on[1:5], expected[:4])
    assert p_on[late].mean() < 0.02 * p_on[first].mean(), "LTP shrank as θ rose"
