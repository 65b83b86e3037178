// engine::phase_rates: the phases' mean rate and slow-wave activity, read back in pieces of 2^16 bins,
// bit for bit what one pass over every bin in memory gives (the computation before the bins streamed).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "synorm/engine/simulation.hpp"

using namespace synorm;

namespace {

// The one-pass computation over the phase's bins, as it was.
void one_pass(const std::vector<double>& rate, double bin_s, double& mean, double& power) {
    const std::size_t n = rate.size();
    const double* x = rate.data();
    mean = 0.0;
    for (std::size_t i = 0; i < n; ++i) mean += x[i];
    mean /= static_cast<double>(n);
    power = 0.0;
    for (std::size_t k = 0; k <= n / 2; ++k) {
        const double f = static_cast<double>(k) / (static_cast<double>(n) * bin_s);
        if (f < 0.5 || f > 4.0) continue;
        double re = 0.0, im = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double phi = -2.0 * std::numbers::pi * static_cast<double>((k * i) % n) / static_cast<double>(n);
            re += (x[i] - mean) * std::cos(phi);
            im += (x[i] - mean) * std::sin(phi);
        }
        power += (re * re + im * im) / (static_cast<double>(n) * static_cast<double>(n)) * 2.0;
    }
}

}  // namespace

// A phase of 70 000 bins of one step (7 s: 25 frequencies in 0.5–4 Hz) is read in two pieces per pass;
// a 2 Hz wave with irregular noise on it gives the same rate and SWA bits as the one pass.
TEST(phase_rates, read_in_pieces_give_the_bits_of_one_pass) {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.populations.resize(2);
    const std::int64_t bins = 80000, first = 5000, n = 70000;  // the phase: bins [5000, 75000)
    std::vector<std::vector<double>> rate(2, std::vector<double>(bins));
    for (std::int64_t b = 0; b < bins; ++b) {
        const double t = static_cast<double>(b) * 1e-4;  // s
        const double noise = static_cast<double>((b * 2654435761u) % 1000) * 0.01;
        rate[0][b] = 20.0 + 15.0 * std::sin(2.0 * std::numbers::pi * 2.0 * t) + noise;
        rate[1][b] = noise;
    }
    engine::results r;
    r.rate_bin_steps = 1;
    r.rate_bins = bins;
    engine::phase_record row;
    row.start = static_cast<double>(first) * 0.1;
    row.end = static_cast<double>(first + n) * 0.1;
    r.phases = {row};
    std::int64_t reads = 0, largest = 0;
    engine::phase_rates(spec, r, [&](std::uint32_t p, std::int64_t from, std::int64_t count) {
        ++reads;
        largest = std::max(largest, count);
        return std::vector<double>(rate[p].begin() + from, rate[p].begin() + from + count);
    });
    EXPECT_EQ(reads, 2 * 2 * 2) << "two populations, two passes, two pieces each";
    EXPECT_EQ(largest, std::int64_t{1} << 16);
    for (std::uint32_t p = 0; p < 2; ++p) {
        double mean = 0.0, power = 0.0;
        one_pass(std::vector<double>(rate[p].begin() + first, rate[p].begin() + first + n), 1e-4, mean, power);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(r.phases[0].rate[p]), std::bit_cast<std::uint64_t>(mean)) << p;
        EXPECT_EQ(std::bit_cast<std::uint64_t>(r.phases[0].swa[p]), std::bit_cast<std::uint64_t>(power)) << p;
    }
    EXPECT_GT(r.phases[0].swa[0], 100.0) << "the 2 Hz wave: 15² / 2 Hz²";
    // Bins that cannot be read (a reader with fewer) leave the phase NaN; no reader, every phase.
    engine::phase_rates(spec, r, [&](std::uint32_t, std::int64_t, std::int64_t) { return std::vector<double>(1); });
    EXPECT_TRUE(std::isnan(r.phases[0].rate[0]) && std::isnan(r.phases[0].swa[1]));
    engine::phase_rates(spec, r, {});
    EXPECT_TRUE(std::isnan(r.phases[0].rate[1]));
}
