#include "synorm/model/model_spec.hpp"

#include <algorithm>
#include <cmath>

#include "synorm/model/sampling.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::model {

double distribution::lower_bound() const {
    switch (shape) {
    case kind::constant: return value;
    case kind::uniform: return std::max(low, min);
    case kind::lognormal: return std::max(0.0, min);
    case kind::normal: return min;
    }
    return min;
}

double distribution::upper_bound() const {
    switch (shape) {
    case kind::constant: return value;
    case kind::uniform: return std::min(high, max);
    case kind::lognormal:
    case kind::normal: return max;
    }
    return max;
}

double distribution::nominal_mean() const {
    switch (shape) {
    case kind::constant: return value;
    case kind::uniform: return 0.5 * (low + high);
    case kind::lognormal:
    case kind::normal: return mean;
    }
    return mean;
}

double draw(const distribution& d, random_stream& rng) {
    using kind = distribution::kind;
    switch (d.shape) {
    case kind::constant: return std::clamp(d.value, d.min, d.max);
    case kind::uniform: return std::clamp(d.low + (d.high - d.low) * rng.uniform(), d.min, d.max);
    case kind::normal:
    case kind::lognormal: {
        // Lognormal is given by the mean m and sd s of the value: σ² = ln(1 + s²/m²), μ = ln m − σ²/2.
        const double sigma2 = d.shape == kind::lognormal ? std::log1p(d.sd * d.sd / (d.mean * d.mean)) : 0.0;
        const double mu = d.shape == kind::lognormal ? std::log(d.mean) - 0.5 * sigma2 : 0.0;
        double x = 0.0;
        for (int attempt = 0; attempt < 1000; ++attempt) {
            const double z = rng.normal();
            x = d.shape == kind::normal ? d.mean + d.sd * z : std::exp(mu + std::sqrt(sigma2) * z);
            if (x >= d.min && x <= d.max) return x;
        }
        return std::clamp(x, d.min, d.max);
    }
    }
    return d.value;
}

std::uint64_t model_spec::total_neurons() const {
    std::uint64_t n = 0;
    for (const auto& p : populations) n += p.size;
    return n;
}

std::uint64_t model_spec::first_gid(std::uint32_t population) const {
    std::uint64_t n = 0;
    for (std::uint32_t i = 0; i < population; ++i) n += populations[i].size;
    return n;
}

std::uint64_t model_spec::steps(double t_ms) const {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, to_steps(t_ms, simulation.dt)));
}

std::uint64_t model_spec::min_delay_steps() const {
    std::uint64_t d = 0;
    for (const auto& p : projections) {
        const double lb = p.delay.lower_bound();
        const auto s =
            std::isfinite(lb) ? static_cast<std::uint64_t>(std::max<std::int64_t>(1, to_steps(lb, simulation.dt))) : 1;
        d = d == 0 ? s : std::min(d, s);
    }
    return d == 0 ? 1 : d;
}

std::uint64_t model_spec::max_delay_steps() const {
    std::uint64_t d = 1;
    for (const auto& p : projections) {
        const double ub = p.delay.upper_bound();
        if (!std::isfinite(ub)) continue;
        const std::int64_t steps = std::max<std::int64_t>(0, to_steps(ub, simulation.dt));
        d = std::max<std::uint64_t>(d, static_cast<std::uint64_t>(steps));
    }
    return d;
}

}  // namespace synorm::model
