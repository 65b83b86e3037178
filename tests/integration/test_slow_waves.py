"""Slow oscillations (config/up_down.yaml): with adaptation on and a weak drive (NREM settings) the
recurrent E/I network alternates between up and down states at about 0.5–2 Hz, and most of its rate
power lies in the slow-wave band; with adaptation off and a stronger drive (wake settings) it fires
asynchronously with no down states. Measures from tools/slow_waves, which is tested on the way."""
import json
import os
import subprocess

import h5py
import numpy as np

import harness as h

WAKE = ["--set", "populations.E.neuron.a=0 nS", "--set", "populations.E.neuron.b=0 pA", "--set", "inputs.0.sources=20"]


def slow_waves(path):
    tool = os.path.join(h.SOURCE, "tools", "slow_waves")
    p = subprocess.run(["/usr/bin/python3", tool, path, "--skip", "500 ms", "--json"], capture_output=True, text=True,
                       check=True)
    return json.loads(p.stdout)["whole"]


def test_nrem_settings_give_up_and_down_states_and_wake_settings_do_not():
    d = h.tmpdir()
    nrem, wake = os.path.join(d, "nrem.h5"), os.path.join(d, "wake.h5")
    h.run(["run", h.config("up_down.yaml"), "-o", nrem, "-q"])
    h.run(["run", h.config("up_down.yaml"), "-o", wake, "-q", "--duration", "3 s"] + WAKE)
    n, w = slow_waves(nrem), slow_waves(wake)
    print("NREM", n)
    print("wake", w)
    assert 0.3 <= n["up_onsets_per_s"] <= 2.5, n
    assert 0.2 <= n["fraction_up"] <= 0.8, n
    assert n["mean_up_ms"] >= 100 and n["mean_down_ms"] >= 100, n
    assert n["swa_fraction"] > 0.2, n
    assert w["fraction_up"] > 0.95 and w["up_onsets"] <= 1, w
    assert w["swa_fraction"] < 0.01, w
    assert n["swa"] > 50 * w["swa"], (n["swa"], w["swa"])
    with h.files.Output(nrem) as f:  # the adaptation current is recorded and builds up with firing
        adaptation = f.recording("E_adaptation")["w"]
    assert adaptation.max() > 10.0, adaptation.max()
    with h.files.Output(wake) as f:
        assert np.all(f.recording("E_adaptation")["w"] == 0)


def test_tool_measures_a_known_square_wave():
    # A synthetic 1 Hz alternation, 400 ms up at 12 Hz, 600 ms down at 0.5 Hz, in 1 ms bins.
    path = os.path.join(h.tmpdir(), "square.h5")
    t = np.arange(6000)
    rate = np.where(t % 1000 < 400, 12.0, 0.5)
    with h5py.File(path, "w") as f:
        g = f.create_group("rates")
        g.attrs["bin"] = 1.0
        g.create_dataset("E", data=rate)
    m = slow_waves(path)
    assert m["up_onsets"] == 5, m  # onsets at 1, 2, 3, 4, 5 s (the skipped first 500 ms ends down)
    # The 50 ms smoothing and the hysteresis (up above 5 Hz, down below 2 Hz) move the edges by up to
    # 25 ms, and the up states come out longer: the rise crosses 5 Hz early, the fall 2 Hz late.
    assert abs(m["mean_up_ms"] - 400) <= 30 and abs(m["mean_down_ms"] - 600) <= 30, m
    assert abs(m["fraction_up"] - 0.4 * 5 / 5.5) < 0.03, m
    assert m["swa_fraction"] > 0.5, m


def test_tool_reads_a_group_between_from_and_to():
    # An area's rate (/rates_by_group/V1): the 1 Hz alternation for 3 s, then flat at 3 Hz for 3 s. The
    # stretch from 1 s to 3 s holds two onsets, the flat stretch none; a group the file lacks exits 2.
    path = os.path.join(h.tmpdir(), "groups.h5")
    t = np.arange(6000)
    rate = np.where(t < 3000, np.where(t % 1000 < 400, 12.0, 0.5), 3.0)
    with h5py.File(path, "w") as f:
        g = f.create_group("rates_by_group")
        g.attrs["bin"] = 1.0
        g.create_dataset("V1", data=rate)
    tool = os.path.join(h.SOURCE, "tools", "slow_waves")

    def measure(*args):
        p = subprocess.run(["/usr/bin/python3", tool, path, "--group", "V1", "--json", *args], capture_output=True,
                           text=True, check=True)
        return json.loads(p.stdout)["whole"]
    sleep, flat = measure("--from", "900 ms", "--to", "3 s"), measure("--from", "3 s")
    assert sleep["up_onsets"] == 2 and abs(sleep["duration_s"] - 2.1) < 1e-9, sleep
    assert flat["up_onsets"] == 0 and flat["swa"] < 1e-20 and abs(flat["mean_rate_hz"] - 3.0) < 1e-12, flat
    assert sleep["swa"] > 1.0, sleep
    missing = subprocess.run(["/usr/bin/python3", tool, path, "--group", "V2"], capture_output=True, text=True)
    assert missing.returncode == 2 and "no /rates_by_group/V2" in missing.stderr, missing
