// Which rank and thread owns which neuron (network.placement, config/README.md "placement"). Ranks:
// round_robin gives gid % ranks, so every population is spread evenly; blocks gives each rank one
// contiguous gid range, balanced by an estimated cost per neuron (placement_cost) and cut at population
// boundaries where that keeps the balance; groups cuts such ranges at group boundaries first. Threads:
// each rank's neurons of a population, ascending by gid, are cut into `threads` contiguous blocks;
// thread t owns block t of every population, and every synapse that targets those neurons
// (src/README.md decision 3). Connectivity is drawn per target gid, so no result depends on the
// placement (decision 5).
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

// The estimated cost of one neuron of each population, in synapse units: 64 for the neuron itself
// (its state and per-step update), plus for each projection onto it the expected in-degree K (from
// the rule, as memory_estimate.cpp counts synapses) times (1 + ρ / 10 Hz), where ρ is the source's
// expected rate when the spec knows one (network.compensation.mean_rates; else a poisson_source's
// rate; else the target rate of the source's synaptic scaling; else 0): a synapse costs its memory and
// plasticity, and its delivered events in proportion to the rate. The neuron's 64 lies between its
// memory (that of 10 to 20 synapses) and its update time (that of thousands of delivered events).
// Only placement uses it; it never changes results.
std::vector<double> placement_cost(const model::model_spec& spec);

// The first gid of each rank and the total at the end (ranks + 1 entries), the same on every rank
// and computed from (spec, ranks) alone in O(ranks + populations). round_robin: empty (none needed).
// blocks: rank r owns [bounds[r], bounds[r + 1]). The ideal boundary k is where the cumulative cost
// reaches k/ranks of the total; it moves to the nearest population boundary when that changes the
// cumulative cost by at most block_snap of one rank's mean cost. So every rank's cost is at most
// (1 + 2 block_snap) × the mean + the largest cost of one neuron (tests/unit/test_partition.cpp).
// groups: each group's populations on ranks of their own. With at least as many ranks as groups,
// each group gets ≥ 1 rank, the rest shared out one at a time to the group with the largest cost per
// rank (so the largest is as small as whole ranks allow), and its ranks cut as blocks cuts the
// network; with fewer, each rank holds consecutive whole groups, its boundaries at the group
// boundaries nearest k/ranks of the total cost. A group is a run of consecutive populations with the
// same `group` (group_runs); one whose populations are apart is one group per run.
inline constexpr double block_snap = 0.05;
std::vector<std::uint64_t> rank_bounds(const model::model_spec& spec, int ranks);

// The first population of each run of consecutive populations with the same group, and the number of
// populations at the end.
std::vector<std::size_t> group_runs(const model::model_spec& spec);

// Under groups: the cluster of each rank, 0 up; a new cluster starts at each rank whose range starts
// a group and is not empty, so each cluster holds whole groups (comm.structure). Empty otherwise.
std::vector<int> rank_clusters(const model::model_spec& spec, int ranks);

class partition {
public:
    partition(const model::model_spec& spec, int rank, int ranks, int threads);

    int rank() const { return rank_; }
    int ranks() const { return ranks_; }
    int threads() const { return static_cast<int>(threads_.size()); }
    const thread_layout& thread(int t) const { return threads_[static_cast<std::size_t>(t)]; }
    // O(1) for round_robin, a binary search over the O(ranks) boundaries for blocks.
    int owner_rank(std::uint64_t gid) const { return owner_rank(gid, ranks_, bounds_); }
    static int owner_rank(std::uint64_t gid, int ranks, const std::vector<std::uint64_t>& bounds);
    std::uint64_t local_neurons() const;

    // At most this many neurons on any one thread of a `ranks` × `threads` layout, without building it:
    // the largest over ranks of Σ over populations of ⌈(the rank's neurons of it)/threads⌉, with
    // ⌈N/ranks⌉ for a rank's share under round_robin. What a synapse's thread-local target index must
    // address (synapse_table.hpp), checked before a run is built.
    static std::uint64_t thread_neuron_bound(const model::model_spec& spec, int ranks, int threads);

    // The thread and thread-local index of a gid this rank owns; false when another rank owns it.
    bool locate(std::uint64_t gid, int& thread, std::uint32_t& index) const;

private:
    int rank_, ranks_;
    std::vector<std::uint64_t> bounds_;     // rank_bounds: empty for round_robin
    std::uint64_t stride_ = 1;              // between consecutive gids of a slice: ranks, or 1 for blocks
    std::vector<std::uint64_t> first_gid_;  // by population, plus the total at the end
    std::vector<thread_layout> threads_;
};

}  // namespace synorm::network
