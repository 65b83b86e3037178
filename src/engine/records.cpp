#include <numeric>
#include <span>

#include "engine_state.hpp"

namespace synorm::engine {

weight_snapshot simulation::impl::snapshot(std::uint32_t projection, std::int64_t step) {
    SYNORM_ASSERT(weights_current(step), "a snapshot reads weights current at its step");
    weight_snapshot snap;
    snap.projection = projection;
    snap.time = static_cast<double>(step) * spec.simulation.dt;
    const auto& proj = spec.projections[projection];
    // By target gid, then source: a counting sort by target. A target's synapses are all on its thread,
    // whose rows ascend by source and keep a pair's synapses in drawing order, so the visit below meets
    // each target's synapses already in (source, drawing) order, and the sort keeps it: what a stable
    // sort by (target, source) gives, without the sort's passes over every synapse.
    std::vector<std::vector<std::uint32_t>> place(threads.size());  // by thread, neuron: its rank by gid
    {
        struct at {
            std::uint64_t gid;
            std::uint32_t thread, neuron;
        };
        std::vector<at> neurons;
        for (std::uint32_t t = 0; t < threads.size(); ++t) {
            place[t].resize(threads[t].n);
            for (std::uint32_t i = 0; i < threads[t].n; ++i) neurons.push_back({threads[t].layout->gids[i], t, i});
        }
        std::sort(neurons.begin(), neurons.end(), [](const at& a, const at& b) { return a.gid < b.gid; });
        for (std::uint32_t k = 0; k < neurons.size(); ++k) place[neurons[k].thread][neurons[k].neuron] = k;
    }
    std::vector<std::uint64_t> next(std::accumulate(place.begin(), place.end(), std::size_t{0},
                                                    [](std::size_t n, const auto& p) { return n + p.size(); }) +
                                    1);
    for (std::uint32_t t = 0; t < threads.size(); ++t) {
        const auto& table = threads[t].tables[projection];
        for (const std::uint32_t word : table.target_delay) ++next[place[t][network::synapse_target(word)] + 1];
    }
    std::partial_sum(next.begin(), next.end(), next.begin());  // each target's first place
    snap.sources.resize(next.back());
    snap.targets.resize(next.back());
    snap.weights.resize(next.back());
    row_source_lists begins;
    const row_source_lists sources = row_sources_of(projection, all_threads, &begins);
    for (std::uint32_t t = 0; t < threads.size(); ++t) {
        const auto& ts = threads[t];
        const auto& table = ts.tables[projection];
        const auto& row_source = sources[t][projection];
        const auto& row_begin = table.spans() ? begins[t][projection] : table.row_begin;
        const effective_weight effective = effective_weights(ts, projection);
        for (std::uint64_t r = 0; r < table.rows(); ++r) {
            const std::uint64_t source = first_gid[proj.source] + row_source[r];
            branch_cursor branch = branched[projection] ? branches_of_row(ts, projection, source) : branch_cursor{};
            for (std::uint64_t k = row_begin[r]; k < row_begin[r + 1]; ++k) {
                const std::uint32_t i = network::synapse_target(table.target_delay[k]);
                const std::uint64_t to = next[place[t][i]]++;
                snap.sources[to] = source;
                snap.targets[to] = ts.layout->gids[i];
                snap.weights[to] = effective(table.weight[k], i, branched[projection] ? branch(i) : 0);
            }
        }
    }
    return snap;
}

effective_weight simulation::impl::effective_weights(const thread_state& ts, std::uint32_t projection) const {
    const auto& table = ts.tables[projection];
    const std::vector<float>& gain = table.port == network::receptor::excitatory ? ts.gain_ex : ts.gain_in;
    effective_weight e;
    if (branched[projection]) {
        e.branch_gain = ts.branch_gain.data();
        e.branch_stride = branch_stride;
    }
    if (additive[projection]) e.offset = ts.offset_ex.data();
    if (!gain.empty() && uses_gain[spec.projections[projection].target]) e.gain = gain.data();
    e.G = shy_gain[projection];  // SHY renormalization: 1 outside it
    e.spare = shy_spare[projection];
    return e;
}

spike_batch simulation::impl::take_spikes() {
    spike_batch batch;
    std::vector<std::pair<std::int64_t, std::uint64_t>> all;
    for (auto& ts : threads) {
        for (std::size_t k = 0; k < ts.flush_gids.size(); ++k) all.emplace_back(ts.flush_steps[k], ts.flush_gids[k]);
        ts.flush_gids.clear();
        ts.flush_steps.clear();
    }
    std::sort(all.begin(), all.end());
    batch.gids.reserve(all.size());
    batch.steps.reserve(all.size());
    for (const auto& [s, g] : all) {
        batch.steps.push_back(s);
        batch.gids.push_back(g);
    }
    return batch;
}

void simulation::impl::count_rates(const std::vector<std::uint64_t>& spikes, std::int64_t origin) {
    if (!rate_bins) return;
    const std::size_t populations = spec.populations.size();
    for (const std::uint64_t word : spikes) {
        const std::uint64_t gid = comm::spike_gid(word);
        const auto p =
            static_cast<std::size_t>(std::upper_bound(first_gid.begin(), first_gid.end(), gid) - first_gid.begin() - 1);
        const std::int64_t step = origin + static_cast<std::int64_t>(comm::spike_lag(word));
        SYNORM_ASSERT(step / rate_bin_steps >= rate_first, "a spike's rate bin is still open");
        const auto bin = static_cast<std::size_t>(step / rate_bin_steps - rate_first);
        if ((bin + 1) * populations > rate_counts.size()) rate_counts.resize((bin + 1) * populations, 0);
        ++rate_counts[bin * populations + p];
    }
}

void simulation::impl::flush_rates(std::int64_t upto, const hooks& h) {
    if (!rate_bins) return;
    const std::int64_t done = upto >= total_steps ? rate_bins : std::min(upto / rate_bin_steps, rate_bins);
    if (done <= rate_first) return;  // the same on every rank: `upto` is
    const std::size_t populations = spec.populations.size(), bins = static_cast<std::size_t>(done - rate_first);
    // The completed bins, [bin][population] as counted, reduced in place in one sum; they leave the
    // window below, once their rates are taken.
    if (rate_counts.size() < bins * populations) rate_counts.resize(bins * populations, 0);
    const std::span<std::int64_t> counts(rate_counts.data(), bins * populations);
    comm.sum(counts);
    std::vector<double> widths(bins);  // s; the last bin of the run may be shorter than the others
    for (std::size_t k = 0; k < bins; ++k) {
        const std::int64_t b = rate_first + static_cast<std::int64_t>(k);
        const std::int64_t steps_in_bin = std::min(rate_bin_steps, total_steps - b * rate_bin_steps);
        const double width = static_cast<double>(steps_in_bin) * spec.simulation.dt * 1e-3;
        widths[k] = width > 0 ? width : static_cast<double>(rate_bin_steps) * spec.simulation.dt * 1e-3;
    }
    // Rates of spike counts summed over the given populations. Integer counts reduced over ranks, so
    // the same bits on every layout, and whatever the flushes' cadence.
    auto rates_of = [&](const std::vector<std::uint32_t>& members, double neurons) {
        std::vector<double> rate(bins);
        for (std::size_t k = 0; k < bins; ++k) {
            std::int64_t n = 0;
            for (const std::uint32_t p : members) n += counts[k * populations + p];
            rate[k] = static_cast<double>(n) / neurons / widths[k];
        }
        return rate;
    };
    rate_batch batch;
    batch.first = rate_first;
    for (std::uint32_t p = 0; p < populations; ++p) {
        batch.rates.push_back(rates_of({p}, static_cast<double>(spec.populations[p].size)));
        for (std::size_t k = 0; k < bins; ++k) {
            rate_totals[p] += counts[k * populations + p];
            rate_sums[p] += batch.rates[p][k];
        }
    }
    for (const auto& g : rate_groups)
        batch.groups.push_back(
            {g.name, g.populations, g.neurons, rates_of(g.populations, static_cast<double>(g.neurons)), 0.0});
    rate_counts.erase(rate_counts.begin(), rate_counts.begin() + static_cast<std::ptrdiff_t>(bins * populations));
    rate_first = done;
    if (h.on_rates) {
        h.on_rates(batch);
        return;
    }
    for (std::uint32_t p = 0; p < populations; ++p)
        rates_kept[p].insert(rates_kept[p].end(), batch.rates[p].begin(), batch.rates[p].end());
    for (std::size_t g = 0; g < rate_groups.size(); ++g)
        rate_groups[g].rate.insert(rate_groups[g].rate.end(), batch.groups[g].rate.begin(), batch.groups[g].rate.end());
}

results simulation::impl::collect(results r, const hooks& h) {
    r.work_by_phase.resize(r.phases.size());  // a row per phase, whether or not this process ran it
    // State traces: this rank's recorded neurons in gid order, samples in time order.
    for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
        const std::int64_t every =
            std::max<std::int64_t>(1, to_step(spec.recording.state[k].interval, spec.simulation.dt));
        r.traces.push_back(gather_trace(k, static_cast<std::size_t>((total_steps + every - 1) / every)));
    }
    if (spec.recording.final_state) {
        for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
            final_state fs;
            fs.population = p;
            std::vector<std::pair<std::uint64_t, float>> all;
            for (const auto& ts : threads) {
                const auto& s = ts.layout->slices[p];
                for (std::uint32_t i = s.begin; i < s.end; ++i) all.emplace_back(ts.layout->gids[i], ts.V[i]);
            }
            std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            for (const auto& [g, v] : all) {
                fs.gids.push_back(g);
                fs.V_m.push_back(v);
            }
            r.final_states.push_back(std::move(fs));
        }
    }
    r.rate_bin_steps = rate_bin_steps;
    r.rate_bins = rate_bins;
    std::int64_t kept_from = 0;  // the first bin of results::rates: this process's first flush
    if (rate_bins) {
        flush_rates(total_steps, h);  // what no flush took yet, the last bin among them
        kept_from = rate_first - static_cast<std::int64_t>(rates_kept.front().size());
        const double duration_s = static_cast<double>(total_steps) * spec.simulation.dt * 1e-3;
        for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
            r.mean_rates.push_back(static_cast<double>(rate_totals[p]) / static_cast<double>(spec.populations[p].size) /
                                   duration_s);
            r.binned_rates.push_back(rate_sums[p] / static_cast<double>(rate_bins));
        }
        if (!h.on_rates) r.rates = std::move(rates_kept);
        r.group_rates = std::move(rate_groups);
        for (auto& g : r.group_rates) {
            std::int64_t total = 0;
            for (const std::uint32_t p : g.populations) total += rate_totals[p];
            g.mean = static_cast<double>(total) / static_cast<double>(g.neurons) / duration_s;
        }
    }
    rate_reader kept;
    if (rate_bins && !h.on_rates)
        kept = [&](std::uint32_t p, std::int64_t first, std::int64_t count) {
            if (first < kept_from) return std::vector<double>();
            const auto at = r.rates[p].begin() + (first - kept_from);
            return std::vector<double>(at, at + count);
        };
    phase_rates(spec, r, kept);
    for (const auto& ts : threads) {
        r.time.update = std::max(r.time.update, ts.t_update);
        r.time.deliver = std::max(r.time.deliver, ts.t_deliver);
    }
    return r;
}

}  // namespace synorm::engine
