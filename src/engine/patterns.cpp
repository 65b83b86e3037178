// Stimulus patterns and recall probes (model/stimulus_pattern.hpp). The drive is Poisson input
// keyed by (seed, pattern, gid, step) like the other inputs, so every layout adds the same counts
// to the same neurons; the probe responses are counted by each rank's master from the interval's
// spikes and summed once at the end; the engram's weights are exact fixed-point sums at boundaries.
#include "engine_state.hpp"

namespace synorm::engine {

void simulation::impl::init_patterns() {
    const double dt = spec.simulation.dt;
    probe_at.clear();
    std::size_t entries = 0;
    for (std::uint32_t k = 0; k < spec.patterns.size(); ++k) {
        const auto& p = spec.patterns[k];
        pattern_drive d;
        d.table = model::poisson_table(p.rate * static_cast<double>(p.sources) * dt * 1e-3);
        d.weight = static_cast<float>(p.weight);
        d.inhibitory = p.inhibitory;
        d.duration = to_step(p.duration, dt);
        d.jitter = to_step(p.jitter, dt);
        d.probe_duration = to_step(p.probe_duration, dt);
        d.window = to_step(p.window, dt);
        d.shown = model::presentations(p, k, spec.schedule, phase_runs, dt, total_steps);
        for (const double t : p.probe_times) d.probes.push_back(to_step(t, dt));
        d.role.assign(spec.populations[p.population].size, 0);
        const std::uint64_t cued = p.cue_size();
        for (std::size_t m = 0; m < p.group.size(); ++m) d.role[p.group[m]] = m < cued ? 2 : 1;
        probe_at.push_back(entries);
        entries += 3 * d.probes.size();
        patterns.push_back(std::move(d));
    }
    probe_spikes.assign(entries, 0);
}

namespace {

// Adds the Poisson counts of one member over the steps [a, b) of one stream to the ring.
void drive_member(ring_buffer& ring, const model::poisson_table& table, float weight, std::uint64_t seed,
                  model::stream_kind kind, std::uint32_t pattern, std::uint64_t gid, std::uint32_t i, std::int64_t a,
                  std::int64_t b) {
    std::array<std::uint32_t, 4> block{};
    std::int64_t block_index = -1;
    for (std::int64_t s = a; s < b; ++s) {
        if (s / 4 != block_index) {
            block_index = s / 4;
            block = model::random_block(seed, kind, pattern, gid, static_cast<std::uint64_t>(block_index));
        }
        const std::uint32_t n = table.sample(block[static_cast<std::size_t>(s % 4)]);
        if (n) ring.add(s, i, static_cast<float>(n) * weight);
    }
}

}  // namespace

void simulation::impl::add_patterns(thread_state& ts, std::int64_t t0, std::int64_t t1) {
    const std::uint64_t seed = spec.simulation.seed;
    for (std::uint32_t k = 0; k < patterns.size(); ++k) {
        const auto& members = ts.pattern_members[k];
        if (members.empty()) continue;
        const auto& d = patterns[k];
        auto& ring = d.inhibitory ? ts.ring_in : ts.ring_ex;
        const std::uint64_t first = first_gid[spec.patterns[k].population];
        std::size_t& next = ts.pattern_next[k];
        while (next < d.shown.size() && d.shown[next].onset + d.jitter + d.duration <= t0) ++next;
        for (std::size_t q = next; q < d.shown.size() && d.shown[q].onset < t1; ++q)
            for (const std::uint32_t i : members) {
                const std::uint64_t gid = ts.layout->gids[i];
                const std::int64_t on = d.shown[q].onset + model::jitter_offset(seed, k, gid, d.shown[q].k, d.jitter);
                const std::int64_t a = std::max(t0, on), b = std::min(t1, on + d.duration);
                if (a < b)
                    drive_member(ring, d.table, d.weight, seed, model::stream_kind::pattern_input, k, gid, i, a, b);
            }
        for (const std::int64_t on : d.probes) {
            const std::int64_t a = std::max(t0, on), b = std::min(t1, on + d.probe_duration);
            if (a >= b) continue;
            for (const std::uint32_t i : members) {
                const std::uint64_t gid = ts.layout->gids[i];
                if (d.role[gid - first] == 2)
                    drive_member(ring, d.table, d.weight, seed, model::stream_kind::pattern_cue, k, gid, i, a, b);
            }
        }
    }
}

void simulation::impl::count_probe_spikes(const std::vector<std::uint64_t>& spikes, std::int64_t t0) {
    for (std::uint32_t k = 0; k < patterns.size(); ++k) {
        const auto& d = patterns[k];
        const std::uint32_t pop = spec.patterns[k].population;
        const std::uint64_t lo = first_gid[pop], hi = first_gid[pop + 1];
        for (std::size_t m = 0; m < d.probes.size(); ++m) {
            const std::int64_t a = d.probes[m], b = a + d.window;
            if (b <= t0 || a >= t0 + D) continue;
            std::int64_t* const counts = probe_spikes.data() + probe_at[k] + 3 * m;
            for (const std::uint64_t word : spikes) {
                const std::uint64_t gid = comm::spike_gid(word);
                const std::int64_t s = t0 + static_cast<std::int64_t>(comm::spike_lag(word));
                if (gid < lo || gid >= hi || s < a || s >= b) continue;
                ++counts[d.role[gid - lo]];
            }
        }
    }
}

void simulation::impl::sample_patterns(std::int64_t T, results& out) {
    if (patterns.empty()) return;
    const std::size_t P = patterns.size();
    out.patterns.resize(P);
    // [pattern][projection][group sum, group synapses, rest sum, rest synapses]
    const std::size_t J = spec.projections.size();
    std::vector<std::int64_t> sums(P * J * 4, 0);
    for (std::uint32_t k = 0; k < P; ++k) {
        const std::uint32_t pop = spec.patterns[k].population;
        const auto& role = patterns[k].role;
        for (std::uint32_t j = 0; j < J; ++j) {
            const auto& proj = spec.projections[j];
            if (!plastic[j] || proj.source != pop) continue;
            const bool within = proj.target == pop;
            const double scale = 1.0 / weight_scale(j);
            std::int64_t* const s = sums.data() + (k * J + j) * 4;
            const row_source_lists sources = row_sources_of(j);
            for (const auto& ts : threads) {
                const auto& table = ts.tables[j];
                const auto& row_source = sources[static_cast<std::size_t>(&ts - threads.data())][j];
                for (std::uint64_t r = 0; r < table.rows(); ++r) {
                    const bool from_member = role[row_source[r]] != 0;
                    for (std::uint64_t q = table.row_begin[r]; q < table.row_begin[r + 1]; ++q) {
                        bool in = from_member;
                        if (in && within)
                            in = role[ts.layout->gids[network::synapse_target(table.target_delay[q])] -
                                      first_gid[pop]] != 0;
                        s[in ? 0 : 2] += to_fixed(std::fabs(table.weight[q]) * scale, weight_unit);
                        ++s[in ? 1 : 3];
                    }
                }
            }
        }
    }
    comm.sum(sums);
    for (std::uint32_t k = 0; k < P; ++k) {
        auto& r = out.patterns[k];
        const std::uint32_t pop = spec.patterns[k].population;
        if (r.weight_times.empty())
            for (std::uint32_t j = 0; j < J; ++j)
                if (plastic[j] && spec.projections[j].source == pop) r.projections.push_back(j);
        r.weight_times.push_back(static_cast<double>(T) * spec.simulation.dt);
        for (const std::uint32_t j : r.projections) {
            const std::int64_t* s = sums.data() + (k * J + j) * 4;
            const double unit = static_cast<double>(shy_gain[j]) * weight_scale(j) / weight_unit;
            r.w_group.push_back(s[1] > 0 ? static_cast<double>(s[0]) * unit / static_cast<double>(s[1]) : NAN);
            r.w_rest.push_back(s[3] > 0 ? static_cast<double>(s[2]) * unit / static_cast<double>(s[3]) : NAN);
        }
    }
}

// Collective: the probe counts of every rank, and what the run presented.
void simulation::impl::finish_patterns(results& out) {
    if (patterns.empty()) return;
    comm.sum(probe_spikes);
    out.patterns.resize(patterns.size());
    for (std::size_t k = 0; k < patterns.size(); ++k) {
        auto& r = out.patterns[k];
        const double dt = spec.simulation.dt;
        for (const auto& q : patterns[k].shown) r.onsets.push_back(static_cast<double>(q.onset) * dt);
        for (const auto on : patterns[k].probes) r.probe_times.push_back(static_cast<double>(on) * dt);
        r.probe_spikes.assign(probe_spikes.begin() + static_cast<std::ptrdiff_t>(probe_at[k]),
                              probe_spikes.begin() +
                                  static_cast<std::ptrdiff_t>(probe_at[k] + 3 * patterns[k].probes.size()));
    }
}

}  // namespace synorm::engine
