// The targeted spike exchange (comm.exchange; src/README.md decision 6): the strategy a run uses and,
// under alltoall, the ranks that each of this rank's neurons sends its spikes to. Built once, after
// the synapse tables (targets.cpp); read by the loop's exchange step. Private to src/engine.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "synorm/engine/simulation.hpp"

namespace synorm::engine {

struct exchange_state {
    exchange_report exchange_plan;
    // Under alltoall only (empty otherwise): this rank's neurons, and per neuron the ranks that hold a
    // synapse from it (CSR over positions in local_gids, ranks ascending).
    std::vector<std::uint64_t> local_gids;    // ascending
    std::vector<std::uint64_t> target_begin;  // by position in local_gids, plus the total
    std::vector<std::uint32_t> target_rank;   // by entry
    // Scratch of the exchange step: run_control's words, the spikes grouped by destination rank.
    std::vector<std::uint64_t> control_words, send_words, send_counts, send_cursor;
    bool targeted() const { return exchange_plan.strategy == model::exchange_strategy::alltoall; }
    // The two-level exchange (comm.structure, structure.cpp): this rank's cluster, and each rank's.
    std::unique_ptr<comm::communicator> cluster_comm;
    std::vector<int> rank_cluster;  // by rank
    bool structured() const { return exchange_plan.structured; }
};

// `auto` takes alltoall when no rank needs more than this fraction of the network's neurons (and the
// run has more than 2 ranks). Under alltoall a rank receives about that fraction of all spikes, plus a
// count word per rank; under allgather all of them, in blocks sized for the busiest rank (up to 4×
// its spikes: capacity between a quarter and a half used, mpi_communicator.cpp). Above one half the
// bytes saved are under 2× while alltoall adds a collective (the counts) and sends a spike once per
// destination rank; below it the volume falls with the fraction, which is what grows with the ranks.
inline constexpr double alltoall_largest_fraction = 0.5;

}  // namespace synorm::engine
