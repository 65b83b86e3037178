// The `schedule` section: phases, cycles, SHY renormalization, and the errors of a bad schedule.
#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/model/phase_schedule.hpp"

namespace synorm::config::loader_test {
namespace {

const std::string base = R"(simulation:
  dt: "0.1 ms"
populations:
  E:
    size: 80
    neuron: {model: lif_cond_exp_adapt, a: "1 nS", b: "20 pA"}
  I:
    size: 20
    type: inhibitory
    neuron: {model: lif_cond_exp}
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: fixed_indegree, indegree: 10}
    weight: "6 nS"
    delay: "1 ms"
    plasticity: {rule: stdp, A_plus: "0.1 nS", A_minus: "-0.05 nS", w_max: "12 nS"}
  - {name: IE, source: I, target: E, connect: {rule: fixed_indegree, indegree: 5}, weight: "60 nS", delay: "1 ms"}
inputs:
  - {kind: poisson, target: E, rate: "1 Hz", sources: 5, weight: "6 nS"}
homeostasis:
  period: "100 ms"
schedule:
  cycles: 3
  renormalization: {set_point: first_wake, tau: "400 ms"}
  phases:
    - name: wake
      kind: wake
      duration: "2 s"
      inputs: {0: {sources: 20}}
      neurons: {E: {a: "0 nS", b: "0 pA"}}
    - name: sleep
      kind: nrem
      duration: "1 s"
      plasticity: {EE: 0}
      scaling: 0
)";

TEST(loader_schedule, phases_in_internal_units) {
    const auto spec = spec_of(base);
    const auto& s = spec.schedule;
    ASSERT_EQ(s.phases.size(), 2u);
    EXPECT_EQ(s.cycles, 3u);
    EXPECT_TRUE(s.renormalization.enabled);
    EXPECT_EQ(s.renormalization.tau, 400.0);
    EXPECT_EQ(s.phases[0].kind, model::phase_kind::wake);
    EXPECT_EQ(s.phases[0].duration, 2000.0);
    ASSERT_EQ(s.phases[0].inputs.size(), 1u);
    EXPECT_EQ(s.phases[0].inputs[0].sources, 20u);
    EXPECT_EQ(s.phases[0].inputs[0].rate, 1.0);  // not given: as configured
    ASSERT_EQ(s.phases[0].params.size(), 2u);
    EXPECT_EQ(s.phases[0].params[1].key, "b");
    EXPECT_EQ(s.phases[0].params[1].value, 0.0);
    EXPECT_FALSE(s.phases[0].renormalize);
    EXPECT_TRUE(s.phases[1].renormalize);  // NREM renormalizes by default
    EXPECT_EQ(s.phases[1].learning_rate, (std::vector<double>{0.0, 1.0}));
    EXPECT_EQ(s.phases[1].scaling_rate, 0.0);
    // The run lasts the schedule: 3 × (2 s + 1 s).
    EXPECT_EQ(spec.simulation.duration, 9000.0);
}

TEST(loader_schedule, round_trip) { expect_round_trip(base); }

TEST(loader_schedule, expanded_with_skipped_phases) {
    const auto spec = spec_of(with(base, "      scaling: 0\n", "      scaling: 0\n      skip: [1]\n"));
    const auto runs = model::expand(spec.schedule, spec.simulation.dt);
    ASSERT_EQ(runs.size(), 6u);
    EXPECT_EQ(runs[3].phase, 1u);
    EXPECT_TRUE(runs[3].skipped);
    EXPECT_EQ(runs[3].settings, 0u);  // the wake goes on
    EXPECT_EQ(runs[3].start, 50000);
    EXPECT_EQ(runs[3].end, 60000);
    EXPECT_FALSE(runs[5].skipped);
    EXPECT_EQ(runs[5].end, 90000);
}

TEST(loader_schedule, bad_schedules) {
    EXPECT_NE(error_of(with(base, "kind: nrem", "kind: dream"))
                  .find("schedule.phases[1].kind: unknown value \"dream\"; expected one of wake, nrem, rem, custom"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "duration: \"1 s\"", "duration: \"-1 s\""))
                  .find("schedule.phases[1].duration: expected a time > 0"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "duration: \"1 s\"", "duration: \"0 s\"")).find("expected a time > 0"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "duration: \"1 s\"", "duration: \"1050 ms\""))
                  .find("schedule.phases[1].duration: 1050 ms is not a multiple of the homeostasis period 100 ms"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "b: \"0 pA\"", "g_K: \"0 pA\""))
                  .find("schedule.phases[0].neurons.E.g_K: unknown parameter \"g_K\""),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "neurons: {E:", "neurons: {X:")).find("unknown population \"X\""), std::string::npos);
    EXPECT_NE(error_of(with(base, "{EE: 0}", "{IE: 0}")).find("projection IE has no plasticity"), std::string::npos);
    EXPECT_NE(error_of(with(base, "inputs: {0:", "inputs: {3:")).find("unknown input 3"), std::string::npos);
    EXPECT_NE(error_of(with(base, "      scaling: 0\n", "      scaling: 0\n      skip: [3]\n"))
                  .find("cycle 3 does not exist"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "      duration: \"2 s\"\n", "      duration: \"2 s\"\n      skip: [0]\n"))
                  .find("the first phase of cycle 0 cannot be skipped"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "  dt: \"0.1 ms\"\n", "  dt: \"0.1 ms\"\n  duration: \"5 s\"\n"))
                  .find("simulation.duration: 5000 ms differs from the schedule's total 9000 ms"),
              std::string::npos);
    // NREM renormalization needs an excitatory plastic projection.
    const std::string static_ee = with(
        with(base, "    plasticity: {rule: stdp, A_plus: \"0.1 nS\", A_minus: \"-0.05 nS\", w_max: \"12 nS\"}\n", ""),
        "      plasticity: {EE: 0}\n", "");
    EXPECT_NE(error_of(static_ee).find(
                  "schedule.renormalization: renormalization scales excitatory plastic synapses, and no projection"),
              std::string::npos);
}

TEST(loader_schedule, neuron_settings_by_pattern) {
    // Two adapting populations besides I: "E*" reaches E and E2; a later key for one of them wins.
    std::string two = with(base, "  I:\n", "  E2:\n    size: 40\n    neuron: {model: lif_cond_exp_adapt}\n  I:\n");
    two = with(two, "neurons: {E: {a: \"0 nS\", b: \"0 pA\"}}",
               "neurons: {\"E*\": {a: \"0 nS\", b: \"0 pA\"}, E2: {b: \"5 pA\"}}");
    const auto spec = spec_of(two);
    const auto& params = spec.schedule.phases[0].params;
    ASSERT_EQ(params.size(), 4u);
    EXPECT_EQ(params[0].population, 0u);
    EXPECT_EQ(params[1].population, 0u);
    EXPECT_EQ(params[2].population, 1u);
    EXPECT_EQ(params[3].population, 1u);
    EXPECT_EQ(params[3].key, "b");
    EXPECT_EQ(params[3].value, 5.0);
    EXPECT_EQ(params[1].value, 0.0);
    expect_round_trip(two);
    EXPECT_NE(error_of(with(two, "\"E*\":", "\"X*\":")).find("the pattern \"X*\" matches no population"),
              std::string::npos);
    // Learning rates by pattern: "*" reaches the plastic projections only (EE, not IE).
    const auto all = spec_of(with(two, "plasticity: {EE: 0}", "plasticity: {\"*\": 0.5}"));
    EXPECT_EQ(all.schedule.phases[1].learning_rate, (std::vector<double>{0.5, 1.0}));
    EXPECT_NE(error_of(with(two, "plasticity: {EE: 0}", "plasticity: {\"I*\": 0}"))
                  .find("the pattern \"I*\" matches no plastic projection"),
              std::string::npos);
    // "*" reaches I too, whose lif_cond_exp has no adaptation.
    EXPECT_NE(error_of(with(two, "\"E*\":", "\"*\":")).find("unknown parameter \"a\" of population I's neuron model"),
              std::string::npos);
}

TEST(loader_schedule, input_settings_by_population_and_factor) {
    // Three Poisson inputs: two into E (1 and 4 Hz), one into I (2 Hz). "E" reaches both of E's; a factor
    // multiplies each input's own rate; a later key (an index) wins for the input it names again.
    std::string three = with(base, "  - {kind: poisson, target: E, rate: \"1 Hz\", sources: 5, weight: \"6 nS\"}\n",
                             "  - {kind: poisson, target: E, rate: \"1 Hz\", sources: 5, weight: \"6 nS\"}\n"
                             "  - {kind: poisson, target: I, rate: \"2 Hz\", sources: 5, weight: \"6 nS\"}\n"
                             "  - {kind: poisson, target: E, rate: \"4 Hz\", sources: 5, weight: \"6 nS\"}\n");
    three = with(three, "inputs: {0: {sources: 20}}", "inputs: {E: {factor: 0.5}, 2: {rate: \"3 Hz\"}}");
    const auto spec = spec_of(three);
    const auto& in = spec.schedule.phases[0].inputs;
    ASSERT_EQ(in.size(), 2u);
    EXPECT_EQ(in[0].input, 0u);
    EXPECT_EQ(in[0].rate, 0.5);
    EXPECT_EQ(in[0].sources, 5u);
    EXPECT_EQ(in[1].input, 2u);
    EXPECT_EQ(in[1].rate, 3.0);
    expect_round_trip(three);
    // "*" reaches every input, I's included.
    const auto all = spec_of(with(three, "{E: {factor: 0.5}, 2: {rate: \"3 Hz\"}}", "{\"*\": {factor: 0.25}}"));
    ASSERT_EQ(all.schedule.phases[0].inputs.size(), 3u);
    EXPECT_EQ(all.schedule.phases[0].inputs[1].rate, 0.5);
    EXPECT_EQ(all.schedule.phases[0].inputs[2].rate, 1.0);
    EXPECT_NE(error_of(with(three, "{E: {factor: 0.5}", "{X*: {factor: 0.5}"))
                  .find("\"X*\" is neither an input index nor a population (or pattern) that a Poisson input targets"),
              std::string::npos);
    EXPECT_NE(error_of(with(three, "{factor: 0.5}", "{factor: 0.5, rate: \"1 Hz\"}"))
                  .find("give `rate` or `factor` (of the configured rate), not both"),
              std::string::npos);
    EXPECT_NE(error_of(with(three, "{factor: 0.5}", "{factor: -1}")).find("expected a factor ≥ 0, got -1"),
              std::string::npos);
}

TEST(loader_schedule, selective_renormalization) {
    const std::string r = "  renormalization: {set_point: first_wake, tau: \"400 ms\"}\n";
    const auto spec = spec_of(with(base, r, "  renormalization: {tau: \"400 ms\", mode: selective, spare: 0.25}\n"));
    EXPECT_EQ(spec.schedule.renormalization.mode, model::renormalization_spec::selectivity::selective);
    EXPECT_EQ(spec.schedule.renormalization.spare, 0.25);
    EXPECT_EQ(spec_of(with(base, r, "  renormalization: {mode: selective}\n")).schedule.renormalization.spare, 0.2)
        << "the default";
    EXPECT_EQ(spec_of(base).schedule.renormalization.mode, model::renormalization_spec::selectivity::proportional);
    EXPECT_NE(error_of(with(base, r, "  renormalization: {mode: sparing}\n"))
                  .find("schedule.renormalization.mode: unknown value \"sparing\""),
              std::string::npos);
    EXPECT_NE(error_of(with(base, r, "  renormalization: {spare: 0.2}\n"))
                  .find("schedule.renormalization.spare: spare applies to mode: selective only"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, r, "  renormalization: {mode: selective, spare: 1.5}\n"))
                  .find("schedule.renormalization.spare: expected a fraction of synapses in (0, 1), got 1.5"),
              std::string::npos);
}

TEST(loader_schedule, without_homeostasis_phases_are_whole_communication_intervals) {
    std::string text =
        with(base, "    plasticity: {rule: stdp, A_plus: \"0.1 nS\", A_minus: \"-0.05 nS\", w_max: \"12 nS\"}\n", "");
    text = with(text, "  renormalization: {set_point: first_wake, tau: \"400 ms\"}\n", "");
    text = with(text, "      plasticity: {EE: 0}\n", "");
    EXPECT_EQ(error_of(with(text, "duration: \"1 s\"", "duration: \"1001 ms\"")), "");
    EXPECT_NE(error_of(with(text, "duration: \"1 s\"", "duration: \"1000.5 ms\""))
                  .find("is not a multiple of the communication interval 1 ms (the minimum delay; the run has no "
                        "homeostasis loop)"),
              std::string::npos);
}

// SHY renormalization, one homeostasis period at a time (model/phase_schedule.hpp):
// G ← G* + (G − G*)·exp(−H/τ), G* = min(1, W*/Σw); selective: G* = clamp((W* − S)/U, 0, 1).
TEST(renormalization, gain_relaxes_toward_the_set_point) {
    // Σw = 1200, W* = 1000: G* = 5/6; H = 100 ms, τ = 400 ms: e^(−1/4) = 0.778800783...
    const double decay = 0.77880078307140487;
    const double G1 = model::renormalized_gain(1.0, 1000.0, 0.0, 1200.0, 100.0, 400.0);
    EXPECT_NEAR(G1, 5.0 / 6.0 + (1.0 - 5.0 / 6.0) * decay, 1e-15);
    EXPECT_NEAR(G1, 0.96313346384523415, 1e-15);
    // The total G·Σw relaxes exponentially: its excess over W* shrinks by e^(−H/τ) per period.
    double G = 1.0;
    for (int k = 0; k < 8; ++k) G = model::renormalized_gain(G, 1000.0, 0.0, 1200.0, 100.0, 400.0);
    EXPECT_NEAR(G * 1200.0 - 1000.0, 200.0 * std::exp(-2.0), 1e-9);
    // Never above 1: a network below its set point is left alone.
    EXPECT_EQ(model::renormalized_gain(1.0, 1000.0, 0.0, 900.0, 100.0, 400.0), 1.0);
    EXPECT_EQ(model::renormalized_gain(1.0, 1000.0, 0.0, 0.0, 100.0, 400.0), 1.0);
    // Selective mode: the spared 400 stay; G acts on the other 800 and aims at (1000 − 400)/800 = 3/4.
    EXPECT_NEAR(model::renormalized_gain(1.0, 1000.0, 400.0, 800.0, 100.0, 400.0), 0.75 + 0.25 * decay, 1e-15);
    // The spared part alone above W*: G* = 0, the rest is scaled away (never below 0).
    EXPECT_NEAR(model::renormalized_gain(1.0, 1000.0, 1100.0, 800.0, 100.0, 400.0), decay, 1e-15);
}

// Scope group: a gain per group of populations, so every renormalized projection's target needs one.
TEST(loader_schedule, renormalization_by_group) {
    const std::string r = "  renormalization: {set_point: first_wake, tau: \"400 ms\"}\n";
    const std::string by_group = "  renormalization: {tau: \"400 ms\", scope: group}\n";
    EXPECT_EQ(spec_of(base).schedule.renormalization.scope, model::renormalization_spec::extent::network)
        << "the default";
    const auto spec =
        spec_of(with(with(base, r, by_group), "  E:\n    size: 80\n", "  E:\n    size: 80\n    group: V1\n"));
    EXPECT_EQ(spec.schedule.renormalization.scope, model::renormalization_spec::extent::group);
    const std::string error = error_of(with(base, r, by_group));
    EXPECT_NE(error.find("test.yaml:26:43: "), std::string::npos) << error;  // the scope key's line and column
    EXPECT_NE(error.find("schedule.renormalization.scope: scope: group renormalizes each group apart, and projection "
                         "EE (excitatory, plastic) targets population E, which has no group"),
              std::string::npos)
        << error;
    EXPECT_NE(error_of(with(base, r, "  renormalization: {scope: areas}\n"))
                  .find("schedule.renormalization.scope: unknown value \"areas\"; expected one of network, group"),
              std::string::npos);
}

}  // namespace
}  // namespace synorm::config::loader_test
