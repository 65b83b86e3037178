// The configuration schema (synorm/config/key_schema.hpp) against the reader and the writer: every
// declared key survives the resolved-YAML round trip, in every example configuration and in one that
// sets every key away from its default.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/key_schema.hpp"
#include "synorm/config/units.hpp"
#include "synorm/plasticity/rules.hpp"

namespace synorm::config::loader_test {
namespace {

// Every section of the schema turned on, every key away from its default (in some instance of its
// section), within the limits of a valid model.
const std::string every_key = R"(simulation:
  dt: "0.05 ms"
  seed: 7
network:
  scale: 1
  placement: blocks
populations:
  E:
    size: 40
    group: V1
    neuron:
      model: lif_cond_exp_adapt
      C_m: "200 pF"
      tau_m: "15 ms"
      E_L: "-70 mV"
      V_th: "-52 mV"
      V_reset: "-68 mV"
      t_ref: "1.5 ms"
      tau_syn_ex: "3 ms"
      tau_syn_in: "6 ms"
      E_ex: "5 mV"
      E_in: "-80 mV"
      I_e: "10 pA"
      a: "2 nS"
      b: "3 pA"
      tau_w: "150 ms"
    V_init: {distribution: normal, mean: "-66 mV", sd: "2 mV", min: "-75 mV", max: "-55 mV"}
    calcium: {tau: "2 s"}
    scaling:
      mode: additive
      target_rate: "4 Hz"
      tau_up: "8 s"
      tau_down: "6 s"
      tau_integral: "20 s"
      glial_gain: 0.5
      gain_min: 0.2
      gain_max: 5
      inhibitory: true
    branches:
      count: 2
      assignment: by_source
      by_source: {E: 0, S: 1}
      tau_activity: "0.5 s"
      target_rate: "50 Hz"
      tau: "3 s"
      gain_min: 0.3
      gain_max: 4
      record: [0, 3]
    e_gaba: {target_rate: "6 Hz", tau: "9 s", E_in_min: "-88 mV", E_in_max: "-62 mV"}
    metaplasticity: {target_rate: "3 Hz", tau_theta: "5 s", factor_min: 0.2, factor_max: 8}
  I:
    size: 20
    group: V1
    type: inhibitory
    neuron: {model: lif_cond_exp}
    normalization: {total: "40 nS"}
  S:
    size: 40
    neuron:
      model: poisson_source
      rate: "8 Hz"
      changes: [{at: "10 ms", rate: "12 Hz"}]
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: fixed_indegree, indegree: 5, autapses: false, multapses: false}
    weight: {distribution: uniform, low: "1 nS", high: "2 nS"}
    delay: {distribution: uniform, low: "1 ms", high: "2 ms"}
    plasticity:
      rule: stdp
      weight_dependence: power_law
      pairing: nearest
      tau_plus: "15 ms"
      tau_minus: "25 ms"
      A_plus: "0.01 nS"
      A_minus: "-0.012 nS"
      w_min: "0.1 nS"
      w_max: "4 nS"
      w_0: "2 nS"
      mu: 0.5
    pruning: {threshold: "0.2 nS", tagging_time: "100 ms", period: "200 ms", depleted: true}
  - name: EI
    source: E
    target: I
    connect: {rule: pairwise_bernoulli, p: 0.2}
    weight: "1.5 nS"
    delay: "1.5 ms"
    plasticity:
      rule: triplet
      tau_plus: "17 ms"
      tau_minus: "34 ms"
      tau_x: "100 ms"
      tau_y: "120 ms"
      A2_plus: "0.005 nS"
      A3_plus: "0.006 nS"
      A2_minus: "-0.007 nS"
      A3_minus: "-0.001 nS"
      w_max: "3 nS"
  - name: IE
    source: I
    target: E
    connect: {rule: fixed_total_number, number: 100}
    weight: "4 nS"
    delay: "1 ms"
    plasticity: {rule: vogels, pairing: nearest, tau: "25 ms", eta: "0.01 nS", target_rate: "4 Hz", w_max: "10 nS"}
  - name: SE
    source: S
    target: E
    connect: {rule: one_to_one}
    weight: "1 nS"
    delay: "1 ms"
inputs:
  - {kind: poisson, target: I, rate: "5 Hz", sources: 3, weight: "0.5 nS", receptor: inhibitory, first: 2, count: 10,
     start: "5 ms", stop: "300 ms"}
  - {kind: dc, target: I, amplitude: "20 pA", first: 1, count: 5, start: "10 ms", stop: "200 ms"}
  - kind: pattern
    name: A
    target: I
    group: {random: 6, seed: 3}
    start: "20 ms"
    period: "150 ms"
    duration: "40 ms"
    stop: "350 ms"
    jitter: "1 ms"
    rate: "30 Hz"
    sources: 2
    weight: "0.8 nS"
    receptor: inhibitory
    probe: {times: ["50 ms"], cue: 0.4, duration: "20 ms", window: "30 ms"}
recording:
  spikes: [E]
  rate_bin: "2 ms"
  state:
    - {name: probe, population: I, ids: [1, 2], variables: [V_m, g_ex], interval: "0.5 ms"}
  weights:
    - {projection: EI, times: ["0 ms", "100 ms"]}
  homeostasis:
    - {population: I, ids: [1, 2]}
  final_state: false
homeostasis:
  period: "50 ms"
checks:
  max_rate: "900 Hz"
  finite: false
comm:
  exchange: alltoall
  overlap: "off"
  structure: groups
dry_run:
  latency: "2 us"
  bandwidth: 12.5
  rates: {E: "3 Hz"}
schedule:
  cycles: 2
  snapshots: true
  renormalization: {set_point: "2 nS", tau: "2 s", mode: selective, spare: 0.3, scope: group}
  phases:
    - name: awake
      kind: wake
      duration: "100 ms"
      inputs: {0: {rate: "6 Hz", sources: 2}}
      neurons: {E: {b: "1 pA"}}
      plasticity: {EE: 0.5}
      scaling: 0.5
    - {name: sleep, kind: nrem, duration: "100 ms", skip: [1], renormalize: true}
)";

// Every section turned on with its required keys only: every other key takes its default.
const std::string defaults = R"(populations:
  E:
    size: 10
    neuron: {model: lif_cond_exp_adapt}
    scaling: {target_rate: "5 Hz"}
    e_gaba: {}
    metaplasticity: {tau_theta: "5 s"}
  I:
    size: 10
    type: inhibitory
    neuron: {model: lif_cond_exp}
    normalization: {total: "40 nS"}
    branches: {count: 1, target_rate: "50 Hz"}
  S:
    size: 10
    neuron: {model: poisson_source, rate: "8 Hz"}
projections:
  - source: E
    target: E
    connect: {rule: fixed_indegree, indegree: 2}
    weight: "1 nS"
    delay: "1 ms"
    plasticity: {rule: stdp, A_plus: "0.01 nS", A_minus: "-0.01 nS", w_max: "4 nS"}
    pruning: {threshold: "0.2 nS"}
  - source: E
    target: I
    connect: {rule: fixed_indegree, indegree: 2}
    weight: "1 nS"
    delay: "1 ms"
    plasticity: {rule: triplet, A2_plus: "0.005 nS", A3_plus: "0.006 nS", A2_minus: "-0.007 nS", w_max: "3 nS"}
  - source: I
    target: E
    connect: {rule: fixed_indegree, indegree: 2}
    weight: "4 nS"
    delay: "1 ms"
    plasticity: {rule: vogels, eta: "0.01 nS", target_rate: "4 Hz", w_max: "10 nS"}
inputs:
  - {kind: poisson, target: I, rate: "5 Hz", weight: "0.5 nS"}
  - {kind: dc, target: I, amplitude: "20 pA"}
  - {kind: pattern, target: I, group: [1, 2, 3], rate: "30 Hz", weight: "0.8 nS", probe: {times: ["50 ms"]}}
recording:
  state: [{population: I, ids: [1]}]
  weights: [{projection: E_to_I, times: ["0 ms"]}]
  homeostasis: [{population: I, ids: [1]}]
schedule:
  renormalization: {}
  phases: [{name: awake, kind: wake, duration: "500 ms"}, {name: sleep, kind: nrem, duration: "500 ms"}]
)";

// The exact text key_values gives a documented default, or "" when the default is not a value (a
// reference to another key, "required", "none").
std::string documented(const key_info& k) {
    std::string text(k.fallback);
    if (text.size() < 2 || text.front() != '`' || text.back() != '`') return "";
    text = text.substr(1, text.size() - 2);
    char hex[40];
    if (text.size() > 2 && text.front() == '"' && text.back() == '"') {
        const auto q = parse_quantity(text.substr(1, text.size() - 2));
        if (!q) return "";
        std::snprintf(hex, sizeof hex, "%a", q->value);
        return hex;
    }
    if (text == "true" || text == "false") return text;
    if (k.type == "integer") return text.find_first_not_of("0123456789") == std::string::npos ? text : "";
    if (k.type == "number") {
        const auto n = parse_number(text);
        if (!n) return "";
        std::snprintf(hex, sizeof hex, "%a", *n);
        return hex;
    }
    if (k.type == "word") return text;
    return "";
}

std::string text_of(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(config_schema, every_example_round_trips) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(SYNORM_CONFIG_DIR)) {
        if (entry.path().extension() != ".yaml") continue;
        SCOPED_TRACE(entry.path().filename().string());
        const std::string text = text_of(entry.path());
        if (text.find("\ntables:") != std::string::npos) {
            // Its tables are not part of synorm (config/multi_area.yaml): beside the source tree when present.
            const auto tables =
                std::filesystem::path(SYNORM_CONFIG_DIR) / ".." / ".." / "shared" / "models" / "multi_area";
            if (!std::filesystem::exists(tables)) continue;
            expect_round_trip(text, {"tables.directory=" + tables.string()});
        } else {
            expect_round_trip(text);
        }
        ++n;
    }
    EXPECT_GE(n, 10);
}

TEST(config_schema, every_key_round_trips) { expect_round_trip(every_key); }

// The synthetic configuration is only a test of the writer if it moves every bound key away from its
// default: a key the writer dropped would then load back different.
TEST(config_schema, the_synthetic_configuration_sets_every_bound_key) {
    const auto values = key_values(spec_of(every_key));
    std::set<std::pair<std::string_view, std::string_view>> moved;
    for (const key_value& v : values)
        if (v.value != v.default_value) moved.insert({v.section, v.key});
    int bound = 0;
    for (const section_info& section : schema()) {
        for (const key_info& k : section.keys) {
            if (!k.bound) continue;
            ++bound;
            EXPECT_TRUE(moved.count({section.id, k.name})) << section.path << "." << k.name << " keeps its default";
        }
    }
    EXPECT_GT(bound, 100);
}

// A default the reference states is the one the loader gives: the documentation is the declaration's,
// and drifts from the reader only here.
TEST(config_schema, documented_defaults_are_the_loaders) {
    const auto values = key_values(spec_of(defaults));
    int checked = 0;
    for (const section_info& section : schema()) {
        for (const key_info& k : section.keys) {
            const std::string expected = documented(k);
            if (expected.empty() || !k.bound) continue;
            // The instance that has the section on (the others hold a default-constructed one).
            std::vector<const key_value*> instances;
            for (const key_value& v : values)
                if (v.section == section.id && v.key == k.name) instances.push_back(&v);
            ASSERT_FALSE(instances.empty()) << section.path << "." << k.name;
            // Enum members bound as numbers are not compared with their word.
            const std::string& first = instances.front()->value;
            if (k.type == "word" && !first.empty() && std::isdigit(static_cast<unsigned char>(first[0]))) continue;
            const auto shows = [&](const key_value* v) { return v->value == expected; };
            EXPECT_TRUE(std::any_of(instances.begin(), instances.end(), shows))
                << section.path << "." << k.name << " is documented as " << k.fallback << ", loaded as " << first;
            ++checked;
        }
    }
    EXPECT_GT(checked, 60);
}

// Each key is declared once per section, and every bound key is compared.
TEST(config_schema, keys_are_declared_once_and_compared) {
    std::set<std::pair<std::string_view, std::string_view>> compared;
    for (const key_value& v : key_values(spec_of(every_key))) compared.insert({v.section, v.key});
    for (const section_info& section : schema()) {
        std::set<std::string_view> seen;
        for (const key_info& k : section.keys) {
            EXPECT_TRUE(seen.insert(k.name).second) << section.path << "." << k.name << " is declared twice";
            EXPECT_FALSE(k.doc.empty()) << section.path << "." << k.name << " has no documentation";
            if (k.bound) {
                EXPECT_TRUE(compared.count({section.id, k.name}))
                    << section.path << "." << k.name << " is not compared";
            }
        }
    }
}

// A learning rule's section comes from its header (plasticity/rule.hpp, rule_key): one per registered
// rule, in their order, and the "other rules" block of the reference shows those without a block of
// their own, so a new rule is documented before anyone writes its prose.
TEST(config_schema, every_registered_rule_has_its_section_and_a_place_in_the_reference) {
    std::vector<std::string_view> rules, registered;
    for (const section_info& section : schema())
        if (section.rule) rules.push_back(section.id);
    for (std::size_t k = 0; k < plasticity::registered_rules::size; ++k)
        plasticity::registered_rules::visit(k, [&]<class R>(std::type_identity<R>) { registered.push_back(R::name); });
    EXPECT_EQ(rules, registered);
    ASSERT_GE(rules.size(), 3u);
    EXPECT_EQ(rules[0], "stdp");
    const std::string blocks =
        "<!-- schema: stdp -->\n<!-- end schema -->\n<!-- schema: other rules -->\n"
        "<!-- end schema -->\n";
    const std::string text = with_reference(blocks);
    const auto other = text.find("<!-- schema: other rules -->");
    ASSERT_NE(other, std::string::npos);
    EXPECT_EQ(text.find("#### `rule: stdp`"), std::string::npos);
    EXPECT_GT(text.find("#### `rule: triplet`"), other);
    EXPECT_GT(text.find("#### `rule: vogels`"), text.find("#### `rule: triplet`"));
    EXPECT_NE(text.find("| `A3_minus` |"), std::string::npos);
    EXPECT_NE(text.find("| `eta` |"), std::string::npos);
    EXPECT_EQ(with_reference(text), text);  // the block is regenerated in place
}

}  // namespace
}  // namespace synorm::config::loader_test
