// config::load of projections[].plasticity (pair, triplet and vogels STDP): their defaults, every
// error (asserted whole), the initial weights kept within the plasticity bounds, network.compensation
// scaling the rule with the weights, and the resolved YAML loading back to the same model_spec.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/plasticity/rules.hpp"

namespace synorm::config {
namespace {

// The registered rules' words, in registration order, joined with `separator` and `last` (before the
// last word): a rule added to plasticity/rules.hpp needs no edit here.
std::string rule_words(const std::string& separator, const std::string& last) {
    using rules = synorm::plasticity::registered_rules;
    std::string words;
    for (std::size_t k = 0; k < rules::size; ++k)
        rules::visit(k, [&]<class R>(std::type_identity<R>) {
            words += (k == 0 ? "" : k + 1 == rules::size ? last : separator) + std::string(R::name);
        });
    return words;
}

using namespace loader_test;
using model::distribution;
using model::spike_pairing;
using model::stdp_rule;
using model::weight_dependence;

// `plastic` with `lines` added to EE's plasticity map.
std::string with_plasticity(const std::string& lines) {
    return with(plastic, "      w_max: \"12 nS\"\n", "      w_max: \"12 nS\"\n" + lines);
}

// `plastic` with EE's constant weight replaced.
std::string with_weight(const std::string& weight) { return with(plastic, "weight: \"6 nS\"", "weight: " + weight); }

// ---------------------------------------------------------------------------------------------
// projections[].plasticity

TEST(loader_plasticity, defaults) {
    const model::model_spec spec = spec_of(plastic);
    const model::plasticity_spec& p = spec.projections[0].plasticity;
    EXPECT_EQ(p.rule, stdp_rule::pair);
    EXPECT_EQ(p.dependence, weight_dependence::additive);
    EXPECT_EQ(p.pairing, spike_pairing::all_to_all);
    EXPECT_EQ(p.tau_plus, 20.0);
    EXPECT_EQ(p.tau_minus, 20.0);
    EXPECT_EQ(p.A_plus, 0.12);
    EXPECT_EQ(p.A_minus, -0.126);
    EXPECT_EQ(p.w_min, 0.0);
    EXPECT_EQ(p.w_max, 12.0);
    EXPECT_EQ(p.w_0, 1.0);  // power_law's only: left at the struct's value
    EXPECT_EQ(p.mu, 0.4);
    // Projections without a plasticity map are static.
    EXPECT_EQ(spec.projections[1].plasticity.rule, stdp_rule::none);
    EXPECT_EQ(spec.projections[2].plasticity.rule, stdp_rule::none);
}

TEST(loader_plasticity, every_key_in_internal_units) {
    const model::plasticity_spec p = spec_of(with_plasticity("      weight_dependence: multiplicative\n"
                                                             "      pairing: nearest\n"
                                                             "      tau_plus: \"16.8 ms\"\n"
                                                             "      tau_minus: \"0.0337 s\"\n"
                                                             "      w_min: \"500 pS\"\n"))
                                         .projections[0]
                                         .plasticity;
    EXPECT_EQ(p.dependence, weight_dependence::multiplicative);
    EXPECT_EQ(p.pairing, spike_pairing::nearest);
    EXPECT_EQ(p.tau_plus, 16.8);
    EXPECT_EQ(p.tau_minus, 33.7);
    EXPECT_EQ(p.w_min, 0.5);
}

TEST(loader_plasticity, weights_in_the_targets_dimension) {
    // EI targets lif_curr_exp neurons: amplitudes and bounds are currents.
    const std::string onto_current =
        with(plastic, "    weight: \"30 pA\"\n",
             "    weight: \"30 pA\"\n"
             "    plasticity: {rule: stdp, A_plus: 1 pA, A_minus: -1.05 pA, w_max: 0.1 nA}\n");
    const model::plasticity_spec p = spec_of(onto_current).projections[2].plasticity;
    EXPECT_EQ(p.A_plus, 1.0);
    EXPECT_EQ(p.A_minus, -1.05);
    EXPECT_EQ(p.w_max, 100.0);
    EXPECT_EQ(error_of(with(onto_current, "A_plus: 1 pA", "A_plus: 1 nS")),
              "test.yaml:38:38: projections[2].plasticity.A_plus: expected a current like \"100 pA\", got a "
              "conductance (\"1 nS\")");
    EXPECT_EQ(error_of(with_plasticity("      w_min: \"1 pA\"\n")),
              "test.yaml:27:14: projections[0].plasticity.w_min: expected a conductance like \"6 nS\", got a current "
              "(\"1 pA\")");
}

TEST(loader_plasticity, power_law) {
    const std::string power_law = with_plasticity(
        "      weight_dependence: power_law\n"
        "      w_0: \"6 nS\"\n"
        "      mu: 0.5\n");
    const model::plasticity_spec p = spec_of(power_law).projections[0].plasticity;
    EXPECT_EQ(p.dependence, weight_dependence::power_law);
    EXPECT_EQ(p.w_0, 6.0);
    EXPECT_EQ(p.mu, 0.5);
    EXPECT_EQ(spec_of(with(power_law, "      mu: 0.5\n", "")).projections[0].plasticity.mu, 0.4);
    EXPECT_EQ(spec_of(with(power_law, "mu: 0.5", "mu: 1")).projections[0].plasticity.mu, 1.0);

    EXPECT_EQ(error_of(with(power_law, "      w_0: \"6 nS\"\n", "")),
              "test.yaml:23:7: projections[0].plasticity: missing required key \"w_0\"");
    EXPECT_EQ(error_of(with(power_law, "w_0: \"6 nS\"", "w_0: \"0 nS\"")),
              "test.yaml:28:12: projections[0].plasticity.w_0: expected a conductance > 0, got 0 nS");
    EXPECT_EQ(error_of(with(power_law, "mu: 0.5", "mu: 0")),
              "test.yaml:29:11: projections[0].plasticity.mu: expected a number in (0, 1], got 0");
    EXPECT_EQ(error_of(with(power_law, "mu: 0.5", "mu: 1.5")),
              "test.yaml:29:11: projections[0].plasticity.mu: expected a number in (0, 1], got 1.5");
    // w_0 and mu belong to power_law only.
    EXPECT_EQ(error_of(with_plasticity("      w_0: \"6 nS\"\n")),
              "test.yaml:27:7: projections[0].plasticity.w_0: unknown key for weight_dependence additive; accepted: "
              "rule, weight_dependence, pairing, tau_plus, tau_minus, A_plus, A_minus, w_min, w_max");
    EXPECT_EQ(error_of(with_plasticity("      weight_dependence: multiplicative\n      mu: 0.4\n")),
              "test.yaml:28:7: projections[0].plasticity.mu: unknown key for weight_dependence multiplicative; "
              "accepted: rule, weight_dependence, pairing, tau_plus, tau_minus, A_plus, A_minus, w_min, w_max");
}

TEST(loader_plasticity, rule_is_required_and_known) {
    EXPECT_EQ(error_of(with(plastic, "      rule: stdp\n", "")),
              "test.yaml:23:7: projections[0].plasticity: missing required key \"rule\" (" + rule_words(", ", " or ") +
                  ")");
    EXPECT_EQ(error_of(with(plastic, "rule: stdp", "rule: bcm")),
              "test.yaml:23:13: projections[0].plasticity.rule: unknown value \"bcm\"; expected one of " +
                  rule_words(", ", ", "));
    EXPECT_EQ(error_of(with_plasticity("      weight_dependence: soft\n")),
              "test.yaml:27:26: projections[0].plasticity.weight_dependence: unknown value \"soft\"; expected one of "
              "additive, multiplicative, power_law");
    EXPECT_EQ(error_of(with_plasticity("      pairing: nearest_neighbour\n")),
              "test.yaml:27:16: projections[0].plasticity.pairing: unknown value \"nearest_neighbour\"; expected one "
              "of all_to_all, nearest");
    EXPECT_EQ(error_of(plastic, {"projections.0.plasticity=stdp"}),
              "--set projections.0.plasticity: projections[0].plasticity: expected a map with the plasticity rule "
              "and its parameters, got \"stdp\"");
}

TEST(loader_plasticity, unknown_keys_are_listed) {
    EXPECT_EQ(error_of(with(plastic, "A_plus:", "a_plus:")),
              "test.yaml:24:7: projections[0].plasticity.a_plus: unknown key for weight_dependence additive; accepted: "
              "rule, weight_dependence, pairing, tau_plus, tau_minus, A_plus, A_minus, w_min, w_max");
    EXPECT_EQ(error_of(with(plastic, "    delay: \"0.8 ms\"\n", "    delay: \"0.8 ms\"\n    stdp: {}\n")),
              "test.yaml:22:5: projections[0].stdp: unknown key; accepted: name, source, target, connect, weight, "
              "delay, plasticity, pruning");
}

TEST(loader_plasticity, missing_parameters_are_reported_at_the_map) {
    EXPECT_EQ(error_of(with(plastic, "      A_plus: \"0.12 nS\"\n", "")),
              "test.yaml:23:7: projections[0].plasticity: missing required key \"A_plus\"");
    EXPECT_EQ(error_of(with(plastic, "      A_minus: \"-0.126 nS\"\n", "")),
              "test.yaml:23:7: projections[0].plasticity: missing required key \"A_minus\"");
    EXPECT_EQ(error_of(with(plastic, "      w_max: \"12 nS\"\n", "")),
              "test.yaml:23:7: projections[0].plasticity: missing required key \"w_max\"");
}

TEST(loader_plasticity, parameter_values) {
    EXPECT_EQ(error_of(with(plastic, "A_plus: \"0.12 nS\"", "A_plus: \"0 nS\"")),
              "test.yaml:24:15: projections[0].plasticity.A_plus: expected a conductance > 0, got 0 nS");
    EXPECT_EQ(error_of(with(plastic, "A_minus: \"-0.126 nS\"", "A_minus: \"0.126 nS\"")),
              "test.yaml:25:16: projections[0].plasticity.A_minus: expected a conductance < 0 (a depression), got "
              "0.126 nS");
    EXPECT_EQ(error_of(with_plasticity("      tau_plus: \"0 ms\"\n")),
              "test.yaml:27:17: projections[0].plasticity.tau_plus: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(with_plasticity("      tau_minus: \"-20 ms\"\n")),
              "test.yaml:27:18: projections[0].plasticity.tau_minus: expected a time > 0, got -20 ms");
    EXPECT_EQ(error_of(with_plasticity("      tau_minus: 20\n")),
              "test.yaml:27:18: projections[0].plasticity.tau_minus: missing unit: expected a time like \"20 ms\"");
    EXPECT_EQ(error_of(with_plasticity("      w_min: \"-1 nS\"\n")),
              "test.yaml:27:14: projections[0].plasticity.w_min: expected a conductance ≥ 0, got -1 nS");
    EXPECT_EQ(error_of(with_plasticity("      w_min: \"12 nS\"\n")),
              "test.yaml:26:14: projections[0].plasticity.w_max: w_max 12 nS must be above w_min 12 nS");
}

TEST(loader_plasticity, stdp_needs_an_excitatory_source) {
    const std::string inhibitory = with(plastic, "    weight: \"60 nS\"\n",
                                        "    weight: \"60 nS\"\n"
                                        "    plasticity: {rule: stdp, A_plus: 1 nS, A_minus: -1 nS, w_max: 100 nS}\n");
    EXPECT_EQ(error_of(inhibitory),
              "test.yaml:32:24: projections[1].plasticity.rule: stdp applies to excitatory projections; source "
              "population I is inhibitory (vogels is the rule for inhibitory synapses)");
}

// ---------------------------------------------------------------------------------------------
// rule: triplet

const std::string triplet = with(plastic,
                                 "      rule: stdp\n"
                                 "      A_plus: \"0.12 nS\"\n"
                                 "      A_minus: \"-0.126 nS\"\n",
                                 "      rule: triplet\n"
                                 "      A2_plus: \"0 nS\"\n"
                                 "      A3_plus: \"0.074 nS\"\n"
                                 "      A2_minus: \"-0.084 nS\"\n");

TEST(loader_plasticity, triplet_defaults_and_keys) {
    const model::plasticity_spec p = spec_of(triplet).projections[0].plasticity;
    EXPECT_EQ(p.rule, stdp_rule::triplet);
    EXPECT_EQ(p.tau_plus, 16.8);  // Pfister & Gerstner 2006, visual cortex, minimal all-to-all
    EXPECT_EQ(p.tau_minus, 33.7);
    EXPECT_EQ(p.tau_x, 101.0);
    EXPECT_EQ(p.tau_y, 125.0);
    EXPECT_EQ(p.A_plus, 0.0);
    EXPECT_EQ(p.A3_plus, 0.074);
    EXPECT_EQ(p.A_minus, -0.084);
    EXPECT_EQ(p.A3_minus, 0.0);
    EXPECT_EQ(p.w_max, 12.0);
    const model::plasticity_spec q =
        spec_of(with(triplet, "      w_max: \"12 nS\"\n",
                     "      w_max: \"12 nS\"\n      tau_x: 946 ms\n      tau_y: 27 ms\n      A3_minus: -0.017 nS\n"))
            .projections[0]
            .plasticity;
    EXPECT_EQ(q.tau_x, 946.0);
    EXPECT_EQ(q.tau_y, 27.0);
    EXPECT_EQ(q.A3_minus, -0.017);
    expect_round_trip(triplet);
}

TEST(loader_plasticity, triplet_errors) {
    EXPECT_EQ(error_of(with(triplet, "      A3_plus: \"0.074 nS\"\n", "")),
              "test.yaml:23:7: projections[0].plasticity: missing required key \"A3_plus\"");
    EXPECT_EQ(
        error_of(with(triplet, "A3_plus: \"0.074 nS\"", "A3_plus: \"0 nS\"")),
        "test.yaml:25:16: projections[0].plasticity.A3_plus: A2_plus and A3_plus are both 0: the rule would never "
        "potentiate");
    EXPECT_EQ(
        error_of(with(triplet, "A2_minus: \"-0.084 nS\"", "A2_minus: \"0 nS\"")),
        "test.yaml:26:17: projections[0].plasticity.A2_minus: expected a conductance < 0 (a depression), got 0 nS");
    EXPECT_EQ(
        error_of(with(triplet, "      w_max: \"12 nS\"\n", "      w_max: \"12 nS\"\n      A3_minus: 1 nS\n")),
        "test.yaml:28:17: projections[0].plasticity.A3_minus: expected a conductance ≤ 0 (a depression), got 1 nS");
    EXPECT_EQ(
        error_of(with(triplet, "      w_max: \"12 nS\"\n", "      w_max: \"12 nS\"\n      pairing: nearest\n")),
        "test.yaml:28:7: projections[0].plasticity.pairing: unknown key for rule triplet; accepted: rule, tau_plus, "
        "tau_minus, tau_x, tau_y, A2_plus, A3_plus, A2_minus, A3_minus, w_min, w_max");
    EXPECT_EQ(error_of(with(triplet, "      w_max: \"12 nS\"\n", "      w_max: \"12 nS\"\n      tau_y: 0 ms\n")),
              "test.yaml:28:14: projections[0].plasticity.tau_y: expected a time > 0, got 0 ms");
}

// ---------------------------------------------------------------------------------------------
// rule: vogels (inhibitory STDP)

// `plastic` with the I → E projection (conductances) under vogels, `lines` added to its map.
std::string with_vogels(const std::string& lines = "") {
    return with(plastic, "    weight: \"60 nS\"\n",
                "    weight: \"60 nS\"\n"
                "    plasticity:\n"
                "      rule: vogels\n"
                "      eta: \"0.01 nS\"\n"
                "      target_rate: \"3 Hz\"\n"
                "      w_max: \"300 nS\"\n" +
                    lines);
}

// An inhibitory projection onto current-based neurons (weights ≤ 0) under vogels, as line 39.
const std::string vogels_current =
    plastic +
    "  - {name: II, source: I, target: I, connect: {rule: fixed_indegree, indegree: 4}, weight: -20 pA, delay: 1 ms,\n"
    "     plasticity: {rule: vogels, tau: 10 ms, eta: 0.5 pA, target_rate: 5 Hz, w_min: -100 pA}}\n";

TEST(loader_plasticity, vogels_defaults_and_derived_alpha) {
    const auto spec = spec_of(with_vogels());
    const model::plasticity_spec& p = spec.projections[1].plasticity;
    EXPECT_EQ(p.rule, stdp_rule::vogels);
    EXPECT_EQ(p.tau_plus, 20.0);
    EXPECT_EQ(p.tau_minus, 20.0);
    EXPECT_EQ(p.eta, 0.01);
    EXPECT_EQ(p.target_rate, 3.0);
    EXPECT_DOUBLE_EQ(p.alpha(), 0.12);  // 2 · 3 Hz · 20 ms
    EXPECT_EQ(p.w_min, 0.0);
    EXPECT_EQ(p.w_max, 300.0);
    EXPECT_EQ(p.pairing, spike_pairing::all_to_all);
    // Current weights: bounds ≤ 0, w_max defaults to 0, w_min required.
    const model::plasticity_spec c = spec_of(vogels_current).projections[3].plasticity;
    EXPECT_EQ(c.tau_plus, 10.0);
    EXPECT_EQ(c.tau_minus, 10.0);
    EXPECT_EQ(c.eta, 0.5);
    EXPECT_EQ(c.w_min, -100.0);
    EXPECT_EQ(c.w_max, 0.0);
    EXPECT_DOUBLE_EQ(c.alpha(), 0.1);
}

TEST(loader_plasticity, vogels_errors) {
    EXPECT_EQ(error_of(with(plastic, "rule: stdp", "rule: vogels")),
              "test.yaml:23:13: projections[0].plasticity.rule: vogels applies to inhibitory projections; source "
              "population E is excitatory");
    EXPECT_EQ(error_of(with(with_vogels(), "      target_rate: \"3 Hz\"\n", "")),
              "test.yaml:33:7: projections[1].plasticity: missing required key \"target_rate\"");
    EXPECT_EQ(error_of(with(with_vogels(), "      eta: \"0.01 nS\"\n", "")),
              "test.yaml:33:7: projections[1].plasticity: missing required key \"eta\"");
    EXPECT_EQ(error_of(with(with_vogels(), "target_rate: \"3 Hz\"", "target_rate: \"0 Hz\"")),
              "test.yaml:35:20: projections[1].plasticity.target_rate: the target rate ρ0 must be > 0 (α = 2 ρ0 τ), "
              "got 0 Hz");
    EXPECT_EQ(error_of(with(with_vogels(), "eta: \"0.01 nS\"", "eta: \"-0.01 nS\"")),
              "test.yaml:34:12: projections[1].plasticity.eta: expected a conductance > 0 (the size of a step), got "
              "-0.01 nS");
    EXPECT_EQ(error_of(with_vogels("      A_plus: \"1 nS\"\n")),
              "test.yaml:37:7: projections[1].plasticity.A_plus: unknown key for rule vogels; accepted: rule, pairing, "
              "tau, eta, target_rate, w_min, w_max");
    EXPECT_EQ(error_of(with_vogels("      tau: \"0 ms\"\n")),
              "test.yaml:37:12: projections[1].plasticity.tau: expected a time > 0, got 0 ms");
    // Weights ≤ 0 onto current-based neurons: so are the bounds.
    EXPECT_EQ(error_of(with(vogels_current, "w_min: -100 pA}", "w_max: -100 pA}")),
              "test.yaml:40:18: projections[3].plasticity: missing required key \"w_min\"");
    EXPECT_EQ(
        error_of(with(vogels_current, "w_min: -100 pA}", "w_min: -100 pA, w_max: 5 pA}")),
        "test.yaml:40:100: projections[3].plasticity.w_max: expected a current ≤ 0: inhibitory weights onto I are "
        "≤ 0, got 5 pA");
    EXPECT_EQ(error_of(with(vogels_current, "w_min: -100 pA}", "w_min: 0 pA}")),
              "test.yaml:40:84: projections[3].plasticity.w_min: w_min 0 pA must be below w_max 0 pA (the strongest "
              "inhibition, ≤ 0)");
    EXPECT_EQ(
        error_of(with(vogels_current, "weight: -20 pA", "weight: -200 pA")),
        "test.yaml:39:92: projections[3].weight: weight -200 pA is outside the plasticity bounds [w_min, w_max] = "
        "[-100 pA, 0 pA]");
    EXPECT_EQ(
        error_of(with(vogels_current, "eta: 0.5 pA", "eta: -0.5 pA")),
        "test.yaml:40:50: projections[3].plasticity.eta: expected a current > 0 (the size of a step; it makes the "
        "≤ 0 weights more negative), got -0.5 pA");
    // Shares E's postsynaptic trace with the pair rule of EE: τ must equal EE's tau_minus.
    EXPECT_EQ(
        error_of(with_vogels("      tau: \"10 ms\"\n")),
        "test.yaml:37:12: projections[1].plasticity.tau: tau 10 ms differs from the 20 ms of plastic projection EE "
        "onto the same population E: plastic projections onto one population share its postsynaptic traces");
}

TEST(loader_plasticity, projections_onto_one_population_share_the_postsynaptic_trace) {
    // A second plastic projection onto E, as line 39.
    const std::string second =
        plastic +
        "  - {name: EE2, source: E, target: E, connect: {rule: one_to_one}, weight: 1 nS, delay: 1 ms,\n"
        "     plasticity: {rule: stdp, A_plus: 1 nS, A_minus: -1 nS, w_max: 2 nS, tau_plus: 5 ms}}\n";
    EXPECT_EQ(spec_of(second).projections[3].plasticity.tau_plus, 5.0);  // the presynaptic trace is the projection's
    EXPECT_EQ(error_of(with(second, "tau_plus: 5 ms}", "tau_minus: 30 ms}")),
              "test.yaml:40:85: projections[3].plasticity.tau_minus: tau_minus 30 ms differs from the 20 ms of plastic "
              "projection EE onto the same population E: plastic projections onto one population share its "
              "postsynaptic traces");
    EXPECT_EQ(error_of(with(second, "tau_plus: 5 ms}", "pairing: nearest}")),
              "test.yaml:40:83: projections[3].plasticity.pairing: pairing nearest differs from the all_to_all of "
              "plastic projection EE onto the same population E: plastic projections onto one population share its "
              "postsynaptic traces");
    // Defaulted on this side: the error points at the map.
    EXPECT_EQ(error_of(with(second, "      w_max: \"12 nS\"\n", "      w_max: \"12 nS\"\n      tau_minus: 10 ms\n")),
              "test.yaml:41:18: projections[3].plasticity: tau_minus 20 ms differs from the 10 ms of plastic "
              "projection EE onto the same population E: plastic projections onto one population share its "
              "postsynaptic traces");
    // Onto another population, nothing is shared.
    const std::string onto_I =
        plastic +
        "  - {name: EI2, source: E, target: I, connect: {rule: all_to_all}, weight: 1 pA, delay: 1 ms,\n"
        "     plasticity: {rule: stdp, A_plus: 1 pA, A_minus: -1 pA, w_max: 2 pA, tau_minus: 30 ms,\n"
        "                  pairing: nearest}}\n";
    EXPECT_EQ(spec_of(onto_I).projections[3].plasticity.tau_minus, 30.0);
}

// ---------------------------------------------------------------------------------------------
// The initial weights of a plastic projection lie within [w_min, w_max].

TEST(loader_plasticity, constant_weight_outside_the_bounds) {
    EXPECT_EQ(error_of(with_weight("\"13 nS\"")),
              "test.yaml:20:13: projections[0].weight: weight 13 nS is outside the plasticity bounds [w_min, w_max] "
              "= [0 nS, 12 nS]");
    EXPECT_EQ(error_of(with_plasticity("      w_min: \"7 nS\"\n")),
              "test.yaml:20:13: projections[0].weight: weight 6 nS is outside the plasticity bounds [w_min, w_max] "
              "= [7 nS, 12 nS]");
    EXPECT_EQ(error_of(with_weight("{distribution: constant, value: 13 nS}")),
              "test.yaml:20:45: projections[0].weight.value: value 13 nS is outside the plasticity bounds [w_min, "
              "w_max] = [0 nS, 12 nS]");
    // The bounds themselves are inside.
    EXPECT_EQ(spec_of(with_weight("\"12 nS\"")).projections[0].weight.value, 12.0);
    EXPECT_EQ(spec_of(with_weight("\"0 nS\"")).projections[0].weight.value, 0.0);
}

TEST(loader_plasticity, normal_and_lognormal_weights_are_clipped_at_the_bounds) {
    const std::string bounded = with_plasticity("      w_min: \"1 nS\"\n");
    const distribution normal =
        spec_of(with(bounded, "weight: \"6 nS\"", "weight: {distribution: normal, mean: 6 nS, sd: 2 nS}"))
            .projections[0]
            .weight;
    EXPECT_EQ(normal.min, 1.0);  // not the sign rule's 0 nS
    EXPECT_EQ(normal.max, 12.0);
    const distribution lognormal =
        spec_of(with_weight("{distribution: lognormal, mean: 6 nS, sd: 2 nS}")).projections[0].weight;
    EXPECT_EQ(lognormal.min, 0.0);
    EXPECT_EQ(lognormal.max, 12.0);
    // Bounds of the distribution's own, within the rule's, are kept.
    const distribution own = spec_of(with_weight("{distribution: normal, mean: 6 nS, sd: 2 nS, min: 2 nS, max: 10 nS}"))
                                 .projections[0]
                                 .weight;
    EXPECT_EQ(own.min, 2.0);
    EXPECT_EQ(own.max, 10.0);
    // Only one given: the other side is the rule's.
    const distribution one =
        spec_of(with_weight("{distribution: normal, mean: 6 nS, sd: 2 nS, max: 10 nS}")).projections[0].weight;
    EXPECT_EQ(one.min, 0.0);
    EXPECT_EQ(one.max, 10.0);
}

TEST(loader_plasticity, distribution_bounds_outside_the_plasticity_bounds) {
    EXPECT_EQ(error_of(with_weight("{distribution: normal, mean: 6 nS, sd: 2 nS, max: 15 nS}")),
              "test.yaml:20:63: projections[0].weight.max: max 15 nS is outside the plasticity bounds [w_min, w_max] "
              "= [0 nS, 12 nS]");
    EXPECT_EQ(error_of(with(with_plasticity("      w_min: \"1 nS\"\n"), "weight: \"6 nS\"",
                            "weight: {distribution: normal, mean: 6 nS, sd: 2 nS, min: 0.5 nS}")),
              "test.yaml:20:63: projections[0].weight.min: min 0.5 nS is outside the plasticity bounds [w_min, w_max] "
              "= [1 nS, 12 nS]");
    EXPECT_EQ(error_of(with_weight("{distribution: lognormal, mean: 13 nS, sd: 2 nS}")),
              "test.yaml:20:45: projections[0].weight.mean: mean 13 nS is outside the plasticity bounds [w_min, "
              "w_max] = [0 nS, 12 nS]");
    EXPECT_EQ(error_of(with_weight("{distribution: uniform, low: 4 nS, high: 13 nS}")),
              "test.yaml:20:54: projections[0].weight.high: high 13 nS is outside the plasticity bounds [w_min, "
              "w_max] = [0 nS, 12 nS]");
    EXPECT_EQ(error_of(with(with_plasticity("      w_min: \"1 nS\"\n"), "weight: \"6 nS\"",
                            "weight: {distribution: uniform, low: 0.5 nS, high: 8 nS}")),
              "test.yaml:20:42: projections[0].weight.low: low 0.5 nS is outside the plasticity bounds [w_min, w_max] "
              "= [1 nS, 12 nS]");
    // A uniform draw lies below high, so high may be w_max.
    const distribution uniform =
        spec_of(with_weight("{distribution: uniform, low: 0 nS, high: 12 nS}")).projections[0].weight;
    EXPECT_EQ(uniform.low, 0.0);
    EXPECT_EQ(uniform.high, 12.0);
}

// ---------------------------------------------------------------------------------------------
// network.compensation scales a plastic projection's rule with its weights.

const std::string compensated = R"(network:
  scale: 0.25
  compensation:
    mean_rates: {E: "5 Hz"}
populations:
  E: {size: 400, neuron: {model: lif_curr_exp}}
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: fixed_indegree, indegree: 40}
    weight: {distribution: normal, mean: "20 pA", sd: "2 pA"}
    delay: "1 ms"
    plasticity: {rule: stdp, weight_dependence: power_law, A_plus: "1 pA", A_minus: "-1.05 pA", w_min: "4 pA",
                 w_max: "40 pA", w_0: "20 pA"}
)";

TEST(loader_plasticity, compensation_scales_amplitudes_and_bounds_with_the_weights) {
    // k = 0.25: weights, amplitudes and bounds × 1/√k = 2 (exact in binary).
    const model::projection_spec proj = spec_of(compensated).projections[0];
    EXPECT_EQ(proj.weight.mean, 40.0);
    EXPECT_EQ(proj.weight.sd, 4.0);
    EXPECT_EQ(proj.weight.min, 8.0);  // clipped at w_min, scaled with it
    EXPECT_EQ(proj.weight.max, 80.0);
    const model::plasticity_spec& p = proj.plasticity;
    EXPECT_EQ(p.A_plus, 2.0);
    EXPECT_EQ(p.A_minus, -2.1);
    EXPECT_EQ(p.w_min, 8.0);
    EXPECT_EQ(p.w_max, 80.0);
    EXPECT_EQ(p.w_0, 40.0);
    EXPECT_EQ(p.mu, 0.4);
    EXPECT_EQ(p.tau_plus, 20.0);  // times do not scale

    // A factor that is not a power of 2: every weight quantity divided by the same √k.
    const model::projection_spec odd = spec_of(compensated, {"network.scale=0.3"}).projections[0];
    const double root = std::sqrt(0.3);  // in-degree 40 → 12
    EXPECT_EQ(odd.weight.mean, 20.0 / root);
    EXPECT_EQ(odd.plasticity.A_plus, 1.0 / root);
    EXPECT_EQ(odd.plasticity.A_minus, -1.05 / root);
    EXPECT_EQ(odd.plasticity.w_max, 40.0 / root);
    EXPECT_EQ(odd.plasticity.w_0, 20.0 / root);
    EXPECT_EQ(odd.weight.min, odd.plasticity.w_min);
    EXPECT_EQ(odd.weight.max, odd.plasticity.w_max);

    // Without compensation, network.scale leaves weights and the rule alone.
    const std::string uncompensated = with(compensated, "  compensation:\n    mean_rates: {E: \"5 Hz\"}\n", "");
    const model::plasticity_spec plain = spec_of(uncompensated).projections[0].plasticity;
    EXPECT_EQ(plain.A_plus, 1.0);
    EXPECT_EQ(plain.w_max, 40.0);
    EXPECT_EQ(plain.w_0, 20.0);
}

// ---------------------------------------------------------------------------------------------
// Overrides and the resolved YAML.

TEST(loader_plasticity, overrides) {
    const model::model_spec spec =
        spec_of(plastic, {"projections.0.plasticity.A_plus=0.2 nS", "populations.I.scaling={target_rate: 8 Hz}",
                          "homeostasis.period=0.8 s", "projections.0.plasticity.weight_dependence=multiplicative"});
    EXPECT_EQ(spec.projections[0].plasticity.A_plus, 0.2);
    EXPECT_EQ(spec.projections[0].plasticity.dependence, weight_dependence::multiplicative);
    EXPECT_TRUE(spec.populations[1].scaling.enabled);
    EXPECT_EQ(spec.populations[1].scaling.target_rate, 8.0);
    EXPECT_EQ(spec.homeostasis.period, 800.0);
    EXPECT_EQ(error_of(plastic, {"projections.0.plasticity.w_0=6 nS"}),
              "--set projections.0.plasticity.w_0: projections[0].plasticity.w_0: unknown key for weight_dependence "
              "additive; accepted: rule, weight_dependence, pairing, tau_plus, tau_minus, A_plus, A_minus, w_min, "
              "w_max");
    EXPECT_EQ(error_of(plastic, {"populations.E.scaling.target_rate=0 Hz"}),
              "--set populations.E.scaling.target_rate: populations.E.scaling.target_rate: the target rate must be "
              "> 0, got 0 Hz");
}

TEST(loader_plasticity_resolved, states_every_default) {
    const std::string resolved = load_text(plastic, "test.yaml").resolved_yaml;
    EXPECT_NE(resolved.find("calcium: {tau: \"2000 ms\"}"), std::string::npos);
    EXPECT_NE(resolved.find("calcium: {tau: \"1000 ms\"}"), std::string::npos);
    EXPECT_NE(resolved.find("    scaling:\n"
                            "      enabled: true\n"
                            "      mode: multiplicative\n"
                            "      target_rate: \"5 Hz\"\n"
                            "      tau_up: \"10000 ms\"\n"
                            "      tau_down: \"10000 ms\"\n"
                            "      glial_gain: 0\n"
                            "      gain_min: 0.1\n"
                            "      gain_max: 10\n"
                            "      inhibitory: false\n"),
              std::string::npos)
        << resolved;
    EXPECT_NE(resolved.find("    plasticity:\n"
                            "      rule: stdp\n"
                            "      weight_dependence: additive\n"
                            "      pairing: all_to_all\n"
                            "      tau_plus: \"20 ms\"\n"
                            "      tau_minus: \"20 ms\"\n"
                            "      A_plus: \"0.12 nS\"\n"
                            "      A_minus: \"-0.126 nS\"\n"
                            "      w_min: \"0 nS\"\n"
                            "      w_max: \"12 nS\"\n"),
              std::string::npos)
        << resolved;
    EXPECT_NE(resolved.find("homeostasis:\n  period: \"100 ms\"\n"), std::string::npos) << resolved;
    // Once each: only E scales, only EE is plastic.
    EXPECT_EQ(resolved.find("scaling:"), resolved.rfind("scaling:"));
    EXPECT_EQ(resolved.find("plasticity:"), resolved.rfind("plasticity:"));
    EXPECT_EQ(resolved.find("w_0:"), std::string::npos);  // power_law's only
}

TEST(loader_plasticity_resolved, round_trips) {
    expect_round_trip(plastic);
    expect_round_trip(
        with_plasticity("      weight_dependence: power_law\n"
                        "      pairing: nearest\n"
                        "      tau_plus: \"16.8 ms\"\n"
                        "      tau_minus: \"33.7 ms\"\n"
                        "      w_min: \"0.3 nS\"\n"
                        "      w_0: \"0.1 uS\"\n"
                        "      mu: 0.7\n"));
    expect_round_trip(with(plastic, "      target_rate: \"5 Hz\"\n",
                           "      target_rate: \"0.3333 Hz\"\n      tau_up: \"1.1 s\"\n      tau_down: \"0.7 s\"\n"
                           "      gain_min: 0.333\n      gain_max: 3.21\n      inhibitory: true\n"));
    expect_round_trip(with(plastic, "      target_rate: \"5 Hz\"\n", "      enabled: false\n"));
    expect_round_trip(with_weight("{distribution: normal, mean: 6 nS, sd: 2 nS}"));
    expect_round_trip(with_weight("{distribution: uniform, low: 0.1 nS, high: 12 nS}"));
    expect_round_trip(plastic + "homeostasis: {period: \"2.4 ms\"}\n");
    expect_round_trip(plastic,
                      {"projections.0.delay=1.5 ms", "projections.1.delay=1.5 ms", "projections.2.delay=1.5 ms"});
    expect_round_trip(compensated);
    expect_round_trip(compensated, {"network.scale=0.3"});
    expect_round_trip(with_vogels("      tau: \"20 ms\"\n      pairing: all_to_all\n      w_min: \"1 nS\"\n"));
    expect_round_trip(vogels_current);
}

TEST(loader_plasticity_resolved, compensated_values_load_back_unscaled) {
    const loaded_config first = load_text(compensated, "test.yaml", {"network.scale=0.3"});
    const loaded_config second = load_text(first.resolved_yaml, "resolved.yaml");
    EXPECT_NE(first.resolved_yaml.find("(with their plasticity's A_plus, A_minus, w_min, w_max and w_0)"),
              std::string::npos);
    EXPECT_EQ(second.spec.projections[0].plasticity.A_plus, first.spec.projections[0].plasticity.A_plus);
    EXPECT_EQ(second.spec.projections[0].weight.max, first.spec.projections[0].plasticity.w_max);
    EXPECT_NE(second.spec.projections[0].plasticity.A_plus, 1.0);
}

}  // namespace
}  // namespace synorm::config
