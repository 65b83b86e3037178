"""The small multi-area sleep/wake networks of the per-group tests (test_group_shy.py,
test_slow_wave_travel.py): areas of config/two_areas.yaml's adapting E/I networks (lif_cond_exp_adapt
E cells, lif_cond_exp I cells), each area a group (population_spec::group)."""
import os

NEURON_E = ('{model: lif_cond_exp_adapt, C_m: "200 pF", g_L: "10 nS", E_L: "-60 mV", V_th: "-50 mV", '
            'V_reset: "-60 mV", t_ref: "5 ms", tau_syn_ex: "5 ms", tau_syn_in: "10 ms", E_ex: "0 mV", '
            'E_in: "-80 mV", a: "1 nS", b: "20 pA", tau_w: "600 ms"}')
NEURON_I = ('{model: lif_cond_exp, C_m: "200 pF", g_L: "10 nS", E_L: "-60 mV", V_th: "-50 mV", V_reset: "-60 mV", '
            't_ref: "5 ms", tau_syn_ex: "5 ms", tau_syn_in: "10 ms", E_ex: "0 mV", E_in: "-80 mV"}')
V_INIT = '{distribution: uniform, low: "-60 mV", high: "-50 mV"}'
STDP = ('{rule: stdp, weight_dependence: multiplicative, pairing: all_to_all, tau_plus: "20 ms", '
        'tau_minus: "20 ms", A_plus: "0.1 nS", A_minus: "-0.05 nS", w_min: "0 nS", w_max: "8 nS"}')


def write(path, areas, links, *, ee_weight="4 nS", ee_p=0.05, plastic=True, schedule="", extra_inputs=(),
          recording='{rate_bin: "1 ms"}', simulation='{dt: "0.1 ms", seed: 3}', sizes=(400, 100)):
    """A YAML file at `path`: per area X of `areas`, populations X_E and X_I in group X with recurrent E→E
    (plastic when `plastic`), E→I and I→E; per (source, target, weight, delay, p) of `links`, a static
    projection source_E → target_E. Returns `path`."""
    ne, ni = sizes
    lines = [f"simulation: {simulation}", "populations:"]
    for a in areas:
        lines.append(f"  {a}_E: {{size: {ne}, type: excitatory, group: {a}, neuron: {NEURON_E}, V_init: {V_INIT}}}")
        lines.append(f"  {a}_I: {{size: {ni}, type: inhibitory, group: {a}, neuron: {NEURON_I}, V_init: {V_INIT}}}")
    lines.append("projections:")
    for a in areas:
        rule = f", plasticity: {STDP}" if plastic else ""
        lines += [
            f'  - {{name: {a}{a}, source: {a}_E, target: {a}_E, connect: {{rule: pairwise_bernoulli, p: {ee_p}, '
            f'autapses: false}}, weight: "{ee_weight}", delay: "0.8 ms"{rule}}}',
            f'  - {{name: {a}{a}I, source: {a}_E, target: {a}_I, connect: {{rule: pairwise_bernoulli, p: 0.05}}, '
            f'weight: "4 nS", delay: "0.8 ms"}}',
            f'  - {{name: {a}I{a}, source: {a}_I, target: {a}_E, connect: {{rule: pairwise_bernoulli, p: 0.05}}, '
            f'weight: "40 nS", delay: "0.8 ms"}}']
    for src, dst, weight, delay, p in links:
        lines.append(f'  - {{name: {src}{dst}, source: {src}_E, target: {dst}_E, connect: {{rule: pairwise_bernoulli, '
                     f'p: {p}}}, weight: "{weight}", delay: "{delay}"}}')
    lines.append("inputs:")
    for a in areas:
        for pop in ("E", "I"):
            lines.append(f'  - {{kind: poisson, target: {a}_{pop}, rate: "1 Hz", sources: 5, weight: "6 nS"}}')
    lines += list(extra_inputs)
    lines.append(schedule)
    lines.append(f"recording: {recording}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


_DIR = []


def path(name):
    """`name` in one temporary folder per test process."""
    import harness as h
    if not _DIR:
        _DIR.append(h.tmpdir())
    return os.path.join(_DIR[0], name)
