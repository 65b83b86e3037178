// Microglial pruning (engine/pruning.cpp; plasticity/pruning.hpp): which projections are pruned and
// when, and each thread's part of a pruning point's counts. Private to src/engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace synorm::engine::detail {

struct pruning_state {
    std::vector<std::uint8_t> pruned;       // by projection: has a pruning_spec
    std::vector<std::uint32_t> tag_checks;  // by projection: tagging_time / H, the checks a tag needs beyond
    std::vector<std::int64_t> prune_every;  // by projection, steps; 0: at the ends of NREM phases
    std::vector<std::int64_t> nrem_ends;    // steps, ascending: ends of the schedule's NREM phases that run
    bool any_pruning = false;
    enum prune_field : std::size_t {
        p_below,
        p_tagged,
        p_removed,
        p_before,
        p_bytes_before,
        p_bytes_after,
        prune_fields
    };
};

struct thread_pruning {
    std::vector<std::int64_t> prune_counts;  // [projection][prune_field]: this thread's part of a pruning point
};

}  // namespace synorm::engine::detail
