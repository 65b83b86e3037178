"""A small network of three groups for the tests of network.group_delay_min, placement: groups and
comm.structure: areas a and b of 240 neurons and c of 60 (so that ranks share out unequally), each a
Brunel-like E/I circuit with delays within an area from 0.1 ms up, and E→E between areas with
normal delays of mean 1.2 ms that reach below 1 ms unless network.group_delay_min bounds them.
Excitatory weights are normal and spread, and the network busy (about 200 Hz), so that ring-buffer
slots take several spikes in mixed order: then a delivery out of canonical order shows in V."""
import os

AREAS = {"a": 240, "b": 240, "c": 60}
# Weights that differ, so that the order of a ring-buffer slot's additions shows in its float sum.
EXCITATORY = '{distribution: normal, mean: "0.2 mV", sd: "0.15 mV", min: "0 mV"}'


def text(duration="100 ms"):
    lines = [f'simulation: {{dt: "0.1 ms", duration: "{duration}", seed: 3}}', "populations:"]
    neuron = '{model: lif_delta, tau_m: "20 ms", E_L: "0 mV", V_th: "20 mV", V_reset: "10 mV", t_ref: "2 ms"}'
    for area, n in AREAS.items():
        for kind, size in (("E", n * 4 // 5), ("I", n // 5)):
            typ = "excitatory" if kind == "E" else "inhibitory"
            lines.append(f"  {kind}_{area}: {{size: {size}, type: {typ}, group: {area}, neuron: {neuron}, "
                         'V_init: {distribution: uniform, low: "0 mV", high: "20 mV"}}')
    lines.append("projections:")
    local = '{distribution: normal, mean: "1.5 ms", sd: "1 ms"}'
    between = '{distribution: normal, mean: "1.2 ms", sd: "0.3 ms"}'
    for area in AREAS:
        for s, t, k, w in (("E", "E", 40, EXCITATORY), ("E", "I", 40, EXCITATORY), ("I", "E", 10, "-1 mV"),
                           ("I", "I", 10, "-1 mV")):
            lines.append(f"  - {{source: {s}_{area}, target: {t}_{area}, "
                         f"connect: {{rule: fixed_indegree, indegree: {k}}}, weight: {w}, delay: {local}}}")
    for a in AREAS:
        for b in AREAS:
            if a != b:
                lines.append(f"  - {{source: E_{a}, target: E_{b}, connect: {{rule: fixed_indegree, indegree: 40}},"
                             f" weight: {EXCITATORY}, delay: {between}}}")
    lines.append("inputs:")
    for area in AREAS:
        for kind in "EI":
            lines.append(f'  - {{kind: poisson, target: {kind}_{area}, rate: "12 Hz", sources: 1000, '
                         'weight: "0.1 mV"}')
    lines.append("recording: {spikes: all, final_state: true}")
    return "\n".join(lines) + "\n"


def projections():
    """(source, target) of every projection, in the configuration's order (a checkpoint's /synapses/j)."""
    within = [(f"{s}_{a}", f"{t}_{a}") for a in AREAS for s, t in (("E", "E"), ("E", "I"), ("I", "E"), ("I", "I"))]
    return within + [(f"E_{a}", f"E_{b}") for a in AREAS for b in AREAS if a != b]


def write(directory, duration="100 ms"):
    path = os.path.join(directory, "grouped.yaml")
    with open(path, "w") as f:
        f.write(text(duration))
    return path
