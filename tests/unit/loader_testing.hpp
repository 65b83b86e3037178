// Helpers of the config::load tests: the configurations several test files edit, editing one,
// catching its error, and comparing model_specs over every key the schema declares, through the
// resolved YAML round trip.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "synorm/config/key_schema.hpp"
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

// Every bound key of the schema (synorm/config/key_schema.hpp), of every section instance: a key
// added to the schema is compared without a change here.
inline void expect_same_spec(const model::model_spec& a, const model::model_spec& b) {
    const std::vector<key_value> x = key_values(a), y = key_values(b);
    std::size_t i = 0;
    for (; i < x.size() && i < y.size(); ++i) {
        ASSERT_EQ(x[i].path, y[i].path) << "the specs have different sections";
        EXPECT_EQ(x[i].value, y[i].value) << x[i].path;
    }
    EXPECT_EQ(x.size(), y.size()) << "first key only in one: "
                                  << (i < x.size()   ? x[i].path
                                      : i < y.size() ? y[i].path
                                                     : "");
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
