#include <bit>
#include <functional>
#include <tuple>

#include "engine_state.hpp"

namespace synorm::engine {

simulation::impl::impl(const model::model_spec& s, comm::communicator& c, int n_threads, const checkpoint_state* from)
    : own(s), spec(own), comm(c), part(s, c.rank(), c.size(), n_threads) {
    restoring = from;
    const double t0 = omp_get_wtime();
    const double dt = spec.simulation.dt;
    D = static_cast<std::int64_t>(spec.min_delay_steps());
    total_steps = to_step(spec.simulation.duration, dt);
    for (std::uint32_t p = 0; p <= spec.populations.size(); ++p) first_gid.push_back(spec.first_gid(p));
    for (const auto& pop : spec.populations) {
        constants.push_back(model::lif_constants::make(pop.params, pop.model, dt));
        const bool source = pop.model == model::neuron_kind::poisson_source;
        source_rate.push_back(source ? model::source_pieces(pop, dt) : std::vector<model::source_piece>{});
        any_source = any_source || source;
    }
    projections_from.resize(spec.populations.size());
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        projections_from[spec.projections[j].source].push_back(j);

    for (std::uint32_t i = 0; i < spec.poisson_inputs.size(); ++i) {
        const auto& in = spec.poisson_inputs[i];
        poisson.push_back({model::poisson_table(in.rate * static_cast<double>(in.sources) * dt * 1e-3),
                           static_cast<float>(in.weight), in.type == model::cell_type::inhibitory,
                           to_step(in.start, dt), to_step(in.stop, dt), i});
    }
    for (const auto& in : spec.dc_inputs) {
        dc.push_back({static_cast<float>(in.amplitude), to_step(in.start, dt), to_step(in.stop, dt)});
        dc_changes.push_back(dc.back().start);
        if (dc.back().stop != INT64_MAX) dc_changes.push_back(dc.back().stop);
    }
    std::sort(dc_changes.begin(), dc_changes.end());
    dc_changes.erase(std::unique(dc_changes.begin(), dc_changes.end()), dc_changes.end());

    record_spikes.assign(spec.populations.size(), 0);
    for (const auto p : spec.recording.spike_populations) record_spikes[p] = 1;
    if (spec.recording.rate_bin > 0) {
        rate_bin_steps = std::max<std::int64_t>(1, to_step(spec.recording.rate_bin, dt));
        rate_bins = (total_steps + rate_bin_steps - 1) / rate_bin_steps;
        rate_totals.assign(spec.populations.size(), 0);
        rate_sums.assign(spec.populations.size(), 0.0);
        rates_kept.assign(spec.populations.size(), {});
        // Groups (the areas of a multi-area model), in order of their first population.
        for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
            const std::string& name = spec.populations[p].group;
            if (name.empty()) continue;
            auto g = std::find_if(rate_groups.begin(), rate_groups.end(),
                                  [&](const group_rate& x) { return x.name == name; });
            if (g == rate_groups.end()) g = rate_groups.insert(g, group_rate{name, {}, 0, {}, 0.0});
            g->populations.push_back(p);
            g->neurons += spec.populations[p].size;
        }
    }

    // By projection, each at its size (grown by doubling, up to twice that: thousands of projections).
    rules.reserve(spec.projections.size());
    plastic.reserve(spec.projections.size());
    for (const auto& proj : spec.projections) {
        plasticity::projection_rule rule = plasticity::projection_rule::make(proj.plasticity, dt);
        plastic.push_back(rule.plastic());
        any_plastic = any_plastic || plastic.back();
        rules.push_back(std::move(rule));
    }
    rules.shrink();
    history_of.assign(spec.populations.size(), 0);
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        if (plastic[j]) history_of[spec.projections[j].target] = 1;
    for (const auto& pop : spec.populations) {
        tau_calcium_steps.push_back(pop.tau_calcium / dt);
        any_scaling = any_scaling || pop.scaling.enabled;
        any_integral = any_integral || (pop.scaling.enabled && pop.scaling.tau_integral > 0);
        any_additive = any_additive || (pop.scaling.enabled && pop.scaling.mode == model::scaling_mode::additive);
        any_e_gaba = any_e_gaba || pop.e_gaba.enabled;
        any_normalization = any_normalization || pop.normalization.enabled;
        uses_gain.push_back(pop.scaling.enabled || pop.normalization.enabled);
        any_meta = any_meta || pop.metaplasticity.enabled;
    }
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        meta_on.push_back(spec.populations[spec.projections[j].target].metaplasticity.enabled && rules[j].metaplastic);
    glia.assign(spec.populations.size(), 1.0);
    for (const auto& proj : spec.projections) {
        const auto& target = spec.populations[proj.target].scaling;
        additive.push_back(target.enabled && target.mode == model::scaling_mode::additive &&
                           spec.populations[proj.source].type == model::cell_type::excitatory);
    }
    // Homeostasis beyond health checks: then the loop also sums each neuron's input for the records.
    track_input = any_plastic || any_scaling || any_e_gaba || any_normalization;
    branched.assign(spec.projections.size(), 0);
    bool any_branches = false;
    for (const auto& pop : spec.populations)
        if (pop.branches.enabled) {
            any_branches = true;
            branch_stride = std::max(branch_stride, pop.branches.count);
        }
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto& proj = spec.projections[j];
        branched[j] = spec.populations[proj.target].branches.enabled &&
                      spec.populations[proj.source].type == model::cell_type::excitatory;
    }
    if (track_input || any_branches || spec.checks.enabled())
        H = std::max<std::int64_t>(1, to_step(spec.homeostasis.period, dt));
    for (const auto& pop : spec.populations)
        theta_step.push_back(pop.metaplasticity.enabled
                                 ? -std::expm1(-static_cast<double>(H) * dt / pop.metaplasticity.tau_theta)
                                 : 0.0);
    // The reduction's layout (engine_state.hpp).
    std::size_t len = pop_fields * spec.populations.size();
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        proj_slot.push_back(len);
        if (plastic[j]) len += proj_fields;
    }
    neuron_slot = len;
    for (const auto& rec : spec.recording.homeostasis) len += recorded_fields * rec.ids.size();
    branch_sum_at.assign(spec.populations.size(), 0);
    branch_sums = 0;
    for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
        const auto& b = spec.populations[p].branches;
        branch_decay.push_back(b.enabled ? std::exp(-static_cast<double>(H) * dt / b.tau_activity) : 0.0);
        branch_spread.push_back(b.enabled ? (1.0 - branch_decay.back()) * b.tau_activity / (static_cast<double>(H) * dt)
                                          : 0.0);
        branch_sum_at[p] = len + branch_sums;
        if (b.enabled) branch_sums += b.count * (2 + b.record.size());
    }
    reduction_len = len + branch_sums + 1;
    init_pruning();

    // Collective after it: plan_exchange's collectives must not leave the other ranks waiting for one
    // that failed to build (or to restore), so the ranks agree first and all throw together.
    std::exception_ptr failed;
    try {
        threads.resize(static_cast<std::size_t>(n_threads));
        std::vector<std::exception_ptr> errors(threads.size());
#pragma omp parallel num_threads(n_threads)
        {
            const int t = omp_get_thread_num();
            try {
                build_thread(t);
            } catch (...) {
                errors[static_cast<std::size_t>(t)] = std::current_exception();
            }
        }
        for (auto& e : errors)
            if (e) std::rethrow_exception(e);
        index_sources();
        init_schedule();
        init_patterns();
        if (from) restore(*from);
    } catch (...) {
        failed = std::current_exception();
    }
    restoring = nullptr;
    if (comm.max(failed ? 1 : 0) != 0) {
        if (failed) std::rethrow_exception(failed);
        throw remote_failure();
    }
    plan_exchange();
    plan_structure();
    build_time = omp_get_wtime() - t0;
}

void simulation::impl::index_sources(bool wide, span_choice spans) {
    source_index& index = rank_index;
    // Span rows (network/synapse_table.hpp) for the static, unpruned tables whose rows hold two
    // synapses or fewer on average: their row offsets (4 B a row) would cost as much as the synapses'
    // own 8 B. Long rows keep their numbers: the offsets are then a small part, and plastic row state
    // and the incoming index name rows by number.
    const auto spanned = [&](const network::synapse_table& table) {
        const std::uint32_t j = table.projection;
        if (spans == span_choice::never || plastic[j] || pruned[j] || table.rows() == 0) return false;
        return spans == span_choice::always || !table.row_length.empty();
    };
    const auto length = [](const network::synapse_table& table, std::uint64_t row) -> std::uint64_t {
        return table.row_length.empty() ? table.row_begin[row + 1] - table.row_begin[row] : table.row_length[row];
    };
    // Back to offsets: a table that build_thread readied for span rows, where they are not taken.
    const auto number_rows = [](network::synapse_table& table) {
        if (table.row_length.empty()) return;
        table.row_begin.assign(1, 0);
        table.row_begin.reserve(table.row_length.size() + 1);
        for (const std::uint8_t n : table.row_length) table.row_begin.push_back(table.row_begin.back() + n);
        std::vector<std::uint8_t>().swap(table.row_length);
    };
    // The fields of a row word: as wide as this rank's threads, the most projections from one
    // population and its longest table need; a span, as its table's synapses and its length field.
    std::uint64_t longest = 1, numbered = 1, widest = 1;  // numbered: of tables without spans
    std::uint64_t numbered_rows = 0;
    std::vector<std::uint64_t> by_length(256, 0);  // span rows, by length
    for (const auto& ts : threads)
        for (const auto& table : ts.tables) {
            longest = std::max(longest, table.rows());
            if (!spanned(table)) {
                numbered = std::max(numbered, table.rows());
                numbered_rows += table.rows();
                continue;
            }
            widest = std::max(widest, table.size());
            for (std::uint64_t r = 0; r < table.rows(); ++r) ++by_length[length(table, r)];
        }
    std::size_t most_projections = 1;
    for (const auto& from : projections_from) most_projections = std::max(most_projections, from.size());
    const int thread_bits = std::bit_width(threads.size() - 1);
    const int fields = thread_bits + static_cast<int>(std::bit_width(most_projections - 1));
    const int by_number = static_cast<int>(std::bit_width(longest - 1));
    // The length field of a span, b bits for up to 2^b synapses (a longer row takes a word per 2^b of
    // them): the b of the fewest bits in all. At 4096 ranks × 8 of the microcircuit, where most rows
    // hold one synapse, that is b = 0 (a word per synapse) and 17-bit words.
    int span_bits = 0;
    std::uint64_t span_total = UINT64_MAX;
    for (int b = 0; b <= 8; ++b) {
        std::uint64_t words = numbered_rows;
        for (std::uint64_t n = 1; n < by_length.size(); ++n)
            words += by_length[n] * ((n + (std::uint64_t{1} << b) - 1) >> b);
        const int bits = fields + std::max(static_cast<int>(std::bit_width(numbered - 1)),
                                           static_cast<int>(std::bit_width(widest - 1)) + b);
        if (words * static_cast<std::uint64_t>(bits) < span_total) {
            span_total = words * static_cast<std::uint64_t>(bits);
            span_bits = b;
        }
    }
    const int by_span = std::max(static_cast<int>(std::bit_width(numbered - 1)),
                                 static_cast<int>(std::bit_width(widest - 1)) + span_bits);
    // Spans where a span fits the 32 bits of a row_visit; they always cost less than numbers, whose
    // tables keep their offsets (4 B a row).
    const bool use_spans = by_length != std::vector<std::uint64_t>(256, 0) && by_span <= 32;
    index.row_bits = use_spans ? by_span : by_number;
    index.thread_bits = thread_bits;
    if (fields + index.row_bits > 64)
        throw std::runtime_error("the source index cannot name " + std::to_string(threads.size()) + " threads, " +
                                 std::to_string(most_projections) + " projections from one population and rows of " +
                                 std::to_string(longest) + " in 64 bits");
    for (auto& ts : threads)
        for (auto& table : ts.tables) {
            if (use_spans && spanned(table)) {
                table.span_rows = table.rows();
                table.spanned = true;
                table.span_bits = static_cast<std::uint32_t>(span_bits);
            } else {
                number_rows(table);
            }
        }
    // A merge, per source population, of its tables' rows (each table's sources ascend) by (source,
    // projection, thread): the index comes out in order with no temporary beyond one cursor per table.
    // Twice: counting first, so that every array is allocated once at its size. The second pass frees
    // the tables' sources of each population once it has indexed them (row_sources gives them back),
    // so that the rows' sources and the index coexist for one population at a time.
    struct cursor {
        std::uint32_t source, place, thread, projection;  // place: the projection's in projections_from
        std::uint64_t row, first;                         // first: the row's first synapse (span rows)
        std::uint64_t gap;                                // the next row's place in source_gaps
        bool operator>(const cursor& o) const {
            return std::tie(source, place, thread) > std::tie(o.source, o.place, o.thread);
        }
    };
    // Row c.row's source, from the table's sources where it has them (tests), else its gaps.
    const auto next_source = [](const network::synapse_table& table, cursor& c) {
        if (!table.sources.empty()) {
            c.source = table.sources[c.row];
            return;
        }
        std::uint32_t gap = 0;
        for (int shift = 0;; shift += 7) {
            const std::uint8_t byte = table.source_gaps[c.gap++];
            gap |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
            if (byte < 0x80) break;
        }
        c.source = c.row == 0 ? gap : c.source + gap;
    };
    const auto merge = [&](auto&& visit, bool release) {
        for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
            std::vector<cursor> heap;
            for (std::uint32_t place = 0; place < projections_from[p].size(); ++place)
                for (std::uint32_t t = 0; t < threads.size(); ++t) {
                    const std::uint32_t j = projections_from[p][place];
                    if (threads[t].tables[j].rows() > 0) {
                        heap.push_back({0, place, t, j, 0, 0, 0});
                        next_source(threads[t].tables[j], heap.back());
                    }
                }
            std::make_heap(heap.begin(), heap.end(), std::greater<>{});
            while (!heap.empty()) {
                std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
                cursor& c = heap.back();
                const auto& table = threads[c.thread].tables[c.projection];
                // A row's field in its words: its number, or its spans (first synapse, length − 1).
                if (table.spans()) {
                    const std::uint64_t most = std::uint64_t{1} << table.span_bits;
                    for (std::uint64_t n = length(table, c.row); n > 0;) {
                        const std::uint64_t k = std::min(n, most);
                        visit(first_gid[p] + c.source,
                              index.pack(c.place, c.thread, c.first << table.span_bits | (k - 1)));
                        c.first += k;
                        n -= k;
                    }
                } else {
                    visit(first_gid[p] + c.source, index.pack(c.place, c.thread, c.row));
                }
                if (++c.row < table.rows()) {
                    next_source(table, c);
                    std::push_heap(heap.begin(), heap.end(), std::greater<>{});
                } else {
                    heap.pop_back();
                }
            }
            if (release)
                for (auto& ts : threads)
                    for (const auto j : projections_from[p]) {
                        std::vector<std::uint32_t>().swap(ts.tables[j].sources);
                        std::vector<std::uint8_t>().swap(ts.tables[j].source_gaps);
                        if (ts.tables[j].spans()) {
                            std::vector<std::uint32_t>().swap(ts.tables[j].row_begin);
                            std::vector<std::uint8_t>().swap(ts.tables[j].row_length);
                        }
                    }
        }
    };
    std::uint64_t words = 0, last = 0, run = 0;
    network::source_map::plan plan;
    merge(
        [&](std::uint64_t gid, std::uint64_t) {
        if (words == 0) plan.first = gid;
        if (words == 0 || gid != last) {
            ++plan.distinct;
            run = 0;
        }
        plan.most = std::max(plan.most, ++run);
        last = gid;
        ++words;
        },
        false);
    if (words > UINT32_MAX)
        throw std::runtime_error("this rank holds " + std::to_string(words) +
                                 " synapse rows, more than its source index counts in 32 bits; use more ranks");
    plan.last = last;
    plan.entries = words;
    const int row_bits = index.row_bits;
    index = source_index{};
    index.row_bits = row_bits;
    index.thread_bits = thread_bits;
    index.sources.start(plan, wide ? network::source_map::form::sparse : network::source_map::choose(plan), wide);
    index.reserve(words, wide ? 64 : fields + row_bits);
    std::uint64_t listed = 0;  // row words so far
    std::uint32_t count = 0;   // of the current gid
    merge(
        [&](std::uint64_t gid, std::uint64_t word) {
        if (listed > 0 && gid != last) {
            index.sources.add(last, count);
            count = 0;
        }
        last = gid;
        ++count;
        index.push(word);
        ++listed;
        },
        true);
    if (listed > 0) index.sources.add(last, count);
    index.sources.finish();
}

simulation::impl::row_source_lists simulation::impl::row_sources(const std::vector<std::uint8_t>& wanted,
                                                                 std::size_t thread, row_source_lists* begins) const {
    row_source_lists out(threads.size());
    if (begins) *begins = row_source_lists(threads.size());
    for (std::size_t t = 0; t < threads.size(); ++t) {
        out[t].resize(spec.projections.size());
        if (begins) (*begins)[t].resize(spec.projections.size());
        if (thread != all_threads && t != thread) continue;
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
            if (wanted[j]) {
                out[t][j].reserve(threads[t].tables[j].rows());
                if (begins && threads[t].tables[j].spans()) (*begins)[t][j].reserve(threads[t].tables[j].rows() + 1);
            }
    }
    // A table's rows ascend with their sources, as the index lists them: each comes next in its lists
    // (the spans of one row are consecutive words of its source, the first of them names the row).
    const source_index& index = rank_index;
    index.sources.for_each([&](std::uint64_t gid, std::uint32_t first, std::uint32_t end) {
        const std::uint32_t p = population_of(gid);
        std::uint64_t previous = UINT64_MAX;  // the last word's thread and place
        for (std::uint32_t e = first; e < end; ++e) {
            const std::uint64_t word = index.word(e);
            const std::uint32_t t = index.thread_of(word), j = projection_of(p, word);
            const bool next_span = (word >> index.row_bits) == previous;
            previous = word >> index.row_bits;
            if (next_span || !wanted[j] || (thread != all_threads && t != thread)) continue;
            out[t][j].push_back(static_cast<std::uint32_t>(gid - first_gid[p]));
            const auto& table = threads[t].tables[j];
            if (begins && table.spans())
                (*begins)[t][j].push_back(static_cast<std::uint32_t>(table.row_first(index.row_of(word))));
        }
    });
    if (begins)
        for (std::size_t t = 0; t < threads.size(); ++t)
            for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
                if (wanted[j] && (thread == all_threads || t == thread) && threads[t].tables[j].spans())
                    (*begins)[t][j].push_back(static_cast<std::uint32_t>(threads[t].tables[j].size()));
    return out;
}

void simulation::impl::build_thread(int t) {
    auto& ts = threads[static_cast<std::size_t>(t)];
    ts.layout = &part.thread(t);
    const auto& layout = *ts.layout;
    ts.n = layout.size();
    ts.V.resize(ts.n);
    ts.x_ex.assign(ts.n, 0.0f);
    ts.x_in.assign(ts.n, 0.0f);
    ts.I_dc.assign(ts.n, 0.0f);
    ts.refractory.assign(ts.n, 0);
    const bool adapting = std::any_of(spec.populations.begin(), spec.populations.end(),
                                      [](const auto& pop) { return model::adapts(pop.model); });
    if (adapting) ts.w.assign(ts.n, 0.0f);
    const bool alpha = std::any_of(spec.populations.begin(), spec.populations.end(),
                                   [](const auto& pop) { return pop.model == model::neuron_kind::lif_curr_alpha; });
    if (alpha) {
        ts.dx_ex.assign(ts.n, 0.0f);
        ts.dx_in.assign(ts.n, 0.0f);
    }
    ts.fired.assign(ts.n, 0);
    if (any_source) ts.source_words.assign(ts.n, {});
    for (const auto& s : layout.slices) {
        const auto& pop = spec.populations[s.population];
        for (std::uint32_t i = s.begin; i < s.end; ++i) {
            model::random_stream rng(spec.simulation.seed, model::stream_kind::initial_state, s.population,
                                     layout.gids[i]);
            ts.V[i] = static_cast<float>(model::draw(pop.V_init, rng));
        }
    }
    // Plastic and pruned tables are kept even empty: the engine extends them (incoming index, tags).
    const auto keep = [&](std::uint32_t j) { return plastic[j] || pruned[j]; };
    ts.tables.clear(static_cast<std::uint32_t>(spec.projections.size()));
    // Each table as it is built, before the next: static, unpruned tables of two synapses a row or
    // fewer will take span rows (index_sources), and until then keep their rows' lengths in 1 B instead
    // of their offsets in 4 (rows of 256 or more synapses keep offsets: such a table takes no spans
    // then); every table keeps its rows' sources as gaps until the index holds them.
    const auto compact = [&](network::synapse_table& table) {
        const std::uint32_t j = table.projection;
        if (!plastic[j] && !pruned[j] && table.rows() > 0 && table.size() <= 2 * table.rows()) {
            bool fits = true;
            for (std::uint64_t r = 0; r < table.rows() && fits; ++r)
                fits = table.row_begin[r + 1] - table.row_begin[r] < 256;
            if (fits) {
                table.row_length.resize(table.rows());
                for (std::uint64_t r = 0; r < table.rows(); ++r)
                    table.row_length[r] = static_cast<std::uint8_t>(table.row_begin[r + 1] - table.row_begin[r]);
                std::vector<std::uint32_t>().swap(table.row_begin);
            }
        }
        std::uint64_t bytes = 0;
        for (std::uint64_t r = 0, last = 0; r < table.sources.size(); last = table.sources[r++]) {
            const std::uint64_t gap = std::max<std::uint64_t>(table.sources[r] - last, 1);
            bytes += static_cast<std::uint64_t>(std::bit_width(gap) + 6) / 7;
        }
        table.source_gaps.reserve(bytes);
        for (std::uint64_t r = 0, last = 0; r < table.sources.size(); last = table.sources[r++])
            for (std::uint64_t gap = table.sources[r] - last;; gap >>= 7) {
                table.source_gaps.push_back(static_cast<std::uint8_t>((gap & 0x7F) | (gap >= 0x80 ? 0x80 : 0)));
                if (gap < 0x80) break;
            }
        std::vector<std::uint32_t>().swap(table.sources);
    };
    if (restoring) {
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
            auto table = network::table_from_list(spec, part, t, j, restoring->synapses.at(j));
            compact(table);
            ts.tables.set(j, std::move(table), keep(j));
        }
    } else {
        network::build_synapses(spec, part, t, [&](std::uint32_t j, network::synapse_table&& table) {
            compact(table);
            ts.tables.set(j, std::move(table), keep(j));
        });
    }
    ts.tables.shrink();
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)  // a checkpoint's tables come with their tags
        if (pruned[j] && ts.tables[j].tag.size() != ts.tables[j].size())
            ts.tables[j].tag.assign(ts.tables[j].size(), 0);
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        ts.delivery.push_back(resolve_delivery(j, ts.tables[j]));
    std::uint64_t longest = static_cast<std::uint64_t>(D);
    for (const auto& table : ts.tables)
        for (const auto word : table.target_delay)
            longest =
                std::max<std::uint64_t>(longest, static_cast<std::uint64_t>(D) + network::synapse_delay_offset(word));
    ts.ring_ex = ring_buffer(longest, ts.n);
    ts.ring_in = ring_buffer(longest, ts.n);
    if (H > 0) {
        ts.rows.assign(plastic);
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
            if (plastic[j]) {
                ts.rows[j].resize(ts.tables[j].rows(), rules[j].slow_traces);
                network::index_incoming(ts.tables[j], ts.n);
            }
        ts.history.resize(ts.n);
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
            if (plastic[j])
                for (const auto word : ts.tables[j].target_delay)
                    ts.longest_plastic_delay =
                        std::max<std::int64_t>(ts.longest_plastic_delay, D + network::synapse_delay_offset(word));
        for (const auto& s : layout.slices) {
            if (!history_of[s.population]) continue;
            // Every plastic projection onto the population shares y's decay and pairing, and every
            // one with slow traces o2's decay (the loader checks).
            const plasticity::projection_rule* first = nullptr;
            const plasticity::decay_table* slow = nullptr;
            for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
                if (plastic[j] && spec.projections[j].target == s.population) {
                    if (!first) first = &rules[j];
                    if (rules[j].slow_traces) slow = &rules[j].slow_post_decay;
                }
            ts.history.enable(s.begin, s.end, &first->minus_decay, first->nearest, slow);
        }
        ts.calcium.assign(ts.n, {});
        ts.period_spikes.assign(spec.populations.size(), 0);
        if (any_scaling || any_normalization) {
            ts.gain_ex.assign(ts.n, 1.0f);
            ts.gain_in.assign(ts.n, 1.0f);
        }
        if (branch_stride > 0) {
            ts.branch_gain.assign(std::size_t{ts.n} * branch_stride, 1.0f);
            ts.branch_activity.assign(std::size_t{ts.n} * branch_stride, 0.0f);
            ts.branch_arrivals.assign(std::size_t{ts.n} * branch_stride, 0);
        }
        if (any_integral) ts.integral.assign(ts.n, 0.0f);
        if (any_normalization) ts.sum_w.assign(ts.n, 0.0);
        if (track_input) {
            ts.input_ex.assign(ts.n, 0.0f);
            ts.input_in.assign(ts.n, 0.0f);
        }
        if (any_e_gaba) {
            ts.E_in.resize(ts.n);
            for (const auto& s : layout.slices)
                std::fill(ts.E_in.begin() + s.begin, ts.E_in.begin() + s.end,
                          static_cast<float>(spec.populations[s.population].params.E_in));
        }
        if (any_meta) {
            // θ starts at θ0, where the factor is 1: potentiation as configured.
            ts.theta.assign(ts.n, 0.0f);
            ts.potentiation.assign(ts.n, 1.0f);
            for (const auto& s : layout.slices) {
                const auto& mp = spec.populations[s.population].metaplasticity;
                if (mp.enabled)
                    std::fill(ts.theta.begin() + s.begin, ts.theta.begin() + s.end,
                              static_cast<float>(mp.target_rate * mp.target_rate));
            }
        }
        if (any_additive) {
            // w̄: each neuron's mean excitatory input weight as built, the unit of its offset.
            ts.offset_ex.assign(ts.n, 0.0f);
            std::vector<double> sum(ts.n, 0.0);
            std::vector<std::uint32_t> count(ts.n, 0);
            for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
                if (!additive[j]) continue;
                const auto& table = ts.tables[j];
                for (std::size_t k = 0; k < table.weight.size(); ++k) {
                    const std::uint32_t i = network::synapse_target(table.target_delay[k]);
                    sum[i] += table.weight[k];
                    ++count[i];
                }
            }
            ts.mean_w_ex.assign(ts.n, 0.0f);
            for (std::uint32_t i = 0; i < ts.n; ++i)
                if (count[i]) ts.mean_w_ex[i] = static_cast<float>(sum[i] / count[i]);
        }
        std::size_t slot = neuron_slot;
        for (const auto& rec : spec.recording.homeostasis)
            for (const auto id : rec.ids) {
                const auto r =
                    range_in_slice(layout, layout.slices[rec.population], first_gid[rec.population], id, 1, 0);
                if (r.begin < r.end) ts.recorded.emplace_back(slot, r.begin);
                slot += recorded_fields;
            }
    }

    for (std::uint32_t i = 0; i < spec.poisson_inputs.size(); ++i) {
        const auto& in = spec.poisson_inputs[i];
        const auto r =
            range_in_slice(layout, layout.slices[in.population], first_gid[in.population], in.first, in.count, i);
        if (r.begin < r.end) ts.poisson_ranges.push_back(r);
    }
    for (std::uint32_t i = 0; i < spec.dc_inputs.size(); ++i) {
        const auto& in = spec.dc_inputs[i];
        const auto r =
            range_in_slice(layout, layout.slices[in.population], first_gid[in.population], in.first, in.count, i);
        if (r.begin < r.end) ts.dc_ranges.push_back(r);
    }
    for (const auto& p : spec.patterns) {
        const auto& s = layout.slices[p.population];
        ts.pattern_members.emplace_back();
        for (const auto id : p.group) {
            const auto r = range_in_slice(layout, s, first_gid[p.population], id, 1, 0);
            if (r.begin < r.end) ts.pattern_members.back().push_back(r.begin);
        }
    }
    ts.pattern_next.assign(spec.patterns.size(), 0);
    for (const auto& rec : spec.recording.state) {
        recorder_part part_of_thread;
        const auto& s = layout.slices[rec.population];
        for (const auto id : rec.ids) {
            const auto r = range_in_slice(layout, s, first_gid[rec.population], id, 1, 0);
            if (r.begin < r.end) part_of_thread.neurons.push_back(r.begin);
        }
        ts.recorders.push_back(std::move(part_of_thread));
    }
}

}  // namespace synorm::engine
