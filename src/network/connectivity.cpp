#include "synorm/network/connectivity.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

namespace synorm::network {

namespace {

// k distinct values from [0, m) in drawing order (Floyd's algorithm: exactly k draws).
void distinct_sample(std::uint64_t k, std::uint64_t m, model::random_stream& rng, std::vector<std::uint64_t>& out) {
    std::unordered_set<std::uint64_t> chosen;
    chosen.reserve(k * 2);
    for (std::uint64_t j = m - k; j < m; ++j) {
        const std::uint64_t t = rng.below(j + 1);
        const std::uint64_t pick = chosen.insert(t).second ? t : (chosen.insert(j), j);
        out.push_back(pick);
    }
}

}  // namespace

void draw_sources(const model::projection_spec& proj, std::uint64_t n_source, std::int64_t self,
                  std::uint64_t post_index, std::uint64_t count, model::random_stream& rng,
                  std::vector<std::uint64_t>& sources) {
    using model::connection_rule;
    const bool skip_self = self >= 0 && !proj.allow_autapses;
    // Candidates are [0, m); with skip_self, candidate c ≥ self stands for source c + 1.
    const std::uint64_t m = skip_self ? n_source - 1 : n_source;
    const std::size_t start = sources.size();
    switch (proj.rule) {
    case connection_rule::one_to_one: sources.push_back(post_index); return;
    case connection_rule::all_to_all:
        for (std::uint64_t c = 0; c < m; ++c) sources.push_back(c);
        break;
    case connection_rule::pairwise_bernoulli: {
        const double p = proj.probability;
        if (p <= 0.0 || m == 0) break;
        if (p >= 1.0) {
            for (std::uint64_t c = 0; c < m; ++c) sources.push_back(c);
            break;
        }
        // Gaps between successes are geometric: O(successes) draws instead of O(candidates).
        const double log_q = std::log1p(-p);
        double c = -1.0;
        for (;;) {
            c += std::floor(std::log(rng.uniform_positive()) / log_q) + 1.0;
            if (c >= static_cast<double>(m)) break;
            sources.push_back(static_cast<std::uint64_t>(c));
        }
        break;
    }
    case connection_rule::fixed_indegree:
    case connection_rule::fixed_total_number: {
        const std::uint64_t k = proj.rule == connection_rule::fixed_indegree ? proj.indegree : count;
        if (m == 0 || k == 0) break;
        if (proj.allow_multapses) {
            rng.below_many(m, k, sources);
        } else {
            distinct_sample(std::min(k, m), m, rng, sources);
        }
        break;
    }
    }
    if (skip_self)
        for (std::size_t i = start; i < sources.size(); ++i)
            if (sources[i] >= static_cast<std::uint64_t>(self)) ++sources[i];
}

namespace {

// The multinomial split as a binary tree over the target range (heap-numbered nodes): node [lo, hi)
// sends Binomial(n, (mid − lo) / (hi − lo)) of its n synapses to [lo, mid) and the rest to [mid, hi),
// drawn from the node's own stream (seed, projection, node). So a count depends on the node, not on
// the order in which nodes are visited, and a rank descends only into the subtrees holding targets it
// wants: O(wanted · log(n_target / wanted)) draws, not O(n_target), on every rank.
struct split_tree {
    std::uint64_t seed;
    std::uint32_t projection;
    const std::vector<std::uint64_t>* wanted;  // sorted; null: every target
    const std::function<void(std::uint64_t, std::uint64_t)>& f;

    bool holds_wanted(std::uint64_t lo, std::uint64_t hi) const {
        if (!wanted) return true;
        const auto it = std::lower_bound(wanted->begin(), wanted->end(), lo);
        return it != wanted->end() && *it < hi;
    }
    void visit(std::uint64_t lo, std::uint64_t hi, std::uint64_t n, std::uint64_t node) const {
        if (n == 0 || !holds_wanted(lo, hi)) return;
        if (hi - lo == 1) {
            f(lo, n);
            return;
        }
        const std::uint64_t mid = lo + (hi - lo) / 2;
        model::random_stream rng(seed, model::stream_kind::multinomial, projection, node);
        std::binomial_distribution<std::uint64_t> binomial(n, static_cast<double>(mid - lo) /
                                                                  static_cast<double>(hi - lo));
        const std::uint64_t left = binomial(rng);
        visit(lo, mid, left, 2 * node);
        visit(mid, hi, n - left, 2 * node + 1);
    }
};

}  // namespace

void for_each_total_number_count(const model::projection_spec& proj, std::uint64_t n_target, std::uint64_t seed,
                                 std::uint32_t projection_index, const std::vector<std::uint64_t>* wanted,
                                 const std::function<void(std::uint64_t, std::uint64_t)>& f) {
    if (n_target == 0) return;
    const split_tree tree{seed, projection_index, wanted, f};
    tree.visit(0, n_target, proj.total_number, 1);
}

std::vector<std::uint64_t> total_number_counts(const model::projection_spec& proj, std::uint64_t n_target,
                                               std::uint64_t seed, std::uint32_t projection_index) {
    std::vector<std::uint64_t> counts(n_target, 0);
    for_each_total_number_count(proj, n_target, seed, projection_index, nullptr,
                                [&](std::uint64_t j, std::uint64_t count) { counts[j] = count; });
    return counts;
}

}  // namespace synorm::network
