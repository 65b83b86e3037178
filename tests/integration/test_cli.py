"""Bad input tried as a new user would: broken configurations (written by editing config/coba.yaml, so
line numbers are real), bad command lines, output paths that cannot be written, files that `info`
cannot read. Each case runs alone and under `mpirun -np 2` and asserts:
  - the exit code, on every rank (README, "Exit codes");
  - the message, printed once, on one line, naming what it should (file:line:col, key path, expectation);
  - no hang (a timeout), and no output file that looks complete (status "complete").
The README's "Troubleshooting" section lists these cases with the messages."""
import os
import shutil
import signal
import subprocess
import tempfile


import harness as h

TIMEOUT = 120  # s per synorm command; a hang fails the case
RANKS = (1, 2)


def session_members(sid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            pids.append(int(entry))
    return pids


class Runner:
    """Runs synorm alone or under mpirun; under mpirun a wrapper records each rank's exit code."""

    def __init__(self, workdir):
        self.rc_dir = os.path.join(workdir, ".rc")
        os.makedirs(self.rc_dir)
        self.wrapper = os.path.join(workdir, ".synorm-rank")
        with open(self.wrapper, "w") as f:
            f.write('#!/bin/sh\n"$SYNORM_UNDER_TEST" "$@"\nrc=$?\n'
                    'echo $rc > "$SYNORM_RC_DIR/rank${OMPI_COMM_WORLD_RANK:-unknown}"\nexit $rc\n')
        os.chmod(self.wrapper, 0o755)

    def __call__(self, args, ranks, cwd):
        """Returns ([exit code per rank], stdout, stderr)."""
        for name in os.listdir(self.rc_dir):
            os.remove(os.path.join(self.rc_dir, name))
        env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   # every rank runs to its own end, so that each one's exit code can be seen
                   OMPI_MCA_orte_abort_on_non_zero_status="0",
                   SYNORM_UNDER_TEST=h.SYNORM, SYNORM_RC_DIR=self.rc_dir)
        cmd = [h.SYNORM] + args if ranks == 1 else ["mpirun", "--oversubscribe", "-np", str(ranks), self.wrapper] + args
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for pid in session_members(p.pid):  # mpirun and the ranks it started
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.communicate()
            raise AssertionError(f"hang: synorm {' '.join(args)} on {ranks} rank(s) did not end within {TIMEOUT} s")
        if ranks == 1:
            return [p.returncode], out, err
        codes = []
        for r in range(ranks):
            path = os.path.join(self.rc_dir, f"rank{r}")
            codes.append(int(open(path).read()) if os.path.exists(path) else None)
        return codes, out, err


def status_of(path):
    try:
        return h.status(path)
    except (OSError, KeyError, RuntimeError, ValueError):
        return None  # not readable as HDF5 (or its root is damaged): certainly not complete


def assert_nothing_complete(directory):
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".h5"):
                assert status_of(path) != "complete", f"{path} says complete after a failed run"


class Cases:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="synorm-cli-")
        self.run = Runner(self.dir)
        with open(h.config("coba.yaml")) as f:
            self.coba = f.read()
        shutil.copy(h.config("coba.yaml"), os.path.join(self.dir, "coba.yaml"))

    def variant(self, name, old, new, mark=None):
        """Writes NAME.yaml: coba.yaml with the first `old` replaced by `new`. Returns 'NAME.yaml:LINE:COL'
        of `mark` (a part of `new`; by default all of it)."""
        at = self.coba.index(old)
        text = self.coba[:at] + new + self.coba[at + len(old):]
        with open(os.path.join(self.dir, name + ".yaml"), "w") as f:
            f.write(text)
        where = at + new.index(mark if mark is not None else new)
        line = text.count("\n", 0, where) + 1
        column = where - (text.rfind("\n", 0, where) + 1) + 1
        return f"{name}.yaml:{line}:{column}"

    def truncated(self, name, after, keep):
        """Writes NAME.yaml: coba.yaml cut `keep` characters after the start of `after`."""
        text = self.coba[:self.coba.index(after) + keep]
        with open(os.path.join(self.dir, name + ".yaml"), "w") as f:
            f.write(text)
        return text

    def expect(self, args, code, *fragments, stream="stderr", cwd=None):
        """Runs on 1 and 2 ranks: every rank exits with `code`; exactly one line of `stream` holds
        fragments[0], and that line holds every fragment; no file in the directory says complete."""
        cwd = cwd or self.dir
        for ranks in RANKS:
            codes, out, err = self.run(args, ranks, cwd)
            text = out if stream == "stdout" else err
            context = f"synorm {' '.join(args)} on {ranks} rank(s)"
            assert codes == [code] * ranks, f"{context}: exit codes {codes}, expected {code} on every rank\n{err}"
            lines = [line for line in text.splitlines() if fragments[0] in line]
            assert len(lines) == 1, (f"{context}: expected one line with {fragments[0]!r} in {stream}, got "
                                     f"{len(lines)}:\n{text}")
            for fragment in fragments:
                assert fragment in lines[0], f"{context}: {fragment!r} not in the message {lines[0]!r}"
            assert_nothing_complete(cwd)
            if code != 0:
                assert "Traceback" not in err and "terminate called" not in err, f"{context}: crashed\n{err}"


C = None


def cases():
    global C
    if C is None:
        C = Cases()
    return C


def run_args(config, *extra):
    return ["run", config, "-o", "x.h5", "--duration", "10 ms", "-q", *extra]


def each(table, check):
    """Runs check(*row) for every row; reports every failing row, not only the first."""
    failures = []
    for row in table:
        try:
            check(*row)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)


# --- configuration errors: exit 2, "FILE:LINE:COL: KEY.PATH: expectation" ---

BY_SOURCE = '{count: 2, target_rate: "1 Hz", assignment: by_source}'


def branches(name, spec, mark, message, *more):
    """The BROKEN_CONFIGS row branch_<name>: population E with the branches `spec`, refused with
    "populations.E.branches<message>"."""
    return ("branch_" + name, "size: 3200", "size: 3200\n    branches: " + spec, mark,
            "populations.E.branches" + message, *more)


# (file name, text of coba.yaml, replaced by, the part the error points at, message after the place...)
BROKEN_CONFIGS = [
    ("misspelled", 'tau_syn_ex: "5 ms"', 'tua_syn_ex: "5 ms"', "tua_syn_ex",
     "populations.E.neuron.tua_syn_ex: unknown key", "accepted: model, C_m, tau_m, g_L"),
    ("no_unit", 'dt: "0.1 ms"', "dt: 0.1", "0.1", "simulation.dt: missing unit", 'expected a time like "20 ms"'),
    ("dimension", 't_ref: "5 ms"', 't_ref: "5 mV"', '"5 mV"', "populations.E.neuron.t_ref: expected a time",
     "got a voltage"),
    ("negative_tau", 'tau_syn_in: "10 ms"', 'tau_syn_in: "-10 ms"', '"-10 ms"',
     "populations.E.neuron.tau_syn_in: expected a time > 0", "-10 ms"),
    ("huge", 'g_L: "10 nS"', 'g_L: "1e40 nS"', '"1e40 nS"', "populations.E.neuron.g_L: expected a conductance",
     "magnitude beyond 1e+30 nS (state is single precision)"),
    ("short_delay", 'delay: "0.8 ms"', 'delay: "0.05 ms"', '"0.05 ms"',
     "projections[0].delay: delay 0.05 ms is below the time step", "dt = 0.1 ms"),
    ("probability", "p: 0.02", "p: 1.2", "1.2", "projections[0].connect.p: expected a probability in [0, 1]",
     "got 1.2"),
    ("unknown_population", "source: E,", "source: Ex,", "Ex", 'projections[0].source: unknown population "Ex"',
     "populations: E, I"),
    # Branch-local homeostasis (populations.<name>.branches).
    branches("count", '{count: 100, target_rate: "100 Hz"}', "100",
             ".count: at most 64 branches per neuron", "got 100"),
    branches("target", '{count: 2, target_rate: "0 Hz"}', '"0 Hz"', ".target_rate: the target rate must be > 0"),
    branches("no_target", "{count: 2}", "{count: 2}", ": missing required key", "target_rate"),
    branches("assignment", '{count: 2, target_rate: "1 Hz", assignment: by_target}', "by_target",
             ".assignment: unknown value", "random, by_source"),
    branches("no_map", BY_SOURCE, "{count", ': missing required key "by_source"'),
    branches("of_source", BY_SOURCE[:-1] + ", by_source: {E: 2}}", "2}",
             ".by_source.E: branch 2 is out of range", "2 branches"),
    branches("inhibitory", BY_SOURCE[:-1] + ", by_source: {I: 0}}", "I: 0", ".by_source.I: population I is inhibitory"),
    branches("unmapped", BY_SOURCE[:-1] + ", by_source: {}}", "{}",
             ".by_source: no branch for source population E of projection EE"),
    # Homeostasis: a missing parameter, a target rate ≤ 0, E_GABA homeostasis on a model without a
    # reversal potential, a period that is not a whole number of communication intervals.
    ("scaling_no_target", 'V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}\n  I:',
     'V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}\n    scaling: {tau_up: "1 s"}\n  I:', '{tau_up',
     "populations.E.scaling: missing required key", "target_rate"),
    ("scaling_zero_target", 'V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}\n  I:',
     'V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}\n    scaling: {target_rate: "0 Hz"}\n  I:',
     '"0 Hz"',
     "populations.E.scaling.target_rate: the target rate must be > 0", "got 0 Hz"),
    ("e_gaba_current", "neuron: *coba_neuron",
     'neuron: {model: lif_curr_exp}\n    e_gaba: {target_rate: "5 Hz"}', '{target_rate: "5 Hz"}',
     "populations.I.e_gaba: E_GABA homeostasis moves the inhibitory reversal potential, which only conductance-based",
     "I is lif_curr_exp"),
    ("homeostasis_period", "recording:", 'homeostasis: {period: "1 ms"}\nrecording:', '"1 ms"',
     "homeostasis.period: 1 ms is not a multiple of the communication interval 0.8 ms"),
    # plasticity rules (the first `"67 nS", delay: "0.8 ms"}` is IE's, the first `"6 nS", …` EE's)
    ("unknown_rule", '"67 nS", delay: "0.8 ms"}', '"67 nS", delay: "0.8 ms", plasticity: {rule: istdp}}', "istdp",
     'projections[2].plasticity.rule: unknown value "istdp"', "expected one of stdp, triplet, vogels"),
    ("vogels_missing", '"67 nS", delay: "0.8 ms"}',
     '"67 nS", delay: "0.8 ms", plasticity: {rule: vogels, eta: 0.01 nS, w_max: 300 nS}}',
     "{rule: vogels", 'projections[2].plasticity: missing required key "target_rate"'),
    ("vogels_rate", '"67 nS", delay: "0.8 ms"}',
     '"67 nS", delay: "0.8 ms", plasticity: {rule: vogels, eta: 0.01 nS, target_rate: 0 Hz, w_max: 300 nS}}', "0 Hz",
     "projections[2].plasticity.target_rate: the target rate ρ0 must be > 0", "got 0 Hz"),
    ("vogels_excitatory", '"6 nS", delay: "0.8 ms"}',
     '"6 nS", delay: "0.8 ms", plasticity: {rule: vogels, eta: 0.01 nS, target_rate: 3 Hz, w_max: 300 nS}}', "vogels",
     "projections[0].plasticity.rule: vogels applies to inhibitory projections", "source population E is excitatory"),
]


def test_broken_configurations():
    c = cases()

    def check(name, old, new, mark, message, *more):
        where = c.variant(name, old, new, mark)
        c.expect(run_args(f"{name}.yaml"), 2, f"{where}: {message}", *more)

    each(BROKEN_CONFIGS, check)


def test_bad_table_cell():
    """A configuration built from a table (tables:) names the table's file:row:column (README, Troubleshooting)."""
    c = cases()
    with open(os.path.join(c.dir, "pops.csv"), "w") as f:
        f.write("name,neurons\nA,10\nB,abc\n")
    with open(os.path.join(c.dir, "table.yaml"), "w") as f:
        f.write('tables:\n  populations:\n    file: pops.csv\n    name: "{name}"\n'
                '    template: {size: "{neurons}", neuron: {model: lif_delta}}\n')
    c.expect(run_args("table.yaml"), 2, 'pops.csv:3:neurons: populations.B.size: expected an integer ≥ 1, got "abc"')


def test_truncated_yaml():
    c = cases()
    text = c.truncated("cut_flow", "{name: EI", 35)  # inside the second projection's { ... }
    c.expect(run_args("cut_flow.yaml"), 2, f"cut_flow.yaml:{text.count(chr(10)) + 1}:", "end of map flow not found")
    c.truncated("cut_alias", "*coba_neuron", 7)  # `neuron: *coba_n`: an anchor that does not exist
    c.expect(run_args("cut_alias.yaml"), 2, "cut_alias.yaml:", "the referenced anchor is not defined")


def test_empty_and_missing_files():
    c = cases()
    open(os.path.join(c.dir, "empty.yaml"), "w").close()
    c.expect(run_args("empty.yaml"), 2, "empty.yaml: empty configuration", "expected a map with keys simulation")
    c.expect(run_args("missing.yaml"), 2, "missing.yaml: cannot open: No such file or directory")


# --- the output file: exit 3, before any simulation time is spent ---

# (-o, message...)
BAD_OUTPUTS = [
    ("nowhere/x.h5", "cannot create output file 'nowhere/x.h5': directory 'nowhere' does not exist"),
    # root ignores permission bits; /proc refuses new files even to root
    ("/proc/x.h5", "cannot create output file '/proc/x.h5'", "does not accept new files"),
    ("coba.yaml/x.h5", "cannot create output file 'coba.yaml/x.h5': 'coba.yaml' is not a directory"),
    ("results", "cannot create output file 'results': it is a directory"),
    # each rank's /proc/self is a different directory: this path once hung parallel HDF5
    ("/proc/self/status", "cannot create output file '/proc/self/status'"),
]


def test_unwritable_outputs():
    c = cases()
    os.makedirs(os.path.join(c.dir, "results"), exist_ok=True)
    each(BAD_OUTPUTS, lambda path, *message: c.expect(["run", "coba.yaml", "-o", path, "-q"], 3, *message))


def test_output_is_the_configuration():
    c = cases()
    c.expect(["run", "coba.yaml", "-o", "coba.yaml", "-q"], 3,
             "cannot create output file 'coba.yaml': it is the configuration file")
    with open(os.path.join(c.dir, "coba.yaml")) as f:
        assert f.read() == c.coba, "the configuration was overwritten"


def test_default_output_directory_is_a_file():
    c = cases()
    here = tempfile.mkdtemp(prefix="out-file-", dir=c.dir)
    shutil.copy(os.path.join(c.dir, "coba.yaml"), here)
    open(os.path.join(here, "out"), "w").close()
    c.expect(["run", "coba.yaml", "-q"], 3, "cannot create the default output file out/coba.h5",
             "'out' exists and is not a directory", cwd=here)


def test_default_output_is_created_by_every_layout():
    c = cases()
    for ranks in RANKS:
        here = tempfile.mkdtemp(prefix=f"synorm-default-{ranks}-")  # not in c.dir: this run completes
        try:
            shutil.copy(os.path.join(c.dir, "coba.yaml"), here)
            codes, out, err = c.run(["run", "coba.yaml", "--set", "network.scale=0.05", "--duration", "20 ms"], ranks,
                                    here)
            assert codes == [0] * ranks, f"{codes}\n{err}"
            assert status_of(os.path.join(here, "out", "coba.h5")) == "complete"
            assert out.count("output written to out/coba.h5") == 1, out
        finally:
            shutil.rmtree(here, ignore_errors=True)


def test_full_disk():
    """A file system too small for the output: exit 3, a clear message, and a file that does not say
    complete. Needs a tmpfs mount (root with CAP_SYS_ADMIN); skipped otherwise."""
    c = cases()
    mount = tempfile.mkdtemp(prefix="full-", dir=c.dir)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=100k", "tmpfs", mount], capture_output=True).returncode != 0:
        print("SKIP test_full_disk: cannot mount a tmpfs here")
        return
    try:
        for ranks in RANKS:
            path = os.path.join(mount, "full.h5")
            codes, out, err = c.run(["run", "coba.yaml", "-o", path, "--duration", "200 ms", "-q"], ranks, c.dir)
            assert codes == [3] * ranks, f"{ranks} rank(s): exit codes {codes}\n{err}"
            lines = [line for line in err.splitlines() if line.startswith(f"synorm: {path}")]
            assert lines and "failed" in lines[0], err
            assert len([line for line in err.splitlines() if "is incomplete" in line]) <= 1, err
            assert status_of(path) != "complete", f"{ranks} rank(s): a full disk left a file that says complete"
            os.remove(path)
    finally:
        subprocess.run(["umount", mount])


# --- the command line: exit 2 ---

# (arguments, message...)
BAD_COMMAND_LINES = [
    (["frobnicate", "coba.yaml"], "synorm: unknown command 'frobnicate'", "expected run, resume, validate or info"),
    (run_args("coba.yaml", "--frobnicate"), "synorm run: unrecognised option '--frobnicate'"),
    (["run"], "synorm run: missing CONFIG"),
    (run_args("coba.yaml", "--threads", "0"), "synorm run: --threads must be at least 1"),
    (run_args("coba.yaml", "--threads", "two"), "synorm run:", "'two'", "'--threads' is invalid"),
    (run_args("coba.yaml", "--set", "simulation.seed"),
     "--set simulation.seed: malformed override; expected KEY.PATH=VALUE"),
    (run_args("coba.yaml", "--set", "simulation.sed=3"), "--set simulation.sed",
     "unknown key; accepted: dt, duration, seed"),
    (["run", "coba.yaml", "-o", "x.h5", "--duration", "10"], "synorm: --duration '10': missing unit",
     'expected a time like "20 ms"'),
    (run_args("coba.yaml", "--seed", "-1"), "synorm: --seed '-1': expected an integer"),
    # options of run given to validate or info
    (["validate", "coba.yaml", "-o", "x.h5"],
     "synorm validate: option -o/--output does not apply to 'synorm validate'"),
    (["validate", "coba.yaml", "--threads", "2"], "synorm validate: option --threads does not apply"),
    (["validate", "coba.yaml", "--seed", "3"], "synorm validate: option --seed does not apply"),
    (["validate", "coba.yaml", "--duration", "1 s"], "synorm validate: option --duration does not apply"),
    (["validate", "coba.yaml", "--checkpoint-every", "1 s"],
     "synorm validate: option --checkpoint-every does not apply to 'synorm validate' without --estimate"),
    (["info", "x.h5", "--set", "simulation.seed=3"], "synorm info: option --set does not apply to 'synorm info'"),
    (["info", "x.h5", "--threads", "2"], "synorm info: option --threads does not apply"),
]

# --- bad schedules: coba.yaml (no plasticity, no homeostasis loop: 0.8 ms intervals) plus a schedule ---

SCHEDULE = """
schedule:
  phases:
    - name: sleep
      kind: nrem
      duration: "8 ms"
      neurons: {E: {I_e: "10 pA"}}
"""

# (file name, text of SCHEDULE, replaced by, the part the error points at, message...)
BAD_SCHEDULES = [
    ("phase_kind", "kind: nrem", "kind: dream", "dream", 'schedule.phases[0].kind: unknown value "dream"',
     "expected one of wake, nrem, rem, custom"),
    ("phase_negative", 'duration: "8 ms"', 'duration: "-8 ms"', '"-8 ms"',
     "schedule.phases[0].duration: expected a time > 0"),
    ("phase_multiple", 'duration: "8 ms"', 'duration: "8.5 ms"', '"8.5 ms"',
     "schedule.phases[0].duration: 8.5 ms is not a multiple of the communication interval 0.8 ms"),
    ("phase_parameter", 'I_e: "10 pA"', 'b: "10 pA"', "b", 'schedule.phases[0].neurons.E.b: unknown parameter "b"',
     "parameters: C_m, tau_m"),
    ("phase_renormalization", "  phases:", "  renormalization: {tau: \"1 s\"}\n  phases:", "{tau",
     "schedule.renormalization: renormalization scales excitatory plastic synapses"),
]


def test_bad_schedules():
    c = cases()

    def check(name, old, new, mark, message, *more):
        text = c.coba + SCHEDULE.replace(old, new, 1)
        with open(os.path.join(c.dir, name + ".yaml"), "w") as f:
            f.write(text)
        where = len(c.coba) + SCHEDULE.index(old) + new.index(mark)
        line = text.count("\n", 0, where) + 1
        column = where - (text.rfind("\n", 0, where) + 1) + 1
        c.expect(["run", f"{name}.yaml", "-o", "x.h5", "-q"], 2, f"{name}.yaml:{line}:{column}: {message}", *more)

    each(BAD_SCHEDULES, check)


# Metaplasticity (populations.<name>.metaplasticity): each row replaces several parts of coba.yaml;
# (name, [(old, new), ...], mark in the last new, message...). The I population is the second
# `V_init` line; II is the only projection with `autapses: false}, weight: "67 nS"`.
I_V_INIT = 'neuron: *coba_neuron\n    V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}'
II_STATIC = 'autapses: false}, weight: "67 nS", delay: "0.8 ms"}'
II_VOGELS = ('autapses: false}, weight: "67 nS", delay: "0.8 ms", plasticity: {rule: vogels, eta: 0.01 nS, '
             'target_rate: 3 Hz, w_max: 300 nS}}')
BAD_METAPLASTICITY = [
    ("meta_tau", [(I_V_INIT, I_V_INIT + '\n    metaplasticity: {target_rate: "5 Hz", tau_theta: "0 s"}')], '"0 s"',
     "populations.I.metaplasticity.tau_theta: expected a time > 0"),
    ("meta_negative_tau", [(I_V_INIT, I_V_INIT + '\n    metaplasticity: {target_rate: "5 Hz", tau_theta: "-2 s"}')],
     '"-2 s"',
     "populations.I.metaplasticity.tau_theta: expected a time > 0"),
    ("meta_no_tau", [(I_V_INIT, I_V_INIT + '\n    metaplasticity: {target_rate: "5 Hz"}')], "{target_rate",
     'populations.I.metaplasticity: missing required key "tau_theta"'),
    ("meta_target", [(I_V_INIT, I_V_INIT + '\n    metaplasticity: {target_rate: "0 Hz", tau_theta: "1 s"}')], '"0 Hz"',
     "populations.I.metaplasticity.target_rate: the target rate must be > 0"),
    ("meta_factor", [(I_V_INIT,
                      I_V_INIT + '\n    metaplasticity: {target_rate: "5 Hz", tau_theta: "1 s", factor_min: 2}')], "2}",
     "populations.I.metaplasticity.factor_min: expected a number in (0, 1]", "got 2"),
    ("meta_static", [(I_V_INIT, I_V_INIT + '\n    metaplasticity: {target_rate: "5 Hz", tau_theta: "1 s"}')],
     "{target_rate",
     "populations.I.metaplasticity: metaplasticity scales the potentiation of pair or triplet STDP onto I",
     "no projection with such a rule targets it"),
    ("meta_vogels", [(II_STATIC, II_VOGELS), (I_V_INIT,
                                              I_V_INIT + '\n    metaplasticity: '
                                                         '{target_rate: "5 Hz", tau_theta: "1 s"}')],
     "{target_rate",
     "populations.I.metaplasticity: metaplasticity scales the potentiation of pair or triplet STDP onto I",
     "rule vogels, is not scaled"),
]


def test_bad_metaplasticity():
    c = cases()

    def check(name, replacements, mark, message, *more):
        text = c.coba
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new, 1)
        with open(os.path.join(c.dir, name + ".yaml"), "w") as f:
            f.write(text)
        where = text.index(replacements[-1][1]) + replacements[-1][1].index(mark)
        line = text.count("\n", 0, where) + 1
        column = where - (text.rfind("\n", 0, where) + 1) + 1
        c.expect(run_args(f"{name}.yaml"), 2, f"{name}.yaml:{line}:{column}: {message}", *more)

    each(BAD_METAPLASTICITY, check)


# --- bad stimulus patterns: coba.yaml (1 s) with a pattern input and a schedule that lists it ---

PATTERN = """  - kind: pattern
    name: A
    target: E
    group: {first: 0, count: 100}
    period: "200 ms"
    duration: "50 ms"
    rate: "50 Hz"
    weight: "6 nS"
    probe: {times: ["800 ms"], cue: 0.5, window: "100 ms"}
"""
PATTERN_SCHEDULE = """
schedule:
  phases:
    - {name: wake, kind: wake, duration: "1 s", patterns: [A]}
"""

def pattern_row(name, old, new, message, *more):
    """A BAD_PATTERNS row pattern_<name>: `old` replaced by `new`, refused with `message`, which points
    at the value `new` sets (after its key, without brackets)."""
    mark = new.split(": ", 1)[-1].strip("[]{}")
    return ("pattern_" + name, old, new, mark, message, *more)


# (file name, text of PATTERN + PATTERN_SCHEDULE, replaced by, the part the error points at, message...)
BAD_PATTERNS = [
    pattern_row("population", "target: E", "target: X", 'inputs[1].target: unknown population "X"; populations: E, I'),
    pattern_row("group", "patterns: [A]", "patterns: [B]",
                'schedule.phases[0].patterns[0]: unknown pattern "B"; patterns: A'),
    pattern_row("group_range", "count: 100}", "count: 5000}",
                "inputs[1].group.count: first + count = 0 + 5000 is out of range: E has 3200 neurons"),
    pattern_row("probe_late", '"800 ms"]', '"950 ms"]',
                "inputs[1].probe.times[0]: probe at 950 ms with its window 100 ms ends after the run",
                "(duration 1000 ms)"),
    pattern_row("overlap", 'period: "200 ms"', 'period: "40 ms"',
                "inputs[1].period: period 40 ms is shorter than duration + jitter = 50 ms",
                "presentations would overlap"),
    pattern_row("cue", "cue: 0.5", "cue: 1", "inputs[1].probe.cue: expected a fraction of the group in (0, 1), got 1"),
]


def test_bad_patterns():
    c = cases()
    inputs = c.coba.index("recording:")

    def check(name, old, new, mark, message, *more):
        pattern, schedule = PATTERN.replace(old, new, 1), PATTERN_SCHEDULE.replace(old, new, 1)
        text = c.coba[:inputs - 1] + pattern + "\n" + c.coba[inputs:] + schedule
        with open(os.path.join(c.dir, name + ".yaml"), "w") as f:
            f.write(text)
        where = text.index(new) + new.index(mark)
        line = text.count("\n", 0, where) + 1
        column = where - (text.rfind("\n", 0, where) + 1) + 1
        c.expect(["run", f"{name}.yaml", "-o", "x.h5", "-q"], 2, f"{name}.yaml:{line}:{column}: {message}", *more)

    each(BAD_PATTERNS, check)
# --- bad pruning: config/microglia_depletion.yaml with its pruning line replaced ---

PRUNING_LINE = '    pruning: {threshold: "3 nS", tagging_time: "200 ms", depleted: true}'

# (file name, replacement of the pruning line, the part the error points at, message...)
BAD_PRUNING = [
    ("pruning_negative", '    pruning: {threshold: "-1 nS", tagging_time: "500 ms"}', '"-1 nS"',
     'projections[0].pruning.threshold: expected a conductance ≥ 0 (compared with the magnitude of the effective '
     'weight), got -1 nS'),
    ("pruning_tagging", '    pruning: {threshold: "3 nS", tagging_time: "150 ms"}', '"150 ms"',
     "projections[0].pruning.tagging_time: 150 ms is not a multiple of the homeostasis period 100 ms "
     "(the tagging time is counted in homeostasis checks)"),
    ("pruning_period", '    pruning: {threshold: "3 nS", period: "250 ms"}', '"250 ms"',
     "projections[0].pruning.period: 250 ms is not a multiple of the homeostasis period 100 ms"),
    ("pruning_key", '    pruning: {threshold: "3 nS", tag_time: "500 ms"}', "tag_time",
     'projections[0].pruning.tag_time: unknown key', "threshold, tagging_time, period, depleted"),
]


def test_bad_pruning():
    c = cases()
    with open(h.config("microglia_depletion.yaml")) as f:
        base = f.read()
    assert PRUNING_LINE in base

    def check(name, new, mark, message, *more):
        text = base.replace(PRUNING_LINE, new, 1)
        with open(os.path.join(c.dir, name + ".yaml"), "w") as f:
            f.write(text)
        where = base.index(PRUNING_LINE) + new.index(mark)
        line = text.count("\n", 0, where) + 1
        column = where - (text.rfind("\n", 0, where) + 1) + 1
        c.expect(["validate", f"{name}.yaml"], 2, f"{name}.yaml:{line}:{column}: {message}", *more)

    each(BAD_PRUNING, check)
    # On a static projection (E → I), and without a pruning point (coba_stdp.yaml has no schedule).
    ei = ('  - {name: EI, source: E, target: I, connect: {rule: pairwise_bernoulli, p: 0.02}, weight: "6 nS", '
          'delay: "0.8 ms"')
    static = base.replace(PRUNING_LINE, "", 1).replace(ei + "}", ei + ',\n     pruning: {threshold: "1 nS"}}', 1)
    assert static != base.replace(PRUNING_LINE, "", 1)
    with open(os.path.join(c.dir, "pruning_static.yaml"), "w") as f:
        f.write(static)
    where = static.index("pruning: {threshold: \"1 nS\"}") + len("pruning: ")
    line = static.count("\n", 0, where) + 1
    column = where - (static.rfind("\n", 0, where) + 1) + 1
    c.expect(["validate", "pruning_static.yaml"], 2,
             f"pruning_static.yaml:{line}:{column}: projections[1].pruning: pruning applies to plastic projections; "
             "projection EI has no plasticity")
    c.expect(["validate", h.config("coba_stdp.yaml"), "--set", "projections.0.pruning={threshold: 1 nS}"], 2,
             "projections[0].pruning: the run has no schedule, so there is no pruning point; give pruning.period")


def test_bad_command_lines():
    c = cases()
    each(BAD_COMMAND_LINES, lambda args, *message: c.expect(args, 2, *message))


def test_ranks_other_than_the_job_launched():
    """A job script states its tasks (SYNORM_EXPECTED_RANKS, jobs/lib.sh); another number of MPI ranks is
    refused before anything is read or written."""
    c = cases()
    os.environ["SYNORM_EXPECTED_RANKS"] = "3"
    try:
        c.expect(run_args("coba.yaml"), 2, "but SYNORM_EXPECTED_RANKS is '3'", "synorm: started as", "--mpi=pmix")
    finally:
        del os.environ["SYNORM_EXPECTED_RANKS"]
    assert not os.path.exists(os.path.join(c.dir, "x.h5")), "the refused run created its output file"


# --- validate and info ---

def test_validate():
    c = cases()
    c.expect(["validate", "coba.yaml"], 0, "coba.yaml: valid.", "4000 neurons", stream="stdout")
    where = c.variant("misspelled", 'tau_syn_ex: "5 ms"', 'tua_syn_ex: "5 ms"', "tua_syn_ex")
    c.expect(["validate", "misspelled.yaml"], 2, f"{where}: populations.E.neuron.tua_syn_ex: unknown key")


def test_info_of_unreadable_files():
    c = cases()
    c.expect(["info", "missing.h5"], 3, "synorm info: cannot read output file 'missing.h5': no such file")
    c.expect(["info", "coba.yaml"], 3, "synorm info: cannot read output file 'coba.yaml': not an HDF5 file")


# --- limits (README "Limits"): validate refuses, before any build, what run would refuse ---

# (overrides, message fragments...): each refused with exit 2 by validate and by run, naming the key,
# what was expected and the largest value accepted; run creates no output file.
LIMITS = [
    (["--set", "populations.E.size=18446744073709551615"],
     "--set populations.E.size: populations.E.size: expected a population size of at most 4294967296",
     "got 18446744073709551615"),
    (["--set", "projections.0.delay=200 ms"],
     "--set projections.0.delay: projections[0].delay: expected a delay of at most 103.1 ms",
     "the minimum delay 0.8 ms + 1023 steps", "got 200 ms", "a larger simulation.dt lifts the limit"),
    (["--set", "simulation.duration=0.04 ms"],
     "--set simulation.duration: simulation.duration: 0.04 ms is less than half a time step", "rounds to 0 steps",
     "expected at least 0.05 ms"),
    (["--set", "simulation.duration=1e17 s"],
     "--set simulation.duration: simulation.duration: expected a time of at most 900719925474099.2 ms", "got 1e+20 ms"),
    (["--set", "recording.rate_bin=1e20 ms"],
     "--set recording.rate_bin: recording.rate_bin: expected a time of at most 900719925474099.2 ms", "got 1e+20 ms"),
    (["--set", "simulation.dt=1e-30 ms"],
     "--set simulation.dt: simulation.dt: expected a time step from 0.001 ms (1 µs) to 1 ms", "got 1e-30 ms"),
]


def test_limits_refused_by_validate_and_run():
    c = cases()

    def check(overrides, *message):
        c.expect(["validate", "coba.yaml", "--estimate", *overrides], 2, *message)
        c.expect(["run", "coba.yaml", "-o", "x.h5", "-q", *overrides], 2, *message)
        assert not os.path.exists(os.path.join(c.dir, "x.h5")), f"run {overrides} created its output file"

    each(LIMITS, check)
    # --duration is an override underneath; its message names the option
    c.expect(["run", "coba.yaml", "-o", "x.h5", "-q", "--duration", "0.04 ms"], 2,
             "--duration '0.04 ms': 0.04 ms is less than half a time step (dt = 0.1 ms) and rounds to 0 steps")
    assert not os.path.exists(os.path.join(c.dir, "x.h5")), "run --duration '0.04 ms' created its output file"
    c.expect(["validate", "coba.yaml", "--estimate", "--checkpoint-every", "1e17 s"], 2,
             "--checkpoint-every: expected at most 900719925474099.2 ms")
    c.expect(run_args("coba.yaml", "--checkpoint-every", "1e17 s"), 2,
             "--checkpoint-every: expected at most 900719925474099.2 ms")
    assert not os.path.exists(os.path.join(c.dir, "x.h5")), "run --checkpoint-every '1e17 s' created its output file"
    # a minimum delay of 70000 steps does not fit a checkpoint's 16-bit delays: refused before the run
    # instead of at its first checkpoint
    slow = [arg for j in range(4) for arg in ("--set", f"projections.{j}.delay=7 s")]
    message = "checkpoints store delays as 16-bit step counts: the minimum delay, 7000 ms (70000 steps of dt = 0.1 ms)"
    c.expect(["validate", "coba.yaml", "--estimate", "--checkpoint-every", "1 s", *slow], 2, message,
             "at most 64512 steps")
    c.expect(run_args("coba.yaml", "--checkpoint-every", "1 s", *slow), 2, message)
    assert not os.path.exists(os.path.join(c.dir, "x.h5")), "run with a 7 s minimum delay created its output file"


def test_inputs_that_are_not_regular_files():
    """A FIFO (or a device) is refused at once instead of blocking the read forever."""
    c = cases()
    fifo = os.path.join(c.dir, "fifo")
    os.mkfifo(fifo)
    try:
        c.expect(["validate", "fifo"], 2, "synorm: fifo: cannot open: not a regular file")
        c.expect(run_args("fifo"), 2, "synorm: fifo: cannot open: not a regular file")
        c.expect(["info", "fifo"], 3, "synorm info: cannot read output file 'fifo': not a regular file")
        c.expect(["resume", "fifo", "-o", "x.h5"], 2, "cannot read checkpoint 'fifo': not a regular file")
    finally:
        os.remove(fifo)


def test_one_to_one_without_autapses_warns():
    c = cases()
    c.variant("no_self", "connect: {rule: pairwise_bernoulli, p: 0.02, autapses: false}",
              "connect: {rule: one_to_one, autapses: false}")
    warning = "synorm: warning: projections[0].connect.rule: projection EE connects E one_to_one onto itself"
    c.expect(["validate", "no_self.yaml"], 0, warning, "creates no synapses")
    for ranks in RANKS:
        codes, _, err = c.run(["run", "no_self.yaml", "-o", "w.h5", "-q", "--duration", "1 ms", "--overwrite"], ranks,
                              c.dir)
        assert codes == [0] * ranks, f"run on {ranks} rank(s): exit codes {codes}\n{err}"
        assert len([line for line in err.splitlines() if warning in line]) == 1, f"run on {ranks} rank(s): {err}"
    os.remove(os.path.join(c.dir, "w.h5"))


def test_a_thread_with_more_neurons_than_a_synapse_can_address_is_refused_before_the_build():
    """A synapse names its target by a 22-bit thread-local index (README "Limits"): 4.2 million
    neurons per rank need two threads. validate --estimate says so for its layout, and run for its
    own, before anything is built or created."""
    c = cases()
    message = "more than a synapse's 22-bit target index can address (4194304)"
    for ranks in RANKS:
        big = ["--set", f"populations.E.size={4200000 * ranks}", "--set", "projections=[]", "--set", "inputs=[]"]
        c.expect(["validate", "coba.yaml", "--estimate", "--ranks", str(ranks)] + big, 2, message,
                 "2 threads per rank (or more ranks) would do")
        c.expect(["validate", "coba.yaml", "--estimate", "--ranks", str(ranks), "--threads", "2"] + big, 0, "valid.",
                 stream="stdout")
        codes, _, err = c.run(["run", "coba.yaml", "-o", "big.h5", "--memory-limit", "1 TiB", "--threads", "1"] + big,
                              ranks, c.dir)
        assert codes == [2] * ranks and message in err, f"{ranks} rank(s): exit codes {codes}\n{err}"
        assert not os.path.exists(os.path.join(c.dir, "big.h5"))


def teardown_module():
    if C is not None:
        shutil.rmtree(C.dir, ignore_errors=True)
