// Microglial pruning (plasticity/pruning.hpp): tags counted at every homeostasis check, tagged
// synapses removed at pruning points by the thread that owns them. Each thread's tables are
// compacted in their own order, and tags depend only on a synapse's own effective weight, so the
// same synapses go on every layout.
#include "engine_state.hpp"

namespace synorm::engine {

void simulation::impl::init_pruning() {
    const std::size_t J = spec.projections.size();
    pruned.assign(J, 0);
    tag_checks.assign(J, 0);
    prune_every.assign(J, 0);
    for (std::uint32_t j = 0; j < J; ++j) {
        const auto& p = spec.projections[j].pruning;
        if (!p.enabled || !plastic[j] || H <= 0) continue;
        pruned[j] = 1;
        any_pruning = true;
        // The loader checks that both are whole numbers of periods.
        tag_checks[j] = static_cast<std::uint32_t>(to_step(p.tagging_time, spec.simulation.dt) / H);
        prune_every[j] = p.period > 0 ? to_step(p.period, spec.simulation.dt) : 0;
    }
}

bool simulation::impl::pruning_due(std::uint32_t j, std::int64_t T) const {
    if (!pruned[j] || T <= 0) return false;
    if (prune_every[j] > 0) return T % prune_every[j] == 0;
    return std::binary_search(nrem_ends.begin(), nrem_ends.end(), T);
}

bool simulation::impl::pruning_point(std::int64_t T) const {
    if (!any_pruning) return false;
    for (std::uint32_t j = 0; j < pruned.size(); ++j)
        if (pruning_due(j, T)) return true;
    return false;
}

void simulation::impl::tag_synapses(thread_state& ts) {
    for (std::uint32_t j = 0; j < pruned.size(); ++j) {
        if (!pruned[j]) continue;
        auto& table = ts.tables[j];
        const effective_weight effective = effective_weights(ts, j);
        const auto threshold = static_cast<float>(spec.projections[j].pruning.threshold);
        const std::uint64_t first = first_gid[spec.projections[j].source];
        const std::size_t t = static_cast<std::size_t>(&ts - threads.data());
        const row_source_lists sources = branched[j] ? row_sources_of(j, t) : row_source_lists{};
        for (std::uint64_t r = 0; r < table.rows(); ++r) {
            branch_cursor branch = branched[j] ? branches_of_row(ts, j, first + sources[t][j][r]) : branch_cursor{};
            for (std::uint64_t k = table.row_begin[r]; k < table.row_begin[r + 1]; ++k) {
                const std::uint32_t i = network::synapse_target(table.target_delay[k]);
                table.tag[k] = plasticity::next_tag(
                    table.tag[k], effective(table.weight[k], i, branched[j] ? branch(i) : 0), threshold);
            }
        }
    }
}

void simulation::impl::prune_local(thread_state& ts, std::int64_t T) {
    ts.prune_counts.assign(pruned.size() * prune_fields, 0);
    for (std::uint32_t j = 0; j < pruned.size(); ++j) {
        if (!pruning_due(j, T)) continue;
        auto& table = ts.tables[j];
        std::int64_t* const c = ts.prune_counts.data() + std::size_t{j} * prune_fields;
        for (const auto tag : table.tag) {
            c[p_below] += tag > 0;
            c[p_tagged] += plasticity::is_tagged(tag, tag_checks[j]);
        }
        c[p_before] = static_cast<std::int64_t>(table.size());
        c[p_bytes_before] = static_cast<std::int64_t>(table.bytes());
        if (!spec.projections[j].pruning.depleted)
            c[p_removed] = static_cast<std::int64_t>(network::remove_tagged(table, tag_checks[j]));
        c[p_bytes_after] = static_cast<std::int64_t>(table.bytes());
    }
}

void simulation::impl::prune_global(std::int64_t T, results& out) {
    std::vector<std::int64_t> total(pruned.size() * prune_fields, 0);
    for (const auto& ts : threads) {
        SYNORM_ASSERT(ts.prune_counts.size() == total.size(), "each thread's pruning counts have the fixed size");
        for (std::size_t k = 0; k < total.size(); ++k) total[k] += ts.prune_counts[k];
    }
    comm.sum(total);
    const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
    std::uint64_t removed = 0;
    for (std::uint32_t j = 0; j < pruned.size(); ++j) {
        if (!pruning_due(j, T)) continue;
        const std::int64_t* const c = total.data() + std::size_t{j} * prune_fields;
        pruning_record r;
        r.projection = j;
        r.time = static_cast<double>(T) * spec.simulation.dt;
        r.below = u(c[p_below]);
        r.tagged = u(c[p_tagged]);
        r.removed = u(c[p_removed]);
        r.synapses = u(c[p_before]);
        r.bytes_before = u(c[p_bytes_before]);
        r.bytes_after = u(c[p_bytes_after]);
        removed += r.removed;
        out.pruning.push_back(r);
    }
    // The phase that ran up to T.
    for (auto& row : out.phases)
        if (to_step(row.start, spec.simulation.dt) < T && T <= to_step(row.end, spec.simulation.dt))
            row.pruned += removed;
}

}  // namespace synorm::engine
