// The weight distribution of a plastic projection as the global reduction sees it: integer counts in
// fixed bins over [w_min, w_max], summed exactly across threads and ranks, so the quantiles read from
// them are the same bits on every decomposition (DESIGN.md decision 5). A quantile is exact up to one
// bin width, (w_max − w_min) / bins: it is interpolated linearly inside the bin where it falls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

namespace synorm::engine {

inline constexpr std::size_t weight_bins = 1000;

// The bin of weight w in [lo, hi]: bins of width (hi − lo)/bins; values outside go to the end bins.
inline std::size_t weight_bin(float w, double lo, double hi, std::size_t bins = weight_bins) {
    const double x = (static_cast<double>(w) - lo) / (hi - lo) * static_cast<double>(bins);
    if (!(x > 0.0)) return 0;
    return std::min(bins - 1, static_cast<std::size_t>(x));
}

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
            const double inside = std::clamp((need - static_cast<double>(below)) / static_cast<double>(counts[b]), 0.0, 1.0);
            return lo + (static_cast<double>(b) + inside) * width;
        }
        below += counts[b];
    }
    return hi;
}

}  // namespace synorm::engine
