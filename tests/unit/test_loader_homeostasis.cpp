// config::load of homeostasis: populations.*.calcium, .scaling, .e_gaba and .normalization, and the
// top-level homeostasis period; their defaults and every error (asserted whole).
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;

// ---------------------------------------------------------------------------------------------
// populations.*.calcium and populations.*.scaling

TEST(loader_calcium, default_and_given) {
    const model::model_spec spec = spec_of(plastic);
    EXPECT_EQ(spec.populations[0].tau_calcium, 2000.0);
    EXPECT_EQ(spec.populations[1].tau_calcium, 1000.0);  // the default, 1 s
    EXPECT_EQ(error_of(with(plastic, "calcium: {tau: \"2 s\"}", "calcium: {tau: \"0 s\"}")),
              "test.yaml:8:20: populations.E.calcium.tau: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(with(plastic, "calcium: {tau: \"2 s\"}", "calcium: {tau_ca: \"2 s\"}")),
              "test.yaml:8:15: populations.E.calcium.tau_ca: unknown key; accepted: tau");
    EXPECT_EQ(error_of(with(plastic, "calcium: {tau: \"2 s\"}", "calcium: \"2 s\"")),
              "test.yaml:8:14: populations.E.calcium: expected a map with keys tau, got \"2 s\"");
    EXPECT_EQ(error_of(with(plastic, "    size: 20\n", "    size: 20\n    tau_calcium: 1 s\n")),
              "test.yaml:13:5: populations.I.tau_calcium: unknown key; accepted: size, type, group, neuron, V_init, "
              "calcium, scaling, branches, e_gaba, normalization, metaplasticity");
}

TEST(loader_scaling, defaults) {
    const model::model_spec spec = spec_of(plastic);
    const model::scaling_spec& s = spec.populations[0].scaling;
    EXPECT_TRUE(s.enabled);  // a scaling map switches it on
    EXPECT_EQ(s.target_rate, 5.0);
    EXPECT_EQ(s.tau_up, 10000.0);
    EXPECT_EQ(s.tau_down, 10000.0);
    EXPECT_EQ(s.gain_min, 0.1);
    EXPECT_EQ(s.gain_max, 10.0);
    EXPECT_FALSE(s.inhibitory);
    EXPECT_FALSE(spec.populations[1].scaling.enabled);
}

TEST(loader_scaling, every_key) {
    const model::scaling_spec s = spec_of(with(plastic, "      target_rate: \"5 Hz\"\n",
                                               "      enabled: true\n"
                                               "      target_rate: \"0.003 kHz\"\n"
                                               "      tau_up: \"2 s\"\n"
                                               "      tau_down: \"500 ms\"\n"
                                               "      gain_min: 0.5\n"
                                               "      gain_max: 4\n"
                                               "      inhibitory: true\n"))
                                      .populations[0]
                                      .scaling;
    EXPECT_TRUE(s.enabled);
    EXPECT_EQ(s.target_rate, 3.0);
    EXPECT_EQ(s.tau_up, 2000.0);
    EXPECT_EQ(s.tau_down, 500.0);
    EXPECT_EQ(s.gain_min, 0.5);
    EXPECT_EQ(s.gain_max, 4.0);
    EXPECT_TRUE(s.inhibitory);
}

TEST(loader_scaling, switched_off_is_checked_then_dropped) {
    const std::string off = with(plastic, "      target_rate: \"5 Hz\"\n",
                                 "      enabled: false\n      target_rate: \"3 Hz\"\n      tau_up: \"1 s\"\n");
    const model::scaling_spec s = spec_of(off).populations[0].scaling;
    EXPECT_FALSE(s.enabled);
    EXPECT_EQ(s.target_rate, model::scaling_spec{}.target_rate);
    EXPECT_EQ(s.tau_up, model::scaling_spec{}.tau_up);
    // Without a target rate too.
    EXPECT_FALSE(spec_of(with(off, "      target_rate: \"3 Hz\"\n", "")).populations[0].scaling.enabled);
    EXPECT_EQ(error_of(with(off, "tau_up: \"1 s\"", "tau_up: \"0 s\"")),
              "test.yaml:12:15: populations.E.scaling.tau_up: expected a time > 0, got 0 ms");
}

TEST(loader_scaling, target_rate) {
    EXPECT_EQ(error_of(with(plastic, "      target_rate: \"5 Hz\"\n", "      tau_up: \"1 s\"\n")),
              "test.yaml:10:7: populations.E.scaling: missing required key \"target_rate\"");
    EXPECT_EQ(error_of(with(plastic, "target_rate: \"5 Hz\"", "target_rate: \"0 Hz\"")),
              "test.yaml:10:20: populations.E.scaling.target_rate: the target rate must be > 0, got 0 Hz");
    EXPECT_EQ(error_of(with(plastic, "target_rate: \"5 Hz\"", "target_rate: \"-5 Hz\"")),
              "test.yaml:10:20: populations.E.scaling.target_rate: the target rate must be > 0, got -5 Hz");
    EXPECT_EQ(error_of(with(plastic, "target_rate: \"5 Hz\"", "target_rate: 5")),
              "test.yaml:10:20: populations.E.scaling.target_rate: missing unit: expected a rate like \"5 Hz\"");
}

TEST(loader_scaling, time_constants_and_gains) {
    const auto scaling_with = [](const std::string& line) {
        return error_of(with(plastic, "      target_rate: \"5 Hz\"\n", "      target_rate: \"5 Hz\"\n" + line));
    };
    EXPECT_EQ(scaling_with("      tau_down: \"-1 s\"\n"),
              "test.yaml:11:17: populations.E.scaling.tau_down: expected a time > 0, got -1000 ms");
    EXPECT_EQ(scaling_with("      gain_min: 0\n"),
              "test.yaml:11:17: populations.E.scaling.gain_min: expected a number > 0, got 0");
    EXPECT_EQ(scaling_with("      gain_min: 2\n"),
              "test.yaml:11:17: populations.E.scaling.gain_min: gain_min 2 is above 1, where every gain starts");
    EXPECT_EQ(scaling_with("      gain_max: 0.5\n"),
              "test.yaml:11:17: populations.E.scaling.gain_max: gain_max 0.5 is below 1, where every gain starts");
    EXPECT_EQ(scaling_with("      gain_min: 1\n      gain_max: 1\n"),
              "test.yaml:12:17: populations.E.scaling.gain_max: gain_max 1 must be above gain_min 1");
    EXPECT_EQ(scaling_with("      gain_max: 2 Hz\n"),
              "test.yaml:11:17: populations.E.scaling.gain_max: expected a plain number, got a rate (\"2 Hz\")");
    EXPECT_EQ(scaling_with("      inhibitory: maybe\n"),
              "test.yaml:11:19: populations.E.scaling.inhibitory: expected true or false, got \"maybe\"");
    EXPECT_EQ(scaling_with("      tau: \"1 s\"\n"),
              "test.yaml:11:7: populations.E.scaling.tau: unknown key; accepted: enabled, mode, target_rate, tau_up, "
              "tau_down, tau_integral, glial_gain, gain_min, gain_max, inhibitory");
}

TEST(loader_scaling, integral_glia_and_mode) {
    const auto scaling_with = [](const std::string& line) {
        return with(plastic, "      target_rate: \"5 Hz\"\n", "      target_rate: \"5 Hz\"\n" + line);
    };
    const model::scaling_spec s =
        spec_of(scaling_with("      tau_integral: \"20 s\"\n      glial_gain: 2.5\n      mode: additive\n"))
            .populations[0]
            .scaling;
    EXPECT_EQ(s.tau_integral, 20000.0);
    EXPECT_EQ(s.glial_gain, 2.5);
    EXPECT_EQ(s.mode, model::scaling_mode::additive);
    EXPECT_EQ(spec_of(plastic).populations[0].scaling.tau_integral, 0.0) << "no integral term by default";
    EXPECT_EQ(error_of(scaling_with("      tau_integral: \"0 s\"\n")),
              "test.yaml:11:21: populations.E.scaling.tau_integral: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(scaling_with("      glial_gain: -1\n")),
              "test.yaml:11:19: populations.E.scaling.glial_gain: expected a number ≥ 0, got -1");
    EXPECT_EQ(error_of(scaling_with("      mode: subtractive\n")),
              "test.yaml:11:13: populations.E.scaling.mode: unknown value \"subtractive\"; expected one of "
              "multiplicative, additive");
    expect_round_trip(scaling_with("      tau_integral: \"20 s\"\n      glial_gain: 2.5\n      mode: additive\n"));
}

TEST(loader_e_gaba, keys_defaults_and_errors) {
    const auto e_with = [](const std::string& map) {
        return with(plastic, "    calcium: {tau: \"2 s\"}\n", "    calcium: {tau: \"2 s\"}\n    e_gaba: " + map + "\n");
    };
    const model::e_gaba_spec e =
        spec_of(e_with("{tau: \"3 s\", E_in_min: \"-95 mV\", E_in_max: \"-70 mV\"}")).populations[0].e_gaba;
    EXPECT_TRUE(e.enabled);
    EXPECT_EQ(e.target_rate, 5.0) << "the scaling's target";
    EXPECT_EQ(e.tau, 3000.0);
    EXPECT_EQ(e.E_in_min, -95.0);
    EXPECT_EQ(e.E_in_max, -70.0);
    EXPECT_EQ(error_of(e_with("{E_in_min: \"-70 mV\", E_in_max: \"-75 mV\"}")),
              "test.yaml:9:44: populations.E.e_gaba.E_in_max: E_in_max -75 mV must be above E_in_min -70 mV");
    EXPECT_EQ(
        error_of(e_with("{E_in_min: \"-70 mV\"}")),
        "test.yaml:9:24: populations.E.e_gaba.E_in_min: the neuron's E_in -85 mV, where every E_in starts, is outside "
        "[E_in_min, E_in_max] = [-70 mV, -60 mV]");
    EXPECT_EQ(error_of(e_with("{target_rate: \"-1 Hz\"}")),
              "test.yaml:9:27: populations.E.e_gaba.target_rate: the target rate must be > 0, got -1 Hz");
    // Without scaling the target is required; on a current-based population it is an error.
    const std::string no_scaling =
        with(plastic, "    scaling:\n      target_rate: \"5 Hz\"\n", "    e_gaba: {tau: \"1 s\"}\n");
    EXPECT_EQ(error_of(no_scaling), "test.yaml:9:13: populations.E.e_gaba: missing required key \"target_rate\"");
    EXPECT_EQ(
        error_of(with(plastic, "    neuron: {model: lif_curr_exp}\n",
                      "    neuron: {model: lif_curr_exp}\n    e_gaba: {target_rate: \"5 Hz\"}\n")),
        "test.yaml:15:13: populations.I.e_gaba: E_GABA homeostasis moves the inhibitory reversal potential, which only "
        "conductance-based neurons (lif_cond_exp, lif_cond_exp_adapt) have; I is lif_curr_exp");
    expect_round_trip(e_with("{tau: \"3 s\", E_in_min: \"-95 mV\", E_in_max: \"-70 mV\"}"));
}

TEST(loader_normalization, keys_and_errors) {
    const std::string normalized =
        with(plastic, "    scaling:\n      target_rate: \"5 Hz\"\n", "    normalization: {total: \"60 nS\"}\n");
    EXPECT_EQ(spec_of(normalized).populations[0].normalization.total, 60.0);
    EXPECT_TRUE(spec_of(normalized).populations[0].normalization.enabled);
    expect_round_trip(normalized);
    EXPECT_EQ(error_of(with(normalized, "{total: \"60 nS\"}", "{total: \"60 pA\"}")),
              "test.yaml:9:28: populations.E.normalization.total: expected a conductance like \"6 nS\", got a current "
              "(\"60 pA\")");
    EXPECT_EQ(error_of(with(plastic, "    calcium: {tau: \"2 s\"}\n",
                            "    calcium: {tau: \"2 s\"}\n    normalization: {total: \"6 nS\"}\n")),
              "test.yaml:9:20: populations.E.normalization: normalization and scaling both set the gain on E's "
              "excitatory inputs; "
              "switch one off");
    EXPECT_EQ(error_of(with(plastic, "    neuron: {model: lif_curr_exp}\n",
                            "    neuron: {model: lif_curr_exp}\n    normalization: {total: \"6 pA\"}\n")),
              "test.yaml:15:20: populations.I.normalization: normalization keeps the sum of plastic excitatory weights "
              "onto I "
              "constant, but no plastic excitatory projection targets it");
    EXPECT_EQ(error_of(with(normalized, "{total: \"60 nS\"}", "{}")),
              "test.yaml:9:20: populations.E.normalization: missing required key \"total\"");
}

// ---------------------------------------------------------------------------------------------
// homeostasis

TEST(loader_homeostasis, period) {
    EXPECT_EQ(spec_of(plastic).homeostasis.period, 100.0);
    EXPECT_EQ(spec_of(plastic + "homeostasis: {period: \"0.4 s\"}\n").homeostasis.period, 400.0);
    EXPECT_EQ(spec_of(plastic + "homeostasis:\n").homeostasis.period, 100.0);
    EXPECT_EQ(error_of(plastic + "homeostasis: {period: \"0 ms\"}\n"),
              "test.yaml:39:23: homeostasis.period: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(plastic + "homeostasis: {period: \"100.05 ms\"}\n"),
              "test.yaml:39:23: homeostasis.period: 100.05 ms is not a multiple of the time step dt = 0.1 ms");
    EXPECT_EQ(error_of(plastic + "homeostasis: {interval: \"100 ms\"}\n"),
              "test.yaml:39:15: homeostasis.interval: unknown key; accepted: period");
}

TEST(loader_homeostasis, period_is_a_multiple_of_the_communication_interval) {
    // The minimum delay, 0.8 ms here, is the communication interval.
    EXPECT_EQ(error_of(plastic + "homeostasis: {period: \"100.1 ms\"}\n"),
              "test.yaml:39:23: homeostasis.period: 100.1 ms is not a multiple of the communication interval 0.8 ms "
              "(the minimum delay)");
    EXPECT_EQ(error_of(plastic + "homeostasis: {period: \"0.25 ms\"}\n", {"simulation.dt=0.05 ms"}),
              "test.yaml:39:23: homeostasis.period: 0.25 ms is not a multiple of the communication interval 0.8 ms "
              "(the minimum delay)");
    EXPECT_EQ(spec_of(plastic + "homeostasis: {period: \"1.6 ms\"}\n").homeostasis.period, 1.6);
    // The interval is a whole number of steps: 3 × 0.1 ms, named as 0.3 ms.
    EXPECT_EQ(error_of(plastic + "homeostasis: {period: \"1 ms\"}\n", {"projections.0.delay=0.3 ms"}),
              "test.yaml:39:23: homeostasis.period: 1 ms is not a multiple of the communication interval 0.3 ms "
              "(the minimum delay)");
    // The lower bound of a delay distribution counts.
    EXPECT_EQ(error_of(plastic + "homeostasis: {period: \"100 ms\"}\n",
                       {"projections.2.delay={distribution: uniform, low: 0.7 ms, high: 2 ms}"}),
              "test.yaml:39:23: homeostasis.period: 100 ms is not a multiple of the communication interval 0.7 ms "
              "(the minimum delay)");
}

TEST(loader_homeostasis, default_period_rounds_up_to_the_communication_interval) {
    // 100 ms is 66.7 intervals of 1.5 ms: the default becomes 67 of them.
    const model::model_spec spec =
        spec_of(plastic, {"projections.0.delay=1.5 ms", "projections.1.delay=1.5 ms", "projections.2.delay=1.5 ms"});
    EXPECT_EQ(spec.min_delay_steps(), 15u);
    EXPECT_DOUBLE_EQ(spec.homeostasis.period, 100.5);
    EXPECT_EQ(spec.steps(spec.homeostasis.period), 1005u);
    // Without projections the interval is one step.
    EXPECT_EQ(spec_of("populations: {N: {size: 1, neuron: {model: lif_delta}}}\n").homeostasis.period, 100.0);
}

}  // namespace
}  // namespace synorm::config
