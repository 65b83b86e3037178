// The rule-generic loops of plastic delivery (plasticity/rule.hpp), instantiated once per registered
// rule: a presynaptic spike on a plastic row (delivery.cpp) and a postsynaptic spike reaching a run of
// plastic synapses (plastic_delivery.cpp). Private to src/engine.
#pragma once

#include "engine_state.hpp"
#include "synorm/model/assert.hpp"

namespace synorm::engine {

// One presynaptic spike emitted at t_pre on a plastic row r (of the compressed table and of rs): each
// synapse takes the rule's `pre` with its target's trace just before the spike meets it (t_pre − d),
// then transmits its new weight. Templated on the rule (plasticity/rule.hpp) so that each rule's loop
// keeps its parameters in registers and pays for no other rule's branches; rows of a table whose
// synapses share one delay find their ring-buffer slot once.
template <class Rule>
inline void deliver_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs,
                        const plasticity::projection_rule& full, std::int64_t D, std::uint64_t r, std::int64_t t_pre,
                        const transmitter& send) {
    const plasticity::rule_params common = full;  // copies: the weight stores below cannot alias them
    const typename Rule::params own = full.params_of<Rule>();
    const bool nearest = Rule::pairing && common.nearest;
    const plasticity::decay_table &plus = full.plus_decay, &minus = full.minus_decay;
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::int64_t last = rs.last_pre[r];
    SYNORM_ASSERT(last == plasticity::row_state::none || last < t_pre, "a row's presynaptic spikes come in step order");
    const typename Rule::row row = Rule::pre_row(full, rs, r, t_pre);
    float* const weight = table.weight.data();
    const std::uint32_t* const target_delay = table.target_delay.data();
    const std::uint64_t k0 = table.row_begin[r], k1 = table.row_begin[r + 1];
    // The targets' postsynaptic histories are scattered over the thread's neurons: each is requested
    // `ahead` synapses before its trace is read.
    constexpr std::uint64_t ahead = 8;
    for (std::uint64_t k = k0; k < std::min(k1, k0 + ahead); ++k)
        ts.history.prefetch(network::synapse_target(target_delay[k]));
    if (table.uniform_delay) {
        const std::int64_t d = D + table.delay_offset;
        float* const slot = data + (static_cast<std::uint64_t>(t_pre + d) & mask) * n;
        for (std::uint64_t k = k0; k < k1; ++k) {
            if (k + ahead < k1) ts.history.prefetch(network::synapse_target(target_delay[k + ahead]));
            const std::uint32_t i = network::synapse_target(target_delay[k]);
            const float y = ts.history.trace_before(i, t_pre - d, minus, nearest);
            const float w = Rule::pre(common, own, row, weight[k], y);
            weight[k] = w;
            slot[i] += send(w, i);
        }
    } else {
        for (std::uint64_t k = k0; k < k1; ++k) {
            if (k + ahead < k1) ts.history.prefetch(network::synapse_target(target_delay[k + ahead]));
            const std::uint32_t word = target_delay[k], i = network::synapse_target(word);
            const std::int64_t d = D + network::synapse_delay_offset(word);
            const float y = ts.history.trace_before(i, t_pre - d, minus, nearest);
            const float w = Rule::pre(common, own, row, weight[k], y);
            weight[k] = w;
            data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += send(w, i);
        }
    }
    ts.events += k1 - k0;
    ts.plastic_pre += k1 - k0;
    rs.x[r] = (last == plasticity::row_state::none || nearest) ? 1.0f : rs.x[r] * plus(t_pre - last) + 1.0f;
    Rule::after_row(row, rs, r);
    rs.last_pre[r] = t_pre;
}

// The same spike on a row whose learning is off and whose weights are fixed points of its rule
// (thread_state::resting): the weights go out as deliver_row sends them, in the same order, and the
// row's presynaptic state moves on as there; only the weight updates, which would return every
// weight unchanged, are skipped.
template <class Rule>
inline void deliver_row_resting(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs,
                                const plasticity::projection_rule& full, std::int64_t D, std::uint64_t r,
                                std::int64_t t_pre, const transmitter& send) {
    const bool nearest = Rule::pairing && full.nearest;
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::int64_t last = rs.last_pre[r];
    SYNORM_ASSERT(last == plasticity::row_state::none || last < t_pre, "a row's presynaptic spikes come in step order");
    const typename Rule::row row = Rule::pre_row(full, rs, r, t_pre);
    const float* const weight = table.weight.data();
    const std::uint32_t* const target_delay = table.target_delay.data();
    const std::uint64_t k0 = table.row_begin[r], k1 = table.row_begin[r + 1];
    if (table.uniform_delay) {
        float* const slot = data + (static_cast<std::uint64_t>(t_pre + D + table.delay_offset) & mask) * n;
        for (std::uint64_t k = k0; k < k1; ++k) {
            const std::uint32_t i = network::synapse_target(target_delay[k]);
            slot[i] += send(weight[k], i);
        }
    } else {
        for (std::uint64_t k = k0; k < k1; ++k) {
            const std::uint32_t word = target_delay[k], i = network::synapse_target(word);
            const std::int64_t d = D + network::synapse_delay_offset(word);
            data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += send(weight[k], i);
        }
    }
    ts.events += k1 - k0;
    rs.x[r] = (last == plasticity::row_state::none || nearest) ? 1.0f : rs.x[r] * full.plus_decay(t_pre - last) + 1.0f;
    Rule::after_row(row, rs, r);
    rs.last_pre[r] = t_pre;
}

// Requests what a postsynaptic arrival will read, in two stages a few arrivals ahead of it: its run of
// incoming-index entries (contiguous), then, once those are in cache, the weights they name (one line
// each, scattered over the table). The run's first weights are otherwise a miss each at its start.
inline void prefetch_entries(const network::synapse_table& table, const post_arrival& a) {
    const std::uint32_t* const entry = table.incoming.entry.data();
    constexpr std::uint64_t line = 64 / sizeof(std::uint32_t);
    for (std::uint64_t e = a.begin; e < a.end; e += line) __builtin_prefetch(entry + e);
    if (a.end > a.begin) __builtin_prefetch(entry + a.end - 1);
}
inline void prefetch_weights(network::synapse_table& table, const post_arrival& a) {
    const auto& index = table.incoming;
    const std::uint32_t* const entry = index.entry.data();
    const std::uint32_t* const row_begin = table.row_begin.data();
    const std::uint64_t position_mask = (std::uint64_t{1} << index.position_bits) - 1;
    float* const weight = table.weight.data();
    constexpr std::uint64_t most = 64;
    for (std::uint64_t e = a.begin; e < std::min(a.end, a.begin + most); ++e)
        __builtin_prefetch(weight + row_begin[entry[e] >> index.position_bits] + (entry[e] & position_mask), 1);
}

// One postsynaptic spike reaching a run of synapses of one projection at `a.step`: each takes the
// rule's `post` with its row's presynaptic trace (rows without a presynaptic spike yet have none).
// Meta: with the neuron's metaplasticity factor, which changes only at homeostasis boundaries, after
// the delivery at that step: each potentiation takes the factor of the period in which its
// postsynaptic spike reached the synapse. Without it the factor is the constant 1.
template <class Rule, bool Meta>
inline void potentiate_run(thread_state& ts, network::synapse_table& table, const plasticity::row_state& rs,
                           const plasticity::projection_rule& full, const post_arrival& a) {
    const plasticity::rule_params common = full;
    const typename Rule::params own = full.params_of<Rule>();
    const plasticity::decay_table& plus = full.plus_decay;
    const auto& index = table.incoming;
    const std::uint32_t* const entry = index.entry.data();
    const std::uint32_t shift = index.position_bits;
    const std::uint64_t position_mask = (std::uint64_t{1} << shift) - 1;
    const std::uint32_t* const row_begin = table.row_begin.data();
    const std::int64_t* const last_pre = rs.last_pre.data();
    const float* const x = rs.x.data();
    float* const weight = table.weight.data();
    const float m = Meta ? ts.potentiation[a.neuron] : 1.0f;
    // The run's weights lie one per source row, far apart in a large table: each is a cache miss, so
    // the one `ahead` entries on is requested early (hpc_benchmark at scale 0.5: 9000 per spike).
    // The first `ahead` are requested before the loop: a neuron's run is often no longer than that
    // (config/coba_stdp.yaml: 64 synapses per neuron).
    constexpr std::uint64_t ahead = 32;
    ts.plastic_post += a.end - a.begin;
    for (std::uint64_t e = a.begin; e < std::min(a.end, a.begin + ahead); ++e)
        __builtin_prefetch(weight + row_begin[entry[e] >> shift] + (entry[e] & position_mask), 1);
    for (std::uint64_t e = a.begin; e < a.end; ++e) {
        if (e + ahead < a.end) {
            const std::uint32_t next = entry[e + ahead];
            __builtin_prefetch(weight + row_begin[next >> shift] + (next & position_mask), 1);
        }
        const std::uint64_t r = entry[e] >> shift, k = row_begin[r] + (entry[e] & position_mask);
        const std::int64_t last = last_pre[r];
        if (last == plasticity::row_state::none) continue;
        SYNORM_ASSERT(a.step > last, "a postsynaptic arrival comes after the presynaptic spikes of its step");
        const float decay = plus(a.step - last);  // a.step > last: the presynaptic spike at a.step comes after
        weight[k] = Rule::post(common, own, weight[k], x[r], decay, m, a.o2);
    }
}

}  // namespace synorm::engine
