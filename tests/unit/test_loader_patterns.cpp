// Inputs of kind pattern: the group forms, times in internal units, the phases that present them,
// the round trip through the resolved YAML, and the errors of a bad protocol.
#include <gtest/gtest.h>

#include "loader_testing.hpp"

namespace synorm::config::loader_test {
namespace {

const std::string base = R"(simulation:
  dt: "0.1 ms"
  seed: 5
populations:
  E:
    size: 80
    neuron: {model: lif_cond_exp}
projections:
  - name: EE
    source: E
    target: E
    connect: {rule: fixed_indegree, indegree: 10}
    weight: "6 nS"
    delay: "1 ms"
    plasticity: {rule: stdp, A_plus: "0.1 nS", A_minus: "-0.05 nS", w_max: "12 nS"}
inputs:
  - {kind: poisson, target: E, rate: "1 Hz", sources: 5, weight: "6 nS"}
  - kind: pattern
    name: A
    target: E
    group: {first: 10, count: 20}
    start: "50 ms"
    period: "500 ms"
    duration: "100 ms"
    jitter: "2 ms"
    rate: "40 Hz"
    weight: "3 nS"
    probe: {times: ["3.5 s", "1.5 s"], cue: 0.25, window: "80 ms"}
  - {kind: pattern, name: B, target: E, group: {random: 12, seed: 9}, rate: "40 Hz", weight: "3 nS", stop: "1 s"}
homeostasis:
  period: "100 ms"
schedule:
  cycles: 2
  phases:
    - {name: wake, kind: wake, duration: "1 s"}
    - {name: sleep, kind: nrem, duration: "1 s", patterns: [B]}
)";

TEST(loader_patterns, groups_times_and_phases) {
    const auto spec = spec_of(base);
    ASSERT_EQ(spec.patterns.size(), 2u);
    const auto& a = spec.patterns[0];
    EXPECT_EQ(a.name, "A");
    ASSERT_EQ(a.group.size(), 20u);
    EXPECT_EQ(a.group.front(), 10u);
    EXPECT_EQ(a.group.back(), 29u);
    EXPECT_EQ(a.start, 50.0);
    EXPECT_EQ(a.period, 500.0);
    EXPECT_EQ(a.duration, 100.0);
    EXPECT_EQ(a.jitter, 2.0);
    EXPECT_EQ(a.rate, 40.0);
    EXPECT_EQ(a.weight, 3.0);
    EXPECT_EQ(a.probe_times, (std::vector<double>{1500.0, 3500.0})) << "sorted";
    EXPECT_EQ(a.cue_size(), 5u);
    EXPECT_EQ(a.window, 80.0);
    EXPECT_EQ(a.probe_duration, 100.0) << "the pattern's duration by default";
    const auto& b = spec.patterns[1];
    EXPECT_EQ(b.group, model::random_group(9, 1, 80, 12));
    EXPECT_EQ(spec.poisson_inputs.size(), 1u) << "patterns are not Poisson inputs (the schedule's input indices)";
    // wake presents every pattern by default; the NREM phase lists B only.
    EXPECT_EQ(spec.schedule.phases[0].patterns, (std::vector<std::uint8_t>{1, 1}));
    EXPECT_EQ(spec.schedule.phases[1].patterns, (std::vector<std::uint8_t>{0, 1}));
}

TEST(loader_patterns, round_trip) {
    expect_round_trip(base);
    const auto first = load_text(base, "test.yaml", {});
    const auto second = load_text(first.resolved_yaml, "resolved.yaml", {});
    ASSERT_EQ(second.spec.patterns.size(), 2u);
    for (std::size_t k = 0; k < 2; ++k) {
        const auto &p = first.spec.patterns[k], &q = second.spec.patterns[k];
        EXPECT_EQ(p.group, q.group);
        EXPECT_EQ(p.start, q.start);
        EXPECT_EQ(p.period, q.period);
        EXPECT_EQ(p.duration, q.duration);
        EXPECT_EQ(p.stop, q.stop);
        EXPECT_EQ(p.jitter, q.jitter);
        EXPECT_EQ(p.rate, q.rate);
        EXPECT_EQ(p.weight, q.weight);
        EXPECT_EQ(p.probe_times, q.probe_times);
        EXPECT_EQ(p.cue, q.cue);
        EXPECT_EQ(p.window, q.window);
    }
    EXPECT_EQ(second.spec.schedule.phases[1].patterns, (std::vector<std::uint8_t>{0, 1}));
    // A list of ids survives too.
    expect_round_trip(with(base, "group: {random: 12, seed: 9}", "group: [3, 1, 7]"));
}

TEST(loader_patterns, bad_protocols) {
    EXPECT_NE(error_of(with(base, "target: E, group: {random", "target: X, group: {random"))
                  .find("inputs[2].target: unknown population \"X\""),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "patterns: [B]", "patterns: [C]"))
                  .find("schedule.phases[1].patterns[0]: unknown pattern \"C\"; patterns: A, B"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "count: 20}", "count: 80}"))
                  .find("inputs[1].group.count: first + count = 10 + 80 is out of range: E has 80 neurons"),
              std::string::npos);
    EXPECT_NE(
        error_of(with(base, "{random: 12, seed: 9}", "{random: 100}")).find("random 100 is more than the population"),
        std::string::npos);
    EXPECT_NE(error_of(with(base, "{random: 12, seed: 9}", "[3, 3]")).find("an id is listed twice"), std::string::npos);
    EXPECT_NE(error_of(with(base, "{random: 12, seed: 9}", "{last: 3}")).find("inputs[2].group.last: unknown key"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "\"3.5 s\"", "\"3.95 s\""))
                  .find("inputs[1].probe.times[0]: probe at 3950 ms with its window 80 ms ends after the run (duration "
                        "4000 ms)"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "period: \"500 ms\"", "period: \"101 ms\""))
                  .find("inputs[1].period: period 101 ms is shorter than duration + jitter = 102 ms: presentations "
                        "would overlap"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "cue: 0.25", "cue: 1.5"))
                  .find("inputs[1].probe.cue: expected a fraction of the group in (0, 1)"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "cue: 0.25", "cue: 0.01")).find("cues 0; a cue needs at least one member"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "name: A\n", "name: B\n")).find("pattern name \"B\" is already used"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "jitter: \"2 ms\"", "jitter: \"0.25 ms\"")).find("not a multiple of the time step"),
              std::string::npos);
}

}  // namespace
}  // namespace synorm::config::loader_test
