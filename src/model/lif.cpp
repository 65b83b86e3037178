#include "synorm/model/lif.hpp"

#include <cmath>

#include "synorm/model/fast_exp.hpp"

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
    c.half_ex = static_cast<float>(std::exp(-0.5 * h / p.tau_syn_ex));
    c.half_in = static_cast<float>(std::exp(-0.5 * h / p.tau_syn_in));
    c.g_L = static_cast<float>(p.C_m / p.tau_m);
    c.E_ex = static_cast<float>(p.E_ex);
    c.E_in = static_cast<float>(p.E_in);
    c.h_over_C = static_cast<float>(h / p.C_m);
    c.refractory_steps = static_cast<std::int32_t>(std::llround(p.t_ref / h));
    return c;
}

namespace {

// The kernels are branch-free over neurons so that they vectorize; target_clones gives an AVX2
// version where the CPU has it without requiring -march=native (DESIGN.md §5).

[[gnu::target_clones("avx2", "default")]]
void update_delta(const lif_constants& c, const lif_block& b) {
    float* __restrict V = b.V;
    std::int32_t* __restrict ref = b.refractory;
    float* __restrict ex = b.in_ex;
    float* __restrict in = b.in_in;
    const float* __restrict dc = b.I_dc;
    std::uint8_t* __restrict spiked = b.spiked;
    for (std::size_t i = 0; i < b.n; ++i) {
        const float jump = ex[i] + in[i];
        ex[i] = 0.0f;
        in[i] = 0.0f;
        const bool refractory = ref[i] > 0;
        float v = c.E_L + (V[i] - c.E_L) * c.P22 + (c.I_e + dc[i]) * c.P20 + jump;
        v = refractory ? c.V_reset : v;
        const bool spike = v >= c.V_th;
        V[i] = spike ? c.V_reset : v;
        ref[i] = spike ? c.refractory_steps : (refractory ? ref[i] - 1 : 0);
        spiked[i] = spike;
    }
}

[[gnu::target_clones("avx2", "default")]]
void update_curr_exp(const lif_constants& c, const lif_block& b) {
    float* __restrict V = b.V;
    float* __restrict Iex = b.x_ex;
    float* __restrict Iin = b.x_in;
    std::int32_t* __restrict ref = b.refractory;
    float* __restrict ex = b.in_ex;
    float* __restrict in = b.in_in;
    const float* __restrict dc = b.I_dc;
    std::uint8_t* __restrict spiked = b.spiked;
    for (std::size_t i = 0; i < b.n; ++i) {
        const bool refractory = ref[i] > 0;
        float v = c.E_L + (V[i] - c.E_L) * c.P22 + Iex[i] * c.P21_ex + Iin[i] * c.P21_in + (c.I_e + dc[i]) * c.P20;
        v = refractory ? c.V_reset : v;
        Iex[i] = Iex[i] * c.P11_ex + ex[i];
        Iin[i] = Iin[i] * c.P11_in + in[i];
        ex[i] = 0.0f;
        in[i] = 0.0f;
        const bool spike = v >= c.V_th;
        V[i] = spike ? c.V_reset : v;
        ref[i] = spike ? c.refractory_steps : (refractory ? ref[i] - 1 : 0);
        spiked[i] = spike;
    }
}

[[gnu::target_clones("avx2", "default")]]
void update_cond_exp(const lif_constants& c, const lif_block& b) {
    float* __restrict V = b.V;
    float* __restrict gex = b.x_ex;
    float* __restrict gin = b.x_in;
    std::int32_t* __restrict ref = b.refractory;
    float* __restrict ex = b.in_ex;
    float* __restrict in = b.in_in;
    const float* __restrict dc = b.I_dc;
    std::uint8_t* __restrict spiked = b.spiked;
    for (std::size_t i = 0; i < b.n; ++i) {
        const bool refractory = ref[i] > 0;
        const float ge = gex[i] * c.half_ex, gi = gin[i] * c.half_in;
        const float g = c.g_L + ge + gi;
        const float v_inf = (c.g_L * c.E_L + ge * c.E_ex + gi * c.E_in + c.I_e + dc[i]) / g;
        float v = v_inf + (V[i] - v_inf) * fast_exp(-c.h_over_C * g);
        v = refractory ? c.V_reset : v;
        gex[i] = gex[i] * c.P11_ex + ex[i];
        gin[i] = gin[i] * c.P11_in + in[i];
        ex[i] = 0.0f;
        in[i] = 0.0f;
        const bool spike = v >= c.V_th;
        V[i] = spike ? c.V_reset : v;
        ref[i] = spike ? c.refractory_steps : (refractory ? ref[i] - 1 : 0);
        spiked[i] = spike;
    }
}

}  // namespace

void update(const lif_constants& c, const lif_block& b) {
    switch (c.kind) {
    case neuron_kind::lif_delta: update_delta(c, b); break;
    case neuron_kind::lif_curr_exp: update_curr_exp(c, b); break;
    case neuron_kind::lif_cond_exp: update_cond_exp(c, b); break;
    }
}

}  // namespace synorm::model
