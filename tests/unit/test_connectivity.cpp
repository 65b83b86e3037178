// Connection rules: counts, exclusions and statistics within bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "synorm/network/connectivity.hpp"

using namespace synorm;
using model::connection_rule;

namespace {

model::projection_spec rule(connection_rule r) {
    model::projection_spec p;
    p.rule = r;
    return p;
}

std::vector<std::uint64_t> sources_of(const model::projection_spec& p, std::uint64_t n_source, std::int64_t self,
                                      std::uint64_t post, std::uint64_t count = 0) {
    model::random_stream rng(11, model::stream_kind::connectivity, 0, post);
    std::vector<std::uint64_t> out;
    network::draw_sources(p, n_source, self, post, count, rng, out);
    return out;
}

}  // namespace

TEST(connectivity, fixed_indegree_gives_exactly_k_sources) {
    auto p = rule(connection_rule::fixed_indegree);
    p.indegree = 50;
    for (std::uint64_t post = 0; post < 100; ++post) {
        const auto s = sources_of(p, 200, -1, post);
        ASSERT_EQ(s.size(), 50u);
        ASSERT_LT(*std::max_element(s.begin(), s.end()), 200u);
    }
}

TEST(connectivity, autapses_and_multapses_can_be_excluded) {
    auto p = rule(connection_rule::fixed_indegree);
    p.indegree = 99;  // all but itself
    p.allow_autapses = false;
    p.allow_multapses = false;
    for (std::uint64_t post = 0; post < 100; ++post) {
        const auto s = sources_of(p, 100, static_cast<std::int64_t>(post), post);
        ASSERT_EQ(s.size(), 99u);
        ASSERT_EQ(std::set<std::uint64_t>(s.begin(), s.end()).size(), 99u) << "no multapses";
        ASSERT_EQ(std::count(s.begin(), s.end(), post), 0) << "no autapse";
    }
}

TEST(connectivity, multapses_occur_when_allowed) {
    auto p = rule(connection_rule::fixed_indegree);
    p.indegree = 100;
    const auto s = sources_of(p, 100, -1, 0);
    EXPECT_LT(std::set<std::uint64_t>(s.begin(), s.end()).size(), 100u);
}

TEST(connectivity, pairwise_bernoulli_matches_the_probability) {
    auto p = rule(connection_rule::pairwise_bernoulli);
    p.probability = 0.1;
    p.allow_autapses = false;
    const std::uint64_t n = 1000, posts = 400;
    double total = 0, squares = 0;
    std::vector<int> hits(n, 0);
    for (std::uint64_t post = 0; post < posts; ++post) {
        const auto s = sources_of(p, n, static_cast<std::int64_t>(post), post);
        ASSERT_EQ(std::count(s.begin(), s.end(), post), 0);
        ASSERT_EQ(std::set<std::uint64_t>(s.begin(), s.end()).size(), s.size());
        total += static_cast<double>(s.size());
        squares += static_cast<double>(s.size() * s.size());
        for (auto x : s) ++hits[x];
    }
    const double mean = total / posts, var = squares / posts - mean * mean;
    const double expected = 0.1 * (n - 1);
    EXPECT_NEAR(mean, expected, 5 * std::sqrt(expected * 0.9 / posts));
    EXPECT_NEAR(var, expected * 0.9, 0.25 * expected * 0.9);  // binomial variance
    // Every source is chosen about equally often (no bias from the geometric skipping).
    const double per_source = 0.1 * posts;
    int outliers = 0;
    for (auto h : hits) outliers += std::abs(h - per_source) > 5 * std::sqrt(per_source);
    EXPECT_LE(outliers, 1);
}

TEST(connectivity, pairwise_bernoulli_extremes) {
    auto p = rule(connection_rule::pairwise_bernoulli);
    p.probability = 0.0;
    EXPECT_TRUE(sources_of(p, 50, -1, 0).empty());
    p.probability = 1.0;
    EXPECT_EQ(sources_of(p, 50, -1, 0).size(), 50u);
}

TEST(connectivity, fixed_total_number_splits_the_total_exactly) {
    auto p = rule(connection_rule::fixed_total_number);
    p.total_number = 100000;
    const auto counts = network::total_number_counts(p, 500, 3, 0);
    std::uint64_t sum = 0;
    for (auto c : counts) sum += c;
    EXPECT_EQ(sum, 100000u);
    const double mean = 200.0, sd = std::sqrt(100000 * (1.0 / 500) * (1 - 1.0 / 500));
    double sq = 0;
    for (auto c : counts) sq += (static_cast<double>(c) - mean) * (static_cast<double>(c) - mean);
    EXPECT_NEAR(std::sqrt(sq / 500), sd, 0.15 * sd);
    EXPECT_EQ(counts, network::total_number_counts(p, 500, 3, 0)) << "the same on every rank";
    EXPECT_EQ(sources_of(p, 80, -1, 4, counts[4]).size(), counts[4]);
}

TEST(connectivity, fixed_total_number_gives_a_subset_of_targets_their_counts_of_the_whole_split) {
    auto p = rule(connection_rule::fixed_total_number);
    p.total_number = 30000;
    const auto counts = network::total_number_counts(p, 1001, 5, 2);
    // Every 7th target from 3 on (a rank's share under round robin), and a block (under blocks).
    for (const auto& wanted : {std::vector<std::uint64_t>{}, std::vector<std::uint64_t>{1000}}) {
        std::vector<std::uint64_t> got;
        network::for_each_total_number_count(p, 1001, 5, 2, &wanted, [&](std::uint64_t j, std::uint64_t c) {
            got.push_back(j);
            EXPECT_EQ(c, counts[j]);
        });
        EXPECT_EQ(got, wanted);
    }
    std::vector<std::uint64_t> strided, block;
    for (std::uint64_t j = 3; j < 1001; j += 7) strided.push_back(j);
    for (std::uint64_t j = 400; j < 530; ++j) block.push_back(j);
    for (const auto* wanted : {&strided, &block}) {
        std::vector<std::uint64_t> seen(1001, 0);
        network::for_each_total_number_count(p, 1001, 5, 2, wanted,
                                             [&](std::uint64_t j, std::uint64_t c) { seen[j] = c; });
        for (const std::uint64_t j : *wanted) EXPECT_EQ(seen[j], counts[j]) << j;
        std::uint64_t outside = 0;
        for (std::uint64_t j = 0; j < seen.size(); ++j)
            if (!std::binary_search(wanted->begin(), wanted->end(), j)) outside += seen[j];
        EXPECT_EQ(outside, 0u) << "only wanted targets are reported";
    }
}

TEST(connectivity, one_to_one_and_all_to_all) {
    EXPECT_EQ(sources_of(rule(connection_rule::one_to_one), 10, -1, 7), std::vector<std::uint64_t>{7});
    auto all = rule(connection_rule::all_to_all);
    all.allow_autapses = false;
    const auto s = sources_of(all, 10, 3, 3);
    EXPECT_EQ(s, (std::vector<std::uint64_t>{0, 1, 2, 4, 5, 6, 7, 8, 9}));
}
