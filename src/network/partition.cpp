#include "synorm/network/partition.hpp"

#include <algorithm>

namespace synorm::network {

partition::partition(const model::model_spec& spec, int rank, int ranks, int threads)
    : rank_(rank), ranks_(ranks), threads_(static_cast<std::size_t>(threads)) {
    const auto P = static_cast<std::uint64_t>(ranks), r = static_cast<std::uint64_t>(rank);
    std::uint64_t first = 0;
    for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
        first_gid_.push_back(first);
        const std::uint64_t end = first + spec.populations[p].size;
        const std::uint64_t g0 = first + (r + P - first % P) % P;  // first gid ≥ first with gid % P == r
        const std::uint64_t n = g0 < end ? (end - 1 - g0) / P + 1 : 0;
        for (std::uint64_t t = 0; t < threads_.size(); ++t) {
            const std::uint64_t a = n * t / threads_.size(), b = n * (t + 1) / threads_.size();
            auto& layout = threads_[t];
            population_slice s{p, layout.size(), 0};
            for (std::uint64_t k = a; k < b; ++k) layout.gids.push_back(g0 + k * P);
            s.end = layout.size();
            layout.slices.push_back(s);
        }
        first = end;
    }
    first_gid_.push_back(first);
}

std::uint64_t partition::thread_neuron_bound(const model::model_spec& spec, int ranks, int threads) {
    const auto P = static_cast<std::uint64_t>(std::max(ranks, 1)), T = static_cast<std::uint64_t>(std::max(threads, 1));
    std::uint64_t n = 0;
    for (const auto& pop : spec.populations) n += ((pop.size + P - 1) / P + T - 1) / T;
    return n;
}

std::uint64_t partition::local_neurons() const {
    std::uint64_t n = 0;
    for (const auto& t : threads_) n += t.size();
    return n;
}

bool partition::locate(std::uint64_t gid, int& thread, std::uint32_t& index) const {
    if (owner_rank(gid) != rank_ || gid >= first_gid_.back()) return false;
    const auto pop = static_cast<std::uint32_t>(std::upper_bound(first_gid_.begin(), first_gid_.end(), gid) -
                                                first_gid_.begin() - 1);
    for (std::size_t t = 0; t < threads_.size(); ++t) {
        const auto& layout = threads_[t];
        const auto& s = layout.slices[pop];
        if (s.begin == s.end || gid < layout.gids[s.begin] || gid > layout.gids[s.end - 1]) continue;
        thread = static_cast<int>(t);
        index = s.begin + static_cast<std::uint32_t>((gid - layout.gids[s.begin]) / static_cast<std::uint64_t>(ranks_));
        return true;
    }
    return false;
}

}  // namespace synorm::network
