"""Runtime health checks (configuration `checks`) stop a run cleanly and collectively: every rank
exits with code 5 at the same step, the diagnostic is printed once, and the output file says
"stopped: …" instead of "complete"."""
import os

import harness as h
from harness import status


def test_rate_ceiling_stops_every_rank_with_its_diagnostic():
    d = h.tmpdir()
    for ranks in (1, 2):
        out = os.path.join(d, f"ceiling{ranks}.h5")
        p = h.run(["run", h.config("coba.yaml"), "-o", out, "-q", "--set", 'checks={max_rate: "15 Hz"}'], ranks=ranks,
                  check=False)
        assert p.returncode == 5, (p.returncode, p.stderr)
        assert p.stderr.count("checks.max_rate: population E fired at") == 1, p.stderr
        assert "above 15 Hz" in p.stderr
        s = status(out)
        assert s.startswith("stopped: checks.max_rate: ") and "stopped by" not in s, s


def test_a_non_finite_state_stops_the_run():
    out = os.path.join(h.tmpdir(), "nan.h5")
    # Every value is within the loader's bounds (≤ 1e30), but their product is not: three neurons
    # get inhibitory conductances near 1e30 nS against a reversal potential of −1e30 mV, so their
    # membrane potentials become −inf, then NaN.
    p = h.run(["run", h.config("coba.yaml"), "-o", out, "-q", "--set", 'checks={max_rate: "1000 Hz"}',
               "--set", "populations.E.neuron.E_in=-1e30 mV",
               "--set", 'inputs=[{kind: poisson, receptor: inhibitory, target: E, rate: "1000 Hz", '
                        'weight: "1e30 nS", count: 3}]'],
              check=False)
    assert p.returncode == 5, (p.returncode, p.stderr)
    assert "checks.finite: 3 membrane potentials" in p.stderr, p.stderr
    assert status(out).startswith("stopped: ")


def test_a_healthy_run_is_not_stopped():
    out = os.path.join(h.tmpdir(), "ok.h5")
    h.run(["run", h.config("coba.yaml"), "-o", out, "-q", "--duration", "300 ms", "--set",
           'checks={max_rate: "100 Hz"}'])
    assert status(out) == "complete"
    with h.files.Output(out) as f:
        assert len(f.homeostasis()["time"]) == 3, "the checks ran every period"
