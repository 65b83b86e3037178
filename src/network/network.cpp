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

// The unsorted synapses of one projection on one thread, by target (ascending), then as drawn. A
// weight or delay that every synapse shares is kept once, not per synapse: the build's memory peaks
// while these and the table coexist.
struct coo_synapses {
    std::uint32_t first_target = 0;     // thread-local index of the first target
    std::vector<std::uint64_t> begin;   // by target from first_target, plus the end: its first synapse
    std::vector<std::uint32_t> source;  // by synapse: source-population index
    std::vector<std::uint16_t> offset;  // by synapse: delay − D in steps; empty: every synapse has one_offset
    std::vector<float> weight;          // by synapse; empty: every synapse has one_weight
    std::vector<std::uint16_t> tag;     // by synapse: a checkpoint's pruning tags; empty: none
    std::uint32_t one_offset = 0;
    float one_weight = 0.0f;

    std::uint32_t offset_of(std::uint64_t k) const { return offset.empty() ? one_offset : offset[k]; }
};

// Unsorted synapses into compressed CSR rows by source, stable, so each row keeps the order of the
// input: by target, then as drawn. Rows exist only for sources with a synapse here. A counting sort when
// the source population is no larger than the synapses (its counters cost no more than the synapses
// do); otherwise a sort of (source, place) keys, so that nothing scales with the source population.
void fill_rows(synapse_table& table, std::uint64_t sources, const coo_synapses& coo) {
    const std::uint64_t n = coo.source.size();
    if (n > max_table_synapses)
        throw std::runtime_error("one thread holds " + std::to_string(n) + " synapses of one projection, more than " +
                                 std::to_string(max_table_synapses) +
                                 " (32-bit row offsets); use more threads or ranks");
    table.target_delay.resize(n);
    if (coo.weight.empty()) {
        table.weight.assign(n, coo.one_weight);
    } else {
        table.weight.resize(n);
    }
    if (!coo.tag.empty()) table.tag.resize(n);
    table.sources.clear();
    table.row_begin.clear();
    const std::uint64_t targets = coo.begin.size() - 1;
    const auto place = [&](std::uint64_t at, std::uint64_t k, std::uint32_t target) {
        table.target_delay[at] = pack_synapse(target, coo.offset_of(k));
        if (!coo.weight.empty()) table.weight[at] = coo.weight[k];
        if (!coo.tag.empty()) table.tag[at] = coo.tag[k];
    };
    if (sources <= n) {
        std::vector<std::uint32_t> fill(sources + 1, 0);
        for (const auto s : coo.source) ++fill[s + 1];
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
        const bool plain = coo.offset.empty() && coo.weight.empty() && coo.tag.empty();
        for (std::uint64_t i = 0; i < targets; ++i) {
            const auto target = static_cast<std::uint32_t>(coo.first_target + i);
            if (plain) {  // the common case, one store per synapse
                const std::uint32_t word = pack_synapse(target, coo.one_offset);
                for (std::uint64_t k = coo.begin[i]; k < coo.begin[i + 1]; ++k)
                    table.target_delay[fill[coo.source[k]]++] = word;
            } else {
                for (std::uint64_t k = coo.begin[i]; k < coo.begin[i + 1]; ++k) place(fill[coo.source[k]]++, k, target);
            }
        }
    } else {
        std::vector<std::uint64_t> key(n);
        std::vector<std::uint32_t> target_of(n);
        for (std::uint64_t i = 0; i < targets; ++i)
            for (std::uint64_t k = coo.begin[i]; k < coo.begin[i + 1]; ++k) {
                key[k] = (std::uint64_t{coo.source[k]} << 32) | k;
                target_of[k] = static_cast<std::uint32_t>(coo.first_target + i);
            }
        std::sort(key.begin(), key.end());
        for (std::uint64_t at = 0; at < n; ++at) {
            const auto s = static_cast<std::uint32_t>(key[at] >> 32);
            if (table.sources.empty() || table.sources.back() != s) {
                table.sources.push_back(s);
                table.row_begin.push_back(static_cast<std::uint32_t>(at));
            }
            const std::uint64_t k = key[at] & 0xFFFF'FFFFull;
            place(at, k, target_of[k]);
        }
        table.row_begin.push_back(static_cast<std::uint32_t>(n));
        table.sources.shrink_to_fit();
        table.row_begin.shrink_to_fit();
    }
    if (n > 0) {
        table.delay_offset = coo.offset_of(0);
        for (const auto offset : coo.offset) table.uniform_delay = table.uniform_delay && offset == table.delay_offset;
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
                                &split.targets, [&](std::uint64_t target, std::uint64_t count) {
                                    while (split.targets[next] < target) ++next;
                                    split.counts[next] = count;
                                });
    return split;
}

std::vector<synapse_table> build_synapses(const model::model_spec& spec, const partition& part, int thread) {
    std::vector<synapse_table> tables;
    tables.reserve(spec.projections.size());
    build_synapses(spec, part, thread,
                   [&](std::uint32_t, synapse_table&& table) { tables.push_back(std::move(table)); });
    return tables;
}

void build_synapses(const model::model_spec& spec, const partition& part, int thread,
                    const std::function<void(std::uint32_t, synapse_table&&)>& take) {
    const auto& layout = part.thread(thread);
    if (layout.size() > synapse_target_mask + 1u)
        throw std::runtime_error("a thread owns " + std::to_string(layout.size()) +
                                 " neurons, more than a synapse can address (" +
                                 std::to_string(synapse_target_mask + 1u) + "); use more threads or ranks");
    const std::uint64_t D = spec.min_delay_steps();
    const double dt = spec.simulation.dt;
    std::vector<std::uint64_t> sources;
    coo_synapses coo;

    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto& proj = spec.projections[j];
        const auto& src = spec.populations[proj.source];
        const std::uint64_t first_tgt = spec.first_gid(proj.target);
        synapse_table table;
        table.projection = j;
        table.port = src.type == model::cell_type::excitatory ? receptor::excitatory : receptor::inhibitory;
        const auto& slice = layout.slices[proj.target];
        // A constant weight or delay draws no random number: it is drawn once here and stored once.
        const bool one_weight = proj.weight.shape == model::distribution::kind::constant;
        const bool one_delay = proj.delay.shape == model::distribution::kind::constant;
        model::random_stream unused(0, model::stream_kind::connectivity, j, 0);
        const auto delay_offset = [&](double ms) {
            const auto steps = static_cast<std::uint64_t>(std::max<std::int64_t>(0, model::to_steps(ms, dt)));
            return steps > D ? steps - D : 0;
        };
        const auto check_offset = [&](std::uint64_t offset) {
            if (offset > max_delay_offset)
                throw std::runtime_error("projection " + proj.name + ": a delay of " +
                                         milliseconds(static_cast<double>(D + offset) * dt) +
                                         " exceeds the longest a synapse stores (" +
                                         milliseconds(static_cast<double>(D + max_delay_offset) * dt) + " at this dt)");
        };
        coo.first_target = slice.begin;
        coo.begin.assign(1, 0);
        coo.source.clear();
        coo.offset.clear();
        coo.weight.clear();
        coo.one_weight = one_weight ? static_cast<float>(model::draw(proj.weight, unused)) : 0.0f;
        const std::uint64_t constant_offset = one_delay ? delay_offset(model::draw(proj.delay, unused)) : 0;
        coo.one_offset = static_cast<std::uint32_t>(std::min<std::uint64_t>(constant_offset, max_delay_offset));
        const total_split split = proj.rule == model::connection_rule::fixed_total_number
                                      ? total_number_split(spec, part, thread, j)
                                      : total_split{};
        const auto expected =
            static_cast<std::size_t>(expected_synapses(proj, src.size, spec.populations[proj.target].size) *
                                     (slice.end - slice.begin) * 1.05) +
            16;
        coo.begin.reserve(slice.end - slice.begin + 1);
        coo.source.reserve(expected);
        if (!one_delay) coo.offset.reserve(expected);
        if (!one_weight) coo.weight.reserve(expected);
        for (std::uint32_t t = slice.begin; t < slice.end; ++t) {
            const std::uint64_t post = layout.gids[t], post_index = post - first_tgt;
            const std::int64_t self = proj.source == proj.target ? static_cast<std::int64_t>(post_index) : -1;
            model::random_stream rng(spec.simulation.seed, model::stream_kind::connectivity, j, post);
            sources.clear();
            const std::uint64_t count = split.of(post_index);
            draw_sources(proj, src.size, self, post_index, count, rng, sources);
            for (const std::uint64_t s : sources) coo.source.push_back(static_cast<std::uint32_t>(s));
            // Weight, then delay, per synapse: the drawing order.
            if (!one_weight || !one_delay)
                for (std::size_t k = 0; k < sources.size(); ++k) {
                    const double w = model::draw(proj.weight, rng);
                    const std::uint64_t offset = delay_offset(model::draw(proj.delay, rng));
                    check_offset(offset);
                    if (!one_weight) coo.weight.push_back(static_cast<float>(w));
                    if (!one_delay) coo.offset.push_back(static_cast<std::uint16_t>(offset));
                }
            coo.begin.push_back(coo.source.size());
        }
        if (!coo.source.empty()) check_offset(constant_offset);

        fill_rows(table, src.size, coo);
        take(j, std::move(table));
    }
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
    coo_synapses coo;
    coo.first_target = slice.begin;
    coo.begin.assign(1, 0);
    // The list is ascending by target, as the slice's neurons are: one merge pass, in drawing order.
    std::uint64_t k = 0;
    std::size_t n = 0;
    for (std::uint32_t t = slice.begin; t < slice.end; ++t) {
        const std::uint64_t gid = layout.gids[t];
        while (n < list.targets.size() && list.targets[n] < gid) k += list.counts[n++];
        if (n < list.targets.size() && list.targets[n] == gid) {
            for (const std::uint64_t end = k + list.counts[n]; k < end; ++k) {
                if (list.sources[k] >= src.size || list.delays[k] < D || list.delays[k] - D > max_delay_offset)
                    throw std::runtime_error("projection " + proj.name + ": a synapse of the checkpoint onto neuron " +
                                             std::to_string(gid) + " has a source or delay outside the network");
                coo.source.push_back(list.sources[k]);
                coo.offset.push_back(static_cast<std::uint16_t>(list.delays[k] - D));
                coo.weight.push_back(list.weights[k]);
                if (!list.tags.empty()) coo.tag.push_back(list.tags[k]);
            }
            ++n;
        }
        coo.begin.push_back(coo.source.size());
    }
    fill_rows(table, src.size, coo);
    return table;
}

void append_to_list(const synapse_table& table, const std::vector<std::uint32_t>& sources,
                    const std::vector<std::uint32_t>& row_begin, const thread_layout& layout, std::uint64_t D,
                    synapse_list& list) {
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
        for (std::uint64_t k = row_begin[r]; k < row_begin[r + 1]; ++k) {
            const std::uint64_t at = fill[synapse_target(table.target_delay[k])]++;
            order[at] = k;
            source[at] = sources[r];
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
