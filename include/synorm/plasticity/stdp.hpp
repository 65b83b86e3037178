// Pair STDP with traces, event-driven: a synapse is brought up to date when its presynaptic neuron
// spikes (and at sweeps), from the presynaptic trace kept once per CSR row and the postsynaptic
// neuron's recent spike history (NEST's approach: no per-synapse trace, no transposed index).
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

#include "synorm/model/model_spec.hpp"

namespace synorm::plasticity {

// A projection's rule with its parameters in the units the engine uses (steps, weight unit).
struct stdp_rule {
    model::weight_dependence dependence = model::weight_dependence::additive;
    bool nearest = false;
    double tau_plus_steps = 200, tau_minus_steps = 200;
    float A_plus = 0, A_minus = 0;   // weight unit; A_minus < 0
    float w_min = 0, w_max = 0, w_0 = 1, mu = 0.4f;

    static stdp_rule make(const model::plasticity_spec& p, double dt);

    // Potentiation of weight w by presynaptic trace value x (> 0), clipped to [w_min, w_max].
    float potentiate(float w, float x) const {
        float dw = A_plus * x;
        if (dependence == model::weight_dependence::power_law) dw *= std::pow(w / w_0, mu);
        return std::fmin(w + dw, w_max);
    }
    // Depression of weight w by postsynaptic trace value y (> 0), clipped to [w_min, w_max].
    float depress(float w, float y) const {
        float dw = A_minus * y;
        if (dependence == model::weight_dependence::multiplicative) dw *= w / w_max;
        else if (dependence == model::weight_dependence::power_law) dw *= w / w_0;
        return std::fmax(w + dw, w_min);
    }
    float decay_plus(std::int64_t steps) const { return static_cast<float>(std::exp(-static_cast<double>(steps) / tau_plus_steps)); }
    float decay_minus(std::int64_t steps) const { return static_cast<float>(std::exp(-static_cast<double>(steps) / tau_minus_steps)); }

    // The change of w for one pair at Δt (steps) from w: the rule's window, used by tests and
    // documentation (the engine applies the same functions event by event).
    float pair(float w, std::int64_t dt_steps) const {
        if (dt_steps == 0) return 0.0f;
        return dt_steps > 0 ? potentiate(w, decay_plus(dt_steps)) - w : depress(w, decay_minus(-dt_steps)) - w;
    }
};

// The spikes of one postsynaptic neuron that plastic synapses may still need, oldest first, each with
// the postsynaptic trace y just after it (all-to-all: the sum over earlier spikes, decayed, plus 1;
// nearest: 1).
struct post_spike {
    std::int64_t step;
    float y;  // trace right after this spike
};

// The postsynaptic spike histories of one thread's neurons. One trace time constant per neuron
// (every plastic projection onto a population shares it; the loader checks).
class post_history {
public:
    void resize(std::uint32_t neurons);
    // Neurons [begin, end) keep histories with this trace.
    void enable(std::uint32_t begin, std::uint32_t end, double tau_minus_steps, bool nearest);
    bool enabled(std::uint32_t neuron) const { return neuron < tau_.size() && tau_[neuron] > 0; }
    void record(std::uint32_t neuron, std::int64_t step);
    const std::vector<post_spike>& of(std::uint32_t neuron) const { return spikes_[neuron]; }
    // Forgets spikes no synapse can need any more: those before `before`, keeping the latest of them
    // (its trace value carries the older ones forward).
    void prune(std::int64_t before);
    // The trace of `neuron` strictly before `step`, 0 when there is none.
    float trace_before(std::uint32_t neuron, std::int64_t step) const;

private:
    std::vector<std::vector<post_spike>> spikes_;  // by thread-local neuron, oldest first
    std::vector<double> tau_;                      // by thread-local neuron: steps; 0 = no history
    std::vector<std::uint8_t> nearest_;
};

// A plastic table's presynaptic side, once per row (DESIGN.md decision 3), in emission steps.
struct row_state {
    static constexpr std::int64_t none = INT64_MIN / 4;
    std::vector<std::int64_t> last_pre;  // by row: the last presynaptic spike's emission step
    std::vector<float> x;                // by row: the presynaptic trace right after it
    std::vector<std::int64_t> done;      // by row: post spikes reaching the synapse at or before this are applied
    void resize(std::size_t rows) {
        last_pre.assign(rows, none);
        x.assign(rows, 0.0f);
        done.assign(rows, none);
    }
    std::uint64_t bytes() const { return last_pre.capacity() * 8 + x.capacity() * 4 + done.capacity() * 8; }
};

// Potentiation of one synapse (target `neuron`, delay `d` steps) by every postsynaptic spike that
// reaches it in (from, upto], paired with the row's presynaptic trace.
inline float potentiate_until(const stdp_rule& rule, float w, const post_history& history, std::uint32_t neuron, std::int64_t d,
                              std::int64_t last_pre, float x, std::int64_t from, std::int64_t upto) {
    if (last_pre == row_state::none) return w;
    const auto& h = history.of(neuron);
    // The first spike with step + d > from, scanning back from the newest (few are recent).
    std::size_t k = h.size();
    while (k > 0 && h[k - 1].step + d > from) --k;
    for (; k < h.size() && h[k].step + d <= upto; ++k) {
        const std::int64_t since = h[k].step + d - last_pre;  // ≥ 0
        const float trace = rule.nearest ? rule.decay_plus(since) : x * rule.decay_plus(since);
        w = rule.potentiate(w, trace);
    }
    return w;
}

}  // namespace synorm::plasticity
