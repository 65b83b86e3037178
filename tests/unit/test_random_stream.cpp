#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "synorm/model/poisson_table.hpp"
#include "synorm/model/random_stream.hpp"

using namespace synorm::model;

TEST(random_stream, same_key_gives_same_numbers) {
    random_stream a(42, stream_kind::connectivity, 3, 1000), b(42, stream_kind::connectivity, 3, 1000);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a(), b());
}

TEST(random_stream, a_block_is_a_pure_function_of_its_key) {
    random_stream a(7, stream_kind::poisson_input, 1, 5);
    std::vector<std::uint32_t> seq;
    for (int i = 0; i < 12; ++i) seq.push_back(a());
    for (int block = 0; block < 3; ++block) {
        const auto words = random_block(7, stream_kind::poisson_input, 1, 5, static_cast<std::uint64_t>(block));
        for (int k = 0; k < 4; ++k)
            EXPECT_EQ(words[static_cast<std::size_t>(k)], seq[static_cast<std::size_t>(block * 4 + k)]);
    }
}

// The sixteen-lane Philox gives random_block's bits for every lane: seeds with both key words set,
// gids above 2^32 (their high byte shares a counter word with kind and index), counters above 2^32.
TEST(random_stream, sixteen_lanes_give_the_blocks_of_sixteen_streams) {
    std::uint64_t gids[random_lanes::lanes];
    random_lanes out;
    int compared = 0;
    for (const std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{0xDEADBEEF12345678}})
        for (const std::uint64_t counter : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{5} << 33})
            for (const std::uint32_t index : {0u, 3u, 0x1ABCDu}) {
                for (std::size_t l = 0; l < random_lanes::lanes; ++l)
                    gids[l] = l * 977 + (l % 3 == 0 ? (std::uint64_t{l} << 35) : 0);
                random_blocks(seed, stream_kind::poisson_input, index, gids, counter, out);
                for (std::size_t l = 0; l < random_lanes::lanes; ++l) {
                    const auto block = random_block(seed, stream_kind::poisson_input, index, gids[l], counter);
                    for (std::size_t w = 0; w < 4; ++w) {
                        ASSERT_EQ(out.word[w][l], block[w])
                            << "seed " << seed << " counter " << counter << " lane " << l << " word " << w;
                        ++compared;
                    }
                }
            }
    EXPECT_EQ(compared, 2 * 3 * 3 * 16 * 4);
}

// A run of sixteen consecutive blocks of one stream, also across the carry into the counter's high word.
TEST(random_stream, a_run_gives_sixteen_consecutive_blocks) {
    random_lanes out;
    for (const std::uint64_t counter : {std::uint64_t{0}, std::uint64_t{0xFFFFFFF8}, std::uint64_t{5} << 33}) {
        random_run(0xDEADBEEF12345678, stream_kind::connectivity, 3, (std::uint64_t{7} << 35) | 977, counter, out);
        for (std::size_t l = 0; l < random_lanes::lanes; ++l) {
            const auto block = random_block(0xDEADBEEF12345678, stream_kind::connectivity, 3,
                                            (std::uint64_t{7} << 35) | 977, counter + l);
            for (std::size_t w = 0; w < 4; ++w) ASSERT_EQ(out.word[w][l], block[w]) << counter << " lane " << l;
        }
    }
}

// below_many returns what as many calls of below return and leaves the stream where they leave it,
// from any word of a block, for counts ending anywhere in a run, and when rejections consume more
// words (n just above 2^63 rejects about half the draws).
TEST(random_stream, below_many_is_below_called_many_times) {
    int compared = 0;
    for (const std::uint64_t n : {std::uint64_t{1}, std::uint64_t{4499}, (std::uint64_t{1} << 63) + 1})
        for (int skip = 0; skip < 6; ++skip)
            for (const std::uint64_t count : {0, 1, 7, 8, 31, 32, 33, 100, 1000}) {
                random_stream a(9, stream_kind::connectivity, 2, 1234), b = a;
                for (int i = 0; i < skip; ++i) ASSERT_EQ(a(), b());
                std::vector<std::uint64_t> bulk = {42};
                a.below_many(n, count, bulk);
                ASSERT_EQ(bulk.size(), count + 1);
                for (std::uint64_t i = 0; i < count; ++i) ASSERT_EQ(bulk[i + 1], b.below(n)) << n << " " << i;
                for (int i = 0; i < 9; ++i) ASSERT_EQ(a(), b()) << "n " << n << " skip " << skip << " count " << count;
                ++compared;
            }
    EXPECT_EQ(compared, 3 * 6 * 9);
}

TEST(random_stream, different_keys_give_uncorrelated_streams) {
    // Streams differing in one key component each: their uniforms are uncorrelated (|r| < 5/sqrt(n)).
    const int n = 20000;
    random_stream base(1, stream_kind::connectivity, 0, 0);
    std::vector<random_stream> others = {
        random_stream(2, stream_kind::connectivity, 0, 0), random_stream(1, stream_kind::poisson_input, 0, 0),
        random_stream(1, stream_kind::connectivity, 1, 0), random_stream(1, stream_kind::connectivity, 0, 1),
        random_stream(1, stream_kind::connectivity, 0, std::uint64_t{1} << 33)};
    std::vector<double> x(n);
    for (auto& v : x) v = base.uniform();
    for (auto& o : others) {
        double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; ++i) {
            const double y = o.uniform();
            sx += x[i];
            sy += y;
            sxy += x[i] * y;
            sxx += x[i] * x[i];
            syy += y * y;
        }
        const double r = (sxy - sx * sy / n) / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
        EXPECT_LT(std::abs(r), 5.0 / std::sqrt(n));
    }
}

TEST(random_stream, uniform_and_normal_moments) {
    random_stream rng(9, stream_kind::initial_state, 0, 0);
    const int n = 200000;
    double su = 0, sn = 0, snn = 0;
    for (int i = 0; i < n; ++i) {
        const double u = rng.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        su += u;
        const double z = rng.normal();
        sn += z;
        snn += z * z;
    }
    EXPECT_NEAR(su / n, 0.5, 0.005);
    EXPECT_NEAR(sn / n, 0.0, 0.01);
    EXPECT_NEAR(snn / n, 1.0, 0.02);
}

TEST(random_stream, below_is_uniform_over_its_range) {
    random_stream rng(3, stream_kind::connectivity, 0, 0);
    std::vector<int> counts(7, 0);
    const int n = 70000;
    for (int i = 0; i < n; ++i) ++counts[rng.below(7)];
    for (const int c : counts) EXPECT_NEAR(c, n / 7, 5 * std::sqrt(n / 7.0));
}

TEST(poisson_table, mean_and_variance_match_lambda) {
    // 1000 and 5000: beyond exp(-λ)'s range (about 745), where the table is built in log space.
    for (const double lambda : {0.0, 0.03, 2.0, 25.0, 1000.0, 5000.0}) {
        poisson_table table(lambda);
        random_stream rng(5, stream_kind::poisson_input, 0, 0);
        const int n = 200000;
        double s = 0, ss = 0;
        for (int i = 0; i < n; ++i) {
            const double k = table.sample(rng());
            s += k;
            ss += k * k;
        }
        const double mean = s / n, var = ss / n - mean * mean;
        EXPECT_NEAR(mean, lambda, 5 * std::sqrt(lambda / n) + 1e-12) << lambda;
        EXPECT_NEAR(var, lambda, 0.03 * lambda + 1e-12) << lambda;
    }
}
