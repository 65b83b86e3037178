// Each neuron model against the analytic solution of its subthreshold dynamics.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "synorm/model/fast_exp.hpp"
#include "synorm/model/lif.hpp"

using namespace synorm::model;

namespace {

// One neuron with its own buffers, stepped by the library's update().
struct single {
    lif_constants c;
    float V, x_ex = 0, x_in = 0, dc = 0, in_ex = 0, in_in = 0, w = 0, dx_ex = 0, dx_in = 0;
    std::int32_t ref = 0;
    std::uint32_t fired = 0;
    single(const neuron_params& p, neuron_kind k, double dt, float v0) : c(lif_constants::make(p, k, dt)), V(v0) {}
    bool step(float input_ex = 0, float input_in = 0) {
        in_ex = input_ex;
        in_in = input_in;
        const std::size_t n_fired = update(c, {&V, &x_ex, &x_in, &ref, &dc, &in_ex, &in_in, &fired, 1, nullptr, nullptr,
                                               &w, nullptr, nullptr, nullptr, &dx_ex, &dx_in});
        EXPECT_EQ(in_ex, 0.0f) << "the ring-buffer slot is cleared after reading";
        return n_fired == 1;
    }
};

neuron_params quiet_params() {
    neuron_params p;
    p.C_m = 250;
    p.tau_m = 10;
    p.E_L = -65;
    p.V_th = 1000;  // never fires
    p.V_reset = -70;
    p.t_ref = 2;
    p.tau_syn_ex = 0.5;
    p.tau_syn_in = 2.0;
    p.E_ex = 0;
    p.E_in = -85;
    return p;
}

}  // namespace

TEST(lif_delta, relaxes_exactly_to_the_current_driven_rest) {
    auto p = quiet_params();
    p.I_e = 300;  // pA → V∞ = E_L + I τ/C = −65 + 12 mV
    const double dt = 0.1, v_inf = p.E_L + p.I_e * p.tau_m / p.C_m, v0 = -60;
    single n(p, neuron_kind::lif_delta, dt, static_cast<float>(v0));
    for (int k = 1; k <= 500; ++k) {
        n.step();
        const double expected = v_inf + (v0 - v_inf) * std::exp(-k * dt / p.tau_m);
        ASSERT_NEAR(n.V, expected, 5e-4) << "step " << k;  // float state: rounding accumulates over 500 steps
    }
}

TEST(lif_delta, input_jumps_the_membrane_potential) {
    auto p = quiet_params();
    single n(p, neuron_kind::lif_delta, 0.1, static_cast<float>(p.E_L));
    n.step(0.7f, -0.2f);
    EXPECT_NEAR(n.V, p.E_L + 0.5, 1e-5);
}

TEST(lif_delta, refractory_period_clamps_and_discards_input) {
    auto p = quiet_params();
    p.V_th = -55;
    p.t_ref = 2.0;
    single n(p, neuron_kind::lif_delta, 0.1, -56.0f);
    EXPECT_TRUE(n.step(2.0f));
    EXPECT_FLOAT_EQ(n.V, static_cast<float>(p.V_reset));
    for (int k = 0; k < 20; ++k) {  // t_ref / dt = 20 steps held at V_reset, input discarded
        EXPECT_FALSE(n.step(20.0f));
        EXPECT_FLOAT_EQ(n.V, static_cast<float>(p.V_reset)) << k;
    }
    n.step(1.0f);  // integrating again
    EXPECT_GT(n.V, p.V_reset + 0.9);
}

TEST(lif_curr_exp, psp_matches_the_analytic_alpha_difference) {
    auto p = quiet_params();
    const double dt = 0.1, I0 = 100.0;  // pA
    single n(p, neuron_kind::lif_curr_exp, dt, static_cast<float>(p.E_L));
    n.step(static_cast<float>(I0));  // arrives at step 0: V unchanged, I = I0 from then on
    EXPECT_FLOAT_EQ(n.V, static_cast<float>(p.E_L));
    const double ts = p.tau_syn_ex, tm = p.tau_m;
    for (int k = 1; k <= 300; ++k) {
        n.step();
        const double t = k * dt;
        const double psp = I0 * tm * ts / (p.C_m * (ts - tm)) * (std::exp(-t / ts) - std::exp(-t / tm));
        ASSERT_NEAR(n.V - p.E_L, psp, 1e-4 * std::max(1.0, std::abs(psp))) << "t = " << t;
        ASSERT_NEAR(n.x_ex, I0 * std::exp(-t / ts), 1e-3);
    }
}

TEST(lif_curr_exp, inhibitory_current_hyperpolarizes_with_its_own_time_constant) {
    auto p = quiet_params();
    const double dt = 0.1, I0 = -50.0;
    single n(p, neuron_kind::lif_curr_exp, dt, static_cast<float>(p.E_L));
    n.step(0.0f, static_cast<float>(I0));
    for (int k = 1; k <= 100; ++k) {
        n.step();
        const double t = k * dt, ts = p.tau_syn_in, tm = p.tau_m;
        const double psp = I0 * tm * ts / (p.C_m * (ts - tm)) * (std::exp(-t / ts) - std::exp(-t / tm));
        ASSERT_NEAR(n.V - p.E_L, psp, 1e-4);
    }
}

// The alpha current of peak w (pA) a spike at t = 0 starts: I(t) = w e/τs · t e^(−t/τs), and the
// membrane potential it moves, V(t) − E_L = w e/(τs C) ∫₀ᵗ s e^(−s/τs) e^(−(t−s)/τm) ds
// = w e/(τs C) · e^(−t/τm) (1 − e^(−ct)(1 + ct))/c², c = 1/τs − 1/τm.
double alpha_current(double w, double tau_s, double t) { return w * std::exp(1.0) / tau_s * t * std::exp(-t / tau_s); }
double alpha_psp(double w, double tau_s, const neuron_params& p, double t) {
    const double c = 1.0 / tau_s - 1.0 / p.tau_m;
    return w * std::exp(1.0) / (tau_s * p.C_m) * std::exp(-t / p.tau_m) * (1.0 - std::exp(-c * t) * (1.0 + c * t)) /
           (c * c);
}

// V relative to a resting potential of 0, as NEST keeps it: then float spacing is relative to the
// PSP, not to −65 mV.
neuron_params alpha_params() {
    auto p = quiet_params();
    p.E_L = 0;
    p.V_reset = -5;
    return p;
}

TEST(lif_curr_alpha, psp_matches_the_closed_form_to_float_precision) {
    const auto p = alpha_params();
    const double dt = 0.1, w = 100.0;  // pA, the peak of the current
    single n(p, neuron_kind::lif_curr_alpha, dt, static_cast<float>(p.E_L));
    n.step(static_cast<float>(w));  // arrives at step 0: V and I unchanged, the current starts rising
    EXPECT_FLOAT_EQ(n.V, static_cast<float>(p.E_L));
    EXPECT_EQ(n.x_ex, 0.0f);
    double peak = 0;
    for (int k = 1; k <= 1000; ++k) {
        n.step();
        const double t = k * dt, psp = alpha_psp(w, p.tau_syn_ex, p, t);
        peak = std::max(peak, psp);
        // Relative to the peak: float propagators and state, rounded over hundreds of steps.
        ASSERT_NEAR(n.V, psp, 5e-6 * 0.446) << "t = " << t;
        ASSERT_NEAR(n.x_ex, alpha_current(w, p.tau_syn_ex, t), 2e-6 * w) << "t = " << t;
    }
    EXPECT_NEAR(peak, 0.446, 0.001) << "mV: the tolerance above is relative to it";
}

TEST(lif_curr_alpha, inhibitory_psp_matches_the_closed_form_with_its_own_time_constant) {
    const auto p = alpha_params();
    const double dt = 0.1, w = -50.0;
    single n(p, neuron_kind::lif_curr_alpha, dt, static_cast<float>(p.E_L));
    n.step(0.0f, static_cast<float>(w));
    for (int k = 1; k <= 500; ++k) {
        n.step();
        const double t = k * dt;
        ASSERT_NEAR(n.V, alpha_psp(w, p.tau_syn_in, p, t), 5e-6 * 0.66) << "t = " << t;  // peak −0.66 mV
        ASSERT_NEAR(n.x_in, alpha_current(w, p.tau_syn_in, t), 2e-6 * -w) << "t = " << t;
        ASSERT_EQ(n.x_ex, 0.0f);
    }
}

TEST(lif_curr_alpha, current_peaks_at_the_weight_at_tau_syn) {
    for (const double tau_s : {0.5, 2.0, 0.32582722403722841}) {
        auto p = quiet_params();
        p.tau_syn_ex = tau_s;
        const double dt = tau_s == 0.5 || tau_s == 2.0 ? 0.1 : tau_s / 8, w = 45.6;  // a step falls on τs
        single n(p, neuron_kind::lif_curr_alpha, dt, static_cast<float>(p.E_L));
        n.step(static_cast<float>(w));
        int argmax = 0;
        float best = 0;
        for (int k = 1; k <= 400; ++k) {
            n.step();
            if (n.x_ex > best) {
                best = n.x_ex;
                argmax = k;
            }
        }
        EXPECT_NEAR(argmax * dt, tau_s, 1e-9) << "τs = " << tau_s;
        EXPECT_NEAR(best, w, 1e-5 * w) << "τs = " << tau_s;
    }
}

TEST(lif_curr_alpha, is_not_an_exponential_current) {
    // An exponential current of the same weight jumps to w at once and carries charge w τs; the
    // alpha current rises from 0, is w e^(1−1/5)/5 ≈ 0.445 w at τs/5, and carries charge e w τs.
    auto p = quiet_params();
    p.tau_syn_ex = 1.0;
    const double dt = 0.1, w = 10.0;
    single alpha(p, neuron_kind::lif_curr_alpha, dt, static_cast<float>(p.E_L));
    single exponential(p, neuron_kind::lif_curr_exp, dt, static_cast<float>(p.E_L));
    alpha.step(static_cast<float>(w));
    exponential.step(static_cast<float>(w));
    EXPECT_EQ(alpha.x_ex, 0.0f);
    EXPECT_EQ(exponential.x_ex, static_cast<float>(w));
    double charge = 0;  // pA·ms, trapezoids over 60 τs
    float previous = alpha.x_ex;
    double peak_alpha = 0, peak_exponential = 0;  // mV
    for (int k = 1; k <= 600; ++k) {
        alpha.step();
        exponential.step();
        if (k == 2) {
            EXPECT_NEAR(alpha.x_ex, w * std::exp(0.8) / 5, 1e-5 * w);
        }
        charge += 0.5 * (previous + alpha.x_ex) * dt;
        previous = alpha.x_ex;
        peak_alpha = std::max(peak_alpha, alpha.V - p.E_L);
        peak_exponential = std::max(peak_exponential, exponential.V - p.E_L);
    }
    EXPECT_NEAR(charge, std::exp(1.0) * w * p.tau_syn_ex, 3e-3 * w);  // the trapezoids' error is O(dt²)
    // So the PSP is larger by nearly e (less, since τm is finite and the charge arrives later).
    EXPECT_GT(peak_alpha, 2.0 * peak_exponential);
}

TEST(lif_curr_alpha, psp_is_exact_where_tau_syn_equals_tau_m) {
    // c → 0: V(t) − E_L = w e/(τ C) · t²/2 · e^(−t/τ); the propagator switches to its series there.
    for (const double tau_s : {10.0, 10.0 * (1 + 1e-7), 10.0 * (1 - 1e-3)}) {
        auto p = alpha_params();
        p.tau_syn_ex = tau_s;
        const double dt = 0.1, w = 20.0;
        single n(p, neuron_kind::lif_curr_alpha, dt, static_cast<float>(p.E_L));
        n.step(static_cast<float>(w));
        for (int k = 1; k <= 500; ++k) {
            n.step();
            const double t = k * dt;
            const double want = std::abs(1.0 / tau_s - 1.0 / p.tau_m) < 1e-6
                                    ? w * std::exp(1.0) / (tau_s * p.C_m) * t * t / 2 * std::exp(-t / p.tau_m)
                                    : alpha_psp(w, tau_s, p, t);
            ASSERT_NEAR(n.V, want, 5e-6 * 0.59) << "τs = " << tau_s << ", t = " << t;  // peak 0.59 mV
        }
    }
}

TEST(lif_cond_exp, rests_exactly_at_the_leak_reversal) {
    auto p = quiet_params();
    p.I_e = 50.0;
    const double dt = 0.1, gL = p.C_m / p.tau_m, v_inf = p.E_L + p.I_e / gL, v0 = -50;
    single n(p, neuron_kind::lif_cond_exp, dt, static_cast<float>(v0));
    for (int k = 1; k <= 300; ++k) {
        n.step();
        ASSERT_NEAR(n.V, v_inf + (v0 - v_inf) * std::exp(-k * dt / p.tau_m), 2e-4);
    }
}

TEST(lif_cond_exp, conductance_psp_matches_a_fine_reference_integration) {
    auto p = quiet_params();
    p.tau_syn_ex = 5.0;
    const double dt = 0.1, g0 = 20.0, gL = p.C_m / p.tau_m;  // nS
    single n(p, neuron_kind::lif_cond_exp, dt, static_cast<float>(p.E_L));
    n.step(static_cast<float>(g0));
    // RK4 with h = 1 µs of dV/dt = (−gL(V−E_L) − g(t)(V−E_ex)) / C, g(t) = g0 e^(−t/τ).
    double v = p.E_L, t = 0;
    const double h = 0.001;
    const auto f = [&](double tt, double vv) {
        return (-gL * (vv - p.E_L) - g0 * std::exp(-tt / p.tau_syn_ex) * (vv - p.E_ex)) / p.C_m;
    };
    double worst = 0;
    for (int k = 1; k <= 400; ++k) {
        n.step();
        for (int j = 0; j < 100; ++j) {
            const double k1 = f(t, v), k2 = f(t + h / 2, v + h / 2 * k1), k3 = f(t + h / 2, v + h / 2 * k2),
                         k4 = f(t + h, v + h * k3);
            v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            t += h;
        }
        worst = std::max(worst, std::abs(n.V - v));
    }
    EXPECT_LT(worst, 0.01) << "mV; peak depolarization is several mV";
    EXPECT_GT(n.V, p.E_L);  // still depolarized at 40 ms
}

TEST(lif, fires_regularly_at_the_analytic_rate_under_constant_current) {
    // T = t_ref + τ ln((V∞ − V_reset)/(V∞ − V_th)) for every model.
    for (const auto kind :
         {neuron_kind::lif_delta, neuron_kind::lif_curr_exp, neuron_kind::lif_cond_exp, neuron_kind::lif_curr_alpha}) {
        auto p = quiet_params();
        p.V_th = -55;
        p.V_reset = -65;
        p.I_e = 500;  // V∞ = −45 mV
        const double dt = 0.01, v_inf = p.E_L + p.I_e * p.tau_m / p.C_m;
        const double period = p.t_ref + p.tau_m * std::log((v_inf - p.V_reset) / (v_inf - p.V_th));
        single n(p, kind, dt, static_cast<float>(p.V_reset));
        std::vector<double> spikes;
        for (int k = 0; k < 20000; ++k)
            if (n.step()) spikes.push_back(k * dt);
        ASSERT_GE(spikes.size(), 3u);
        EXPECT_NEAR(spikes[2] - spikes[1], period, 2 * dt) << static_cast<int>(kind);
    }
}

TEST(lif_cond_exp_adapt, subthreshold_adaptation_settles_at_the_analytic_fixed_point) {
    // With a > 0 the adaptation current acts as an extra leak: V∞ = E_L + I_e/(g_L + a),
    // w∞ = a (V∞ − E_L).
    auto p = quiet_params();
    p.I_e = 200.0;
    p.a = 5.0;
    p.tau_w = 50.0;
    const double gL = p.C_m / p.tau_m, v_inf = p.E_L + p.I_e / (gL + p.a), w_inf = p.a * (v_inf - p.E_L);
    single n(p, neuron_kind::lif_cond_exp_adapt, 0.1, static_cast<float>(p.E_L));
    for (int k = 0; k < 20000; ++k) n.step();  // 40 τ_w
    EXPECT_NEAR(n.V, v_inf, 1e-3);
    EXPECT_NEAR(n.w, w_inf, 1e-3);
    EXPECT_GT(v_inf, p.E_L + 1.0);               // the case is not trivial: I_e depolarizes by several mV
    EXPECT_LT(v_inf, p.E_L + p.I_e / gL - 1.0);  // and adaptation takes a visible part of it
}

TEST(lif_cond_exp_adapt, spike_triggered_adaptation_matches_a_fine_reference_integration) {
    // a = 0: w jumps by b at each spike and decays with τ_w; the interspike intervals lengthen. The
    // reference is RK4 with h = 1 µs of C dV/dt = g_L (E_L − V) − w + I_e, τ_w dw/dt = −w, with the
    // same threshold, reset and refractory clamp.
    auto p = quiet_params();
    p.V_th = -55;
    p.V_reset = -65;
    p.I_e = 500;  // V∞ = −45 mV without adaptation
    p.b = 40.0;
    p.tau_w = 100.0;
    const double dt = 0.01, gL = p.C_m / p.tau_m;
    single n(p, neuron_kind::lif_cond_exp_adapt, dt, static_cast<float>(p.V_reset));
    std::vector<double> got;
    for (int k = 0; k < 40000 && got.size() < 8; ++k)
        if (n.step()) got.push_back((k + 1) * dt);

    std::vector<double> want;
    double v = p.V_reset, w = 0, t = 0, refractory_until = -1;
    const double h = 0.001;
    const auto dv = [&](double vv, double ww) { return (gL * (p.E_L - vv) - ww + p.I_e) / p.C_m; };
    while (want.size() < 8 && t < 400) {
        if (t < refractory_until) {
            v = p.V_reset;
        } else {
            const double k1 = dv(v, w), k2 = dv(v + h / 2 * k1, w * std::exp(-h / 2 / p.tau_w));
            const double k3 = dv(v + h / 2 * k2, w * std::exp(-h / 2 / p.tau_w)),
                         k4 = dv(v + h * k3, w * std::exp(-h / p.tau_w));
            v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        w *= std::exp(-h / p.tau_w);
        t += h;
        if (v >= p.V_th) {
            want.push_back(t);
            v = p.V_reset;
            w += p.b;
            refractory_until = t + p.t_ref;
        }
    }
    ASSERT_EQ(got.size(), 8u);
    ASSERT_EQ(want.size(), 8u);
    // A spike on the grid comes up to one step late, and the reset starts from there, so intervals
    // (not absolute times, where the lateness accumulates) are compared.
    EXPECT_NEAR(got[0], want[0], 2 * dt);
    for (std::size_t k = 1; k < 8; ++k)
        EXPECT_NEAR(got[k] - got[k - 1], want[k] - want[k - 1], 2 * dt) << "interval " << k << " (ms)";
    EXPECT_GT(want[7] - want[6], 1.2 * (want[1] - want[0])) << "the reference adapts";
    EXPECT_GT(got[7] - got[6], 1.2 * (got[1] - got[0]));
}

namespace {

// RK4 with h = 1 µs of C dV/dt = g_L (E_L − V) + I_e − w, τ_w dw/dt = a (V − E_L) − w, with threshold,
// reset, w += b at each spike and the refractory clamp: the reference of lif_curr_exp_adapt without input.
std::vector<double> adapting_reference(const neuron_params& p, double v0, double until, std::size_t spikes,
                                       double* v_end = nullptr, double* w_end = nullptr) {
    const double gL = p.C_m / p.tau_m, h = 0.001;
    const auto dv = [&](double v, double w) { return (gL * (p.E_L - v) - w + p.I_e) / p.C_m; };
    const auto dw = [&](double v, double w) { return (p.a * (v - p.E_L) - w) / p.tau_w; };
    std::vector<double> times;
    double v = v0, w = 0, t = 0, refractory_until = -1;
    const long n = std::lround(until / h);
    for (long k = 0; k < n && times.size() < spikes; ++k) {
        const bool clamped = t < refractory_until;
        const auto f = [&](double vv, double ww) { return std::pair{clamped ? 0.0 : dv(vv, ww), dw(vv, ww)}; };
        const auto [a1, b1] = f(v, w);
        const auto [a2, b2] = f(v + h / 2 * a1, w + h / 2 * b1);
        const auto [a3, b3] = f(v + h / 2 * a2, w + h / 2 * b2);
        const auto [a4, b4] = f(v + h * a3, w + h * b3);
        v += h / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
        w += h / 6 * (b1 + 2 * b2 + 2 * b3 + b4);
        t = (k + 1) * h;
        if (v >= p.V_th) {
            times.push_back(t);
            v = p.V_reset;
            w += p.b;
            refractory_until = t + p.t_ref;
        }
    }
    if (v_end) *v_end = v;
    if (w_end) *w_end = w;
    return times;
}

}  // namespace

TEST(lif_curr_exp_adapt, subthreshold_trajectory_matches_a_fine_reference_and_the_fixed_point) {
    // a > 0, constant current: V and w follow the coupled linear system; the adaptation current acts
    // as an extra leak at the fixed point V∞ = E_L + I_e/(g_L + a), w∞ = a (V∞ − E_L).
    auto p = quiet_params();
    p.I_e = 200.0;
    p.a = 5.0;
    p.tau_w = 50.0;
    const double gL = p.C_m / p.tau_m, v_inf = p.E_L + p.I_e / (gL + p.a), w_inf = p.a * (v_inf - p.E_L);
    single n(p, neuron_kind::lif_curr_exp_adapt, 0.1, static_cast<float>(p.E_L));
    for (int k = 1; k <= 1000; ++k) n.step();  // 100 ms: w is still far from w∞
    double v_ref = 0, w_ref = 0;
    adapting_reference(p, p.E_L, 100.0, 1, &v_ref, &w_ref);
    // The scheme is first order in h for the coupling (w held over the step, then relaxed toward V at
    // its end): w leads the reference by about h/2 · dw/dt, under 0.01 pA here.
    EXPECT_NEAR(n.V, v_ref, 2e-3);
    EXPECT_NEAR(n.w, w_ref, 1e-2);
    EXPECT_GT(w_ref, 0.5 * w_inf);
    EXPECT_LT(w_ref, 0.95 * w_inf);            // mid-way: the comparison is of a transient
    for (int k = 0; k < 20000; ++k) n.step();  // 40 τ_w more
    EXPECT_NEAR(n.V, v_inf, 1e-3);
    EXPECT_NEAR(n.w, w_inf, 1e-3);
    EXPECT_LT(v_inf, p.E_L + p.I_e / gL - 1.0);  // adaptation takes a visible part of the depolarization
}

TEST(lif_curr_exp_adapt, synaptic_current_is_that_of_lif_curr_exp_when_w_is_zero) {
    // a = b = 0: the model is lif_curr_exp, bit for bit.
    auto p = quiet_params();
    single adapting(p, neuron_kind::lif_curr_exp_adapt, 0.1, static_cast<float>(p.E_L));
    single plain(p, neuron_kind::lif_curr_exp, 0.1, static_cast<float>(p.E_L));
    for (int k = 0; k < 300; ++k) {
        const float in = k % 37 == 0 ? 120.0f : 0.0f, inh = k % 53 == 0 ? -80.0f : 0.0f;
        adapting.step(in, inh);
        plain.step(in, inh);
        ASSERT_EQ(adapting.V, plain.V) << "step " << k;
        ASSERT_EQ(adapting.x_ex, plain.x_ex);
    }
    EXPECT_LT(plain.V, p.E_L + 5.0);
    EXPECT_NE(plain.V, static_cast<float>(p.E_L));
}

TEST(lif_curr_exp_adapt, w_jumps_by_b_at_each_spike_and_intervals_match_a_fine_reference) {
    auto p = quiet_params();
    p.V_th = -55;
    p.V_reset = -65;
    p.I_e = 500;  // V∞ = −45 mV without adaptation
    p.a = 1.0;
    p.b = 40.0;
    p.tau_w = 100.0;
    const double dt = 0.01;
    const lif_constants c = lif_constants::make(p, neuron_kind::lif_curr_exp_adapt, dt);
    single n(p, neuron_kind::lif_curr_exp_adapt, dt, static_cast<float>(p.V_reset));
    std::vector<double> got;
    for (int k = 0; k < 40000 && got.size() < 8; ++k) {
        const float w_before = n.w;
        const bool spiked = n.step();
        // w relaxes toward a (V − E_L) at the step's end (V_reset after a spike), plus b if it spiked.
        const float w_inf = (n.V - c.E_L) * c.a;
        ASSERT_EQ(n.w, w_inf + (w_before - w_inf) * c.P_w + (spiked ? c.b : 0.0f)) << "step " << k;
        if (spiked) got.push_back((k + 1) * dt);
    }
    const std::vector<double> want = adapting_reference(p, p.V_reset, 400.0, 8);
    ASSERT_EQ(got.size(), 8u);
    ASSERT_EQ(want.size(), 8u);
    // A spike on the grid comes up to one step late and the reset starts from there: intervals compared.
    EXPECT_NEAR(got[0], want[0], 2 * dt);
    for (std::size_t k = 1; k < 8; ++k)
        EXPECT_NEAR(got[k] - got[k - 1], want[k] - want[k - 1], 3 * dt) << "interval " << k << " (ms)";
    EXPECT_GT(want[7] - want[6], 1.2 * (want[1] - want[0])) << "the reference adapts";
}

TEST(lif_curr_exp_adapt, rate_falls_as_b_grows) {
    auto p = quiet_params();
    p.V_th = -55;
    p.V_reset = -65;
    p.I_e = 500;
    p.tau_w = 200.0;
    std::vector<int> counts;
    for (const double b : {0.0, 10.0, 40.0, 160.0}) {
        p.b = b;
        single n(p, neuron_kind::lif_curr_exp_adapt, 0.1, static_cast<float>(p.V_reset));
        int spikes = 0;
        for (int k = 0; k < 10000; ++k) spikes += n.step() ? 1 : 0;  // 1 s
        counts.push_back(spikes);
    }
    for (std::size_t k = 1; k < counts.size(); ++k) EXPECT_LT(counts[k], counts[k - 1]) << "b index " << k;
    EXPECT_LT(counts.back(), counts.front() / 3);
}

TEST(fast_exp, agrees_with_std_exp) {
    double worst = 0;
    for (double x = -87.0; x <= 88.0; x += 0.001) {
        const float e = fast_exp(static_cast<float>(x));
        const double ref = std::exp(static_cast<double>(static_cast<float>(x)));
        worst = std::max(worst, std::abs(e - ref) / ref);
    }
    EXPECT_LT(worst, 4e-7);
}
