// The distinct source gids of a rank's synapse rows, each with the range of its row words in a list
// sorted by source (the engine's source index, src/engine/engine_state.hpp): a received spike's gid
// gives its rows in O(1) or O(log) time, in memory that follows the sources, never the network.
//
// Three forms, chosen at build from the sources' density and rows per source (src/README.md
// decision 3 has the figures):
//  - sparse: the gids (offsets from the first, 4 B, or 8 B when they span 2^32 gids) and each one's
//    first row word (4 B); a binary search. For sources scattered over a range far larger than
//    their number.
//  - dense: a bit per gid of the sources' range, and per 64 of them the sources before (4 B): a
//    gid's place is one popcount. Each source's first row word either as 4 B (many rows per source:
//    one rank) or as its count of rows in 1 B, or in 4 bits where no source has 16 rows, with per 64
//    gids the first row word of their sources (4 B): the rows before a source in its 64 gids are
//    summed eight (sixteen) counts at a time. At 4096 ranks × 8 threads of the full microcircuit,
//    where a source has one or two rows, that is about 0.9 B per source where the sparse form takes 8.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace synorm::network {

class source_map {
public:
    enum class form : std::uint8_t { sparse, dense_begin, dense_counts, dense_nibbles };
    static constexpr std::uint32_t none = ~0u;

    // A counting pass's figures: the first and last gid, the distinct gids, the row words in all, and
    // the most row words of one gid.
    struct plan {
        std::uint64_t first = 0, last = 0, distinct = 0, entries = 0, most = 0;
    };
    // The form the map takes for `p`: dense when a bit and a 32-bit count per 64 gids of the range cost
    // no more than a 4 B gid per source (the range at most 21 times the sources); counts when every
    // source has fewer than 256 rows and they have fewer than 16 on average (else a 4 B first row
    // costs at most 0.25 B per row); nibbles when every source has fewer than 16.
    static form choose(const plan& p) {
        if (p.distinct == 0) return form::sparse;
        const std::uint64_t range = p.last - p.first + 1;
        if (range / 64 * 12 > p.distinct * 4) return form::sparse;
        if (p.entries >= 16 * p.distinct || p.most >= 256) return form::dense_begin;
        return p.most < 16 ? form::dense_nibbles : form::dense_counts;
    }

    // Starts a map for the sources of `p` in form `f` (every array reserved at its size); then add()
    // each source, gids ascending, and finish(). `wide`: 8 B gids in the sparse form even where 4 B
    // would do (for tests).
    void start(const plan& p, form f, bool wide = false) {
        *this = source_map{};
        form_ = f;
        base_ = p.first;
        if (p.entries > UINT32_MAX) throw std::length_error("a source map counts its row words in 32 bits");
        if (f == form::sparse) {
            if (wide || p.last - p.first > UINT32_MAX) gid64_.reserve(p.distinct);
            else
                gid32_.reserve(p.distinct);
        } else {
            const std::uint64_t words = p.distinct == 0 ? 0 : (p.last - p.first) / 64 + 1;
            present_.assign(words, 0);
            before_.assign(words + 1, 0);
            if (counted()) {
                word_begin_.assign(words + 1, 0);
                counts_.reserve(f == form::dense_counts ? p.distinct : (p.distinct + 1) / 2);  // nibbles: two a byte
            }
        }
        if (!counted()) begin_.reserve(p.distinct + 1);
    }
    // The next source, above the last one added, with `rows` (≥ 1) row words.
    void add(std::uint64_t gid, std::uint32_t rows) {
        const std::uint64_t at = gid - base_;
        if (form_ == form::sparse) {
            if (gid64_.capacity() > 0) gid64_.push_back(at);
            else
                gid32_.push_back(static_cast<std::uint32_t>(at));
        } else {
            const std::uint64_t w = at / 64;
            present_[w] |= std::uint64_t{1} << (at % 64);
            ++before_[w + 1];
            if (form_ == form::dense_counts) counts_.push_back(static_cast<std::uint8_t>(rows));
            if (form_ == form::dense_nibbles) {
                if (size_ % 2 == 0) counts_.push_back(static_cast<std::uint8_t>(rows));
                else
                    counts_.back() |= static_cast<std::uint8_t>(rows << 4);
            }
            if (counted()) word_begin_[w + 1] += rows;
        }
        if (!counted()) begin_.push_back(entries_);
        entries_ += rows;
        ++size_;
    }
    void finish() {
        for (std::size_t w = 1; w < before_.size(); ++w) before_[w] += before_[w - 1];
        for (std::size_t w = 1; w < word_begin_.size(); ++w) word_begin_[w] += word_begin_[w - 1];
        if (!counted()) begin_.push_back(entries_);
    }

    form kind() const { return form_; }
    std::uint64_t size() const { return size_; }  // distinct sources
    std::uint64_t entries() const { return entries_; }

    // The row words [*first, *end) of `gid`; false (and none) when no row has it as its source.
    bool find(std::uint64_t gid, std::uint32_t* first, std::uint32_t* end) const {
        const std::uint64_t at = gid - base_;  // wraps for gids below: then beyond every offset
        *first = *end = none;
        std::uint64_t k = 0;
        if (form_ == form::sparse) {
            if (!gid64_.empty()) {
                const auto it = lower_bound(gid64_, at);
                if (it == gid64_.size() || gid64_[it] != at) return false;
                k = it;
            } else {
                if (at > UINT32_MAX) return false;
                const auto it = lower_bound(gid32_, static_cast<std::uint32_t>(at));
                if (it == gid32_.size() || gid32_[it] != at) return false;
                k = it;
            }
            *first = begin_[k];
            *end = begin_[k + 1];
            return true;
        }
        const std::uint64_t w = at / 64;
        if (w >= present_.size()) return false;
        const std::uint64_t bits = present_[w], below = bits & ((std::uint64_t{1} << (at % 64)) - 1);
        if (!((bits >> (at % 64)) & 1)) return false;
        k = before_[w] + static_cast<std::uint64_t>(std::popcount(below));
        if (form_ == form::dense_begin) {
            *first = begin_[k];
            *end = begin_[k + 1];
            return true;
        }
        *first = static_cast<std::uint32_t>(word_begin_[w] + sum_counts(before_[w], k));
        *end = *first + count(k);
        return true;
    }
    // Every source in ascending order, as visit(gid, first row word, end).
    template <class Visit>
    void for_each(Visit&& visit) const {
        if (form_ == form::sparse) {
            for (std::uint64_t k = 0; k < size_; ++k)
                visit(base_ + (gid64_.empty() ? gid32_[k] : gid64_[k]), begin_[k], begin_[k + 1]);
            return;
        }
        std::uint64_t k = 0;
        std::uint32_t e = 0;
        for (std::uint64_t w = 0; w < present_.size(); ++w)
            for (std::uint64_t bits = present_[w]; bits != 0; bits &= bits - 1, ++k) {
                const std::uint64_t gid = base_ + w * 64 + static_cast<std::uint64_t>(std::countr_zero(bits));
                const std::uint32_t n = counted() ? count(k) : begin_[k + 1] - begin_[k];
                visit(gid, e, e + n);
                e += n;
            }
    }
    std::uint64_t bytes() const {
        return gid32_.capacity() * 4 + gid64_.capacity() * 8 + begin_.capacity() * 4 + present_.capacity() * 8 +
               before_.capacity() * 4 + word_begin_.capacity() * 4 + counts_.capacity();
    }

private:
    template <class V, class T>
    static std::uint64_t lower_bound(const V& v, T value) {
        std::uint64_t lo = 0, hi = v.size();
        while (lo < hi) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            if (v[mid] < value) lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    bool counted() const { return form_ == form::dense_counts || form_ == form::dense_nibbles; }
    std::uint32_t count(std::uint64_t k) const {
        if (form_ == form::dense_counts) return counts_[k];
        return (counts_[k / 2] >> (k % 2 * 4)) & 0xF;
    }
    // The counts [from, to): at most 63 of them, eight bytes at a time in 16-bit lanes (nibbles first
    // added in pairs into bytes).
    std::uint64_t sum_counts(std::uint64_t from, std::uint64_t to) const {
        std::uint64_t sum = 0;
        if (form_ == form::dense_nibbles) {
            if (from % 2 == 1 && from < to) sum += count(from++);
            for (; from + 16 <= to; from += 16) {
                std::uint64_t x;
                std::memcpy(&x, counts_.data() + from / 2, 8);
                x = (x & 0x0F0F0F0F0F0F0F0Full) + ((x >> 4) & 0x0F0F0F0F0F0F0F0Full);
                x = (x & 0x00FF00FF00FF00FFull) + ((x >> 8) & 0x00FF00FF00FF00FFull);
                sum += (x * 0x0001000100010001ull) >> 48;
            }
            for (; from < to; ++from) sum += count(from);
            return sum;
        }
        for (; from + 8 <= to; from += 8) {
            std::uint64_t x;
            std::memcpy(&x, counts_.data() + from, 8);
            x = (x & 0x00FF00FF00FF00FFull) + ((x >> 8) & 0x00FF00FF00FF00FFull);
            sum += (x * 0x0001000100010001ull) >> 48;
        }
        for (; from < to; ++from) sum += counts_[from];
        return sum;
    }

    form form_ = form::sparse;
    std::uint64_t base_ = 0;                 // the first source gid
    std::uint64_t size_ = 0;                 // distinct sources
    std::uint32_t entries_ = 0;              // row words so far
    std::vector<std::uint32_t> gid32_;       // sparse: by source, gid − base, ascending
    std::vector<std::uint64_t> gid64_;       // sparse, when the gids span 2^32 or more
    std::vector<std::uint32_t> begin_;       // sparse, dense_begin: by source, plus the end: its first row word
    std::vector<std::uint64_t> present_;     // dense: by 64 gids from base, a bit per source
    std::vector<std::uint32_t> before_;      // dense: by 64 gids, plus the end: the sources before them
    std::vector<std::uint32_t> word_begin_;  // dense counts: by 64 gids, plus the end: their first row word
    // by source, its row words: dense_counts 1 to 255 a byte; dense_nibbles 1 to 15 in 4 bits, the
    // even sources' in the low ones
    std::vector<std::uint8_t> counts_;
};

}  // namespace synorm::network
