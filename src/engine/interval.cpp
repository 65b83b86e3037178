#include "engine_state.hpp"

namespace synorm::engine {

void simulation::impl::add_poisson(thread_state& ts, std::int64_t t0, std::int64_t t1) {
    // Sixteen neurons at a time: one Philox block per neuron and four steps (random_blocks), and most
    // words draw a count of 0 without a table search. Each (step, neuron) gets its inputs' counts in
    // input order, as every decomposition does.
    constexpr std::uint32_t lanes = model::random_lanes::lanes;
    std::uint64_t gids[lanes];
    model::random_lanes block;
    for (const auto& r : ts.poisson_ranges) {
        const auto& src = poisson[r.input];
        const std::int64_t a = std::max(t0, src.start), b = std::min(t1, src.stop);
        if (a >= b) continue;
        auto& ring = src.inhibitory ? ts.ring_in : ts.ring_ex;
        const std::uint64_t zero_below = src.table.zero_below();
        for (std::uint32_t i0 = r.begin; i0 < r.end; i0 += lanes) {
            const std::uint32_t n = std::min(lanes, r.end - i0);
            for (std::uint32_t l = 0; l < lanes; ++l)
                gids[l] = ts.layout->gids[i0 + std::min(l, n - 1)];  // unused lanes repeat the last
            for (std::int64_t k = a / 4; 4 * k < b; ++k) {
                model::random_blocks(spec.simulation.seed, model::stream_kind::poisson_input, src.index, gids,
                                     static_cast<std::uint64_t>(k), block);
                for (std::int64_t s = std::max(a, 4 * k); s < std::min(b, 4 * k + 4); ++s) {
                    const std::uint32_t* const u = block.word[s % 4];
                    for (std::uint32_t l = 0; l < n; ++l)
                        if (u[l] >= zero_below)
                            ring.add(s, i0 + l, static_cast<float>(src.table.sample(u[l])) * src.weight);
                }
            }
        }
    }
}

void simulation::impl::apply_dc(thread_state& ts, std::int64_t step) {
    std::fill(ts.I_dc.begin(), ts.I_dc.end(), 0.0f);
    for (const auto& r : ts.dc_ranges) {
        const auto& src = dc[r.input];
        if (step < src.start || step >= src.stop) continue;
        for (std::uint32_t i = r.begin; i < r.end; ++i) ts.I_dc[i] += src.amplitude;
    }
}

void simulation::impl::sample_state(thread_state& ts, std::int64_t step) {
    for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
        const auto& rec = spec.recording.state[k];
        const std::int64_t every = std::max<std::int64_t>(1, to_step(rec.interval, spec.simulation.dt));
        if (step % every != 0) continue;
        auto& part_of_thread = ts.recorders[k];
        for (const auto& var : rec.variables) {
            const std::vector<float>& source = var == "V_m"                           ? ts.V
                                               : (var == "I_syn_ex" || var == "g_ex") ? ts.x_ex
                                               : var == "w"                           ? ts.w
                                                                                      : ts.x_in;
            for (const auto i : part_of_thread.neurons) part_of_thread.values.push_back(source[i]);
        }
    }
}

std::size_t simulation::impl::fire_sources(thread_state& ts, const network::population_slice& slice, std::int64_t s) {
    const auto& pieces = source_rate[slice.population];
    std::size_t k = pieces.size() - 1;
    while (pieces[k].from > s) --k;
    const std::uint64_t threshold = pieces[k].threshold;
    const auto word = static_cast<std::size_t>(s & 3);
    std::size_t fired = 0;
    for (std::uint32_t i = slice.begin; i < slice.end; ++i)
        if (ts.source_words[i][word] < threshold) ts.fired[fired++] = i - slice.begin;
    return fired;
}

void simulation::impl::update(thread_state& ts, std::int64_t t0, std::int64_t t1, std::size_t& dc_next,
                              std::int64_t origin) {
    const auto& layout = *ts.layout;
    for (std::int64_t s = t0; s < t1; ++s) {
        if (dc_next < dc_changes.size() && dc_changes[dc_next] == s) {
            apply_dc(ts, s);
            ++dc_next;
        }
        if (!spec.recording.state.empty()) sample_state(ts, s);
        float* const ex = ts.ring_ex.row(s);
        float* const in = ts.ring_in.row(s);
        if (any_source && s / 4 != ts.source_block) {
            ts.source_block = s / 4;
            constexpr std::uint32_t lanes = model::random_lanes::lanes;
            std::uint64_t gids[lanes];
            model::random_lanes block;
            for (const auto& slice : layout.slices) {
                if (source_rate[slice.population].empty()) continue;
                for (std::uint32_t i0 = slice.begin; i0 < slice.end; i0 += lanes) {  // sixteen sources at a time
                    const std::uint32_t n = std::min(lanes, slice.end - i0);
                    for (std::uint32_t l = 0; l < lanes; ++l) gids[l] = layout.gids[i0 + std::min(l, n - 1)];
                    model::random_blocks(spec.simulation.seed, model::stream_kind::poisson_source, slice.population,
                                         gids, static_cast<std::uint64_t>(ts.source_block), block);
                    for (std::uint32_t l = 0; l < n; ++l)
                        ts.source_words[i0 + l] = {block.word[0][l], block.word[1][l], block.word[2][l],
                                                   block.word[3][l]};
                }
            }
        }
        for (const auto& slice : layout.slices) {
            if (slice.begin == slice.end) continue;
            const std::uint32_t b = slice.begin;
            const auto& pop = spec.populations[slice.population];
            const bool gains = uses_gain[slice.population] != 0;
            // The kernel adds each neuron's input to its running sum, in step order, so the period's
            // totals do not depend on the decomposition (sources take no input).
            const std::size_t fired =
                !source_rate[slice.population].empty()
                    ? fire_sources(ts, slice, s)
                    : model::update(constants[slice.population],
                                    {ts.V.data() + b, ts.x_ex.data() + b, ts.x_in.data() + b, ts.refractory.data() + b,
                                     ts.I_dc.data() + b, ex + b, in + b, ts.fired.data(), slice.end - b,
                                     gains ? ts.gain_ex.data() + b : nullptr, gains ? ts.gain_in.data() + b : nullptr,
                                     ts.w.empty() ? nullptr : ts.w.data() + b,
                                     pop.e_gaba.enabled ? ts.E_in.data() + b : nullptr,
                                     track_input ? ts.input_ex.data() + b : nullptr,
                                     track_input ? ts.input_in.data() + b : nullptr,
                                     ts.dx_ex.empty() ? nullptr : ts.dx_ex.data() + b,
                                     ts.dx_in.empty() ? nullptr : ts.dx_in.data() + b});
            for (std::size_t k = 0; k < fired; ++k) {
                const std::uint32_t i = b + ts.fired[k];
                const std::uint64_t gid = layout.gids[i];
                ++ts.spikes;
                if (H > 0) {
                    ts.calcium[i].spike(s, tau_calcium_steps[slice.population]);
                    ++ts.period_spikes[slice.population];
                    if (history_of[slice.population]) ts.post_log.push_back({s, i, ts.history.record(i, s).o2});
                }
                ts.interval_spikes.push_back(comm::pack_spike(gid, static_cast<std::uint64_t>(s - origin)));
                if (record_spikes[slice.population]) {
                    ts.flush_gids.push_back(gid);
                    ts.flush_steps.push_back(s);
                }
            }
        }
    }
}

}  // namespace synorm::engine
