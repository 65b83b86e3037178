"""Fault injection (issue 14, "nothing lost, nothing silently wrong"): damaged checkpoints and output
files are refused, naming what is wrong, or the damage is harmless; nothing resumes or is described
silently wrong.

A tiny network (200 neurons, 200 ms) is run once uninterrupted and once with a checkpoint at 100 ms.
Then, with a seeded RNG: 200 single-bit flips (half anywhere, half outside the chunk data, where
the metadata lives) and 50 truncations of the checkpoint, each resumed
(refused with exit 2, or resumed to bitwise the uninterrupted spikes), and as many of the output file
(as at the checkpoint, status "running"), each described by `synorm info` and resumed into (refused
with exit 3, or info's description and every dataset and attribute as h5py reads them are those of
the undamaged file, and the resumed spikes are the uninterrupted run's). Plus the three probes of the
issue as named tests on 1 and 2 ranks."""
import functools
import os
import random
import shutil
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

CONFIG = """\
simulation: {dt: "0.1 ms", duration: "200 ms", seed: 3}
populations:
  E:
    size: 160
    type: excitatory
    neuron: &n {model: lif_cond_exp, C_m: "200 pF", g_L: "10 nS", E_L: "-60 mV", V_th: "-50 mV", V_reset: "-60 mV",
                t_ref: "5 ms", tau_syn_ex: "5 ms", tau_syn_in: "10 ms", E_ex: "0 mV", E_in: "-80 mV"}
    V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}
  I:
    size: 40
    type: inhibitory
    neuron: *n
    V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: pairwise_bernoulli, p: 0.1, autapses: false}
    weight: "4 nS"
    delay: {distribution: uniform, low: "0.8 ms", high: "2 ms"}
    plasticity: {rule: stdp, weight_dependence: additive, pairing: all_to_all, tau_plus: "20 ms", tau_minus: "20 ms",
                 A_plus: "0.08 nS", A_minus: "-0.084 nS", w_min: "0 nS", w_max: "8 nS"}
  - {name: EI, source: E, target: I, connect: {rule: pairwise_bernoulli, p: 0.1}, weight: "4 nS", delay: "0.8 ms"}
  - {name: IE, source: I, target: E, connect: {rule: pairwise_bernoulli, p: 0.1}, weight: "20 nS", delay: "0.8 ms"}
inputs:
  - {kind: poisson, target: E, rate: "400 Hz", weight: "6 nS"}
  - {kind: poisson, target: I, rate: "200 Hz", weight: "6 nS"}
homeostasis: {period: "20 ms"}
recording:
  spikes: all
  rate_bin: "5 ms"
  state: [{name: probe, population: E, ids: [0, 1, 2], variables: [V_m, g_ex], interval: "1 ms"}]
  weights: [{projection: EE, times: ["0 ms", "60 ms", "150 ms"]}]
"""

FLIPS, CUTS = 200, 50
_cache = {}


def tiny(ranks=1):
    """(directory, reference output, checkpoint at 100 ms, output as it was at that checkpoint) of the
    tiny network run on `ranks` ranks; made once per layout."""
    if ranks in _cache:
        return _cache[ranks]
    d = h.tmpdir()
    cfg = os.path.join(d, "tiny.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    ref = os.path.join(d, "reference.h5")
    h.run(["run", cfg, "-o", ref, "-q"], ranks=ranks)
    out = os.path.join(d, "checkpointed.h5")
    h.run(["run", cfg, "-o", out, "-q", "--checkpoint-every", "100 ms", "--checkpoint-keep", "3"], ranks=ranks)
    cdir = os.path.join(d, "checkpointed.checkpoints")
    ckpt = [os.path.join(cdir, n) for n in sorted(os.listdir(cdir)) if n.endswith(".h5")][0]
    with h5py.File(ckpt, "r") as f:
        assert f.attrs["step"] == 1000, f.attrs["step"]
    # The output as a run stopped at the checkpoint leaves it: not complete (resume refuses a complete one).
    with h5py.File(out, "r+") as f:
        fixed_utf8(f, "status", "running")
    _cache[ranks] = (d, ref, ckpt, out)
    return _cache[ranks]


def fixed_utf8(obj, name, text):
    """A fixed-size UTF-8 string attribute, as synorm writes them (h5py's default, a variable-length
    string, would live in the global heap, which has no checksum)."""
    obj.attrs.create(name, text.encode(), dtype=h5py.string_dtype("utf-8", len(text.encode())))


def spikes_of(path):
    return {p: (ids.tobytes(), t.tobytes()) for p, (ids, t) in h.spikes(path).items()}


def contents(path):
    """Every attribute and dataset h5py reads, by path: the file as a user sees it."""
    out = {}
    with h5py.File(path, "r") as f:
        def add(name, obj):
            for k, v in obj.attrs.items():
                out[name + "@" + k] = np.asarray(v).tobytes()
            if isinstance(obj, h5py.Dataset):
                out[name] = (obj.dtype.str, obj.shape, np.asarray(obj[()]).tobytes())
        add("/", f)
        f.visititems(add)
    return out


@functools.lru_cache(maxsize=None)
def outside_chunks(path):
    """The byte offsets of `path` that no chunk of a chunked dataset covers: metadata (superblock,
    object headers, chunk indexes, heaps), contiguous data, and free space. Most of a tiny file is
    chunk data, so half the flips go here, where HDF5's metadata checksums must catch them."""
    covered = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.chunks:
                for k in range(obj.id.get_num_chunks()):
                    c = obj.id.get_chunk_info(k)
                    covered.append((c.byte_offset, c.byte_offset + c.size))
        f.visititems(visit)
    covered.sort()
    free, at = [], 0
    for lo, hi in covered:
        free.extend(range(at, lo))
        at = max(at, hi)
    free.extend(range(at, os.path.getsize(path)))
    return free


def damaged(src, dst, rng, kind):
    """Copies src to dst with one random bit flipped (kind "flip": anywhere; "meta": outside the
    chunks) or cut at a random length; says which."""
    shutil.copy(src, dst)
    size = os.path.getsize(dst)
    if kind in ("flip", "meta"):
        at = rng.randrange(size) if kind == "flip" else rng.choice(outside_chunks(src))
        bit = rng.randrange(8)
        with open(dst, "r+b") as f:
            f.seek(at)
            b = f.read(1)[0]
            f.seek(at)
            f.write(bytes([b ^ (1 << bit)]))
        return f"bit {bit} of byte {at} ({'anywhere' if kind == 'flip' else 'outside the chunks'})"
    at = rng.randrange(size)
    os.truncate(dst, at)
    return f"cut at {at} of {size} bytes"


DAMAGE_WORDS = ("damaged", "truncated", "checksum", "outside", "not an HDF5 file", "incomplete",
                "not a complete synorm output")


def refused(p, code, path):
    """Refused as the interface says: the exit code, a message naming the file and saying what is
    wrong with it."""
    return p.returncode == code and path in p.stderr and any(w in p.stderr for w in DAMAGE_WORDS)


def damaged_copies(src, dst, flips, cuts, seed):
    """Yields (dst, what) for each damage to try: `flips` bit flips of src, half in the data and half in
    the metadata, then `cuts` truncations, at random places drawn from `seed`."""
    rng = random.Random(seed)
    for kind in ["flip", "meta"] * (flips // 2) + ["cut"] * cuts:
        yield dst, damaged(src, dst, rng, kind)


class Tally:
    """The outcomes of damaged files: refused as the interface says, harmless, or silently wrong."""

    def __init__(self):
        self.counts = {"refused": 0, "harmless": 0, "silently-wrong": 0}
        self.wrong = []

    def add(self, p, code, path, harmless, label):
        """Counts one outcome: refused with `code` naming `path`, harmless (`harmless()` holds), or
        silently wrong (recorded with `label`)."""
        if refused(p, code, path):
            self.counts["refused"] += 1
        elif p.returncode == 0 and harmless():
            self.counts["harmless"] += 1
        else:
            self.counts["silently-wrong"] += 1
            self.wrong.append(f"{label}: exit {p.returncode} {p.stderr.strip()[-300:]}")

    def report(self, title):
        print(f"  {title}: {self.counts}")
        for w in self.wrong[:10]:
            print("   ", w)


def check_checkpoint_faults(flips, cuts, seed):
    d, ref, ckpt, out = tiny()
    expected = spikes_of(ref)
    tally = Tally()
    for bad, what in damaged_copies(ckpt, os.path.join(d, "bad_ckpt.h5"), flips, cuts, seed):
        target = os.path.join(d, "resumed.h5")
        shutil.copy(out, target)
        p = h.run(["resume", bad, "-o", target, "-q"], check=False)
        tally.add(p, 2, bad, lambda: spikes_of(target) == expected, f"checkpoint {what}")
    tally.report(f"checkpoint, {flips} bit flips and {cuts} truncations")
    return tally


def check_output_faults(flips, cuts, seed):
    d, ref, ckpt, out = tiny()
    expected = spikes_of(ref)
    good_info = h.run(["info", out]).stdout
    good = contents(out)
    tally = Tally()
    for bad, what in damaged_copies(out, os.path.join(d, "bad_out.h5"), flips, cuts, seed):
        pristine = os.path.join(d, "bad_out_copy.h5")
        shutil.copy(bad, pristine)  # resume writes into `bad`; info and h5py see the damage as it was
        p = h.run(["info", bad], check=False)

        def described_as_before(p=p, bad=bad):
            try:
                return p.stdout.replace(bad, out) == good_info and contents(pristine) == good
            except Exception:  # noqa: BLE001 — h5py could not read what info described
                return False
        tally.add(p, 3, bad, described_as_before, f"output {what}, info")
        p = h.run(["resume", ckpt, "-o", bad, "-q"], check=False)
        tally.add(p, 3, bad, lambda: spikes_of(bad) == expected, f"output {what}, resume")
    tally.report(f"output, {flips} bit flips and {cuts} truncations, each by info and resume")
    return tally


def test_random_damage_to_a_checkpoint_is_refused_or_harmless():
    tally = check_checkpoint_faults(FLIPS, CUTS, seed=14)
    assert tally.counts["silently-wrong"] == 0, tally.wrong[:5]
    assert tally.counts["refused"] > 0


def test_random_damage_to_an_output_file_is_refused_or_harmless():
    tally = check_output_faults(FLIPS, CUTS, seed=41)
    assert tally.counts["silently-wrong"] == 0, tally.wrong[:5]
    assert tally.counts["refused"] > 0


def flip_in_chunk(path, dataset, chunk=0):
    """Flips one bit in the middle of a stored chunk of `dataset` (its data, not its metadata)."""
    with h5py.File(path, "r") as f:
        info = f[dataset].id.get_chunk_info(chunk)
    at = info.byte_offset + info.size // 2
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)[0]
        f.seek(at)
        f.write(bytes([b ^ 0x10]))


def probe(ranks, edit, naming):
    """A copy of the tiny checkpoint of `ranks` ranks, edited, resumed on `ranks` ranks: refused with
    exit 2 and a message naming `naming`."""
    d, ref, ckpt, out = tiny(ranks)
    bad = os.path.join(d, "probe.h5")
    shutil.copy(ckpt, bad)
    edit(bad)
    target = os.path.join(d, "probe_out.h5")
    shutil.copy(out, target)
    p = h.run(["resume", bad, "-o", target, "-q"], ranks=ranks, check=False)
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    assert bad in p.stderr and naming in p.stderr, p.stderr[-2000:]
    print(f"  {ranks} rank(s): " + [l for l in p.stderr.splitlines() if bad in l][0])


def set_target(path):
    with h5py.File(path, "r+") as f:
        f["synapses/0/target"][3] = 99999999


def set_step(path):
    with h5py.File(path, "r+") as f:
        assert f.attrs["step"] == 1000
        f.attrs["step"] = np.int64(960)  # another interval start: only a checksum can tell


M64 = (1 << 64) - 1


def content_sum(values, first=0):
    """h5::content_sum (src/io/hdf5_util.hpp) of unsigned integers, in Python."""
    total = 0
    for k, v in enumerate(values):
        z = (((first + k) * 0x9E3779B97F4A7C15) & M64) ^ ((int(v) + 0x632BE59BD9B4E019) & M64)
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        total = (total + (z ^ (z >> 31))) & M64
    return total


def fnv1a(data, h=14695981039346656037):
    for b in data:
        h = ((h ^ b) * 1099511628211) & M64
    return h


def set_target_and_checksums(path):
    """target[3] = 99999999 with every checksum recomputed as synorm computes it, as a deliberate
    edit could: only the range check can tell."""
    with h5py.File(path, "r+") as f:
        d = f["synapses/0/target"]
        old = int(d[3])
        d[3] = 99999999
        total = (int(d.attrs["checksum"]) - content_sum([old], 3) + content_sum([99999999], 3)) & M64
        d.attrs["checksum"] = np.uint64(total)
        names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["checksummed"]]
        sums = [int(x) for x in f.attrs["checksums"]]
        k = names.index("/synapses/0/target@checksum")
        sums[k] = fnv1a(np.uint64(total).tobytes() + b"|0:8:1")  # H5T_INTEGER, 8 bytes, 1 element
        root = fnv1a(np.array(sums, dtype="<u8").tobytes())
        for n in names:
            root = fnv1a(n.encode() + b"\0", root)
        f.attrs["checksums"] = np.array(sums, dtype="<u8")
        f.attrs["checksum"] = np.uint64(root)


def test_a_target_out_of_range_with_its_checksums_recomputed_is_refused():
    for ranks in (1, 2):
        probe(ranks, set_target_and_checksums, "/synapses/0/target[3] = 99999999 is outside the gids [0, 160)")


def test_a_bit_flip_in_synapse_data_is_refused():
    for ranks in (1, 2):
        probe(ranks, lambda p: flip_in_chunk(p, "synapses/0/weight"), "/synapses/0/weight")


def test_a_target_out_of_range_is_refused():
    for ranks in (1, 2):
        probe(ranks, set_target, "/synapses/0/target")


def test_an_edited_step_attribute_is_refused():
    for ranks in (1, 2):
        probe(ranks, set_step, "step")


def test_an_old_checkpoint_without_checksums_is_refused():
    d, ref, ckpt, out = tiny()
    old = os.path.join(d, "old.h5")
    shutil.copy(ckpt, old)
    with h5py.File(old, "r+") as f:
        f.attrs["format_version"] = np.int32(2)
    target = os.path.join(d, "old_out.h5")
    shutil.copy(out, target)
    p = h.run(["resume", old, "-o", target], check=False)
    assert p.returncode == 2 and "format version 2" in p.stderr and "no checksums" in p.stderr, p.stderr


def test_output_datasets_carry_checksums_written_on_two_ranks():
    """Fletcher32 on every chunked dataset of an output written collectively on 2 ranks, the file in a
    format whose metadata carry checksums; info verifies the data and names a damaged dataset."""
    d, ref, ckpt, out = tiny(2)
    with h5py.File(out, "r") as f:
        assert f.id.get_create_plist().get_version()[0] >= 2, "superblock without checksum"
        chunked = []

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.chunks:
                chunked.append(name)
                assert obj.fletcher32, name
        f.visititems(visit)
        assert "spikes/E/node_ids" in chunked and "recordings/probe/V_m" in chunked, chunked
    bad = os.path.join(d, "flipped_spikes.h5")
    shutil.copy(out, bad)
    flip_in_chunk(bad, "spikes/E/timestamps")
    p = h.run(["info", bad], check=False)
    assert p.returncode == 3 and "/spikes/E/timestamps" in p.stderr, (p.returncode, p.stderr)
    p = h.run(["resume", ckpt, "-o", bad], ranks=2, check=False)
    assert p.returncode == 3 and "/spikes/E/timestamps" in p.stderr, (p.returncode, p.stderr)


def test_info_on_a_file_with_only_root_attributes_is_refused():
    d = h.tmpdir()
    fake = os.path.join(d, "fake.h5")
    with h5py.File(fake, "w") as f:
        fixed_utf8(f, "format", "synorm-output")
        f.attrs["format_version"] = np.int32(2)
        fixed_utf8(f, "status", "complete")
    p = h.run(["info", fake], check=False)
    assert p.returncode == 3 and "not a complete synorm output" in p.stderr, (p.returncode, p.stdout, p.stderr)
