"""config/branches.yaml (branch-local homeostasis): silencing the inputs onto one dendritic branch
raises that branch's gain only. Run on 2 ranks; checked on the /homeostasis record and with
tools/rank_order on the weight snapshots, whose effective weights include the branch gains."""
import json
import os
import subprocess
import sys

import h5py
import numpy as np

import harness as h

TOOL = os.path.join(h.SOURCE, "tools", "rank_order")


def rank_order(path, projection, *extra):
    p = subprocess.run([sys.executable, TOOL, path, "--projection", projection, "--per-neuron", "--json", "--no-plot", *extra],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_silencing_one_branch_raises_its_gain_only():
    out = os.path.join(h.tmpdir(), "branches.h5")
    h.run(["run", h.config("branches.yaml"), "-o", out, "-q"], ranks=2)
    with h5py.File(out, "r") as f:
        t = f["homeostasis/time"][()]
        mean = f["homeostasis/T/branch_gain_mean"][()]
        std = f["homeostasis/T/branch_gain_std"][()]
        full = f["homeostasis/T/branch_gain"][()]
        ids = f["homeostasis/T/branch_gain_ids"][()]
    assert mean.shape == (len(t), 2) and full.shape == (len(t), 2, 2) and list(ids) == [0, 1], (mean.shape, full.shape, ids)
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


if __name__ == "__main__":
    h.main([test_silencing_one_branch_raises_its_gain_only])
