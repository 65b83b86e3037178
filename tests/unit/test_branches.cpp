// Branch-local homeostasis: the gain rule and the drive trace against hand-computed values, the
// random assignment, and the engine's branch gains against the rule applied to the spike trains.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/plasticity/branches.hpp"

using namespace synorm;

TEST(branches, gain_rule_and_drive_trace_match_hand_computed_values) {
    model::branch_spec b;
    b.enabled = true;
    b.target_rate = 100.0;  // Hz
    b.tau = 1000.0;         // ms
    b.gain_min = 0.5;
    b.gain_max = 2.0;
    // No input: gap 1, g · (1 + 100/1000).
    EXPECT_NEAR(plasticity::scale_branch(b, 1.0f, 0.0, 100.0), 1.1, 1e-6);
    // Twice the target: gap −1, g · (1 − 100/1000).
    EXPECT_NEAR(plasticity::scale_branch(b, 1.5f, 200.0, 100.0), 1.35, 1e-6);
    // 75 Hz: gap 0.25, 1.2 · (1 + 0.25 · 0.05) = 1.215.
    EXPECT_NEAR(plasticity::scale_branch(b, 1.2f, 75.0, 50.0), 1.215, 1e-6);
    EXPECT_FLOAT_EQ(plasticity::scale_branch(b, 1.0f, 100.0, 100.0), 1.0f) << "at target";
    EXPECT_FLOAT_EQ(plasticity::scale_branch(b, 1.95f, 0.0, 100.0), 2.0f) << "bounded above";
    EXPECT_FLOAT_EQ(plasticity::scale_branch(b, 0.52f, 1000.0, 100.0), 0.5f) << "bounded below";
    // Trace over H = 100 ms with tau_activity = 1 s: 10 · e^(−0.1) + gain 2 · 5 arrivals · (1 − e^(−0.1)) · 10
    // = 9.04837 + 9.51626 = 18.56463.
    const double d = std::exp(-0.1), spread = (1.0 - d) * 1000.0 / 100.0;
    EXPECT_NEAR(plasticity::branch_activity(10.0f, 5, 2.0f, d, spread), 18.56463, 1e-4);
    // A constant rate settles where a = g · ν · tau_activity: 50 arrivals per 100 ms (500 Hz), gain 1.
    float a = 0.0f;
    for (int k = 0; k < 400; ++k) a = plasticity::branch_activity(a, 50, 1.0f, d, spread);
    EXPECT_NEAR(plasticity::branch_rate(a, 1000.0), 500.0, 1e-3) << "no bias from taking arrivals per period";
    EXPECT_NEAR(plasticity::branch_rate(50.0f, 500.0), 100.0, 1e-12) << "a / tau_activity";
}

TEST(branches, random_assignment_is_a_deterministic_near_uniform_hash) {
    constexpr std::uint32_t B = 4;
    std::array<int, B> counts{};
    int differs = 0;
    for (std::uint64_t source = 0; source < 200; ++source) {
        const std::uint64_t row = plasticity::row_hash(7, 3, source);
        EXPECT_EQ(row, plasticity::row_hash(7, 3, source));
        for (std::uint64_t target = 1000; target < 1200; ++target) {
            const std::uint32_t b = plasticity::random_branch(row, target, 0, B);
            ASSERT_LT(b, B);
            ++counts[b];
            differs += b != plasticity::random_branch(row, target, 1, B);  // a multapse's second synapse
            EXPECT_EQ(plasticity::random_branch(row, target, 0, 1), 0u);
        }
    }
    for (const int c : counts) EXPECT_NEAR(c, 10000, 400) << "40000 synapses on 4 branches";
    EXPECT_NEAR(differs, 30000, 600) << "occurrence enters the hash";
    EXPECT_NE(plasticity::row_hash(7, 3, 0), plasticity::row_hash(8, 3, 0)) << "seed enters the hash";
    EXPECT_NE(plasticity::row_hash(7, 3, 0), plasticity::row_hash(7, 4, 0)) << "projection enters the hash";
}

namespace {

// A (DC-driven, regular) and Z (silent) each project onto one synapse of T's two branches.
model::model_spec branch_network() {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 1000.0;
    for (const char* name : {"A", "Z", "T"}) {
        model::population_spec p;
        p.name = name;
        p.size = 1;
        p.model = model::neuron_kind::lif_delta;
        p.params.E_L = -65;
        p.params.V_reset = -65;
        p.params.V_th = -55;
        p.params.tau_m = 10;
        p.params.C_m = 250;
        p.params.t_ref = 2;
        p.params.I_e = name[0] == 'A' ? 310.0 : 0.0;
        p.V_init = model::distribution::constant_value(-65.0);
        spec.populations.push_back(p);
    }
    auto& b = spec.populations[2].branches;
    b.enabled = true;
    b.count = 2;
    b.assign = model::branch_spec::assignment::by_source;
    b.by_source = {0, 1, -1};
    b.tau_activity = 100.0;
    b.target_rate = 20.0;
    b.tau = 500.0;
    b.gain_min = 0.1;
    b.gain_max = 5.0;
    b.record = {0};
    for (std::uint32_t s : {0u, 1u}) {
        model::projection_spec& p = spec.projections.emplace_back();
        p.name = s == 0 ? "AT" : "ZT";
        p.source = s;
        p.target = 2;
        p.rule = model::connection_rule::one_to_one;
        p.weight = model::distribution::constant_value(0.01);
        p.delay = model::distribution::constant_value(1.0);
    }
    spec.homeostasis.period = 100.0;
    spec.recording.spike_populations = {0};
    spec.recording.weights = {{0, {1000.0}}, {1, {1000.0}}};
    return spec;
}

}  // namespace

TEST(branches, engine_gains_follow_the_rule_applied_to_the_arrivals) {
    const auto spec = branch_network();
    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 1);
    std::vector<std::int64_t> spikes;  // A's emission steps
    engine::hooks h;
    h.on_spikes = [&](const engine::spike_batch& batch) {
        spikes.insert(spikes.end(), batch.steps.begin(), batch.steps.end());
    };
    const auto res = sim.run(h);
    ASSERT_GT(spikes.size(), 30u);
    const auto& trace = res.homeostasis;
    const std::size_t periods = trace.times.size();
    ASSERT_GE(periods, 9u);
    ASSERT_EQ(trace.branch_gain[2].size(), periods * 2);
    // By hand: the period ending at T counts the spikes emitted before T (delivered at T at the latest).
    const auto& b = spec.populations[2].branches;
    float a = 0.0f, g_active = 1.0f, g_silent = 1.0f;
    for (std::size_t k = 0; k < periods; ++k) {
        const auto T = static_cast<std::int64_t>(std::llround(trace.times[k] / 0.1));
        std::uint32_t arrivals = 0;
        for (const auto s : spikes) arrivals += s >= T - 1000 && s < T;
        a = static_cast<float>(a * std::exp(-1.0) + static_cast<double>(g_active) * arrivals * (1.0 - std::exp(-1.0)));
        const double rate = a / 0.1;
        g_active =
            static_cast<float>(std::clamp(g_active * (1.0 + (20.0 - rate) / 20.0 * 0.2), b.gain_min, b.gain_max));
        g_silent = static_cast<float>(std::clamp(g_silent * 1.2, b.gain_min, b.gain_max));
        EXPECT_FLOAT_EQ(static_cast<float>(trace.branch_gain[2][2 * k]), g_active) << "period " << k;
        EXPECT_FLOAT_EQ(static_cast<float>(trace.branch_gain[2][2 * k + 1]), g_silent) << "period " << k;
        EXPECT_DOUBLE_EQ(trace.branch_gain_mean[2][2 * k + 1], trace.branch_gain[2][2 * k + 1]) << "one neuron";
    }
    EXPECT_LT(g_active, 0.5f) << "A drives its branch far above 20 Hz";
    EXPECT_FLOAT_EQ(g_silent, 5.0f) << "the silent branch reached its bound";
    // Snapshots: w times the branch gain.
    ASSERT_EQ(res.snapshots.size(), 2u);
    EXPECT_FLOAT_EQ(res.snapshots[0].weights[0], 0.01f * g_active);
    EXPECT_FLOAT_EQ(res.snapshots[1].weights[0], 0.01f * g_silent);
}
