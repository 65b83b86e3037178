// Building the synapses a thread holds: every thread creates the incoming synapses of the neurons it
// owns, each target's from its own stream, then sorts them into CSR rows.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "synorm/model/model_spec.hpp"
#include "synorm/network/partition.hpp"
#include "synorm/network/synapse_table.hpp"

namespace synorm::network {

// A fixed_total_number projection's split over the target neurons one thread owns (the split over the
// whole population is the same on every layout; each thread keeps only its own part, while it builds
// that projection).
struct total_split {
    std::vector<std::uint64_t> targets;  // population-local indices of the thread's targets, ascending
    std::vector<std::uint64_t> counts;   // by listed target: its synapses
    // The synapses onto population-local target `target` (0 when not listed).
    std::uint64_t of(std::uint64_t target) const;
};

// The split of fixed_total_number projection `projection` over the target neurons of thread `thread` of
// `part`: O(target population) time, O(the thread's targets) memory. Each thread computes it when it
// builds the projection and drops it after, so nothing held grows with projections × neurons (a
// rank-wide split of every projection at once cost 16 B per target neuron and projection).
total_split total_number_split(const model::model_spec& spec, const partition& part, int thread,
                               std::uint32_t projection);

// One table per projection (in projection order) for thread `thread` of `part`. Throws
// std::runtime_error when a drawn delay exceeds what a synapse can store.
std::vector<synapse_table> build_synapses(const model::model_spec& spec, const partition& part, int thread);
// The same tables handed to `take(projection, table)` one at a time, in projection order, so that the
// caller keeps only those it wants (table_list).
void build_synapses(const model::model_spec& spec, const partition& part, int thread,
                    const std::function<void(std::uint32_t, synapse_table&&)>& take);

// The table of projection `projection` for thread `thread` of `part`, from a list of synapses that
// holds at least every synapse onto that thread's neurons (a checkpoint's), instead of drawing them.
synapse_table table_from_list(const model::model_spec& spec, const partition& part, int thread,
                              std::uint32_t projection, const synapse_list& list);

// Appends the synapses of `table` (thread `layout`), whose rows' sources and first synapses are
// `sources` and `row_begin` (the table's own or, in a run, the engine's: span rows drop their
// row_begin), to `list` in the list's order. Targets must not already be in the list.
void append_to_list(const synapse_table& table, const std::vector<std::uint32_t>& sources,
                    const std::vector<std::uint32_t>& row_begin, const thread_layout& layout, std::uint64_t D,
                    synapse_list& list);

}  // namespace synorm::network
