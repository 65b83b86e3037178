// Which rank and thread owns which neuron. Ranks: round-robin over gids (gid % ranks), so every
// population is spread evenly. Threads: each rank's neurons of a population, ascending by gid, are
// cut into `threads` contiguous blocks; thread t owns block t of every population, and every synapse
// that targets those neurons (src/README.md decision 3).
#pragma once

#include <cstdint>
#include <vector>

#include "synorm/model/model_spec.hpp"

namespace synorm::network {

struct population_slice {
    std::uint32_t population = 0;
    std::uint32_t begin = 0, end = 0;  // thread-local neuron indices [begin, end)
};

struct thread_layout {
    std::vector<std::uint64_t> gids;       // by thread-local neuron; ascending within each slice
    std::vector<population_slice> slices;  // one per population, in population order (may be empty)
    std::uint32_t size() const { return static_cast<std::uint32_t>(gids.size()); }
};

class partition {
public:
    partition(const model::model_spec& spec, int rank, int ranks, int threads);

    int rank() const { return rank_; }
    int ranks() const { return ranks_; }
    int threads() const { return static_cast<int>(threads_.size()); }
    const thread_layout& thread(int t) const { return threads_[static_cast<std::size_t>(t)]; }
    int owner_rank(std::uint64_t gid) const { return static_cast<int>(gid % static_cast<std::uint64_t>(ranks_)); }
    std::uint64_t local_neurons() const;

    // At most this many neurons on any one thread of a `ranks` × `threads` layout, without building it:
    // Σ over populations of ⌈⌈N/ranks⌉/threads⌉. What a synapse's thread-local target index must
    // address (synapse_table.hpp), checked before a run is built.
    static std::uint64_t thread_neuron_bound(const model::model_spec& spec, int ranks, int threads);

    // The thread and thread-local index of a gid this rank owns; false when another rank owns it.
    bool locate(std::uint64_t gid, int& thread, std::uint32_t& index) const;

private:
    int rank_, ranks_;
    std::vector<std::uint64_t> first_gid_;  // by population, plus the total at the end
    std::vector<thread_layout> threads_;
};

}  // namespace synorm::network
