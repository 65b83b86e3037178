#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "synorm/engine/weight_histogram.hpp"
#include "synorm/model/simd.hpp"

namespace synorm::engine {

namespace {

// Every weight finite: blocks of 256, each quantity in its own simple loop so that it runs in vector
// lanes; the bins counted into four histograms in turn, since many weights share a bin (the bounds)
// and one counter would make every increment wait for the previous one.
SYNORM_SIMD_CLONES
void add_finite(const float* w, std::size_t n, double scale, double unit, float w_min, float w_max,
                std::int64_t* sums) {
    constexpr std::size_t block = 256;
    constexpr double bins = static_cast<double>(weight_bins);
    const double lo = w_min, range = static_cast<double>(w_max) - lo;
    std::int32_t bin[block];
    std::array<std::array<std::int32_t, weight_bins>, 4> counts{};
    std::int64_t s0 = 0, s1 = 0, at_min = 0, at_max = 0;
    for (std::size_t k0 = 0; k0 < n; k0 += block) {
        const std::size_t m = std::min(block, n - k0);
        const float* const v = w + k0;
        for (std::size_t k = 0; k < m; ++k) {
            const double r =
                std::fabs(static_cast<double>(v[k])) * scale;  // in [0, 1]: the conversions cannot overflow
            const double a = r * unit;
            const auto t = static_cast<std::int64_t>(a);
            s0 += t + ((a - static_cast<double>(t)) >= 0.5 ? 1 : 0);  // round_to_integer for a ≥ 0
        }
        for (std::size_t k = 0; k < m; ++k) {
            const double r = std::fabs(static_cast<double>(v[k])) * scale;
            const double b = r * r * unit;
            const auto t = static_cast<std::int64_t>(b);
            s1 += t + ((b - static_cast<double>(t)) >= 0.5 ? 1 : 0);
        }
        for (std::size_t k = 0; k < m; ++k) {
            at_min += v[k] <= w_min ? 1 : 0;
            at_max += v[k] >= w_max ? 1 : 0;
        }
        for (std::size_t k = 0; k < m; ++k) {  // weight_bin
            const double x = (static_cast<double>(v[k]) - lo) / range * bins;
            bin[k] = static_cast<std::int32_t>(x > 0.0 ? std::min(x, bins - 1.0) : 0.0);
        }
        for (std::size_t k = 0; k < m; ++k) ++counts[k & 3][static_cast<std::size_t>(bin[k])];
    }
    for (std::size_t b = 0; b < weight_bins; ++b)
        sums[5 + b] += std::int64_t{counts[0][b]} + counts[1][b] + counts[2][b] + counts[3][b];
    sums[0] += s0;
    sums[1] += s1;
    sums[3] += at_min;
    sums[4] += at_max;
}

}  // namespace

std::int64_t add_weight_statistics(const float* w, std::size_t n, double scale, double unit, float w_min, float w_max,
                                   std::int64_t* sums) {
    std::int64_t non_finite = 0;
    for (std::size_t k = 0; k < n; ++k) non_finite += std::fabs(w[k]) <= std::numeric_limits<float>::max() ? 0 : 1;
    if (non_finite == 0) {
        add_finite(w, n, scale, unit, w_min, w_max, sums);
        return 0;
    }
    // A run going wrong (the health check stops it): the same sums over the finite weights, one by one.
    for (std::size_t k = 0; k < n; ++k) {
        if (!(std::fabs(w[k]) <= std::numeric_limits<float>::max())) continue;
        const double r = std::fabs(static_cast<double>(w[k])) * scale;
        sums[0] += round_to_integer(r * unit);
        sums[1] += round_to_integer(r * r * unit);
        sums[3] += w[k] <= w_min;
        sums[4] += w[k] >= w_max;
        ++sums[5 + weight_bin(w[k], w_min, w_max)];
    }
    return non_finite;
}

}  // namespace synorm::engine
