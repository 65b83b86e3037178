// config::load of the recording section, each error asserted whole.
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;

// ---------------------------------------------------------------------------------------------
// Recording.

TEST(loader_errors, rate_bin_not_a_multiple_of_dt) {
    EXPECT_EQ(error_of(base + "recording:\n  rate_bin: \"0.25 ms\"\n"),
              "test.yaml:28:13: recording.rate_bin: 0.25 ms is not a multiple of the time step dt = 0.1 ms");
    // The default 1 ms bin is checked against the dt the user chose.
    EXPECT_EQ(error_of(with(with(base, "dt: \"0.1 ms\"", "dt: \"0.3 ms\""), "1 ms", "1.2 ms")),
              "test.yaml: recording.rate_bin: the default 1 ms is not a multiple of the time step dt = 0.3 ms; set "
              "recording.rate_bin");
    // Within 1e-9 relative is a multiple: 0.3 / 0.1 is not exactly 3 in binary.
    EXPECT_EQ(spec_of(base + "recording: {rate_bin: 0.3 ms}\n").recording.rate_bin, 0.3);
}

TEST(loader_errors, recording) {
    EXPECT_EQ(error_of(base + "recording:\n  spikes: [E, X]\n"),
              "test.yaml:28:15: recording.spikes[1]: unknown population \"X\"; populations: E, I");
    EXPECT_EQ(error_of(base + "recording:\n  spikes: some\n"),
              "test.yaml:28:11: recording.spikes: expected all, none or a list of population names");
    EXPECT_EQ(error_of(base + "recording:\n  state:\n    - {population: E, ids: [0, 80]}\n"),
              "test.yaml:29:32: recording.state[0].ids[1]: id 80 is out of range: E has 80 neurons");
    EXPECT_EQ(error_of(base + "recording:\n  state:\n    - {population: E, ids: [0], variables: [g_ex]}\n"),
              "test.yaml:29:45: recording.state[0].variables[0]: unknown variable \"g_ex\" for a lif_curr_exp "
              "population; recordable: V_m, I_syn_ex, I_syn_in");
    EXPECT_EQ(error_of(base + "recording:\n  state:\n    - {population: I, ids: [0], interval: 0.15 ms}\n"),
              "test.yaml:29:43: recording.state[0].interval: 0.15 ms is not a multiple of the time step dt = 0.1 ms");
    EXPECT_EQ(
        error_of(
            base +
            "recording:\n  state:\n    - {population: I, ids: [0]}\n    - {population: I, ids: [1], name: I_state0}\n"),
        "test.yaml:30:39: recording.state[1].name: recorder name \"I_state0\" is already used");
    EXPECT_EQ(error_of(base + "recording:\n  weights:\n    - {projection: II, times: [0 ms]}\n"),
              "test.yaml:29:20: recording.weights[0].projection: unknown projection \"II\"; projections: EI, IE");
    EXPECT_EQ(error_of(base + "recording:\n  weights:\n    - {projection: EI, times: [0 ms, 101 ms]}\n"),
              "test.yaml:29:38: recording.weights[0].times[1]: 101 ms is outside the run [0 ms, 100 ms]");
    EXPECT_EQ(error_of(base + "recording:\n  weights:\n    - {projection: EI, times: [0.05 ms]}\n"),
              "test.yaml:29:32: recording.weights[0].times[0]: 0.05 ms is not a multiple of the time step dt = 0.1 ms");
}

}  // namespace
}  // namespace synorm::config
