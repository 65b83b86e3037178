// Inhibitory STDP (Vogels et al. 2011; configuration: `rule: vogels`): pair STDP with a symmetric
// window and a constant depression per presynaptic spike. Traces x (pre) and y (post) share one τ
// (tau_plus = tau_minus); at a postsynaptic spike w += s η x, at a presynaptic spike
// w += s η (y − α), α = 2 ρ0 τ; s = +1 for conductances (w ≥ 0), −1 for current or voltage weights
// (w ≤ 0), so a step of η > 0 always strengthens inhibition. Hard bounds [w_min, w_max]. All-to-all
// or nearest pairing; no metaplasticity.
#pragma once

#include "synorm/plasticity/rule.hpp"

namespace synorm::plasticity {

struct vogels_stdp : rule_defaults {
    static constexpr std::string_view name = "vogels";
    static constexpr bool inhibitory = true;
    // Factor 0: η = ±0 (scaled; α is not, but is multiplied by η), so each step is ±0.
    static constexpr bool still_at_zero = true;

    // `tau` is both traces' time constant: the loader reads it into tau_plus and copies it to tau_minus.
    using S = model::plasticity_spec;
    static constexpr rule_key keys[] = {
        {"rule", "word", "", "required", "", "`vogels`", key_kind::rule},
        {"pairing", "word", "", "`all_to_all`", "", "as for `stdp`", key_kind::pairing},
        {"tau", "time", "ms", "`\"20 ms\"`", "> 0", "decay time of both traces (τ_STDP)", key_kind::time, &S::tau_plus,
         -1, key_check::custom, false, 20.0},
        {"eta", "weight dimension", "receptor unit", "required", "> 0",
         "learning rate η: the size of a step at a trace value of 1", key_kind::weight, &S::eta},
        {"target_rate", "rate", "Hz", "required", "> 0", "target rate ρ0 of the postsynaptic neurons; α = 2·ρ0·τ",
         key_kind::rate, &S::target_rate},
        {"w_min", "weight dimension", "receptor unit", "conductances: `0`; ≤ 0 weights: required",
         "conductances: ≥ 0; ≤ 0 weights: < `w_max`", "lower bound (for ≤ 0 weights: the strongest inhibition)",
         key_kind::weight, &S::w_min},
        {"w_max", "weight dimension", "receptor unit", "conductances: required; ≤ 0 weights: `0`",
         "conductances: > `w_min`; ≤ 0 weights: ≤ 0", "upper bound", key_kind::weight, &S::w_max},
    };

    struct params {
        float eta = 0;    // weight unit: the signed step s η
        float alpha = 0;  // the depression threshold α on the postsynaptic trace
    };
    static params make(const model::plasticity_spec& p, double, rule_params&, rule_traces&) {
        // Weights ≤ 0 (current or voltage) have w_max ≤ 0; conductances have w_max > 0 (the loader checks).
        return {static_cast<float>(p.w_max > 0.0 ? p.eta : -p.eta), static_cast<float>(p.alpha())};
    }

    // A learning-rate factor scales the step η, not the threshold α.
    static params scaled(const params& configured, float f) { return {configured.eta * f, configured.alpha}; }

    // At a presynaptic spike: w + s η (y − α), y the postsynaptic trace just before it; −s η α even
    // without a trace.
    [[gnu::always_inline]] static float pre(const rule_params& c, const params& p, const row&, float w, float y) {
        return c.clip(w + p.eta * (y - p.alpha));
    }
    // When a postsynaptic spike reaches the synapse: w + s η x.
    [[gnu::always_inline]] static float post(const rule_params& c, const params& p, float w, float x, float decay,
                                             float, float) {
        const float trace = c.nearest ? decay : x * decay;
        return c.clip(w + p.eta * trace);
    }
};

}  // namespace synorm::plasticity
