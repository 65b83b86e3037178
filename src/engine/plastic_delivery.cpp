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
#include <cmath>

#include "plastic_delivery.hpp"
#include "synorm/model/assert.hpp"

namespace synorm::engine {

// A projection rests on this thread while its learning-rate factor is 0, its rule says that factor
// leaves a weight in [w_min, w_max] other than −0 unchanged (plasticity/rule.hpp), and every weight
// of the thread's table is such: a weight outside (a SHY fold below w_min, an initial one beyond a
// bound) would be clipped by today's updates, so the table keeps them. Only the weights of the
// thread's own tables decide, so the choice needs no communication and changes no result.
void simulation::impl::settle_resting(thread_state& ts) {
    if (ts.resting_epoch == weights_epoch) return;
    ts.resting_epoch = weights_epoch;
    ts.resting.assign(spec.projections.size(), 0);
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j] || j >= learning_off.size() || !learning_off[j]) continue;
        bool still = false;
        plasticity::registered_rules::visit(rules[j].id,
                                            [&]<class Rule>(std::type_identity<Rule>) { still = Rule::still_at_zero; });
        if (!still) continue;
        const float lo = rules[j].w_min, hi = rules[j].w_max;
        bool fixed = true;
        for (const float w : ts.tables[j].weight) fixed &= w >= lo && w <= hi && !(w == 0.0f && std::signbit(w));
        ts.resting[j] = fixed;
    }
}

void simulation::impl::collect_arrivals(thread_state& ts, std::int64_t upto) {
    ts.arrivals.clear();
    const std::int64_t lo = ts.arrived;
    const auto log_begin = ts.post_log.begin() + static_cast<std::ptrdiff_t>(ts.post_log_head);
    const auto by_step = [](const post_event& e, std::int64_t s) { return e.step < s; };
    SYNORM_ASSERT(lo <= upto, "the window of postsynaptic arrivals (arrived, upto] never moves back");
    SYNORM_ASSERT(std::is_sorted(log_begin, ts.post_log.end(),
                                 [](const post_event& x, const post_event& y) { return x.step < y.step; }),
                  "the postsynaptic spike log is in step order (the binary searches below rely on it)");
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j] || ts.resting[j]) continue;  // a resting table's potentiations leave it as it is
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
                return D + static_cast<std::int64_t>(network::synapse_delay_offset(
                               table.target_delay[table.row_begin[index.row(en)] + index.position(en)]));
            };
            std::uint64_t m = b, hi = e;
            while (m < hi) {  // the first entry reaching after lo
                const std::uint64_t mid = m + (hi - m) / 2;
                if (it->step + delay(mid) > lo) hi = mid;
                else
                    m = mid + 1;
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
        else
            potentiate_run<Rule, false>(ts, table, rs, rules[j], a);
    });
}

void simulation::impl::finish_arrivals(thread_state& ts, std::int64_t upto) {
    ts.arrived = upto;
    // Spikes whose every arrival is applied leave the log; the log moves down when half of it is done.
    while (ts.post_log_head < ts.post_log.size() &&
           ts.post_log[ts.post_log_head].step + ts.longest_plastic_delay <= upto)
        ++ts.post_log_head;
    if (ts.post_log_head > 0 && 2 * ts.post_log_head >= ts.post_log.size()) {
        ts.post_log.erase(ts.post_log.begin(), ts.post_log.begin() + static_cast<std::ptrdiff_t>(ts.post_log_head));
        ts.post_log_head = 0;
    }
}

}  // namespace synorm::engine
