// config::load: a full configuration in internal units, the defaults, errors in keys, units and values
// and in the file and its YAML syntax (each message asserted whole: file:line:col, key path and
// expectation), and the resolved YAML loading back to the same model_spec.
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
              "inputs, tables, recording, homeostasis, checks, schedule, comm, dry_run");
    EXPECT_EQ(error_of(with(base, "  duration:", "  durration:")),
              "test.yaml:3:3: simulation.durration: unknown key; accepted: dt, duration, seed");
    EXPECT_EQ(error_of(with(base, "    type: inhibitory", "    kind: inhibitory")),
              "test.yaml:12:5: populations.I.kind: unknown key; accepted: size, type, group, neuron, V_init, calcium, "
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
        "inputs, tables, recording, homeostasis, checks, schedule, comm, dry_run";
    EXPECT_EQ(error_of(""), expected);
    EXPECT_EQ(error_of("# nothing yet\n\n"), expected);
    EXPECT_EQ(error_of("- simulation\n- populations\n"),
              "test.yaml:1:1: expected a map with keys simulation, network, populations, projections, inputs, "
              "tables, recording, homeostasis, checks, schedule, comm, dry_run, got a list");
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
