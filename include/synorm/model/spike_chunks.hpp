// Elements per chunk of a population's spike datasets in the output (src/io/README.md): shared by the
// output file, which creates them, and the memory estimate, which counts what they hold.
#pragma once

#include <cstdint>

#include "synorm/model/model_spec.hpp"

namespace synorm::model {

inline constexpr std::uint64_t largest_spike_chunk = 64 * 1024;  // elements
inline constexpr std::uint64_t smallest_spike_chunk = 1024;      // elements

// The population's expected spikes over the run, at its expected rate (network.compensation) or
// else 10 Hz, as a power of two within [smallest_spike_chunk, largest_spike_chunk]. Every chunk of
// a dataset's extent is allocated (and buffered while written) whole, so 254 populations of a few
// hundred neurons in the largest chunks held 254 MiB for a few kB of spikes. A chunk's size changes
// where the spikes sit in the file, not the datasets' content.
inline std::uint64_t spike_chunk_elements(const model_spec& spec, const population_spec& pop) {
    const double rate = pop.expected_rate > 0 ? pop.expected_rate : 10.0;  // Hz
    const double spikes = static_cast<double>(pop.size) * rate * spec.simulation.duration * 1e-3;
    std::uint64_t chunk = smallest_spike_chunk;
    while (chunk < largest_spike_chunk && static_cast<double>(chunk) < spikes) chunk *= 2;
    return chunk;
}

}  // namespace synorm::model
