// The phase schedule (src/README.md decision 8) and SHY renormalization as a global gain (decision 4).
// Everything here runs on the master thread between barriers, with the same data on every rank, so
// every layout changes the same parameters at the same step.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <numbers>

#include "engine_state.hpp"

namespace synorm::engine {

void simulation::impl::init_schedule() {
    shy_gain.assign(spec.projections.size(), 1.0f);
    shy_spare.assign(spec.projections.size(), INFINITY);
    if (!spec.schedule.enabled()) return;
    configured = spec;
    configured_rules = rules;
    phase_runs = model::expand(spec.schedule, spec.simulation.dt);
    // Pruning points by default: the end of every NREM phase that runs (a skipped one is no sleep).
    for (const auto& run : phase_runs)
        if (!run.skipped && spec.schedule.phases[run.phase].kind == model::phase_kind::nrem)
            nrem_ends.push_back(run.end);
    renormalized.assign(spec.projections.size(), 0);
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        renormalized[j] =
            plastic[j] && spec.populations[spec.projections[j].source].type == model::cell_type::excitatory;
    // Groups in order of their first population, as /rates_by_group.
    weight_group.assign(spec.projections.size(), -1);
    for (const auto& pop : spec.populations)
        if (!pop.group.empty() && std::find(group_names.begin(), group_names.end(), pop.group) == group_names.end())
            group_names.push_back(pop.group);
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const std::string& name = spec.populations[spec.projections[j].target].group;
        if (renormalized[j] && !name.empty())
            weight_group[j] = static_cast<std::int32_t>(std::find(group_names.begin(), group_names.end(), name) -
                                                        group_names.begin());
    }
    group_set_point.assign(group_names.size(), -1.0);
    group_G.assign(group_names.size(), 1.0);
}

bool simulation::impl::group_scope() const {
    const auto& r = spec.schedule.renormalization;
    return r.enabled && r.scope == model::renormalization_spec::extent::group;
}

schedule_record simulation::impl::capture_schedule(const results& so_far) const {
    schedule_record r;
    if (phase_runs.empty()) return r;
    r.present = true;
    r.phase_next = phase_next;
    r.phase_open = phase_open;
    r.shy_G = shy_G;
    r.set_point = set_point;
    if (group_scope()) r.group_G = group_G;
    r.shy_gain = shy_gain;
    r.shy_spare = shy_spare;
    r.synapse_count = synapse_count;
    r.phases = so_far.phases;
    if (phase_open && !r.phases.empty()) r.phases.back().wall = omp_get_wtime() - phase_wall0;  // so far
    r.weight = so_far.phase_weight;
    r.snapshots = so_far.phase_snapshots;
    return r;
}

void simulation::impl::restore_schedule(const schedule_record& from) {
    ++weights_epoch;  // the restored weights: every thread settles its resting tables again
    const auto fail = [](const std::string& what) {
        throw std::runtime_error("the checkpoint does not fit the configuration: " + what);
    };
    if (from.present != !phase_runs.empty())
        fail(from.present ? "it holds a schedule's position, and this configuration has no schedule"
                          : "it holds no schedule's position");
    if (!from.present) return;
    if (from.phase_next > phase_runs.size() || (from.phase_open && from.phase_next == 0))
        fail("its schedule position is past this schedule");
    if (from.shy_gain.size() != shy_gain.size() || from.shy_spare.size() != shy_gain.size() ||
        (!from.synapse_count.empty() && from.synapse_count.size() != shy_gain.size()))
        fail("its schedule has another number of projections");
    if (from.phases.size() != from.phase_next)
        fail("its phase table has " + std::to_string(from.phases.size()) + " rows for " +
             std::to_string(from.phase_next) + " phases begun");
    phase_next = static_cast<std::size_t>(from.phase_next);
    phase_open = from.phase_open;
    shy_G = from.shy_G;
    set_point = from.set_point;
    if (group_scope()) {
        if (from.group_G.size() != group_G.size())
            fail("it holds " + std::to_string(from.group_G.size()) + " SHY gains by group, this configuration has " +
                 std::to_string(group_G.size()) + " groups");
        group_G = from.group_G;
    }
    if (from.weight.group_weight.size() != from.weight.times.size() * group_names.size())
        fail("its weight course by group has " + std::to_string(from.weight.group_weight.size()) + " values for " +
             std::to_string(from.weight.times.size()) + " samples of " + std::to_string(group_names.size()) +
             " groups");
    if (!from.weight.group_set_point.empty()) {
        if (from.weight.group_set_point.size() != group_set_point.size())
            fail("its weight course has another number of groups");
        group_set_point = from.weight.group_set_point;
    }
    shy_gain = from.shy_gain;
    shy_spare = from.shy_spare;
    synapse_count = from.synapse_count;
    // The settings in force are those of the last phase begun (the next one begins at a boundary,
    // which a resumed run reaches after its first interval).
    if (phase_next > 0) apply_settings(phase_runs[phase_next - 1].settings);
    restored.phases = from.phases;
    if (phase_open) phase_wall0 = omp_get_wtime() - from.phases.back().wall;  // the open phase goes on counting
    restored.phase_weight = from.weight;
    restored.phase_snapshots = from.snapshots;
}

// The configured parameters, then the phase's settings; derived constants recomputed.
void simulation::impl::apply_settings(std::uint32_t k) {
    const auto& phase = spec.schedule.phases[k];
    const double dt = spec.simulation.dt;
    for (std::size_t i = 0; i < own.poisson_inputs.size(); ++i) {
        own.poisson_inputs[i].rate = configured.poisson_inputs[i].rate;
        own.poisson_inputs[i].sources = configured.poisson_inputs[i].sources;
    }
    for (const auto& in : phase.inputs) {
        own.poisson_inputs[in.input].rate = in.rate;
        own.poisson_inputs[in.input].sources = in.sources;
    }
    for (std::size_t i = 0; i < own.poisson_inputs.size(); ++i) {
        const auto& in = own.poisson_inputs[i];
        poisson[i].table = model::poisson_table(in.rate * static_cast<double>(in.sources) * dt * 1e-3);
    }
    for (std::size_t p = 0; p < own.populations.size(); ++p) {
        own.populations[p].params = configured.populations[p].params;
        // A factor 0 makes the time constants infinite: the gains stay where they are.
        auto& s = own.populations[p].scaling;
        const auto& s0 = configured.populations[p].scaling;
        s.tau_up = phase.scaling_rate > 0 ? s0.tau_up / phase.scaling_rate : INFINITY;
        s.tau_down = phase.scaling_rate > 0 ? s0.tau_down / phase.scaling_rate : INFINITY;
    }
    for (const auto& ps : phase.params) own.populations[ps.population].params.*ps.member = ps.value;
    for (std::size_t p = 0; p < own.populations.size(); ++p)
        constants[p] = model::lif_constants::make(own.populations[p].params, own.populations[p].model, dt);
    learning_off.assign(rules.size(), 0);
    for (std::size_t j = 0; j < rules.size(); ++j) {
        if (!plastic[j]) continue;
        const float f = phase.learning_rate.empty() ? 1.0f : static_cast<float>(phase.learning_rate[j]);
        rules.plastic(j).scale_rates(configured_rules[j], f);
        learning_off[j] = f == 0.0f;
    }
    ++weights_epoch;
}

// Exact in any order: fixed-point sums of |w|/s per plastic projection (s = weight_scale, w_max for
// the renormalized ones, as in the global reduction), split at the spare threshold (+inf outside
// selective renormalization, so everything is below it). by_projection: G·Σ below + Σ at or above,
// of every plastic projection (0 for static ones).
simulation::impl::weight_split simulation::impl::excitatory_weights(std::vector<double>* by_projection) {
    const std::size_t J = spec.projections.size();
    std::vector<std::int64_t> sums(3 * J, 0);  // per projection: Σ below θ, Σ at or above, synapses
    for (const auto& ts : threads)
        for (std::size_t j = 0; j < J; ++j) {
            if (!plastic[j]) continue;
            const double scale = 1.0 / weight_scale(static_cast<std::uint32_t>(j));
            const float spare = shy_spare[j];
            for (const float w : ts.tables[j].weight)
                sums[3 * j + (w < spare ? 0 : 1)] += to_fixed(std::fabs(w) * scale, weight_unit);
            sums[3 * j + 2] += static_cast<std::int64_t>(ts.tables[j].weight.size());
        }
    comm.sum(sums);
    weight_split total;
    total.group_scaled.assign(group_names.size(), 0.0);
    total.group_spared.assign(group_names.size(), 0.0);
    synapse_count.assign(J, 0.0);
    if (by_projection) by_projection->assign(J, 0.0);
    for (std::size_t j = 0; j < J; ++j) {
        if (!plastic[j]) continue;
        const double s = weight_scale(static_cast<std::uint32_t>(j));
        const double below = static_cast<double>(sums[3 * j]) / weight_unit * s,
                     above = static_cast<double>(sums[3 * j + 1]) / weight_unit * s;
        if (by_projection)
            (*by_projection)[j] =
                static_cast<double>(shy_gain[j]) * static_cast<double>(sums[3 * j]) / weight_unit * s + above;
        if (!renormalized[j]) continue;
        total.scaled += below;
        total.spared += above;
        if (weight_group[j] >= 0) {
            total.group_scaled[static_cast<std::size_t>(weight_group[j])] += below;
            total.group_spared[static_cast<std::size_t>(weight_group[j])] += above;
        }
        synapse_count[j] = static_cast<double>(sums[3 * j + 2]);
    }
    return total;
}

double simulation::impl::excitatory_weight(std::vector<double>* by_projection) {
    if (!group_scope()) {
        const weight_split w = excitatory_weights(by_projection);
        return static_cast<double>(static_cast<float>(shy_G)) * w.scaled + w.spared;
    }
    // Each group's own gain: W = Σ_g G_g·scaled_g + spared_g, the sum of group_weight's terms.
    const weight_split w = excitatory_weights(by_projection);
    double W = 0.0;
    for (std::size_t g = 0; g < group_names.size(); ++g)
        W += static_cast<double>(static_cast<float>(group_G[g])) * w.group_scaled[g] + w.group_spared[g];
    return W;
}

// θ per renormalized projection from the exact histogram of w (weight_histogram.hpp), the same bits
// on every layout.
void simulation::impl::take_spare_thresholds() {
    const std::size_t J = spec.projections.size();
    std::vector<std::int64_t> counts(J * weight_bins, 0);
    for (const auto& ts : threads)
        for (std::size_t j = 0; j < J; ++j) {
            if (!renormalized[j]) continue;
            for (const float w : ts.tables[j].weight)
                ++counts[j * weight_bins + weight_bin(w, rules[j].w_min, rules[j].w_max)];
        }
    comm.sum(counts);
    for (std::size_t j = 0; j < J; ++j)
        if (renormalized[j])
            shy_spare[j] =
                static_cast<float>(spare_threshold(counts.data() + j * weight_bins, weight_bins, rules[j].w_min,
                                                   rules[j].w_max, spec.schedule.renormalization.spare));
}

void simulation::impl::end_phase(results& out) {
    const auto& run = phase_runs[phase_next - 1];
    auto& row = out.phases.back();
    row.wall = omp_get_wtime() - phase_wall0;
    const phase_work now = work_so_far(out);
    out.work_by_phase.resize(out.phases.size());  // rows before this process began stay zero
    phase_work& w = out.work_by_phase.back();
    w.cpu = now.cpu - phase_work0.cpu;
    w.spikes = now.spikes - phase_work0.spikes;
    w.events = now.events - phase_work0.events;
    w.plastic_pre = now.plastic_pre - phase_work0.plastic_pre;
    w.plastic_post = now.plastic_post - phase_work0.plastic_post;
    w.received = now.received - phase_work0.received;
    w.rows = now.rows - phase_work0.rows;
    w.exchanges = now.exchanges - phase_work0.exchanges;
    w.bytes_received = now.bytes_received - phase_work0.bytes_received;
    row.weight_end = excitatory_weight(&row.projection_end);
    row.renormalization = 1.0;
    if (spec.schedule.phases[run.settings].renormalize) {
        // One sweep at the end of the phase: G into the weights (the gain was settled at T already).
        for (std::size_t j = 0; j < shy_gain.size(); ++j) {
            if (!renormalized[j]) continue;
            const float G = shy_gain[j], spare = shy_spare[j];
            row.renormalization = G;
            for (auto& ts : threads)
                for (float& w : ts.tables[j].weight)
                    if (w < spare) w *= G;
            shy_gain[j] = 1.0f;
            shy_spare[j] = INFINITY;
        }
        ++weights_epoch;
        shy_G = 1.0;
        if (group_scope()) {
            // Each group folded its own G_g: the record is the effective gain of the last period.
            row.renormalization = out.phase_weight.gain.empty() ? 1.0 : out.phase_weight.gain.back();
            std::fill(group_G.begin(), group_G.end(), 1.0);
        }
    }
}

void simulation::impl::phase_boundary(std::int64_t T, bool homeostasis_due, results& out) {
    const auto& schedule = spec.schedule;
    const auto& r = schedule.renormalization;
    // One period of SHY in the running phase, from the weights of the reduction just taken.
    const bool any = std::find(renormalized.begin(), renormalized.end(), 1) != renormalized.end();
    if (homeostasis_due && phase_next > 0 && any) {
        const bool renormalizing =
            r.enabled && set_point >= 0.0 && schedule.phases[phase_runs[phase_next - 1].settings].renormalize;
        weight_split sum;
        const std::size_t groups = group_names.size();
        if (renormalizing && r.mode == model::renormalization_spec::selectivity::selective) {
            sum = excitatory_weights();  // one more reduction per period, in selective phases only
        } else {
            // The per-projection sums of the period's one global reduction (decision 7) are exact, so
            // the groups' sums over them are the same bits on every layout.
            sum.group_scaled.assign(groups, 0.0);
            sum.group_spared.assign(groups, 0.0);
            for (std::size_t j = 0; j < shy_gain.size(); ++j)
                if (renormalized[j]) {
                    const double w = out.homeostasis.w_mean[j].back() * synapse_count[j];
                    sum.scaled += w;
                    if (weight_group[j] >= 0) sum.group_scaled[static_cast<std::size_t>(weight_group[j])] += w;
                }
        }
        const bool by_group = group_scope();
        if (renormalizing) {
            const double H_ms = static_cast<double>(H) * spec.simulation.dt;
            if (!by_group) {
                // Every renormalized projection carries the same G: it is the network's gain.
                shy_G = model::renormalized_gain(shy_G, set_point, sum.spared, sum.scaled, H_ms, r.tau);
                for (std::size_t j = 0; j < shy_gain.size(); ++j)
                    if (renormalized[j]) shy_gain[j] = static_cast<float>(shy_G);
            } else {
                // Each group's projections carry its own G_g, by the same rule towards its own W*_g.
                for (std::size_t g = 0; g < groups; ++g)
                    group_G[g] = model::renormalized_gain(group_G[g], group_set_point[g], sum.group_spared[g],
                                                          sum.group_scaled[g], H_ms, r.tau);
                for (std::size_t j = 0; j < shy_gain.size(); ++j)
                    if (renormalized[j])
                        shy_gain[j] = static_cast<float>(group_G[static_cast<std::size_t>(weight_group[j])]);
            }
        }
        auto& trace = out.phase_weight;
        trace.times.push_back(static_cast<double>(T) * spec.simulation.dt);
        if (trace.groups.empty()) trace.groups = group_names;
        double W = 0.0;
        for (std::size_t g = 0; g < groups; ++g) {
            const double G = by_group ? group_G[g] : shy_G;
            trace.group_weight.push_back(static_cast<double>(static_cast<float>(G)) * sum.group_scaled[g] +
                                         sum.group_spared[g]);
            W += trace.group_weight.back();
            if (by_group) trace.group_gain.push_back(static_cast<float>(G));
        }
        if (!by_group) {
            trace.weight.push_back(static_cast<double>(static_cast<float>(shy_G)) * sum.scaled + sum.spared);
            trace.gain.push_back(static_cast<float>(shy_G));
        } else {
            trace.weight.push_back(W);
            trace.gain.push_back(sum.scaled > 0.0 ? (W - sum.spared) / sum.scaled : 1.0);
        }
    }
    const bool ends = phase_open && T >= phase_runs[phase_next - 1].end;
    if (ends || phase_due(T)) sample_patterns(T, out);  // before the SHY gain is folded in
    if (ends) {
        end_phase(out);
        phase_open = false;
        if (phase_next == phase_runs.size() && spec.schedule.snapshots)  // the last boundary: the end of the run
            for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
                if (plastic[j]) out.phase_snapshots.push_back(snapshot(j, T));
    }
    if (!phase_due(T)) return;
    const auto& run = phase_runs[phase_next];
    const auto& phase = schedule.phases[run.settings];
    apply_settings(run.settings);
    phase_record row;
    row.name = schedule.phases[run.phase].name;
    row.kind = static_cast<std::uint8_t>(phase.kind);
    row.cycle = run.cycle;
    row.skipped = run.skipped;
    row.start = static_cast<double>(run.start) * spec.simulation.dt;
    row.end = static_cast<double>(run.end) * spec.simulation.dt;
    row.weight_start = renormalized.empty() ? 0.0 : excitatory_weight(&row.projection_start);
    if (phase.renormalize && r.enabled && r.mode == model::renormalization_spec::selectivity::selective) {
        take_spare_thresholds();
        row.weight_spared = excitatory_weights().spared;
    }
    if (r.enabled && set_point < 0.0) {
        using ref = model::renormalization_spec::reference;
        if (r.set_point == ref::start || (r.set_point == ref::first_wake && phase.kind == model::phase_kind::wake)) {
            set_point = row.weight_start;
            // Each group's W at the same moment, from the same per-projection totals.
            std::fill(group_set_point.begin(), group_set_point.end(), 0.0);
            for (std::size_t j = 0; j < weight_group.size(); ++j)
                if (weight_group[j] >= 0)
                    group_set_point[static_cast<std::size_t>(weight_group[j])] += row.projection_start[j];
        }
        if (r.set_point == ref::value) {
            set_point = 0.0;
            for (const double n : synapse_count) set_point += r.mean_weight * n;
            std::fill(group_set_point.begin(), group_set_point.end(), 0.0);
            for (std::size_t j = 0; j < weight_group.size(); ++j)
                if (weight_group[j] >= 0)
                    group_set_point[static_cast<std::size_t>(weight_group[j])] += r.mean_weight * synapse_count[j];
        }
        out.phase_weight.group_set_point = group_set_point;
    }
    row.set_point = set_point;
    out.phases.push_back(row);
    if (spec.schedule.snapshots)
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
            if (plastic[j]) out.phase_snapshots.push_back(snapshot(j, T));
    ++phase_next;
    phase_open = true;
    phase_wall0 = omp_get_wtime();
    phase_work0 = work_so_far(out);
}

// Summed over the threads on the master between barriers, so each counter is complete; std::clock is
// the process's processor time, which a loaded machine inflates far less than wall-clock time.
phase_work simulation::impl::work_so_far(const results& out) const {
    phase_work w;
    w.cpu = static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
    for (const auto& ts : threads) {
        w.spikes += ts.spikes;
        w.events += ts.events;
        w.plastic_pre += ts.plastic_pre;
        w.plastic_post += ts.plastic_post;
        w.received += ts.looked_up;
        w.rows += ts.rows_found;
    }
    w.exchanges = out.exchanges;
    w.bytes_received = out.bytes_received;
    return w;
}

// Mean rate and slow-wave activity per phase and population, from the rate bins that lie wholly in
// the phase. SWA as tools/synorm_files.py swa(): the one-sided periodogram of the rate minus its mean, over
// the bins, in 0.5–4 Hz, normalised so that it sums to the variance (Hz²). The bins are read back (from
// the output, where they went during the run) one population at a time in pieces of phase_chunk bins,
// twice: for the mean, then for the periodogram, each of whose frequencies adds its terms in bin order
// across the pieces. So the sums are those of one pass over every bin, and no phase, however long,
// needs its bins in memory at once.
void phase_rates(const model::model_spec& spec, results& r, const rate_reader& bins) {
    constexpr std::int64_t phase_chunk = std::int64_t{1} << 16;  // bins read back at once
    const std::int64_t rate_bin_steps = r.rate_bin_steps, rate_bins = r.rate_bins;
    for (auto& row : r.phases) {
        row.rate.assign(spec.populations.size(), NAN);
        row.swa.assign(spec.populations.size(), NAN);
        if (!bins || rate_bins == 0) continue;
        const auto start = detail::to_step(row.start, spec.simulation.dt),
                   end = detail::to_step(row.end, spec.simulation.dt);
        const std::int64_t b0 = (start + rate_bin_steps - 1) / rate_bin_steps,
                           b1 = std::min(end / rate_bin_steps, rate_bins);
        if (b1 <= b0) continue;
        const auto n = static_cast<std::size_t>(b1 - b0);
        const double bin_s = static_cast<double>(rate_bin_steps) * spec.simulation.dt * 1e-3;
        std::vector<std::size_t> band;  // the frequencies k / (n · bin_s) in 0.5–4 Hz, ascending
        for (std::size_t k = 0; k <= n / 2; ++k) {
            const double f = static_cast<double>(k) / (static_cast<double>(n) * bin_s);
            if (f >= 0.5 && f <= 4.0) band.push_back(k);
        }
        // The population's bins [c, c + count) of the phase, each piece in turn; false when one is missing.
        const auto pieces = [&](std::uint32_t p, const auto& each) {
            for (std::int64_t c = b0; c < b1; c += phase_chunk) {
                const std::int64_t count = std::min(phase_chunk, b1 - c);
                const std::vector<double> x = bins(p, c, count);
                if (static_cast<std::int64_t>(x.size()) != count) return false;
                each(static_cast<std::size_t>(c - b0), x);
            }
            return true;
        };
        for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
            double mean = 0.0;
            if (!pieces(p, [&](std::size_t, const std::vector<double>& x) {
                    for (const double v : x) mean += v;
                }))
                continue;
            mean /= static_cast<double>(n);
            std::vector<double> re(band.size(), 0.0), im(band.size(), 0.0);
            if (!band.empty() && !pieces(p, [&](std::size_t first, const std::vector<double>& x) {
                    for (std::size_t j = 0; j < band.size(); ++j) {
                        const std::size_t k = band[j];
                        for (std::size_t m = 0; m < x.size(); ++m) {
                            const std::size_t i = first + m;
                            const double phi =
                                -2.0 * std::numbers::pi * static_cast<double>((k * i) % n) / static_cast<double>(n);
                            re[j] += (x[m] - mean) * std::cos(phi);
                            im[j] += (x[m] - mean) * std::sin(phi);
                        }
                    }
                }))
                continue;
            double power = 0.0;
            for (std::size_t j = 0; j < band.size(); ++j)
                power += (re[j] * re[j] + im[j] * im[j]) / (static_cast<double>(n) * static_cast<double>(n)) * 2.0;
            row.rate[p] = mean;
            row.swa[p] = power;
        }
    }
}

}  // namespace synorm::engine
