// Pair STDP with traces (configuration: `rule: stdp`): at a postsynaptic spike w += A+ x, at a
// presynaptic spike w += A− y, with the weight dependence of model::weight_dependence:
//   additive         Δw+ = A+ x,            Δw− = A− y
//   multiplicative   Δw+ = A+ x,            Δw− = A− (w/w_max) y   (van Rossum, Bi & Turrigiano 2000)
//   power_law        Δw+ = A+ (w/w_0)^μ x,  Δw− = A− (w/w_0) y     (Morrison et al. 2007)
// Hard bounds: potentiation clips at w_max, depression at w_min. All-to-all or nearest pairing.
// Potentiation takes metaplasticity's factor θ0/θ (model::metaplasticity_spec).
#pragma once

#include <cmath>

#include "synorm/plasticity/rule.hpp"

namespace synorm::plasticity {

struct pair_stdp : rule_defaults {
    static constexpr std::string_view name = "stdp";
    static constexpr bool metaplastic = true;
    // Factor 0: A± = ±0, so each step is ±0 (the traces, w/w_max, (w/w_0)^μ and θ0/θ are finite).
    static constexpr bool still_at_zero = true;

    static constexpr bool power_law(const model::plasticity_spec& p) {
        return p.dependence == model::weight_dependence::power_law;
    }
    using S = model::plasticity_spec;
    static constexpr rule_key keys[] = {
        {"rule", "word", "", "required", "the registered rules",
         "`stdp`: pair-based STDP with a presynaptic and a postsynaptic trace; `triplet`, `vogels`: see below",
         key_kind::rule},
        {"weight_dependence", "word", "", "`additive`", "`additive`, `multiplicative` or `power_law`",
         "how a step depends on the weight (below)", key_kind::weight_dependence},
        {"pairing", "word", "", "`all_to_all`", "`all_to_all` or `nearest`",
         "`all_to_all`: each trace sums every earlier spike. `nearest`: each trace is reset to 1 at a spike, so only "
         "the nearest spike counts",
         key_kind::pairing},
        {"tau_plus", "time", "ms", "`\"20 ms\"`", "> 0", "decay time of the presynaptic trace x (potentiation window)",
         key_kind::time, &S::tau_plus},
        {"tau_minus", "time", "ms", "`\"20 ms\"`", "> 0", "decay time of the postsynaptic trace y (depression window)",
         key_kind::time, &S::tau_minus},
        {"A_plus", "weight dimension", "receptor unit", "required", "> 0", "potentiation amplitude", key_kind::weight,
         &S::A_plus},
        {"A_minus", "weight dimension", "receptor unit", "required", "< 0", "depression amplitude (negative)",
         key_kind::weight, &S::A_minus},
        {"w_min", "weight dimension", "receptor unit", "`0` in the weight's unit", "≥ 0", "lower bound of the weight",
         key_kind::weight, &S::w_min},
        {"w_max", "weight dimension", "receptor unit", "required", "> `w_min`", "upper bound of the weight",
         key_kind::weight, &S::w_max},
        {"w_0",
         "weight dimension",
         "receptor unit",
         "required",
         "> 0",
         "`power_law` only: reference weight",
         key_kind::weight,
         &S::w_0,
         -1,
         key_check::custom,
         false,
         {},
         &power_law},
        {"mu",
         "number",
         "",
         "`0.4`",
         "in (0, 1]",
         "`power_law` only: exponent of potentiation",
         key_kind::number,
         &S::mu,
         -1,
         key_check::custom,
         false,
         {},
         &power_law},
    };

    struct params {
        model::weight_dependence dependence = model::weight_dependence::additive;
        float w_0 = 1, mu = 0.4f;  // power_law: reference weight (weight unit) and exponent
    };
    static params make(const model::plasticity_spec& p, double, rule_params&, rule_traces&) {
        return {p.dependence, static_cast<float>(p.w_0), static_cast<float>(p.mu)};
    }

    // Potentiation of weight w by presynaptic trace value x (> 0), clipped at w_max.
    static float potentiate(const rule_params& c, const params& p, float w, float x) {
        float dw = c.A_plus * x;
        if (p.dependence == model::weight_dependence::power_law) dw *= std::pow(w / p.w_0, p.mu);
        const float v = w + dw;
        return v > c.w_max ? c.w_max : v;
    }
    // Depression of weight w by postsynaptic trace value y (> 0), clipped at w_min.
    static float depress(const rule_params& c, const params& p, float w, float y) {
        float dw = c.A_minus * y;
        if (p.dependence == model::weight_dependence::multiplicative) dw *= w / c.w_max;
        else if (p.dependence == model::weight_dependence::power_law)
            dw *= w / p.w_0;
        const float v = w + dw;
        return v < c.w_min ? c.w_min : v;
    }

    [[gnu::always_inline]] static float pre(const rule_params& c, const params& p, const row&, float w, float y) {
        return y > 0.0f ? depress(c, p, w, y) : w;
    }
    [[gnu::always_inline]] static float post(const rule_params& c, const params& p, float w, float x, float decay,
                                             float m, float) {
        const float trace = c.nearest ? decay : x * decay;
        return potentiate(c, p, w, m * trace);
    }
};

}  // namespace synorm::plasticity
