// Homeostasis driven by each neuron's activity sensor: the calcium trace and multiplicative synaptic
// scaling as a per-neuron gain (DESIGN.md decision 4: O(neurons) per update, never a sweep over
// synapses; every ratio between a neuron's synapses is preserved exactly).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "synorm/model/model_spec.hpp"

namespace synorm::plasticity {

// The calcium-like trace of one neuron, kept lazily: c decays with τ_Ca and jumps by 1 at each spike;
// it is brought forward only when read or at a spike.
struct calcium_trace {
    float c = 0.0f;
    std::int64_t step = 0;  // c is the value at this step
    float at(std::int64_t now, double tau_steps) const {
        return c * static_cast<float>(std::exp(-static_cast<double>(now - step) / tau_steps));
    }
    void spike(std::int64_t now, double tau_steps) {
        c = at(now, tau_steps) + 1.0f;
        step = now;
    }
};

// The rate (Hz) a calcium value stands for: c / τ_Ca.
inline double sensed_rate(float c, double tau_calcium_ms) { return static_cast<double>(c) / (tau_calcium_ms * 1e-3); }

// One homeostasis period of H ms for the gain on a neuron's excitatory inputs: proportional to the
// relative gap between the target rate and the sensed rate, with the up or down time constant.
inline float scale_excitatory(const model::scaling_spec& s, float gain, double rate, double H_ms) {
    const double gap = (s.target_rate - rate) / s.target_rate;
    const double tau = gap > 0 ? s.tau_up : s.tau_down;
    const double g = static_cast<double>(gain) * (1.0 + gap * H_ms / tau);
    return static_cast<float>(std::clamp(g, s.gain_min, s.gain_max));
}

// The same period for the gain on its inhibitory inputs: the opposite direction.
inline float scale_inhibitory(const model::scaling_spec& s, float gain, double rate, double H_ms) {
    const double gap = (s.target_rate - rate) / s.target_rate;
    const double tau = gap > 0 ? s.tau_up : s.tau_down;
    const double g = static_cast<double>(gain) * (1.0 - gap * H_ms / tau);
    return static_cast<float>(std::clamp(g, s.gain_min, s.gain_max));
}

}  // namespace synorm::plasticity
