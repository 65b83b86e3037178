"""tools/synorm_files.py, the library the tools and tests read synorm's files with: its readers
against the raw HDF5 of a short run on 2 ranks (whose spike and snapshot segments come in rank
order), its slow-wave activity against the C++ record /phases/<population>/swa of a short
sleep_wake run, a checkpoint opened by format, and its small helpers on known inputs."""
import math
import os

import h5py
import numpy as np
import pytest

import harness as h
from harness import files

WORKDIR = h.tmpdir()
DURATION = 300.0  # ms


@pytest.fixture(scope="module")
def coba():
    """config/coba.yaml for 300 ms on 2 ranks, with an E→E snapshot at 0 ms and checkpoints every 100 ms."""
    out = os.path.join(WORKDIR, "coba.h5")
    h.run(["run", h.config("coba.yaml"), "-o", out, "-q", "--duration", f"{DURATION:g} ms",
           "--set", 'recording.weights=[{projection: EE, times: ["0 ms"]}]', "--checkpoint-every", "100 ms",
           "--checkpoint-keep", "1"], ranks=2)
    return out


def test_spikes_rates_and_snapshots_are_what_the_file_holds(coba):
    with h5py.File(coba, "r") as raw, files.Output(coba) as run:
        assert run.status == "complete" and run.attrs["format"] == "synorm-output"
        assert list(run.populations()) == ["E", "I"] and run.sizes() == {"E": 3200, "I": 800}
        for pop in ("E", "I"):
            ids, ts = raw[f"spikes/{pop}/node_ids"][()], raw[f"spikes/{pop}/timestamps"][()]
            t, n = run.spikes(pop)
            assert len(t) == len(ts) > 100 and run.spike_count(pop) == len(ts)
            # Sorted by time, then id, and the same (time, id) pairs as stored.
            assert np.all((np.diff(t) > 0) | ((np.diff(t) == 0) & (np.diff(n) > 0))), "not sorted by (time, id)"
            assert sorted(zip(ts.tolist(), ids.tolist())) == list(zip(t.tolist(), n.tolist()))
            sonata = run.sonata(pop)
            assert sonata["sorting"] == "by_time" and sonata["node_ids"].dtype == np.uint64
            assert np.array_equal(sonata["timestamps"], t) and np.array_equal(sonata["node_ids"], n)
            bin_ms, rate = run.rates(pop)
            assert bin_ms == float(raw["rates"].attrs["bin"]) and np.array_equal(rate, raw[f"rates/{pop}"][()])
        # Two ranks wrote the snapshot in two segments: the library's copy is in (target, source) order.
        (snap,) = run.snapshots("EE")
        stored = raw["weights/EE/0"]
        assert snap.index == 0 and snap.time == 0.0 and len(snap.weight) == len(stored["weight"])
        assert np.all(np.diff(snap.target.astype(np.int64)) >= 0)
        order = np.lexsort((stored["source"][()], stored["target"][()]))
        assert np.array_equal(snap.source, stored["source"][()][order])
        assert np.array_equal(snap.weight, stored["weight"][()][order])
        v = run.final_v("E")
        assert len(v) == 3200 and np.array_equal(np.sort(v), np.sort(raw["final_state/E/V_m"][()]))


def test_provenance_and_summary(coba):
    with h5py.File(coba, "r") as raw, files.Output(coba) as run:
        pv = run.provenance()
        for key, value in raw["provenance"].attrs.items():
            if isinstance(value, bytes):
                assert pv[key] == value.decode() and isinstance(pv[key], str), key
            else:
                assert np.array_equal(pv[key], value), key
        counts = {p: run.spike_count(p) for p in ("E", "I")}
    spikes = sum(counts.values())
    assert pv["ranks"] == 2 and pv["threads"] == 1 and int(pv["spikes"]) == spikes
    s = files.summary(coba)
    assert s["status"] == "complete" and (s["ranks"], s["threads"], s["neurons"]) == (2, 1, 4000)
    assert s["spikes"] == spikes and s["bio_s"] == DURATION * 1e-3 and len(s["peak_rss_bytes"]) == 2
    assert s["rtf"] == pytest.approx(s["loop_s"] / s["bio_s"], rel=1e-6)
    for pop, size in (("E", 3200), ("I", 800)):
        assert s["rates"][pop] == pytest.approx(counts[pop] / size / s["bio_s"], rel=1e-12)
    assert s["rtf_by_kind"] == {}, "no schedule, no phases"


def test_a_checkpoint_opens_as_one(coba):
    cdir = coba.replace(".h5", ".checkpoints")
    (name,) = os.listdir(cdir)
    with files.open(os.path.join(cdir, name)) as c:
        assert isinstance(c, files.Checkpoint) and c.complete
        assert c.attrs["format"] == "synorm-checkpoint" and c.attrs["ranks"] == 2 and c.attrs["time"] == 200.0
        neurons = c.neurons()
        assert np.array_equal(neurons["gid"], np.arange(4000)) and len(neurons["V"]) == 4000
        config = c.config
    with files.open(coba) as o:
        assert isinstance(o, files.Output) and o.config == config, "the checkpoint keeps the run's configuration"
    with pytest.raises(ValueError, match="not a synorm-output file"):
        files.Output(os.path.join(cdir, name))


def test_python_swa_is_the_phases_record():
    """/phases/<population>/swa (src/engine/phases.cpp) is synorm_files.swa over the /rates bins wholly
    inside each phase; NREM's slow waves make it large, so a wrong band or normalisation shows."""
    out = os.path.join(WORKDIR, "sleep_wake.h5")
    h.run(["run", h.config("sleep_wake.yaml"), "-o", out, "-q", "--set", "schedule.cycles=1",
           "--set", "schedule.phases.0.duration=2 s", "--set", "schedule.phases.1.duration=3 s"])
    with files.Output(out) as run:
        table = run.phases()
        bin_ms, rates = run.rates()
    assert table["kind"] == ["wake", "nrem"] and "E/swa" in table and "I/swa" in table
    for pop, rate in rates.items():
        for k in range(len(table["kind"])):
            lo = math.ceil(table["start"][k] / bin_ms - 1e-9)
            hi = math.floor(table["end"][k] / bin_ms + 1e-9)
            mine, record = files.swa(rate[lo:hi], bin_ms), table[f"{pop}/swa"][k]
            print(f"{pop} phase {k} ({table['kind'][k]}): SWA {mine:.6f} (Python), {record:.6f} (/phases)")
            assert abs(mine - record) <= 1e-9 * max(1.0, record), (pop, k, mine, record)
            assert table[f"{pop}/rate"][k] == pytest.approx(rate[lo:hi].mean(), rel=1e-9)
    assert table["E/swa"][1] > 10 * table["E/swa"][0], "NREM's slow waves carry more 0.5-4 Hz power than wake"


def test_helpers_on_known_inputs():
    assert files.text(b"nrem") == "nrem" and files.text("wake") == "wake" and files.texts([b"a", "b"]) == ["a", "b"]
    assert files.duration_ms("1 s") == 1000.0 and files.duration_ms("500 ms") == 500.0
    assert files.duration_ms("2 min") == 120000.0
    with pytest.raises(ValueError):
        files.duration_ms("1 hour")
    t = np.arange(8000) * 1.0  # 8 s in 1 ms bins
    slow, fast = 3.0 * np.sin(2 * np.pi * 1.0 * t * 1e-3), 3.0 * np.sin(2 * np.pi * 10.0 * t * 1e-3)
    assert files.swa(10.0 + slow, 1.0) == pytest.approx(4.5, rel=1e-9), "a 1 Hz sine of amplitude 3 carries 9/2 Hz²"
    assert files.swa(10.0 + fast, 1.0) < 1e-12, "10 Hz is outside the band"
    assert files.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert files.spearman([1, 2, 2, 3], [3, 2, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(files.spearman([1, 1, 1], [1, 2, 3]))
