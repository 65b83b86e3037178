// Sixteen-lane vectors (GCC vector extensions) for the neuron kernels, and helpers that read the same
// for a vector and for a scalar, so that one kernel body serves the vector loop and its remainder.
// No operation here contracts or reassociates: a lane computes bit for bit what the scalar code
// computes, which keeps results independent of where a neuron sits in a block (src/README.md decision 5).
#pragma once

#include <cstdint>
#include <cstring>

// Put before a hot kernel: the versions of it that GCC's function multi-versioning makes, one of which
// the dynamic loader picks for the CPU, so that the default build needs no -march=native (src/README.md,
// Performance notes).
// On x86-64: AVX-512 (x86-64-v4, one instruction per sixteen lanes), AVX2 (two) and the baseline
// (SSE2). Elsewhere the baseline alone, since GCC 12 makes no clones there and AArch64's baseline
// already has 128-bit vectors (Advanced SIMD). Every version computes the same bits: the build turns
// off floating-point contraction (-ffp-contract=off, CMakeLists.txt), which GCC would otherwise apply
// where the ISA has fused multiply-add (x86's AVX2 and AVX-512 clones, every AArch64 CPU). The aarch64
// test tier (tests/arch/) shows it: an ARM build ends with the x86 build's spikes and potentials, bit for bit.
#if defined(__x86_64__)
#define SYNORM_SIMD_CLONES [[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]]
#else
#define SYNORM_SIMD_CLONES
#endif

namespace synorm::model::simd {

using vfloat = float __attribute__((vector_size(64)));
using vint = std::int32_t __attribute__((vector_size(64)));
inline constexpr std::size_t lanes = 16;

// Loads and stores take pointers to the element type (float or int32) at any offset and copy
// through memcpy, so no pointer to the 64-byte-aligned vector type is ever formed: reading sixteen
// lanes from an arbitrary position in a block is defined, and compiles to unaligned moves.
template <class V, class E>
[[gnu::always_inline]] inline V load(const E* p) {
    static_assert(sizeof(V) % sizeof(E) == 0);
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V, class E>
[[gnu::always_inline]] inline void store(E* p, V v) {
    static_assert(sizeof(V) % sizeof(E) == 0);
    std::memcpy(p, &v, sizeof v);
}

// The integer type matching a float type: int32 lanes for vfloat.
template <class F>
struct int_of {
    using type = std::int32_t;
};
template <>
struct int_of<vfloat> {
    using type = vint;
};

[[gnu::always_inline]] inline std::int32_t to_int(float x) { return static_cast<std::int32_t>(x); }
[[gnu::always_inline]] inline vint to_int(vfloat x) { return __builtin_convertvector(x, vint); }
[[gnu::always_inline]] inline float bits_to_float(std::int32_t x) {
    float f;
    std::memcpy(&f, &x, sizeof f);
    return f;
}
[[gnu::always_inline]] inline vfloat bits_to_float(vint x) { return __builtin_bit_cast(vfloat, x); }

// Whether any lane of a comparison result (0 or −1 per lane) is set.
[[gnu::always_inline]] inline bool any(vint mask) {
    const auto m = __builtin_bit_cast(std::uint64_t __attribute__((vector_size(64))), mask);
    return ((m[0] | m[1]) | (m[2] | m[3]) | (m[4] | m[5]) | (m[6] | m[7])) != 0;
}

}  // namespace synorm::model::simd
