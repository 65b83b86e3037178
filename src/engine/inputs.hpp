// The external drive (engine/interval.cpp): Poisson inputs, DC and poisson_source populations, as
// the rank knows them and as each thread feeds its neurons. Private to src/engine.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "synorm/model/poisson_source.hpp"
#include "synorm/model/poisson_table.hpp"

namespace synorm::engine::detail {

// One Poisson input as the threads see it: per-step constants and, per thread, the neurons it feeds.
struct poisson_source {
    model::poisson_table table;
    float weight = 0;  // receptor unit
    bool inhibitory = false;
    std::int64_t start = 0, stop = 0;  // steps [start, stop)
    std::uint32_t index = 0;           // input index: its random streams
};

struct dc_source {
    float amplitude = 0;  // pA
    std::int64_t start = 0, stop = 0;
};

// A run of a thread's neurons [begin, end) that an input feeds.
struct neuron_range {
    std::uint32_t input = 0;
    std::uint32_t begin = 0, end = 0;
};

// The rank's part: set at build (phases.cpp changes the Poisson rates at phase starts).
struct input_state {
    std::vector<poisson_source> poisson;
    std::vector<dc_source> dc;
    std::vector<std::int64_t> dc_changes;  // steps at which some DC input starts or stops, ascending
    // By population: poisson_source rates; empty for neurons.
    std::vector<std::vector<model::source_piece>> source_rate;
    bool any_source = false;
};

// A thread's part.
struct thread_inputs {
    std::vector<neuron_range> poisson_ranges, dc_ranges;
    // poisson_source members: the four words of block source_block of each one's stream.
    std::vector<std::array<std::uint32_t, 4>> source_words;  // by thread-local neuron (empty without sources)
    std::int64_t source_block = -1;                          // step / 4
};

}  // namespace synorm::engine::detail
