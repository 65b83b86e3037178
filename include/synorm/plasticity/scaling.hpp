// Homeostasis driven by each neuron's activity sensor: the calcium trace and multiplicative synaptic
// scaling as a per-neuron gain (src/README.md decision 4: O(neurons) per update, never a sweep over
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

// The relative gap between a neuron's target rate and its sensed rate, e = (r* − r)/r*: 1 for a
// silent neuron, negative above target.
inline double rate_gap(double target_rate, double rate) { return (target_rate - rate) / target_rate; }

// The glial boost of the up-pathway (TNF-α released by glia when the network around them falls
// quiet; Stellwagen & Malenka 2006): b = 1 + glial_gain · max(0, (r* − R)/r*), with R the
// population's mean rate (Hz) over the last homeostasis period from the global reduction. Between 1
// (population at or above target) and 1 + glial_gain (population silent).
inline double glial_boost(const model::scaling_spec& s, double population_rate) {
    return 1.0 + s.glial_gain * std::max(0.0, rate_gap(s.target_rate, population_rate));
}

// The relative change of one homeostasis period of H ms (the bracket of model::scaling_spec):
//   J ← J + e·H/τ_I (only with an integral term),  returns b·e·H/τ_up (e > 0) or e·H/τ_down (e ≤ 0),
//   plus J·H/τ_I.
// `integral` is the neuron's J (dimensionless); `boost` the glial boost b of its population.
inline double scaling_drive(const model::scaling_spec& s, double rate, double H_ms, double boost, float& integral) {
    const double e = rate_gap(s.target_rate, rate);
    double drive = e > 0 ? boost * e * H_ms / s.tau_up : e * H_ms / s.tau_down;
    if (s.tau_integral > 0) {
        integral = static_cast<float>(static_cast<double>(integral) + e * H_ms / s.tau_integral);
        drive += static_cast<double>(integral) * H_ms / s.tau_integral;
    }
    return drive;
}

// The gain on a neuron's excitatory inputs after a period of relative change `drive`, bounded.
inline float scale_excitatory(const model::scaling_spec& s, float gain, double drive) {
    return static_cast<float>(std::clamp(static_cast<double>(gain) * (1.0 + drive), s.gain_min, s.gain_max));
}

// The gain on its inhibitory inputs: the opposite direction.
inline float scale_inhibitory(const model::scaling_spec& s, float gain, double drive) {
    return static_cast<float>(std::clamp(static_cast<double>(gain) * (1.0 - drive), s.gain_min, s.gain_max));
}

// The additive variant (for comparison only): the offset a added to each excitatory input weight
// grows by the neuron's initial mean excitatory weight w̄ times the same relative change, so that
// one period moves the total input as multiplicative scaling's first period would; but it adds the
// same amount to a weak synapse as to a strong one, so the ratios between them (the stored pattern)
// are not kept.
inline float additive_offset(float offset, float mean_weight, double drive) {
    return static_cast<float>(static_cast<double>(offset) + static_cast<double>(mean_weight) * drive);
}

// The delivered weight of the additive variant: never of the other sign (Dale's law).
inline float offset_weight(float w, float offset) { return std::max(0.0f, w + offset); }

// E_GABA homeostasis, one period: E_in moves by e·(E_in_max − E_in_min)·H/τ (mV), within bounds.
inline float shift_e_gaba(const model::e_gaba_spec& s, float E_in, double rate, double H_ms) {
    const double e = rate_gap(s.target_rate, rate);
    return static_cast<float>(
        std::clamp(static_cast<double>(E_in) + e * (s.E_in_max - s.E_in_min) * H_ms / s.tau, s.E_in_min, s.E_in_max));
}

// Weight normalization: the gain that makes the neuron's total plastic excitatory weight `total`;
// the old gain when it has no such weight.
inline float normalized_gain(double total, double sum_w, float gain) {
    return sum_w > 0 ? static_cast<float>(total / sum_w) : gain;
}

// Metaplasticity (model::metaplasticity_spec), one period: θ (Hz²) moves toward r² by the fraction
// `step` = 1 − e^(−H/tau_theta).
inline float slide_threshold(float theta, double rate, double step) {
    return static_cast<float>(static_cast<double>(theta) + (rate * rate - static_cast<double>(theta)) * step);
}

// The factor on a neuron's potentiation: θ0/θ within [factor_min, factor_max]; factor_max for θ = 0.
inline float potentiation_factor(const model::metaplasticity_spec& s, float theta) {
    const double theta_0 = s.target_rate * s.target_rate;
    if (!(theta > 0.0f)) return static_cast<float>(s.factor_max);
    return static_cast<float>(std::clamp(theta_0 / static_cast<double>(theta), s.factor_min, s.factor_max));
}

}  // namespace synorm::plasticity
