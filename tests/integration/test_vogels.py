"""Inhibitory STDP (Vogels et al. 2011) at work in config/vogels.yaml, with a learning rate 500 times
the paper's (η = 5 nS instead of 0.01 nS) so that 6 s of biological time show the rule's direction:
  - with ρ0 = 3 Hz, below the network's initial excitatory rate (about 6 Hz), the I→E weights grow
    and the excitatory rate falls;
  - with ρ0 = 12 Hz, above it, the weights do not grow and the rate ends higher than with 3 Hz:
    the target rate sets where the excitatory population settles.
The full convergence to ρ0 ± 15 % is not asserted: at this η it takes longer than a test may run
(see config/README.md, rule: vogels)."""
import os

import h5py
import numpy as np

import harness as h


def run(target_rate):
    out = os.path.join(h.tmpdir(), f"vogels_{target_rate}.h5")
    h.run(["run", h.config("vogels.yaml"), "-o", out, "-q", "--duration", "6 s",
           "--set", "projections.3.plasticity.eta=5 nS", "--set", f"projections.3.plasticity.target_rate={target_rate} Hz"])
    with h5py.File(out, "r") as f:
        g = f["homeostasis"]
        t = g["time"][:]
        return t, g["E/rate"][:], g["IE/w_mean"][:]


def test_the_target_rate_sets_the_direction_and_the_end_point():
    t, rate3, w3 = run(3)
    _, rate12, w12 = run(12)
    first, last = t <= 1000.0, t > 4000.0  # ms: the first second, the last two
    print(f"rho0 3 Hz: E rate {rate3[first].mean():.2f} -> {rate3[last].mean():.2f} Hz, I->E w {w3[0]:.2f} -> {w3[-1]:.2f} nS")
    print(f"rho0 12 Hz: E rate {rate12[first].mean():.2f} -> {rate12[last].mean():.2f} Hz, I->E w {w12[0]:.2f} -> {w12[-1]:.2f} nS")
    assert rate3[first].mean() > 3.0 * 1.5, "the network starts well above ρ0 = 3 Hz"
    assert w3[-1] > w3[0] + 2.0, "above ρ0 the inhibitory weights grow"
    assert np.all(np.diff(w3[::10]) > 0), "and keep growing, second by second"
    assert rate3[last].mean() < 0.9 * rate3[first].mean(), "and the excitatory rate falls"
    assert w12[-1] < w3[-1] - 2.0, "with ρ0 = 12 Hz the weights end lower"
    assert rate12[last].mean() > 1.3 * rate3[last].mean(), "and the excitatory rate higher"


if __name__ == "__main__":
    h.main([test_the_target_rate_sets_the_direction_and_the_end_point])
