// config::load with `--set key.path=value` overrides: replaced values and lists, and errors that
// name the override.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;
using model::connection_rule;

// ---------------------------------------------------------------------------------------------
// Overrides.

TEST(loader_overrides, replace_values_and_lists) {
    const model::model_spec spec =
        spec_of(base, {"simulation.seed=7", "populations.E.size=100", "projections.0.weight=0.7 mV",
                       "recording.spikes=[I]", "projections.1.connect={rule: all_to_all}"});
    EXPECT_EQ(spec.simulation.seed, 7u);
    EXPECT_EQ(spec.populations[0].size, 100u);
    EXPECT_EQ(spec.projections[0].weight.value, 0.7);
    EXPECT_EQ(spec.recording.spike_populations, (std::vector<std::uint32_t>{1}));
    EXPECT_EQ(spec.projections[1].rule, connection_rule::all_to_all);
    EXPECT_TRUE(spec_of(base, {"recording.spikes=none"}).recording.spike_populations.empty());
}

TEST(loader_overrides, later_overrides_win_and_missing_maps_are_created) {
    const model::model_spec spec = spec_of(base, {"network.scale=0.5", "simulation.seed=3", "simulation.seed=4"});
    EXPECT_EQ(spec.populations[0].size, 40u);
    EXPECT_EQ(spec.simulation.seed, 4u);
}

TEST(loader_overrides, errors_in_overridden_values_name_the_override) {
    EXPECT_EQ(error_of(base, {"simulation.dt=0.1"}),
              "--set simulation.dt: simulation.dt: missing unit: expected a time like \"20 ms\"");
    EXPECT_EQ(error_of(base, {"populations.E.neuron.tua_m=5 ms"}),
              "--set populations.E.neuron.tua_m: populations.E.neuron.tua_m: unknown key for a lif_curr_exp neuron; "
              "accepted: model, C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e");
    EXPECT_EQ(error_of(base, {"projections.1.weight={distribution: normal, mean: -1 pA, sd: -1 pA}"}),
              "--set projections.1.weight: projections[1].weight.sd: sd -1 pA is negative; expected sd ≥ 0");
    // Errors elsewhere still point into the file.
    EXPECT_EQ(error_of(with(base, "dt: \"0.1 ms\"", "dt: 0.1"), {"simulation.seed=2"}),
              "test.yaml:2:7: simulation.dt: missing unit: expected a time like \"20 ms\"");
}

TEST(loader_overrides, malformed_override) {
    EXPECT_EQ(error_of(base, {"simulation.seed"}),
              "--set simulation.seed: malformed override; expected KEY.PATH=VALUE, e.g. simulation.seed=7");
    EXPECT_EQ(error_of(base, {"simulation..seed=1"}),
              "--set simulation..seed: malformed override: empty key in \"simulation..seed\"; expected KEY.PATH=VALUE");
    EXPECT_EQ(error_of(base, {"simulation.seed="}), "--set simulation.seed: malformed override: no value after '='");
    EXPECT_EQ(error_of(base, {"recording.spikes=[E, I"}),
              "--set recording.spikes: cannot parse the value \"[E, I\": end of sequence flow not found");
    EXPECT_EQ(error_of(base, {"simulation.dt.value=1 ms"}),
              "--set simulation.dt.value: simulation.dt: cannot set simulation.dt.value: simulation.dt is a value, "
              "not a map or a list");
}

TEST(loader_overrides, list_index_out_of_range) {
    EXPECT_EQ(error_of(base, {"projections.2.weight=1 mV"}),
              "--set projections.2.weight: projections[2]: list index 2 out of range: projections has 2 entries");
    EXPECT_EQ(error_of(base, {"projections.first.weight=1 mV"}),
              "--set projections.first.weight: projections: expected a list index (0, 1, …) after projections, got "
              "\"first\"");
}

}  // namespace
}  // namespace synorm::config
