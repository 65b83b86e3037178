// The machinery of STDP with traces, event-driven, that every learning rule shares: a synapse changes
// when a presynaptic spike reaches it (depression, from the postsynaptic trace) and when a
// postsynaptic spike reaches it (potentiation, from the presynaptic trace). Presynaptic traces are
// kept once per CSR row, postsynaptic ones once per neuron (with its recent spikes); the engine finds
// the synapses a postsynaptic spike reaches through the table's incoming index
// (network::incoming_index; Auryn's transposed matrix). The rules themselves, each in one file, are
// in plasticity/rules/ (registered in plasticity/rules.hpp; src/plasticity/README.md).
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
#include <memory>
#include <vector>

#include "synorm/model/fast_exp.hpp"

namespace synorm::plasticity {

// e^(−k/τ) for whole numbers of steps k ≥ 0: std::exp up to 16 τ (where the value is 1e-7), fast_exp
// beyond. Traces decay by whole steps, so one or two lookups per synaptic event replace exp(). The
// table holds both parts, up to 88 τ, where fast_exp's argument is clamped and the value constant
// (at most 2^20 entries; fast_exp is computed past the table): many events pair with spikes more than
// 16 τ ago, and computing those inline cost a fifth of the potentiation loop.
// Tables of the same τ share their values (the process keeps one per τ while any table uses it): x and
// y usually have the same τ (config/coba_stdp.yaml), and lookups at random places of a table often miss
// the cache, so one table competes for it instead of two.
class decay_table {
public:
    decay_table() = default;
    explicit decay_table(double tau_steps);
    float operator()(std::int64_t k) const {
        return static_cast<std::uint64_t>(k) < size_
                   ? data_[static_cast<std::size_t>(k)]
                   : model::fast_exp(static_cast<float>(-static_cast<double>(k) / tau_));
    }

private:
    std::shared_ptr<const std::vector<float>> values_;  // by step count, shared by the tables of this τ
    const float* data_ = nullptr;                       // values_'s
    std::uint64_t size_ = 0;
    double tau_ = 1.0;  // steps
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
    void enable(std::uint32_t begin, std::uint32_t end, const decay_table* decay, bool nearest,
                const decay_table* slow = nullptr);
    bool enabled(std::uint32_t neuron) const { return neuron < decay_.size() && decay_[neuron] != nullptr; }
    // Appends a spike of the neuron at `step` and returns it with its traces. By value: the history's
    // end is often not in cache, and a reference there would make the caller wait for it.
    post_spike record(std::uint32_t neuron, std::int64_t step);
    const std::vector<post_spike>& of(std::uint32_t neuron) const { return spikes_[neuron]; }
    // Checkpoints: replaces the neuron's history by `spikes` (oldest first), as read from `of`.
    void restore(std::uint32_t neuron, std::vector<post_spike> spikes);
    // Forgets spikes no synapse can need any more: those before `before`, keeping the latest of them
    // (its trace value carries the older ones forward).
    void prune(std::int64_t before);
    // Requests `neuron`'s newest spikes ahead of a trace_before: delivery knows a row's next targets
    // before it needs their traces.
    void prefetch(std::uint32_t neuron) const { __builtin_prefetch(newest_.data() + neuron); }
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
    struct newest_spikes {  // the neuron's two newest spikes, newest first
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
    std::vector<float> x2;  // by row, triplet only: the slow presynaptic trace r2 right after the last spike
    void resize(std::size_t rows, bool triplet = false) {
        last_pre.assign(rows, none);
        x.assign(rows, 0.0f);
        if (triplet) x2.assign(rows, 0.0f);
    }
    std::uint64_t bytes() const { return last_pre.capacity() * 8 + x.capacity() * 4 + x2.capacity() * 4; }
};

}  // namespace synorm::plasticity
