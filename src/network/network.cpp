#include "synorm/network/network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "synorm/model/sampling.hpp"
#include "synorm/model/time_steps.hpp"
#include "synorm/network/connectivity.hpp"
#include "synorm/plasticity/pruning.hpp"

namespace synorm::network {

std::uint64_t synapse_table::find_row(std::uint64_t source) const {
    const auto it = std::lower_bound(sources.begin(), sources.end(), source);
    return it != sources.end() && *it == source ? static_cast<std::uint64_t>(it - sources.begin()) : rows();
}

namespace {

// A time in ms for a message, with the digits it has (%g): a tiny dt must not print as "0.000000".
std::string milliseconds(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%g ms", ms);
    return text;
}

// Mean synapses per target neuron: sizes the build buffers (a hint, never a limit).
double expected_synapses(const model::projection_spec& proj, std::uint64_t n_source, std::uint64_t n_target) {
    switch (proj.rule) {
    case model::connection_rule::fixed_indegree: return static_cast<double>(proj.indegree);
    case model::connection_rule::pairwise_bernoulli: return proj.probability * static_cast<double>(n_source);
    case model::connection_rule::fixed_total_number:
        return static_cast<double>(proj.total_number) / static_cast<double>(std::max<std::uint64_t>(1, n_target));
    case model::connection_rule::one_to_one: return 1.0;
    case model::connection_rule::all_to_all: return static_cast<double>(n_source);
    }
    return 0.0;
}

// Unsorted synapses into compressed CSR rows by source, stable, so each row keeps the order of the
// input: by target, then as drawn. Rows exist only for sources with a synapse here. A counting sort when
// the source population is no larger than the synapses (its counters cost no more than the synapses
// do); otherwise a sort of (source, place) keys, so that nothing scales with the source population.
void fill_rows(synapse_table& table, std::uint64_t sources, const std::vector<std::uint32_t>& coo_source,
               const std::vector<std::uint32_t>& coo_word, const std::vector<float>& coo_weight,
               const std::vector<std::uint16_t>& coo_tag = {}) {
    const std::uint64_t n = coo_word.size();
    if (n > max_table_synapses)
        throw std::runtime_error("one thread holds " + std::to_string(n) + " synapses of one projection, more than " +
                                 std::to_string(max_table_synapses) +
                                 " (32-bit row offsets); use more threads or ranks");
    table.target_delay.resize(n);
    table.weight.resize(n);
    if (!coo_tag.empty()) table.tag.resize(n);
    table.sources.clear();
    table.row_begin.clear();
    const auto place = [&](std::uint64_t at, std::uint64_t k) {
        table.target_delay[at] = coo_word[k];
        table.weight[at] = coo_weight[k];
        if (!coo_tag.empty()) table.tag[at] = coo_tag[k];
    };
    if (sources <= n) {
        std::vector<std::uint32_t> fill(sources + 1, 0);
        for (const auto s : coo_source) ++fill[s + 1];
        std::uint64_t rows = 0;
        for (std::uint64_t s = 0; s < sources; ++s) rows += fill[s + 1] != 0;
        table.sources.reserve(rows);
        table.row_begin.reserve(rows + 1);
        for (std::uint64_t s = 0; s < sources; ++s) {
            if (fill[s + 1] != 0) {
                table.sources.push_back(static_cast<std::uint32_t>(s));
                table.row_begin.push_back(fill[s]);
            }
            fill[s + 1] += fill[s];
        }
        table.row_begin.push_back(static_cast<std::uint32_t>(n));
        for (std::uint64_t k = 0; k < n; ++k) place(fill[coo_source[k]]++, k);
    } else {
        std::vector<std::uint64_t> key(n);
        for (std::uint64_t k = 0; k < n; ++k) key[k] = (std::uint64_t{coo_source[k]} << 32) | k;
        std::sort(key.begin(), key.end());
        for (std::uint64_t at = 0; at < n; ++at) {
            const auto s = static_cast<std::uint32_t>(key[at] >> 32);
            if (table.sources.empty() || table.sources.back() != s) {
                table.sources.push_back(s);
                table.row_begin.push_back(static_cast<std::uint32_t>(at));
            }
            place(at, key[at] & 0xFFFF'FFFFull);
        }
        table.row_begin.push_back(static_cast<std::uint32_t>(n));
        table.sources.shrink_to_fit();
        table.row_begin.shrink_to_fit();
    }
    if (!coo_word.empty()) {
        table.delay_offset = synapse_delay_offset(coo_word.front());
        for (const auto word : coo_word)
            table.uniform_delay = table.uniform_delay && synapse_delay_offset(word) == table.delay_offset;
    }
}

}  // namespace

std::uint64_t total_split::of(std::uint64_t target) const {
    const auto it = std::lower_bound(targets.begin(), targets.end(), target);
    return it != targets.end() && *it == target ? counts[static_cast<std::size_t>(it - targets.begin())] : 0;
}

total_split total_number_split(const model::model_spec& spec, const partition& part, int thread,
                               std::uint32_t projection) {
    const auto& proj = spec.projections[projection];
    total_split split;
    const std::uint64_t first = spec.first_gid(proj.target);
    const auto& layout = part.thread(thread);
    const auto& slice = layout.slices[proj.target];
    for (std::uint32_t i = slice.begin; i < slice.end; ++i) split.targets.push_back(layout.gids[i] - first);
    std::sort(split.targets.begin(), split.targets.end());
    split.counts.resize(split.targets.size());
    if (split.targets.empty()) return split;
    std::size_t next = 0;
    for_each_total_number_count(proj, spec.populations[proj.target].size, spec.simulation.seed, projection,
                                [&](std::uint64_t target, std::uint64_t count) {
        while (next < split.targets.size() && split.targets[next] < target) ++next;
        if (next < split.targets.size() && split.targets[next] == target) split.counts[next] = count;
    });
    return split;
}

std::vector<synapse_table> build_synapses(const model::model_spec& spec, const partition& part, int thread) {
    const auto& layout = part.thread(thread);
    if (layout.size() > synapse_target_mask + 1u)
        throw std::runtime_error("a thread owns " + std::to_string(layout.size()) +
                                 " neurons, more than a synapse can address (" +
                                 std::to_string(synapse_target_mask + 1u) + "); use more threads or ranks");
    const std::uint64_t D = spec.min_delay_steps();
    const double dt = spec.simulation.dt;
    std::vector<synapse_table> tables;
    std::vector<std::uint64_t> sources;
    // Unsorted synapses of one projection, in the order they are drawn: by target, then by source.
    std::vector<std::uint32_t> coo_source, coo_word;
    std::vector<float> coo_weight;

    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto& proj = spec.projections[j];
        const auto& src = spec.populations[proj.source];
        const std::uint64_t first_tgt = spec.first_gid(proj.target);
        synapse_table table;
        table.projection = j;
        table.port = src.type == model::cell_type::excitatory ? receptor::excitatory : receptor::inhibitory;
        coo_source.clear();
        coo_word.clear();
        coo_weight.clear();

        const auto& slice = layout.slices[proj.target];
        const total_split split = proj.rule == model::connection_rule::fixed_total_number
                                      ? total_number_split(spec, part, thread, j)
                                      : total_split{};
        const auto expected =
            static_cast<std::size_t>(expected_synapses(proj, src.size, spec.populations[proj.target].size) *
                                     (slice.end - slice.begin) * 1.05) +
            16;
        coo_source.reserve(expected);
        coo_word.reserve(expected);
        coo_weight.reserve(expected);
        for (std::uint32_t t = slice.begin; t < slice.end; ++t) {
            const std::uint64_t post = layout.gids[t], post_index = post - first_tgt;
            const std::int64_t self = proj.source == proj.target ? static_cast<std::int64_t>(post_index) : -1;
            model::random_stream rng(spec.simulation.seed, model::stream_kind::connectivity, j, post);
            sources.clear();
            const std::uint64_t count = split.of(post_index);
            draw_sources(proj, src.size, self, post_index, count, rng, sources);
            for (const std::uint64_t s : sources) {
                const double w = model::draw(proj.weight, rng);
                const std::int64_t drawn = model::to_steps(model::draw(proj.delay, rng), dt);
                const auto steps = static_cast<std::uint64_t>(std::max<std::int64_t>(0, drawn));
                const std::uint64_t offset = steps > D ? steps - D : 0;
                if (offset > max_delay_offset)
                    throw std::runtime_error(
                        "projection " + proj.name + ": a delay of " + milliseconds(static_cast<double>(steps) * dt) +
                        " exceeds the longest a synapse stores (" +
                        milliseconds(static_cast<double>(D + max_delay_offset) * dt) + " at this dt)");
                coo_source.push_back(static_cast<std::uint32_t>(s));
                coo_word.push_back(pack_synapse(t, static_cast<std::uint32_t>(offset)));
                coo_weight.push_back(static_cast<float>(w));
            }
        }

        fill_rows(table, src.size, coo_source, coo_word, coo_weight);
        tables.push_back(std::move(table));
    }
    return tables;
}

synapse_table table_from_list(const model::model_spec& spec, const partition& part, int thread,
                              std::uint32_t projection, const synapse_list& list) {
    const auto& layout = part.thread(thread);
    const auto& proj = spec.projections[projection];
    const auto& src = spec.populations[proj.source];
    const std::uint64_t D = spec.min_delay_steps();
    synapse_table table;
    table.projection = projection;
    table.port = src.type == model::cell_type::excitatory ? receptor::excitatory : receptor::inhibitory;
    const auto& slice = layout.slices[proj.target];
    std::vector<std::uint32_t> coo_source, coo_word;
    std::vector<float> coo_weight;
    std::vector<std::uint16_t> coo_tag;
    // The list is ascending by target, as the slice's neurons are: one merge pass, in drawing order.
    std::uint64_t k = 0;
    std::size_t n = 0;
    for (std::uint32_t t = slice.begin; t < slice.end; ++t) {
        const std::uint64_t gid = layout.gids[t];
        while (n < list.targets.size() && list.targets[n] < gid) k += list.counts[n++];
        if (n == list.targets.size() || list.targets[n] != gid) continue;
        for (const std::uint64_t end = k + list.counts[n]; k < end; ++k) {
            if (list.sources[k] >= src.size || list.delays[k] < D || list.delays[k] - D > max_delay_offset)
                throw std::runtime_error("projection " + proj.name + ": a synapse of the checkpoint onto neuron " +
                                         std::to_string(gid) + " has a source or delay outside the network");
            coo_source.push_back(list.sources[k]);
            coo_word.push_back(pack_synapse(t, static_cast<std::uint32_t>(list.delays[k] - D)));
            coo_weight.push_back(list.weights[k]);
            if (!list.tags.empty()) coo_tag.push_back(list.tags[k]);
        }
        ++n;
    }
    fill_rows(table, src.size, coo_source, coo_word, coo_weight, coo_tag);
    return table;
}

void append_to_list(const synapse_table& table, const thread_layout& layout, std::uint64_t D, synapse_list& list) {
    // Transposed by a counting sort on the target: visiting rows by source and each row in order puts
    // every target's synapses by source, and one pair's synapses in drawing order.
    const std::uint32_t n = layout.size();
    std::vector<std::uint64_t> begin(std::size_t{n} + 1, 0);
    for (const auto word : table.target_delay) ++begin[synapse_target(word) + 1];
    for (std::uint32_t t = 0; t < n; ++t) begin[t + 1] += begin[t];
    std::vector<std::uint64_t> order(table.size());
    std::vector<std::uint32_t> source(table.size());
    std::vector<std::uint64_t> fill(begin.begin(), begin.end() - 1);
    for (std::uint64_t r = 0; r < table.rows(); ++r)
        for (std::uint64_t k = table.row_begin[r]; k < table.row_begin[r + 1]; ++k) {
            const std::uint64_t at = fill[synapse_target(table.target_delay[k])]++;
            order[at] = k;
            source[at] = table.sources[r];
        }
    for (std::uint32_t t = 0; t < n; ++t) {
        if (begin[t] == begin[t + 1]) continue;
        list.targets.push_back(layout.gids[t]);
        list.counts.push_back(static_cast<std::uint32_t>(begin[t + 1] - begin[t]));
        for (std::uint64_t m = begin[t]; m < begin[t + 1]; ++m) {
            list.sources.push_back(source[m]);
            list.delays.push_back(static_cast<std::uint16_t>(D + synapse_delay_offset(table.target_delay[order[m]])));
            list.weights.push_back(table.weight[order[m]]);
            if (!table.tag.empty()) list.tags.push_back(table.tag[order[m]]);
        }
    }
}

std::uint64_t remove_tagged(synapse_table& table, std::uint32_t checks) {
    // One forward pass: a kept synapse moves to the first free place, never ahead of itself, so the
    // arrays compact in place; row_begin[r] is overwritten only after row r − 1 has been read.
    std::uint64_t kept = 0, begin = 0;
    const std::uint64_t rows = table.rows();
    for (std::uint64_t s = 0; s < rows; ++s) {
        const std::uint64_t end = table.row_begin[s + 1];
        table.row_begin[s] = static_cast<std::uint32_t>(kept);
        for (std::uint64_t k = begin; k < end; ++k) {
            if (plasticity::is_tagged(table.tag[k], checks)) continue;
            table.target_delay[kept] = table.target_delay[k];
            table.weight[kept] = table.weight[k];
            table.tag[kept] = table.tag[k];
            ++kept;
        }
        begin = end;
    }
    const std::uint64_t removed = table.size() - kept;
    table.row_begin[rows] = static_cast<std::uint32_t>(kept);
    if (removed == 0) return 0;
    table.target_delay.resize(kept);
    table.weight.resize(kept);
    table.tag.resize(kept);
    table.target_delay.shrink_to_fit();
    table.weight.shrink_to_fit();
    table.tag.shrink_to_fit();
    if (!table.incoming.empty()) {
        const auto neurons = static_cast<std::uint32_t>(table.incoming.begin.size() - 1);
        table.incoming = {};
        index_incoming(table, neurons);
    }
    return removed;
}

void index_incoming(synapse_table& table, std::uint32_t neurons) {
    auto& index = table.incoming;
    const std::uint64_t rows = table.rows();
    std::uint64_t longest = 0;
    for (std::uint64_t s = 0; s < rows; ++s)
        longest = std::max<std::uint64_t>(longest, table.row_begin[s + 1] - table.row_begin[s]);
    const auto bits = [](std::uint64_t count) {
        return static_cast<std::uint32_t>(std::bit_width(count > 0 ? count - 1 : 0));
    };
    index.position_bits = bits(longest);
    if (bits(rows) + index.position_bits > 32)
        throw std::runtime_error("a plastic projection's table on one thread has " + std::to_string(rows) +
                                 " rows (sources) and rows of up to " + std::to_string(longest) +
                                 " synapses, more than its 32-bit incoming index can name; use more threads or ranks");
    // A counting sort on the target: visiting rows by source puts every target's entries by source.
    index.begin.assign(std::size_t{neurons} + 1, 0);
    for (const auto word : table.target_delay) ++index.begin[synapse_target(word) + 1];
    for (std::uint32_t t = 0; t < neurons; ++t) index.begin[t + 1] += index.begin[t];
    index.entry.resize(table.size());
    std::vector<std::uint64_t> fill(index.begin.begin(), index.begin.end() - 1);
    index.min_offset = table.size() ? max_delay_offset : 0;
    index.max_offset = 0;
    for (std::uint64_t s = 0; s < rows; ++s)
        for (std::uint64_t k = table.row_begin[s]; k < table.row_begin[s + 1]; ++k) {
            const std::uint32_t word = table.target_delay[k];
            index.entry[fill[synapse_target(word)]++] =
                static_cast<std::uint32_t>((s << index.position_bits) | (k - table.row_begin[s]));
            index.min_offset = std::min(index.min_offset, synapse_delay_offset(word));
            index.max_offset = std::max(index.max_offset, synapse_delay_offset(word));
        }
    if (index.min_offset == index.max_offset) return;
    // Then by delay within each target; stable, so entries of one delay stay by source.
    const auto offset = [&](std::uint32_t e) {
        return synapse_delay_offset(table.target_delay[table.row_begin[index.row(e)] + index.position(e)]);
    };
    for (std::uint32_t t = 0; t < neurons; ++t)
        std::stable_sort(index.entry.begin() + static_cast<std::ptrdiff_t>(index.begin[t]),
                         index.entry.begin() + static_cast<std::ptrdiff_t>(index.begin[t + 1]),
                         [&](std::uint32_t a, std::uint32_t b) { return offset(a) < offset(b); });
}

}  // namespace synorm::network
