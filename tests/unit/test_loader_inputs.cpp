// config::load of poisson and dc inputs, each error asserted whole (patterns: test_loader_patterns.cpp).
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;

// ---------------------------------------------------------------------------------------------
// Inputs.

TEST(loader_errors, inputs) {
    const std::string input = base + "inputs:\n  - {kind: poisson, target: E, rate: 5 Hz, weight: 10 pA}\n";
    EXPECT_EQ(spec_of(input).poisson_inputs.size(), 1u);
    EXPECT_EQ(error_of(with(input, "kind: poisson", "kind: spikes")),
              "test.yaml:28:12: inputs[0].kind: unknown value \"spikes\"; expected one of poisson, dc, pattern");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, amplitude: 1 pA")),
              "test.yaml:28:59: inputs[0].amplitude: unknown key for a poisson input; accepted: kind, target, rate, "
              "sources, weight, receptor, first, count, start, stop");
    EXPECT_EQ(error_of(with(input, "rate: 5 Hz", "rate: -5 Hz")),
              "test.yaml:28:38: inputs[0].rate: expected a rate ≥ 0, got -5 Hz");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, receptor: inhibitory")),
              "test.yaml:28:52: inputs[0].weight: weight 10 pA is above 0 pA: the receptor is inhibitory, so its "
              "weights onto lif_curr_exp neurons must be ≤ 0");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, first: 80")),
              "test.yaml:28:66: inputs[0].first: first 80 is out of range: E has 80 neurons");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, first: 70, count: 11")),
              "test.yaml:28:77: inputs[0].count: first + count = 70 + 11 is out of range: E has 80 neurons");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: 10 pA, start: 5 ms, stop: 5 ms")),
              "test.yaml:28:78: inputs[0].stop: stop 5 ms must be after start 5 ms");
    EXPECT_EQ(error_of(with(input, "weight: 10 pA", "weight: {distribution: normal, mean: 1 pA, sd: 1 pA}")),
              "test.yaml:28:52: inputs[0].weight: expected a current like \"100 pA\", got a map");
    EXPECT_EQ(error_of(base + "inputs:\n  - {target: E}\n"),
              "test.yaml:28:5: inputs[0]: missing required key \"kind\" (poisson, dc or pattern)");
}

}  // namespace
}  // namespace synorm::config
