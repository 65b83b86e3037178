#include "synorm/network/network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "synorm/model/sampling.hpp"
#include "synorm/network/connectivity.hpp"

namespace synorm::network {

namespace {

// Mean synapses per target neuron: sizes the build buffers (a hint, never a limit).
double expected_synapses(const model::projection_spec& proj, std::uint64_t n_source, std::uint64_t n_target) {
    switch (proj.rule) {
    case model::connection_rule::fixed_indegree: return static_cast<double>(proj.indegree);
    case model::connection_rule::pairwise_bernoulli: return proj.probability * static_cast<double>(n_source);
    case model::connection_rule::fixed_total_number: return static_cast<double>(proj.total_number) / static_cast<double>(std::max<std::uint64_t>(1, n_target));
    case model::connection_rule::one_to_one: return 1.0;
    case model::connection_rule::all_to_all: return static_cast<double>(n_source);
    }
    return 0.0;
}

}  // namespace

std::vector<std::vector<std::uint64_t>> total_number_splits(const model::model_spec& spec) {
    std::vector<std::vector<std::uint64_t>> splits(spec.projections.size());
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto& proj = spec.projections[j];
        if (proj.rule == model::connection_rule::fixed_total_number)
            splits[j] = total_number_counts(proj, spec.populations[proj.target].size, spec.simulation.seed, j);
    }
    return splits;
}

std::vector<synapse_table> build_synapses(const model::model_spec& spec, const partition& part, int thread,
                                          const std::vector<std::vector<std::uint64_t>>& splits) {
    const auto& layout = part.thread(thread);
    if (layout.size() > synapse_target_mask + 1u)
        throw std::runtime_error("a thread owns " + std::to_string(layout.size()) + " neurons, more than a synapse can address (" +
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
        const auto expected = static_cast<std::size_t>(expected_synapses(proj, src.size, spec.populations[proj.target].size) *
                                                       (slice.end - slice.begin) * 1.05) + 16;
        coo_source.reserve(expected);
        coo_word.reserve(expected);
        coo_weight.reserve(expected);
        for (std::uint32_t t = slice.begin; t < slice.end; ++t) {
            const std::uint64_t post = layout.gids[t], post_index = post - first_tgt;
            const std::int64_t self = proj.source == proj.target ? static_cast<std::int64_t>(post_index) : -1;
            model::random_stream rng(spec.simulation.seed, model::stream_kind::connectivity, j, post);
            sources.clear();
            const std::uint64_t count = splits[j].empty() ? 0 : splits[j][post_index];
            draw_sources(proj, src.size, self, post_index, count, rng, sources);
            for (const std::uint64_t s : sources) {
                const double w = model::draw(proj.weight, rng);
                const auto steps = static_cast<std::uint64_t>(std::llround(model::draw(proj.delay, rng) / dt));
                const std::uint64_t offset = steps > D ? steps - D : 0;
                if (offset > max_delay_offset)
                    throw std::runtime_error("projection " + proj.name + ": a delay of " + std::to_string(steps * dt) +
                                             " ms exceeds the longest a synapse stores (" +
                                             std::to_string((D + max_delay_offset) * dt) + " ms at this dt)");
                coo_source.push_back(static_cast<std::uint32_t>(s));
                coo_word.push_back(pack_synapse(t, static_cast<std::uint32_t>(offset)));
                coo_weight.push_back(static_cast<float>(w));
            }
        }

        // Counting sort by source; stable, so each row keeps the order of drawing: by target.
        table.row_begin.assign(src.size + 1, 0);
        for (const auto s : coo_source) ++table.row_begin[s + 1];
        for (std::uint64_t s = 0; s < src.size; ++s) table.row_begin[s + 1] += table.row_begin[s];
        table.target_delay.resize(coo_word.size());
        table.weight.resize(coo_word.size());
        std::vector<std::uint64_t> fill(table.row_begin.begin(), table.row_begin.end() - 1);
        for (std::size_t k = 0; k < coo_word.size(); ++k) {
            const std::uint64_t at = fill[coo_source[k]]++;
            table.target_delay[at] = coo_word[k];
            table.weight[at] = coo_weight[k];
        }
        if (!coo_word.empty()) {
            table.delay_offset = synapse_delay_offset(coo_word.front());
            for (const auto word : coo_word) table.uniform_delay = table.uniform_delay && synapse_delay_offset(word) == table.delay_offset;
        }
        tables.push_back(std::move(table));
    }
    return tables;
}

}  // namespace synorm::network
