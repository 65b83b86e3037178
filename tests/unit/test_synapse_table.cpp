// CSR construction: the same synapses for any decomposition, rows sorted by target.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "synorm/network/network.hpp"

using namespace synorm;

namespace {

model::model_spec small_network() {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.seed = 17;
    model::population_spec e, i;
    e.name = "E";
    e.size = 120;
    i.name = "I";
    i.size = 30;
    i.type = model::cell_type::inhibitory;
    spec.populations = {e, i};
    model::projection_spec ee;
    ee.name = "EE";
    ee.source = 0;
    ee.target = 0;
    ee.rule = model::connection_rule::pairwise_bernoulli;
    ee.probability = 0.2;
    ee.weight.shape = model::distribution::kind::normal;
    ee.weight.mean = 0.5;
    ee.weight.sd = 0.1;
    ee.weight.min = 0;
    ee.delay.shape = model::distribution::kind::uniform;
    ee.delay.low = 0.5;
    ee.delay.high = 3.0;
    model::projection_spec ie = ee;
    ie.name = "IE";
    ie.source = 1;
    ie.rule = model::connection_rule::fixed_indegree;
    ie.indegree = 7;
    ie.weight = model::distribution::constant_value(-1.0);
    model::projection_spec ei = ee;
    ei.name = "EI";
    ei.target = 1;
    ei.rule = model::connection_rule::fixed_total_number;
    ei.total_number = 900;
    spec.projections = {ee, ie, ei};
    return spec;
}

using synapse =
    std::tuple<std::uint32_t, std::uint64_t, std::uint64_t, float, std::uint32_t>;  // proj, source, target, w, delay

std::vector<synapse> all_synapses(const model::model_spec& spec, int ranks, int threads) {
    std::vector<synapse> out;
    for (int r = 0; r < ranks; ++r) {
        network::partition part(spec, r, ranks, threads);
        for (int t = 0; t < threads; ++t) {
            const auto tables = network::build_synapses(spec, part, t);
            for (const auto& table : tables) {
                const auto first = spec.first_gid(spec.projections[table.projection].source);
                EXPECT_EQ(table.row_begin.size(), table.rows() + 1);
                EXPECT_TRUE(std::is_sorted(table.sources.begin(), table.sources.end()));
                for (std::uint64_t r = 0; r < table.rows(); ++r) {
                    EXPECT_LT(table.row_begin[r], table.row_begin[r + 1]) << "a row only for a source with synapses";
                    const std::uint64_t s = table.sources[r];
                    EXPECT_LT(s, spec.populations[spec.projections[table.projection].source].size);
                    EXPECT_EQ(table.find_row(s), r);
                    std::uint64_t previous_target = 0;
                    for (auto k = table.row_begin[r]; k < table.row_begin[r + 1]; ++k) {
                        const auto word = table.target_delay[k];
                        const auto target = part.thread(t).gids[network::synapse_target(word)];
                        EXPECT_GE(target, previous_target) << "rows sorted by target";
                        previous_target = target;
                        out.emplace_back(table.projection, first + s, target, table.weight[k],
                                         network::synapse_delay_offset(word));
                    }
                }
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(synapse_table, partition_covers_every_neuron_once) {
    const auto spec = small_network();
    for (int ranks : {1, 2, 3})
        for (int threads : {1, 2, 4}) {
            std::vector<int> seen(spec.total_neurons(), 0);
            for (int r = 0; r < ranks; ++r) {
                network::partition part(spec, r, ranks, threads);
                for (int t = 0; t < threads; ++t)
                    for (std::uint32_t i = 0; i < part.thread(t).size(); ++i) {
                        const auto gid = part.thread(t).gids[i];
                        ++seen[gid];
                        int tt = -1;
                        std::uint32_t ii = 0;
                        ASSERT_TRUE(part.locate(gid, tt, ii));
                        ASSERT_EQ(tt, t);
                        ASSERT_EQ(ii, i);
                    }
            }
            for (auto s : seen) ASSERT_EQ(s, 1);
        }
}

TEST(synapse_table, same_synapses_for_every_decomposition) {
    const auto spec = small_network();
    const auto reference = all_synapses(spec, 1, 1);
    EXPECT_GT(reference.size(), 2000u);
    for (auto [ranks, threads] : {std::pair{1, 2}, {2, 1}, {2, 2}, {3, 4}})
        EXPECT_EQ(all_synapses(spec, ranks, threads), reference);
    auto blocks = spec;
    blocks.placement = model::placement_kind::blocks;
    for (auto [ranks, threads] : {std::pair{1, 1}, {2, 1}, {2, 2}, {3, 4}, {5, 2}})
        EXPECT_EQ(all_synapses(blocks, ranks, threads), reference) << ranks << " x " << threads << " blocks";
}

TEST(synapse_table, counts_follow_the_rules) {
    const auto spec = small_network();
    const auto all = all_synapses(spec, 1, 1);
    std::vector<std::uint64_t> per_projection(3, 0);
    for (const auto& s : all) ++per_projection[std::get<0>(s)];
    EXPECT_EQ(per_projection[1], 120u * 7u);
    EXPECT_EQ(per_projection[2], 900u);
    for (const auto& s : all) {
        if (std::get<0>(s) == 1) {
            EXPECT_EQ(std::get<3>(s), -1.0f);
        }
        EXPECT_LE(std::get<4>(s), 25u) << "delay offset within [0.5, 3] ms at 0.1 ms";
    }
}

TEST(synapse_table, costs_eight_bytes_per_synapse_plus_eight_per_row) {
    network::synapse_table t;
    t.target_delay.resize(1000);
    t.weight.resize(1000);
    t.sources.resize(10);
    t.row_begin.resize(11);
    EXPECT_EQ(t.bytes(), 1000u * 8u + 10u * 4u + 11u * 4u);
}

// A thread with few synapses from a large population keeps rows for those sources only: the table's
// size follows its synapses, never the source population (the sort path of fill_rows), and each
// row keeps its drawing order as the counting path does.
TEST(synapse_table, rows_only_for_sources_with_synapses_on_the_thread) {
    auto spec = small_network();
    spec.populations[0].size = 200000;  // E: far more sources than any thread's synapses from it
    spec.projections.resize(1);
    spec.projections[0].rule = model::connection_rule::fixed_indegree;
    spec.projections[0].indegree = 3;
    network::partition part(spec, 0, 4096, 8);  // ~6 neurons per thread
    const auto tables = network::build_synapses(spec, part, 0);
    const auto& table = tables[0];
    ASSERT_GT(table.size(), 0u);
    EXPECT_LE(table.rows(), table.size());
    EXPECT_LT(table.bytes(), 100u * table.size()) << "no row index over 200000 sources";
    EXPECT_EQ(table.find_row(199999 + 1), table.rows()) << "not a row";
}

// The incoming index names every synapse of the table exactly once, under its target, and within a
// target by delay, then source; it costs 4 bytes per synapse (and 4 per neuron).
TEST(synapse_table, incoming_index_lists_each_synapse_once_under_its_target_by_delay) {
    const auto spec = small_network();  // EE: distributed delays, several per target
    network::partition part(spec, 0, 1, 1);
    auto tables = network::build_synapses(spec, part, 0);
    auto& table = tables[0];
    const std::uint32_t n = part.thread(0).size();
    const std::uint64_t before = table.bytes();
    network::index_incoming(table, n);
    const auto& index = table.incoming;
    ASSERT_EQ(index.begin.size(), n + 1u);
    ASSERT_EQ(index.entry.size(), table.size());
    EXPECT_EQ(table.bytes() - before, table.size() * 4u + (n + 1u) * 4u);
    std::vector<std::uint8_t> seen(table.size(), 0);
    std::uint32_t smallest = ~0u, largest = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::pair<std::uint32_t, std::uint64_t> previous{0, 0};
        for (std::uint64_t e = index.begin[i]; e < index.begin[i + 1]; ++e) {
            const std::uint64_t row = index.row(index.entry[e]),
                                k = table.row_begin[row] + index.position(index.entry[e]);
            ASSERT_LT(k, table.row_begin[row + 1]) << "the place lies in the row";
            const std::uint64_t src = table.sources[row];
            EXPECT_EQ(network::synapse_target(table.target_delay[k]), i);
            const std::pair<std::uint32_t, std::uint64_t> key{network::synapse_delay_offset(table.target_delay[k]),
                                                              src};
            EXPECT_LE(previous, key) << "by delay, then source";
            previous = key;
            smallest = std::min(smallest, key.first);
            largest = std::max(largest, key.first);
            ++seen[k];
        }
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](std::uint8_t c) { return c == 1; })) << "each synapse once";
    EXPECT_EQ(index.min_offset, smallest);
    EXPECT_EQ(index.max_offset, largest);
    EXPECT_LT(smallest, largest) << "the network has several delays";
    // Pruning compacts the table and indexes it anew.
    table.tag.assign(table.size(), 0);
    for (std::uint64_t k = 0; k < table.size(); k += 3) table.tag[k] = 100;
    const std::uint64_t kept = table.size() - network::remove_tagged(table, 1);
    ASSERT_EQ(index.entry.size(), kept);
    for (std::uint32_t i = 0; i < n; ++i)
        for (std::uint64_t e = index.begin[i]; e < index.begin[i + 1]; ++e) {
            const std::uint64_t row = index.row(index.entry[e]);
            EXPECT_EQ(
                network::synapse_target(table.target_delay[table.row_begin[row] + index.position(index.entry[e])]), i);
        }
}

// A thread's table_list holds only the tables with synapses and those it is asked to keep; every other
// projection reads as an empty table and costs its slot (README "Networks from tables": under blocks,
// nearly every projection is empty on a thread). Built from the same tables, it reads as they do.
TEST(synapse_table, a_table_list_holds_only_tables_with_synapses_or_kept) {
    auto spec = small_network();
    network::partition part(spec, 0, 1, 1);
    auto built = network::build_synapses(spec, part, 0);
    ASSERT_GE(built.size(), 2u);
    ASSERT_GT(built[0].size(), 0u);
    const std::uint32_t J = static_cast<std::uint32_t>(built.size()) + 3;
    network::table_list list;
    list.clear(J);
    list.set(0, network::synapse_table(built[0]), false);
    for (std::uint32_t j = 1; j < J; ++j) {
        network::synapse_table empty;
        empty.projection = j;
        list.set(j, std::move(empty), j == J - 1);  // only the last of the empty ones is kept
    }
    EXPECT_EQ(list.size(), J);
    EXPECT_EQ(list.held(), 2u);
    EXPECT_EQ(list[0].size(), built[0].size());
    EXPECT_EQ(list[0].target_delay, built[0].target_delay);
    for (std::uint32_t j = 1; j < J; ++j) {
        EXPECT_EQ(list[j].size(), 0u);
        EXPECT_EQ(list[j].rows(), 0u);
    }
    EXPECT_EQ(list[J - 1].projection, J - 1) << "kept, so its own table";
    std::vector<std::uint32_t> order;
    for (const auto& table : list) order.push_back(table.projection);
    EXPECT_EQ(order, (std::vector<std::uint32_t>{0, J - 1}));
    EXPECT_LT(list.bytes(), std::uint64_t{J} * sizeof(network::synapse_table)) << "a slot per projection, not a table";
}
