// config::load under network.scale, network.indegree_scale and network.compensation: scaled sizes,
// in-degrees and numbers, compensated weights and currents, and the resolved YAML stating them.
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;
using model::distribution;

constexpr double inf = std::numeric_limits<double>::infinity();

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
    const double ee = (1 - root) * 20.0 * 2.0 * 40 * 5.0 * 1e-3;    // tau_syn_ex
    const double ie = (1 - root) * -80.0 * 4.0 * 20 * 10.0 * 1e-3;  // tau_syn_in
    const double ei = (1 - root) * 0.2 * 200.0 * 40 * 5.0 * 1e-3;   // lif_delta: C_m
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

// The full-scale rates are also the populations' expected rates (network.placement's cost); a
// network without compensation knows none.
TEST(loader_compensation, gives_each_population_its_expected_rate) {
    const model::model_spec spec = spec_of(compensated);
    EXPECT_EQ(spec.populations[0].expected_rate, 5.0);
    EXPECT_EQ(spec.populations[1].expected_rate, 10.0);
    EXPECT_LT(spec_of(scalable).populations[0].expected_rate, 0.0);
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
              "test.yaml:4:5: network.compensation.rates: unknown key; accepted: mean_rates, inputs");
    const std::string conductances = with(with(with(compensated, "model: lif_delta, C_m", "model: lif_cond_exp, C_m"),
                                               "weight: \"0.2 mV\"", "weight: \"0.2 nS\""),
                                          "weight: \"-0.1 mV\"", "weight: \"0.1 nS\"");
    EXPECT_EQ(
        error_of(conductances),
        "test.yaml:4:5: network.compensation: projection EI targets I, whose lif_cond_exp synapses have no "
        "fixed mean current to restore; compensation works for lif_delta, lif_curr_exp and lif_curr_alpha targets");
}

TEST(loader_compensation, resolved_yaml_states_what_was_folded) {
    const loaded_config loaded = load_text(compensated, "test.yaml");
    EXPECT_NE(loaded.resolved_yaml.find("# network.compensation is applied"), std::string::npos);
    EXPECT_NE(loaded.resolved_yaml.find("indegree_scale: 1\n"), std::string::npos);
    EXPECT_NE(loaded.resolved_yaml.find("mean_rates: {E: \"5 Hz\", I: \"10 Hz\"}"), std::string::npos);
    expect_round_trip(compensated);
    expect_round_trip(compensated, {"network.scale=0.5", "network.indegree_scale=0.3"});
}

}  // namespace
}  // namespace synorm::config
