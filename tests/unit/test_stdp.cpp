// STDP: the rule's window against hand-computed values, and the engine's event-driven, deferred
// updates against a direct computation over the recorded spike trains.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/checkpoint.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/plasticity/scaling.hpp"
#include "synorm/plasticity/rules.hpp"

using namespace synorm;

namespace {

model::plasticity_spec pair_spec(model::weight_dependence dep) {
    model::plasticity_spec p;
    p.rule = model::stdp_rule::pair;
    p.dependence = dep;
    p.tau_plus = 20.0;
    p.tau_minus = 20.0;
    p.A_plus = 0.1;
    p.A_minus = -0.105;
    p.w_min = 0.0;
    p.w_max = 2.0;
    p.w_0 = 1.0;
    p.mu = 0.4;
    return p;
}

using plasticity::pair_stdp;
using plasticity::projection_rule;
using plasticity::triplet_stdp;
using plasticity::vogels_stdp;

// A rule's two events on one synapse, as the engine applies them: `pre` with the postsynaptic trace y
// (row: the rule's per-row values), `post` with the presynaptic trace x and the slow trace o2.
template <class R>
float pre_of(const projection_rule& r, float w, float y, typename R::row row = {}) {
    return R::pre(r, r.params_of<R>(), row, w, y);
}
template <class R>
float post_of(const projection_rule& r, float w, float x, float o2 = 0.0f) {
    return R::post(r, r.params_of<R>(), w, 1.0f, x, 1.0f, o2);  // x as the decay of a unit trace: nearest or not
}
// The pair rule's change of w for one pair at Δt (steps).
float pair_window(const projection_rule& r, float w, std::int64_t dt_steps) {
    if (dt_steps == 0) return 0.0f;
    return dt_steps > 0 ? post_of<pair_stdp>(r, w, r.plus_decay(dt_steps)) - w
                        : pre_of<pair_stdp>(r, w, r.minus_decay(-dt_steps)) - w;
}

}  // namespace

TEST(stdp_rule, each_kind_of_the_spec_selects_its_registered_rule) {
    model::plasticity_spec p = pair_spec(model::weight_dependence::additive);
    EXPECT_FALSE(projection_rule::make(model::plasticity_spec{}, 0.1).plastic());
    const std::pair<model::stdp_rule, std::string_view> kinds[] = {
        {model::stdp_rule::pair, "stdp"}, {model::stdp_rule::triplet, "triplet"}, {model::stdp_rule::vogels, "vogels"}};
    for (const auto& [kind, name] : kinds) {
        p.rule = kind;
        const auto r = projection_rule::make(p, 0.1);
        ASSERT_TRUE(r.plastic());
        EXPECT_EQ(r.name, name);
        EXPECT_EQ(r.slow_traces, kind == model::stdp_rule::triplet) << name;
        EXPECT_EQ(r.metaplastic, kind != model::stdp_rule::vogels) << name;
        EXPECT_EQ(r.own.index(), r.id) << name;
        plasticity::registered_rules::visit(r.id, [&]<class R>(std::type_identity<R>) {
            EXPECT_EQ(plasticity::registered_rules::kind_of<R>(), kind) << name;
        });
    }
}

TEST(stdp_rule, window_values_for_each_weight_dependence) {
    const double dt = 0.1;
    // Δt = +10 ms: potentiation by A+ e^(−10/20); Δt = −10 ms: depression by A− e^(−10/20).
    const double e = std::exp(-0.5);
    const float w = 1.0f;
    const auto add = projection_rule::make(pair_spec(model::weight_dependence::additive), dt);
    EXPECT_NEAR(pair_window(add, w, 100), 0.1 * e, 1e-6);
    EXPECT_NEAR(pair_window(add, w, -100), -0.105 * e, 1e-6);
    EXPECT_EQ(pair_window(add, w, 0), 0.0f);
    EXPECT_EQ(pair_window(add, 1.99f, 1), 2.0f - 1.99f) << "hard upper bound";
    EXPECT_EQ(pair_window(add, 0.01f, -1), -0.01f) << "hard lower bound";
    const auto mul = projection_rule::make(pair_spec(model::weight_dependence::multiplicative), dt);
    EXPECT_NEAR(pair_window(mul, 0.5f, 100), 0.1 * e, 1e-6) << "potentiation additive";
    EXPECT_NEAR(pair_window(mul, 0.5f, -100), -0.105 * e * 0.5 / 2.0, 1e-6) << "depression ∝ w / w_max";
    const auto pow = projection_rule::make(pair_spec(model::weight_dependence::power_law), dt);
    EXPECT_NEAR(pair_window(pow, 0.5f, 100), 0.1 * e * std::pow(0.5, 0.4), 1e-6) << "potentiation ∝ (w/w0)^μ";
    EXPECT_NEAR(pair_window(pow, 0.5f, -100), -0.105 * e * 0.5, 1e-6) << "depression ∝ w/w0";
}

namespace {

// Inhibitory STDP on conductances (a step makes w larger): τ = 20 ms, η = 0.5, ρ0 = 5 Hz, so
// α = 2 · 5 Hz · 20 ms = 0.2; weights in [0, 10].
model::plasticity_spec vogels_spec() {
    model::plasticity_spec p;
    p.rule = model::stdp_rule::vogels;
    p.tau_plus = p.tau_minus = 20.0;
    p.eta = 0.5;
    p.target_rate = 5.0;
    p.w_min = 0.0;
    p.w_max = 10.0;
    return p;
}

}  // namespace

TEST(stdp_rule, vogels_window_and_constant_depression) {
    model::plasticity_spec p = vogels_spec();
    const auto g = projection_rule::make(p, 0.1);
    const float alpha = g.params_of<vogels_stdp>().alpha;
    EXPECT_NEAR(alpha, 0.2, 1e-7);
    const double e = std::exp(-0.5);
    EXPECT_NEAR(post_of<vogels_stdp>(g, 1.0f, g.plus_decay(100)) - 1.0f, 0.5 * e, 1e-6) << "Δt = +10 ms";
    EXPECT_NEAR(pre_of<vogels_stdp>(g, 1.0f, g.minus_decay(100) + alpha) - 1.0f, 0.5 * e, 1e-6)
        << "Δt = −10 ms without the constant depression: the same, the window is symmetric";
    EXPECT_NEAR(pre_of<vogels_stdp>(g, 1.0f, 0.0f), 1.0 - 0.5 * 0.2, 1e-6) << "a lone presynaptic spike: −η α";
    EXPECT_NEAR(pre_of<vogels_stdp>(g, 1.0f, 0.3f), 1.0 + 0.5 * (0.3 - 0.2), 1e-6) << "y above α: net strengthening";
    EXPECT_NEAR(post_of<vogels_stdp>(g, 1.0f, 0.4f), 1.2, 1e-6) << "η x";
    EXPECT_EQ(pre_of<vogels_stdp>(g, 0.05f, 0.0f), 0.0f) << "hard lower bound";
    EXPECT_EQ(post_of<vogels_stdp>(g, 9.9f, 1.0f), 10.0f) << "hard upper bound";
    // Current weights (≤ 0, bounds [−10, 0]): the same steps, toward more negative weights.
    p.w_min = -10.0;
    p.w_max = 0.0;
    const auto c = projection_rule::make(p, 0.1);
    EXPECT_NEAR(post_of<vogels_stdp>(c, -1.0f, c.plus_decay(100)) + 1.0f, -0.5 * e, 1e-6);
    EXPECT_NEAR(pre_of<vogels_stdp>(c, -1.0f, 0.0f), -0.9, 1e-6) << "depression weakens: toward 0";
    EXPECT_NEAR(post_of<vogels_stdp>(c, -1.0f, 0.4f), -1.2, 1e-6);
    EXPECT_EQ(pre_of<vogels_stdp>(c, -0.05f, 0.0f), 0.0f) << "bounded at 0";
    EXPECT_EQ(post_of<vogels_stdp>(c, -9.9f, 1.0f), -10.0f) << "bounded at w_min";
}

namespace {

// Pfister & Gerstner 2006, Table 4, visual cortex, minimal all-to-all model (A3− = 0 there; a small
// one here so that every term is exercised), weights in [0, 2].
model::plasticity_spec triplet_spec() {
    model::plasticity_spec p;
    p.rule = model::stdp_rule::triplet;
    p.tau_plus = 16.8;
    p.tau_minus = 33.7;
    p.tau_x = 101.0;
    p.tau_y = 125.0;
    p.A_plus = 5e-10;
    p.A3_plus = 6.2e-3;
    p.A_minus = -7e-3;
    p.A3_minus = -2.3e-4;
    p.w_min = 0.0;
    p.w_max = 2.0;
    return p;
}

}  // namespace

TEST(stdp_rule, triplet_terms) {
    const auto r = projection_rule::make(triplet_spec(), 0.1);
    // At a postsynaptic spike: w + r1 (A2+ + A3+ o2).
    EXPECT_NEAR(post_of<triplet_stdp>(r, 1.0f, 0.5f, 0.8f), 1.0 + 0.5 * (5e-10 + 6.2e-3 * 0.8), 1e-6);
    EXPECT_NEAR(post_of<triplet_stdp>(r, 1.0f, 0.5f, 0.0f), 1.0 + 0.5 * 5e-10, 1e-6)
        << "no earlier postsynaptic spike: pair term only";
    // At a presynaptic spike: w + o1 (A2− + A3− r2).
    EXPECT_NEAR(pre_of<triplet_stdp>(r, 1.0f, 0.4f, {2.0f}), 1.0 + 0.4 * (-7e-3 - 2.3e-4 * 2.0), 1e-6);
    EXPECT_EQ(post_of<triplet_stdp>(r, 1.999f, 1.0f, 10.0f), 2.0f) << "hard upper bound";
    EXPECT_EQ(pre_of<triplet_stdp>(r, 0.001f, 1.0f, {0.0f}), 0.0f) << "hard lower bound";
    // The decays of the slow traces: e^(−10 ms/101 ms) and e^(−10 ms/125 ms).
    EXPECT_NEAR(r.slow_pre_decay(100), std::exp(-10.0 / 101.0), 1e-6);
    EXPECT_NEAR(r.slow_post_decay(100), std::exp(-10.0 / 125.0), 1e-6);
    // One pre spike at 0 and posts at 10 and 20 ms (d → 0): the second post's potentiation carries
    // o2 = e^(−10/125) from the first, r1 = e^(−20/16.8).
    const double r1 = std::exp(-20.0 / 16.8), o2 = std::exp(-10.0 / 125.0);
    const float w1 = post_of<triplet_stdp>(r, 1.0f, static_cast<float>(std::exp(-10.0 / 16.8)));
    EXPECT_NEAR(post_of<triplet_stdp>(r, w1, static_cast<float>(r1), static_cast<float>(o2)) - w1,
                r1 * (5e-10 + 6.2e-3 * o2), 1e-6);
}

// A phase's learning-rate factor reaches every rate of every rule: 0 stops each of them (Vogels'
// constant depression and the triplet terms included), 0.5 halves each step, 1 restores the rule.
TEST(stdp_rule, a_learning_rate_factor_scales_every_rule) {
    const auto vogels = projection_rule::make(vogels_spec(), 0.1), triplet = projection_rule::make(triplet_spec(), 0.1),
               pair = projection_rule::make(pair_spec(model::weight_dependence::additive), 0.1);
    for (const float f : {0.0f, 0.5f, 1.0f}) {
        auto r = vogels;
        r.scale_rates(vogels, f);
        EXPECT_FLOAT_EQ(pre_of<vogels_stdp>(r, 1.0f, 0.0f) - 1.0f, -f * 0.5f * 0.2f) << "f " << f << ": −f η α";
        EXPECT_FLOAT_EQ(post_of<vogels_stdp>(r, 1.0f, 0.4f) - 1.0f, f * 0.5f * 0.4f) << "f " << f << ": f η x";
        r = triplet;
        r.scale_rates(triplet, f);
        EXPECT_NEAR(post_of<triplet_stdp>(r, 1.0f, 0.5f, 0.8f) - 1.0f, f * 0.5 * (5e-10 + 6.2e-3 * 0.8), 1e-7);
        EXPECT_NEAR(pre_of<triplet_stdp>(r, 1.0f, 0.4f, {2.0f}) - 1.0f, f * 0.4 * (-7e-3 - 2.3e-4 * 2.0), 1e-7);
        r = pair;
        r.scale_rates(pair, f);
        EXPECT_FLOAT_EQ(r.A_plus, f * pair.A_plus);
        EXPECT_FLOAT_EQ(r.A_minus, f * pair.A_minus);
    }
}

// Tables of one τ share their values (plasticity/stdp.hpp); those of another τ must not, and a
// table outlives the others of its τ.
TEST(stdp_rule, decay_tables_share_values_only_within_one_tau) {
    auto r = projection_rule::make(pair_spec(model::weight_dependence::additive), 0.1);
    auto p = pair_spec(model::weight_dependence::additive);
    p.tau_minus = 10.0;
    const auto other = projection_rule::make(p, 0.1);
    for (const std::int64_t k : {0, 1, 7, 200, 3199, 3201, 17600, 17601, 40000}) {
        EXPECT_EQ(r.plus_decay(k), r.minus_decay(k)) << k;
        EXPECT_EQ(other.plus_decay(k), r.plus_decay(k)) << k;
    }
    for (const std::int64_t k : {1, 7, 200, 1600}) {  // within 16 τ: std::exp
        EXPECT_EQ(r.minus_decay(k), static_cast<float>(std::exp(-static_cast<double>(k) / 200.0))) << k;
        EXPECT_EQ(other.minus_decay(k), static_cast<float>(std::exp(-static_cast<double>(k) / 100.0))) << k;
    }
    EXPECT_EQ(r.minus_decay(200), static_cast<float>(std::exp(-1.0)));
    const plasticity::decay_table kept = r.plus_decay;
    r = projection_rule{};  // the other tables of τ = 200 steps go; `kept` still reads its values
    EXPECT_EQ(kept(200), static_cast<float>(std::exp(-1.0)));
    EXPECT_EQ(plasticity::decay_table(100.0)(100), static_cast<float>(std::exp(-1.0)));
}

TEST(scaling, gain_moves_toward_the_target_with_separate_time_constants) {
    model::scaling_spec s;
    s.enabled = true;
    s.target_rate = 5.0;
    s.tau_up = 1000.0;
    s.tau_down = 4000.0;
    // Silent neuron: gap 1, up: g · (1 + 100/1000).
    float J = 0.0f;  // no integral term: stays 0
    const auto drive = [&](double rate, double H) { return plasticity::scaling_drive(s, rate, H, 1.0, J); };
    EXPECT_NEAR(plasticity::scale_excitatory(s, 1.0f, drive(0.0, 100.0)), 1.1, 1e-6);
    // Twice the target: gap −1, down: g · (1 − 100/4000).
    EXPECT_NEAR(plasticity::scale_excitatory(s, 1.0f, drive(10.0, 100.0)), 0.975, 1e-6);
    EXPECT_NEAR(plasticity::scale_inhibitory(s, 1.0f, drive(0.0, 100.0)), 0.9, 1e-6) << "opposite direction";
    EXPECT_FLOAT_EQ(plasticity::scale_excitatory(s, 1.0f, drive(5.0, 100.0)), 1.0f) << "at target";
    EXPECT_FLOAT_EQ(plasticity::scale_excitatory(s, 9.9f, drive(0.0, 1000.0)), 10.0f) << "bounded";
    EXPECT_EQ(J, 0.0f);
    plasticity::calcium_trace c;
    c.spike(0, 100.0);
    c.spike(100, 100.0);
    EXPECT_NEAR(c.at(200, 100.0), (std::exp(-1.0) + 1.0) * std::exp(-1.0), 1e-6);
    EXPECT_NEAR(plasticity::sensed_rate(10.0f, 1000.0), 10.0, 1e-12) << "c / τ_Ca";
}

namespace {

// Two regularly firing neurons (DC-driven) joined by one plastic synapse too weak to matter.
model::model_spec pair_network(const model::plasticity_spec& rule, double delay, double I_pre = 310.0,
                               double I_post = 290.0) {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 1000.0;
    for (const char* name : {"A", "B"}) {
        model::population_spec p;
        p.name = name;
        p.size = 1;
        p.model = model::neuron_kind::lif_delta;
        p.params.E_L = -65;
        p.params.V_reset = -65;
        p.params.V_th = -55;
        p.params.tau_m = 10;
        p.params.C_m = 250;
        p.params.t_ref = 2;
        p.params.I_e = name[0] == 'A' ? I_pre : I_post;  // two incommensurate periods
        p.V_init = model::distribution::constant_value(name[0] == 'A' ? -60.0 : -65.0);
        spec.populations.push_back(p);
    }
    model::projection_spec ab;
    ab.name = "AB";
    ab.source = 0;
    ab.target = 1;
    ab.rule = model::connection_rule::one_to_one;
    ab.weight = model::distribution::constant_value(1.0);
    ab.delay = model::distribution::constant_value(delay);
    ab.plasticity = rule;
    spec.projections = {ab};
    spec.recording.spike_populations = {0, 1};
    spec.recording.weights.push_back({0, {1000.0}});
    return spec;
}

// The rule applied directly: events at the synapse in time order (a postsynaptic spike reaches it d
// after it is fired; at equal times the postsynaptic one first), traces summed over the spike trains.
// `factor(t)`, when given: metaplasticity's factor on the potentiation paid at time t.
double reference_weight(const projection_rule& rule, std::vector<double> pre, std::vector<double> post_arrival,
                        double w, double dt, double end, const std::function<double(double)>& factor = {}) {
    struct event {
        double t;
        int kind;
    };  // kind 0: post arrival, 1: pre
    std::vector<event> ev;
    for (double t : pre) ev.push_back({t, 1});
    for (double t : post_arrival)
        if (t <= end) ev.push_back({t, 0});
    std::sort(ev.begin(), ev.end(),
              [](const event& a, const event& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
    const double tp = rule.tau_plus_steps * dt, tm = rule.tau_minus_steps * dt;
    for (const auto& e : ev) {
        if (e.kind == 0) {
            double x = 0, nearest = -1e300;
            for (double t : pre)
                if (t < e.t) {
                    x += std::exp(-(e.t - t) / tp);
                    nearest = std::max(nearest, t);
                }
            if (rule.nearest) x = nearest > -1e299 ? std::exp(-(e.t - nearest) / tp) : 0.0;
            if (factor) x *= factor(e.t);
            const auto [w_f, x_f] = std::pair{static_cast<float>(w), static_cast<float>(x)};
            if (rule.name == vogels_stdp::name) w = post_of<vogels_stdp>(rule, w_f, x_f);
            else if (x > 0)
                w = post_of<pair_stdp>(rule, w_f, x_f);
        } else {
            double y = 0, nearest = -1e300;
            for (double t : post_arrival)
                if (t < e.t) {
                    y += std::exp(-(e.t - t) / tm);
                    nearest = std::max(nearest, t);
                }
            if (rule.nearest) y = nearest > -1e299 ? std::exp(-(e.t - nearest) / tm) : 0.0;
            const auto [w_f, y_f] = std::pair{static_cast<float>(w), static_cast<float>(y)};
            if (rule.name == vogels_stdp::name) w = pre_of<vogels_stdp>(rule, w_f, y_f);
            else if (y > 0)
                w = pre_of<pair_stdp>(rule, w_f, y_f);
        }
    }
    return w;
}

// Runs a pair network serially; the spike times (ms) of A and of B, and the results.
struct pair_run {
    std::vector<double> pre, post;
    engine::results res;
};
pair_run run_pair(const model::model_spec& spec) {
    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 1);
    pair_run out;
    engine::hooks h;
    h.on_spikes = [&](const engine::spike_batch& b) {
        for (std::size_t k = 0; k < b.gids.size(); ++k)
            (b.gids[k] == 0 ? out.pre : out.post).push_back(static_cast<double>(b.steps[k]) * 0.1);
    };
    out.res = sim.run(h);
    return out;
}

void check_rule_against_reference(const model::plasticity_spec& rule_spec, double delay, double I_pre, double I_post,
                                  double w0) {
    auto spec = pair_network(rule_spec, delay, I_pre, I_post);
    spec.projections[0].weight = model::distribution::constant_value(w0);
    if (w0 < 0) spec.populations[0].type = model::cell_type::inhibitory;
    const auto [pre, post, res] = run_pair(spec);
    ASSERT_GT(pre.size(), 20u);
    ASSERT_GT(post.size(), 20u);
    ASSERT_EQ(res.snapshots.size(), 1u);
    std::vector<double> arrival;
    for (double t : post) arrival.push_back(t + delay);
    const auto rule = projection_rule::make(rule_spec, 0.1);
    // Pre spikes count when emitted before the end; post arrivals when they reach the synapse by then.
    const double expected = reference_weight(rule, pre, arrival, w0, 0.1, 1000.0);
    EXPECT_NEAR(res.snapshots[0].weights[0], expected, 2e-5) << "pre " << pre.size() << " post " << post.size();
    EXPECT_NE(res.snapshots[0].weights[0], static_cast<float>(w0)) << "the weight changed";
}

void check_against_reference(model::weight_dependence dep, model::spike_pairing pairing, double delay,
                             double I_pre = 310.0, double I_post = 290.0) {
    auto rule_spec = pair_spec(dep);
    rule_spec.pairing = pairing;
    rule_spec.A_plus = 0.01;
    rule_spec.A_minus = -0.0105;
    check_rule_against_reference(rule_spec, delay, I_pre, I_post, 1.0);
}

model::plasticity_spec vogels_spec(double w_min, double w_max) {
    model::plasticity_spec p;
    p.rule = model::stdp_rule::vogels;
    p.tau_plus = p.tau_minus = 20.0;
    p.eta = 0.01;
    p.target_rate = 20.0;  // α = 0.8
    p.w_min = w_min;
    p.w_max = w_max;
    return p;
}

}  // namespace

TEST(stdp_engine, additive_all_to_all_matches_the_rule_applied_to_the_spike_trains) {
    check_against_reference(model::weight_dependence::additive, model::spike_pairing::all_to_all, 1.5);
}
TEST(stdp_engine, multiplicative_all_to_all) {
    check_against_reference(model::weight_dependence::multiplicative, model::spike_pairing::all_to_all, 1.5);
}
TEST(stdp_engine, power_law_with_a_long_delay) {
    check_against_reference(model::weight_dependence::power_law, model::spike_pairing::all_to_all, 7.3);
}
TEST(stdp_engine, many_postsynaptic_spikes_between_presynaptic_ones) {
    // ~10 Hz presynaptic, ~150 Hz postsynaptic: windows hold more spikes than the recent-spike cache.
    check_against_reference(model::weight_dependence::multiplicative, model::spike_pairing::all_to_all, 1.5, 262.0,
                            1500.0);
}
// One row whose synapses have different delays (eight multapses A → B, delays drawn in [1, 7) ms):
// each follows the rule at its own delay. A postsynaptic spike reaches them at different steps, so
// its potentiation is applied as several runs of the incoming index, each merged with the
// presynaptic spikes at its own step. Weights and delays read from a checkpoint at 600 ms.
TEST(stdp_engine, synapses_of_one_row_with_different_delays_each_follow_the_rule) {
    auto rule_spec = pair_spec(model::weight_dependence::additive);
    rule_spec.A_plus = 0.01;
    rule_spec.A_minus = -0.0105;
    auto spec = pair_network(rule_spec, 1.0, 310.0, 290.0);
    auto& ab = spec.projections[0];
    ab.rule = model::connection_rule::fixed_indegree;
    ab.indegree = 8;
    ab.delay.shape = model::distribution::kind::uniform;
    ab.delay.low = 1.0;
    ab.delay.high = 7.0;
    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 1);
    std::vector<double> pre, post;
    network::synapse_list synapses;
    engine::hooks h;
    h.on_spikes = [&](const engine::spike_batch& b) {
        for (std::size_t k = 0; k < b.gids.size(); ++k)
            (b.gids[k] == 0 ? pre : post).push_back(static_cast<double>(b.steps[k]) * 0.1);
    };
    h.checkpoint_every_ms = 600.0;
    h.on_checkpoint = [&](const engine::checkpoint_state& c) {
        if (synapses.size() == 0) synapses = c.synapses[0];
    };
    sim.run(h);
    ASSERT_EQ(synapses.size(), 8u);
    const double end = 600.0;
    std::vector<double> pre_before;
    for (double t : pre)
        if (t < end - 1e-9) pre_before.push_back(t);  // emitted before the checkpoint's step
    ASSERT_GT(pre_before.size(), 10u);
    const auto rule = projection_rule::make(rule_spec, 0.1);
    std::set<std::uint16_t> delays;
    for (std::size_t k = 0; k < synapses.size(); ++k) {
        const double d = synapses.delays[k] * 0.1;
        delays.insert(synapses.delays[k]);
        std::vector<double> arrival;
        for (double t : post) arrival.push_back(t + d);
        EXPECT_NEAR(synapses.weights[k], reference_weight(rule, pre_before, arrival, 1.0, 0.1, end), 2e-5)
            << "delay " << d << " ms";
    }
    EXPECT_GE(delays.size(), 4u) << "the row's synapses have different delays";
}

TEST(stdp_engine, nearest_spike_pairing) {
    check_against_reference(model::weight_dependence::additive, model::spike_pairing::nearest, 2.0);
}
TEST(stdp_engine, vogels_on_conductance_like_weights_matches_the_rule_applied_to_the_spike_trains) {
    check_rule_against_reference(vogels_spec(0.0, 2.0), 1.5, 310.0, 290.0, 1.0);
}
TEST(stdp_engine, vogels_on_inhibitory_current_weights_with_a_long_delay) {
    // Weights ≤ 0 (a voltage jump down): the rule's steps point the other way.
    check_rule_against_reference(vogels_spec(-2.0, 0.0), 7.3, 310.0, 320.0, -0.5);
}

namespace {

// The triplet rule applied directly: events at the synapse in time order, each trace summed over
// the spike trains (o2 at a postsynaptic spike's emission, over the earlier ones).
double reference_triplet(const model::plasticity_spec& p, const std::vector<double>& pre,
                         const std::vector<double>& post, double d, double w, double end) {
    const auto rule = projection_rule::make(p, 0.1);
    struct event {
        double t;
        int kind;
        std::size_t index;
    };
    std::vector<event> ev;
    for (std::size_t k = 0; k < pre.size(); ++k) ev.push_back({pre[k], 1, k});
    for (std::size_t k = 0; k < post.size(); ++k)
        if (post[k] + d <= end) ev.push_back({post[k] + d, 0, k});
    std::sort(ev.begin(), ev.end(),
              [](const event& a, const event& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
    const auto sum = [](const std::vector<double>& times, double t, double tau, double shift) {
        double s = 0;
        for (double u : times)
            if (u + shift < t) s += std::exp(-(t - u - shift) / tau);
        return s;
    };
    for (const auto& e : ev) {
        if (e.kind == 0) {
            const double r1 = sum(pre, e.t, p.tau_plus, 0.0), o2 = sum(post, post[e.index], p.tau_y, 0.0);
            const float w_f = static_cast<float>(w);
            if (r1 > 0) w = post_of<triplet_stdp>(rule, w_f, static_cast<float>(r1), static_cast<float>(o2));
        } else {
            const double o1 = sum(post, e.t, p.tau_minus, d), r2 = sum(pre, e.t, p.tau_x, 0.0);
            const float w_f = static_cast<float>(w);
            if (o1 > 0) w = pre_of<triplet_stdp>(rule, w_f, static_cast<float>(o1), {static_cast<float>(r2)});
        }
    }
    return w;
}

void check_triplet(double delay, double I_pre, double I_post) {
    auto p = triplet_spec();
    p.A_plus = 0.004;  // visible pair potentiation too
    const auto spec = pair_network(p, delay, I_pre, I_post);
    const auto [pre, post, res] = run_pair(spec);
    ASSERT_GT(pre.size(), 20u);
    ASSERT_GT(post.size(), 20u);
    const double expected = reference_triplet(p, pre, post, delay, 1.0, 1000.0);
    EXPECT_NEAR(res.snapshots[0].weights[0], expected, 2e-5) << "pre " << pre.size() << " post " << post.size();
    EXPECT_NE(res.snapshots[0].weights[0], 1.0f);
}

}  // namespace

// Metaplasticity on the postsynaptic neuron: every homeostasis period H, θ ← θ + (r² − θ)(1 − e^(−H/τθ))
// from the calcium-sensed rate r at the boundary, and the potentiation paid by a postsynaptic spike
// that reaches the synapse in (T_k, T_k+1] takes the factor θ0/θ computed at T_k (1 before the
// first boundary). The reference recomputes calcium, θ and the factors from the spike trains.
TEST(stdp_engine, metaplasticity_scales_the_potentiation_by_the_sliding_threshold) {
    auto rule_spec = pair_spec(model::weight_dependence::additive);
    rule_spec.A_plus = 0.01;
    rule_spec.A_minus = -0.0105;
    const double delay = 1.5, H = 60.0, tau_ca = 200.0;  // H: a whole number of 1.5 ms intervals
    auto spec = pair_network(rule_spec, delay, 310.0, 290.0);
    spec.homeostasis.period = H;
    auto& mp = spec.populations[1].metaplasticity;
    mp.enabled = true;
    mp.target_rate = 20.0;  // θ0 = 400 Hz²
    mp.tau_theta = 100.0;
    mp.factor_min = 0.05;
    mp.factor_max = 20.0;
    spec.populations[1].tau_calcium = tau_ca;
    const auto [pre, post, res] = run_pair(spec);
    ASSERT_GT(post.size(), 20u);
    // θ and the factor at each boundary T_k = k H.
    std::vector<double> factors{1.0};
    double theta = 400.0;
    const double step = 1.0 - std::exp(-H / 100.0);
    std::vector<double> theta_at;
    for (int k = 1; k * H <= 1000.0; ++k) {
        const double T = k * H;
        double c = 0;
        for (double t : post)
            if (t < T - 1e-9) c += std::exp(-(T - t) / tau_ca);
        const double r = c / (tau_ca * 1e-3);
        theta += (r * r - theta) * step;
        theta_at.push_back(theta);
        factors.push_back(std::clamp(400.0 / theta, 0.05, 20.0));
    }
    const auto factor = [&](double t) { return factors[static_cast<std::size_t>(std::ceil(t / H - 1e-9)) - 1]; };
    std::vector<double> arrival;
    for (double t : post) arrival.push_back(t + delay);
    const auto rule = projection_rule::make(rule_spec, 0.1);
    const double expected = reference_weight(rule, pre, arrival, 1.0, 0.1, 1000.0, factor);
    const double without = reference_weight(rule, pre, arrival, 1.0, 0.1, 1000.0);
    EXPECT_NEAR(res.snapshots[0].weights[0], expected, 2e-5);
    EXPECT_GT(std::fabs(expected - without), 1e-3) << "the factors changed the weight";
    // The record: θ of the population (one neuron) at each boundary.
    ASSERT_EQ(res.homeostasis.theta.size(), 2u);
    ASSERT_EQ(res.homeostasis.theta[1].size(), theta_at.size());
    for (std::size_t k = 0; k < theta_at.size(); ++k)
        EXPECT_NEAR(res.homeostasis.theta[1][k], theta_at[k], 1e-3 * theta_at[k]) << k;
}

TEST(stdp_engine, triplet_matches_the_rule_applied_to_the_spike_trains) { check_triplet(1.5, 310.0, 290.0); }
TEST(stdp_engine, triplet_with_many_postsynaptic_spikes_and_a_long_delay) { check_triplet(7.3, 262.0, 1500.0); }
