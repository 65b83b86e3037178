// Microglial pruning: the tag rule against hand-computed counts, the compaction of a synapse table,
// and the engine's tagging, removal and depletion on a network whose weights stay where they were
// drawn (no spikes), so that which synapses go is known by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/network/synapse_table.hpp"
#include "synorm/plasticity/pruning.hpp"

using namespace synorm;

TEST(pruning, tag_counts_consecutive_checks_below_the_threshold) {
    // Threshold 1: the count climbs while |w_eff| < 1 and drops to 0 at the first check at or above it.
    std::uint16_t c = 0;
    const float course[] = {0.5f, 0.9f, -0.99f, 1.0f, 0.2f, 0.2f};
    const std::uint16_t expected[] = {1, 2, 3, 0, 1, 2};
    for (int k = 0; k < 6; ++k) {
        c = plasticity::next_tag(c, course[k], 1.0f);
        EXPECT_EQ(c, expected[k]) << "check " << k;
    }
    EXPECT_EQ(plasticity::next_tag(0, -1.5f, 1.0f), 0) << "the magnitude counts: −1.5 is strong";
    EXPECT_EQ(plasticity::next_tag(0, 0.0f, 0.0f), 0) << "threshold 0 prunes nothing";
    constexpr auto top = std::numeric_limits<std::uint16_t>::max();
    EXPECT_EQ(plasticity::next_tag(top, 0.1f, 1.0f), top) << "saturates";
    // Tagging time 300 ms at H = 100 ms: 3 checks; tagged below at more than 3.
    EXPECT_FALSE(plasticity::is_tagged(3, 3));
    EXPECT_TRUE(plasticity::is_tagged(4, 3));
    EXPECT_TRUE(plasticity::is_tagged(1, 0)) << "tagging time 0: below at one check";
    EXPECT_FALSE(plasticity::is_tagged(0, 0));
}

TEST(pruning, compaction_keeps_the_other_synapses_in_order) {
    network::synapse_table t;
    // Row 0: a, b; row 1: empty; row 2: c, d, e; row 3: f. Tags > 2 go: b, c, e.
    t.sources = {0, 1, 4, 7};
    t.row_begin = {0, 2, 2, 5, 6};
    t.target_delay = {network::pack_synapse(3, 0), network::pack_synapse(7, 1), network::pack_synapse(1, 0),
                      network::pack_synapse(2, 2), network::pack_synapse(9, 0), network::pack_synapse(4, 3)};
    t.weight = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    t.tag = {0, 5, 3, 1, 9, 2};
    const auto bytes = t.bytes();
    EXPECT_EQ(network::remove_tagged(t, 2), 3u);
    EXPECT_EQ(t.row_begin, (std::vector<std::uint32_t>{0, 1, 1, 2, 3}));
    EXPECT_EQ(t.sources, (std::vector<std::uint32_t>{0, 1, 4, 7})) << "rows stay, emptied or not";
    EXPECT_EQ(t.target_delay, (std::vector<std::uint32_t>{network::pack_synapse(3, 0), network::pack_synapse(2, 2),
                                                          network::pack_synapse(4, 3)}));
    EXPECT_EQ(t.weight, (std::vector<float>{0.1f, 0.4f, 0.6f}));
    EXPECT_EQ(t.tag, (std::vector<std::uint16_t>{0, 1, 2})) << "the kept synapses keep their counts";
    EXPECT_EQ(bytes - t.bytes(), 3u * (4 + 4 + 2)) << "freed: 10 bytes per synapse of a pruned projection";
    EXPECT_EQ(network::remove_tagged(t, 2), 0u);
    EXPECT_EQ(network::remove_tagged(t, 0), 2u) << "tags 1 and 2 at 0 checks";
    EXPECT_EQ(t.row_begin, (std::vector<std::uint32_t>{0, 1, 1, 1, 1}));
    EXPECT_EQ(t.weight, (std::vector<float>{0.1f}));
}

namespace {

// 200 silent neurons (no input: no spike, so the plastic weights keep their drawn values) with a
// plastic E → E projection of weights uniform in [0, 2] pA; pruning threshold 1 pA, tagging time 20 ms
// (2 checks of H = 10 ms), a pruning point every 20 ms.
model::model_spec silent_network(bool depleted) {
    model::model_spec spec;
    spec.simulation.duration = 100.0;
    spec.simulation.seed = 3;
    model::population_spec e;
    e.name = "E";
    e.size = 200;
    spec.populations = {e};
    model::projection_spec p;
    p.name = "EE";
    p.rule = model::connection_rule::pairwise_bernoulli;
    p.probability = 0.2;
    p.weight.shape = model::distribution::kind::uniform;
    p.weight.low = 0.0;
    p.weight.high = 2.0;
    p.delay = model::distribution::constant_value(1.0);
    p.plasticity.rule = model::stdp_rule::pair;
    p.plasticity.A_plus = 0.1;
    p.plasticity.A_minus = -0.1;
    p.plasticity.w_max = 4.0;
    p.pruning = {true, 1.0, 20.0, 20.0, depleted};
    spec.projections = {p};
    spec.homeostasis.period = 10.0;
    spec.recording.weights = {{0, {0.0, 100.0}}};
    return spec;
}

engine::results run(const model::model_spec& spec) {
    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 2);
    return sim.run({});
}

}  // namespace

TEST(pruning, engine_tags_after_the_tagging_time_and_removes_at_the_pruning_point) {
    const auto res = run(silent_network(false));
    const auto& before = res.snapshots.front();
    const auto weak = static_cast<std::uint64_t>(
        std::count_if(before.weights.begin(), before.weights.end(), [](float w) { return w < 1.0f; }));
    const std::uint64_t all = before.weights.size();
    ASSERT_GT(weak, 500u);
    ASSERT_GT(all - weak, 500u);
    ASSERT_EQ(res.pruning.size(), 5u) << "points at 20, 40, 60, 80, 100 ms";
    // 20 ms: 2 checks below, not more than the tagging time's 2: nothing tagged yet.
    EXPECT_EQ(res.pruning[0].below, weak);
    EXPECT_EQ(res.pruning[0].tagged, 0u);
    EXPECT_EQ(res.pruning[0].removed, 0u);
    // 40 ms: 4 checks below: every weak synapse tagged and removed, the table smaller.
    EXPECT_EQ(res.pruning[1].tagged, weak);
    EXPECT_EQ(res.pruning[1].removed, weak);
    EXPECT_EQ(res.pruning[1].synapses, all);
    EXPECT_LT(res.pruning[1].bytes_after, res.pruning[1].bytes_before);
    EXPECT_EQ(res.pruning[1].bytes_before - res.pruning[1].bytes_after, weak * 14)
        << "4 + 4 + 2 bytes per synapse, and 4 of the incoming index (plastic)";
    for (std::size_t k = 2; k < 5; ++k) {
        EXPECT_EQ(res.pruning[k].below, 0u);
        EXPECT_EQ(res.pruning[k].removed, 0u);
        EXPECT_EQ(res.pruning[k].synapses, all - weak);
    }
    // The others are still there, with their weights, in (target, source) order.
    std::vector<std::tuple<std::uint64_t, std::uint64_t, float>> kept, after;
    for (std::size_t k = 0; k < before.weights.size(); ++k)
        if (before.weights[k] >= 1.0f) kept.emplace_back(before.targets[k], before.sources[k], before.weights[k]);
    const auto& end = res.snapshots.back();
    for (std::size_t k = 0; k < end.weights.size(); ++k)
        after.emplace_back(end.targets[k], end.sources[k], end.weights[k]);
    EXPECT_TRUE(kept == after);
}

TEST(pruning, depleted_microglia_tag_but_remove_nothing) {
    const auto res = run(silent_network(true));
    const auto& before = res.snapshots.front();
    const auto weak = static_cast<std::uint64_t>(
        std::count_if(before.weights.begin(), before.weights.end(), [](float w) { return w < 1.0f; }));
    ASSERT_EQ(res.pruning.size(), 5u);
    EXPECT_EQ(res.pruning[0].tagged, 0u);
    for (std::size_t k = 1; k < 5; ++k) {
        EXPECT_EQ(res.pruning[k].below, weak);
        EXPECT_EQ(res.pruning[k].tagged, weak) << "still tagged at " << res.pruning[k].time << " ms";
        EXPECT_EQ(res.pruning[k].removed, 0u);
        EXPECT_EQ(res.pruning[k].bytes_after, res.pruning[k].bytes_before);
    }
    EXPECT_EQ(res.snapshots.back().weights, before.weights) << "every synapse stays";
}
