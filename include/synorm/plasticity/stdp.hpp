// STDP with traces, event-driven: a synapse changes when a presynaptic spike reaches it (depression,
// from the postsynaptic trace) and when a postsynaptic spike reaches it (potentiation, from the
// presynaptic trace). Presynaptic traces are kept once per CSR row, postsynaptic ones once per neuron
// (with its recent spikes); the engine finds the synapses a postsynaptic spike reaches through the
// table's incoming index (network::incoming_index; Auryn's transposed matrix). Three rules share this
// machinery (model_spec.hpp, plasticity_spec): pair STDP, inhibitory STDP (Vogels et al. 2011), which
// is pair STDP with a symmetric window and a constant depression per presynaptic spike, and triplet
// STDP (Pfister & Gerstner 2006).
//
// Timing convention (as NEST): the delay d is dendritic. A presynaptic spike emitted at t_pre meets
// a postsynaptic spike emitted at t_post at the synapse with Δt = t_post + d − t_pre.
//   Δt > 0: potentiation when the postsynaptic spike reaches the synapse, by the presynaptic trace x.
//   Δt < 0: depression at the presynaptic spike, by the postsynaptic trace y.
//   Δt = 0: the postsynaptic spike pairs with the earlier presynaptic spikes only.
// All-to-all pairing sums the traces of every earlier spike; nearest pairing keeps only the most
// recent one (traces reset to 1).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "synorm/model/fast_exp.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::plasticity {

// e^(−k/τ) for whole numbers of steps k ≥ 0: std::exp up to 16 τ (where the value is 1e-7), fast_exp
// beyond. Traces decay by whole steps, so one or two lookups per synaptic event replace exp(). The
// table holds both parts, up to 88 τ, where fast_exp's argument is clamped and the value constant
// (at most 2^20 entries; fast_exp is computed past the table): many events pair with spikes more than
// 16 τ ago, and computing those inline cost a fifth of the potentiation loop.
class decay_table {
public:
    decay_table() = default;
    explicit decay_table(double tau_steps);
    float operator()(std::int64_t k) const {
        return static_cast<std::uint64_t>(k) < values_.size() ? values_[static_cast<std::size_t>(k)]
                                                              : model::fast_exp(static_cast<float>(-static_cast<double>(k) / tau_));
    }

private:
    std::vector<float> values_;  // by step count
    double tau_ = 1.0;           // steps
};

// A projection's rule parameters in the units the engine uses (steps, weight unit): a small value
// the hot loop copies into registers.
struct stdp_params {
    model::stdp_rule kind = model::stdp_rule::pair;
    model::weight_dependence dependence = model::weight_dependence::additive;
    bool nearest = false;
    double tau_plus_steps = 200, tau_minus_steps = 200;
    float A_plus = 0, A_minus = 0;   // weight unit; A_minus < 0
    float w_min = 0, w_max = 0, w_0 = 1, mu = 0.4f;
    // vogels: the signed step (η for conductances, −η for weights ≤ 0: a step always strengthens
    // inhibition) and the depression threshold α = 2 ρ0 τ on the postsynaptic trace.
    float eta = 0, alpha = 0;
    // triplet: the triplet amplitudes (A_plus and A_minus are the pair ones, A2+ and A2−).
    float A3_plus = 0, A3_minus = 0;  // weight unit; A3_minus ≤ 0

    float clip(float v) const { return v < w_min ? w_min : (v > w_max ? w_max : v); }
    // vogels, when a postsynaptic spike reaches the synapse: w + s η x.
    float vogels_post(float w, float x) const { return clip(w + eta * x); }
    // vogels, at a presynaptic spike: w + s η (y − α), y the postsynaptic trace just before it.
    float vogels_pre(float w, float y) const { return clip(w + eta * (y - alpha)); }
    // triplet, when a postsynaptic spike reaches the synapse: w + r1 (A2+ + A3+ o2), o2 the slow
    // postsynaptic trace just before that spike.
    float triplet_post(float w, float r1, float o2) const { return clip(w + r1 * (A_plus + A3_plus * o2)); }
    // triplet, at a presynaptic spike: w + o1 (A2− + A3− r2), r2 the slow presynaptic trace just before it.
    float triplet_pre(float w, float o1, float r2) const { return clip(w + o1 * (A_minus + A3_minus * r2)); }

    // Potentiation of weight w by presynaptic trace value x (> 0), clipped to [w_min, w_max].
    float potentiate(float w, float x) const {
        float dw = A_plus * x;
        if (dependence == model::weight_dependence::power_law) dw *= std::pow(w / w_0, mu);
        const float v = w + dw;
        return v > w_max ? w_max : v;
    }
    // Depression of weight w by postsynaptic trace value y (> 0), clipped to [w_min, w_max].
    float depress(float w, float y) const {
        float dw = A_minus * y;
        if (dependence == model::weight_dependence::multiplicative) dw *= w / w_max;
        else if (dependence == model::weight_dependence::power_law) dw *= w / w_0;
        const float v = w + dw;
        return v < w_min ? w_min : v;
    }
};

// The rule with its trace decays. Decay over a number of steps is a table lookup, because it runs
// once or twice per synaptic event.
struct stdp_rule : stdp_params {
    static stdp_rule make(const model::plasticity_spec& p, double dt);
    decay_table plus_decay, minus_decay;
    decay_table x_decay, y_decay;  // triplet: the slow traces r2 (tau_x) and o2 (tau_y)
    float decay_plus(std::int64_t steps) const { return plus_decay(steps); }
    float decay_minus(std::int64_t steps) const { return minus_decay(steps); }

    // The change of w for one pair at Δt (steps) from w: the rule's window, used by tests and
    // documentation (the engine applies the same functions event by event). For vogels the window
    // alone, without the constant depression −s η α of the presynaptic spike.
    float pair(float w, std::int64_t dt_steps) const {
        if (dt_steps == 0) return 0.0f;
        if (kind == model::stdp_rule::vogels)
            return dt_steps > 0 ? vogels_post(w, decay_plus(dt_steps)) - w : vogels_pre(w, decay_minus(-dt_steps) + alpha) - w;
        return dt_steps > 0 ? potentiate(w, decay_plus(dt_steps)) - w : depress(w, decay_minus(-dt_steps)) - w;
    }
};

// The spikes of one postsynaptic neuron that plastic synapses may still need, oldest first, each with
// the postsynaptic trace y just after it (all-to-all: the sum over earlier spikes, decayed, plus 1;
// nearest: 1).
struct post_spike {
    std::int64_t step;
    float y;   // trace right after this spike
    float o2;  // triplet: the slow trace just before this spike (0 without a triplet rule)
};

// The postsynaptic spike histories of one thread's neurons. One trace time constant per neuron
// (every plastic projection onto a population shares it; the loader checks). The newest spike of
// each neuron is also kept in flat arrays: most depressions only need that one.
class post_history {
public:
    static constexpr std::int64_t none = INT64_MIN / 4;
    void resize(std::uint32_t neurons);
    // Neurons [begin, end) keep histories with this trace.
    // `decay` must outlive the history (it is the rule's).
    // `slow`: the decay of the triplet rule's slow trace o2, or null when no triplet rule targets them.
    void enable(std::uint32_t begin, std::uint32_t end, const decay_table* decay, bool nearest, const decay_table* slow = nullptr);
    bool enabled(std::uint32_t neuron) const { return neuron < decay_.size() && decay_[neuron] != nullptr; }
    // Appends a spike of the neuron at `step` and returns it with its traces.
    const post_spike& record(std::uint32_t neuron, std::int64_t step);
    const std::vector<post_spike>& of(std::uint32_t neuron) const { return spikes_[neuron]; }
    // Checkpoints: replaces the neuron's history by `spikes` (oldest first), as read from `of`.
    void restore(std::uint32_t neuron, std::vector<post_spike> spikes);
    // Forgets spikes no synapse can need any more: those before `before`, keeping the latest of them
    // (its trace value carries the older ones forward).
    void prune(std::int64_t before);
    // The trace of `neuron` strictly before `step`, 0 when there is none. `decay` and `nearest` are
    // the neuron's (every rule onto it shares them): passed in so the caller keeps them in registers.
    float trace_before(std::uint32_t neuron, std::int64_t step, const decay_table& decay, bool nearest) const {
        const newest_spikes& last = newest_[neuron];
        // The common cases: no spike of the neuron since `step`, or one.
        const int k = last.step[0] < step ? 0 : (last.step[1] < step ? 1 : 2);
        if (k == 2) return trace_before_scan(neuron, step);
        if (last.step[k] == none) return 0.0f;
        const float d = decay(step - last.step[k]);
        return nearest ? d : last.y[k] * d;
    }

private:
    float trace_before_scan(std::uint32_t neuron, std::int64_t step) const;
    struct newest_spikes {       // the neuron's two newest spikes, newest first
        std::int64_t step[2] = {none, none};
        float y[2] = {0.0f, 0.0f};  // the trace right after each
    };
    std::vector<std::vector<post_spike>> spikes_;  // by thread-local neuron, oldest first
    std::vector<newest_spikes> newest_;            // by thread-local neuron: one cache line for most depressions
    std::vector<const decay_table*> decay_;        // by thread-local neuron: its trace's decay; null = no history
    std::vector<const decay_table*> slow_decay_;   // by thread-local neuron: o2's decay; null = no triplet rule
    std::vector<std::uint8_t> nearest_;
};

// A plastic table's presynaptic side, once per row (src/README.md decision 3), in emission steps.
struct row_state {
    static constexpr std::int64_t none = INT64_MIN / 4;
    std::vector<std::int64_t> last_pre;  // by row: the last presynaptic spike's emission step
    std::vector<float> x;                // by row: the presynaptic trace right after it
    std::vector<float> x2;               // by row, triplet only: the slow presynaptic trace r2 right after the last spike
    void resize(std::size_t rows, bool triplet = false) {
        last_pre.assign(rows, none);
        x.assign(rows, 0.0f);
        if (triplet) x2.assign(rows, 0.0f);
    }
    std::uint64_t bytes() const { return last_pre.capacity() * 8 + x.capacity() * 4 + x2.capacity() * 4; }
};

}  // namespace synorm::plasticity
