#include <algorithm>
#include <cmath>
#include <limits>

#include "synorm/engine/weight_histogram.hpp"

namespace synorm::engine {

// Blocks of 256 weights: the sums and the bins of a block are computed in vector lanes, then the bins
// counted one by one. target_clones as the neuron kernels (src/model/lif.cpp); -ffp-contract=off
// keeps every clone's sums the same bits.
[[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]]
std::int64_t add_weight_statistics(const float* w, std::size_t n, double scale, double unit, float w_min, float w_max, std::int64_t* sums) {
    constexpr std::size_t block = 256;
    constexpr double bins = static_cast<double>(weight_bins);
    const double lo = w_min, range = static_cast<double>(w_max) - lo;
    std::int32_t bin[block];
    std::int64_t s0 = 0, s1 = 0, at_min = 0, at_max = 0, non_finite = 0;
    for (std::size_t k0 = 0; k0 < n; k0 += block) {
        const std::size_t m = std::min(block, n - k0);
        const float* const v = w + k0;
        for (std::size_t k = 0; k < m; ++k) {
            const bool finite = std::fabs(v[k]) <= std::numeric_limits<float>::max();
            const double r = finite ? std::fabs(static_cast<double>(v[k])) * scale : 0.0;  // in [0, 1]: no overflow below
            const double a = r * unit, b = r * r * unit;
            const auto ta = static_cast<std::int64_t>(a), tb = static_cast<std::int64_t>(b);
            s0 += ta + ((a - static_cast<double>(ta)) >= 0.5);  // round_to_integer for a ≥ 0
            s1 += tb + ((b - static_cast<double>(tb)) >= 0.5);
            at_min += finite && v[k] <= w_min;
            at_max += finite && v[k] >= w_max;
            non_finite += !finite;
            // weight_bin: bins below lo and at or above the top go to the end bins; -1 marks a value left out.
            const double x = finite ? (static_cast<double>(v[k]) - lo) / range * bins : 0.0;
            const double clamped = x > 0.0 ? std::min(x, bins - 1.0) : 0.0;
            bin[k] = finite ? static_cast<std::int32_t>(clamped) : -1;
        }
        for (std::size_t k = 0; k < m; ++k)
            if (bin[k] >= 0) ++sums[5 + bin[k]];
    }
    sums[0] += s0;
    sums[1] += s1;
    sums[3] += at_min;
    sums[4] += at_max;
    return non_finite;
}

}  // namespace synorm::engine
