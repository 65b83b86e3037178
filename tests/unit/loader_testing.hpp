// Helpers of the config::load tests: the configurations several test files edit, editing one,
// catching its error, and comparing model_specs field by field (the struct has no operator==)
// through the resolved YAML round trip.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "synorm/config/loader.hpp"

namespace synorm::config::loader_test {

// ---------------------------------------------------------------------------------------------
// Configurations that several test files edit.

// A small valid network; error tests change one line of it. Line numbers matter in the tests.
inline const std::string base = R"(simulation:
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

// Plastic E → E onto conductance neurons, static I → E, and E → I onto current neurons. Error tests
// change one line of it; line numbers matter in the tests.
inline const std::string plastic = R"(simulation:
  dt: "0.1 ms"
  duration: "1 s"
populations:
  E:
    size: 80
    neuron: {model: lif_cond_exp}
    calcium: {tau: "2 s"}
    scaling:
      target_rate: "5 Hz"
  I:
    size: 20
    type: inhibitory
    neuron: {model: lif_curr_exp}
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: fixed_indegree, indegree: 10}
    weight: "6 nS"
    delay: "0.8 ms"
    plasticity:
      rule: stdp
      A_plus: "0.12 nS"
      A_minus: "-0.126 nS"
      w_max: "12 nS"
  - name: IE
    source: I
    target: E
    connect: {rule: fixed_indegree, indegree: 5}
    weight: "60 nS"
    delay: "0.9 ms"
  - name: EI
    source: E
    target: I
    connect: {rule: pairwise_bernoulli, p: 0.1}
    weight: "30 pA"
    delay: "1 ms"
)";

// `text` with the one occurrence of `from` replaced by `to`.
inline std::string with(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "no \"" << from << "\" in the test configuration";
    EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "\"" << from << "\" occurs twice";
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

// The whole message of the config_error that loading throws ("" when it does not throw).
inline std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        load_text(text, "test.yaml", overrides);
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

inline model::model_spec spec_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    return load_text(text, "test.yaml", overrides).spec;
}

// ---------------------------------------------------------------------------------------------
// Comparing model_specs field by field (the struct has no operator==).

inline void expect_same(const model::distribution& a, const model::distribution& b, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.mean, b.mean);
    EXPECT_EQ(a.sd, b.sd);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.high, b.high);
    EXPECT_EQ(a.min, b.min);
    EXPECT_EQ(a.max, b.max);
}

inline void expect_same_spec(const model::model_spec& a, const model::model_spec& b) {
    EXPECT_EQ(a.simulation.dt, b.simulation.dt);
    EXPECT_EQ(a.simulation.duration, b.simulation.duration);
    EXPECT_EQ(a.simulation.seed, b.simulation.seed);
    ASSERT_EQ(a.populations.size(), b.populations.size());
    for (std::size_t i = 0; i < a.populations.size(); ++i) {
        const model::population_spec &p = a.populations[i], &q = b.populations[i];
        SCOPED_TRACE("population " + p.name);
        EXPECT_EQ(p.name, q.name);
        EXPECT_EQ(p.size, q.size);
        EXPECT_EQ(p.type, q.type);
        EXPECT_EQ(p.model, q.model);
        EXPECT_EQ(p.params.C_m, q.params.C_m);
        EXPECT_EQ(p.params.tau_m, q.params.tau_m);
        EXPECT_EQ(p.params.E_L, q.params.E_L);
        EXPECT_EQ(p.params.V_th, q.params.V_th);
        EXPECT_EQ(p.params.V_reset, q.params.V_reset);
        EXPECT_EQ(p.params.t_ref, q.params.t_ref);
        EXPECT_EQ(p.params.tau_syn_ex, q.params.tau_syn_ex);
        EXPECT_EQ(p.params.tau_syn_in, q.params.tau_syn_in);
        EXPECT_EQ(p.params.E_ex, q.params.E_ex);
        EXPECT_EQ(p.params.E_in, q.params.E_in);
        EXPECT_EQ(p.params.I_e, q.params.I_e);
        expect_same(p.V_init, q.V_init, "V_init");
        EXPECT_EQ(p.tau_calcium, q.tau_calcium);
        EXPECT_EQ(p.scaling.enabled, q.scaling.enabled);
        EXPECT_EQ(p.scaling.target_rate, q.scaling.target_rate);
        EXPECT_EQ(p.scaling.tau_up, q.scaling.tau_up);
        EXPECT_EQ(p.scaling.tau_down, q.scaling.tau_down);
        EXPECT_EQ(p.scaling.gain_min, q.scaling.gain_min);
        EXPECT_EQ(p.scaling.gain_max, q.scaling.gain_max);
        EXPECT_EQ(p.scaling.inhibitory, q.scaling.inhibitory);
        EXPECT_EQ(p.scaling.mode, q.scaling.mode);
        EXPECT_EQ(p.scaling.tau_integral, q.scaling.tau_integral);
        EXPECT_EQ(p.scaling.glial_gain, q.scaling.glial_gain);
        EXPECT_EQ(p.e_gaba.enabled, q.e_gaba.enabled);
        EXPECT_EQ(p.e_gaba.target_rate, q.e_gaba.target_rate);
        EXPECT_EQ(p.e_gaba.tau, q.e_gaba.tau);
        EXPECT_EQ(p.e_gaba.E_in_min, q.e_gaba.E_in_min);
        EXPECT_EQ(p.e_gaba.E_in_max, q.e_gaba.E_in_max);
        EXPECT_EQ(p.normalization.enabled, q.normalization.enabled);
        EXPECT_EQ(p.normalization.total, q.normalization.total);
        EXPECT_EQ(p.params.rate, q.params.rate);
        ASSERT_EQ(p.rate_changes.size(), q.rate_changes.size());
        for (std::size_t k = 0; k < p.rate_changes.size(); ++k) {
            EXPECT_EQ(p.rate_changes[k].at, q.rate_changes[k].at);
            EXPECT_EQ(p.rate_changes[k].rate, q.rate_changes[k].rate);
        }
    }
    ASSERT_EQ(a.projections.size(), b.projections.size());
    for (std::size_t i = 0; i < a.projections.size(); ++i) {
        const model::projection_spec &p = a.projections[i], &q = b.projections[i];
        SCOPED_TRACE("projection " + p.name);
        EXPECT_EQ(p.name, q.name);
        EXPECT_EQ(p.source, q.source);
        EXPECT_EQ(p.target, q.target);
        EXPECT_EQ(p.rule, q.rule);
        EXPECT_EQ(p.indegree, q.indegree);
        EXPECT_EQ(p.probability, q.probability);
        EXPECT_EQ(p.total_number, q.total_number);
        EXPECT_EQ(p.allow_autapses, q.allow_autapses);
        EXPECT_EQ(p.allow_multapses, q.allow_multapses);
        expect_same(p.weight, q.weight, "weight");
        expect_same(p.delay, q.delay, "delay");
        const model::plasticity_spec &s = p.plasticity, &t = q.plasticity;
        EXPECT_EQ(s.rule, t.rule);
        EXPECT_EQ(s.dependence, t.dependence);
        EXPECT_EQ(s.pairing, t.pairing);
        EXPECT_EQ(s.tau_plus, t.tau_plus);
        EXPECT_EQ(s.tau_minus, t.tau_minus);
        EXPECT_EQ(s.A_plus, t.A_plus);
        EXPECT_EQ(s.A_minus, t.A_minus);
        EXPECT_EQ(s.w_min, t.w_min);
        EXPECT_EQ(s.w_max, t.w_max);
        EXPECT_EQ(s.w_0, t.w_0);
        EXPECT_EQ(s.mu, t.mu);
        EXPECT_EQ(s.tau_x, t.tau_x);
        EXPECT_EQ(s.tau_y, t.tau_y);
        EXPECT_EQ(s.A3_plus, t.A3_plus);
        EXPECT_EQ(s.A3_minus, t.A3_minus);
        EXPECT_EQ(s.eta, t.eta);
        EXPECT_EQ(s.target_rate, t.target_rate);
    }
    ASSERT_EQ(a.poisson_inputs.size(), b.poisson_inputs.size());
    for (std::size_t i = 0; i < a.poisson_inputs.size(); ++i) {
        const model::poisson_input_spec &p = a.poisson_inputs[i], &q = b.poisson_inputs[i];
        SCOPED_TRACE("poisson input " + std::to_string(i));
        EXPECT_EQ(p.population, q.population);
        EXPECT_EQ(p.first, q.first);
        EXPECT_EQ(p.count, q.count);
        EXPECT_EQ(p.rate, q.rate);
        EXPECT_EQ(p.sources, q.sources);
        EXPECT_EQ(p.weight, q.weight);
        EXPECT_EQ(p.type, q.type);
        EXPECT_EQ(p.start, q.start);
        EXPECT_EQ(p.stop, q.stop);
    }
    ASSERT_EQ(a.dc_inputs.size(), b.dc_inputs.size());
    for (std::size_t i = 0; i < a.dc_inputs.size(); ++i) {
        const model::dc_input_spec &p = a.dc_inputs[i], &q = b.dc_inputs[i];
        SCOPED_TRACE("dc input " + std::to_string(i));
        EXPECT_EQ(p.population, q.population);
        EXPECT_EQ(p.first, q.first);
        EXPECT_EQ(p.count, q.count);
        EXPECT_EQ(p.amplitude, q.amplitude);
        EXPECT_EQ(p.start, q.start);
        EXPECT_EQ(p.stop, q.stop);
    }
    const model::recording_spec &r = a.recording, &s = b.recording;
    EXPECT_EQ(r.spike_populations, s.spike_populations);
    EXPECT_EQ(r.rate_bin, s.rate_bin);
    EXPECT_EQ(r.final_state, s.final_state);
    ASSERT_EQ(r.state.size(), s.state.size());
    for (std::size_t i = 0; i < r.state.size(); ++i) {
        EXPECT_EQ(r.state[i].name, s.state[i].name);
        EXPECT_EQ(r.state[i].population, s.state[i].population);
        EXPECT_EQ(r.state[i].ids, s.state[i].ids);
        EXPECT_EQ(r.state[i].variables, s.state[i].variables);
        EXPECT_EQ(r.state[i].interval, s.state[i].interval);
    }
    ASSERT_EQ(r.weights.size(), s.weights.size());
    for (std::size_t i = 0; i < r.weights.size(); ++i) {
        EXPECT_EQ(r.weights[i].projection, s.weights[i].projection);
        EXPECT_EQ(r.weights[i].times, s.weights[i].times);
    }
    EXPECT_EQ(a.homeostasis.period, b.homeostasis.period);
    EXPECT_EQ(a.checks.max_rate, b.checks.max_rate);
    EXPECT_EQ(a.checks.finite, b.checks.finite);
}

// Loads `text`, loads its resolved YAML, and expects the same spec and the same resolved text.
inline void expect_round_trip(const std::string& text, const std::vector<std::string>& overrides = {}) {
    const loaded_config first = load_text(text, "test.yaml", overrides);
    const loaded_config second = load_text(first.resolved_yaml, "resolved.yaml");
    expect_same_spec(first.spec, second.spec);
    // A fixed point too, but for the comment that notes an applied network.scale.
    const auto without_comments = [](const std::string& yaml) {
        std::string out;
        std::size_t begin = 0;
        while (begin < yaml.size()) {
            const std::size_t end = std::min(yaml.find('\n', begin), yaml.size());
            if (yaml[begin] != '#') out += yaml.substr(begin, end - begin + 1);
            begin = end + 1;
        }
        return out;
    };
    EXPECT_EQ(without_comments(first.resolved_yaml), without_comments(second.resolved_yaml));
}

}  // namespace synorm::config::loader_test
