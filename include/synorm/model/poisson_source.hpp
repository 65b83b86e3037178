// A population of independent Poisson spike trains (neuron model `poisson_source`): the spikes of a
// Poisson process of rate r, binned to the time step. A member fires in a step with the probability
// that the process has at least one event in it, 1 − e^(−r·dt), so a step holds at most one spike
// and the mean rate is r·(1 − e^(−r·dt))/(r·dt) (0.05 % below r at 10 Hz and dt = 0.1 ms). The draw
// of member gid at step s is word s mod 4 of block s / 4 of the stream (seed, poisson_source,
// population, gid): a function of those alone, whatever the decomposition (src/README.md decision 5).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "synorm/model/model_spec.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::model {

// The rate of one source population in force from step `from` on, as a threshold on a 32-bit word.
struct source_piece {
    std::int64_t from = 0;        // step
    std::uint64_t threshold = 0;  // a word u spikes when u < threshold; 2^32 · (1 − e^(−r·dt))
};

// The spike probability per step of a rate (Hz) at a time step (ms), as a threshold on a 32-bit word.
inline std::uint64_t source_threshold(double rate, double dt) {
    return static_cast<std::uint64_t>(std::llround(-std::expm1(-rate * dt * 1e-3) * 4294967296.0));
}

// The pieces of a population's rate over the run, ascending in `from`, the first at step 0.
inline std::vector<source_piece> source_pieces(const population_spec& pop, double dt) {
    std::vector<source_piece> pieces{{0, source_threshold(pop.params.rate, dt)}};
    for (const rate_change& c : pop.rate_changes) pieces.push_back({to_steps(c.at, dt), source_threshold(c.rate, dt)});
    return pieces;
}

}  // namespace synorm::model
