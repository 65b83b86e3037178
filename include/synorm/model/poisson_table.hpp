// Poisson counts from one 32-bit uniform word by inverse transform over a precomputed CDF: the input
// generator draws one count per neuron and step, so a table lookup beats any rejection sampler.
// Resolution 2^-32: probabilities below that (the far tail) are cut off.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace synorm::model {

class poisson_table {
public:
    poisson_table() : threshold_{std::uint64_t{1} << 32} { guide_.fill(0); }
    explicit poisson_table(double lambda) {
        const double scale = 4294967296.0;  // 2^32
        // The last count the table holds: far beyond the mean for any λ (λ + 40 standard deviations).
        const double last = std::max(100000.0, lambda + 40.0 * std::sqrt(lambda) + 100.0);
        if (lambda < log_space_from) {
            double p = std::exp(-lambda), cdf = p;
            for (std::uint32_t k = 1; cdf * scale < scale - 0.5 && k < last; ++k) {
                threshold_.push_back(static_cast<std::uint64_t>(cdf * scale));
                p *= lambda / k;
                cdf += p;
            }
        } else {
            // exp(-λ) underflows to 0 from λ ≈ 745 (every count would then be drawn as the last):
            // each P(X = k) from its logarithm instead, -λ + k ln λ - ln k!.
            double cdf = std::exp(-lambda);
            for (std::uint32_t k = 1; cdf * scale < scale - 0.5 && k < last; ++k) {
                threshold_.push_back(static_cast<std::uint64_t>(cdf * scale));
                cdf += std::exp(-lambda + k * std::log(lambda) - std::lgamma(k + 1.0));
            }
        }
        threshold_.push_back(std::uint64_t{1} << 32);  // a sentinel every word is below
        // Guide table (Chen & Asau 1974): for each of 256 ranges of u, the smallest count any u in
        // it can map to, so a draw starts its search at most a step or two from its answer.
        for (std::uint64_t g = 0; g < guide_.size(); ++g) {
            std::uint32_t k = 0;
            while ((g << 24) >= threshold_[k]) ++k;
            guide_[g] = k;
        }
    }
    // Words below this draw a count of 0 (2^32 · P(X = 0); 2^32 when no count can be drawn).
    std::uint64_t zero_below() const { return threshold_[0]; }
    // The count k for uniform word u: the smallest k with u < 2^32 · P(X ≤ k).
    std::uint32_t sample(std::uint32_t u) const {
        std::uint32_t k = guide_[u >> 24];
        while (u >= threshold_[k]) ++k;
        return k;
    }

private:
    // Below this λ the recurrence P(X = k) = P(X = k-1) · λ/k is exact enough and keeps every
    // earlier table bit for bit; above, exp(-λ) comes close to the smallest double.
    static constexpr double log_space_from = 600.0;
    std::vector<std::uint64_t> threshold_;  // ascending; 2^32 · P(X ≤ k), then the sentinel 2^32
    std::array<std::uint32_t, 256> guide_;  // by the top 8 bits of u: where its search starts
};

}  // namespace synorm::model
