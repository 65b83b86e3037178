#include <cstdio>

#include "engine_state.hpp"

namespace synorm::engine {

namespace {

// The functions a rule applies at the two events: `post(w, x)` when a postsynaptic spike reaches the
// synapse, `pre(w, y)` at a presynaptic spike (y: the postsynaptic trace just before it).
struct pair_terms {
    const plasticity::stdp_params& rule;
    float post(float w, float x) const { return rule.potentiate(w, x); }
    float pre(float w, float y) const { return y > 0.0f ? rule.depress(w, y) : w; }
};
struct vogels_terms {
    const plasticity::stdp_params& rule;
    float post(float w, float x) const { return rule.vogels_post(w, x); }
    float pre(float w, float y) const { return rule.vogels_pre(w, y); }  // −s η α even without a trace
};

// One presynaptic spike on a plastic row of a rule with a presynaptic trace x and a postsynaptic
// trace y (pair STDP, vogels). Templated so that each rule's loop keeps its parameters in registers
// and pays for no other rule's branches.
// With branches (`branch` not null), the weight is transmitted times its branch's gain, and the
// arrival counted.
template <class Terms>
void deliver_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs, const plasticity::stdp_rule& full_rule,
                 std::int64_t D, std::uint64_t src, std::int64_t t_pre, branch_cursor* branch, std::size_t branch_stride,
                 float G) {  // G: the SHY gain (engine/phases.cpp), 1 outside renormalization
    const plasticity::stdp_params rule = full_rule;  // a copy: the weight stores below cannot alias it
    const Terms terms{rule};
    const plasticity::decay_table &plus = full_rule.plus_decay, &minus = full_rule.minus_decay;
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::int64_t last = rs.last_pre[src], done = rs.done[src];
    const float x = rs.x[src];
    const auto post = [&terms](float w, float trace) { return terms.post(w, trace); };
    for (std::uint64_t k = table.row_begin[src], end = table.row_begin[src + 1]; k < end; ++k) {
        const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
        const std::int64_t d = D + network::synapse_delay_offset(word);
        float w = plasticity::potentiate_until(rule, plus, table.weight[k], ts.history, i, d, last, x, done, t_pre, post);
        w = terms.pre(w, ts.history.trace_before(i, t_pre - d, minus, rule.nearest));
        table.weight[k] = w;
        if (branch) {
            const std::size_t at = std::size_t{i} * branch_stride + (*branch)(i);
            ++ts.branch_arrivals[at];
            w *= ts.branch_gain[at];
        }
        data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += w * G;
    }
    ts.events += table.row_begin[src + 1] - table.row_begin[src];
    rs.x[src] = (last == plasticity::row_state::none || rule.nearest) ? 1.0f : x * plus(t_pre - last) + 1.0f;
    rs.last_pre[src] = t_pre;
    rs.done[src] = t_pre;
}

// Brings one row's synapses up to date with the postsynaptic spikes that reached them by T.
template <class Terms>
void settle_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs, const plasticity::stdp_rule& rule,
                std::int64_t D, std::uint64_t src, std::int64_t T) {
    const Terms terms{rule};
    const auto post = [&terms](float w, float trace) { return terms.post(w, trace); };
    for (std::uint64_t k = table.row_begin[src]; k < table.row_begin[src + 1]; ++k) {
        const std::uint32_t word = table.target_delay[k];
        table.weight[k] = plasticity::potentiate_until(rule, rule.plus_decay, table.weight[k], ts.history, network::synapse_target(word),
                                                       D + network::synapse_delay_offset(word), rs.last_pre[src], rs.x[src], rs.done[src],
                                                       T, post);
    }
}

// triplet: as deliver_row, with the slow traces: o2 from the postsynaptic history at each
// potentiation, r2 of the row at the depression.
void deliver_triplet_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs, const plasticity::stdp_rule& full_rule,
                         std::int64_t D, std::uint64_t src, std::int64_t t_pre, branch_cursor* branch, std::size_t branch_stride,
                 float G) {  // G: the SHY gain (engine/phases.cpp), 1 outside renormalization
    const plasticity::stdp_params rule = full_rule;
    const plasticity::decay_table &plus = full_rule.plus_decay, &minus = full_rule.minus_decay;
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::int64_t last = rs.last_pre[src], done = rs.done[src];
    const float x = rs.x[src];
    const float r2 = last == plasticity::row_state::none ? 0.0f : rs.x2[src] * full_rule.x_decay(t_pre - last);  // just before t_pre
    for (std::uint64_t k = table.row_begin[src], end = table.row_begin[src + 1]; k < end; ++k) {
        const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
        const std::int64_t d = D + network::synapse_delay_offset(word);
        float w = plasticity::triplet_potentiate_until(rule, plus, table.weight[k], ts.history, i, d, last, x, done, t_pre);
        const float o1 = ts.history.trace_before(i, t_pre - d, minus, false);
        if (o1 > 0.0f) w = rule.triplet_pre(w, o1, r2);
        table.weight[k] = w;
        if (branch) {
            const std::size_t at = std::size_t{i} * branch_stride + (*branch)(i);
            ++ts.branch_arrivals[at];
            w *= ts.branch_gain[at];
        }
        data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += w * G;
    }
    ts.events += table.row_begin[src + 1] - table.row_begin[src];
    rs.x[src] = last == plasticity::row_state::none ? 1.0f : x * plus(t_pre - last) + 1.0f;
    rs.x2[src] = r2 + 1.0f;
    rs.last_pre[src] = t_pre;
    rs.done[src] = t_pre;
}

}  // namespace

void simulation::impl::deliver_plastic(thread_state& ts, std::uint32_t j, std::uint64_t src, std::int64_t t_pre) {
    auto& table = ts.tables[j];
    auto& rs = ts.rows[j];
    branch_cursor cursor = branched[j] ? branches_of_row(ts, j, src) : branch_cursor{};
    branch_cursor* const branch = branched[j] ? &cursor : nullptr;
    switch (rules[j].kind) {
        case model::stdp_rule::vogels: deliver_row<vogels_terms>(ts, table, rs, rules[j], D, src, t_pre, branch, branch_stride, shy_gain[j]); break;
        case model::stdp_rule::triplet: deliver_triplet_row(ts, table, rs, rules[j], D, src, t_pre, branch, branch_stride, shy_gain[j]); break;
        default: deliver_row<pair_terms>(ts, table, rs, rules[j], D, src, t_pre, branch, branch_stride, shy_gain[j]); break;
    }
}

void simulation::impl::settle(thread_state& ts, std::int64_t T) {
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j]) continue;
        auto& table = ts.tables[j];
        auto& rs = ts.rows[j];
        for (std::uint64_t src = 0; src + 1 < table.row_begin.size(); ++src) {
            if (rs.last_pre[src] == plasticity::row_state::none || rs.done[src] >= T) continue;
            switch (rules[j].kind) {
                case model::stdp_rule::vogels: settle_row<vogels_terms>(ts, table, rs, rules[j], D, src, T); break;
                case model::stdp_rule::triplet:
                    for (std::uint64_t k = table.row_begin[src]; k < table.row_begin[src + 1]; ++k) {
                        const std::uint32_t word = table.target_delay[k];
                        table.weight[k] = plasticity::triplet_potentiate_until(rules[j], rules[j].plus_decay, table.weight[k], ts.history,
                                                                               network::synapse_target(word), D + network::synapse_delay_offset(word),
                                                                               rs.last_pre[src], rs.x[src], rs.done[src], T);
                    }
                    break;
                default: settle_row<pair_terms>(ts, table, rs, rules[j], D, src, T); break;
            }
            rs.done[src] = T;
        }
    }
    // Every row is now up to date at T: no synapse needs a postsynaptic spike that reaches it at or
    // before T again, except as the trace carried by the latest one.
    ts.history.prune(T - ts.longest_plastic_delay);
}

void simulation::impl::homeostasis_local(thread_state& ts, std::int64_t T) {
    if (any_plastic) settle(ts, T);
    ts.sums.assign(reduction_size(), 0);
    const double H_ms = static_cast<double>(H) * spec.simulation.dt;
    for (const auto& slice : ts.layout->slices) {
        const auto p = slice.population;
        const auto& pop = spec.populations[p];
        std::int64_t* const sum = ts.sums.data() + 4 * p;
        sum[0] = ts.period_spikes[p];
        ts.period_spikes[p] = 0;
        if (spec.checks.finite)
            for (std::uint32_t i = slice.begin; i < slice.end; ++i) ts.sums.back() += !std::isfinite(ts.V[i]);
        for (std::uint32_t i = slice.begin; i < slice.end; ++i) {
            const float c = ts.calcium[i].at(T, tau_calcium_steps[p]);
            sum[1] += to_fixed(c, calcium_unit);
            if (pop.scaling.enabled) {
                const double rate = plasticity::sensed_rate(c, pop.tau_calcium);
                ts.gain_ex[i] = plasticity::scale_excitatory(pop.scaling, ts.gain_ex[i], rate, H_ms);
                if (pop.scaling.inhibitory) ts.gain_in[i] = plasticity::scale_inhibitory(pop.scaling, ts.gain_in[i], rate, H_ms);
            }
            sum[2] += to_fixed(ts.gain_ex.empty() ? 1.0 : ts.gain_ex[i], gain_unit);
            sum[3] += to_fixed(ts.gain_in.empty() ? 1.0 : ts.gain_in[i], gain_unit);
        }
        if (pop.branches.enabled) branch_homeostasis(ts, slice, H_ms);
    }
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j]) continue;
        std::int64_t* const sum = ts.sums.data() + 4 * spec.populations.size() + 3 * j;
        const double scale = 1.0 / weight_scale(j);
        for (const float w : ts.tables[j].weight) {
            if (spec.checks.finite && !std::isfinite(w)) {
                ++ts.sums.back();
                continue;
            }
            const double r = std::fabs(w) * scale;
            sum[0] += to_fixed(r, weight_unit);
            sum[1] += to_fixed(r * r, weight_unit);
        }
        sum[2] += static_cast<std::int64_t>(ts.tables[j].weight.size());
    }
}

void simulation::impl::branch_homeostasis(thread_state& ts, const network::population_slice& slice, double H_ms) {
    const auto p = slice.population;
    const auto& b = spec.populations[p].branches;
    std::int64_t* const sum = ts.sums.data() + branch_sum_at[p];  // [branch] Σg, [branch] Σg², [recorded][branch] g
    const std::size_t B = b.count;
    const std::uint64_t first = first_gid[p];
    for (std::uint32_t i = slice.begin; i < slice.end; ++i) {
        // The recorded neurons are sorted; this neuron's place among them, if any.
        const std::uint64_t id = ts.layout->gids[i] - first;
        const auto r = std::lower_bound(b.record.begin(), b.record.end(), id);
        const bool recorded = r != b.record.end() && *r == id;
        for (std::size_t k = 0; k < B; ++k) {
            const std::size_t at = std::size_t{i} * branch_stride + k;
            ts.branch_activity[at] = plasticity::branch_activity(ts.branch_activity[at], ts.branch_arrivals[at], ts.branch_gain[at], branch_decay[p],
                                                                  branch_spread[p]);
            ts.branch_arrivals[at] = 0;
            const double rate = plasticity::branch_rate(ts.branch_activity[at], b.tau_activity);
            const float g = ts.branch_gain[at] = plasticity::scale_branch(b, ts.branch_gain[at], rate, H_ms);
            sum[k] += to_fixed(g, gain_unit);
            sum[B + k] += to_fixed(static_cast<double>(g) * g, gain_unit);
            if (recorded) sum[(2 + static_cast<std::size_t>(r - b.record.begin())) * B + k] += to_fixed(g, branch_value_unit);
        }
    }
}

void simulation::impl::record_branches(const std::vector<std::int64_t>& total, homeostasis_trace& trace) {
    const std::size_t P = spec.populations.size();
    if (trace.branch_gain_mean.empty()) {
        trace.branch_gain_mean.resize(P);
        trace.branch_gain_std.resize(P);
        trace.branch_gain.resize(P);
    }
    for (std::size_t p = 0; p < P; ++p) {
        const auto& b = spec.populations[p].branches;
        if (!b.enabled) continue;
        const std::int64_t* const sum = total.data() + branch_sum_at[p];
        const double n = static_cast<double>(spec.populations[p].size);
        for (std::size_t k = 0; k < b.count; ++k) {
            const double mean = static_cast<double>(sum[k]) / gain_unit / n, square = static_cast<double>(sum[b.count + k]) / gain_unit / n;
            trace.branch_gain_mean[p].push_back(mean);
            trace.branch_gain_std[p].push_back(std::sqrt(std::max(0.0, square - mean * mean)));
        }
        for (std::size_t k = 0; k < b.record.size() * b.count; ++k)
            trace.branch_gain[p].push_back(static_cast<double>(sum[2 * b.count + k]) / branch_value_unit);
    }
}

void simulation::impl::homeostasis_global(std::int64_t T, homeostasis_trace& trace) {
    std::vector<std::int64_t> total(reduction_size(), 0);
    for (const auto& ts : threads)
        for (std::size_t k = 0; k < total.size(); ++k) total[k] += ts.sums[k];
    comm.sum(total);
    const std::size_t P = spec.populations.size(), J = spec.projections.size();
    if (trace.times.empty()) {
        trace.rate.resize(P);
        trace.sensed_rate.resize(P);
        trace.gain_ex.resize(P);
        trace.gain_in.resize(P);
        trace.w_mean.resize(J);
        trace.w_std.resize(J);
        trace.plastic = plastic;
    }
    trace.times.push_back(static_cast<double>(T) * spec.simulation.dt);
    const double H_s = static_cast<double>(H) * spec.simulation.dt * 1e-3;
    for (std::size_t p = 0; p < P; ++p) {
        const double n = static_cast<double>(spec.populations[p].size);
        trace.rate[p].push_back(static_cast<double>(total[4 * p]) / n / H_s);
        trace.sensed_rate[p].push_back(static_cast<double>(total[4 * p + 1]) / calcium_unit / n / (spec.populations[p].tau_calcium * 1e-3));
        trace.gain_ex[p].push_back(static_cast<double>(total[4 * p + 2]) / gain_unit / n);
        trace.gain_in[p].push_back(static_cast<double>(total[4 * p + 3]) / gain_unit / n);
    }
    for (std::size_t j = 0; j < J; ++j) {
        if (!plastic[j]) continue;
        const std::int64_t* sum = total.data() + 4 * P + 3 * j;
        const double count = std::max<double>(1.0, static_cast<double>(sum[2]));
        const double mean = static_cast<double>(sum[0]) / weight_unit / count, square = static_cast<double>(sum[1]) / weight_unit / count;
        const double sign = rules[j].w_max > 0.0f ? 1.0 : -1.0;
        trace.w_mean[j].push_back(sign * mean * weight_scale(j));
        trace.w_std[j].push_back(std::sqrt(std::max(0.0, square - mean * mean)) * weight_scale(j));
    }
    if (branch_sums) record_branches(total, trace);
    check_health(T, trace, total.back());
}

// The same data on every rank, so every rank throws the same diagnostic at the same step.
void simulation::impl::check_health(std::int64_t T, const homeostasis_trace& trace, std::int64_t non_finite) {
    const double t_ms = static_cast<double>(T) * spec.simulation.dt;
    const auto ms = [](double v) { return std::to_string(static_cast<long long>(std::llround(v))) + " ms"; };
    if (spec.checks.finite && non_finite > 0)
        throw health_stop("checks.finite: " + std::to_string(non_finite) +
                          " membrane potentials or plastic weights are not finite (NaN or infinite) at " + ms(t_ms) +
                          "; the integration or a rule diverged");
    if (spec.checks.max_rate <= 0) return;
    for (std::size_t p = 0; p < spec.populations.size(); ++p) {
        const double rate = trace.rate[p].back();
        if (rate > spec.checks.max_rate) {
            char text[64];
            std::snprintf(text, sizeof text, "%.1f Hz", rate);
            throw health_stop("checks.max_rate: population " + spec.populations[p].name + " fired at " + text + " over the " +
                              ms(static_cast<double>(H) * spec.simulation.dt) + " ending at " + ms(t_ms) + ", above " +
                              std::to_string(static_cast<long long>(std::llround(spec.checks.max_rate))) + " Hz");
        }
    }
}

}  // namespace synorm::engine
