// Every delivery path sends the effective weight (engine_state.hpp: effective_weight, which snapshots
// and pruning read): static rows (plain, branched, additive) and plastic ones, onto targets with
// multiplicative or additive scaling, with or without branches, with or without a SHY gain. White
// box: one presynaptic spike is delivered into the ring buffer of a built engine whose gains, branch
// gains, offsets and SHY gain were set by hand, and each synapse's slot times its target's gain
// (what the kernel does when the input arrives) must equal effective_weight, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "../../src/engine/engine_state.hpp"
#include "network_testing.hpp"
#include "synorm/comm/communicator.hpp"

namespace synorm::engine {

struct simulation_internals {
    static simulation::impl& of(simulation& s) { return *s.impl_; }
};

}  // namespace synorm::engine

using namespace synorm;

namespace {

struct combination {
    bool plastic, additive, branches, shy;
    std::string name() const {
        return std::string(plastic ? "plastic" : "static") + (additive ? " additive" : " multiplicative") +
               (branches ? " branches" : "") + (shy ? " SHY" : "");
    }
};

// S (4 cells) onto T (6 cells), all to all, weights spread over [0.5, 3] nS, one delay.
model::model_spec delivery_network(const combination& c) {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 10.0;
    for (const char* name : {"S", "T"}) {
        model::population_spec p;
        p.name = name;
        p.size = name[0] == 'S' ? 4 : 6;
        p.model = model::neuron_kind::lif_cond_exp;
        p.V_init = model::distribution::constant_value(-70.0);
        spec.populations.push_back(p);
    }
    auto& t = spec.populations[1];
    t.scaling.enabled = true;
    t.scaling.mode = c.additive ? model::scaling_mode::additive : model::scaling_mode::multiplicative;
    if (c.branches) {
        t.branches.enabled = true;
        t.branches.count = 3;
    }
    model::projection_spec p;
    p.name = "ST";
    p.source = 0;
    p.target = 1;
    p.rule = model::connection_rule::all_to_all;
    p.weight.shape = model::distribution::kind::uniform;
    p.weight.low = 0.5;
    p.weight.high = 3.0;
    p.delay = model::distribution::constant_value(1.0);
    if (c.plastic) {
        p.plasticity.rule = model::stdp_rule::pair;
        p.plasticity.A_plus = 0.01;
        p.plasticity.A_minus = -0.01;
        p.plasticity.w_min = 0.0;
        p.plasticity.w_max = 4.0;
    }
    spec.projections.push_back(p);
    spec.homeostasis.period = 10.0;
    if (c.shy) {  // one NREM phase with selective SHY renormalization
        model::phase_spec nrem;
        nrem.name = "sleep";
        nrem.kind = model::phase_kind::nrem;
        nrem.duration = 10.0;
        nrem.renormalize = true;
        spec.schedule.phases.push_back(nrem);
        spec.schedule.renormalization.enabled = true;
        spec.schedule.renormalization.mode = model::renormalization_spec::selectivity::selective;
    }
    return spec;
}

}  // namespace

TEST(delivery, every_path_sends_the_effective_weight) {
    std::vector<combination> all;
    for (const bool plastic : {false, true})
        for (const bool additive : {false, true})
            for (const bool branches : {false, true})
                for (const bool shy : {false, true}) all.push_back({plastic, additive, branches, shy});
    for (const auto& c : all) {
        SCOPED_TRACE(c.name());
        const auto spec = delivery_network(c);
        auto comm = comm::make_serial();
        engine::simulation sim(spec, *comm, 1);
        auto& e = engine::simulation_internals::of(sim);
        ASSERT_EQ(e.threads.size(), 1u);
        auto& ts = e.threads[0];
        // Gains as homeostasis could have left them: every neuron and branch its own.
        ASSERT_EQ(ts.gain_ex.size(), ts.n);
        for (std::uint32_t i = 0; i < ts.n; ++i) ts.gain_ex[i] = 0.75f + 0.125f * static_cast<float>(i % 5);
        if (c.additive) {
            ASSERT_EQ(ts.offset_ex.size(), ts.n);
            // Some negative enough that the weight clamps to 0.
            for (std::uint32_t i = 0; i < ts.n; ++i)
                ts.offset_ex[i] = i % 3 == 0 ? -2.0f : 0.3f * static_cast<float>(i % 4);
        }
        if (c.branches) {
            ASSERT_EQ(ts.branch_gain.size(), std::size_t{ts.n} * e.branch_stride);
            for (std::size_t k = 0; k < ts.branch_gain.size(); ++k)
                ts.branch_gain[k] = 0.5f + 0.25f * static_cast<float>(k % 7);
        }
        if (c.shy) {  // as a period of the renormalizing phase leaves it, on the renormalized projections
            ASSERT_EQ(e.renormalized.size(), 1u);
            ASSERT_EQ(e.renormalized[0] != 0, c.plastic) << "SHY acts on excitatory plastic projections";
            if (e.renormalized[0]) {
                e.shy_gain[0] = 0.625f;
                e.shy_spare[0] = 2.0f;  // selective: the synapses at or above 2 nS keep their weight
            }
        }
        const auto& table = ts.tables[0];
        const std::vector<float> w_before = table.weight;
        const std::vector<std::uint32_t> arrivals_before = ts.branch_arrivals;
        // One spike of S's cell 2 at step 0 of the interval emitted at 0, delivered up to step D.
        const std::uint64_t src = 2;
        const std::vector<std::uint64_t> spikes{comm::pack_spike(e.first_gid[0] + src, 0)};
        e.bucket_received(ts, spikes);  // one thread: its chunk is every spike
        e.deliver(ts, spikes, 0, e.D);
        const auto sources = e.row_sources_of(0)[0][0];  // the engine's tables keep no sources in a run
        const auto row = static_cast<std::uint64_t>(std::find(sources.begin(), sources.end(), src) - sources.begin());
        ASSERT_EQ(row, src) << "all to all: every source has a row";
        ASSERT_EQ(table.row_begin[row + 1] - table.row_begin[row], 6u) << "all to all";
        const engine::detail::effective_weight effective = e.effective_weights(ts, 0);
        using engine::detail::branch_cursor;
        branch_cursor branch = c.branches ? e.branches_of_row(ts, 0, e.first_gid[0] + src) : branch_cursor{};
        std::vector<std::uint32_t> arrivals_expected = arrivals_before;
        int below_spare = 0;
        for (std::uint64_t k = table.row_begin[row]; k < table.row_begin[row + 1]; ++k) {
            const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
            const std::uint32_t b = c.branches ? branch(i) : 0;
            if (c.branches) ++arrivals_expected[std::size_t{i} * e.branch_stride + b];
            below_spare += table.weight[k] < 2.0f;
            const std::int64_t arrival = e.D + static_cast<std::int64_t>(network::synapse_delay_offset(word));
            const float sent = ts.ring_ex.row(arrival)[i] * ts.gain_ex[i];  // what the kernel takes in
            EXPECT_EQ(sent, effective(table.weight[k], i, b))
                << "synapse " << k << " onto " << i << " (w " << table.weight[k] << ")";
            if (!c.plastic) {
                EXPECT_EQ(table.weight[k], w_before[k]);
            }
        }
        EXPECT_EQ(ts.branch_arrivals, arrivals_expected) << "one arrival counted on each synapse's branch";
        if (c.shy && c.plastic) {
            EXPECT_GT(below_spare, 0) << "G reaches some synapses";
        }
    }
}

// The source index's words, packed at any width from 1 to 57 bits (and 64: wider ones take 64), read
// back as written wherever they fall in a byte, in as many bytes as their bits and one 8 B pad.
TEST(delivery, source_index_words_read_back_at_every_width) {
    for (const int width : {1, 3, 7, 8, 13, 17, 31, 32, 33, 50, 56, 57, 58, 64}) {
        engine::delivery_state::source_index index;
        constexpr std::uint64_t n = 1000;
        index.reserve(n, width);
        ASSERT_EQ(index.bits, width > 57 ? 64 : width);
        EXPECT_EQ(index.packed.size(), (n * static_cast<std::uint64_t>(index.bits) + 7) / 8 + 8) << width;
        const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
        const auto value = [&](std::uint64_t e) { return (e * 0x9E3779B97F4A7C15ull ^ (e << 7)) & mask; };
        for (std::uint64_t e = 0; e < n; ++e) index.push(value(e));
        for (std::uint64_t e = 0; e < n; ++e) ASSERT_EQ(index.word(e), value(e)) << "width " << width << ", word " << e;
    }
}

// The rank's source index packs its row words at the width the rank needs, and a dense or sparse map
// of its gids (chosen at build; build.cpp, index_sources). The 8 B sparse form, forced here, must
// name the same rows: every received spike's rows, bucketed by thread, and every row's source are
// those of the narrow form.
TEST(delivery, the_wide_source_index_names_the_same_rows_as_the_narrow_one) {
    auto spec = network_test::one_population(600, 0.02, 10.0, 1.0);
    spec.projections.push_back(spec.projections[0]);  // a second projection: the word's projection field
    spec.projections[1].name = "EE2";
    spec.projections[1].delay = model::distribution::constant_value(2.0);
    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 3);
    auto& e = engine::simulation_internals::of(sim);
    const std::vector<std::uint8_t> all(spec.projections.size(), 1);
    const auto sources = e.row_sources(all);
    ASSERT_LE(e.rank_index.bits, 16) << "600 neurons, 3 threads, 2 projections: 2 + 1 + 10 bits";
    ASSERT_NE(e.rank_index.sources.kind(), network::source_map::form::sparse) << "every gid a source: dense";
    std::vector<std::uint64_t> spikes;
    for (std::uint64_t g = 0; g < 600; g += 7) spikes.push_back(comm::pack_spike(g, g % 5));
    std::sort(spikes.begin(), spikes.end());
    const auto rows_of = [&] {
        std::vector<std::vector<std::vector<engine::detail::row_visit>>> by_chunk;
        for (auto& ts : e.threads) {
            e.bucket_received(ts, spikes);
            by_chunk.push_back(ts.outgoing);
        }
        return by_chunk;
    };
    const auto narrow = rows_of();
    for (std::size_t t = 0; t < e.threads.size(); ++t)  // the tables keep no sources once indexed
        for (std::size_t j = 0; j < spec.projections.size(); ++j) {
            ASSERT_TRUE(e.threads[t].tables[j].sources.empty());
            e.threads[t].tables[j].sources = sources[t][j];
        }
    e.index_sources(true);
    ASSERT_EQ(e.rank_index.bits, 64);
    ASSERT_EQ(e.rank_index.sources.kind(), network::source_map::form::sparse);
    EXPECT_EQ(e.row_sources(all), sources);
    const auto wide = rows_of();
    std::size_t visits = 0;
    for (std::size_t c = 0; c < narrow.size(); ++c) {
        ASSERT_EQ(wide[c].size(), narrow[c].size());
        for (std::size_t t = 0; t < narrow[c].size(); ++t) {
            ASSERT_EQ(wide[c][t].size(), narrow[c][t].size()) << "chunk " << c << ", thread " << t;
            for (std::size_t k = 0; k < narrow[c][t].size(); ++k) {
                EXPECT_EQ(wide[c][t][k].spike, narrow[c][t][k].spike);
                EXPECT_EQ(wide[c][t][k].projection, narrow[c][t][k].projection);
                EXPECT_EQ(wide[c][t][k].row, narrow[c][t][k].row);
            }
            visits += narrow[c][t].size();
        }
    }
    EXPECT_GT(visits, spikes.size()) << "each spike reaches rows of both projections on several threads";
}

// Span rows (network/synapse_table.hpp; build.cpp, index_sources): static tables of short rows drop
// their row offsets, and the source index names each row by its spans (a row longer than the length
// field holds takes several). The same network indexed with row numbers must deliver the same input
// to the same slots, and give the same snapshot, checkpoint lists and synapse checksum: 2000 neurons,
// 4 threads, about 1.6 synapses a row, with a second projection of varied delays (the per-synapse
// slots).
TEST(delivery, span_rows_deliver_and_list_what_numbered_rows_do) {
    auto spec = network_test::one_population(2000, 0.002, 10.0, 1.0);
    spec.projections.push_back(spec.projections[0]);
    spec.projections[1].name = "EE2";
    spec.projections[1].delay.shape = model::distribution::kind::uniform;
    spec.projections[1].delay.low = 1.0;
    spec.projections[1].delay.high = 3.0;
    auto comm = comm::make_serial();
    engine::simulation spans(spec, *comm, 4), numbers(spec, *comm, 4);
    auto& a = engine::simulation_internals::of(spans);
    auto& b = engine::simulation_internals::of(numbers);
    std::size_t spanned = 0;
    for (const auto& ts : a.threads)
        for (const auto& table : ts.tables) {
            spanned += table.spans();
            EXPECT_TRUE(!table.spans() || table.row_begin.empty()) << "a table with span rows keeps no offsets";
        }
    ASSERT_EQ(spanned, a.threads.size() * spec.projections.size()) << "short rows: every table spans";
    // The second engine back to row numbers: the tables' sources and offsets from its index.
    const std::vector<std::uint8_t> all(spec.projections.size(), 1);
    std::decay_t<decltype(b.row_sources(all))> begins;
    const auto sources = b.row_sources(all, b.all_threads, &begins);
    std::uint32_t longest = 0;  // synapses in a row
    for (std::size_t t = 0; t < b.threads.size(); ++t)
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
            auto& table = b.threads[t].tables[j];
            ASSERT_TRUE(table.spans());
            ASSERT_EQ(begins[t][j].size(), table.rows() + 1);
            for (std::size_t r = 0; r + 1 < begins[t][j].size(); ++r)
                longest = std::max(longest, begins[t][j][r + 1] - begins[t][j][r]);
            EXPECT_LT(std::uint32_t{1} << table.span_bits, longest) << "some row takes more than one span";
            ASSERT_EQ(begins[t][j].back(), table.size());
            table.sources = sources[t][j];
            table.row_begin = begins[t][j];
            table.spanned = false;
            table.span_bits = 0;
            table.span_rows = 0;
        }
    b.index_sources(false, std::decay_t<decltype(b)>::span_choice::never);
    for (const auto& ts : b.threads)
        for (const auto& table : ts.tables) ASSERT_FALSE(table.spans());
    EXPECT_EQ(b.row_sources(all), sources);
    EXPECT_EQ(spans.synapse_checksum(), numbers.synapse_checksum());
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto x = a.snapshot(j, 0), y = b.snapshot(j, 0);
        EXPECT_EQ(x.sources, y.sources);
        EXPECT_EQ(x.targets, y.targets);
        EXPECT_EQ(x.weights, y.weights);
        EXPECT_GT(x.sources.size(), 1000u) << "projection " << j;
    }
    std::vector<std::uint64_t> spikes;
    for (std::uint64_t g = 0; g < 2000; g += 3) spikes.push_back(comm::pack_spike(g, 0));
    for (auto* e : {&a, &b}) {
        for (auto& ts : e->threads) e->bucket_received(ts, spikes);
        for (auto& ts : e->threads) e->deliver(ts, spikes, 0, 1);
    }
    double total = 0;
    for (std::size_t t = 0; t < a.threads.size(); ++t) {
        auto& x = a.threads[t];
        auto& y = b.threads[t];
        ASSERT_EQ(x.ring_ex.slots(), y.ring_ex.slots());
        ASSERT_GT(x.ring_ex.slots(), 2u) << "delays of up to 3 ms: several slots";
        for (std::size_t k = 0; k < x.ring_ex.slots() * x.n; ++k) {
            ASSERT_EQ(x.ring_ex.data()[k], y.ring_ex.data()[k]) << "thread " << t << ", slot " << k;
            total += x.ring_ex.data()[k];
        }
        EXPECT_EQ(x.events, y.events);
    }
    EXPECT_GT(total, 0.0) << "the spikes reached synapses";
}
