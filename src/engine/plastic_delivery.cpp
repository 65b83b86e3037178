// Spikes on plastic synapses (src/README.md decision 3; plasticity/stdp.hpp for the timing
// convention, plasticity/rule.hpp for what a rule provides, plasticity/rules.hpp for the registered
// ones). Each synapse sees two kinds of event in time order: a postsynaptic spike reaching it
// (potentiation, found through the table's incoming index) and a presynaptic spike (depression, then
// transmission with the new weight). Both are applied when the interval's received spikes are
// delivered, merged by step: at one step the postsynaptic arrivals come first, since a pair with
// Δt = 0 counts only earlier presynaptic spikes. So every weight is up to date at every interval start
// and no sweep over the synapses is ever needed to read them.
// src/README.md decision 3 left the choice to measurement: NEST's deferral (potentiation paid at the
// next presynaptic spike from the postsynaptic history, and a sweep over every plastic synapse whenever
// weights are read, each homeostasis period) against this transposed index (+4 B per synapse).
// config/coba_stdp.yaml, 10 s on one core, same build otherwise: 1.50 s deferred, 1.35 s indexed,
// with bitwise the same spikes and weights.
#include "engine_state.hpp"

namespace synorm::engine {

namespace {

// One presynaptic spike emitted at t_pre on a plastic row: each synapse takes the rule's `pre` with its
// target's trace just before the spike meets it (t_pre − d), then transmits its new weight. Templated
// on the rule (plasticity/rule.hpp) so that each rule's loop keeps its parameters in registers and pays
// for no other rule's branches; rows of a table whose synapses share one delay find their ring-buffer
// slot once.
template <class Rule>
void deliver_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs,
                 const plasticity::projection_rule& full, std::int64_t D, std::uint64_t src, std::int64_t t_pre, const transmitter& send) {
    const plasticity::rule_params common = full;  // copies: the weight stores below cannot alias them
    const typename Rule::params own = full.params_of<Rule>();
    const bool nearest = Rule::pairing && common.nearest;
    const plasticity::decay_table &plus = full.plus_decay, &minus = full.minus_decay;
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::int64_t last = rs.last_pre[src];
    const typename Rule::row row = Rule::pre_row(full, rs, src, t_pre);
    float* const weight = table.weight.data();
    const std::uint32_t* const target_delay = table.target_delay.data();
    const std::uint64_t k0 = table.row_begin[src], k1 = table.row_begin[src + 1];
    if (table.uniform_delay) {
        const std::int64_t d = D + table.delay_offset;
        float* const slot = data + (static_cast<std::uint64_t>(t_pre + d) & mask) * n;
        for (std::uint64_t k = k0; k < k1; ++k) {
            const std::uint32_t i = network::synapse_target(target_delay[k]);
            const float y = ts.history.trace_before(i, t_pre - d, minus, nearest);
            const float w = Rule::pre(common, own, row, weight[k], y);
            weight[k] = w;
            slot[i] += send(w, i);
        }
    } else {
        for (std::uint64_t k = k0; k < k1; ++k) {
            const std::uint32_t word = target_delay[k], i = network::synapse_target(word);
            const std::int64_t d = D + network::synapse_delay_offset(word);
            const float y = ts.history.trace_before(i, t_pre - d, minus, nearest);
            const float w = Rule::pre(common, own, row, weight[k], y);
            weight[k] = w;
            data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += send(w, i);
        }
    }
    ts.events += k1 - k0;
    rs.x[src] = (last == plasticity::row_state::none || nearest) ? 1.0f : rs.x[src] * plus(t_pre - last) + 1.0f;
    Rule::after_row(row, rs, src);
    rs.last_pre[src] = t_pre;
}

// One postsynaptic spike reaching a run of synapses of one projection at `a.step`: each takes the
// rule's `post` with its row's presynaptic trace (rows without a presynaptic spike yet have none).
// Meta: with the neuron's metaplasticity factor, which changes only at homeostasis boundaries, after
// the delivery at that step: each potentiation takes the factor of the period in which its
// postsynaptic spike reached the synapse. Without it the factor is the constant 1.
template <class Rule, bool Meta>
void potentiate_run(thread_state& ts, network::synapse_table& table, const plasticity::row_state& rs,
                    const plasticity::projection_rule& full, const post_arrival& a) {
    const plasticity::rule_params common = full;
    const typename Rule::params own = full.params_of<Rule>();
    const plasticity::decay_table& plus = full.plus_decay;
    const auto& index = table.incoming;
    const std::uint32_t* const entry = index.entry.data();
    const std::uint32_t shift = index.position_bits;
    const std::uint64_t position_mask = (std::uint64_t{1} << shift) - 1;
    const std::uint64_t* const row_begin = table.row_begin.data();
    const std::int64_t* const last_pre = rs.last_pre.data();
    const float* const x = rs.x.data();
    float* const weight = table.weight.data();
    const float m = Meta ? ts.potentiation[a.neuron] : 1.0f;
    for (std::uint64_t e = a.begin; e < a.end; ++e) {
        const std::uint64_t src = entry[e] >> shift, k = row_begin[src] + (entry[e] & position_mask);
        const std::int64_t last = last_pre[src];
        if (last == plasticity::row_state::none) continue;
        const float decay = plus(a.step - last);  // a.step > last: the presynaptic spike at a.step comes after
        weight[k] = Rule::post(common, own, weight[k], x[src], decay, m, a.o2);
    }
}

}  // namespace

void simulation::impl::collect_arrivals(thread_state& ts, std::int64_t upto) {
    ts.arrivals.clear();
    const std::int64_t lo = ts.arrived;
    const auto log_begin = ts.post_log.begin() + static_cast<std::ptrdiff_t>(ts.post_log_head);
    const auto by_step = [](const post_event& e, std::int64_t s) { return e.step < s; };
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j]) continue;
        const auto& table = ts.tables[j];
        const auto& index = table.incoming;
        if (index.entry.empty()) continue;
        const std::int64_t d_min = D + index.min_offset, d_max = D + index.max_offset;
        // The spikes that reach some synapse of the table in (lo, upto].
        auto it = std::lower_bound(log_begin, ts.post_log.end(), lo - d_max + 1, by_step);
        for (; it != ts.post_log.end() && it->step + d_min <= upto; ++it) {
            const std::uint64_t b = index.begin[it->neuron], e = index.begin[it->neuron + 1];
            if (b == e) continue;
            if (d_min == d_max) {
                if (it->step + d_min > lo) ts.arrivals.push_back({it->step + d_min, j, it->neuron, b, e, it->o2});
                continue;
            }
            // Entries by delay: one run per delay that lands in (lo, upto].
            const auto delay = [&](std::uint64_t m) {
                const std::uint32_t en = index.entry[m];
                return D + static_cast<std::int64_t>(network::synapse_delay_offset(table.target_delay[table.row_begin[index.source(en)] + index.position(en)]));
            };
            std::uint64_t m = b, hi = e;
            while (m < hi) {  // the first entry reaching after lo
                const std::uint64_t mid = m + (hi - m) / 2;
                if (it->step + delay(mid) > lo) hi = mid;
                else m = mid + 1;
            }
            while (m < e) {
                const std::int64_t d = delay(m);
                if (it->step + d > upto) break;
                std::uint64_t run_end = m + 1;
                while (run_end < e && delay(run_end) == d) ++run_end;
                ts.arrivals.push_back({it->step + d, j, it->neuron, m, run_end, it->o2});
                m = run_end;
            }
        }
    }
    // Runs of different synapses never interact, so any fixed order would do; this one is canonical.
    std::sort(ts.arrivals.begin(), ts.arrivals.end(), [](const post_arrival& x, const post_arrival& y) {
        return std::tie(x.step, x.projection, x.neuron, x.begin) < std::tie(y.step, y.projection, y.neuron, y.begin);
    });
}

void simulation::impl::apply_arrival(thread_state& ts, const post_arrival& a) {
    const std::uint32_t j = a.projection;
    auto& table = ts.tables[j];
    const auto& rs = ts.rows[j];
    plasticity::registered_rules::visit(rules[j].id, [&]<class Rule>(std::type_identity<Rule>) {
        if (Rule::metaplastic && meta_on[j]) potentiate_run<Rule, true>(ts, table, rs, rules[j], a);
        else potentiate_run<Rule, false>(ts, table, rs, rules[j], a);
    });
}

void simulation::impl::finish_arrivals(thread_state& ts, std::int64_t upto) {
    ts.arrived = upto;
    // Spikes whose every arrival is applied leave the log; the log moves down when half of it is done.
    while (ts.post_log_head < ts.post_log.size() && ts.post_log[ts.post_log_head].step + ts.longest_plastic_delay <= upto) ++ts.post_log_head;
    if (ts.post_log_head > 0 && 2 * ts.post_log_head >= ts.post_log.size()) {
        ts.post_log.erase(ts.post_log.begin(), ts.post_log.begin() + static_cast<std::ptrdiff_t>(ts.post_log_head));
        ts.post_log_head = 0;
    }
}

void simulation::impl::deliver_plastic(thread_state& ts, std::uint32_t j, std::uint64_t src, std::int64_t t_pre) {
    auto& table = ts.tables[j];
    auto& rs = ts.rows[j];
    branch_cursor cursor = branched[j] ? branches_of_row(ts, j, src) : branch_cursor{};
    const transmitter send = sender(ts, j, cursor);
    plasticity::registered_rules::visit(rules[j].id, [&]<class Rule>(std::type_identity<Rule>) {
        deliver_row<Rule>(ts, table, rs, rules[j], D, src, t_pre, send);
    });
}

}  // namespace synorm::engine
