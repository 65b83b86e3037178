// Times become whole numbers of steps here, and only here: the loader refuses every time whose step
// count is out of range (checked_steps), so the engine's conversions (to_steps) never round an
// out-of-range double into a 64-bit integer (undefined behaviour; in practice a wrapped count).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace synorm::model {

// The most steps any time may span (durations, phases, bins, periods, intervals, delays, pattern
// and probe times): 2^53, so that every step count, and every time t = steps × dt the engine writes,
// is exact in a double. At dt = 0.1 ms that is 28 500 years; the step counter itself is 64-bit.
inline constexpr std::int64_t max_steps = std::int64_t{1} << 53;

// The time step's range, in ms. 1 µs is NEST's default resolution (its "tic"); at it the delay
// field's 1023 steps above the minimum delay (network/synapse_table.hpp) span only 1 ms, and 2^53
// steps 285 years. 1 ms is the coarsest step that still resolves refractory periods (2 ms) and
// STDP windows (20 ms); coarser steps make spike times and Poisson draws per step meaningless.
inline constexpr double min_dt = 1e-3;  // ms
inline constexpr double max_dt = 1.0;   // ms

// round(t / dt) when it is finite and within [-max_steps, max_steps]; nullopt otherwise.
inline std::optional<std::int64_t> checked_steps(double t_ms, double dt) {
    const double steps = std::round(t_ms / dt);
    if (!(std::abs(steps) <= static_cast<double>(max_steps))) return std::nullopt;  // also NaN and ±inf
    return static_cast<std::int64_t>(steps);
}

// The engine's conversion of a time the loader has checked: round(t / dt). +inf (an input without
// a stop) is "never", INT64_MAX; anything else beyond max_steps saturates there instead of wrapping.
inline std::int64_t to_steps(double t_ms, double dt) {
    if (t_ms == std::numeric_limits<double>::infinity()) return std::numeric_limits<std::int64_t>::max();
    if (const auto steps = checked_steps(t_ms, dt)) return *steps;
    return t_ms / dt < 0 ? -max_steps : max_steps;
}

}  // namespace synorm::model
