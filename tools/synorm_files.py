"""synorm_files: synorm's HDF5 files read into numpy arrays, for the tools and the Python tests.

One module reads what synorm writes (src/io/README.md has the layout of both files), so that the
tools and the tests agree on it:

    import synorm_files as sf
    with sf.Output("run.h5") as run:
        run.status                        # "complete", "running", "failed: …", "stopped: …"
        t, ids = run.spikes("E")          # times (ms) and population-local ids, by (time, id)
        bin_ms, rates = run.rates()       # {population: Hz per bin}
        run.mean_rates()                  # {population: Hz over the run}
        bin_ms, areas = run.group_rates() # {group (area): Hz per bin}; run.groups(): {population: group}
        table = run.phases()              # /phases: name, kind (str lists), columns, per-population series
        t, W, Wstar = run.group_weights() # /phases/weight_by_group: {group: W per homeostasis period}
        run.homeostasis()                 # /homeostasis as {"time": …, "E/rate": …, "EE/w_mean": …}
        run.read("recordings/E_v/V_m")    # any dataset, as stored
        run.snapshots("EE")               # /weights/EE: [Snapshot(index, time, source, target, weight)]
        run.provenance()                  # /provenance attributes, strings decoded
    sf.summary("run.h5")                  # status, layout, times, rates per population: tools/bench, gather
    sf.swa(rate, bin_ms)                  # slow-wave activity, the definition /phases/<pop>/swa follows
    sf.up_states(rate, bin_ms)            # up (True) or down per bin, tools/slow_waves' definition

Scripts in tools/ are files without a .py suffix next to this one; each puts its own folder first
on sys.path to import it. The tests import it through tests/integration/harness.py.

Conventions: strings (HDF5 fixed-size, h5py gives bytes) come back as str; datasets as numpy arrays
in their stored dtype, except spikes (float64 times, int64 ids; sonata() keeps uint64) and rates
(float64); times in ms, rates in Hz, as in the file. Spikes and snapshots are stored in
rank segments, not globally sorted: the readers here sort them. Needs h5py and numpy (Debian's
python3-h5py, python3-numpy)."""
import collections
import re

import h5py
import numpy as np

OUTPUT_FORMAT = "synorm-output"
CHECKPOINT_FORMAT = "synorm-checkpoint"
UNITS_MS = {"ms": 1.0, "s": 1000.0, "min": 60000.0}

Snapshot = collections.namedtuple("Snapshot", "index time source target weight")
Snapshot.__doc__ = """One weight snapshot: its index, time (ms), source and target gids and effective weights."""


def text(value):
    """An HDF5 string (bytes from h5py, or str) as str; anything else through str()."""
    return value.decode() if isinstance(value, bytes) else str(value)


def texts(values):
    """A string array attribute as a list of str."""
    return [text(v) for v in values]


def duration_ms(value):
    """'1 s', '500 ms', '2 min' in ms (the tools' command-line times). ValueError otherwise."""
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(ms|s|min)\s*", value)
    if not m:
        raise ValueError(f'expected a time like "1 s", got "{value}"')
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def attributes(obj):
    """An HDF5 object's attributes as a dict: strings as str, string arrays as lists of str."""
    out = {}
    for key, value in obj.attrs.items():
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, np.ndarray) and value.dtype.kind in "SO":
            value = texts(value)
        out[key] = value
    return out


def datasets(group, skip=()):
    """Every dataset below an HDF5 group, {relative path: array}, in h5py's (name) order; names in
    `skip` (last path component) are left out."""
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and name.rsplit("/", 1)[-1] not in skip:
            out[name] = obj[()]
    group.visititems(visit)
    return out


def by_time(times, ids):
    """Spikes sorted by time, then id: (times float64, ids int64)."""
    times, ids = np.asarray(times, dtype=np.float64), np.asarray(ids, dtype=np.int64)
    order = np.lexsort((ids, times))
    return times[order], ids[order]


class _File:
    """An open synorm file (read-only unless mode says otherwise); a context manager. `file` is the
    h5py.File for what the readers here do not cover."""
    kind = ""

    def __init__(self, path, mode="r"):
        self.path = str(path)
        self.file = h5py.File(self.path, mode)
        self.attrs = attributes(self.file)
        found = self.attrs.get("format", "")
        if self.kind and found and found != self.kind:
            self.file.close()
            raise ValueError(f"{self.path} is a {found} file, not a {self.kind} file")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.file.close()

    def __contains__(self, name):
        return name in self.file

    def attributes(self, path):
        """The attributes of the group or dataset at `path` (synorm_files.attributes)."""
        return attributes(self.file[path])

    @property
    def config(self):
        """The resolved YAML configuration the run used, as text."""
        return text(self.file["config"][()])


class Output(_File):
    """A run's output file (format synorm-output)."""
    kind = OUTPUT_FORMAT

    @property
    def status(self):
        return self.attrs.get("status", "")

    @property
    def simulation(self):
        """/simulation: dt, duration (ms), seed, neurons."""
        return attributes(self.file["simulation"])

    def populations(self):
        """{name: {size, first_gid, model, type}} in gid order."""
        g = self.file["populations"]
        order = texts(g.attrs["order"]) if "order" in g.attrs else list(g)
        return {name: attributes(g[name]) for name in order}

    def sizes(self):
        """{population: number of neurons}."""
        return {name: int(p["size"]) for name, p in self.populations().items()}

    def projections(self):
        """{name: {source, target, rule}}."""
        return {name: attributes(g) for name, g in self.file.get("projections", {}).items()}

    def spike_populations(self):
        """The populations whose spikes were recorded."""
        return list(self.file.get("spikes", {}))

    def spikes(self, population=None):
        """(times ms, population-local ids) of one population sorted by (time, id); without a
        population, {population: (times, ids)} of every recorded one."""
        if population is None:
            return {p: self.spikes(p) for p in self.spike_populations()}
        g = self.file["spikes"][population]
        return by_time(g["timestamps"][()], g["node_ids"][()])

    def spike_count(self, population):
        """Spikes of a population in the file, without reading them."""
        return self.file["spikes"][population]["timestamps"].shape[0]

    def sonata(self, population):
        """The spikes of one population as SONATA's spike report names them: {"node_ids" (uint64,
        population-local), "timestamps" (ms), "sorting": "by_time"}, sorted by time, then id."""
        g = self.file["spikes"][population]
        order = np.lexsort((g["node_ids"][()], g["timestamps"][()]))
        return {"node_ids": g["node_ids"][()][order], "timestamps": g["timestamps"][()][order], "sorting": "by_time"}

    def rates(self, population=None):
        """(bin ms, {population: Hz per bin}); with a population, (bin ms, its rates).
        KeyError when the run recorded no /rates (or not this population)."""
        g = self.file["rates"]
        bin_ms = float(g.attrs["bin"])
        if population is not None:
            return bin_ms, g[population][()].astype(np.float64)
        return bin_ms, {p: d[()].astype(np.float64) for p, d in g.items()}

    def mean_rates(self):
        """{population: Hz over the whole run} (the attribute `mean` of /rates/<population>).
        KeyError when the run recorded no /rates or was written before the attribute existed."""
        return {p: float(d.attrs["mean"]) for p, d in self.file["rates"].items()}

    def groups(self):
        """{population: its group (the area of a multi-area model)} for the populations that have one."""
        return {name: a["group"] for name, a in self.populations().items() if "group" in a}

    def group_rates(self, group=None):
        """/rates_by_group: (bin ms, {group: Hz per bin}) in the order of the groups' first populations,
        the rates of each group's neurons together; with a group, (bin ms, its rates). Each dataset's
        attributes (attributes("rates_by_group/V1")) add `mean` (Hz over the run), `neurons` and
        `populations`. KeyError when the run has no groups (or no /rates)."""
        g = self.file["rates_by_group"]
        bin_ms = float(g.attrs["bin"])
        if group is not None:
            return bin_ms, g[group][()].astype(np.float64)
        order = texts(g.attrs["order"]) if "order" in g.attrs else list(g)
        return bin_ms, {name: g[name][()].astype(np.float64) for name in order}

    def phases(self):
        """/phases: {"name", "kind": lists of str, every column (start, end, weight_start, …, the
        per-period time/weight/gain) and "<population>/rate", "<population>/swa",
        "<projection>/weight_start", …: arrays}. KeyError for a run without a schedule."""
        g = self.file["phases"]
        out = {"name": texts(g.attrs["name"]), "kind": texts(g.attrs["kind"])}
        out.update(datasets(g))
        return out

    def group_weights(self):
        """/phases/weight_by_group: (times ms, {group: W_g per homeostasis period}, {group: set point W*_g,
        where taken}) with groups in the order attribute; W_g is the total excitatory plastic weight onto the
        group's populations, sampled with /phases/weight. ({}, {}) parts when the run has no groups."""
        g = self.file["phases"]
        times = g["time"][()] if "time" in g else np.array([])
        if "weight_by_group" not in g:
            return times, {}, {}
        by = g["weight_by_group"]
        order = texts(by.attrs["order"])
        set_points = {name: float(by[name].attrs["set_point"]) for name in order if "set_point" in by[name].attrs}
        return times, {name: by[name][()] for name in order}, set_points

    def group_gains(self):
        """/phases/gain_by_group: {group: SHY gain G_g per homeostasis period} (renormalization scope group;
        {} otherwise)."""
        g = self.file["phases"]
        if "gain_by_group" not in g:
            return {}
        by = g["gain_by_group"]
        return {name: by[name][()] for name in texts(by.attrs["order"])}

    def homeostasis(self):
        """/homeostasis: {"time": …, "<population>/<series>": …, "<projection>/<series>": …,
        "<population>/neurons/<series>": …}; its period (ms) is attributes("homeostasis")["period"]."""
        return datasets(self.file["homeostasis"])

    def read(self, path):
        """The dataset at `path`, as stored (e.g. "recordings/E_adaptation/w")."""
        return self.file[path][()]

    def snapshot_times(self, projection, group="weights"):
        """[(index, time ms)] of a projection's snapshots in index order ("weights", or "phase_weights"
        for those at the phase boundaries)."""
        g = self.file[group][projection]
        return [(int(k), float(g[k].attrs.get("time", np.nan))) for k in sorted(g, key=int)]

    def snapshot(self, projection, index, group="weights", stored=False):
        """One weight snapshot, its synapses sorted by (target, source) (multapses in stored order), or
        with stored=True in the order of the file (rank segments, each sorted by (target, source))."""
        s = self.file[group][projection][str(index)]
        source, target, weight = s["source"][()], s["target"][()], s["weight"][()]
        order = slice(None) if stored else np.lexsort((source, target))
        return Snapshot(int(index), float(s.attrs.get("time", np.nan)), source[order], target[order], weight[order])

    def snapshots(self, projection, group="weights"):
        """Every snapshot of a projection (Output.snapshot) in index order."""
        return [self.snapshot(projection, k, group) for k, _ in self.snapshot_times(projection, group)]

    def snapshot_projections(self, group="weights"):
        return list(self.file.get(group, {}))

    def final_v(self, population=None):
        """Membrane potentials at the end of the run ordered by node id; without a population,
        {population: V}."""
        if population is None:
            return {p: self.final_v(p) for p in self.file["final_state"]}
        g = self.file["final_state"][population]
        return g["V_m"][()][np.argsort(g["node_ids"][()], kind="stable")]

    def recording(self, name):
        """/recordings/<name>: {"population", "interval", "variables", "node_ids", "times", and one
        [samples × neurons] array per variable}."""
        g = self.file["recordings"][name]
        out = attributes(g)
        out.update(datasets(g))
        return out

    def patterns(self):
        """/patterns as {"<pattern>/<dataset>": array}."""
        return datasets(self.file["patterns"])

    def pruning(self):
        """/pruning as {"<projection>/<dataset>": array}."""
        return datasets(self.file["pruning"])

    def provenance(self):
        """/provenance: strings as str, numbers and per-rank arrays as stored; {} before the run ends."""
        return attributes(self.file["provenance"]) if "provenance" in self.file else {}


class Checkpoint(_File):
    """A checkpoint file (format synorm-checkpoint): its attributes (step, time, ranks, …) and state."""
    kind = CHECKPOINT_FORMAT

    @property
    def complete(self):
        return int(self.attrs.get("complete", 0)) == 1

    def neurons(self):
        """{"gid": …, field: …} of every neuron, sorted by gid."""
        g = self.file["neurons"]
        order = np.argsort(g["gid"][()], kind="stable")
        return {name: d[()][order] for name, d in g.items()}

    def datasets(self, group):
        """Every dataset below a group of the checkpoint (e.g. "records/homeostasis")."""
        return datasets(self.file[group])


def open(path, mode="r"):  # noqa: A001 (the module's name for it: sf.open)
    """An Output or a Checkpoint, whichever the file's `format` attribute says."""
    with h5py.File(str(path), "r") as f:
        kind = text(f.attrs.get("format", OUTPUT_FORMAT))
    return Checkpoint(path, mode) if kind == CHECKPOINT_FORMAT else Output(path, mode)


def status(path):
    """The status of an output file ("complete", "running", "failed: …", "stopped: …")."""
    with Output(path) as run:
        return run.status


def spikes(path, population=None):
    """Output.spikes of a file."""
    with Output(path) as run:
        return run.spikes(population)


def summary(path):
    """What an output file says about its run, for tables of runs (tools/bench, tools/gather):
    {"status", "neurons", "ranks", "threads", "synapses", "spikes", "events", "bio_s", "wall_s", "loop_s",
    "rtf", "peak_rss_bytes" (per rank), "populations" (in gid order), "rates" {population: Hz over the run, the
    populations whose spikes were recorded}, "rtf_by_kind" {phase kind:
    rank 0's loop time in those phases over their biological time}, "provenance" (all of it)}. Keys whose
    source is missing (a run that has not ended has no /provenance) are absent."""
    with Output(path) as run:
        pv = run.provenance()
        out = {"status": run.status, "provenance": pv}
        if "simulation" in run:
            out["neurons"] = int(run.simulation["neurons"])
        for key in ("ranks", "threads", "synapses", "spikes"):
            if key in pv:
                out[key] = int(pv[key])
        for key, name in (("synaptic_events", "events"), ("wall_time", "wall_s"), ("loop_time", "loop_s"),
                          ("real_time_factor", "rtf")):
            if key in pv:
                out[name] = float(pv[key]) if name != "events" else int(pv[key])
        if "simulated_time" in pv:
            out["bio_s"] = float(pv["simulated_time"]) * 1e-3
        if "peak_rss_bytes" in pv:
            out["peak_rss_bytes"] = [float(x) for x in np.atleast_1d(pv["peak_rss_bytes"])]
        bio, sizes = out.get("bio_s", 0.0), run.sizes()
        recorded = run.spike_populations()
        out["populations"] = list(sizes)
        out["rates"] = {p: run.spike_count(p) / size / bio for p, size in sizes.items() if p in recorded and bio > 0}
        by_kind = {}
        if "phases" in run and "wall" in run.file["phases"]:
            table = run.phases()
            for kind, wall, start, end in zip(table["kind"], table["wall"], table["start"], table["end"]):
                w, b = by_kind.get(kind, (0.0, 0.0))
                by_kind[kind] = (w + float(wall), b + float(end - start) * 1e-3)
        out["rtf_by_kind"] = {kind: w / b for kind, (w, b) in by_kind.items() if b > 0}
    return out


def band_power(rate, bin_ms, lo, hi):
    """Power of a rate series in [lo, hi] Hz, Hz²: the one-sided periodogram of the rate minus its mean,
    summed over the band and divided by the number of bins (Parseval's units: the variance the band
    carries)."""
    x = np.asarray(rate, dtype=np.float64)
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x)) ** 2 / len(x) ** 2 * 2
    freqs = np.fft.rfftfreq(len(x), bin_ms * 1e-3)
    return float(spectrum[(freqs >= lo) & (freqs <= hi)].sum())


def swa(rate, bin_ms):
    """Slow-wave activity: the power of the rate in 0.5–4 Hz, Hz². /phases/<population>/swa is this,
    computed by synorm (src/engine/phases.cpp) over the rate bins wholly inside each phase."""
    return band_power(rate, bin_ms, 0.5, 4.0)


def up_states(rate, bin_ms, down=2.0, up=5.0, smooth_ms=50.0, min_ms=50.0):
    """A boolean per bin: True where the network is up (tools/slow_waves' definition). The rate smoothed by
    a `smooth_ms` boxcar; a down state starts when it falls below `down` Hz, an up state when it rises
    above `up` Hz (hysteresis); states shorter than `min_ms` are merged into the state before them."""
    rate = np.asarray(rate, dtype=np.float64)
    k = max(1, int(round(smooth_ms / bin_ms)))
    smooth = np.convolve(rate, np.ones(k) / k, mode="same")
    is_up = np.zeros(len(rate), dtype=bool)
    current = smooth[0] > (down + up) / 2 if len(rate) else False
    for i, r in enumerate(smooth):
        if current and r < down:
            current = False
        elif not current and r > up:
            current = True
        is_up[i] = current
    shortest = max(1, int(round(min_ms / bin_ms)))
    edges = np.flatnonzero(np.diff(is_up.astype(np.int8))) + 1
    bounds = np.concatenate(([0], edges, [len(is_up)]))
    for a, b in zip(bounds[1:-1], bounds[2:]):
        if b - a < shortest and b < len(is_up):
            is_up[a:b] = is_up[a - 1]
    return is_up


def up_onsets(rate, bin_ms, down=2.0, up=5.0):
    """Times (ms, from the first bin's start) at which up states (up_states) begin."""
    is_up = up_states(rate, bin_ms, down, up)
    return (np.flatnonzero(np.diff(is_up.astype(np.int8)) == 1) + 1) * bin_ms


def average_ranks(x):
    """Ranks from 0 with ties given their average rank, as Spearman's coefficient uses."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return (first + (counts - 1) / 2.0)[inverse]


def spearman(a, b):
    """Spearman's rank correlation of two samples; NaN when either is constant."""
    a, b = np.asarray(a), np.asarray(b)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(average_ranks(a), average_ranks(b))[0, 1])
