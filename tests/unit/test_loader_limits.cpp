// config::load refuses what the engine cannot represent (README "Limits"): sizes and counts beyond
// their index widths, times whose step counts overflow or round to nothing, delays beyond the 10-bit
// delay field, a time step outside its range, and inputs that are not regular files. And it warns
// about a projection that can create no synapse.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;

// ---------------------------------------------------------------------------------------------
// Sizes and counts.

TEST(loader_limits, population_size_beyond_32_bits_is_refused) {
    EXPECT_EQ(error_of(with(base, "size: 80", "size: 18446744073709551615")),
              "test.yaml:6:11: populations.E.size: expected a population size of at most 4294967296 (2^32: synapses "
              "store their source as a 32-bit index), got 18446744073709551615");
    EXPECT_EQ(spec_of(with(base, "size: 80", "size: 4294967296")).populations[0].size, 4294967296u);
    // Under network.scale the scaled size counts, computed without wrapping.
    EXPECT_EQ(error_of(with(base, "size: 80", "size: 4294967296"), {"network.scale=2"}),
              "test.yaml:6:11: populations.E.size: expected a population size of at most 4294967296 (2^32: synapses "
              "store their source as a 32-bit index), got 4294967296 (8589934592 after network.scale = 2)");
}

TEST(loader_limits, total_neurons_beyond_40_bits_is_refused) {
    std::string text = "populations:\n";
    for (int i = 0; i < 257; ++i)
        text += "  P" + std::to_string(i) + ": {size: 4294967296, neuron: {model: lif_delta}}\n";
    EXPECT_EQ(error_of(text),
              "test.yaml:258:16: populations.P256.size: the populations up to P256 have 1103806595072 "
              "neurons; expected at most 1099511627776 in all (2^40: random streams are keyed by a "
              "40-bit gid)");
}

TEST(loader_limits, indegrees_numbers_and_sources_are_bounded) {
    EXPECT_EQ(error_of(with(base, "indegree: 10}", "indegree: 9007199254740993}")),
              "test.yaml:18:47: projections[0].connect.indegree: expected an indegree of at most 9007199254740992 "
              "(2^53, exact in double), got 9007199254740993");
    // 10 × 1e15 overflows the limit only once scaled.
    EXPECT_NE(
        error_of(base, {"network.indegree_scale=1e15"})
            .find("projections[0].connect.indegree: expected an indegree of at most 9007199254740992 (2^53, exact "
                  "in double), got 10 (1e+16 after network.indegree_scale = 1e+15)"),
        std::string::npos);
    EXPECT_NE(error_of(with(base, "{rule: pairwise_bernoulli, p: 0.2}", "{rule: fixed_total_number, number: 1e17}")),
              "");
    EXPECT_EQ(error_of(base + "inputs: [{kind: poisson, target: E, rate: 1 Hz, weight: 1 pA, sources: 1e16}]\n"),
              "test.yaml:27:72: inputs[0].sources: expected an integer from 1 to 9007199254740992 (2^53, exact in "
              "double), got \"1e16\"");
}

TEST(loader_limits, more_inputs_than_a_16_bit_stream_index_are_refused) {
    std::string inputs = "inputs: [";
    for (int i = 0; i <= 65536; ++i) inputs += "{}, ";
    EXPECT_EQ(error_of(base + inputs + "]\n"),
              "test.yaml:27:9: inputs: expected at most 65536 inputs (random streams are keyed by a 16-bit index), got "
              "65537");
}

// ---------------------------------------------------------------------------------------------
// Times that become step counts.

TEST(loader_limits, time_step_has_a_range) {
    EXPECT_EQ(error_of(base, {"simulation.dt=1e-30 ms"}),
              "--set simulation.dt: simulation.dt: expected a time step from 0.001 ms (1 µs) to 1 ms, got 1e-30 ms");
    EXPECT_NE(error_of(base, {"simulation.dt=2 ms"}), "");
    EXPECT_EQ(error_of(base, {"simulation.dt=1 us"}), "");
    EXPECT_EQ(error_of(with(base, "delay: \"1 ms\"", "delay: \"2 ms\""), {"simulation.dt=1 ms"}), "");
}

TEST(loader_limits, duration_of_no_step_is_refused) {
    EXPECT_EQ(error_of(base, {"simulation.duration=0.04 ms"}),
              "--set simulation.duration: simulation.duration: 0.04 ms is less than half a time step (dt = 0.1 ms) "
              "and rounds to 0 steps; expected at least 0.05 ms (one step)");
    EXPECT_EQ(spec_of(base, {"simulation.duration=0.06 ms"}).simulation.duration, 0.06);
}

TEST(loader_limits, step_counts_beyond_2_53_are_refused) {
    EXPECT_EQ(error_of(base, {"simulation.duration=1e17 s"}),
              "--set simulation.duration: simulation.duration: expected a time of at most 900719925474099.2 ms (2^53 "
              "steps of dt = 0.1 ms), got 1e+20 ms");
    EXPECT_EQ(error_of(base, {"recording.rate_bin=1e20 ms"}),
              "--set recording.rate_bin: recording.rate_bin: expected a time of at most 900719925474099.2 ms (2^53 "
              "steps of dt = 0.1 ms), got 1e+20 ms");
    EXPECT_NE(error_of(base, {"homeostasis.period=1e20 ms"}).find("expected a time of at most"), std::string::npos);
    const std::string input = "inputs: [{kind: dc, target: E, amplitude: 1 pA, start: 0 ms, stop: 1e30 ms}]\n";
    EXPECT_NE(error_of(base + input).find("inputs[0].stop: expected a time of at most"), std::string::npos);
    EXPECT_NE(error_of(base + with(input, "start: 0 ms", "start: 1e25 ms")).find("inputs[0].start: expected a time"),
              std::string::npos);
    EXPECT_NE(error_of(with(base, "tau_m: \"20 ms\"", "tau_m: \"20 ms\"\n      t_ref: \"1e30 ms\""))
                  .find("t_ref: expected a refractory period of at most 214748364.7 ms"),
              std::string::npos);
    const std::string schedule =
        "schedule:\n  cycles: 1e15\n  phases:\n    - {name: w, kind: wake, duration: 100 ms}\n";
    EXPECT_NE(error_of(base + with(with(schedule, "cycles: 1e15", "cycles: 2"), "100 ms", "5e14 ms"))
                  .find("schedule.cycles: the schedule's total, cycles × the phases' durations = 1e+15 ms, is beyond"),
              std::string::npos);
    EXPECT_NE(
        error_of(base + schedule).find("schedule.cycles: cycles × phases = 1e+15 phase runs; expected at most 1048576"),
        std::string::npos);
    EXPECT_NE(error_of(base + with(with(schedule, "cycles: 1e15", "cycles: 1"), "100 ms", "1e20 ms"))
                  .find("duration: expected a time of at most"),
              std::string::npos);
}

TEST(loader_limits, pruning_tagging_time_fits_16_bit_counts) {
    const std::string text =
        with(plastic, "      w_max: \"12 nS\"",
             "      w_max: \"12 nS\"\n    pruning: {threshold: 1 nS, period: 1 s, tagging_time: 7000 s}");
    EXPECT_NE(error_of(text).find(
                  "pruning.tagging_time: expected a tagging time of at most 6553400 ms (65534 homeostasis periods"),
              std::string::npos)
        << error_of(text);
}

// ---------------------------------------------------------------------------------------------
// Delays: the 10-bit field above the minimum delay.

TEST(loader_limits, delays_beyond_the_delay_field_are_refused) {
    // Minimum delay 1 ms (10 steps): the longest is 1 ms + 1023 steps = 103.3 ms.
    const std::string message =
        "expected a delay of at most 103.3 ms, the minimum delay 1 ms + 1023 steps of dt = 0.1 "
        "ms (a synapse stores its delay in 10 bits), got 200 ms; a larger simulation.dt lifts "
        "the limit, which counts steps";
    EXPECT_EQ(error_of(base, {"projections.1.delay=200 ms"}),
              "--set projections.1.delay: projections[1].delay: " + message);
    EXPECT_EQ(error_of(base, {"projections.1.delay=103.3 ms"}), "");
    EXPECT_EQ(error_of(with(base, "delay: \"1.5 ms\"", "delay: {distribution: uniform, low: 1 ms, high: 200 ms}")),
              "test.yaml:26:53: projections[1].delay.high: " + message);
    EXPECT_EQ(error_of(with(base, "delay: \"1.5 ms\"",
                            "delay: {distribution: normal, mean: 5 ms, sd: 1 ms, min: 1 ms, max: 200 ms}")),
              "test.yaml:26:73: projections[1].delay.max: " + message);
    // At dt = 0.2 ms the same delay fits (1 ms + 1023 × 0.2 ms).
    EXPECT_EQ(error_of(base, {"projections.1.delay=200 ms", "simulation.dt=0.2 ms"}), "");
}

TEST(loader_limits, normal_delays_without_max_are_clipped_at_the_limit) {
    const std::string text = with(base, "delay: \"1.5 ms\"", "delay: {distribution: normal, mean: 5 ms, sd: 1 ms}");
    // Without a min, draws are clipped at dt: the minimum delay is one step, the longest 1024 steps.
    EXPECT_DOUBLE_EQ(spec_of(text).projections[1].delay.max, 102.4);
    expect_round_trip(text);
}

// ---------------------------------------------------------------------------------------------
// Warnings.

TEST(loader_limits, one_to_one_onto_itself_without_autapses_warns) {
    const std::string text = base +
                             "  - {name: EE, source: E, target: E, connect: {rule: one_to_one, autapses: false}, "
                             "weight: 1 pA, delay: 1 ms}\n";
    const loaded_config loaded = load_text(text, "test.yaml");
    ASSERT_EQ(loaded.warnings.size(), 1u);
    EXPECT_EQ(loaded.warnings[0],
              "projections[2].connect.rule: projection EE connects E one_to_one onto itself with "
              "autapses: false, so it creates no synapses");
    EXPECT_TRUE(load_text(base, "test.yaml").warnings.empty());
    EXPECT_TRUE(load_text(with(text, "autapses: false", "autapses: true"), "test.yaml").warnings.empty());
}

// ---------------------------------------------------------------------------------------------
// Inputs that are not regular files.

TEST(loader_limits, a_fifo_is_refused_without_blocking) {
    const std::filesystem::path fifo =
        std::filesystem::temp_directory_path() / ("synorm_fifo_" + std::to_string(::getpid()));
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string message;
    try {
        load(fifo.string());
    } catch (const config_error& e) {
        message = e.what();
    }
    std::filesystem::remove(fifo);
    EXPECT_EQ(message, fifo.string() + ": cannot open: not a regular file");
}

}  // namespace
}  // namespace synorm::config
