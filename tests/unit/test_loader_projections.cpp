// config::load of projections: population references, connection rules, names, delays, weight signs
// and distributions, each error asserted whole.
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
    // and without a max at the longest delay a synapse stores, 1023 steps above the minimum (one step)
    EXPECT_DOUBLE_EQ(d.max, 102.4);
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

// Two areas: E and I in area a, F in b; EF crosses, FE crosses, EE stays in a. Line numbers matter.
const std::string grouped = R"(simulation: {dt: "0.1 ms"}
network: {group_delay_min: "1 ms"}
populations:
  E: {size: 40, neuron: {model: lif_delta}, group: a}
  I: {size: 10, neuron: {model: lif_delta}, type: inhibitory, group: a}
  F: {size: 40, neuron: {model: lif_delta}, group: b}
projections:
  - {name: EE, source: E, target: E, connect: {rule: fixed_indegree, indegree: 5}, weight: "1 mV",
     delay: {distribution: normal, mean: "0.5 ms", sd: "0.5 ms"}}
  - {name: EF, source: E, target: F, connect: {rule: fixed_indegree, indegree: 5}, weight: "1 mV",
     delay: {distribution: normal, mean: "2 ms", sd: "1 ms", min: "0.5 ms"}}
  - {name: FE, source: F, target: E, connect: {rule: fixed_indegree, indegree: 5}, weight: "1 mV",
     delay: {distribution: lognormal, mean: "3 ms", sd: "1 ms", min: "1.5 ms"}}
  - {name: IF, source: I, target: F, connect: {rule: fixed_indegree, indegree: 5}, weight: "-1 mV", delay: "1 ms"}
)";

TEST(loader, group_delay_min_raises_the_delays_between_groups) {
    const model::model_spec with_bound = spec_of(grouped);
    const model::model_spec without = spec_of(with(grouped, "network: {group_delay_min: \"1 ms\"}\n", ""));
    // Within a group: untouched (the dt limit as without the bound).
    EXPECT_EQ(with_bound.projections[0].delay.min, 0.1);
    EXPECT_EQ(without.projections[0].delay.min, 0.1);
    // Between groups: the larger of the bound and the own min.
    EXPECT_EQ(with_bound.projections[1].delay.min, 1.0);
    EXPECT_EQ(without.projections[1].delay.min, 0.5);
    EXPECT_EQ(with_bound.projections[2].delay.min, 1.5);
    EXPECT_EQ(with_bound.projections[3].delay.value, 1.0);  // a constant at the bound is allowed
    // The interval D is still the smallest bound: EE's dt.
    EXPECT_EQ(with_bound.min_delay_steps(), 1u);
}

TEST(loader_errors, group_delay_min) {
    EXPECT_EQ(error_of(with(grouped, "delay: \"1 ms\"}", "delay: \"0.8 ms\"}")),
              "test.yaml:14:108: projections[3].delay: delay 0.8 ms is below the bound: projection IF is between "
              "groups a and b, so its delays must be at least network.group_delay_min = 1 ms");
    EXPECT_EQ(error_of(with(grouped, "delay: \"1 ms\"}", "delay: {distribution: uniform, low: 0.5 ms, high: 2 ms}}")),
              "test.yaml:14:137: projections[3].delay.low: delay 0.5 ms is below the bound: projection IF is between "
              "groups a and b, so its delays must be at least network.group_delay_min = 1 ms");
    EXPECT_EQ(error_of(with(grouped, "min: \"0.5 ms\"}", "min: \"0.5 ms\", max: \"0.9 ms\"}")),
              "test.yaml:11:82: projections[1].delay.max: max 0.9 ms is below the bound: projection EF is between "
              "groups a and b, so its delays must be at least network.group_delay_min = 1 ms");
    EXPECT_EQ(error_of(with(grouped, "group_delay_min: \"1 ms\"", "group_delay_min: \"1.05 ms\"")),
              "test.yaml:2:28: network.group_delay_min: 1.05 ms is not a multiple of the time step dt = 0.1 ms");
    EXPECT_EQ(error_of(with(grouped, "group_delay_min: \"1 ms\"", "group_delay_min: \"0 ms\"")),
              "test.yaml:2:28: network.group_delay_min: expected a time > 0, got 0 ms");
    std::string ungrouped = grouped;
    for (const char* g : {", group: a}", ", group: b}"})
        while (ungrouped.find(g) != std::string::npos) ungrouped.replace(ungrouped.find(g), std::string(g).size(), "}");
    EXPECT_EQ(error_of(ungrouped),
              "test.yaml:2:28: network.group_delay_min: no population has a group, so no "
              "projection is between groups");
}

}  // namespace
}  // namespace synorm::config
