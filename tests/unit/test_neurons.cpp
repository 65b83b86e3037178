// Each neuron model against the analytic solution of its subthreshold dynamics.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "synorm/model/fast_exp.hpp"
#include "synorm/model/lif.hpp"

using namespace synorm::model;

namespace {

// One neuron with its own buffers, stepped by the library's update().
struct single {
    lif_constants c;
    float V, x_ex = 0, x_in = 0, dc = 0, in_ex = 0, in_in = 0, w = 0;
    std::int32_t ref = 0;
    std::uint32_t fired = 0;
    single(const neuron_params& p, neuron_kind k, double dt, float v0) : c(lif_constants::make(p, k, dt)), V(v0) {}
    bool step(float input_ex = 0, float input_in = 0) {
        in_ex = input_ex;
        in_in = input_in;
        const std::size_t n_fired =
            update(c, {&V, &x_ex, &x_in, &ref, &dc, &in_ex, &in_in, &fired, 1, nullptr, nullptr, &w});
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
    for (const auto kind : {neuron_kind::lif_delta, neuron_kind::lif_curr_exp, neuron_kind::lif_cond_exp}) {
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

TEST(fast_exp, agrees_with_std_exp) {
    double worst = 0;
    for (double x = -87.0; x <= 88.0; x += 0.001) {
        const float e = fast_exp(static_cast<float>(x));
        const double ref = std::exp(static_cast<double>(static_cast<float>(x)));
        worst = std::max(worst, std::abs(e - ref) / ref);
    }
    EXPECT_LT(worst, 4e-7);
}
