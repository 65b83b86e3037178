// Delivering an interval's received spikes: each projection's kind of delivery is resolved once, at
// build (resolve_delivery). The spikes are read once per rank: each thread looks up its chunk of them
// in the rank's source index (bucket_received) and hands each row it finds to the thread that holds
// it; each thread then delivers only its rows, by one switch on the kind, to one function per kind.
// Plastic rows and postsynaptic arrivals are in plastic_delivery.hpp and plastic_delivery.cpp.
#include <tuple>

#include "plastic_delivery.hpp"
#include "synorm/model/assert.hpp"

namespace synorm::engine {

namespace {

// A static row whose every synapse has the same delay: one ring-buffer slot for the whole row.
[[gnu::always_inline]] inline void deliver_static_uniform(thread_state& ts, const network::synapse_table& table,
                                                          std::uint64_t r, std::uint64_t base) {
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const row = ring.data() + ((base + table.delay_offset) & ring.mask()) * ts.n;
    const std::uint32_t* const td = table.target_delay.data();
    const float* const w = table.weight.data();
    const std::uint64_t k0 = table.row_first(r), k1 = table.row_end(r);
    ts.events += k1 - k0;
    for (std::uint64_t k = k0; k < k1; ++k) row[network::synapse_target(td[k])] += w[k];
}

// A static row whose synapses have different delays: a slot per synapse.
[[gnu::always_inline]] inline void deliver_static(thread_state& ts, const network::synapse_table& table,
                                                  std::uint64_t r, std::uint64_t base) {
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::uint32_t* const td = table.target_delay.data();
    const float* const w = table.weight.data();
    const std::uint64_t k0 = table.row_first(r), k1 = table.row_end(r);
    ts.events += k1 - k0;
    for (std::uint64_t k = k0; k < k1; ++k) {
        const std::uint32_t word = td[k];
        data[((base + network::synapse_delay_offset(word)) & mask) * n + network::synapse_target(word)] += w[k];
    }
}

// A static row under comm.structure: only the synapses due in [from, before) (structure.cpp).
void deliver_static_window(thread_state& ts, const network::synapse_table& table, std::uint64_t r, std::uint64_t base,
                           std::int64_t from, std::int64_t before) {
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::uint32_t* const td = table.target_delay.data();
    const float* const w = table.weight.data();
    for (std::uint64_t k = table.row_first(r), k1 = table.row_end(r); k < k1; ++k) {
        const std::uint32_t word = td[k];
        const std::uint64_t offset = table.uniform_delay ? table.delay_offset : network::synapse_delay_offset(word);
        const std::uint64_t due = base + offset;
        if (static_cast<std::int64_t>(due) < from || static_cast<std::int64_t>(due) >= before) continue;
        ++ts.events;
        data[(due & mask) * n + network::synapse_target(word)] += w[k];
    }
}

// Requests the start of a row's synapses (targets and delays, weights) and, plastic, its row state, a
// row ahead of its delivery: a row's first lines are a cache miss each, which the loops' own
// prefetches and the hardware's come too late for (config/coba_stdp.yaml: 64 synapses a row, a third
// of the plastic delivery's time waited there).
inline void prefetch_row(const thread_state& ts, const row_visit& v) {
    const network::synapse_table& table = ts.tables[v.projection];
    const std::uint64_t k0 = table.row_first(v.row), n = table.row_end(v.row) - k0;
    constexpr std::uint64_t line = 64 / sizeof(float), most = 8 * line;  // 4-byte values per line; at most
    const std::uint32_t* const td = table.target_delay.data() + k0;
    const float* const w = table.weight.data() + k0;
    // Lines from the row's first value on, and the line of its last (a row need not start a line).
    for (std::uint64_t k = 0; k < std::min(n, most); k += line) {
        __builtin_prefetch(td + k);
        __builtin_prefetch(w + k, 1);
    }
    if (n > 0 && n <= most) {
        __builtin_prefetch(td + n - 1);
        __builtin_prefetch(w + n - 1, 1);
    }
    if (v.projection < ts.rows.size() && !ts.rows[v.projection].last_pre.empty()) {
        __builtin_prefetch(ts.rows[v.projection].last_pre.data() + v.row, 1);
        __builtin_prefetch(ts.rows[v.projection].x.data() + v.row, 1);
    }
}

}  // namespace

// The rule for each kind, in this order:
// - plastic_rule(id): a plastic projection, delivered by its rule's template (registered_rules
//   index id); its transmitter applies branches, additive scaling and the SHY gain, as for every
//   plastic row;
// - transmitted: a static projection whose synapses send more than their weight: excitatory onto a
//   population with additive scaling (additive[j]) or with branches (branched[j]);
// - static_uniform: any other static projection whose synapses on this thread all have one delay;
// - static_rows: any other static projection.
// The kind depends on the thread's table only through its delays; pruning, which could make them
// uniform, applies to plastic projections only.
delivery_kind simulation::impl::resolve_delivery(std::uint32_t j, const network::synapse_table& table) const {
    if (plastic[j]) return plastic_rule(rules[j].id);
    if (additive[j] || branched[j]) return delivery_kind::transmitted;
    return table.uniform_delay ? delivery_kind::static_uniform : delivery_kind::static_rows;
}

void simulation::impl::bucket_received(thread_state& ts, const std::vector<std::uint64_t>& spikes) {
    const std::size_t T = threads.size(), c = static_cast<std::size_t>(&ts - threads.data());
    ts.outgoing.resize(T);
    for (auto& list : ts.outgoing) list.clear();
    SYNORM_ASSERT(spikes.size() < (std::uint64_t{1} << 32), "an interval's received spikes are counted in 32 bits");
    const std::size_t begin = spikes.size() * c / T, end = spikes.size() * (c + 1) / T;
    const source_index& index = rank_index;
    ts.looked_up += end - begin;
    // In passes, so that each pass's loads (a cache miss each, at random places of the source index)
    // are independent of one another and in flight together: each spike's place in the index, its
    // rows requested, then its rows listed.
    ts.found.clear();
    for (std::size_t s = begin; s < end; ++s) {
        std::uint32_t e0, e1;
        index.sources.find(comm::spike_gid(spikes[s]), &e0, &e1);
        ts.found.push_back(std::uint64_t{e0} << 32 | e1);
    }
    const std::uint64_t bits = static_cast<std::uint64_t>(index.bits);
    for (const std::uint64_t at : ts.found)
        if (at >> 32 != network::source_map::none) __builtin_prefetch(index.packed.data() + (at >> 32) * bits / 8);
    for (std::size_t s = begin; s < end; ++s) {
        const std::uint64_t at = ts.found[s - begin];
        if (at >> 32 == network::source_map::none) continue;
        const auto e0 = static_cast<std::uint32_t>(at >> 32), e1 = static_cast<std::uint32_t>(at);
        const std::vector<std::uint32_t>& from = projections_from[population_of(comm::spike_gid(spikes[s]))];
        ts.rows_found += e1 - e0;
        for (std::uint32_t e = e0; e < e1; ++e) {
            const std::uint64_t word = index.word(e);
            ts.outgoing[index.thread_of(word)].push_back({static_cast<std::uint32_t>(s), from[index.place_of(word)],
                                                          static_cast<std::uint32_t>(index.row_of(word))});
        }
    }
}

void simulation::impl::deliver(thread_state& ts, const std::vector<std::uint64_t>& spikes, std::int64_t t_emit0,
                               std::int64_t upto, std::int64_t from, std::int64_t before) {
    const bool windowed = from != INT64_MIN || before != INT64_MAX;
    // Postsynaptic arrivals at a step come before the presynaptic spikes of that step (plastic_delivery.cpp).
    std::size_t next_arrival = 0;
    if (any_plastic) {
        settle_resting(ts);
        collect_arrivals(ts, upto);
    }
    // The prefetches of arrivals ahead (plastic_delivery.hpp): entries two ahead, weights one ahead.
    const std::size_t n_arrivals = ts.arrivals.size();
    for (std::size_t k = 0; k < std::min<std::size_t>(2, n_arrivals); ++k)
        prefetch_entries(ts.tables[ts.arrivals[k].projection], ts.arrivals[k]);
    if (n_arrivals > 0) prefetch_weights(ts.tables[ts.arrivals[0].projection], ts.arrivals[0]);
    const auto apply_arrivals_until = [&](std::int64_t step) {
        for (; next_arrival < n_arrivals && ts.arrivals[next_arrival].step <= step; ++next_arrival) {
            if (next_arrival + 2 < n_arrivals) {
                const post_arrival& later = ts.arrivals[next_arrival + 2];
                prefetch_entries(ts.tables[later.projection], later);
            }
            if (next_arrival + 1 < n_arrivals) {
                const post_arrival& next = ts.arrivals[next_arrival + 1];
                prefetch_weights(ts.tables[next.projection], next);
            }
            const post_arrival& a = ts.arrivals[next_arrival];
            SYNORM_ASSERT(ts.arrived < a.step && a.step <= upto,
                          "a postsynaptic arrival is applied within (arrived, upto]");
            SYNORM_ASSERT(next_arrival == 0 || ts.arrivals[next_arrival - 1].step <= a.step,
                          "postsynaptic arrivals are applied in step order");
            apply_arrival(ts, a);
        }
    };
    const std::size_t me = static_cast<std::size_t>(&ts - threads.data());
    // (spike, projection, row) of the last row visited, the first + 1: each next one is larger (the
    // spans of one row come in order)
    std::tuple<std::uint64_t, std::uint32_t, std::uint32_t> after{0, 0, 0};
    for (const auto& chunk : threads) {
        if (chunk.outgoing.size() <= me) continue;  // no spikes bucketed (none received yet)
        const std::vector<row_visit>& visits = chunk.outgoing[me];
        if (!visits.empty()) prefetch_row(ts, visits.front());
        for (std::size_t at = 0; at < visits.size(); ++at) {
            const row_visit& v = visits[at];
            if (at + 1 < visits.size()) prefetch_row(ts, visits[at + 1]);
            const std::uint64_t word = spikes[v.spike];
            const std::tuple<std::uint64_t, std::uint32_t, std::uint32_t> key{std::uint64_t{v.spike} + 1, v.projection,
                                                                              v.row};
            SYNORM_ASSERT(after < key,
                          "received spikes are delivered in canonical (lag, gid) order, projections "
                          "ascending");
            SYNORM_ASSERT(v.spike == 0 || spikes[v.spike - 1] < word, "received spikes are sorted");
            after = key;
            const std::uint64_t gid = comm::spike_gid(word);
            const std::int64_t t_pre = t_emit0 + static_cast<std::int64_t>(comm::spike_lag(word));
            apply_arrivals_until(t_pre);
            const auto base = static_cast<std::uint64_t>(t_pre + D);
            const std::uint32_t j = v.projection;
            if (windowed) {
                SYNORM_ASSERT(ts.delivery[j] == delivery_kind::static_uniform ||
                                  ts.delivery[j] == delivery_kind::static_rows,
                              "only static rows are delivered in windows (structure.cpp)");
                deliver_static_window(ts, ts.tables[j], v.row, base, from, before);
                continue;
            }
            switch (const delivery_kind kind = ts.delivery[j]) {
            case delivery_kind::static_uniform: deliver_static_uniform(ts, ts.tables[j], v.row, base); break;
            case delivery_kind::static_rows: deliver_static(ts, ts.tables[j], v.row, base); break;
            case delivery_kind::transmitted: deliver_transmitted(ts, j, v.row, gid, base); break;
            default:
                plasticity::registered_rules::visit(rule_of(kind), [&]<class Rule>(std::type_identity<Rule>) {
                    deliver_plastic<Rule>(ts, j, v.row, gid, t_pre);
                });
                break;
            }
        }
    }
    if (!any_plastic) return;
    apply_arrivals_until(upto);
    SYNORM_ASSERT(next_arrival == ts.arrivals.size(), "every postsynaptic arrival of the window is applied");
    finish_arrivals(ts, upto);
}

template <class Rule>
void simulation::impl::deliver_plastic(thread_state& ts, std::uint32_t j, std::uint64_t row, std::uint64_t gid,
                                       std::int64_t t_pre) {
    branch_cursor cursor = branched[j] ? branches_of_row(ts, j, gid) : branch_cursor{};
    const transmitter send = sender(ts, j, cursor);
    if (Rule::still_at_zero && ts.resting[j])
        deliver_row_resting<Rule>(ts, ts.tables[j], ts.rows[j], rules[j], D, row, t_pre, send);
    else
        deliver_row<Rule>(ts, ts.tables[j], ts.rows[j], rules[j], D, row, t_pre, send);
}

// Outside the static loops above, so that runs without branches or additive scaling keep them as they are.
void simulation::impl::deliver_transmitted(thread_state& ts, std::uint32_t j, std::uint64_t row, std::uint64_t gid,
                                           std::uint64_t base) {
    const auto& table = ts.tables[j];
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    branch_cursor cursor = branched[j] ? branches_of_row(ts, j, gid) : branch_cursor{};
    const transmitter send = sender(ts, j, cursor);
    const std::uint64_t k0 = table.row_first(row), k1 = table.row_end(row);
    ts.events += k1 - k0;
    for (std::uint64_t k = k0; k < k1; ++k) {
        const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
        data[((base + network::synapse_delay_offset(word)) & mask) * n + i] += send(table.weight[k], i);
    }
}

branch_cursor simulation::impl::branches_of_row(const thread_state& ts, std::uint32_t projection,
                                                std::uint64_t source_gid) const {
    const auto& proj = spec.projections[projection];
    const auto& b = spec.populations[proj.target].branches;
    branch_cursor c;
    c.count = b.count;
    c.gids = ts.layout->gids.data();
    if (b.assign == model::branch_spec::assignment::by_source) c.fixed = b.by_source[proj.source];
    else
        c.row = plasticity::row_hash(spec.simulation.seed, projection, source_gid);
    return c;
}

}  // namespace synorm::engine
