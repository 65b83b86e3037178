// config::load: a full configuration in internal units, every class of configuration error (each
// message asserted whole: file:line:col, key path and expectation), overrides, network.scale,
// indegree_scale and compensation, and the resolved YAML loading back to the same model_spec.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;
using model::cell_type;
using model::connection_rule;
using model::distribution;
using model::neuron_kind;

constexpr double inf = std::numeric_limits<double>::infinity();

// A small valid network; error tests change one line of it. Line numbers matter below.
const std::string base = R"(simulation:
  dt: "0.1 ms"
  duration: "100 ms"
populations:
  E:
    size: 80
    neuron:
      model: lif_curr_exp
      tau_m: "20 ms"
  I:
    size: 20
    type: inhibitory
    neuron: {model: lif_delta}
projections:
  - name: EI
    source: E
    target: I
    connect: {rule: fixed_indegree, indegree: 10}
    weight: "0.5 mV"
    delay: "1 ms"
  - name: IE
    source: I
    target: E
    connect: {rule: pairwise_bernoulli, p: 0.2}
    weight: "-30 pA"
    delay: "1.5 ms"
)";

// ---------------------------------------------------------------------------------------------
// A full configuration, read into internal units.

const std::string full = R"(simulation:
  dt: "100 us"
  duration: "2 s"
  seed: 7
network:
  scale: 1.0
populations:
  E:
    size: 3200
    type: excitatory
    neuron:
      model: lif_cond_exp
      C_m: "0.2 nF"
      g_L: "10 nS"
      E_L: "-60 mV"
      V_th: "-50 mV"
      V_reset: "-60 mV"
      t_ref: "5 ms"
      tau_syn_ex: "5 ms"
      tau_syn_in: "10 ms"
      E_ex: "0 mV"
      E_in: "-80 mV"
      I_e: "0.02 nA"
    V_init: {distribution: normal, mean: "-58 mV", sd: "10 mV", max: "-50 mV"}
  I:
    size: 800
    type: inhibitory
    neuron:
      model: lif_cond_exp
      C_m: "200 pF"
      tau_m: "20 ms"
      E_L: "-60 mV"
      V_th: "-50 mV"
      V_reset: "-60 mV"
    V_init: {distribution: uniform, low: "-60 mV", high: "-50 mV"}
  P:
    size: 100
    neuron: {model: lif_curr_exp, tau_syn_ex: "2 ms", tau_syn_in: "4 ms"}
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: pairwise_bernoulli, p: 0.02}
    weight: "6 nS"
    delay: "0.8 ms"
  - source: I
    target: E
    connect: {rule: fixed_indegree, indegree: 100, autapses: false, multapses: false}
    weight: {distribution: normal, mean: "67 nS", sd: "5 nS"}
    delay: {distribution: lognormal, mean: "1.5 ms", sd: "0.5 ms"}
  - name: EP
    source: E
    target: P
    connect: {rule: fixed_total_number, number: 1000}
    weight: {distribution: constant, value: "20 pA"}
    delay: {distribution: uniform, low: "1 ms", high: "2 ms"}
  - name: IP
    source: I
    target: P
    connect: {rule: all_to_all}
    weight: {distribution: normal, mean: "-40 pA", sd: "4 pA"}
    delay: "1 ms"
  - name: PP
    source: P
    target: P
    connect: {rule: one_to_one, autapses: true}
    weight: "0 pA"
    delay: "1 ms"
inputs:
  - kind: poisson
    target: E
    rate: "0.3 kHz"
    sources: 10
    weight: "6 nS"
    first: 100
    count: 50
    start: "1 ms"
    stop: "51 ms"
  - kind: poisson
    target: P
    rate: "5 Hz"
    weight: "-15 pA"
    receptor: inhibitory
  - kind: dc
    target: I
    amplitude: "0.1 nA"
    stop: never
recording:
  spikes: [I, E]
  rate_bin: "2 ms"
  state:
    - name: vm_E
      population: E
      ids: [5, 2, 2, 0]
      variables: [V_m, g_ex]
      interval: "1 ms"
    - population: P
      ids: [1]
  weights:
    - projection: EE
      times: ["1 s", "0 ms", "2 s"]
  final_state: false
)";

TEST(loader_full, simulation_and_populations_in_internal_units) {
    const model::model_spec spec = spec_of(full);
    EXPECT_EQ(spec.simulation.dt, 0.1);
    EXPECT_EQ(spec.simulation.duration, 2000.0);
    EXPECT_EQ(spec.simulation.seed, 7u);

    ASSERT_EQ(spec.populations.size(), 3u);
    const model::population_spec& e = spec.populations[0];
    EXPECT_EQ(e.name, "E");  // map order is gid order
    EXPECT_EQ(e.size, 3200u);
    EXPECT_EQ(e.type, cell_type::excitatory);
    EXPECT_EQ(e.model, neuron_kind::lif_cond_exp);
    EXPECT_EQ(e.params.C_m, 200.0);
    EXPECT_EQ(e.params.tau_m, 20.0);  // C_m / g_L = 200 pF / 10 nS
    EXPECT_EQ(e.params.E_L, -60.0);
    EXPECT_EQ(e.params.V_th, -50.0);
    EXPECT_EQ(e.params.V_reset, -60.0);
    EXPECT_EQ(e.params.t_ref, 5.0);
    EXPECT_EQ(e.params.tau_syn_ex, 5.0);
    EXPECT_EQ(e.params.tau_syn_in, 10.0);
    EXPECT_EQ(e.params.E_ex, 0.0);
    EXPECT_EQ(e.params.E_in, -80.0);
    EXPECT_EQ(e.params.I_e, 20.0);
    EXPECT_EQ(e.V_init.shape, distribution::kind::normal);
    EXPECT_EQ(e.V_init.mean, -58.0);
    EXPECT_EQ(e.V_init.sd, 10.0);
    EXPECT_EQ(e.V_init.min, -inf);
    EXPECT_EQ(e.V_init.max, -50.0);

    const model::population_spec& i = spec.populations[1];
    EXPECT_EQ(i.name, "I");
    EXPECT_EQ(i.type, cell_type::inhibitory);
    EXPECT_EQ(i.V_init.shape, distribution::kind::uniform);
    EXPECT_EQ(i.V_init.low, -60.0);
    EXPECT_EQ(i.V_init.high, -50.0);

    const model::population_spec& p = spec.populations[2];
    EXPECT_EQ(p.name, "P");
    EXPECT_EQ(p.model, neuron_kind::lif_curr_exp);
    EXPECT_EQ(p.params.tau_syn_ex, 2.0);
    EXPECT_EQ(p.params.tau_syn_in, 4.0);
    EXPECT_EQ(p.V_init.shape, distribution::kind::constant);
    EXPECT_EQ(p.V_init.value, p.params.E_L);  // V_init defaults to E_L
}

TEST(loader_full, projections) {
    const model::model_spec spec = spec_of(full);
    ASSERT_EQ(spec.projections.size(), 5u);

    const model::projection_spec& ee = spec.projections[0];
    EXPECT_EQ(ee.name, "EE");
    EXPECT_EQ(ee.source, 0u);
    EXPECT_EQ(ee.target, 0u);
    EXPECT_EQ(ee.rule, connection_rule::pairwise_bernoulli);
    EXPECT_EQ(ee.probability, 0.02);
    EXPECT_TRUE(ee.allow_autapses);  // NEST's default
    EXPECT_TRUE(ee.allow_multapses);
    EXPECT_EQ(ee.weight.shape, distribution::kind::constant);
    EXPECT_EQ(ee.weight.value, 6.0);
    EXPECT_EQ(ee.delay.value, 0.8);

    const model::projection_spec& ie = spec.projections[1];
    EXPECT_EQ(ie.name, "I_to_E");  // the default name
    EXPECT_EQ(ie.rule, connection_rule::fixed_indegree);
    EXPECT_EQ(ie.indegree, 100u);
    EXPECT_FALSE(ie.allow_autapses);
    EXPECT_FALSE(ie.allow_multapses);
    // Inhibitory conductances are positive: clipped at 0 nS from below.
    EXPECT_EQ(ie.weight.shape, distribution::kind::normal);
    EXPECT_EQ(ie.weight.mean, 67.0);
    EXPECT_EQ(ie.weight.sd, 5.0);
    EXPECT_EQ(ie.weight.min, 0.0);
    EXPECT_EQ(ie.weight.max, inf);
    // Delays are clipped at dt from below.
    EXPECT_EQ(ie.delay.shape, distribution::kind::lognormal);
    EXPECT_EQ(ie.delay.mean, 1.5);
    EXPECT_EQ(ie.delay.sd, 0.5);
    EXPECT_EQ(ie.delay.min, 0.1);

    const model::projection_spec& ep = spec.projections[2];
    EXPECT_EQ(ep.rule, connection_rule::fixed_total_number);
    EXPECT_EQ(ep.total_number, 1000u);
    EXPECT_EQ(ep.weight.shape, distribution::kind::constant);
    EXPECT_EQ(ep.weight.value, 20.0);  // pA: P is lif_curr_exp
    EXPECT_EQ(ep.delay.shape, distribution::kind::uniform);
    EXPECT_EQ(ep.delay.low, 1.0);
    EXPECT_EQ(ep.delay.high, 2.0);

    const model::projection_spec& ip = spec.projections[3];
    EXPECT_EQ(ip.rule, connection_rule::all_to_all);
    // An inhibitory current weight keeps its sign: clipped at 0 pA from above.
    EXPECT_EQ(ip.weight.mean, -40.0);
    EXPECT_EQ(ip.weight.min, -inf);
    EXPECT_EQ(ip.weight.max, 0.0);

    EXPECT_EQ(spec.projections[4].rule, connection_rule::one_to_one);
}

TEST(loader_full, inputs) {
    const model::model_spec spec = spec_of(full);
    ASSERT_EQ(spec.poisson_inputs.size(), 2u);
    const model::poisson_input_spec& a = spec.poisson_inputs[0];
    EXPECT_EQ(a.population, 0u);
    EXPECT_EQ(a.rate, 300.0);
    EXPECT_EQ(a.sources, 10u);
    EXPECT_EQ(a.weight, 6.0);
    EXPECT_EQ(a.type, cell_type::excitatory);
    EXPECT_EQ(a.first, 100u);
    EXPECT_EQ(a.count, 50u);
    EXPECT_EQ(a.start, 1.0);
    EXPECT_EQ(a.stop, 51.0);

    const model::poisson_input_spec& b = spec.poisson_inputs[1];
    EXPECT_EQ(b.population, 2u);
    EXPECT_EQ(b.sources, 1u);
    EXPECT_EQ(b.weight, -15.0);
    EXPECT_EQ(b.type, cell_type::inhibitory);
    EXPECT_EQ(b.first, 0u);
    EXPECT_EQ(b.count, 100u);  // size - first
    EXPECT_EQ(b.start, 0.0);
    EXPECT_EQ(b.stop, inf);

    ASSERT_EQ(spec.dc_inputs.size(), 1u);
    EXPECT_EQ(spec.dc_inputs[0].population, 1u);
    EXPECT_EQ(spec.dc_inputs[0].amplitude, 100.0);
    EXPECT_EQ(spec.dc_inputs[0].count, 800u);
    EXPECT_EQ(spec.dc_inputs[0].stop, inf);
}

TEST(loader_full, recording) {
    const model::recording_spec rec = spec_of(full).recording;
    EXPECT_EQ(rec.spike_populations, (std::vector<std::uint32_t>{0, 1}));  // sorted by gid order
    EXPECT_EQ(rec.rate_bin, 2.0);
    EXPECT_FALSE(rec.final_state);
    ASSERT_EQ(rec.state.size(), 2u);
    EXPECT_EQ(rec.state[0].name, "vm_E");
    EXPECT_EQ(rec.state[0].population, 0u);
    EXPECT_EQ(rec.state[0].ids, (std::vector<std::uint64_t>{0, 2, 5}));  // sorted, unique
    EXPECT_EQ(rec.state[0].variables, (std::vector<std::string>{"V_m", "g_ex"}));
    EXPECT_EQ(rec.state[0].interval, 1.0);
    EXPECT_EQ(rec.state[1].name, "P_state1");
    EXPECT_EQ(rec.state[1].variables, (std::vector<std::string>{"V_m"}));
    EXPECT_EQ(rec.state[1].interval, 0.1);  // dt
    ASSERT_EQ(rec.weights.size(), 1u);
    EXPECT_EQ(rec.weights[0].projection, 0u);
    EXPECT_EQ(rec.weights[0].times, (std::vector<double>{0.0, 1000.0, 2000.0}));
}

TEST(loader_defaults, minimal_configuration) {
    const model::model_spec spec = spec_of("populations:\n  N: {size: 10, neuron: {model: lif_delta}}\n");
    EXPECT_EQ(spec.simulation.dt, 0.1);
    EXPECT_EQ(spec.simulation.duration, 1000.0);
    EXPECT_EQ(spec.simulation.seed, 1u);
    ASSERT_EQ(spec.populations.size(), 1u);
    const model::population_spec& n = spec.populations[0];
    EXPECT_EQ(n.type, cell_type::excitatory);
    const model::neuron_params defaults;
    EXPECT_EQ(n.params.C_m, defaults.C_m);
    EXPECT_EQ(n.params.tau_m, defaults.tau_m);
    EXPECT_EQ(n.params.V_th, defaults.V_th);
    EXPECT_EQ(n.V_init.value, defaults.E_L);
    EXPECT_TRUE(spec.projections.empty());
    EXPECT_TRUE(spec.poisson_inputs.empty());
    EXPECT_TRUE(spec.dc_inputs.empty());
    EXPECT_EQ(spec.recording.spike_populations, (std::vector<std::uint32_t>{0}));
    EXPECT_EQ(spec.recording.rate_bin, 1.0);
    EXPECT_TRUE(spec.recording.state.empty());
    EXPECT_TRUE(spec.recording.weights.empty());
    EXPECT_TRUE(spec.recording.final_state);
}

TEST(loader_defaults, empty_sections_take_defaults) {
    const model::model_spec spec = spec_of(
        "simulation:\nnetwork:\npopulations:\n  N: {size: 1, neuron: {model: lif_delta}}\n"
        "projections:\ninputs: []\nrecording:\n");
    EXPECT_EQ(spec.simulation.dt, 0.1);
    EXPECT_TRUE(spec.projections.empty());
    EXPECT_EQ(spec.recording.rate_bin, 1.0);
}

TEST(loader_defaults, recording_spikes_none_and_all) {
    EXPECT_TRUE(spec_of(base + "recording: {spikes: none}\n").recording.spike_populations.empty());
    EXPECT_EQ(spec_of(base + "recording: {spikes: all}\n").recording.spike_populations,
              (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(spec_of(base + "recording: {rate_bin: 0 ms}\n").recording.rate_bin, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Keys: misspelled, unknown, missing, duplicated.

TEST(loader_errors, misspelled_key) {
    EXPECT_EQ(error_of(with(base, "      tau_m: \"20 ms\"", "      tua_m: \"20 ms\"")),
              "test.yaml:9:7: populations.E.neuron.tua_m: unknown key for a lif_curr_exp neuron; accepted: model, "
              "C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e");
}

TEST(loader_errors, unknown_key_at_top_level_and_in_sections) {
    EXPECT_EQ(error_of(base + "recordings: {}\n"),
              "test.yaml:27:1: recordings: unknown key; accepted: simulation, network, populations, projections, "
              "inputs, recording, homeostasis, checks, schedule");
    EXPECT_EQ(error_of(with(base, "  duration:", "  durration:")),
              "test.yaml:3:3: simulation.durration: unknown key; accepted: dt, duration, seed");
    EXPECT_EQ(error_of(with(base, "    type: inhibitory", "    kind: inhibitory")),
              "test.yaml:12:5: populations.I.kind: unknown key; accepted: size, type, neuron, V_init, calcium, "
              "scaling, branches, e_gaba, normalization, metaplasticity");
    EXPECT_EQ(error_of(with(base, "indegree: 10}", "indegree: 10, p: 0.1}")),
              "test.yaml:18:51: projections[0].connect.p: unknown key for rule fixed_indegree; accepted: rule, "
              "indegree, autapses, multapses");
}

TEST(loader_errors, missing_required_key_points_at_the_parent_map) {
    EXPECT_EQ(error_of(with(base, "    size: 20\n", "")),
              "test.yaml:11:5: populations.I: missing required key \"size\"");
    EXPECT_EQ(error_of(with(base, "    delay: \"1 ms\"\n", "")),
              "test.yaml:15:5: projections[0]: missing required key \"delay\"");
    EXPECT_EQ(error_of("simulation: {dt: 1 ms}\n"), "test.yaml:1:1: missing required key \"populations\"");
}

TEST(loader_errors, duplicate_key) {
    EXPECT_EQ(error_of(with(base, "    size: 80\n", "    size: 80\n    size: 90\n")),
              "test.yaml:7:5: populations.E.size: duplicate key (first given at line 6)");
}

// ---------------------------------------------------------------------------------------------
// Units and values.

TEST(loader_errors, missing_unit) {
    EXPECT_EQ(error_of(with(base, "dt: \"0.1 ms\"", "dt: 0.1")),
              "test.yaml:2:7: simulation.dt: missing unit: expected a time like \"20 ms\"");
    EXPECT_EQ(error_of(with(base, "weight: \"0.5 mV\"", "weight: 0.5")),
              "test.yaml:19:13: projections[0].weight: missing unit: expected a voltage like \"-65 mV\"");
}

TEST(loader_errors, wrong_dimension) {
    EXPECT_EQ(error_of(with(base, "tau_m: \"20 ms\"", "tau_m: \"-65 mV\"")),
              "test.yaml:9:14: populations.E.neuron.tau_m: expected a time like \"20 ms\", got a voltage "
              "(\"-65 mV\")");
    // The weight's dimension follows the target's model: lif_curr_exp takes currents.
    EXPECT_EQ(error_of(with(base, "weight: \"-30 pA\"", "weight: \"-3 nS\"")),
              "test.yaml:25:13: projections[1].weight: expected a current like \"100 pA\", got a conductance "
              "(\"-3 nS\")");
}

TEST(loader_errors, unknown_unit_and_non_numbers) {
    EXPECT_EQ(error_of(with(base, "dt: \"0.1 ms\"", "dt: \"0.1 mS\"")),
              "test.yaml:2:7: simulation.dt: expected a time like \"20 ms\", got a conductance (\"0.1 mS\")");
    EXPECT_EQ(error_of(with(base, "dt: \"0.1 ms\"", "dt: \"0.1 MS\"")),
              "test.yaml:2:7: simulation.dt: expected a time like \"20 ms\", got \"0.1 MS\" (unknown unit \"MS\"; "
              "did you mean \"ms\"?)");
    EXPECT_EQ(error_of(with(base, "dt: \"0.1 ms\"", "dt: [1, 2]")),
              "test.yaml:2:7: simulation.dt: expected a time like \"20 ms\", got a list");
    EXPECT_EQ(error_of(with(base, "p: 0.2", "p: 20 %")),
              "test.yaml:24:44: projections[1].connect.p: expected a number, got \"20 %\"");
    EXPECT_EQ(error_of(with(base, "p: 0.2", "p: 20 Hz")),
              "test.yaml:24:44: projections[1].connect.p: expected a plain number, got a rate (\"20 Hz\")");
}

TEST(loader_errors, integers) {
    EXPECT_EQ(error_of(with(base, "size: 80", "size: 0")),
              "test.yaml:6:11: populations.E.size: expected an integer ≥ 1, got \"0\"");
    EXPECT_EQ(error_of(with(base, "size: 80", "size: -5")),
              "test.yaml:6:11: populations.E.size: expected an integer ≥ 1, got \"-5\"");
    EXPECT_EQ(error_of(with(base, "size: 80", "size: 2.5")),
              "test.yaml:6:11: populations.E.size: expected an integer ≥ 1, got \"2.5\"");
    EXPECT_EQ(spec_of(with(base, "size: 80", "size: 8e1")).populations[0].size, 80u);
    EXPECT_EQ(error_of(base + "simulation: {seed: x}\n"),
              "test.yaml:27:1: simulation: duplicate key (first given at line 1)");
}

TEST(loader_errors, booleans_and_choices) {
    EXPECT_EQ(error_of(with(base, "indegree: 10}", "indegree: 10, autapses: maybe}")),
              "test.yaml:18:61: projections[0].connect.autapses: expected true or false, got \"maybe\"");
    EXPECT_EQ(error_of(with(base, "type: inhibitory", "type: inhibitroy")),
              "test.yaml:12:11: populations.I.type: unknown value \"inhibitroy\"; expected one of excitatory, "
              "inhibitory");
}

// ---------------------------------------------------------------------------------------------
// Neuron models and their parameters.

TEST(loader_errors, unknown_model) {
    EXPECT_EQ(error_of(with(base, "model: lif_curr_exp", "model: adex")),
              "test.yaml:8:14: populations.E.neuron.model: unknown value \"adex\"; expected one of lif_delta, "
              "lif_curr_exp, lif_cond_exp, lif_cond_exp_adapt, poisson_source");
    EXPECT_EQ(error_of(with(base, "neuron: {model: lif_delta}", "neuron: {C_m: 250 pF}")),
              "test.yaml:13:13: populations.I.neuron: missing required key \"model\" (lif_delta, lif_curr_exp, "
              "lif_cond_exp, lif_cond_exp_adapt or poisson_source)");
}

TEST(loader_errors, parameter_the_model_does_not_have) {
    EXPECT_EQ(error_of(with(base, "neuron: {model: lif_delta}", "neuron: {model: lif_delta, E_ex: 0 mV}")),
              "test.yaml:13:32: populations.I.neuron.E_ex: unknown key for a lif_delta neuron; accepted: model, C_m, "
              "tau_m, E_L, V_th, V_reset, t_ref, I_e");
    // g_L is the conductance model's alternative to tau_m only.
    EXPECT_EQ(error_of(with(base, "neuron: {model: lif_delta}", "neuron: {model: lif_delta, g_L: 10 nS}")),
              "test.yaml:13:32: populations.I.neuron.g_L: unknown key for a lif_delta neuron; accepted: model, C_m, "
              "tau_m, E_L, V_th, V_reset, t_ref, I_e");
}

TEST(loader, adaptive_neuron_reads_its_adaptation_parameters) {
    const std::string one = "populations:\n  A:\n    size: 10\n    neuron: {model: lif_cond_exp_adapt, a: 2 nS, b: 0.05 nA, tau_w: 0.2 s}\n";
    const auto spec = spec_of(one);
    const auto& A = spec.populations[0];
    EXPECT_EQ(A.model, neuron_kind::lif_cond_exp_adapt);
    EXPECT_DOUBLE_EQ(A.params.a, 2.0);
    EXPECT_DOUBLE_EQ(A.params.b, 50.0);
    EXPECT_DOUBLE_EQ(A.params.tau_w, 200.0);
    EXPECT_EQ(error_of(with(one, "tau_w: 0.2 s", "tau_w: 0 ms")),
              "test.yaml:4:69: populations.A.neuron.tau_w: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(with(one, "lif_cond_exp_adapt, a: 2 nS", "lif_cond_exp, a: 2 nS")),
              "test.yaml:4:35: populations.A.neuron.a: unknown key for a lif_cond_exp neuron; accepted: model, C_m, "
              "tau_m, g_L, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, E_ex, E_in, I_e");
}

TEST(loader_errors, negative_time_constant) {
    EXPECT_EQ(error_of(with(base, "tau_m: \"20 ms\"", "tau_m: \"-20 ms\"")),
              "test.yaml:9:14: populations.E.neuron.tau_m: expected a time > 0, got -20 ms");
    EXPECT_EQ(error_of(with(base, "neuron: {model: lif_delta}", "neuron: {model: lif_delta, t_ref: -1 ms}")),
              "test.yaml:13:39: populations.I.neuron.t_ref: expected a time ≥ 0, got -1 ms");
    EXPECT_EQ(error_of(with(base, "tau_m: \"20 ms\"", "tau_syn_in: \"0 ms\"")),
              "test.yaml:9:19: populations.E.neuron.tau_syn_in: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(with(base, "neuron: {model: lif_delta}", "neuron: {model: lif_delta, C_m: 0 pF}")),
              "test.yaml:13:37: populations.I.neuron.C_m: expected a capacitance > 0, got 0 pF");
}

TEST(loader_errors, threshold_below_reset) {
    EXPECT_EQ(error_of(with(base, "tau_m: \"20 ms\"", "V_th: \"-70 mV\"")),
              "test.yaml:9:13: populations.E.neuron.V_th: V_th -70 mV must be above V_reset -65 mV");
    // Only V_reset given: the error points at it.
    EXPECT_EQ(error_of(with(base, "tau_m: \"20 ms\"", "V_reset: \"-50 mV\"")),
              "test.yaml:9:16: populations.E.neuron.V_reset: V_th -50 mV must be above V_reset -50 mV");
}

TEST(loader_g_L, gives_tau_m_and_excludes_it) {
    const std::string cond =
        "populations:\n  N:\n    size: 1\n    neuron: {model: lif_cond_exp, C_m: 250 pF, g_L: 25 nS}\n";
    EXPECT_EQ(spec_of(cond).populations[0].params.tau_m, 10.0);
    EXPECT_EQ(error_of(with(cond, "g_L: 25 nS", "tau_m: 10 ms, g_L: 25 nS")),
              "test.yaml:4:67: populations.N.neuron.g_L: give either tau_m or g_L (tau_m = C_m / g_L), not both");
    EXPECT_EQ(error_of(with(cond, "g_L: 25 nS", "g_L: -2 nS")),
              "test.yaml:4:53: populations.N.neuron.g_L: expected a conductance > 0, got -2 nS");
}

// ---------------------------------------------------------------------------------------------
// Projections: populations, rules, delays, weight signs.

TEST(loader_errors, unknown_population_in_projection) {
    EXPECT_EQ(error_of(with(base, "    source: E\n", "    source: Ex\n")),
              "test.yaml:16:13: projections[0].source: unknown population \"Ex\"; populations: E, I");
}

TEST(loader_errors, probability_above_one) {
    EXPECT_EQ(error_of(with(base, "p: 0.2", "p: 1.2")),
              "test.yaml:24:44: projections[1].connect.p: expected a probability in [0, 1], got 1.2");
    EXPECT_EQ(error_of(with(base, "p: 0.2", "p: -0.1")),
              "test.yaml:24:44: projections[1].connect.p: expected a probability in [0, 1], got -0.1");
}

TEST(loader_errors, connection_rules) {
    EXPECT_EQ(error_of(with(base, "rule: fixed_indegree, indegree: 10", "rule: one_to_one")),
              "test.yaml:18:21: projections[0].connect.rule: one_to_one needs populations of equal size; E has 80 "
              "neurons, I has 20 neurons");
    EXPECT_EQ(error_of(with(base, "indegree: 10}", "indegree: 81, multapses: false}")),
              "test.yaml:18:47: projections[0].connect.indegree: indegree 81 exceeds the 80 distinct sources "
              "available without multapses (E has 80 neurons)");
    EXPECT_EQ(spec_of(with(base, "indegree: 10}", "indegree: 81}")).projections[0].indegree, 81u);
    EXPECT_EQ(error_of(with(base, "rule: fixed_indegree, indegree: 10", "rule: fixed_total_number")),
              "test.yaml:18:14: projections[0].connect: missing required key \"number\"");
    EXPECT_EQ(error_of(with(base, "rule: fixed_indegree, indegree: 10", "rule: all_to_one")),
              "test.yaml:18:21: projections[0].connect.rule: unknown value \"all_to_one\"; expected one of "
              "fixed_indegree, pairwise_bernoulli, fixed_total_number, one_to_one, all_to_all");
}

TEST(loader_errors, indegree_without_autapses_and_multapses_onto_itself) {
    // EI turned into I → I.
    const std::string self = with(with(base, "    source: E\n", "    source: I\n"), "\"0.5 mV\"", "\"-0.5 mV\"");
    EXPECT_EQ(error_of(with(self, "indegree: 10}", "indegree: 20, autapses: false, multapses: false}")),
              "test.yaml:18:47: projections[0].connect.indegree: indegree 20 exceeds the 19 distinct sources "
              "available without multapses (I has 20 neurons, less the neuron itself as autapses are off)");
    EXPECT_EQ(spec_of(with(self, "indegree: 10}", "indegree: 19, autapses: false, multapses: false}"))
                  .projections[0]
                  .indegree,
              19u);
}

TEST(loader_errors, duplicate_projection_names) {
    EXPECT_EQ(error_of(with(base, "  - name: IE", "  - name: EI")),
              "test.yaml:21:11: projections[1].name: projection name \"EI\" is already used by projections[0]");
    const std::string unnamed = with(with(base, "  - name: EI\n    source: E", "  - source: E"),
                                     "  - name: IE\n    source: I\n    target: E", "  - source: E\n    target: I");
    EXPECT_EQ(error_of(unnamed),
              "test.yaml:20:5: projections[1]: projection name \"E_to_I\" is already used by "
              "projections[0]; give one of them a name");
}

TEST(loader_errors, delay_below_dt) {
    EXPECT_EQ(error_of(with(base, "delay: \"1 ms\"", "delay: \"0.05 ms\"")),
              "test.yaml:20:12: projections[0].delay: delay 0.05 ms is below the time step dt = 0.1 ms");
    EXPECT_EQ(error_of(with(base, "delay: \"1 ms\"", "delay: {distribution: normal, mean: 1 ms, sd: 1 ms, min: 0 ms}")),
              "test.yaml:20:62: projections[0].delay.min: min 0 ms is below the time step dt = 0.1 ms");
    EXPECT_EQ(error_of(with(base, "delay: \"1 ms\"", "delay: {distribution: uniform, low: 0.01 ms, high: 1 ms}")),
              "test.yaml:20:41: projections[0].delay.low: low 0.01 ms is below the time step dt = 0.1 ms");
    // Without an explicit min, draws are clipped at dt.
    const distribution d = spec_of(with(base, "delay: \"1 ms\"", "delay: {distribution: normal, mean: 1 ms, sd: 1 ms}"))
                               .projections[0]
                               .delay;
    EXPECT_EQ(d.min, 0.1);
    EXPECT_EQ(d.max, inf);
    // A delay of exactly dt is allowed.
    EXPECT_EQ(spec_of(with(base, "delay: \"1 ms\"", "delay: \"0.1 ms\"")).projections[0].delay.value, 0.1);
}

TEST(loader_errors, excitatory_weight_must_not_be_negative) {
    EXPECT_EQ(error_of(with(base, "weight: \"0.5 mV\"", "weight: \"-0.5 mV\"")),
              "test.yaml:19:13: projections[0].weight: weight -0.5 mV is below 0 mV: the source population E is "
              "excitatory, so its weights onto lif_delta neurons must be ≥ 0");
    EXPECT_EQ(
        error_of(with(base, "weight: \"0.5 mV\"", "weight: {distribution: normal, mean: 1 mV, sd: 1 mV, min: -1 mV}")),
        "test.yaml:19:63: projections[0].weight.min: min -1 mV is below 0 mV: the source population E is "
        "excitatory, so its weights onto lif_delta neurons must be ≥ 0");
    EXPECT_EQ(error_of(with(base, "weight: \"0.5 mV\"", "weight: {distribution: uniform, low: -1 mV, high: 1 mV}")),
              "test.yaml:19:42: projections[0].weight.low: low -1 mV is below 0 mV: the source population E is "
              "excitatory, so its weights onto lif_delta neurons must be ≥ 0");
    const distribution w =
        spec_of(with(base, "weight: \"0.5 mV\"", "weight: {distribution: normal, mean: 1 mV, sd: 1 mV}"))
            .projections[0]
            .weight;
    EXPECT_EQ(w.min, 0.0);
    EXPECT_EQ(w.max, inf);
}

TEST(loader_errors, inhibitory_weight_must_not_be_positive) {
    EXPECT_EQ(error_of(with(base, "weight: \"-30 pA\"", "weight: \"30 pA\"")),
              "test.yaml:25:13: projections[1].weight: weight 30 pA is above 0 pA: the source population I is "
              "inhibitory, so its weights onto lif_curr_exp neurons must be ≤ 0");
    EXPECT_EQ(error_of(with(base, "weight: \"-30 pA\"", "weight: {distribution: lognormal, mean: 30 pA, sd: 3 pA}")),
              "test.yaml:25:45: projections[1].weight.mean: mean 30 pA is above 0 pA: the source population I is "
              "inhibitory, so its weights onto lif_curr_exp neurons must be ≤ 0");
    const distribution w =
        spec_of(with(base, "weight: \"-30 pA\"", "weight: {distribution: normal, mean: -30 pA, sd: 3 pA}"))
            .projections[1]
            .weight;
    EXPECT_EQ(w.min, -inf);
    EXPECT_EQ(w.max, 0.0);
}

TEST(loader_errors, conductance_weights_are_never_negative) {
    const std::string cond = with(base, "model: lif_curr_exp", "model: lif_cond_exp");
    EXPECT_EQ(error_of(with(cond, "weight: \"-30 pA\"", "weight: \"-3 nS\"")),
              "test.yaml:25:13: projections[1].weight: weight -3 nS is below 0 nS: weights onto lif_cond_exp neurons "
              "(E) are conductances, ≥ 0 even when inhibitory");
    const distribution w =
        spec_of(with(cond, "weight: \"-30 pA\"", "weight: {distribution: normal, mean: 3 nS, sd: 1 nS}"))
            .projections[1]
            .weight;
    EXPECT_EQ(w.min, 0.0);
    EXPECT_EQ(w.max, inf);
}

TEST(loader_errors, distributions) {
    const auto weight = [](const std::string& d) { return error_of(with(base, "weight: \"0.5 mV\"", "weight: " + d)); };
    EXPECT_EQ(weight("{mean: 1 mV, sd: 1 mV}"),
              "test.yaml:19:13: projections[0].weight: missing required key \"distribution\" (constant, normal, "
              "uniform or lognormal)");
    EXPECT_EQ(weight("{distribution: gamma}"),
              "test.yaml:19:28: projections[0].weight.distribution: unknown value \"gamma\"; expected one of constant, "
              "normal, uniform, lognormal");
    EXPECT_EQ(weight("{distribution: normal, mean: 1 mV, sd: -1 mV}"),
              "test.yaml:19:52: projections[0].weight.sd: sd -1 mV is negative; expected sd ≥ 0");
    EXPECT_EQ(weight("{distribution: normal, mean: 1 mV, sd: 1 mV, low: 0 mV}"),
              "test.yaml:19:58: projections[0].weight.low: unknown key for a normal distribution; accepted: "
              "distribution, mean, sd, min, max");
    EXPECT_EQ(weight("{distribution: uniform, low: 2 mV, high: 1 mV}"),
              "test.yaml:19:54: projections[0].weight.high: high 1 mV must be above low 2 mV");
    EXPECT_EQ(weight("{distribution: normal, mean: 1 mV, sd: 1 mV, min: 2 mV, max: 1 mV}"),
              "test.yaml:19:74: projections[0].weight.max: max 1 mV is below min 2 mV");
    EXPECT_EQ(weight("{distribution: lognormal, mean: 0 mV, sd: 1 mV}"),
              "test.yaml:19:45: projections[0].weight.mean: mean 0 mV of a lognormal distribution must be > 0");
    EXPECT_EQ(weight("{distribution: constant}"),
              "test.yaml:19:13: projections[0].weight: missing required key \"value\"");
    EXPECT_EQ(weight("[1 mV]"),
              "test.yaml:19:13: projections[0].weight: expected a voltage like \"-65 mV\" or a distribution map, got "
              "a list");
}

// ---------------------------------------------------------------------------------------------
// Inputs.

TEST(loader_errors, inputs) {
    const std::string input = base + "inputs:\n  - {kind: poisson, target: E, rate: 5 Hz, weight: 10 pA}\n";
    EXPECT_EQ(spec_of(input).poisson_inputs.size(), 1u);
    EXPECT_EQ(error_of(with(input, "kind: poisson", "kind: spikes")),
              "test.yaml:28:12: inputs[0].kind: unknown value \"spikes\"; expected one of poisson, dc, pattern");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, amplitude: 1 pA")),
              "test.yaml:28:59: inputs[0].amplitude: unknown key for a poisson input; accepted: kind, target, rate, "
              "sources, weight, receptor, first, count, start, stop");
    EXPECT_EQ(error_of(with(input, "rate: 5 Hz", "rate: -5 Hz")),
              "test.yaml:28:38: inputs[0].rate: expected a rate ≥ 0, got -5 Hz");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, receptor: inhibitory")),
              "test.yaml:28:52: inputs[0].weight: weight 10 pA is above 0 pA: the receptor is inhibitory, so its "
              "weights onto lif_curr_exp neurons must be ≤ 0");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, first: 80")),
              "test.yaml:28:66: inputs[0].first: first 80 is out of range: E has 80 neurons");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, first: 70, count: 11")),
              "test.yaml:28:77: inputs[0].count: first + count = 70 + 11 is out of range: E has 80 neurons");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, start: 5 ms, stop: 5 ms")),
              "test.yaml:28:78: inputs[0].stop: stop 5 ms must be after start 5 ms");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: {distribution: normal, mean: 1 pA, sd: 1 pA}")),
              "test.yaml:28:52: inputs[0].weight: expected a current like \"100 pA\", got a map");
    EXPECT_EQ(error_of(base + "inputs:\n  - {target: E}\n"),
              "test.yaml:28:5: inputs[0]: missing required key \"kind\" (poisson, dc or pattern)");
}

// ---------------------------------------------------------------------------------------------
// Recording.

TEST(loader_errors, rate_bin_not_a_multiple_of_dt) {
    EXPECT_EQ(error_of(base + "recording:\n  rate_bin: \"0.25 ms\"\n"),
              "test.yaml:28:13: recording.rate_bin: 0.25 ms is not a multiple of the time step dt = 0.1 ms");
    // The default 1 ms bin is checked against the dt the user chose.
    EXPECT_EQ(error_of(with(with(base, "dt: \"0.1 ms\"", "dt: \"0.3 ms\""), "1 ms", "1.2 ms")),
              "test.yaml: recording.rate_bin: the default 1 ms is not a multiple of the time step dt = 0.3 ms; set "
              "recording.rate_bin");
    // Within 1e-9 relative is a multiple: 0.3 / 0.1 is not exactly 3 in binary.
    EXPECT_EQ(spec_of(base + "recording: {rate_bin: 0.3 ms}\n").recording.rate_bin, 0.3);
}

TEST(loader_errors, recording) {
    EXPECT_EQ(error_of(base + "recording:\n  spikes: [E, X]\n"),
              "test.yaml:28:15: recording.spikes[1]: unknown population \"X\"; populations: E, I");
    EXPECT_EQ(error_of(base + "recording:\n  spikes: some\n"),
              "test.yaml:28:11: recording.spikes: expected all, none or a list of population names");
    EXPECT_EQ(error_of(base + "recording:\n  state:\n    - {population: E, ids: [0, 80]}\n"),
              "test.yaml:29:32: recording.state[0].ids[1]: id 80 is out of range: E has 80 neurons");
    EXPECT_EQ(error_of(base + "recording:\n  state:\n    - {population: E, ids: [0], variables: [g_ex]}\n"),
              "test.yaml:29:45: recording.state[0].variables[0]: unknown variable \"g_ex\" for a lif_curr_exp "
              "population; recordable: V_m, I_syn_ex, I_syn_in");
    EXPECT_EQ(error_of(base + "recording:\n  state:\n    - {population: I, ids: [0], interval: 0.15 ms}\n"),
              "test.yaml:29:43: recording.state[0].interval: 0.15 ms is not a multiple of the time step dt = 0.1 ms");
    EXPECT_EQ(
        error_of(
            base +
            "recording:\n  state:\n    - {population: I, ids: [0]}\n    - {population: I, ids: [1], name: I_state0}\n"),
        "test.yaml:30:39: recording.state[1].name: recorder name \"I_state0\" is already used");
    EXPECT_EQ(error_of(base + "recording:\n  weights:\n    - {projection: II, times: [0 ms]}\n"),
              "test.yaml:29:20: recording.weights[0].projection: unknown projection \"II\"; projections: EI, IE");
    EXPECT_EQ(error_of(base + "recording:\n  weights:\n    - {projection: EI, times: [0 ms, 101 ms]}\n"),
              "test.yaml:29:38: recording.weights[0].times[1]: 101 ms is outside the run [0 ms, 100 ms]");
    EXPECT_EQ(error_of(base + "recording:\n  weights:\n    - {projection: EI, times: [0.05 ms]}\n"),
              "test.yaml:29:32: recording.weights[0].times[0]: 0.05 ms is not a multiple of the time step dt = 0.1 ms");
}

// ---------------------------------------------------------------------------------------------
// Files and YAML syntax.

TEST(loader_errors, missing_config_file) {
    try {
        load("/nonexistent/coba.yaml");
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()), "/nonexistent/coba.yaml: cannot open: No such file or directory");
        EXPECT_EQ(e.file(), "/nonexistent/coba.yaml");
        EXPECT_EQ(e.line(), 0);
        EXPECT_EQ(e.column(), 0);
        EXPECT_EQ(e.message(), "cannot open: No such file or directory");
    }
}

TEST(loader_errors, directory_instead_of_file) {
    try {
        load("/tmp");
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()), "/tmp: cannot open: is a directory");
    }
}

TEST(loader_errors, truncated_yaml) {
    const std::string truncated = base.substr(0, base.find("\"-30 pA\"") + 4);
    EXPECT_EQ(error_of(truncated), "test.yaml:25:17: illegal EOF in scalar");
    EXPECT_EQ(error_of(with(base, "p: 0.2}", "p: 0.2")), "test.yaml:25:11: end of map flow not found");
}

TEST(loader_errors, bad_indentation) {
    EXPECT_EQ(error_of(with(base, "  duration:", " duration:")), "test.yaml:3:2: end of map not found");
    EXPECT_EQ(error_of(with(base, "  duration:", "    duration:")), "test.yaml:3:5: end of map not found");
}

TEST(loader_errors, empty_or_not_a_map) {
    const std::string expected =
        "test.yaml: empty configuration; expected a map with keys simulation, network, populations, projections, "
        "inputs, recording, homeostasis, checks, schedule";
    EXPECT_EQ(error_of(""), expected);
    EXPECT_EQ(error_of("# nothing yet\n\n"), expected);
    EXPECT_EQ(error_of("- simulation\n- populations\n"),
              "test.yaml:1:1: expected a map with keys simulation, network, populations, projections, inputs, "
              "recording, homeostasis, checks, schedule, got a list");
    EXPECT_EQ(error_of("populations: {}\n"), "test.yaml:1:14: populations: expected at least one population");
    EXPECT_EQ(error_of("populations:\n  E 1: {size: 1}\n"),
              "test.yaml:2:3: populations.E 1: invalid population name \"E 1\"; names use letters, digits, '_' and '-' "
              "and start with a letter or '_'");
}

TEST(loader_errors, config_error_accessors) {
    try {
        load_text(with(base, "dt: \"0.1 ms\"", "dt: 0.1"), "coba.yaml");
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_EQ(e.file(), "coba.yaml");
        EXPECT_EQ(e.line(), 2);
        EXPECT_EQ(e.column(), 7);
        EXPECT_EQ(e.key_path(), "simulation.dt");
        EXPECT_EQ(e.message(), "missing unit: expected a time like \"20 ms\"");
    }
}

// ---------------------------------------------------------------------------------------------
// Overrides.

TEST(loader_overrides, replace_values_and_lists) {
    const model::model_spec spec =
        spec_of(base, {"simulation.seed=7", "populations.E.size=100", "projections.0.weight=0.7 mV",
                       "recording.spikes=[I]", "projections.1.connect={rule: all_to_all}"});
    EXPECT_EQ(spec.simulation.seed, 7u);
    EXPECT_EQ(spec.populations[0].size, 100u);
    EXPECT_EQ(spec.projections[0].weight.value, 0.7);
    EXPECT_EQ(spec.recording.spike_populations, (std::vector<std::uint32_t>{1}));
    EXPECT_EQ(spec.projections[1].rule, connection_rule::all_to_all);
    EXPECT_TRUE(spec_of(base, {"recording.spikes=none"}).recording.spike_populations.empty());
}

TEST(loader_overrides, later_overrides_win_and_missing_maps_are_created) {
    const model::model_spec spec = spec_of(base, {"network.scale=0.5", "simulation.seed=3", "simulation.seed=4"});
    EXPECT_EQ(spec.populations[0].size, 40u);
    EXPECT_EQ(spec.simulation.seed, 4u);
}

TEST(loader_overrides, errors_in_overridden_values_name_the_override) {
    EXPECT_EQ(error_of(base, {"simulation.dt=0.1"}),
              "--set simulation.dt: simulation.dt: missing unit: expected a time like \"20 ms\"");
    EXPECT_EQ(error_of(base, {"populations.E.neuron.tua_m=5 ms"}),
              "--set populations.E.neuron.tua_m: populations.E.neuron.tua_m: unknown key for a lif_curr_exp neuron; "
              "accepted: model, C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e");
    EXPECT_EQ(error_of(base, {"projections.1.weight={distribution: normal, mean: -1 pA, sd: -1 pA}"}),
              "--set projections.1.weight: projections[1].weight.sd: sd -1 pA is negative; expected sd ≥ 0");
    // Errors elsewhere still point into the file.
    EXPECT_EQ(error_of(with(base, "dt: \"0.1 ms\"", "dt: 0.1"), {"simulation.seed=2"}),
              "test.yaml:2:7: simulation.dt: missing unit: expected a time like \"20 ms\"");
}

TEST(loader_overrides, malformed_override) {
    EXPECT_EQ(error_of(base, {"simulation.seed"}),
              "--set simulation.seed: malformed override; expected KEY.PATH=VALUE, e.g. simulation.seed=7");
    EXPECT_EQ(error_of(base, {"simulation..seed=1"}),
              "--set simulation..seed: malformed override: empty key in \"simulation..seed\"; expected KEY.PATH=VALUE");
    EXPECT_EQ(error_of(base, {"simulation.seed="}), "--set simulation.seed: malformed override: no value after '='");
    EXPECT_EQ(error_of(base, {"recording.spikes=[E, I"}),
              "--set recording.spikes: cannot parse the value \"[E, I\": end of sequence flow not found");
    EXPECT_EQ(error_of(base, {"simulation.dt.value=1 ms"}),
              "--set simulation.dt.value: simulation.dt: cannot set simulation.dt.value: simulation.dt is a value, "
              "not a map or a list");
}

TEST(loader_overrides, list_index_out_of_range) {
    EXPECT_EQ(error_of(base, {"projections.2.weight=1 mV"}),
              "--set projections.2.weight: projections[2]: list index 2 out of range: projections has 2 entries");
    EXPECT_EQ(error_of(base, {"projections.first.weight=1 mV"}),
              "--set projections.first.weight: projections: expected a list index (0, 1, …) after projections, got "
              "\"first\"");
}

// ---------------------------------------------------------------------------------------------
// network.scale.

const std::string scalable = R"(network:
  scale: 0.1
populations:
  E: {size: 3200, neuron: {model: lif_delta}}
  I: {size: 800, type: inhibitory, neuron: {model: lif_delta}}
  one: {size: 1, neuron: {model: lif_delta}}
projections:
  - {source: E, target: I, connect: {rule: fixed_indegree, indegree: 400}, weight: 0.1 mV, delay: 1 ms}
  - {source: E, target: one, connect: {rule: fixed_indegree, indegree: 3}, weight: 0.1 mV, delay: 1 ms}
  - {source: I, target: E, connect: {rule: fixed_total_number, number: 50000}, weight: -0.4 mV, delay: 1 ms}
  - {source: I, target: I, connect: {rule: pairwise_bernoulli, p: 0.1}, weight: -0.4 mV, delay: 1 ms}
)";

TEST(loader_scale, scales_sizes_indegrees_and_numbers) {
    const model::model_spec spec = spec_of(scalable);
    EXPECT_EQ(spec.populations[0].size, 320u);
    EXPECT_EQ(spec.populations[1].size, 80u);
    EXPECT_EQ(spec.populations[2].size, 1u);  // rounds to 0, kept at 1
    EXPECT_EQ(spec.projections[0].indegree, 40u);
    EXPECT_EQ(spec.projections[1].indegree, 1u);        // rounds to 0, kept at 1
    EXPECT_EQ(spec.projections[2].total_number, 500u);  // × scale²
    EXPECT_EQ(spec.projections[3].probability, 0.1);    // probabilities do not scale
}

TEST(loader_scale, checks_use_scaled_sizes) {
    EXPECT_EQ(error_of(with(scalable, "indegree: 400}", "indegree: 3300, multapses: false}")),
              "test.yaml:8:70: projections[0].connect.indegree: indegree 330 exceeds the 320 distinct sources "
              "available without multapses (E has 320 neurons after network.scale = 0.1)");
    EXPECT_EQ(
        error_of(scalable + "inputs: [{kind: dc, target: I, amplitude: 1 pA, first: 100}]\n"),
        "test.yaml:12:56: inputs[0].first: first 100 is out of range: I has 80 neurons after network.scale = 0.1");
    EXPECT_EQ(error_of(scalable, {"network.scale=0"}),
              "--set network.scale: network.scale: expected a number > 0, got 0");
}

TEST(loader_scale, resolved_yaml_states_scaled_values) {
    const loaded_config loaded = load_text(scalable, "test.yaml");
    EXPECT_NE(loaded.resolved_yaml.find("# network.scale = 0.1 is applied"), std::string::npos);
    EXPECT_NE(loaded.resolved_yaml.find("scale: 1\n"), std::string::npos);
    EXPECT_NE(loaded.resolved_yaml.find("size: 320\n"), std::string::npos);
    expect_round_trip(scalable);
}

// ---------------------------------------------------------------------------------------------
// network.indegree_scale and network.compensation.

// Four rules whose in-degrees scale differently. Full-scale in-degrees: EE 16000 / 400 = 40, IE 20,
// EI 0.1 · 400 = 40, II 100 − 1 = 99 (no autapses).
const std::string compensated = R"(network:
  scale: 0.25
  compensation:
    mean_rates: {E: "5 Hz", I: "10 Hz"}
populations:
  E: {size: 400, neuron: {model: lif_curr_exp, tau_syn_ex: "2 ms", tau_syn_in: "4 ms", I_e: "100 pA"}}
  I: {size: 100, type: inhibitory, neuron: {model: lif_delta, C_m: "200 pF"}}
projections:
  - {name: EE, source: E, target: E, connect: {rule: fixed_total_number, number: 16000},
     weight: {distribution: normal, mean: "20 pA", sd: "2 pA"}, delay: 1 ms}
  - {name: IE, source: I, target: E, connect: {rule: fixed_indegree, indegree: 20}, weight: "-80 pA", delay: 1 ms}
  - {name: EI, source: E, target: I, connect: {rule: pairwise_bernoulli, p: 0.1}, weight: "0.2 mV", delay: 1 ms}
  - {name: II, source: I, target: I, connect: {rule: all_to_all, autapses: false}, weight: "-0.1 mV", delay: 1 ms}
)";

TEST(loader_indegree_scale, defaults_to_scale_and_scales_in_degrees_apart_from_sizes) {
    const model::model_spec same = spec_of(compensated);
    EXPECT_EQ(same.populations[0].size, 100u);
    EXPECT_EQ(same.projections[0].total_number, 1000u);  // × scale²
    EXPECT_EQ(same.projections[1].indegree, 5u);
    EXPECT_EQ(same.projections[2].probability, 0.1);

    const model::model_spec apart = spec_of(compensated, {"network.scale=0.5", "network.indegree_scale=0.25"});
    EXPECT_EQ(apart.populations[0].size, 200u);
    EXPECT_EQ(apart.projections[0].total_number, 2000u);  // × scale × indegree_scale
    EXPECT_EQ(apart.projections[1].indegree, 5u);
    EXPECT_EQ(apart.projections[2].probability, 0.05);  // the 200 sources already halve the in-degree

    EXPECT_EQ(error_of(compensated, {"network.scale=0.1", "network.indegree_scale=2"}),
              "test.yaml:12:77: projections[2].connect.p: p 0.1 × network.indegree_scale / network.scale = 2 "
              "exceeds 1");
    EXPECT_EQ(error_of(compensated, {"network.indegree_scale=-1"}),
              "--set network.indegree_scale: network.indegree_scale: expected a number > 0, got -1");
}

TEST(loader_compensation, scales_weights_and_restores_the_mean_input) {
    const model::model_spec spec = spec_of(compensated);
    const double root = 0.5;  // sqrt(k) for k = 0.25, every projection here
    // (1 − √k) · w̄ · charge per unit weight · full in-degree · ν · 1e-3, in pA.
    const double ee = (1 - root) * 20.0 * 2.0 * 40 * 5.0 * 1e-3;      // tau_syn_ex
    const double ie = (1 - root) * -80.0 * 4.0 * 20 * 10.0 * 1e-3;    // tau_syn_in
    const double ei = (1 - root) * 0.2 * 200.0 * 40 * 5.0 * 1e-3;     // lif_delta: C_m
    const double ii = (1 - root) * -0.1 * 200.0 * 99 * 10.0 * 1e-3;
    EXPECT_DOUBLE_EQ(spec.populations[0].params.I_e, 100.0 + ee + ie);
    EXPECT_DOUBLE_EQ(spec.populations[1].params.I_e, ei + ii);
    const distribution& w = spec.projections[0].weight;
    EXPECT_EQ(w.shape, distribution::kind::normal);
    EXPECT_DOUBLE_EQ(w.mean, 40.0);
    EXPECT_DOUBLE_EQ(w.sd, 4.0);
    EXPECT_EQ(w.min, 0.0);  // the sign bound stays at 0
    EXPECT_EQ(w.max, inf);
    EXPECT_DOUBLE_EQ(spec.projections[1].weight.value, -160.0);
    EXPECT_DOUBLE_EQ(spec.projections[2].weight.value, 0.4);
    EXPECT_DOUBLE_EQ(spec.projections[3].weight.value, -0.2);
}

TEST(loader_compensation, each_projection_uses_its_own_in_degree_factor) {
    // indegree_scale 0.25 for EE, IE and EI; II is all_to_all, whose in-degree follows scale = 0.5.
    const model::model_spec spec = spec_of(compensated, {"network.scale=0.5", "network.indegree_scale=0.25"});
    const double ii = (1 - std::sqrt(0.5)) * -0.1 * 200.0 * 99 * 10.0 * 1e-3;
    EXPECT_DOUBLE_EQ(spec.populations[1].params.I_e, 0.5 * 0.2 * 200.0 * 40 * 5.0 * 1e-3 + ii);
    EXPECT_DOUBLE_EQ(spec.projections[3].weight.value, -0.1 / std::sqrt(0.5));
    EXPECT_DOUBLE_EQ(spec.projections[2].weight.value, 0.4);
}

TEST(loader_compensation, changes_nothing_at_full_scale) {
    const model::model_spec spec = spec_of(compensated, {"network.scale=1"});
    EXPECT_EQ(spec.populations[0].params.I_e, 100.0);
    EXPECT_EQ(spec.populations[1].params.I_e, 0.0);
    EXPECT_EQ(spec.projections[0].weight.mean, 20.0);
    EXPECT_EQ(spec.projections[3].weight.value, -0.1);
}

TEST(loader_compensation, errors) {
    EXPECT_EQ(error_of(compensated, {"network.compensation.mean_rates={E: 5 Hz}"}),
              "--set network.compensation.mean_rates: network.compensation.mean_rates: missing the rate of I, the "
              "source of projection IE; every source population needs its full-scale rate");
    EXPECT_EQ(error_of(compensated, {"network.compensation.mean_rates.X=1 Hz"}),
              "--set network.compensation.mean_rates.X: network.compensation.mean_rates.X: unknown key for "
              "mean_rates, whose keys are population names; accepted: E, I");
    EXPECT_EQ(error_of(compensated, {"network.compensation.mean_rates.E=-1 Hz"}),
              "--set network.compensation.mean_rates.E: network.compensation.mean_rates.E: expected a rate ≥ 0, "
              "got -1 Hz");
    EXPECT_EQ(error_of(with(compensated, "{E: \"5 Hz\", I: \"10 Hz\"}", "{E: 5, I: \"10 Hz\"}")),
              "test.yaml:4:21: network.compensation.mean_rates.E: missing unit: expected a rate like \"5 Hz\"");
    EXPECT_EQ(error_of(with(compensated, "    mean_rates: {E: \"5 Hz\", I: \"10 Hz\"}\n", "    rates: {}\n")),
              "test.yaml:4:5: network.compensation.rates: unknown key; accepted: mean_rates");
    const std::string conductances = with(with(with(compensated, "model: lif_delta, C_m", "model: lif_cond_exp, C_m"),
                                               "weight: \"0.2 mV\"", "weight: \"0.2 nS\""),
                                          "weight: \"-0.1 mV\"", "weight: \"0.1 nS\"");
    EXPECT_EQ(error_of(conductances),
              "test.yaml:4:5: network.compensation: projection EI targets I, whose lif_cond_exp synapses have no "
              "fixed mean current to restore; compensation works for lif_delta and lif_curr_exp targets");
}

TEST(loader_compensation, resolved_yaml_states_what_was_folded) {
    const loaded_config loaded = load_text(compensated, "test.yaml");
    EXPECT_NE(loaded.resolved_yaml.find("# network.compensation is applied"), std::string::npos);
    EXPECT_NE(loaded.resolved_yaml.find("indegree_scale: 1\n"), std::string::npos);
    EXPECT_NE(loaded.resolved_yaml.find("mean_rates: {E: \"5 Hz\", I: \"10 Hz\"}"), std::string::npos);
    expect_round_trip(compensated);
    expect_round_trip(compensated, {"network.scale=0.5", "network.indegree_scale=0.3"});
}

// ---------------------------------------------------------------------------------------------
// The resolved YAML.

TEST(loader_resolved, fills_defaults_in_internal_units) {
    const std::string resolved = load_text(base, "test.yaml").resolved_yaml;
    EXPECT_NE(resolved.find("dt: \"0.1 ms\""), std::string::npos);
    EXPECT_NE(resolved.find("seed: 1\n"), std::string::npos);
    EXPECT_NE(resolved.find("V_init: \"-65 mV\""), std::string::npos);
    EXPECT_NE(resolved.find("connect: {rule: fixed_indegree, indegree: 10, autapses: true, multapses: true}"),
              std::string::npos);
    EXPECT_NE(resolved.find("spikes: all"), std::string::npos);
    EXPECT_NE(resolved.find("rate_bin: \"1 ms\""), std::string::npos);
    EXPECT_NE(resolved.find("final_state: true"), std::string::npos);
}

TEST(loader_resolved, round_trip_base) { expect_round_trip(base); }
TEST(loader_resolved, round_trip_full) { expect_round_trip(full); }
TEST(loader_resolved, round_trip_with_overrides) {
    expect_round_trip(base, {"simulation.dt=0.025 ms", "recording.spikes=[I]", "projections.0.delay=0.3 ms"});
}
TEST(loader_resolved, round_trip_awkward_numbers) {
    // Values whose decimal forms are not exact in binary, and submultiple units.
    expect_round_trip(with(with(base, "dt: \"0.1 ms\"", "dt: \"25 us\""), "weight: \"0.5 mV\"",
                           "weight: {distribution: normal, mean: 0.3333 mV, sd: 700 uV}"),
                      {"populations.E.neuron.C_m=0.123456789 nF", "simulation.duration=0.3 s"});
}

}  // namespace
}  // namespace synorm::config
