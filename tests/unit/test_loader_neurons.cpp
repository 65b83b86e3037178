// config::load of a population's neuron model: its parameters (g_L, the adaptive model's) and their
// errors, and poisson_source populations.
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;
using model::neuron_kind;

// ---------------------------------------------------------------------------------------------
// Neuron models and their parameters.

TEST(loader_errors, unknown_model) {
    EXPECT_EQ(error_of(with(base, "model: lif_curr_exp", "model: adex")),
              "test.yaml:8:14: populations.E.neuron.model: unknown value \"adex\"; expected one of lif_delta, "
              "lif_curr_exp, lif_cond_exp, lif_cond_exp_adapt, lif_curr_alpha, lif_curr_exp_adapt, poisson_source");
    EXPECT_EQ(error_of(with(base, "neuron: {model: lif_delta}", "neuron: {C_m: 250 pF}")),
              "test.yaml:13:13: populations.I.neuron: missing required key \"model\" (lif_delta, lif_curr_exp, "
              "lif_cond_exp, lif_cond_exp_adapt, lif_curr_alpha, lif_curr_exp_adapt or poisson_source)");
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
    const std::string one =
        "populations:\n  A:\n    size: 10\n    neuron: {model: lif_cond_exp_adapt, a: 2 nS, b: 0.05 nA, tau_w: 0.2 "
        "s}\n";
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

TEST(loader, adapting_current_neuron_reads_its_adaptation_parameters_and_phase_overrides) {
    const std::string one =
        "populations:\n  A:\n    size: 10\n    neuron: {model: lif_curr_exp_adapt, a: 2 nS, b: 0.05 nA, tau_w: 0.2 "
        "s}\nrecording:\n  state: [{population: A, ids: [0], variables: [V_m, I_syn_ex, w]}]\n"
        "schedule:\n  phases:\n    - {name: wake, kind: wake, duration: 1 s, neurons: {A: {b: 0 pA}}}\n"
        "    - {name: sleep, kind: nrem, duration: 1 s, neurons: {A: {b: 30 pA}}}\n";
    const auto spec = spec_of(one);
    const auto& A = spec.populations[0];
    EXPECT_EQ(A.model, neuron_kind::lif_curr_exp_adapt);
    EXPECT_DOUBLE_EQ(A.params.a, 2.0);
    EXPECT_DOUBLE_EQ(A.params.b, 50.0);
    EXPECT_DOUBLE_EQ(A.params.tau_w, 200.0);
    ASSERT_EQ(spec.schedule.phases.size(), 2u);
    ASSERT_EQ(spec.schedule.phases[1].params.size(), 1u);
    EXPECT_EQ(spec.schedule.phases[1].params[0].key, "b");
    EXPECT_DOUBLE_EQ(spec.schedule.phases[1].params[0].value, 30.0);
    expect_round_trip(one);
    // A current-based model: no reversal potentials.
    EXPECT_EQ(error_of(with(one, "tau_w: 0.2 s", "E_ex: 0 mV")),
              "test.yaml:4:62: populations.A.neuron.E_ex: unknown key for a lif_curr_exp_adapt neuron; accepted: "
              "model, C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e, a, b, tau_w");
    EXPECT_EQ(error_of(with(one, "lif_curr_exp_adapt, a: 2 nS", "lif_curr_exp, a: 2 nS")),
              "test.yaml:4:35: populations.A.neuron.a: unknown key for a lif_curr_exp neuron; accepted: model, C_m, "
              "tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e");
}

TEST(loader, alpha_neuron_takes_currents_and_the_current_models_keys) {
    const std::string one =
        "populations:\n  A:\n    size: 10\n    neuron: {model: lif_curr_alpha, tau_syn_ex: 0.3 ms, tau_syn_in: 2 ms}\n"
        "projections:\n  - {source: A, target: A, connect: {rule: fixed_indegree, indegree: 3}, weight: 0.05 nA, "
        "delay: 1 ms}\nrecording:\n  state: [{population: A, ids: [0], variables: [V_m, I_syn_ex, I_syn_in]}]\n";
    const auto spec = spec_of(one);
    const auto& A = spec.populations[0];
    EXPECT_EQ(A.model, neuron_kind::lif_curr_alpha);
    EXPECT_DOUBLE_EQ(A.params.tau_syn_ex, 0.3);
    EXPECT_DOUBLE_EQ(A.params.tau_syn_in, 2.0);
    EXPECT_DOUBLE_EQ(spec.projections[0].weight.value, 50.0);  // pA: the peak of the current
    EXPECT_EQ(error_of(with(one, "weight: 0.05 nA", "weight: 1 mV")),
              "test.yaml:6:82: projections[0].weight: expected a current like \"100 pA\", got a voltage (\"1 mV\")");
    EXPECT_EQ(error_of(with(one, "tau_syn_in: 2 ms", "E_in: -80 mV")),
              "test.yaml:4:57: populations.A.neuron.E_in: unknown key for a lif_curr_alpha neuron; accepted: model, "
              "C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e");
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

TEST(loader_source, poisson_source_population) {
    const std::string sourced =
        with(plastic, "  I:\n    size: 20\n    type: inhibitory\n    neuron: {model: lif_curr_exp}\n",
             "  I:\n    size: 20\n    type: inhibitory\n    neuron: {model: lif_curr_exp}\n"
             "  S:\n    size: 50\n    neuron: {model: poisson_source, rate: \"8 Hz\", changes: [{at: \"0.5 s\", rate: "
             "\"16 Hz\"}]}\n");
    const model::model_spec spec = spec_of(sourced);
    ASSERT_EQ(spec.populations.size(), 3u);
    EXPECT_EQ(spec.populations[2].model, model::neuron_kind::poisson_source);
    EXPECT_EQ(spec.populations[2].params.rate, 8.0);
    ASSERT_EQ(spec.populations[2].rate_changes.size(), 1u);
    EXPECT_EQ(spec.populations[2].rate_changes[0].at, 500.0);
    EXPECT_EQ(spec.populations[2].rate_changes[0].rate, 16.0);
    expect_round_trip(sourced);
    EXPECT_EQ(error_of(with(sourced, "rate: \"8 Hz\", ", "")),
              "test.yaml:17:13: populations.S.neuron: missing required key \"rate\"");
    EXPECT_EQ(
        error_of(with(sourced, "rate: \"8 Hz\"", "rate: \"8 Hz\", C_m: \"1 pF\"")),
        "test.yaml:17:51: populations.S.neuron.C_m: unknown key for a poisson_source; accepted: model, rate, changes");
    EXPECT_EQ(error_of(with(sourced, "at: \"0.5 s\"", "at: \"0 s\"")),
              "test.yaml:17:66: populations.S.neuron.changes[0].at: expected a time > 0, got 0 ms");
    EXPECT_EQ(error_of(with(sourced, "    target: I\n", "    target: S\n")),
              "test.yaml:38:13: projections[2].target: population S is a poisson_source, which takes no input; a "
              "source can only "
              "be a projection's source");
    EXPECT_EQ(error_of(sourced + "inputs:\n  - {kind: dc, target: S, amplitude: \"1 pA\"}\n"),
              "test.yaml:43:24: inputs[0].target: population S is a poisson_source, which takes no input");
}

}  // namespace
}  // namespace synorm::config
