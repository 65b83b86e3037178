#include "synorm/model/lif.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "synorm/model/fast_exp.hpp"
#include "synorm/model/simd.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::model {

lif_constants lif_constants::make(const neuron_params& p, neuron_kind kind, double h) {
    lif_constants c;
    c.kind = kind;
    c.E_L = static_cast<float>(p.E_L);
    c.V_th = static_cast<float>(p.V_th);
    c.V_reset = static_cast<float>(p.V_reset);
    c.I_e = static_cast<float>(p.I_e);
    const double P22 = std::exp(-h / p.tau_m);
    c.P22 = static_cast<float>(P22);
    c.P20 = static_cast<float>(p.tau_m / p.C_m * -std::expm1(-h / p.tau_m));
    c.P11_ex = static_cast<float>(std::exp(-h / p.tau_syn_ex));
    c.P11_in = static_cast<float>(std::exp(-h / p.tau_syn_in));
    // V(h) from I(0) = 1 pA decaying with τs: τm τs / (C (τs − τm)) · (e^(−h/τs) − e^(−h/τm));
    // the limit τs → τm is h/C · e^(−h/τm).
    const auto P21 = [&](double tau_s) {
        if (std::abs(tau_s - p.tau_m) < 1e-9 * p.tau_m) return h / p.C_m * P22;
        return p.tau_m * tau_s / (p.C_m * (tau_s - p.tau_m)) * (std::exp(-h / tau_s) - P22);
    };
    c.P21_ex = static_cast<float>(P21(p.tau_syn_ex));
    c.P21_in = static_cast<float>(P21(p.tau_syn_in));
    // lif_curr_alpha. From dI(0) = 1 pA/ms and I(0) = 0: I(t) = t e^(−t/τs), and
    // V(h) = 1/C ∫₀ʰ s e^(−s/τs) e^(−(h−s)/τm) ds = e^(−h/τm) h²/C · f(h (1/τs − 1/τm)),
    // f(x) = (1 − e^(−x)(1 + x))/x² = Σ_{n≥2} (−1)^n (n−1)/n! x^(n−2), summed as a series near x = 0
    // (τs → τm), where the closed form cancels. From I(0) = 1 pA and dI(0) = 0, V(h) is P21 above.
    const auto Q31 = [&](double tau_s) {
        const double x = h * (1.0 / tau_s - 1.0 / p.tau_m);
        double f = 0;
        if (std::abs(x) < 0.05) {
            double term = 0.5;  // n = 2
            for (int n = 2; n < 14; ++n) {
                f += term;
                term *= -x * n / ((n + 1.0) * (n - 1.0));  // the ratio of terms n+1 and n
            }
        } else {
            f = (-std::expm1(-x) - x * std::exp(-x)) / (x * x);
        }
        return P22 * h * h / p.C_m * f;
    };
    c.Q21_ex = static_cast<float>(h * std::exp(-h / p.tau_syn_ex));
    c.Q21_in = static_cast<float>(h * std::exp(-h / p.tau_syn_in));
    c.Q31_ex = static_cast<float>(Q31(p.tau_syn_ex));
    c.Q31_in = static_cast<float>(Q31(p.tau_syn_in));
    c.psc_ex = static_cast<float>(std::exp(1.0) / p.tau_syn_ex);
    c.psc_in = static_cast<float>(std::exp(1.0) / p.tau_syn_in);
    c.half_ex = static_cast<float>(std::exp(-0.5 * h / p.tau_syn_ex));
    c.half_in = static_cast<float>(std::exp(-0.5 * h / p.tau_syn_in));
    c.g_L = static_cast<float>(p.C_m / p.tau_m);
    c.E_ex = static_cast<float>(p.E_ex);
    c.E_in = static_cast<float>(p.E_in);
    c.h_over_C = static_cast<float>(h / p.C_m);
    c.a = static_cast<float>(p.a);
    c.b = static_cast<float>(p.b);
    c.P_w = static_cast<float>(std::exp(-h / p.tau_w));
    // The loader bounds t_ref to 2^31 - 1 steps; the clamp only keeps an unchecked spec from wrapping.
    const std::int64_t refractory = to_steps(p.t_ref, h);
    c.refractory_steps = static_cast<std::int32_t>(std::min<std::int64_t>(INT32_MAX, refractory));
    return c;
}

namespace {

using simd::load;
using simd::store;

// The input arriving now from a ring-buffer slot, times the neuron's homeostatic gain when it has one.
template <class F, bool Gain>
[[gnu::always_inline]] inline F input(const float* slot, const float* gain, std::size_t i) {
    if constexpr (Gain) return load<F>(slot) * load<F>(gain + i);
    else
        return load<F>(slot);
}

// Track: the input arriving now is added to the block's running sums.
template <class F, bool Track>
[[gnu::always_inline]] inline void track(const lif_block& b, std::size_t i, F ie, F ii) {
    if constexpr (Track) {
        store(b.sum_ex + i, load<F>(b.sum_ex + i) + ie);
        store(b.sum_in + i, load<F>(b.sum_in + i) + ii);
    }
}

// The synaptic variables a model has: none (lif_delta), one per receptor (decaying currents or
// conductances), or two (lif_curr_alpha: the current and its drive).
enum class synaptic { none, exponential, alpha };

// One step of `F` neurons (a float, or sixteen lanes) at index i of the block. Branch-free: the
// refractory clamp and the reset are selects, so vector lanes and scalars compute the same bits.
// What every model does after computing its free membrane potential v_free: the refractory clamp,
// the synaptic variables decayed and stepped by the input arriving now (models with synaptic
// variables), threshold and reset. Returns the spike mask.
template <class F, bool Gain, synaptic Synaptic, bool Track>
[[gnu::always_inline]] inline auto finish_step(const lif_constants& c, const lif_block& b, std::size_t i, F v_free) {
    using I = typename simd::int_of<F>::type;
    float* const V = b.V + i;
    std::int32_t* const ref = b.refractory + i;
    float* const ex = b.in_ex + i;
    float* const in = b.in_in + i;
    const I r = load<I>(ref);
    const F reset = F{} + c.V_reset;
    const F v = r > 0 ? reset : v_free;
    if constexpr (Synaptic == synaptic::exponential) {
        float* const x_ex = b.x_ex + i;
        float* const x_in = b.x_in + i;
        const F ie = input<F, Gain>(ex, b.gain_ex, i), ii = input<F, Gain>(in, b.gain_in, i);
        track<F, Track>(b, i, ie, ii);
        store(x_ex, load<F>(x_ex) * c.P11_ex + ie);
        store(x_in, load<F>(x_in) * c.P11_in + ii);
    } else if constexpr (Synaptic == synaptic::alpha) {
        float* const x_ex = b.x_ex + i;
        float* const x_in = b.x_in + i;
        float* const dx_ex = b.dx_ex + i;
        float* const dx_in = b.dx_in + i;
        const F ie = input<F, Gain>(ex, b.gain_ex, i), ii = input<F, Gain>(in, b.gain_in, i);
        track<F, Track>(b, i, ie, ii);
        const F de = load<F>(dx_ex), di = load<F>(dx_in);
        store(x_ex, load<F>(x_ex) * c.P11_ex + de * c.Q21_ex);
        store(x_in, load<F>(x_in) * c.P11_in + di * c.Q21_in);
        store(dx_ex, de * c.P11_ex + ie * c.psc_ex);
        store(dx_in, di * c.P11_in + ii * c.psc_in);
    }
    store(ex, F{});
    store(in, F{});
    const auto spike = v >= c.V_th;
    store(V, spike ? reset : v);
    store(ref, spike ? I{} + c.refractory_steps : (r > 0 ? r - 1 : I{}));
    return spike;
}

template <class F, bool Gain, bool Egaba, bool Track>
[[gnu::always_inline]] inline auto step_delta(const lif_constants& c, const lif_block& b, std::size_t i) {
    const F ie = input<F, Gain>(b.in_ex + i, b.gain_ex, i), ii = input<F, Gain>(b.in_in + i, b.gain_in, i);
    track<F, Track>(b, i, ie, ii);
    const F jump = ie + ii;
    const F v_free = c.E_L + (load<F>(b.V + i) - c.E_L) * c.P22 + (c.I_e + load<F>(b.I_dc + i)) * c.P20 + jump;
    return finish_step<F, Gain, synaptic::none, Track>(c, b, i, v_free);
}

template <class F, bool Gain, bool Egaba, bool Track>
[[gnu::always_inline]] inline auto step_curr_exp(const lif_constants& c, const lif_block& b, std::size_t i) {
    const F ie = load<F>(b.x_ex + i), ii = load<F>(b.x_in + i);
    const F v_free = c.E_L + (load<F>(b.V + i) - c.E_L) * c.P22 + ie * c.P21_ex + ii * c.P21_in +
                     (c.I_e + load<F>(b.I_dc + i)) * c.P20;
    return finish_step<F, Gain, synaptic::exponential, Track>(c, b, i, v_free);
}

template <class F, bool Gain, bool Egaba, bool Track>
[[gnu::always_inline]] inline auto step_curr_alpha(const lif_constants& c, const lif_block& b, std::size_t i) {
    const F ie = load<F>(b.x_ex + i), ii = load<F>(b.x_in + i);
    const F de = load<F>(b.dx_ex + i), di = load<F>(b.dx_in + i);
    const F v_free = c.E_L + (load<F>(b.V + i) - c.E_L) * c.P22 + de * c.Q31_ex + ie * c.P21_ex + di * c.Q31_in +
                     ii * c.P21_in + (c.I_e + load<F>(b.I_dc + i)) * c.P20;
    return finish_step<F, Gain, synaptic::alpha, Track>(c, b, i, v_free);
}

template <class F, bool Gain, bool Egaba, bool Track>
[[gnu::always_inline]] inline auto step_cond_exp(const lif_constants& c, const lif_block& b, std::size_t i) {
    // Midpoint conductances: the decay over half a step of those at the step's start.
    const F ge = load<F>(b.x_ex + i) * c.half_ex, gi = load<F>(b.x_in + i) * c.half_in;
    const F g = c.g_L + ge + gi;
    F E_in = F{} + c.E_in;
    if constexpr (Egaba) E_in = load<F>(b.E_in + i);
    const F v_inf = (c.g_L * c.E_L + ge * c.E_ex + gi * E_in + c.I_e + load<F>(b.I_dc + i)) / g;
    const F v_free = v_inf + (load<F>(b.V + i) - v_inf) * fast_exp(g * -c.h_over_C);
    return finish_step<F, Gain, synaptic::exponential, Track>(c, b, i, v_free);
}

template <class F, bool Gain, bool Egaba, bool Track>
[[gnu::always_inline]] inline auto step_cond_exp_adapt(const lif_constants& c, const lif_block& b, std::size_t i) {
    const F ge = load<F>(b.x_ex + i) * c.half_ex, gi = load<F>(b.x_in + i) * c.half_in;
    const F w = load<F>(b.w + i);
    const F g = c.g_L + ge + gi;
    F E_in = F{} + c.E_in;
    if constexpr (Egaba) E_in = load<F>(b.E_in + i);
    const F v_inf = (c.g_L * c.E_L + ge * c.E_ex + gi * E_in + c.I_e + load<F>(b.I_dc + i) - w) / g;
    const F v_free = v_inf + (load<F>(b.V + i) - v_inf) * fast_exp(g * -c.h_over_C);
    const auto spike = finish_step<F, Gain, synaptic::exponential, Track>(c, b, i, v_free);
    const F w_inf = (load<F>(b.V + i) - c.E_L) * c.a;  // V after the step (V_reset where it spiked)
    store(b.w + i, w_inf + (w - w_inf) * c.P_w + (spike ? F{} + c.b : F{}));
    return spike;
}

template <class F, bool Gain, bool Egaba, bool Track>
[[gnu::always_inline]] inline auto step_curr_exp_adapt(const lif_constants& c, const lif_block& b, std::size_t i) {
    const F ie = load<F>(b.x_ex + i), ii = load<F>(b.x_in + i);
    const F w = load<F>(b.w + i);
    const F v_free = c.E_L + (load<F>(b.V + i) - c.E_L) * c.P22 + ie * c.P21_ex + ii * c.P21_in +
                     (c.I_e + load<F>(b.I_dc + i) - w) * c.P20;
    const auto spike = finish_step<F, Gain, synaptic::exponential, Track>(c, b, i, v_free);
    const F w_inf = (load<F>(b.V + i) - c.E_L) * c.a;  // V after the step (V_reset where it spiked)
    store(b.w + i, w_inf + (w - w_inf) * c.P_w + (spike ? F{} + c.b : F{}));
    return spike;
}

// Sixteen neurons at a time, then the remainder one by one with the same arithmetic. Spikes are rare
// (a few per thousand neurons and step), so lanes are looked at only where one fired: each group of
// 128 neurons stores its spike masks into b.spikes and is scanned only if any mask is set, and then
// only its sixteens with a mask set. The scan writes the compacted indices into the same array: index
// `fired` ≤ the position being read, and the masks of later groups are stored after it, so nothing
// unread is overwritten.
// SYNORM_SIMD_CLONES (simd.hpp) gives the versions for each CPU, which all compute the same bits.
#define SYNORM_LIF_KERNEL(name, step)                                                                        \
    template <bool Gain, bool Egaba, bool Track>                                                             \
    SYNORM_SIMD_CLONES std::size_t name(const lif_constants& constants, const lif_block& block) {            \
        /* Copies: the stores below cannot alias locals, so constants and pointers stay in registers. */     \
        const lif_constants c = constants;                                                                   \
        const lif_block b = block;                                                                           \
        constexpr std::size_t group = 8 * simd::lanes;                                                       \
        auto* const masks = reinterpret_cast<std::int32_t*>(b.spikes);                                       \
        std::size_t i = 0, fired = 0;                                                                        \
        for (; i + group <= b.n; i += group) {                                                               \
            simd::vint any_spike{};                                                                          \
            for (std::size_t j = 0; j < group; j += simd::lanes) {                                           \
                const simd::vint spike = step<simd::vfloat, Gain, Egaba, Track>(c, b, i + j);                \
                store(masks + i + j, spike);                                                                 \
                any_spike |= spike;                                                                          \
            }                                                                                                \
            if (__builtin_expect(simd::any(any_spike), 0))                                                   \
                for (std::size_t j = i; j < i + group; j += simd::lanes)                                     \
                    if (simd::any(load<simd::vint>(masks + j)))                                              \
                        for (std::size_t k = j; k < j + simd::lanes; ++k)                                    \
                            if (masks[k]) b.spikes[fired++] = static_cast<std::uint32_t>(k);                 \
        }                                                                                                    \
        for (; i + simd::lanes <= b.n; i += simd::lanes) {                                                   \
            const simd::vint spike = step<simd::vfloat, Gain, Egaba, Track>(c, b, i);                        \
            if (simd::any(spike))                                                                            \
                for (std::size_t k = 0; k < simd::lanes; ++k)                                                \
                    if (spike[k]) b.spikes[fired++] = static_cast<std::uint32_t>(i + k);                     \
        }                                                                                                    \
        for (; i < b.n; ++i)                                                                                 \
            if (step<float, Gain, Egaba, Track>(c, b, i)) b.spikes[fired++] = static_cast<std::uint32_t>(i); \
        return fired;                                                                                        \
    }

SYNORM_LIF_KERNEL(update_delta, step_delta)
SYNORM_LIF_KERNEL(update_curr_exp, step_curr_exp)
SYNORM_LIF_KERNEL(update_curr_alpha, step_curr_alpha)
SYNORM_LIF_KERNEL(update_cond_exp, step_cond_exp)
SYNORM_LIF_KERNEL(update_cond_exp_adapt, step_cond_exp_adapt)
SYNORM_LIF_KERNEL(update_curr_exp_adapt, step_curr_exp_adapt)
#undef SYNORM_LIF_KERNEL

}  // namespace

// The kernel instantiation for a block's switches: Gain (gain pointers), Egaba (per-neuron E_in; only
// the conductance models have a reversal potential to move, so only they are instantiated with it)
// and Track (input sums).
template <bool Conductance, class Kernel>
std::size_t dispatch(const lif_block& b, Kernel kernel) {
    const auto with_track = [&](auto gain, auto egaba) {
        return b.sum_ex ? kernel(gain, egaba, std::true_type{}) : kernel(gain, egaba, std::false_type{});
    };
    const auto with_egaba = [&](auto gain) {
        if constexpr (Conductance) {
            if (b.E_in) return with_track(gain, std::true_type{});
        }
        return with_track(gain, std::false_type{});
    };
    return b.gain_ex ? with_egaba(std::true_type{}) : with_egaba(std::false_type{});
}

std::size_t update(const lif_constants& c, const lif_block& b) {
    switch (c.kind) {
    case neuron_kind::lif_delta:
        return dispatch<false>(b, [&](auto g, auto e, auto t) { return update_delta<g(), e(), t()>(c, b); });
    case neuron_kind::lif_curr_exp:
        return dispatch<false>(b, [&](auto g, auto e, auto t) { return update_curr_exp<g(), e(), t()>(c, b); });
    case neuron_kind::lif_curr_alpha:
        return dispatch<false>(b, [&](auto g, auto e, auto t) { return update_curr_alpha<g(), e(), t()>(c, b); });
    case neuron_kind::lif_curr_exp_adapt:
        return dispatch<false>(b, [&](auto g, auto e, auto t) { return update_curr_exp_adapt<g(), e(), t()>(c, b); });
    case neuron_kind::lif_cond_exp:
        return dispatch<true>(b, [&](auto g, auto e, auto t) { return update_cond_exp<g(), e(), t()>(c, b); });
    case neuron_kind::lif_cond_exp_adapt:
        return dispatch<true>(b, [&](auto g, auto e, auto t) { return update_cond_exp_adapt<g(), e(), t()>(c, b); });
    case neuron_kind::poisson_source: break;  // the engine fires sources itself
    }
    return 0;
}

}  // namespace synorm::model
