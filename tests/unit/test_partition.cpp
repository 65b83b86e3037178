// network::partition under both placements: every gid owned once, owner_rank and locate agree with
// the layouts, blocks are contiguous and balanced within the stated bound, thread_neuron_bound holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "synorm/network/partition.hpp"

using namespace synorm;

namespace {

// Populations of uneven sizes and costs: a dense recurrent one, a small one, a Poisson source that
// only projects, and a large sparse one.
model::model_spec uneven_network(model::placement_kind placement) {
    model::model_spec spec;
    spec.placement = placement;
    const std::uint64_t sizes[] = {800, 37, 300, 1500};
    for (std::size_t p = 0; p < 4; ++p) {
        model::population_spec pop;
        pop.name = "P" + std::to_string(p);
        pop.size = sizes[p];
        spec.populations.push_back(pop);
    }
    spec.populations[2].model = model::neuron_kind::poisson_source;
    spec.populations[2].params.rate = 20.0;
    const auto projection = [&](std::uint32_t source, std::uint32_t target, model::connection_rule rule) {
        model::projection_spec p;
        p.source = source;
        p.target = target;
        p.rule = rule;
        p.indegree = 200;
        p.probability = 0.1;
        p.total_number = 3000;
        spec.projections.push_back(p);
    };
    projection(0, 0, model::connection_rule::fixed_indegree);
    projection(2, 0, model::connection_rule::pairwise_bernoulli);
    projection(0, 1, model::connection_rule::all_to_all);
    projection(1, 3, model::connection_rule::fixed_total_number);
    return spec;
}

// The cost each rank holds under `bounds`.
std::vector<double> rank_costs(const model::model_spec& spec, const std::vector<std::uint64_t>& bounds) {
    const auto cost = network::placement_cost(spec);
    std::vector<double> out(bounds.size() - 1, 0.0);
    for (std::size_t r = 0; r + 1 < bounds.size(); ++r)
        for (std::uint64_t g = bounds[r]; g < bounds[r + 1]; ++g) {
            std::uint32_t p = 0;
            while (g >= spec.first_gid(p) + spec.populations[p].size) ++p;
            out[r] += cost[p];
        }
    return out;
}

void check_layouts(const model::model_spec& spec, int ranks, int threads) {
    SCOPED_TRACE(std::to_string(ranks) + " x " + std::to_string(threads));
    const std::uint64_t N = spec.total_neurons();
    const auto bound = network::partition::thread_neuron_bound(spec, ranks, threads);
    std::vector<int> seen(N, 0);
    std::uint64_t most = 0;
    for (int r = 0; r < ranks; ++r) {
        network::partition part(spec, r, ranks, threads);
        std::vector<std::uint64_t> mine;
        for (int t = 0; t < threads; ++t) {
            const auto& layout = part.thread(t);
            most = std::max<std::uint64_t>(most, layout.size());
            for (std::uint32_t i = 0; i < layout.size(); ++i) {
                const auto gid = layout.gids[i];
                ASSERT_LT(gid, N);
                ++seen[gid];
                mine.push_back(gid);
                ASSERT_EQ(part.owner_rank(gid), r) << gid;
                int tt = -1;
                std::uint32_t ii = 0;
                ASSERT_TRUE(part.locate(gid, tt, ii)) << gid;
                ASSERT_EQ(tt, t);
                ASSERT_EQ(ii, i);
            }
        }
        EXPECT_EQ(part.local_neurons(), mine.size());
        // Another rank's gids are not located here.
        for (std::uint64_t gid = 0; gid < N; gid += 7) {
            int tt = 0;
            std::uint32_t ii = 0;
            EXPECT_EQ(part.locate(gid, tt, ii), part.owner_rank(gid) == r) << gid;
        }
        if (spec.placement != model::placement_kind::round_robin && !mine.empty()) {
            std::sort(mine.begin(), mine.end());
            EXPECT_EQ(mine.back() - mine.front() + 1, mine.size()) << "rank " << r << " holds one contiguous range";
            const auto bounds = network::rank_bounds(spec, ranks);
            EXPECT_EQ(mine.front(), bounds[static_cast<std::size_t>(r)]);
            EXPECT_EQ(mine.back() + 1, bounds[static_cast<std::size_t>(r) + 1]);
        }
    }
    for (std::uint64_t g = 0; g < N; ++g) ASSERT_EQ(seen[g], 1) << "gid " << g << " owned once";
    EXPECT_LE(most, bound) << "thread_neuron_bound is an upper bound";
}

}  // namespace

// uneven_network in three groups: {P0, P1}, {P2}, {P3}.
model::model_spec grouped_network() {
    auto spec = uneven_network(model::placement_kind::groups);
    for (const auto& [p, g] : {std::pair{0, "x"}, {1, "x"}, {2, "y"}, {3, "z"}}) spec.populations[p].group = g;
    return spec;
}

TEST(partition, every_gid_is_owned_once_and_located_where_it_lives) {
    for (const auto placement :
         {model::placement_kind::round_robin, model::placement_kind::blocks, model::placement_kind::groups}) {
        auto spec = placement == model::placement_kind::groups ? grouped_network() : uneven_network(placement);
        for (const int ranks : {1, 2, 3, 4, 7, 16})
            for (const int threads : {1, 2, 3, 8}) check_layouts(spec, ranks, threads);
    }
}

TEST(partition, more_ranks_than_neurons_leaves_some_ranks_empty) {
    auto spec = uneven_network(model::placement_kind::blocks);
    spec.projections.clear();
    for (auto& pop : spec.populations) pop.size = 2;
    check_layouts(spec, 13, 2);
    spec.placement = model::placement_kind::round_robin;
    check_layouts(spec, 13, 2);
}

TEST(partition, blocks_are_balanced_within_the_stated_bound) {
    const auto spec = uneven_network(model::placement_kind::blocks);
    const auto cost = network::placement_cost(spec);
    const double largest = *std::max_element(cost.begin(), cost.end());
    for (const int ranks : {2, 3, 4, 5, 8, 16, 64}) {
        const auto costs = rank_costs(spec, network::rank_bounds(spec, ranks));
        const double mean = std::accumulate(costs.begin(), costs.end(), 0.0) / ranks;
        const double high = *std::max_element(costs.begin(), costs.end());
        EXPECT_LE(high, (1.0 + 2.0 * network::block_snap) * mean + largest) << ranks << " ranks";
    }
    // Round robin needs no boundaries: owner_rank is gid % ranks.
    EXPECT_TRUE(network::rank_bounds(uneven_network(model::placement_kind::round_robin), 4).empty());
}

TEST(partition, blocks_keep_whole_populations_where_the_balance_allows) {
    auto spec = uneven_network(model::placement_kind::blocks);
    spec.projections.clear();  // every neuron costs the same
    for (auto& pop : spec.populations) pop.size = 100;
    spec.populations[1].size = 104;  // the ideal boundary at 2 ranks is gid 202, 2 from P1's end
    EXPECT_EQ(network::rank_bounds(spec, 4), (std::vector<std::uint64_t>{0, 100, 204, 304, 404}));
    EXPECT_EQ(network::rank_bounds(spec, 2), (std::vector<std::uint64_t>{0, 204, 404}));
    // A population much larger than a rank's share is cut where the cost says.
    spec.populations[3].size = 1000;
    const auto bounds = network::rank_bounds(spec, 2);
    EXPECT_EQ(bounds[1], 652u);  // half of 1304
}

TEST(partition, groups_hold_whole_groups_or_lie_inside_one) {
    const auto spec = grouped_network();
    const std::vector<std::uint64_t> group_starts{0, 837, 1137, 2637};  // P0 + P1, P2, P3; the end
    for (const int ranks : {1, 2, 3, 4, 5, 8, 16, 64}) {
        SCOPED_TRACE(std::to_string(ranks) + " ranks");
        const auto bounds = network::rank_bounds(spec, ranks);
        const auto in = [](const auto& list, std::uint64_t g) {
            return std::find(list.begin(), list.end(), g) != list.end();
        };
        // Fewer ranks than groups: every rank boundary is a group boundary (whole groups per rank);
        // else every group boundary is a rank boundary (each rank inside one group).
        if (ranks < 3)
            for (const auto b : bounds) EXPECT_TRUE(in(group_starts, b)) << b;
        else
            for (const auto g : group_starts) EXPECT_TRUE(in(bounds, g)) << g;
        // Every rank holds neurons (3 groups of hundreds of neurons or more).
        for (std::size_t r = 0; r + 1 < bounds.size(); ++r) EXPECT_LT(bounds[r], bounds[r + 1]) << "rank " << r;
    }
    // A group's ranks are balanced as blocks balances the whole network: within the blocks bound of
    // the group's cost over its ranks, which is at most the cost per rank of the heaviest group.
    const auto cost = network::placement_cost(spec);
    const double largest = *std::max_element(cost.begin(), cost.end());
    for (const int ranks : {8, 16, 64}) {
        const auto costs = rank_costs(spec, network::rank_bounds(spec, ranks));
        const double mean = std::accumulate(costs.begin(), costs.end(), 0.0) / ranks;
        const double high = *std::max_element(costs.begin(), costs.end());
        EXPECT_LE(high, 1.5 * (1.0 + 2.0 * network::block_snap) * mean + largest) << ranks << " ranks";
    }
    EXPECT_EQ(network::group_runs(spec), (std::vector<std::size_t>{0, 2, 3, 4}));
}

TEST(partition, groups_share_out_ranks_by_cost) {
    auto spec = grouped_network();
    spec.projections.clear();  // every neuron costs the same
    spec.populations[0].size = 60;
    spec.populations[1].size = 40;  // groups of 100, 100 and 200 neurons
    spec.populations[2].size = 100;
    spec.populations[3].size = 200;
    EXPECT_EQ(network::rank_bounds(spec, 1), (std::vector<std::uint64_t>{0, 400}));
    EXPECT_EQ(network::rank_bounds(spec, 2), (std::vector<std::uint64_t>{0, 200, 400}));  // x and y | z
    EXPECT_EQ(network::rank_bounds(spec, 3), (std::vector<std::uint64_t>{0, 100, 200, 400}));
    // The fourth rank goes to z, the heaviest per rank; the fifth to x, the first of the equal ones,
    // cut at its middle: P0's end is 10 neurons away, 20 % of a rank's cost, beyond block_snap.
    EXPECT_EQ(network::rank_bounds(spec, 4), (std::vector<std::uint64_t>{0, 100, 200, 300, 400}));
    EXPECT_EQ(network::rank_bounds(spec, 5), (std::vector<std::uint64_t>{0, 50, 100, 200, 300, 400}));
    // Populations of one group apart are two groups.
    spec.populations[3].group = "x";
    EXPECT_EQ(network::group_runs(spec), (std::vector<std::size_t>{0, 2, 3, 4}));
    spec.populations[2].group = "x";
    EXPECT_EQ(network::group_runs(spec), (std::vector<std::size_t>{0, 4}));
    EXPECT_EQ(network::rank_bounds(spec, 2), network::rank_bounds(
                                                 [&] {
        auto b = spec;
        b.placement = model::placement_kind::blocks;
        return b;
                                                 }(),
                                                 2));
}

TEST(partition, the_cost_counts_synapses_and_expected_events) {
    const auto spec = uneven_network(model::placement_kind::blocks);
    const auto cost = network::placement_cost(spec);
    // P0: 64 + 200 (fixed in-degree, source rate unknown) + 0.1 × 300 × (1 + 20 Hz / 10 Hz) from the source.
    EXPECT_DOUBLE_EQ(cost[0], 64.0 + 200.0 + 30.0 * 3.0);
    EXPECT_DOUBLE_EQ(cost[1], 64.0 + 800.0);          // all_to_all from P0
    EXPECT_DOUBLE_EQ(cost[2], 64.0);                  // a source receives nothing
    EXPECT_DOUBLE_EQ(cost[3], 64.0 + 3000.0 / 1500);  // fixed_total_number: the mean in-degree
    // A rate from network.compensation.mean_rates weighs every synapse from the population.
    auto rated = spec;
    rated.populations[0].expected_rate = 5.0;
    const auto more = network::placement_cost(rated);
    EXPECT_DOUBLE_EQ(more[0], 64.0 + 200.0 * 1.5 + 30.0 * 3.0);
    EXPECT_DOUBLE_EQ(more[1], 64.0 + 800.0 * 1.5);
}

TEST(partition, owner_rank_is_a_search_over_the_rank_bounds) {
    const std::vector<std::uint64_t> bounds{0, 10, 10, 25, 40};  // rank 1 holds nothing
    EXPECT_EQ(network::partition::owner_rank(0, 4, bounds), 0);
    EXPECT_EQ(network::partition::owner_rank(9, 4, bounds), 0);
    EXPECT_EQ(network::partition::owner_rank(10, 4, bounds), 2);
    EXPECT_EQ(network::partition::owner_rank(24, 4, bounds), 2);
    EXPECT_EQ(network::partition::owner_rank(25, 4, bounds), 3);
    EXPECT_EQ(network::partition::owner_rank(39, 4, bounds), 3);
    EXPECT_EQ(network::partition::owner_rank(39, 4, {}), 3);  // round robin: 39 % 4
}
