#include <cstring>

#include "synorm/model/random_stream.hpp"
#include "synorm/model/simd.hpp"

namespace synorm::model {

namespace {

using u32x16 = std::uint32_t __attribute__((vector_size(64)));
using u64x8 = std::uint64_t __attribute__((vector_size(64)));

// Philox's 32 × 32 → 64-bit product of m with each lane of x, split into high and low words: the
// even lanes and the odd lanes of x are multiplied as 64-bit lanes.
[[gnu::always_inline]] inline void mulhilo(std::uint32_t m, u32x16 x, u32x16& hi, u32x16& lo) {
    const u64x8 low = u64x8{} + 0xFFFFFFFFull, factor = u64x8{} + m;
    const u64x8 q = __builtin_bit_cast(u64x8, x);
    const u64x8 even = (q & low) * factor, odd = (q >> 32) * factor;
    lo = __builtin_bit_cast(u32x16, (even & low) | (odd << 32));
    hi = __builtin_bit_cast(u32x16, (even >> 32) | (odd & ~low));
}

}  // namespace

// Philox4x32-10 (Salmon et al. 2011, as Random123 computes it) on sixteen counters that differ in
// their third and fourth words; the tests compare it with r123::Philox4x32 word for word.
SYNORM_SIMD_CLONES
void random_blocks(std::uint64_t seed, stream_kind kind, std::uint32_t index,
                   const std::uint64_t (&gids)[random_lanes::lanes], std::uint64_t counter, random_lanes& out) {
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    std::uint32_t c2[random_lanes::lanes], c3[random_lanes::lanes];
    for (std::size_t l = 0; l < random_lanes::lanes; ++l) {  // the counter of random_block
        c2[l] = static_cast<std::uint32_t>(gids[l]);
        c3[l] = (static_cast<std::uint32_t>(kind) << 24) | ((index & 0xFFFFu) << 8) |
                static_cast<std::uint32_t>((gids[l] >> 32) & 0xFFu);
    }
    u32x16 x0 = u32x16{} + static_cast<std::uint32_t>(counter),
           x1 = u32x16{} + static_cast<std::uint32_t>(counter >> 32), x2, x3;
    std::memcpy(&x2, c2, sizeof x2);
    std::memcpy(&x3, c3, sizeof x3);
    for (int round = 0; round < 10; ++round) {
        u32x16 hi0, lo0, hi1, lo1;
        mulhilo(0xD2511F53u, x0, hi0, lo0);
        mulhilo(0xCD9E8D57u, x2, hi1, lo1);
        x0 = hi1 ^ x1 ^ k0;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ k1;
        x3 = lo0;
        k0 += 0x9E3779B9u;  // the key schedule (Weyl sequence)
        k1 += 0xBB67AE85u;
    }
    std::memcpy(out.word[0], &x0, sizeof x0);
    std::memcpy(out.word[1], &x1, sizeof x1);
    std::memcpy(out.word[2], &x2, sizeof x2);
    std::memcpy(out.word[3], &x3, sizeof x3);
}

}  // namespace synorm::model
