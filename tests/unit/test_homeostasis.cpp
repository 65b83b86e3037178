// The homeostatic rules against hand-computed values: the integral term, the glial boost, the
// additive variant, the E_GABA shift, weight normalization, metaplasticity's sliding threshold, and
// the quantiles of the exact weight histogram, and the spike probability of a poisson_source.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "synorm/engine/weight_histogram.hpp"
#include "synorm/model/poisson_source.hpp"
#include "synorm/plasticity/scaling.hpp"

using namespace synorm;

namespace {

model::scaling_spec spec_5hz() {
    model::scaling_spec s;
    s.enabled = true;
    s.target_rate = 5.0;
    s.tau_up = 1000.0;
    s.tau_down = 2000.0;
    return s;
}

}  // namespace

TEST(scaling_rules, integral_term_accumulates_the_gap) {
    auto s = spec_5hz();
    s.tau_integral = 500.0;
    float J = 0.0f;
    // Rate 2.5 Hz: e = 0.5. Period 100 ms: J = 0.5 · 100/500 = 0.1; drive = 0.5 · 100/1000 + 0.1 · 100/500 = 0.07.
    EXPECT_NEAR(plasticity::scaling_drive(s, 2.5, 100.0, 1.0, J), 0.07, 1e-7);
    EXPECT_NEAR(J, 0.1, 1e-7);
    // Second period at the same rate: J = 0.2; drive = 0.05 + 0.2 · 0.2 = 0.09.
    EXPECT_NEAR(plasticity::scaling_drive(s, 2.5, 100.0, 1.0, J), 0.09, 1e-7);
    // At target the proportional part vanishes but the integral keeps pushing: drive = 0.2 · 0.2 = 0.04.
    EXPECT_NEAR(plasticity::scaling_drive(s, 5.0, 100.0, 1.0, J), 0.04, 1e-7);
    EXPECT_NEAR(J, 0.2, 1e-7);
    // Above target (10 Hz, e = −1) it winds down: J = 0.2 − 0.2 = 0; drive = −1 · 100/2000 + 0 = −0.05.
    EXPECT_NEAR(plasticity::scaling_drive(s, 10.0, 100.0, 1.0, J), -0.05, 1e-7);
    EXPECT_NEAR(J, 0.0, 1e-7);
    EXPECT_NEAR(plasticity::scale_excitatory(s, 2.0f, 0.09), 2.18, 1e-6);
}

TEST(scaling_rules, glial_boost_speeds_up_scaling_up_only) {
    auto s = spec_5hz();
    s.glial_gain = 3.0;
    EXPECT_DOUBLE_EQ(plasticity::glial_boost(s, 5.0), 1.0) << "population at target";
    EXPECT_DOUBLE_EQ(plasticity::glial_boost(s, 8.0), 1.0) << "population above target";
    EXPECT_DOUBLE_EQ(plasticity::glial_boost(s, 2.0), 1.0 + 3.0 * 0.6);
    EXPECT_DOUBLE_EQ(plasticity::glial_boost(s, 0.0), 4.0) << "silent population: 1 + glial_gain";
    float J = 0.0f;
    // A silent neuron in a silent population: 4 · 1 · 100/1000.
    EXPECT_NEAR(plasticity::scaling_drive(s, 0.0, 100.0, 4.0, J), 0.4, 1e-12);
    // The down-pathway is not boosted: −1 · 100/2000.
    EXPECT_NEAR(plasticity::scaling_drive(s, 10.0, 100.0, 4.0, J), -0.05, 1e-12);
}

TEST(scaling_rules, additive_offset_does_not_keep_ratios) {
    // w̄ = 0.5 nS, drive 0.1: a = 0.05 nS on every synapse.
    const float a = plasticity::additive_offset(0.0f, 0.5f, 0.1);
    EXPECT_NEAR(a, 0.05f, 1e-7);
    const float weak = plasticity::offset_weight(0.1f, a), strong = plasticity::offset_weight(0.9f, a);
    EXPECT_NEAR(weak, 0.15f, 1e-7);
    EXPECT_NEAR(strong, 0.95f, 1e-7);
    EXPECT_GT(std::abs(strong / weak - 9.0f), 2.0f) << "the ratio 9 becomes 6.33";
    EXPECT_EQ(plasticity::offset_weight(0.1f, -0.3f), 0.0f) << "never below zero";
}

TEST(scaling_rules, e_gaba_shift) {
    model::e_gaba_spec e;
    e.enabled = true;
    e.target_rate = 5.0;
    e.tau = 1000.0;
    e.E_in_min = -90.0;
    e.E_in_max = -60.0;
    // Silent: e = 1, +30 mV · 100/1000 = +3 mV.
    EXPECT_NEAR(plasticity::shift_e_gaba(e, -80.0f, 0.0, 100.0), -77.0f, 1e-5);
    // 7.5 Hz: e = −0.5, −1.5 mV.
    EXPECT_NEAR(plasticity::shift_e_gaba(e, -80.0f, 7.5, 100.0), -81.5f, 1e-5);
    EXPECT_FLOAT_EQ(plasticity::shift_e_gaba(e, -61.0f, 0.0, 100.0), -60.0f) << "upper bound";
    EXPECT_FLOAT_EQ(plasticity::shift_e_gaba(e, -89.0f, 50.0, 100.0), -90.0f) << "lower bound";
    EXPECT_FLOAT_EQ(plasticity::shift_e_gaba(e, -80.0f, 5.0, 100.0), -80.0f) << "at target";
}

TEST(scaling_rules, normalization_sets_the_total) {
    // Weights 1, 2, 5 nS (Σ 8) normalized to 4 nS: g = 0.5, so g·w = 0.5, 1, 2.5.
    EXPECT_FLOAT_EQ(plasticity::normalized_gain(4.0, 8.0, 1.3f), 0.5f);
    EXPECT_FLOAT_EQ(plasticity::normalized_gain(4.0, 0.0, 1.3f), 1.3f) << "no weight: unchanged";
}

TEST(scaling_rules, metaplasticity_sliding_threshold) {
    // H = 100 ms, τθ = 1 s: step = 1 − e^(−0.1) = 0.0951626.
    const double step = 1.0 - std::exp(-0.1);
    // θ = 25 Hz² (5 Hz), sensed rate 10 Hz: 25 + (100 − 25)·0.0951626 = 32.137196.
    EXPECT_NEAR(plasticity::slide_threshold(25.0f, 10.0, step), 32.137196f, 1e-4);
    // Silent: 25 · e^(−0.1) = 22.620935.
    EXPECT_NEAR(plasticity::slide_threshold(25.0f, 0.0, step), 22.620935f, 1e-4);
    EXPECT_FLOAT_EQ(plasticity::slide_threshold(25.0f, 5.0, step), 25.0f) << "at θ0 and target: unchanged";
    model::metaplasticity_spec m;
    m.enabled = true;
    m.target_rate = 5.0;  // θ0 = 25 Hz²
    m.factor_min = 0.25;
    m.factor_max = 4.0;
    EXPECT_FLOAT_EQ(plasticity::potentiation_factor(m, 25.0f), 1.0f);
    EXPECT_FLOAT_EQ(plasticity::potentiation_factor(m, 50.0f), 0.5f) << "twice the threshold: half the LTP";
    EXPECT_FLOAT_EQ(plasticity::potentiation_factor(m, 12.5f), 2.0f);
    EXPECT_FLOAT_EQ(plasticity::potentiation_factor(m, 1000.0f), 0.25f) << "factor_min";
    EXPECT_FLOAT_EQ(plasticity::potentiation_factor(m, 1.0f), 4.0f) << "factor_max";
    EXPECT_FLOAT_EQ(plasticity::potentiation_factor(m, 0.0f), 4.0f) << "θ = 0: factor_max";
}

TEST(weight_histogram, bins_and_quantiles) {
    EXPECT_EQ(engine::weight_bin(0.0f, 0.0, 1.0, 10), 0u);
    EXPECT_EQ(engine::weight_bin(0.25f, 0.0, 1.0, 10), 2u);
    EXPECT_EQ(engine::weight_bin(1.0f, 0.0, 1.0, 10), 9u) << "the upper bound is in the last bin";
    EXPECT_EQ(engine::weight_bin(-1.0f, 0.0, 1.0, 10), 0u);
    // 10 bins over [0, 10]: 4 values in [0, 1), 4 in [5, 6), 2 in [9, 10].
    std::vector<std::int64_t> counts(10, 0);
    counts[0] = 4;
    counts[5] = 4;
    counts[9] = 2;
    // Median: q·N = 5 → one value into bin 5, of 4: 5 + 1/4.
    EXPECT_DOUBLE_EQ(engine::histogram_quantile(counts.data(), 10, 0.0, 10.0, 0.5), 5.25);
    // 25 %: 2.5 of the 4 in bin 0: 0.625.
    EXPECT_DOUBLE_EQ(engine::histogram_quantile(counts.data(), 10, 0.0, 10.0, 0.25), 0.625);
    // 95 %: 9.5 → 1.5 of the 2 in bin 9: 9.75.
    EXPECT_DOUBLE_EQ(engine::histogram_quantile(counts.data(), 10, 0.0, 10.0, 0.95), 9.75);
    EXPECT_DOUBLE_EQ(engine::histogram_quantile(counts.data(), 10, 0.0, 10.0, 0.0), 0.0);
    std::vector<std::int64_t> empty(10, 0);
    EXPECT_TRUE(std::isnan(engine::histogram_quantile(empty.data(), 10, 0.0, 10.0, 0.5)));
}

// Selective renormalization's spare threshold: the lowest bin edge with at most the fraction above.
TEST(weight_histogram, spare_threshold) {
    std::vector<std::int64_t> counts(10, 0);
    counts[0] = 4;
    counts[5] = 4;
    counts[9] = 2;  // N = 10
    EXPECT_DOUBLE_EQ(engine::spare_threshold(counts.data(), 10, 0.0, 10.0, 0.2), 6.0)
        << "the 2 in bin 9: edge of bin 6";
    EXPECT_DOUBLE_EQ(engine::spare_threshold(counts.data(), 10, 0.0, 10.0, 0.6), 1.0)
        << "6 ≤ 6: bin 5 joins, and the empty bins below it";
    EXPECT_DOUBLE_EQ(engine::spare_threshold(counts.data(), 10, 0.0, 10.0, 0.59), 6.0);
    EXPECT_TRUE(std::isinf(engine::spare_threshold(counts.data(), 10, 0.0, 10.0, 0.1)))
        << "the top bin alone is too many: none";
    // A shifted range: bins of 0.5 over [−5, 0].
    EXPECT_DOUBLE_EQ(engine::spare_threshold(counts.data(), 10, -5.0, 0.0, 0.2), -2.0);
}

TEST(poisson_source, spike_probability_per_step_and_rate_pieces) {
    // 10 Hz at dt = 0.1 ms: 1 − e^(−0.001) = 9.995e-4 of 2^32.
    EXPECT_EQ(model::source_threshold(10.0, 0.1), 4292821u);
    EXPECT_EQ(model::source_threshold(0.0, 0.1), 0u) << "silent";
    EXPECT_EQ(model::source_threshold(1000.0, 0.1), 408720177u) << "1 − e^(−0.1)";
    model::population_spec pop;
    pop.model = model::neuron_kind::poisson_source;
    pop.params.rate = 10.0;
    pop.rate_changes = {{250.0, 20.0}};
    const auto pieces = model::source_pieces(pop, 0.1);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0].from, 0);
    EXPECT_EQ(pieces[1].from, 2500);
    EXPECT_EQ(pieces[1].threshold, 8581350u);
}
