"""The output file of one small run, read back against the format in src/io/README.md (its layout,
dtypes and attributes through the library's h5py file, tools/synorm_files.py, whose readers it checks too):
config/coba.yaml for 200 ms with a state recorder and weight snapshots added by --set, on 2 ranks x 1
thread and on 1 rank. Checks every part of the file, that the two layouts wrote the same network,
spikes, recordings and final state, and that `synorm info` prints the populations and rates."""
import os
import re
import shutil

import numpy as np

import harness as h

DURATION = 200.0  # ms
RECORDER = '{name: probe, population: E, ids: [0, 1, 2], variables: [V_m, g_ex], interval: "0.5 ms"}'
SNAPSHOTS = ('[{projection: EE, times: ["0 ms", "200 ms"]}, {projection: EI, times: ["0 ms"]}, '
             '{projection: IE, times: ["0 ms"]}, {projection: II, times: ["0 ms"]}]')
E_IN, V_TH = -80.0, -50.0  # mV, config/coba.yaml
SIZES = {"E": 3200, "I": 800}

WORKDIR = h.tmpdir()
FILES = {}


def output(ranks):
    """The file of the run on `ranks` ranks x 1 thread, made once."""
    if ranks not in FILES:
        path = os.path.join(WORKDIR, f"coba-{ranks}x1.h5")
        h.run(["run", h.config("coba.yaml"), "-o", path, "--duration", f"{DURATION:g} ms", "-q",
               "--set", f"recording.state=[{RECORDER}]", "--set", f"recording.weights={SNAPSHOTS}"], ranks=ranks,
               threads=1)
        FILES[ranks] = path
    return FILES[ranks]


def check_file(ranks):
    path = output(ranks)
    with h.files.Output(path) as run:
        f = run.file
        assert run.status == "complete", run.status
        assert run.attrs["format"] == "synorm-output"

        # /provenance
        p = f["provenance"].attrs
        for key in ("ranks", "threads", "seed", "wall_time", "real_time_factor", "synapses", "spikes"):
            assert key in p, f"/provenance has no {key}"
        assert int(p["ranks"]) == ranks and int(p["threads"]) == 1 and int(p["seed"]) == 1, dict(p)
        assert p["wall_time"] > 0 and p["real_time_factor"] > 0, dict(p)

        # /populations
        assert [h.files.text(n) for n in f["populations"].attrs["order"]] == list(SIZES)
        assert {name: int(g.attrs["size"]) for name, g in f["populations"].items()} == SIZES
        assert list(run.sizes().items()) == list(SIZES.items())

        # /spikes: SONATA layout, population-local ids, times in ms within the run
        total = 0
        for pop, size in SIZES.items():
            g = f["spikes"][pop]
            assert "sorting" in g.attrs
            ids, ts = g["node_ids"][()], g["timestamps"][()]
            assert ids.dtype == np.uint64 and len(ids) == len(ts) > 0
            assert h.files.text(g["timestamps"].attrs["units"]) == "ms"
            assert ids.max() < size, f"{pop}: node id {ids.max()} is not population-local (size {size})"
            assert ts.min() >= 0 and ts.max() < DURATION, (ts.min(), ts.max())
            # Chunks of the expected spikes (size × 10 Hz × duration) as a power of two in [1 Ki, 64 Ki]
            expected_chunk = max(1024, 1 << int(np.ceil(np.log2(size * 10.0 * DURATION * 1e-3))))
            assert g["timestamps"].chunks == g["node_ids"].chunks == (min(expected_chunk, 65536),), pop
            total += len(ts)

            # /rates/<pop>: duration / bin bins, each the spike count of its bin per neuron per second
            rates = f["rates"][pop][()]
            bin_ms = float(f["rates"][pop].attrs["bin"])
            assert len(rates) == round(DURATION / bin_ms), (len(rates), DURATION, bin_ms)
            expected_mean = len(ts) / size / (DURATION * 1e-3)
            assert abs(rates.mean() - expected_mean) <= 1e-9 * expected_mean, (pop, rates.mean(), expected_mean)
            per_bin = np.bincount(np.floor(ts / bin_ms + 1e-9).astype(int),
                                  minlength=len(rates)) / size / (bin_ms * 1e-3)
            assert np.allclose(rates, per_bin, rtol=1e-9, atol=0), f"{pop}: rates do not match the spikes per bin"
        assert int(p["spikes"]) == total, (int(p["spikes"]), total)

        # /recordings/probe: [times x ids], plausible values
        r = f["recordings"]["probe"]
        assert list(r["node_ids"][()]) == [0, 1, 2]
        times = r["times"][()]
        assert len(times) == round(DURATION / 0.5) and np.allclose(np.diff(times), 0.5) and times[0] >= 0
        v, g_ex = r["V_m"][()], r["g_ex"][()]
        assert v.shape == g_ex.shape == (len(times), 3), (v.shape, g_ex.shape)
        assert np.all(np.isfinite(v)) and v.min() >= E_IN - 1e-3 and v.max() <= V_TH + 1e-3, (v.min(), v.max())
        assert np.all(g_ex >= 0), g_ex.min()

        # /weights: every projection at 0 ms holds every synapse the run reports; EE again at 200 ms
        lengths = 0
        for projection in ("EE", "EI", "IE", "II"):
            s = f["weights"][projection]["0"]
            assert float(s.attrs["time"]) == 0.0
            n = len(s["weight"])
            assert len(s["source"]) == len(s["target"]) == n > 0
            lengths += n
        assert lengths == int(p["synapses"]), (f"snapshots hold {lengths} synapses, /provenance says "
                                               f"{int(p['synapses'])}")
        ee0, ee1 = f["weights/EE/0"], f["weights/EE/1"]
        assert float(ee1.attrs["time"]) == DURATION
        source, target = ee0["source"][()], ee0["target"][()]
        assert source.max() < SIZES["E"] and target.max() < SIZES["E"], "EE connects E to E (gids 0..3199)"
        assert not np.any(source == target), "EE has autapses: false"
        pairs = 3200 * 3199
        assert abs(len(source) - 0.02 * pairs) < 5 * np.sqrt(0.02 * 0.98 * pairs), len(source)
        for key in ("source", "target", "weight"):  # static synapses: the same at both times
            assert np.array_equal(ee0[key][()], ee1[key][()]), key
        assert np.all(ee0["weight"][()] == np.float32(6.0)), "EE weights are 6 nS"

        # /final_state: every neuron once, V_m plausible
        for pop, size in SIZES.items():
            ids, vm = f["final_state"][pop]["node_ids"][()], f["final_state"][pop]["V_m"][()]
            assert sorted(ids) == list(range(size))
            assert np.all(np.isfinite(vm)) and vm.min() >= E_IN - 1e-3 and vm.max() <= V_TH + 1e-3


def test_two_ranks():
    check_file(2)


def test_one_rank():
    check_file(1)


def test_config_in_the_file_validates():
    with h.files.Output(output(2)) as f:
        resolved = f.config.rstrip("\0")
    assert "probe" in resolved, "the resolved configuration lacks the --set recorder"
    path = os.path.join(WORKDIR, "resolved.yaml")
    with open(path, "w") as out:
        out.write(resolved)
    p = h.run(["validate", path])
    assert "valid." in p.stdout and "4000 neurons" in p.stdout, p.stdout


def sorted_weights(path, projection, index):
    with h.files.Output(path) as f:
        s = f.snapshot(projection, index)  # by target, then source
    return s.source, s.target, s.weight


def test_layouts_agree():
    one, two = output(1), output(2)
    for projection, index in (("EE", 0), ("EE", 1), ("EI", 0), ("IE", 0), ("II", 0)):
        for a, b, name in zip(sorted_weights(one, projection, index), sorted_weights(two, projection, index),
                              ("source", "target", "weight")):
            assert np.array_equal(a, b), f"/weights/{projection}/{index}/{name} differs between 1 and 2 ranks"
    s1, s2 = h.spikes(one), h.spikes(two)
    for pop in SIZES:
        assert np.array_equal(s1[pop][0], s2[pop][0]) and np.array_equal(s1[pop][1], s2[pop][1]), f"{pop} spikes differ"
    v1, v2 = h.final_v(one), h.final_v(two)
    for pop in SIZES:
        assert np.array_equal(v1[pop], v2[pop]), f"{pop} final V_m differs"
    with h.files.Output(one) as f1, h.files.Output(two) as f2:
        r1, r2 = f1.recording("probe"), f2.recording("probe")
    for variable in ("V_m", "g_ex"):
        assert np.array_equal(r1[variable], r2[variable]), variable


def test_info_prints_populations_and_rates():
    path = output(2)
    p = h.run(["info", path])
    counts = {pop: len(t) for pop, (t, _) in h.spikes(path).items()}
    assert "status:      complete" in p.stdout, p.stdout
    for pop, size in SIZES.items():
        m = re.search(rf"^\s+{pop}\s+{size}\s+lif_cond_exp\s+\w+\s+(\d+)\s+([0-9.]+)\s*$", p.stdout, re.M)
        assert m, f"no line for population {pop} in:\n{p.stdout}"
        assert int(m.group(1)) == counts[pop], (m.group(1), counts[pop])
        rate = counts[pop] / size / (DURATION * 1e-3)
        assert abs(float(m.group(2)) - rate) < 1e-3, (m.group(2), rate)


def teardown_module():
    shutil.rmtree(WORKDIR, ignore_errors=True)
