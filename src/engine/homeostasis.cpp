#include <bit>
#include <cstdio>
#include <limits>

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

// What a plastic synapse of freshly updated weight w sends to its target i: with branches, w times
// its branch's gain (and the arrival is counted); times the SHY gain G (engine/phases.cpp; 1 outside
// renormalization; not for w at or above the spare threshold in selective mode); in the additive
// scaling variant, plus the target's offset, never of the other sign.
struct transmitter {
    thread_state& ts;
    branch_cursor* branch;      // null without branches
    std::size_t branch_stride;
    const float* offset;        // null unless the projection takes part in additive scaling
    float G;
    float spare;                // selective renormalization: w ≥ spare keeps its weight (+inf otherwise)
    [[gnu::always_inline]] inline float operator()(float w, std::uint32_t i) const {
        const float g = w < spare ? G : 1.0f;
        if (branch) {
            const std::size_t at = std::size_t{i} * branch_stride + (*branch)(i);
            ++ts.branch_arrivals[at];
            w *= ts.branch_gain[at];
        }
        w *= g;
        return offset ? plasticity::offset_weight(w, offset[i]) : w;
    }
};

// One presynaptic spike on a plastic row of a rule with a presynaptic trace x and a postsynaptic
// trace y (pair STDP, vogels). Templated so that each rule's loop keeps its parameters in registers
// and pays for no other rule's branches. Meta: the potentiation of synapses onto neuron i is
// multiplied by ts.potentiation[i] (metaplasticity; the term is linear in the trace it is paid from,
// so the factor goes on the trace), which changes only at homeostasis boundaries, where every row is
// settled: each potentiation takes the factor of the period in which its postsynaptic spike reached
// the synapse, whatever the decomposition.
template <class Terms, bool Meta = false>
void deliver_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs, const plasticity::stdp_rule& full_rule,
                 std::int64_t D, std::uint64_t src, std::int64_t t_pre, const transmitter& send) {
    const plasticity::stdp_params rule = full_rule;  // a copy: the weight stores below cannot alias it
    const Terms terms{rule};
    const plasticity::decay_table &plus = full_rule.plus_decay, &minus = full_rule.minus_decay;
    auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
    float* const data = ring.data();
    const std::uint64_t mask = ring.mask(), n = ts.n;
    const std::int64_t last = rs.last_pre[src], done = rs.done[src];
    const float x = rs.x[src];
    const float* const factor = ts.potentiation.data();
    for (std::uint64_t k = table.row_begin[src], end = table.row_begin[src + 1]; k < end; ++k) {
        const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
        const std::int64_t d = D + network::synapse_delay_offset(word);
        const float m = Meta ? factor[i] : 1.0f;
        const auto post = [&terms, m](float w, float trace) { return terms.post(w, Meta ? m * trace : trace); };
        float w = plasticity::potentiate_until(rule, plus, table.weight[k], ts.history, i, d, last, x, done, t_pre, post);
        w = terms.pre(w, ts.history.trace_before(i, t_pre - d, minus, rule.nearest));
        table.weight[k] = w;
        data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += send(w, i);
    }
    ts.events += table.row_begin[src + 1] - table.row_begin[src];
    rs.x[src] = (last == plasticity::row_state::none || rule.nearest) ? 1.0f : x * plus(t_pre - last) + 1.0f;
    rs.last_pre[src] = t_pre;
    rs.done[src] = t_pre;
}

// Brings one row's synapses up to date with the postsynaptic spikes that reached them by T (Meta: as
// deliver_row).
template <class Terms, bool Meta = false>
void settle_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs, const plasticity::stdp_rule& rule,
                std::int64_t D, std::uint64_t src, std::int64_t T) {
    const Terms terms{rule};
    for (std::uint64_t k = table.row_begin[src]; k < table.row_begin[src + 1]; ++k) {
        const std::uint32_t word = table.target_delay[k];
        const float m = Meta ? ts.potentiation[network::synapse_target(word)] : 1.0f;
        const auto post = [&terms, m](float w, float trace) { return terms.post(w, Meta ? m * trace : trace); };
        table.weight[k] = plasticity::potentiate_until(rule, rule.plus_decay, table.weight[k], ts.history, network::synapse_target(word),
                                                       D + network::synapse_delay_offset(word), rs.last_pre[src], rs.x[src], rs.done[src],
                                                       T, post);
    }
}

// triplet: as deliver_row, with the slow traces: o2 from the postsynaptic history at each
// potentiation, r2 of the row at the depression. Meta: the potentiation r1 (A2+ + A3+ o2) is linear
// in r1 = x·decay, so the factor goes on x.
template <bool Meta = false>
void deliver_triplet_row(thread_state& ts, network::synapse_table& table, plasticity::row_state& rs, const plasticity::stdp_rule& full_rule,
                         std::int64_t D, std::uint64_t src, std::int64_t t_pre, const transmitter& send) {
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
        const float xm = Meta ? ts.potentiation[i] * x : x;
        float w = plasticity::triplet_potentiate_until(rule, plus, table.weight[k], ts.history, i, d, last, xm, done, t_pre);
        const float o1 = ts.history.trace_before(i, t_pre - d, minus, false);
        if (o1 > 0.0f) w = rule.triplet_pre(w, o1, r2);
        table.weight[k] = w;
        data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += send(w, i);
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
    const transmitter send{ts, branched[j] ? &cursor : nullptr, branch_stride, additive[j] ? ts.offset_ex.data() : nullptr, shy_gain[j],
                            shy_spare[j]};
    switch (rules[j].kind) {
        case model::stdp_rule::vogels: deliver_row<vogels_terms>(ts, table, rs, rules[j], D, src, t_pre, send); break;
        case model::stdp_rule::triplet:
            if (meta_on[j]) deliver_triplet_row<true>(ts, table, rs, rules[j], D, src, t_pre, send);
            else deliver_triplet_row<false>(ts, table, rs, rules[j], D, src, t_pre, send);
            break;
        default:
            if (meta_on[j]) deliver_row<pair_terms, true>(ts, table, rs, rules[j], D, src, t_pre, send);
            else deliver_row<pair_terms, false>(ts, table, rs, rules[j], D, src, t_pre, send);
            break;
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
                        const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
                        const float x = meta_on[j] ? ts.potentiation[i] * rs.x[src] : rs.x[src];
                        table.weight[k] = plasticity::triplet_potentiate_until(rules[j], rules[j].plus_decay, table.weight[k], ts.history, i,
                                                                               D + network::synapse_delay_offset(word), rs.last_pre[src], x,
                                                                               rs.done[src], T);
                    }
                    break;
                default:
                    if (meta_on[j]) settle_row<pair_terms, true>(ts, table, rs, rules[j], D, src, T);
                    else settle_row<pair_terms, false>(ts, table, rs, rules[j], D, src, T);
                    break;
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
    // Normalization needs each neuron's Σw over its plastic excitatory synapses, summed in table order
    // (projection, source, drawing order): the same order on every decomposition.
    if (any_normalization) {
        std::fill(ts.sum_w.begin(), ts.sum_w.end(), 0.0);
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
            const auto& proj = spec.projections[j];
            if (!plastic[j] || !spec.populations[proj.target].normalization.enabled ||
                spec.populations[proj.source].type != model::cell_type::excitatory)
                continue;
            const auto& table = ts.tables[j];
            for (std::size_t k = 0; k < table.weight.size(); ++k) ts.sum_w[network::synapse_target(table.target_delay[k])] += table.weight[k];
        }
    }
    for (const auto& slice : ts.layout->slices) {
        const auto p = slice.population;
        const auto& pop = spec.populations[p];
        std::int64_t* const sum = ts.sums.data() + pop_fields * p;
        sum[f_spikes] = ts.period_spikes[p];
        ts.period_spikes[p] = 0;
        if (spec.checks.finite)
            for (std::uint32_t i = slice.begin; i < slice.end; ++i) ts.sums.back() += !std::isfinite(ts.V[i]);
        const bool additive_mode = pop.scaling.mode == model::scaling_mode::additive;
        for (std::uint32_t i = slice.begin; i < slice.end; ++i) {
            const float c = ts.calcium[i].at(T, tau_calcium_steps[p]);
            sum[f_calcium] += to_fixed(c, calcium_unit);
            const double rate = plasticity::sensed_rate(c, pop.tau_calcium);
            if (pop.scaling.enabled) {
                float none = 0.0f;
                float& J = ts.integral.empty() ? none : ts.integral[i];
                const double drive = plasticity::scaling_drive(pop.scaling, rate, H_ms, glia[p], J);
                if (additive_mode) ts.offset_ex[i] = plasticity::additive_offset(ts.offset_ex[i], ts.mean_w_ex[i], drive);
                else ts.gain_ex[i] = plasticity::scale_excitatory(pop.scaling, ts.gain_ex[i], drive);
                if (pop.scaling.inhibitory) ts.gain_in[i] = plasticity::scale_inhibitory(pop.scaling, ts.gain_in[i], drive);
            }
            if (pop.normalization.enabled) ts.gain_ex[i] = plasticity::normalized_gain(pop.normalization.total, ts.sum_w[i], ts.gain_ex[i]);
            if (pop.e_gaba.enabled) ts.E_in[i] = plasticity::shift_e_gaba(pop.e_gaba, ts.E_in[i], rate, H_ms);
            if (pop.metaplasticity.enabled) {
                const float theta = ts.theta[i] = plasticity::slide_threshold(ts.theta[i], rate, theta_step[p]);
                ts.potentiation[i] = plasticity::potentiation_factor(pop.metaplasticity, theta);
                sum[f_theta] += to_fixed(theta, theta_unit);
                sum[f_theta2] += to_fixed(static_cast<double>(theta) * theta, theta_unit);
            }
            const double g_ex = ts.gain_ex.empty() ? 1.0 : ts.gain_ex[i], g_in = ts.gain_in.empty() ? 1.0 : ts.gain_in[i];
            sum[f_gain_ex] += to_fixed(g_ex, gain_unit);
            sum[f_gain_in] += to_fixed(g_in, gain_unit);
            sum[f_gain_ex2] += to_fixed(g_ex * g_ex, gain_unit);
            sum[f_gain_in2] += to_fixed(g_in * g_in, gain_unit);
            const double E_in = ts.E_in.empty() ? pop.params.E_in : ts.E_in[i];
            sum[f_E_in] += to_fixed(E_in, voltage_unit);
            sum[f_E_in2] += to_fixed(E_in * E_in, voltage_unit);
            if (track_input) {
                sum[f_input_ex] += to_fixed(ts.input_ex[i], input_unit);
                sum[f_input_in] += to_fixed(std::abs(ts.input_in[i]), input_unit);
                ts.input_ex[i] = ts.input_in[i] = 0.0f;
            }
        }
        if (pop.branches.enabled) branch_homeostasis(ts, slice, H_ms);
    }
    for (const auto& [slot, i] : ts.recorded) {
        const auto bits = [](float v) { return static_cast<std::int64_t>(std::bit_cast<std::uint32_t>(v)); };
        ts.sums[slot] = bits(ts.gain_ex.empty() ? 1.0f : ts.gain_ex[i]);
        ts.sums[slot + 1] = bits(ts.gain_in.empty() ? 1.0f : ts.gain_in[i]);
        const auto p = std::upper_bound(first_gid.begin(), first_gid.end(), ts.layout->gids[i]) - first_gid.begin() - 1;
        ts.sums[slot + 2] = bits(ts.E_in.empty() ? static_cast<float>(spec.populations[static_cast<std::size_t>(p)].params.E_in) : ts.E_in[i]);
        ts.sums[slot + 3] = bits(ts.theta.empty() ? 0.0f : ts.theta[i]);
    }
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j]) continue;
        std::int64_t* const sum = ts.sums.data() + proj_slot[j];
        const double scale = 1.0 / weight_scale(j), lo = rules[j].w_min, hi = rules[j].w_max;
        for (const float w : ts.tables[j].weight) {
            if (spec.checks.finite && !std::isfinite(w)) {
                ++ts.sums.back();
                continue;
            }
            const double r = std::fabs(w) * scale;
            sum[0] += to_fixed(r, weight_unit);
            sum[1] += to_fixed(r * r, weight_unit);
            sum[3] += w <= rules[j].w_min;
            sum[4] += w >= rules[j].w_max;
            ++sum[5 + weight_bin(w, lo, hi)];
        }
        sum[2] += static_cast<std::int64_t>(ts.tables[j].weight.size());
    }
    if (any_pruning) tag_synapses(ts);
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
        for (auto* series : {&trace.rate, &trace.sensed_rate, &trace.gain_ex, &trace.gain_in, &trace.gain_ex_std, &trace.gain_in_std,
                             &trace.E_in, &trace.E_in_std, &trace.input_ex, &trace.input_in, &trace.ei_ratio, &trace.theta, &trace.theta_std})
            series->resize(P);
        for (auto* series : {&trace.w_mean, &trace.w_std, &trace.w_at_min, &trace.w_at_max}) series->resize(J);
        trace.w_quantiles.resize(J);
        trace.plastic = plastic;
        for (const auto& rec : spec.recording.homeostasis) {
            homeostasis_trace::neurons n;
            n.population = rec.population;
            n.ids = rec.ids;
            trace.recorded.push_back(std::move(n));
        }
    }
    trace.times.push_back(static_cast<double>(T) * spec.simulation.dt);
    const double H_ms = static_cast<double>(H) * spec.simulation.dt, H_s = H_ms * 1e-3;
    const auto spread = [](double mean, double square) { return std::sqrt(std::max(0.0, square - mean * mean)); };
    for (std::size_t p = 0; p < P; ++p) {
        const auto& pop = spec.populations[p];
        const double n = static_cast<double>(pop.size);
        const std::int64_t* sum = total.data() + pop_fields * p;
        const auto mean = [&](pop_field f, double unit) { return static_cast<double>(sum[f]) / unit / n; };
        trace.rate[p].push_back(static_cast<double>(sum[f_spikes]) / n / H_s);
        trace.sensed_rate[p].push_back(mean(f_calcium, calcium_unit) / (pop.tau_calcium * 1e-3));
        trace.gain_ex[p].push_back(mean(f_gain_ex, gain_unit));
        trace.gain_in[p].push_back(mean(f_gain_in, gain_unit));
        trace.gain_ex_std[p].push_back(spread(trace.gain_ex[p].back(), mean(f_gain_ex2, gain_unit)));
        trace.gain_in_std[p].push_back(spread(trace.gain_in[p].back(), mean(f_gain_in2, gain_unit)));
        trace.E_in[p].push_back(mean(f_E_in, voltage_unit));
        trace.E_in_std[p].push_back(spread(trace.E_in[p].back(), mean(f_E_in2, voltage_unit)));
        trace.input_ex[p].push_back(mean(f_input_ex, input_unit) / H_ms);
        trace.input_in[p].push_back(mean(f_input_in, input_unit) / H_ms);
        trace.ei_ratio[p].push_back(sum[f_input_in] > 0 ? static_cast<double>(sum[f_input_ex]) / static_cast<double>(sum[f_input_in])
                                                        : std::numeric_limits<double>::quiet_NaN());
        if (pop.metaplasticity.enabled) {
            trace.theta[p].push_back(mean(f_theta, theta_unit));
            trace.theta_std[p].push_back(spread(trace.theta[p].back(), mean(f_theta2, theta_unit)));
        }
        // The glial signal for the next period: this period's population rate.
        if (pop.scaling.enabled) glia[p] = plasticity::glial_boost(pop.scaling, trace.rate[p].back());
    }
    for (std::size_t j = 0; j < J; ++j) {
        if (!plastic[j]) continue;
        const std::int64_t* sum = total.data() + proj_slot[j];
        const double count = std::max<double>(1.0, static_cast<double>(sum[2]));
        const double mean = static_cast<double>(sum[0]) / weight_unit / count, square = static_cast<double>(sum[1]) / weight_unit / count;
        // |w| / weight_scale was summed; the sign of the projection's weights restored here.
        const double sign = rules[j].w_max > 0.0f ? 1.0 : -1.0;
        trace.w_mean[j].push_back(sign * mean * weight_scale(j));
        trace.w_std[j].push_back(spread(mean, square) * weight_scale(j));
        trace.w_at_min[j].push_back(static_cast<double>(sum[3]) / count);
        trace.w_at_max[j].push_back(static_cast<double>(sum[4]) / count);
        for (const double q : homeostasis_trace::quantile_levels)
            trace.w_quantiles[j].push_back(histogram_quantile(sum + 5, weight_bins, rules[j].w_min, rules[j].w_max, q));
    }
    std::size_t slot = neuron_slot;
    for (auto& rec : trace.recorded)
        for (std::size_t k = 0; k < rec.ids.size(); ++k, slot += recorded_fields) {
            const auto value = [&](std::size_t f) { return std::bit_cast<float>(static_cast<std::uint32_t>(total[slot + f])); };
            rec.gain_ex.push_back(value(0));
            rec.gain_in.push_back(value(1));
            rec.E_in.push_back(value(2));
            if (spec.populations[rec.population].metaplasticity.enabled) rec.theta.push_back(value(3));
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
