// Triplet STDP (Pfister & Gerstner 2006), the minimal all-to-all model (configuration:
// `rule: triplet`). Traces r1 (pre, tau_plus), o1 (post, tau_minus) and the slow r2 (pre, tau_x)
// and o2 (post, tau_y). At a postsynaptic spike w += r1 (A2+ + A3+ o2⁻); at a presynaptic spike
// w += o1 (A2− + A3− r2⁻), where ⁻ is the value just before the spike's own jump. A2± are the
// common A_plus and A_minus. Additive, hard bounds [w_min, w_max]. Potentiation takes
// metaplasticity's factor θ0/θ, on r1.
#pragma once

#include "synorm/plasticity/rule.hpp"

namespace synorm::plasticity {

struct triplet_stdp : rule_defaults {
    static constexpr std::string_view name = "triplet";
    static constexpr bool metaplastic = true;
    static constexpr bool slow_traces = true;
    static constexpr bool pairing = false;
    // Factor 0: A2± and A3± are ±0 (scaled), so each step is ±0 (the traces and θ0/θ are finite).
    static constexpr bool still_at_zero = true;

    // The time constants default to Pfister & Gerstner 2006, visual cortex, minimal all-to-all model.
    using S = model::plasticity_spec;
    static constexpr rule_key keys[] = {
        {"rule", "word", "", "required", "", "`triplet`", key_kind::rule},
        {"tau_plus", "time", "ms", "`\"16.8 ms\"`", "> 0", "r1", key_kind::time, &S::tau_plus, -1, key_check::custom,
         false, 16.8},
        {"tau_minus", "time", "ms", "`\"33.7 ms\"`", "> 0", "o1", key_kind::time, &S::tau_minus, -1, key_check::custom,
         false, 33.7},
        {"tau_x", "time", "ms", "`\"101 ms\"`", "> 0", "r2", key_kind::time, &S::tau_x},
        {"tau_y", "time", "ms", "`\"125 ms\"`", "> 0", "o2", key_kind::time, &S::tau_y},
        {"A2_plus", "weight dimension", "receptor unit", "required", "≥ 0", "pair potentiation", key_kind::weight,
         &S::A_plus},
        {"A3_plus", "weight dimension", "receptor unit", "required", "≥ 0",
         "triplet potentiation (A2_plus + A3_plus > 0)", key_kind::weight, &S::A3_plus},
        {"A2_minus", "weight dimension", "receptor unit", "required", "< 0", "pair depression", key_kind::weight,
         &S::A_minus},
        {"A3_minus", "weight dimension", "receptor unit", "`0`", "≤ 0", "triplet depression", key_kind::weight,
         &S::A3_minus},
        {"w_min", "weight dimension", "receptor unit", "`0`", "", "lower bound, as for `stdp`", key_kind::weight,
         &S::w_min},
        {"w_max", "weight dimension", "receptor unit", "required", "", "upper bound, as for `stdp`", key_kind::weight,
         &S::w_max},
    };

    struct params {
        float A3_plus = 0, A3_minus = 0;  // weight unit; A3_minus ≤ 0
    };
    static params make(const model::plasticity_spec& p, double dt, rule_params&, rule_traces& t) {
        t.slow_pre_decay = decay_table(p.tau_x / dt);
        t.slow_post_decay = decay_table(p.tau_y / dt);
        return {static_cast<float>(p.A3_plus), static_cast<float>(p.A3_minus)};
    }
    // A learning-rate factor scales the triplet amplitudes as it does the pair ones.
    static params scaled(const params& configured, float f) {
        return {configured.A3_plus * f, configured.A3_minus * f};
    }

    // The row's slow presynaptic trace r2 just before a presynaptic spike at t_pre, and its jump after.
    struct row {
        float r2;
    };
    static row pre_row(const rule_traces& t, const row_state& rs, std::uint64_t src, std::int64_t t_pre) {
        const std::int64_t last = rs.last_pre[src];
        return {last == row_state::none ? 0.0f : rs.x2[src] * t.slow_pre_decay(t_pre - last)};
    }
    static void after_row(const row& r, row_state& rs, std::uint64_t src) { rs.x2[src] = r.r2 + 1.0f; }

    // At a presynaptic spike: w + o1 (A2− + A3− r2), o1 = y.
    [[gnu::always_inline]] static float pre(const rule_params& c, const params& p, const row& r, float w, float o1) {
        return o1 > 0.0f ? c.clip(w + o1 * (c.A_minus + p.A3_minus * r.r2)) : w;
    }
    // When a postsynaptic spike reaches the synapse: w + r1 (A2+ + A3+ o2), r1 = m x decay.
    [[gnu::always_inline]] static float post(const rule_params& c, const params& p, float w, float x, float decay,
                                             float m, float o2) {
        return c.clip(w + (m * x) * decay * (c.A_plus + p.A3_plus * o2));
    }
};

}  // namespace synorm::plasticity
