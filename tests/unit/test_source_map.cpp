// network::source_map: a rank's source gids and the range of row words of each, in its three forms.
#include "synorm/network/source_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace {

using synorm::network::source_map;
using form = source_map::form;

// The map of `rows` (gid → row words) in form f, with every gid's range checked against a count from 0.
source_map make(const std::map<std::uint64_t, std::uint32_t>& rows, form f, bool wide = false) {
    source_map::plan p;
    for (const auto& [gid, n] : rows) {
        if (p.distinct == 0) p.first = gid;
        p.last = gid;
        ++p.distinct;
        p.entries += n;
        p.most = std::max<std::uint64_t>(p.most, n);
    }
    source_map m;
    m.start(p, f, wide);
    for (const auto& [gid, n] : rows) m.add(gid, n);
    m.finish();
    return m;
}

// Every gid of [lo, hi) is found exactly where `rows` puts it, or not found; for_each lists them all.
void expect_finds(const source_map& m, const std::map<std::uint64_t, std::uint32_t>& rows, std::uint64_t lo,
                  std::uint64_t hi) {
    std::map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> want;
    std::uint32_t e = 0;
    for (const auto& [gid, n] : rows) {
        want[gid] = {e, e + n};
        e += n;
    }
    for (std::uint64_t g = lo; g < hi; ++g) {
        std::uint32_t first = 0, end = 0;
        const bool found = m.find(g, &first, &end);
        const auto it = want.find(g);
        ASSERT_EQ(found, it != want.end()) << "gid " << g;
        if (found) EXPECT_EQ(std::make_pair(first, end), it->second) << "gid " << g;
        else
            EXPECT_EQ(first, source_map::none);
    }
    std::map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> listed;
    m.for_each([&](std::uint64_t gid, std::uint32_t first, std::uint32_t end) { listed[gid] = {first, end}; });
    EXPECT_EQ(listed, want);
    EXPECT_EQ(m.size(), rows.size());
    EXPECT_EQ(m.entries(), e);
}

// Sources at every gid but some, with 1 to 9 rows each: what a rank of many ranks holds.
std::map<std::uint64_t, std::uint32_t> some_sources(std::uint64_t first, std::uint64_t span, std::uint32_t most) {
    std::map<std::uint64_t, std::uint32_t> rows;
    for (std::uint64_t g = first; g < first + span; ++g)
        if ((g * 2654435761u) % 7 < 4) rows[g] = 1 + static_cast<std::uint32_t>((g * 40503u) % most);
    return rows;
}

TEST(source_map, every_form_finds_the_same_rows) {
    const auto rows = some_sources(1000, 700, 9);
    for (const form f : {form::sparse, form::dense_begin, form::dense_counts, form::dense_nibbles}) {
        SCOPED_TRACE(static_cast<int>(f));
        expect_finds(make(rows, f), rows, 0, 2000);
    }
    expect_finds(make(rows, form::sparse, true), rows, 0, 2000);
}

TEST(source_map, empty_finds_nothing) {
    const std::map<std::uint64_t, std::uint32_t> none;
    for (const form f : {form::sparse, form::dense_begin, form::dense_counts, form::dense_nibbles}) {
        const source_map m = make(none, f);
        std::uint32_t first = 0, end = 0;
        EXPECT_FALSE(m.find(0, &first, &end));
        EXPECT_FALSE(m.find(~std::uint64_t{0}, &first, &end));
        EXPECT_EQ(m.size(), 0u);
    }
    EXPECT_EQ(source_map::choose({}), form::sparse);
}

// Gids at the edges of the 64-gid words, a first gid inside a word, a gid just below the first and
// just past the last, and counts summed across more than eight (and across a whole word) of them.
TEST(source_map, word_boundaries_and_long_sums) {
    std::map<std::uint64_t, std::uint32_t> rows;
    for (std::uint64_t g = 61; g < 61 + 200; ++g) rows[g] = 1 + static_cast<std::uint32_t>(g % 255);
    rows[1000] = 255;  // the most a count holds
    for (const form f : {form::sparse, form::dense_begin, form::dense_counts})
        expect_finds(make(rows, f), rows, 0, 1100);
    // Nibbles: sums from an odd and an even source, over sixteen at a time and beyond.
    for (auto& [gid, n] : rows) n = 1 + static_cast<std::uint32_t>(gid % 15);
    for (std::uint64_t g = 130; g < 140; ++g) rows.erase(g);
    expect_finds(make(rows, form::dense_nibbles), rows, 0, 1100);
}

// The forms chosen: dense counts for sources of few rows over a range a few times their number, in
// 4 bits while no source has 16 rows; dense with 4 B starts when a source has 256 rows or more, or 16
// on average; sparse when the sources are scattered (a range more than 21 times their number) or span
// 2^32 gids.
TEST(source_map, the_form_follows_the_sources) {
    auto rows = some_sources(0, 5000, 3);
    source_map::plan p{0, 4999, rows.size(), 0, 3};
    for (const auto& r : rows) p.entries += r.second;
    EXPECT_EQ(source_map::choose(p), form::dense_nibbles);
    p.most = 16;
    EXPECT_EQ(source_map::choose(p), form::dense_counts);
    p.most = 256;  // the escape: a count that a byte cannot hold
    EXPECT_EQ(source_map::choose(p), form::dense_begin);
    p.most = 40;
    p.entries = 16 * p.distinct;
    EXPECT_EQ(source_map::choose(p), form::dense_begin);
    p.last = 22 * 64 * p.distinct;
    EXPECT_EQ(source_map::choose(p), form::sparse);
    std::map<std::uint64_t, std::uint32_t> far{{5, 1}, {(std::uint64_t{1} << 33) + 7, 2}};
    expect_finds(make(far, form::sparse), far, 0, 10);
    std::uint32_t first = 0, end = 0;
    EXPECT_TRUE(make(far, form::sparse).find((std::uint64_t{1} << 33) + 7, &first, &end));
    EXPECT_EQ(std::make_pair(first, end), std::make_pair(1u, 3u));
}

// What the dense form costs: at 4096 ranks × 8 threads of the full microcircuit a rank holds rows of
// about three in five gids, one or two each: 4 bits per source and 2 bits per gid of the range (1 B
// per source in bytes), against 8 B per source in the sparse form.
TEST(source_map, dense_counts_cost_about_a_byte_per_source) {
    const auto rows = some_sources(0, 77'169, 2);
    const source_map dense = make(rows, form::dense_nibbles), sparse = make(rows, form::sparse);
    const double per_source = static_cast<double>(dense.bytes()) / static_cast<double>(rows.size());
    std::printf("source map: %.2f B per source dense, %.2f in bytes, %.2f sparse\n", per_source,
                static_cast<double>(make(rows, form::dense_counts).bytes()) / static_cast<double>(rows.size()),
                static_cast<double>(sparse.bytes()) / static_cast<double>(rows.size()));
    EXPECT_LT(per_source, 1.0) << "in bytes: 1.4 B";
    EXPECT_GT(static_cast<double>(sparse.bytes()) / static_cast<double>(rows.size()), 7.9);
}

}  // namespace
