// The engine's state, shared by its translation units (build, interval steps, homeostasis, records,
// the loop). Private to src/engine.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

#include "synorm/engine/ring_buffer.hpp"
#include "synorm/engine/weight_histogram.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/model/lif.hpp"
#include "synorm/model/poisson_source.hpp"
#include "synorm/model/poisson_table.hpp"
#include "synorm/model/random_stream.hpp"
#include "synorm/model/sampling.hpp"
#include "synorm/model/time_steps.hpp"
#include "synorm/network/network.hpp"
#include "synorm/network/partition.hpp"
#include "synorm/plasticity/branches.hpp"
#include "synorm/plasticity/pruning.hpp"
#include "synorm/plasticity/scaling.hpp"
#include "synorm/plasticity/rules.hpp"

namespace synorm::engine {

namespace detail {

// A spike word that no neuron can send: a rank that failed sends it so that every rank stops at the
// same interval.
constexpr std::uint64_t failure_word = ~std::uint64_t{0};
// Requests that travel the same way: take a checkpoint at the next interval start (and stop there).
// Sorted after every spike and before the failure word; removed before delivery.
constexpr std::uint64_t stop_word = failure_word - 1;
constexpr std::uint64_t checkpoint_word = failure_word - 2;

// One Poisson input as the threads see it: per-step constants and, per thread, the neurons it feeds.
struct poisson_source {
    model::poisson_table table;
    float weight = 0;           // receptor unit
    bool inhibitory = false;
    std::int64_t start = 0, stop = 0;  // steps [start, stop)
    std::uint32_t index = 0;    // input index: its random streams
};

// One stimulus pattern as the engine drives it (model/stimulus_pattern.hpp), in steps.
struct pattern_drive {
    model::poisson_table table;   // events per member and step
    float weight = 0;             // receptor unit
    bool inhibitory = false;
    std::int64_t duration = 0, jitter = 0, probe_duration = 0, window = 0;
    std::vector<model::presentation> shown;  // the presentations given, ascending onsets
    std::vector<std::int64_t> probes;        // probe onsets, ascending
    // By population-local id of the pattern's population: 0 outside the group, 1 an uncued member,
    // 2 a member the probes cue.
    std::vector<std::uint8_t> role;
};

struct dc_source {
    float amplitude = 0;  // pA
    std::int64_t start = 0, stop = 0;
};

// A run of a thread's neurons [begin, end) that an input feeds.
struct neuron_range {
    std::uint32_t input = 0;
    std::uint32_t begin = 0, end = 0;
};

// A spike of a neuron with a postsynaptic history, kept until it has reached every plastic synapse.
struct post_event {
    std::int64_t step;
    std::uint32_t neuron;  // thread-local
    float o2;              // triplet: the slow postsynaptic trace just before the spike
};

// One postsynaptic spike reaching a run of the synapses of one plastic table at one step: the
// entries [begin, end) of the table's incoming index of `neuron`, all with the same delay.
struct post_arrival {
    std::int64_t step;
    std::uint32_t projection, neuron;
    std::uint64_t begin, end;
    float o2;
};

// How one thread delivers the spikes of one projection, resolved once at build (delivery.cpp,
// resolve_delivery, which states the rule for each kind); one function per kind.
enum class delivery_kind : std::uint8_t {
    static_uniform,  // static, adds w: every synapse of the thread's table has one delay
    static_rows,     // static, adds w: a slot per synapse
    transmitted,     // static, sends through the transmitter (additive scaling, branches)
    plastic,         // plastic: plastic + the rule's index in plasticity::registered_rules
};
inline delivery_kind plastic_rule(std::size_t rule) {
    return static_cast<delivery_kind>(static_cast<std::size_t>(delivery_kind::plastic) + rule);
}
inline std::size_t rule_of(delivery_kind kind) {
    return static_cast<std::size_t>(kind) - static_cast<std::size_t>(delivery_kind::plastic);
}

struct recorder_part {  // this thread's share of one state recorder
    std::vector<std::uint32_t> neurons;  // thread-local indices
    std::vector<float> values;           // [sample][variable][neuron]
};

struct thread_state {
    const network::thread_layout* layout = nullptr;
    std::uint32_t n = 0;
    // Neuron state, by thread-local neuron.
    std::vector<float> V;        // mV
    std::vector<float> x_ex;     // pA or nS (receptor unit)
    std::vector<float> x_in;
    std::vector<float> I_dc;     // pA
    std::vector<std::int32_t> refractory;  // steps left
    std::vector<float> w;        // pA, adaptation current; empty unless some population adapts
    std::vector<std::uint32_t> fired;   // scratch: block indices of the neurons that spiked in a step
    ring_buffer ring_ex, ring_in;
    std::vector<network::synapse_table> tables;  // by projection
    std::vector<delivery_kind> delivery;         // by projection: how its spikes are delivered
    // Plasticity and homeostasis (empty when the run has none).
    std::vector<plasticity::row_state> rows;          // by projection; empty for static ones
    plasticity::post_history history;                 // by thread-local neuron
    std::vector<float> gain_ex, gain_in;              // by thread-local neuron: synaptic scaling, normalization
    std::vector<float> integral;                      // by thread-local neuron: the scaling's integral term J (when any)
    std::vector<float> offset_ex, mean_w_ex;          // by thread-local neuron: additive scaling's offset and w̄ (weight unit)
    std::vector<float> E_in;                          // by thread-local neuron, mV: E_GABA homeostasis (when any)
    std::vector<float> theta;                         // by thread-local neuron, Hz²: metaplasticity's sliding threshold (when any)
    std::vector<float> potentiation;                  // by thread-local neuron: its factor θ0/θ on pair and triplet potentiation
    // Postsynaptic spikes on their way to plastic synapses (plastic_delivery.cpp), by step, then
    // neuron; those before post_log_head have reached every synapse.
    std::vector<post_event> post_log;
    std::size_t post_log_head = 0;
    std::int64_t arrived = 0;                         // every postsynaptic spike reaching a plastic synapse at or before this step is applied
    std::vector<post_arrival> arrivals;               // scratch: the arrivals of one delivery, in step order
    std::vector<float> input_ex, input_in;            // by thread-local neuron: input arriving this period, gains included
    std::vector<double> sum_w;                        // by thread-local neuron: scratch, Σ plastic excitatory w (normalization)
    std::vector<std::pair<std::size_t, std::uint32_t>> recorded;  // homeostasis recorders: (slot in the reduction, local neuron)
    std::vector<plasticity::calcium_trace> calcium;   // by thread-local neuron
    // Branch-local homeostasis (empty without branches): [thread-local neuron][branch], branch_stride
    // branches per neuron, of which the neuron's population uses the first `count`.
    std::vector<float> branch_gain;                   // dimensionless
    std::vector<float> branch_activity;               // the input drive trace a (spikes, gain-weighted)
    std::vector<std::uint32_t> branch_arrivals;       // spikes that reached the branch this period
    std::vector<std::int64_t> period_spikes;          // by population: spikes in this homeostasis period
    std::vector<std::int64_t> sums;                   // this thread's part of the global reduction
    std::vector<std::int64_t> prune_counts;           // [projection][prune_field]: this thread's part of a pruning point
    std::int64_t longest_plastic_delay = 0;           // steps, over this thread's plastic synapses
    std::vector<neuron_range> poisson_ranges, dc_ranges;
    // poisson_source members: the four words of block source_block of each one's stream.
    std::vector<std::array<std::uint32_t, 4>> source_words;  // by thread-local neuron (empty without sources)
    std::int64_t source_block = -1;                          // step / 4
    std::vector<std::vector<std::uint32_t>> pattern_members;  // [pattern] thread-local neurons of its group, ascending
    std::vector<std::size_t> pattern_next;                    // [pattern] first presentation not yet over
    // Output of the current interval and of the current flush.
    std::vector<std::uint64_t> interval_spikes;  // packed (lag, gid)
    std::vector<std::uint64_t> flush_gids;
    std::vector<std::int64_t> flush_steps;
    std::vector<std::vector<std::int64_t>> rate_counts;  // [population][bin]
    std::vector<recorder_part> recorders;
    std::uint64_t spikes = 0;    // emitted by this thread's neurons
    std::uint64_t events = 0;    // spikes delivered to this thread's synapses
    double t_update = 0, t_deliver = 0;
    std::exception_ptr error;
};

inline std::int64_t to_step(double t_ms, double dt) {
    if (!std::isfinite(t_ms)) return INT64_MAX;
    return model::to_steps(t_ms, dt);
}

// The thread-local neurons [begin, end) of a slice whose population-local ids lie in [first, first + count).
inline neuron_range range_in_slice(const network::thread_layout& layout, const network::population_slice& s,
                                   std::uint64_t first_gid, std::uint64_t first, std::uint64_t count, std::uint32_t input) {
    const auto b = layout.gids.begin();
    const auto lo = std::lower_bound(b + s.begin, b + s.end, first_gid + first);
    const auto hi = std::lower_bound(b + s.begin, b + s.end, first_gid + first + count);
    return {input, static_cast<std::uint32_t>(lo - b), static_cast<std::uint32_t>(hi - b)};
}

// The branches of one row's synapses, in row order (src/README.md decision 4; model::branch_spec). A row
// of a `by_source` projection is on one branch; otherwise each synapse's branch is hashed from its
// row, its target's gid and its occurrence among the row's synapses onto that target (rows are sorted
// by target, so the occurrence is a counter). One hash per synapse per spike instead of a byte of
// storage per synapse.
struct branch_cursor {
    std::int32_t fixed = -1;               // the row's branch, or -1: hashed per synapse
    std::uint64_t row = 0;                 // plasticity::row_hash of the row
    const std::uint64_t* gids = nullptr;   // by thread-local neuron
    std::uint32_t count = 1;
    std::uint32_t previous = ~0u, occurrence = 0;
    std::uint32_t operator()(std::uint32_t target) {
        if (fixed >= 0) return static_cast<std::uint32_t>(fixed);
        occurrence = target == previous ? occurrence + 1 : 0;
        previous = target;
        return plasticity::random_branch(row, gids[target], occurrence, count);
    }
};

// The weight with which a synapse of one projection acts on its target i (src/README.md decision 4), in
// the order of transmission (transmitter, below): w times the gain of its branch, times
// the SHY gain G (on the synapses below the selective spare threshold only), plus the additive
// offset, then times the target's scaling gain. Weight snapshots and the pruning threshold read
// this same value.
struct effective_weight {
    const float* branch_gain = nullptr;  // [neuron][branch]; null without branches
    std::size_t branch_stride = 0;
    const float* offset = nullptr;       // by neuron; null unless additive scaling applies
    const float* gain = nullptr;         // by neuron; null unless the target's kernel applies gains
    float G = 1.0f;
    float spare = INFINITY;              // selective renormalization: w at or above it keeps G = 1
    float operator()(float w, std::uint32_t i, std::uint32_t branch) const {
        const float g = w < spare ? G : 1.0f;
        if (branch_gain) w *= branch_gain[std::size_t{i} * branch_stride + branch];
        w *= g;
        if (offset) w = plasticity::offset_weight(w, offset[i]);
        if (gain) w *= gain[i];
        return w;
    }
};

// What a synapse of weight w (a plastic one's freshly updated) sends to its target i: with branches,
// w times its branch's gain (and the arrival is counted); times the SHY gain G (engine/phases.cpp; 1
// outside renormalization and for static projections; not for w at or above the spare threshold in
// selective mode); in the additive scaling variant, plus the target's offset, never of the other
// sign. That is effective_weight without the target's scaling gain, which the kernel applies when
// the input arrives. Every delivery path that does more than add w sends through this.
struct transmitter {
    thread_state& ts;
    branch_cursor* branch;      // null without branches
    std::size_t branch_stride;
    const float* offset;        // null unless the projection takes part in additive scaling
    float G;
    float spare;                // selective renormalization: w ≥ spare keeps its weight (+inf otherwise)
    [[gnu::always_inline]] inline float operator()(float w, std::uint32_t i) const {
        const float g = w < spare ? G : 1.0f;
        if (branch) {
            const std::size_t at = std::size_t{i} * branch_stride + (*branch)(i);
            ++ts.branch_arrivals[at];
            w *= ts.branch_gain[at];
        }
        w *= g;
        return offset ? plasticity::offset_weight(w, offset[i]) : w;
    }
};

}  // namespace detail

using namespace detail;

struct simulation::impl {
    model::model_spec own;  // the spec the engine reads: a copy, since phases change its parameters
    const model::model_spec& spec;
    comm::communicator& comm;
    network::partition part;
    std::int64_t D = 1;          // steps per interval (the minimum delay)
    std::int64_t total_steps = 0;
    std::vector<std::uint64_t> first_gid;              // by population, plus the total
    std::vector<model::lif_constants> constants;       // by population
    std::vector<std::vector<std::uint32_t>> projections_from;  // by source population
    std::vector<poisson_source> poisson;
    std::vector<dc_source> dc;
    std::vector<std::int64_t> dc_changes;  // steps at which some DC input starts or stops, ascending
    std::vector<std::vector<model::source_piece>> source_rate;  // by population: poisson_source rates; empty for neurons
    bool any_source = false;
    std::vector<pattern_drive> patterns;   // by pattern
    std::vector<std::int64_t> probe_spikes;  // [pattern][probe][role] this rank's spikes in probe windows
    std::vector<std::size_t> probe_at;       // by pattern: its first entry in probe_spikes
    std::vector<std::uint8_t> record_spikes;  // by population
    std::int64_t rate_bin_steps = 0, rate_bins = 0;
    std::vector<thread_state> threads;
    double build_time = 0;
    std::int64_t start_step = 0;  // 0, or the step of the checkpoint this rank was rebuilt from
    const checkpoint_state* restoring = nullptr;  // during construction only
    results restored;             // records of the checkpoint, continued by run()
    // Plasticity (src/README.md decisions 3, 4, 7).
    std::vector<plasticity::projection_rule> rules;  // by projection (id none: static)
    std::vector<std::uint8_t> plastic;         // by projection
    bool any_plastic = false, any_scaling = false;
    // Homeostasis beyond the basic gain (plasticity/scaling.hpp), and what the records need.
    bool any_integral = false, any_additive = false, any_e_gaba = false, any_normalization = false, track_input = false;
    bool any_meta = false;                     // some population has metaplasticity
    std::vector<std::uint8_t> meta_on;         // by projection: pair or triplet onto a population with metaplasticity
    std::vector<double> theta_step;            // by population: 1 − e^(−H/tau_theta) (metaplasticity)
    std::vector<std::uint8_t> uses_gain;       // by population: the kernel multiplies its input by gains
    std::vector<std::uint8_t> additive;        // by projection: excitatory onto a population with additive scaling
    std::vector<double> glia;                  // by population: glial boost b, from the last global reduction
    std::int64_t H = 0;                        // homeostasis period, steps; 0: no homeostasis loop
    std::vector<double> tau_calcium_steps;     // by population
    std::vector<std::uint8_t> history_of;      // by population: keeps postsynaptic spike histories
    // Branch-local homeostasis: projections whose synapses sit on branches (excitatory ones onto a
    // population with branches) and the layout of the branch state and of its sums in the reduction.
    std::vector<std::uint8_t> branched;        // by projection
    std::uint32_t branch_stride = 0;           // branches per neuron in the thread arrays; 0: none
    std::vector<double> branch_decay;          // by population: e^(−H/tau_activity)
    std::vector<double> branch_spread;         // by population: (1 − e^(−H/tau_activity))·tau_activity/H
    std::vector<std::size_t> branch_sum_at;    // by population: first entry of its sums in the reduction
    std::size_t branch_sums = 0;               // entries of the reduction for branches
    static constexpr double branch_value_unit = 1099511627776.0;  // 2^40: recorded gains, exact for floats ≥ 2^-16

    // The fixed-size vector of the global reduction (src/README.md decision 7), integer fixed point so
    // that the sum is exact in any order (decision 5). Per population, pop_fields values (below);
    // per plastic projection (at proj_slot), proj_fields values: Σ |w|/s, Σ (|w|/s)² (s = weight_scale), synapses,
    // synapses at w_min, at w_max, then the weight_bins counts of the histogram over [w_min, w_max];
    // per neuron of the homeostasis recorders, the bits of its gain_ex, gain_in, E_in and θ (exact
    // floats: only the owner contributes: recorded_fields each); last the number of non-finite membrane potentials and
    // plastic weights (health checks).
    enum pop_field : std::size_t { f_spikes, f_calcium, f_gain_ex, f_gain_in, f_gain_ex2, f_gain_in2, f_E_in, f_E_in2,
                                   f_input_ex, f_input_in, f_theta, f_theta2, pop_fields };
    static constexpr std::size_t recorded_fields = 4;
    static constexpr std::size_t proj_fields = 5 + weight_bins;
    static constexpr double calcium_unit = 65536.0, gain_unit = 16777216.0, weight_unit = 16777216.0, voltage_unit = 65536.0,
                            input_unit = 65536.0, theta_unit = 1024.0;
    // Rounded to the nearest unit, halves away from zero (std::llround); values of either sign.
    static std::int64_t to_fixed(double value, double unit) { return round_to_integer(value * unit); }
    std::vector<std::size_t> proj_slot;           // by projection: offset in the reduction; plastic ones only
    std::size_t neuron_slot = 0, reduction_len = 0;
    // ... then, for each population with branches, Σ g and Σ g² per branch and the recorded neurons'
    // gains (branch_sum_at), before the last entry.
    std::size_t reduction_size() const { return reduction_len; }
    branch_cursor branches_of_row(const thread_state& ts, std::uint32_t projection, std::uint64_t source) const;
    // The largest weight magnitude a plastic projection allows: its weights enter the reduction as
    // |w| / weight_scale ∈ [0, 1] whatever their sign convention (inhibitory current weights are ≤ 0).
    double weight_scale(std::uint32_t j) const { return std::max(std::fabs(rules[j].w_min), std::fabs(rules[j].w_max)); }

    // The schedule (engine/phases.cpp; model/phase_schedule.hpp). Phases begin and end at interval
    // starts that are homeostasis boundaries when the loop runs: every weight is up to date there.
    model::model_spec configured;               // the parameters as written, which every phase starts from
    std::vector<model::phase_run> phase_runs;   // the expanded schedule; empty without one
    std::size_t phase_next = 0;                 // the next phase to begin
    bool phase_open = false;                    // phase_next − 1 is running
    double phase_wall0 = 0.0;                   // omp_get_wtime() when the open phase began (as if, after a resume)
    std::vector<float> shy_gain;                // by projection: SHY gain G on transmitted weights (1 unless renormalizing)
    double shy_G = 1.0;                         // the network's SHY gain, which shy_gain holds for renormalized projections
    // by projection: selective renormalization's spare threshold θ (w ≥ θ: G does not apply); +inf
    // outside a selective renormalizing phase, so that G applies to every synapse.
    std::vector<float> shy_spare;
    std::vector<std::uint8_t> renormalized;     // by projection: excitatory and plastic, so under SHY
    std::vector<plasticity::projection_rule> configured_rules;  // by projection: learning-rate factors scale their A±
    double set_point = -1.0;                    // total excitatory plastic weight W*; < 0 until it is taken
    std::vector<double> synapse_count;          // by projection: global synapse counts (renormalized ones)
    bool phase_due(std::int64_t t0) const { return phase_next < phase_runs.size() && phase_runs[phase_next].start <= t0; }

    // Microglial pruning (plasticity/pruning.hpp, engine/pruning.cpp).
    std::vector<std::uint8_t> pruned;           // by projection: has a pruning_spec
    std::vector<std::uint32_t> tag_checks;      // by projection: tagging_time / H, the checks a tag needs beyond
    std::vector<std::int64_t> prune_every;      // by projection, steps; 0: at the ends of NREM phases
    std::vector<std::int64_t> nrem_ends;        // steps, ascending: ends of the schedule's NREM phases that run
    bool any_pruning = false;
    enum prune_field : std::size_t { p_below, p_tagged, p_removed, p_before, p_bytes_before, p_bytes_after, prune_fields };

    // ---- the steps, in the files named -------------------------------------------------------
    impl(const model::model_spec& s, comm::communicator& c, int n_threads, const checkpoint_state* from = nullptr);
    // Everything a thread owns is allocated and first touched by that thread.
    void build_thread(int t, const std::vector<std::vector<std::uint64_t>>& splits);
    // Received spikes (sorted by lag, then gid) emitted in the interval that started at `t_emit0`
    // go into the ring buffers at emission step + delay; postsynaptic spikes that reach plastic
    // synapses in (ts.arrived, upto] potentiate them, merged with the presynaptic spikes by step
    // (upto: the next interval's start, or the end of the run). Each (slot, neuron) sees its
    // additions in the same order on every decomposition: spikes in canonical order, projections
    // in order, each row in drawing order.
    void deliver(thread_state& ts, const std::vector<std::uint64_t>& spikes, std::int64_t t_emit0, std::int64_t upto);
    // The kind of delivery of projection j on a thread whose table is `table` (delivery.cpp).
    delivery_kind resolve_delivery(std::uint32_t j, const network::synapse_table& table) const;
    // A presynaptic spike on a plastic row of a projection with rule Rule (src/README.md decision 3):
    // each synapse takes the rule's presynaptic update, then transmits its new weight (transmitter).
    template <class Rule>
    void deliver_plastic(thread_state& ts, std::uint32_t j, std::uint64_t src, std::int64_t t_pre);
    // The postsynaptic arrivals at plastic synapses in (ts.arrived, upto], into ts.arrivals by step;
    // one of them applied (potentiation); and the window closed at upto.
    void collect_arrivals(thread_state& ts, std::int64_t upto);
    void apply_arrival(thread_state& ts, const post_arrival& a);
    void finish_arrivals(thread_state& ts, std::int64_t upto);
    // A spike on a static row whose synapses send more than their weight (branches, additive scaling):
    // each sends what the transmitter makes of it, as a plastic synapse would.
    void deliver_transmitted(thread_state& ts, std::uint32_t j, std::uint64_t src, std::uint64_t base);
    // The transmitter of projection j on this thread; `cursor` is the row's branches (when branched).
    transmitter sender(thread_state& ts, std::uint32_t j, branch_cursor& cursor) const {
        return {ts, branched[j] ? &cursor : nullptr, branch_stride, additive[j] ? ts.offset_ex.data() : nullptr,
                shy_gain[j], shy_spare[j]};
    }
    // The branch gains' part of homeostasis_local, and of homeostasis_global.
    void branch_homeostasis(thread_state& ts, const network::population_slice& slice, double H_ms);
    void record_branches(const std::vector<std::int64_t>& total, homeostasis_trace& trace);
    // Poisson input for the steps [t0, t1) goes into the ring buffers before any spike of the interval
    // is delivered to them. Counts come from the stream (seed, input, gid), one word per step.
    void add_poisson(thread_state& ts, std::int64_t t0, std::int64_t t1);
    void apply_dc(thread_state& ts, std::int64_t step);
    // Stimulus patterns (patterns.cpp): their drive for the steps [t0, t1), after add_poisson; the
    // master's count of this rank's spikes of the interval from t0 that fall in probe windows; and
    // the engram's weights at a boundary T (collective).
    void init_patterns();
    void add_patterns(thread_state& ts, std::int64_t t0, std::int64_t t1);
    void count_probe_spikes(const std::vector<std::uint64_t>& spikes, std::int64_t t0);
    void sample_patterns(std::int64_t T, results& out);
    void finish_patterns(results& out);
    void sample_state(thread_state& ts, std::int64_t step);
    // Advances the thread's neurons through the steps [t0, t1); spikes go to the interval buffer
    // with their lag, and to the recorders.
    void update(thread_state& ts, std::int64_t t0, std::int64_t t1, std::size_t& dc_next);
    // The poisson_source members of one slice at step s: their block indices that fire, into ts.fired.
    std::size_t fire_sources(thread_state& ts, const network::population_slice& slice, std::int64_t s);
    // One thread's part of a homeostasis period ending at T: sensors read, gains moved toward their
    // targets, and this thread's sums (every weight is up to date after the delivery at T).
    void homeostasis_local(thread_state& ts, std::int64_t T);
    // The master's part: the global reduction (one collective) and one sample of the record.
    void homeostasis_global(std::int64_t T, homeostasis_trace& trace);
    // Throws health_stop when a check of spec.checks fails on the reduced sums of the period ending at T.
    void check_health(std::int64_t T, const homeostasis_trace& trace, std::int64_t non_finite);
    weight_snapshot snapshot(std::uint32_t projection, std::int64_t step);
    effective_weight effective_weights(const thread_state& ts, std::uint32_t projection) const;
    // Pruning (pruning.cpp). The tags move at every homeostasis check, at the end of homeostasis_local
    // (gains updated: the values a snapshot at T reads). At a pruning point, after
    // the records of T, each thread removes its tagged synapses and the master records the counts.
    void init_pruning();
    bool pruning_due(std::uint32_t projection, std::int64_t T) const;
    bool pruning_point(std::int64_t T) const;
    void tag_synapses(thread_state& ts);
    void prune_local(thread_state& ts, std::int64_t T);
    void prune_global(std::int64_t T, results& out);
    // Checkpoints (checkpoint.cpp): this rank's state at the start of interval `step`, after its
    // deliveries and homeostasis; and the reverse, once the threads have built their (empty) state.
    checkpoint_state capture(std::int64_t step, const results& so_far);
    void restore(const checkpoint_state& from);
    // Recorder k's samples of this rank so far (`samples` of them), gids ascending.
    state_trace gather_trace(std::size_t k, std::size_t samples) const;
    // The master's part of the schedule at a boundary T (after the homeostasis period ending there):
    // one period of SHY renormalization, then the end of the running phase (SHY gain folded into the
    // weights, its record) and the start of the next (its settings). Collective: every rank calls it.
    void init_schedule();
    // The schedule's part of a checkpoint, and its restoration: the position, the SHY state, the
    // records so far, and the running phase's settings applied again.
    schedule_record capture_schedule(const results& so_far) const;
    void restore_schedule(const schedule_record& from);
    void phase_boundary(std::int64_t T, bool homeostasis_due, results& out);
    void end_phase(results& out);
    void apply_settings(std::uint32_t phase);
    // Σw over renormalized projections, all ranks (collective): `scaled` below the spare threshold
    // (every synapse outside selective mode), `spared` at or above it; by_projection: G·Σ|w| below +
    // Σ|w| at or above, of every plastic projection (0 for static ones).
    struct weight_split { double scaled = 0.0, spared = 0.0; };
    weight_split excitatory_weights(std::vector<double>* by_projection = nullptr);
    double excitatory_weight(std::vector<double>* by_projection = nullptr);  // G·scaled + spared
    void take_spare_thresholds();  // selective mode, at the start of a renormalizing phase (collective)
    void phase_rates(results& r, const std::vector<std::vector<double>>& rates) const;
    // This rank's spikes since the last flush, sorted by (step, gid).
    spike_batch take_spikes();
    results collect(results r);
    results run(const hooks& h);
};

}  // namespace synorm::engine
