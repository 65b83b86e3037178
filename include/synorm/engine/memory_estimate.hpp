// How much memory one rank will need, from the configuration alone: computed before anything is
// allocated, so a run that cannot fit stops at once with figures instead of hours later.
#pragma once

#include <cstdint>
#include <string>

#include "synorm/model/model_spec.hpp"

namespace synorm::engine {

struct memory_estimate {
    std::uint64_t neurons = 0;       // bytes: neuron state and ids
    std::uint64_t synapses = 0;      // bytes: synapse tables (8 per synapse plus row indices)
    std::uint64_t ring_buffers = 0;  // bytes: pending input, two receptors
    // bytes: what the build holds beyond the run's synapse memory (the rows' sources until the source
    // index holds them, the arrays that sort the synapses)
    std::uint64_t build = 0;
    std::uint64_t recorders = 0;  // bytes: spikes buffered between flushes, traces, snapshots, rates
    // bytes: the model's description by projection (its spec, the engine's entries and plastic rules);
    // the output's objects per population are counted with the libraries (baseline)
    std::uint64_t configuration = 0;
    std::uint64_t baseline = 0;  // bytes: program, MPI and HDF5 libraries
    // bytes: the state copied while a checkpoint is written (synapses as lists keyed by gid, 10 B each
    // plus 12 B per target, per-neuron fields, pending input); 0 unless the run checkpoints.
    std::uint64_t checkpoint = 0;
    std::uint64_t expected_synapses = 0;  // on this rank

    // The peak: the build temporaries exist before the spike buffers and traces fill up, and before
    // any checkpoint is taken.
    std::uint64_t peak() const;
    std::string describe() const;  // one line per item, MiB
};

// The estimate for the most loaded rank of `ranks`, each with `threads` threads. Expected synapse
// counts follow the connection rules' means. `checkpointing`: the run takes checkpoints (--checkpoint-
// every, --checkpoint-wall, --stop-after, or a resume), which copy the rank's state while they are written.
memory_estimate estimate_memory(const model::model_spec& spec, int ranks, int threads, bool checkpointing = false);

}  // namespace synorm::engine
