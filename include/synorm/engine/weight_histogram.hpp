// The weight distribution of a plastic projection as the global reduction sees it: integer counts in
// fixed bins over [w_min, w_max], summed exactly across threads and ranks, so the quantiles read from
// them are the same bits on every decomposition (src/README.md decision 5). A quantile is exact up to one
// bin width, (w_max − w_min) / bins: it is interpolated linearly inside the bin where it falls.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace synorm::engine {

inline constexpr std::size_t weight_bins = 1000;

// std::llround for |v| < 2^62, inline: the reductions round millions of values per homeostasis
// period, and a library call for each shows in a profile. Exact: t = ⌊|v|⌋, and |v| − t is exact.
[[gnu::always_inline]] inline std::int64_t round_to_integer(double v) {
    const double a = std::fabs(v);
    if (!(a < 4.0e18)) return std::llround(v);  // huge or NaN: as the library does it
    std::int64_t t = static_cast<std::int64_t>(a);
    t += (a - static_cast<double>(t)) >= 0.5;
    return v < 0 ? -t : t;
}

// The bin of weight w in [lo, hi]: bins of width (hi − lo)/bins; values outside go to the end bins.
inline std::size_t weight_bin(float w, double lo, double hi, std::size_t bins = weight_bins) {
    const double x = (static_cast<double>(w) - lo) / (hi - lo) * static_cast<double>(bins);
    if (!(x > 0.0)) return 0;
    return std::min(bins - 1, static_cast<std::size_t>(x));
}

// One thread's part of a plastic projection's statistics in the global reduction, from its weights
// w[0, n): sums[0] += Σ round(r·unit) and sums[1] += Σ round(r²·unit) with r = |w|·scale (fixed point,
// so the total is the same in any order), sums[3] and sums[4] count the weights at or below w_min and
// at or above w_max, and sums[5 + b] the weights in histogram bin b over [w_min, w_max] (weight_bin).
// Weights that are not finite are left out and counted in the return value. Vectorised.
std::int64_t add_weight_statistics(const float* w, std::size_t n, double scale, double unit, float w_min, float w_max,
                                   std::int64_t* sums);

// The lowest bin edge lo + b·width above which at most a fraction `fraction` of the values counted
// lie (selective renormalization's spare threshold); +inf when even the top bin holds more.
inline double spare_threshold(const std::int64_t* counts, std::size_t bins, double lo, double hi, double fraction) {
    std::int64_t total = 0;
    for (std::size_t b = 0; b < bins; ++b) total += counts[b];
    const double allowed = fraction * static_cast<double>(total), width = (hi - lo) / static_cast<double>(bins);
    std::int64_t above = 0;
    std::size_t edge = bins;
    while (edge > 0 && static_cast<double>(above + counts[edge - 1]) <= allowed) above += counts[--edge];
    return edge == bins ? std::numeric_limits<double>::infinity() : lo + static_cast<double>(edge) * width;
}

// The q-quantile (0 ≤ q ≤ 1) of the values counted in `counts` (bins equal bins over [lo, hi]): the
// first bin whose cumulative count reaches q·N, and within it the fraction of its count still needed.
// NaN when the histogram is empty.
inline double histogram_quantile(const std::int64_t* counts, std::size_t bins, double lo, double hi, double q) {
    std::int64_t total = 0;
    for (std::size_t b = 0; b < bins; ++b) total += counts[b];
    if (total == 0) return std::numeric_limits<double>::quiet_NaN();
    const double need = q * static_cast<double>(total), width = (hi - lo) / static_cast<double>(bins);
    std::int64_t below = 0;
    for (std::size_t b = 0; b < bins; ++b) {
        if (counts[b] > 0 && static_cast<double>(below + counts[b]) >= need) {
            const double inside =
                std::clamp((need - static_cast<double>(below)) / static_cast<double>(counts[b]), 0.0, 1.0);
            return lo + (static_cast<double>(b) + inside) * width;
        }
        below += counts[b];
    }
    return hi;
}

}  // namespace synorm::engine
