#include <bit>
#include <cstdio>
#include <limits>

#include "engine_state.hpp"

namespace synorm::engine {

void simulation::impl::homeostasis_local(thread_state& ts, std::int64_t T) {
    SYNORM_ASSERT(!any_plastic || ts.arrived == T, "the sensors read weights current at the boundary");
    // Depressions from now on look for postsynaptic spikes after T − longest delay (and the one before).
    if (any_plastic) ts.history.prune(T - ts.longest_plastic_delay);
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
            for (std::size_t k = 0; k < table.weight.size(); ++k)
                ts.sum_w[network::synapse_target(table.target_delay[k])] += table.weight[k];
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
                if (additive_mode)
                    ts.offset_ex[i] = plasticity::additive_offset(ts.offset_ex[i], ts.mean_w_ex[i], drive);
                else
                    ts.gain_ex[i] = plasticity::scale_excitatory(pop.scaling, ts.gain_ex[i], drive);
                if (pop.scaling.inhibitory)
                    ts.gain_in[i] = plasticity::scale_inhibitory(pop.scaling, ts.gain_in[i], drive);
            }
            if (pop.normalization.enabled)
                ts.gain_ex[i] = plasticity::normalized_gain(pop.normalization.total, ts.sum_w[i], ts.gain_ex[i]);
            if (pop.e_gaba.enabled) ts.E_in[i] = plasticity::shift_e_gaba(pop.e_gaba, ts.E_in[i], rate, H_ms);
            if (pop.metaplasticity.enabled) {
                const float theta = ts.theta[i] = plasticity::slide_threshold(ts.theta[i], rate, theta_step[p]);
                ts.potentiation[i] = plasticity::potentiation_factor(pop.metaplasticity, theta);
                sum[f_theta] += to_fixed(theta, theta_unit);
                sum[f_theta2] += to_fixed(static_cast<double>(theta) * theta, theta_unit);
            }
            const double g_ex = ts.gain_ex.empty() ? 1.0 : ts.gain_ex[i],
                         g_in = ts.gain_in.empty() ? 1.0 : ts.gain_in[i];
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
        ts.sums[slot + 2] =
            bits(ts.E_in.empty() ? static_cast<float>(spec.populations[static_cast<std::size_t>(p)].params.E_in)
                                 : ts.E_in[i]);
        ts.sums[slot + 3] = bits(ts.theta.empty() ? 0.0f : ts.theta[i]);
    }
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        if (!plastic[j]) continue;
        std::int64_t* const sum = ts.sums.data() + proj_slot[j];
        const auto& weight = ts.tables[j].weight;
        const std::int64_t non_finite = add_weight_statistics(weight.data(), weight.size(), 1.0 / weight_scale(j),
                                                              weight_unit, rules[j].w_min, rules[j].w_max, sum);
        if (spec.checks.finite) ts.sums.back() += non_finite;
        sum[2] += static_cast<std::int64_t>(weight.size());
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
            ts.branch_activity[at] = plasticity::branch_activity(ts.branch_activity[at], ts.branch_arrivals[at],
                                                                 ts.branch_gain[at], branch_decay[p], branch_spread[p]);
            ts.branch_arrivals[at] = 0;
            const double rate = plasticity::branch_rate(ts.branch_activity[at], b.tau_activity);
            const float g = ts.branch_gain[at] = plasticity::scale_branch(b, ts.branch_gain[at], rate, H_ms);
            sum[k] += to_fixed(g, gain_unit);
            sum[B + k] += to_fixed(static_cast<double>(g) * g, gain_unit);
            if (recorded)
                sum[(2 + static_cast<std::size_t>(r - b.record.begin())) * B + k] += to_fixed(g, branch_value_unit);
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
            const double mean = static_cast<double>(sum[k]) / gain_unit / n,
                         square = static_cast<double>(sum[b.count + k]) / gain_unit / n;
            trace.branch_gain_mean[p].push_back(mean);
            trace.branch_gain_std[p].push_back(std::sqrt(std::max(0.0, square - mean * mean)));
        }
        for (std::size_t k = 0; k < b.record.size() * b.count; ++k)
            trace.branch_gain[p].push_back(static_cast<double>(sum[2 * b.count + k]) / branch_value_unit);
    }
}

void simulation::impl::homeostasis_global(std::int64_t T, homeostasis_trace& trace) {
    std::vector<std::int64_t> total(reduction_size(), 0);
    for (const auto& ts : threads) {
        SYNORM_ASSERT(ts.sums.size() == total.size(), "each thread's fixed-point sums have the reduction's fixed size");
        for (std::size_t k = 0; k < total.size(); ++k) total[k] += ts.sums[k];
    }
    comm.sum(total);
    SYNORM_ASSERT(total.back() >= 0, "the reduction's last entry counts non-finite values");
    const std::size_t P = spec.populations.size(), J = spec.projections.size();
    if (trace.times.empty()) {
        for (auto* series : {&trace.rate, &trace.sensed_rate, &trace.gain_ex, &trace.gain_in, &trace.gain_ex_std,
                             &trace.gain_in_std, &trace.E_in, &trace.E_in_std, &trace.input_ex, &trace.input_in,
                             &trace.ei_ratio, &trace.theta, &trace.theta_std})
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
        trace.ei_ratio[p].push_back(sum[f_input_in] > 0
                                        ? static_cast<double>(sum[f_input_ex]) / static_cast<double>(sum[f_input_in])
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
        const double mean = static_cast<double>(sum[0]) / weight_unit / count,
                     square = static_cast<double>(sum[1]) / weight_unit / count;
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
            const auto value = [&](std::size_t f) {
                return std::bit_cast<float>(static_cast<std::uint32_t>(total[slot + f]));
            };
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
            throw health_stop("checks.max_rate: population " + spec.populations[p].name + " fired at " + text +
                              " over the " + ms(static_cast<double>(H) * spec.simulation.dt) + " ending at " +
                              ms(t_ms) + ", above " +
                              std::to_string(static_cast<long long>(std::llround(spec.checks.max_rate))) + " Hz");
        }
    }
}

}  // namespace synorm::engine
