#include "synorm/network/partition.hpp"

#include <algorithm>
#include <cmath>

namespace synorm::network {

namespace {

// Mean in-degree of one target neuron of a projection (memory_estimate.cpp counts the same synapses).
double expected_indegree(const model::projection_spec& p, double n_source, double n_target) {
    switch (p.rule) {
    case model::connection_rule::fixed_indegree: return static_cast<double>(p.indegree);
    case model::connection_rule::pairwise_bernoulli: return p.probability * n_source;
    case model::connection_rule::fixed_total_number: return static_cast<double>(p.total_number) / n_target;
    case model::connection_rule::one_to_one: return 1.0;
    case model::connection_rule::all_to_all: return n_source;
    }
    return 0.0;
}

constexpr double neuron_cost = 64.0;  // synapse units: a neuron's state and per-step update
constexpr double rate_unit = 10.0;    // Hz: a synapse whose source fires at this rate costs twice a silent one's

double expected_rate(const model::population_spec& pop) {
    if (pop.expected_rate >= 0.0) return pop.expected_rate;
    if (pop.model == model::neuron_kind::poisson_source) return pop.params.rate;
    return pop.scaling.enabled ? pop.scaling.target_rate : 0.0;
}

// The rank's neurons of each population under round_robin: ⌈N/ranks⌉ at most.
std::uint64_t round_robin_share(std::uint64_t n, std::uint64_t ranks) { return (n + ranks - 1) / ranks; }

}  // namespace

std::vector<double> placement_cost(const model::model_spec& spec) {
    std::vector<double> cost(spec.populations.size(), neuron_cost);
    for (const auto& p : spec.projections) {
        const double n_source = static_cast<double>(spec.populations[p.source].size);
        const double n_target = static_cast<double>(spec.populations[p.target].size);
        cost[p.target] +=
            expected_indegree(p, n_source, n_target) * (1.0 + expected_rate(spec.populations[p.source]) / rate_unit);
    }
    return cost;
}

namespace {

// Cumulative cost at each population boundary (one fixed order of additions: the same on every rank).
struct cumulative_cost {
    std::vector<double> cost;             // by population: one neuron's (placement_cost)
    std::vector<std::uint64_t> first{0};  // by population, plus the total: its first gid
    std::vector<double> before{0.0};      // by population, plus the total: the cost of the gids before it
    explicit cumulative_cost(const model::model_spec& spec) : cost(placement_cost(spec)) {
        for (std::size_t p = 0; p < spec.populations.size(); ++p) {
            first.push_back(first.back() + spec.populations[p].size);
            before.push_back(before.back() + cost[p] * static_cast<double>(spec.populations[p].size));
        }
    }
};

// Cuts populations [pa, pb) into `n` ranks' ranges and writes their inner boundaries to bounds[r0 + 1 ..
// r0 + n - 1] (rank_bounds says where a boundary goes). bounds[r0] is the range's start.
void cut_blocks(const cumulative_cost& c, std::size_t pa, std::size_t pb, std::uint64_t r0, std::uint64_t n,
                std::vector<std::uint64_t>& bounds) {
    const double start = c.before[pa], total = c.before[pb] - start, mean = total / static_cast<double>(n);
    const std::uint64_t end = c.first[pb];
    std::size_t p = pa;  // the population holding the ideal boundary; advances monotonically
    for (std::uint64_t k = 1; k < n; ++k) {
        const double target = start + total * static_cast<double>(k) / static_cast<double>(n);
        while (p + 1 < pb && c.before[p + 1] <= target) ++p;
        // The gid whose cumulative cost is nearest the target, inside population p.
        const double in = (target - c.before[p]) / c.cost[p];
        const std::uint64_t size = c.first[p + 1] - c.first[p];
        auto g = c.first[p] + std::min(size, static_cast<std::uint64_t>(std::llround(std::max(in, 0.0))));
        // The nearest population boundary, when it is close enough in cost.
        const std::size_t near = target - c.before[p] <= c.before[p + 1] - target ? p : p + 1;
        if (std::abs(c.before[near] - target) <= block_snap * mean) g = c.first[near];
        bounds[r0 + k] = std::clamp(g, bounds[r0 + k - 1], end);
    }
}

}  // namespace

std::vector<std::size_t> group_runs(const model::model_spec& spec) {
    std::vector<std::size_t> runs{0};
    for (std::size_t p = 1; p < spec.populations.size(); ++p)
        if (spec.populations[p].group != spec.populations[p - 1].group) runs.push_back(p);
    runs.push_back(spec.populations.size());
    return runs;
}

std::vector<std::uint64_t> rank_bounds(const model::model_spec& spec, int ranks) {
    if (spec.placement == model::placement_kind::round_robin) return {};
    const auto P = static_cast<std::uint64_t>(std::max(ranks, 1));
    const cumulative_cost c(spec);
    const std::size_t n_pop = spec.populations.size();
    std::vector<std::uint64_t> bounds(P + 1, c.first.back());
    bounds[0] = 0;
    if (spec.placement == model::placement_kind::blocks) {
        cut_blocks(c, 0, n_pop, 0, P, bounds);
        return bounds;
    }
    const std::vector<std::size_t> runs = group_runs(spec);  // groups: whole groups, or groups of ranks
    const std::size_t G = runs.size() - 1;
    const auto group_cost = [&](std::size_t g) { return c.before[runs[g + 1]] - c.before[runs[g]]; };
    if (P < G) {
        // Each rank a run of whole groups: boundary k at the group boundary nearest k/P of the total,
        // leaving at least one group to each rank after it.
        std::size_t b = 0;  // the group boundary of the previous rank boundary
        for (std::uint64_t k = 1; k < P; ++k) {
            const double target = c.before[n_pop] * static_cast<double>(k) / static_cast<double>(P);
            std::size_t next = b + 1;
            while (next + 1 <= G - (P - k) &&
                   std::abs(c.before[runs[next + 1]] - target) < std::abs(c.before[runs[next]] - target))
                ++next;
            b = next;
            bounds[k] = c.first[runs[b]];
        }
        return bounds;
    }
    // Each group its own ranks, at least one: the next rank goes to the group whose cost per rank is the
    // largest (ties: the first), which minimises the largest; then each group's ranks cut as blocks do.
    std::vector<std::uint64_t> share(G, 1);
    const auto heavier = [&](std::size_t a, std::size_t b) {
        const double x = group_cost(a) / static_cast<double>(share[a]),
                     y = group_cost(b) / static_cast<double>(share[b]);
        return x < y || (x == y && a > b);
    };
    std::vector<std::size_t> heap(G);
    for (std::size_t g = 0; g < G; ++g) heap[g] = g;
    std::make_heap(heap.begin(), heap.end(), heavier);
    for (std::uint64_t extra = P - G; extra > 0; --extra) {
        std::pop_heap(heap.begin(), heap.end(), heavier);
        ++share[heap.back()];
        std::push_heap(heap.begin(), heap.end(), heavier);
    }
    std::uint64_t r0 = 0;
    for (std::size_t g = 0; g < G; ++g) {
        bounds[r0] = c.first[runs[g]];
        cut_blocks(c, runs[g], runs[g + 1], r0, share[g], bounds);
        r0 += share[g];
    }
    return bounds;
}

std::vector<int> rank_clusters(const model::model_spec& spec, int ranks) {
    if (spec.placement != model::placement_kind::groups) return {};
    const auto bounds = rank_bounds(spec, ranks);
    const auto runs = group_runs(spec);
    std::vector<std::uint64_t> first(spec.populations.size() + 1, 0);  // by population: first gid
    for (std::size_t p = 0; p < spec.populations.size(); ++p) first[p + 1] = first[p] + spec.populations[p].size;
    std::vector<std::uint64_t> run_start;
    for (std::size_t k = 0; k + 1 < runs.size(); ++k) run_start.push_back(first[runs[k]]);
    std::vector<int> cluster(static_cast<std::size_t>(std::max(ranks, 1)), 0);
    for (std::size_t r = 1; r < cluster.size(); ++r) {
        const bool starts = bounds[r] > bounds[r - 1] && bounds[r] < first.back() &&
                            std::binary_search(run_start.begin(), run_start.end(), bounds[r]);
        cluster[r] = cluster[r - 1] + (starts ? 1 : 0);
    }
    return cluster;
}

int partition::owner_rank(std::uint64_t gid, int ranks, const std::vector<std::uint64_t>& bounds) {
    if (bounds.empty()) return static_cast<int>(gid % static_cast<std::uint64_t>(ranks));
    // The last rank whose range starts at or before gid (empty ranks share their start with the next).
    return static_cast<int>(std::upper_bound(bounds.begin(), bounds.end() - 1, gid) - bounds.begin()) - 1;
}

partition::partition(const model::model_spec& spec, int rank, int ranks, int threads)
    : rank_(rank), ranks_(ranks), bounds_(rank_bounds(spec, ranks)), threads_(static_cast<std::size_t>(threads)) {
    const auto P = static_cast<std::uint64_t>(ranks), r = static_cast<std::uint64_t>(rank);
    stride_ = bounds_.empty() ? P : 1;
    std::uint64_t first = 0;
    for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
        first_gid_.push_back(first);
        const std::uint64_t end = first + spec.populations[p].size;
        std::uint64_t g0 = 0, n = 0;  // this rank's first gid of the population and how many it owns
        if (bounds_.empty()) {
            g0 = first + (r + P - first % P) % P;  // first gid ≥ first with gid % P == r
            n = g0 < end ? (end - 1 - g0) / P + 1 : 0;
        } else {
            g0 = std::max(first, bounds_[r]);
            n = std::min(end, bounds_[r + 1]) > g0 ? std::min(end, bounds_[r + 1]) - g0 : 0;
        }
        for (std::uint64_t t = 0; t < threads_.size(); ++t) {
            const std::uint64_t a = n * t / threads_.size(), b = n * (t + 1) / threads_.size();
            auto& layout = threads_[t];
            population_slice s{p, layout.size(), 0};
            for (std::uint64_t k = a; k < b; ++k) layout.gids.push_back(g0 + k * stride_);
            s.end = layout.size();
            layout.slices.push_back(s);
        }
        first = end;
    }
    first_gid_.push_back(first);
}

std::uint64_t partition::thread_neuron_bound(const model::model_spec& spec, int ranks, int threads) {
    const auto P = static_cast<std::uint64_t>(std::max(ranks, 1)), T = static_cast<std::uint64_t>(std::max(threads, 1));
    const auto bounds = rank_bounds(spec, ranks);
    if (bounds.empty()) {
        std::uint64_t n = 0;
        for (const auto& pop : spec.populations) n += (round_robin_share(pop.size, P) + T - 1) / T;
        return n;
    }
    // Each rank's range meets consecutive populations: O(ranks + populations) pairs in all.
    std::uint64_t most = 0;
    std::size_t p = 0;
    std::uint64_t first = 0;  // of population p
    for (std::uint64_t r = 0; r < P; ++r) {
        while (p < spec.populations.size() && first + spec.populations[p].size <= bounds[r])
            first += spec.populations[p++].size;
        std::uint64_t n = 0, f = first;
        for (std::size_t q = p; q < spec.populations.size() && f < bounds[r + 1]; f += spec.populations[q++].size) {
            const std::uint64_t a = std::max(f, bounds[r]), b = std::min(f + spec.populations[q].size, bounds[r + 1]);
            if (b > a) n += (b - a + T - 1) / T;
        }
        most = std::max(most, n);
    }
    return most;
}

std::uint64_t partition::local_neurons() const {
    std::uint64_t n = 0;
    for (const auto& t : threads_) n += t.size();
    return n;
}

bool partition::locate(std::uint64_t gid, int& thread, std::uint32_t& index) const {
    if (gid >= first_gid_.back() || owner_rank(gid) != rank_) return false;
    const auto pop = static_cast<std::uint32_t>(std::upper_bound(first_gid_.begin(), first_gid_.end(), gid) -
                                                first_gid_.begin() - 1);
    for (std::size_t t = 0; t < threads_.size(); ++t) {
        const auto& layout = threads_[t];
        const auto& s = layout.slices[pop];
        if (s.begin == s.end || gid < layout.gids[s.begin] || gid > layout.gids[s.end - 1]) continue;
        thread = static_cast<int>(t);
        index = s.begin + static_cast<std::uint32_t>((gid - layout.gids[s.begin]) / stride_);
        return true;
    }
    return false;
}

}  // namespace synorm::network
