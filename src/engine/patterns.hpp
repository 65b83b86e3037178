// Stimulus patterns (engine/patterns.cpp; model/stimulus_pattern.hpp): their drive, the probe
// counts and, per thread, the members it drives. Private to src/engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "synorm/model/poisson_table.hpp"
#include "synorm/model/stimulus_pattern.hpp"

namespace synorm::engine::detail {

// One stimulus pattern as the engine drives it, in steps.
struct pattern_drive {
    model::poisson_table table;  // events per member and step
    float weight = 0;            // receptor unit
    bool inhibitory = false;
    std::int64_t duration = 0, jitter = 0, probe_duration = 0, window = 0;
    std::vector<model::presentation> shown;  // the presentations given, ascending onsets
    std::vector<std::int64_t> probes;        // probe onsets, ascending
    // By population-local id of the pattern's population: 0 outside the group, 1 an uncued member,
    // 2 a member the probes cue.
    std::vector<std::uint8_t> role;
};

// The rank's part.
struct pattern_state {
    std::vector<pattern_drive> patterns;     // by pattern
    std::vector<std::int64_t> probe_spikes;  // [pattern][probe][role] this rank's spikes in probe windows
    std::vector<std::size_t> probe_at;       // by pattern: its first entry in probe_spikes
};

// A thread's part.
struct thread_patterns {
    std::vector<std::vector<std::uint32_t>> pattern_members;  // [pattern] thread-local neurons of its group, ascending
    std::vector<std::size_t> pattern_next;                    // [pattern] first presentation not yet over
};

}  // namespace synorm::engine::detail
