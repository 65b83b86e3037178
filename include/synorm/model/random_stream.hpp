// Counter-based random streams (Random123 Philox4x32-10), keyed so that every number a run draws is
// a function of (seed, purpose, index, gid, counter) alone — never of the rank or thread that draws
// it. This is what makes results independent of the decomposition (src/README.md decision 5).
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace synorm::model {

enum class stream_kind : std::uint32_t {
    connectivity = 1,     // index: projection; gid: the postsynaptic neuron
    poisson_input = 2,    // index: input; gid: the receiving neuron; counter: step / 4
    initial_state = 3,    // index: population; gid: the neuron
    multinomial = 4,      // index: projection; gid: a node of the split tree (the same on every rank)
    poisson_source = 5,   // index: population; gid: the source neuron; counter: step / 4
    pattern_input = 6,    // index: pattern; gid: the receiving neuron; counter: step / 4
    pattern_cue = 7,      // index: pattern; gid: the receiving neuron; counter: step / 4 (recall probes)
    pattern_jitter = 8,   // index: pattern; gid: the receiving neuron; counter: presentation
    pattern_group = 9,    // index: pattern; gid: 0 (the group's random draw)
    dry_run_remote = 10,  // index: population; gid: the step (a dry run's modelled remote spikes)
};

// One block of four 32-bit words: the `counter`-th block of the stream (seed, kind, index, gid).
inline std::array<std::uint32_t, 4> random_block(std::uint64_t seed, stream_kind kind, std::uint32_t index,
                                                 std::uint64_t gid, std::uint64_t counter) {
    using philox = r123::Philox4x32;
    const philox::key_type key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    // gid < 2^40: its high 8 bits share a word with 8 bits of kind and 16 bits of index.
    const philox::ctr_type ctr = {{static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                                   static_cast<std::uint32_t>(gid),
                                   (static_cast<std::uint32_t>(kind) << 24) | ((index & 0xFFFFu) << 8) |
                                       static_cast<std::uint32_t>((gid >> 32) & 0xFFu)}};
    const auto r = philox{}(ctr, key);
    return {r[0], r[1], r[2], r[3]};
}

// Block `counter` of sixteen streams at once, (seed, kind, index, gids[l]) for lane l < 16: word w of
// lane l in word[w][l], the same bits as random_block (src/model/random_lanes.cpp computes the
// sixteen in vector lanes: Poisson input draws one block per neuron and four steps).
struct random_lanes {
    static constexpr std::size_t lanes = 16;
    std::uint32_t word[4][lanes];
};
void random_blocks(std::uint64_t seed, stream_kind kind, std::uint32_t index,
                   const std::uint64_t (&gids)[random_lanes::lanes], std::uint64_t counter, random_lanes& out);

// Blocks counter, counter + 1, …, counter + 15 of one stream (seed, kind, index, gid): block
// counter + l in lane l, the same bits as random_block (connectivity draws a run of blocks per neuron).
void random_run(std::uint64_t seed, stream_kind kind, std::uint32_t index, std::uint64_t gid, std::uint64_t counter,
                random_lanes& out);

// A sequential view of one stream: blocks 0, 1, 2, … consumed word by word.
class random_stream {
public:
    using result_type = std::uint32_t;

    random_stream(std::uint64_t seed, stream_kind kind, std::uint32_t index, std::uint64_t gid)
        : seed_(seed), gid_(gid), index_(index), kind_(kind) {}

    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

    result_type operator()() {
        if (used_ == 4) {
            block_ = random_block(seed_, kind_, index_, gid_, counter_++);
            used_ = 0;
        }
        return block_[used_++];
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() {
        const std::uint64_t hi = (*this)() >> 5, lo = (*this)() >> 6;  // 27 + 26 bits
        return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;
    }
    // Uniform in (0, 1): safe for log().
    double uniform_positive() {
        double u;
        do {
            u = uniform();
        } while (u == 0.0);
        return u;
    }
    // Unbiased integer in [0, n), n ≥ 1 (Lemire's method on 64 bits).
    std::uint64_t below(std::uint64_t n) {
        return lemire_below(n, [this] { return (*this)(); });
    }
    // Lemire's method over any source of 32-bit words (two per 64-bit draw, high word first): below()
    // draws from the stream, below_many() from sixteen blocks at a time, and both take the same words.
    template <class Words>
    static std::uint64_t lemire_below(std::uint64_t n, Words&& word) {
        const auto draw64 = [&word] {
            const std::uint64_t hi = word();
            return (hi << 32) | word();
        };
        unsigned __int128 m = static_cast<unsigned __int128>(draw64()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<unsigned __int128>(draw64()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }
    // Appends `count` draws of below(n) to `out`: the numbers `count` calls return, and the stream left
    // where they leave it, with the blocks computed sixteen at a time (random_run).
    void below_many(std::uint64_t n, std::uint64_t count, std::vector<std::uint64_t>& out);
    // Standard normal (Box–Muller; one value per two uniforms, the second is discarded so that the
    // stream position does not depend on how many normals were asked for before).
    double normal() {
        const double u1 = uniform_positive(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
    }

private:
    std::uint64_t seed_, gid_;
    std::uint32_t index_;
    stream_kind kind_;
    std::uint64_t counter_ = 0;
    std::array<std::uint32_t, 4> block_{};
    int used_ = 4;
};

}  // namespace synorm::model
