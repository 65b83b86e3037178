// The engine's state, shared by its translation units (build, interval steps, homeostasis, records,
// the loop). Private to src/engine.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <exception>
#include <stdexcept>
#include <string>

#include "synorm/engine/ring_buffer.hpp"
#include "synorm/engine/weight_histogram.hpp"
#include "synorm/model/assert.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/model/lif.hpp"
#include "synorm/model/poisson_source.hpp"
#include "synorm/model/poisson_table.hpp"
#include "synorm/model/random_stream.hpp"
#include "synorm/model/sampling.hpp"
#include "synorm/model/time_steps.hpp"
#include "synorm/network/network.hpp"
#include "synorm/network/partition.hpp"
#include "synorm/network/source_map.hpp"
#include "synorm/plasticity/branches.hpp"
#include "synorm/plasticity/pruning.hpp"
#include "synorm/plasticity/scaling.hpp"
#include "synorm/plasticity/rules.hpp"

#include "checkpoints.hpp"
#include "homeostasis.hpp"
#include "inputs.hpp"
#include "patterns.hpp"
#include "pruning.hpp"
#include "records.hpp"
#include "rule_list.hpp"
#include "run_control.hpp"
#include "schedule.hpp"
#include "targets.hpp"

namespace synorm::engine {

namespace detail {

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

// A received spike's row on one thread: the thread delivers `projection`'s row `row` (compressed,
// network::synapse_table) for the spike at `spike` in the interval's sorted received spikes.
struct row_visit {
    std::uint32_t spike, projection, row;
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

// A thread's neurons: their state, ring buffers and the synapses onto them.
struct thread_neurons {
    const network::thread_layout* layout = nullptr;
    std::uint32_t n = 0;
    // Neuron state, by thread-local neuron.
    std::vector<float> V;     // mV
    std::vector<float> x_ex;  // pA or nS (receptor unit)
    std::vector<float> x_in;
    std::vector<float> I_dc;               // pA
    std::vector<std::int32_t> refractory;  // steps left
    std::vector<float> w;                  // pA, adaptation current; empty unless some population adapts
    std::vector<float> dx_ex, dx_in;       // pA/ms, alpha-current drive; empty unless some population has one
    std::vector<std::uint32_t> fired;      // scratch: block indices of the neurons that spiked in a step
    ring_buffer ring_ex, ring_in;
    network::table_list tables;           // by projection; only those with synapses held
    std::vector<delivery_kind> delivery;  // by projection: how its spikes are delivered
    // The rows that this thread's chunk of the received spikes visits, by destination thread, in
    // canonical order (delivery.cpp, bucket_received); capacity kept between intervals.
    std::vector<std::vector<row_visit>> outgoing;
    std::vector<std::uint64_t> found;  // scratch of bucket_received: each spike's row words (first << 32 | end)
};

// A thread's plastic state beyond the weights (empty when the run has none).
struct thread_plasticity {
    row_state_list rows;               // by projection, then table row; empty for static ones
    plasticity::post_history history;  // by thread-local neuron
    // Postsynaptic spikes on their way to plastic synapses (plastic_delivery.cpp), by step, then
    // neuron; those before post_log_head have reached every synapse.
    std::vector<post_event> post_log;
    std::size_t post_log_head = 0;
    std::int64_t arrived = 0;  // every postsynaptic spike reaching a plastic synapse at or before this step is applied
    std::vector<post_arrival> arrivals;      // scratch: the arrivals of one delivery, in step order
    std::int64_t longest_plastic_delay = 0;  // steps, over this thread's plastic synapses
    // By projection: its learning is off (factor 0) and every weight of this thread's table is a
    // fixed point of its rule there, so its rows go out as static ones (plastic_delivery.cpp).
    // Settled for weights_epoch (simulation::impl).
    std::vector<std::uint8_t> resting;
    std::uint64_t resting_epoch = UINT64_MAX;
};

// Everything one thread owns, by concern; each part is in the header of the component that uses it.
struct thread_state : thread_neurons,
                      thread_plasticity,
                      thread_homeostasis,
                      thread_branches,
                      thread_inputs,
                      thread_patterns,
                      thread_pruning,
                      thread_records {};

inline std::int64_t to_step(double t_ms, double dt) {
    if (!std::isfinite(t_ms)) return INT64_MAX;
    return model::to_steps(t_ms, dt);
}

// The thread-local neurons [begin, end) of a slice whose population-local ids lie in [first, first + count).
inline neuron_range range_in_slice(const network::thread_layout& layout, const network::population_slice& s,
                                   std::uint64_t first_gid, std::uint64_t first, std::uint64_t count,
                                   std::uint32_t input) {
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
    std::int32_t fixed = -1;              // the row's branch, or -1: hashed per synapse
    std::uint64_t row = 0;                // plasticity::row_hash of the row
    const std::uint64_t* gids = nullptr;  // by thread-local neuron
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
    const float* offset = nullptr;  // by neuron; null unless additive scaling applies
    const float* gain = nullptr;    // by neuron; null unless the target's kernel applies gains
    float G = 1.0f;
    float spare = INFINITY;  // selective renormalization: w at or above it keeps G = 1
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
    branch_cursor* branch;  // null without branches
    std::size_t branch_stride;
    const float* offset;  // null unless the projection takes part in additive scaling
    float G;
    float spare;  // selective renormalization: w ≥ spare keeps its weight (+inf otherwise)
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

// What delivery reads of each projection, besides the thread's tables (interval.cpp,
// plastic_delivery.cpp).
struct delivery_state {
    std::vector<std::uint64_t> first_gid;                      // by population, plus the total
    std::vector<std::vector<std::uint32_t>> projections_from;  // by source population
    // The rank's source index (build.cpp, index_sources): every source gid with a row on some thread
    // of this rank, ascending, each with its rows as packed (projection, thread, row) words in that
    // order, so that a received spike is looked up once per rank and reaches only the threads that
    // hold its synapses. Its size follows the rows, never the network. The gids and where each one's
    // words start are a network::source_map (its forms, chosen at build, are stated there). A word
    // names the projection by its place among those from the source's population, and takes as many
    // bits as the rank needs for that, the thread and the row (or span: network/synapse_table.hpp),
    // packed at that width (src/README.md decision 3).
    struct source_index {
        network::source_map sources;  // gid → its row words [first, end)
        // The words, `bits` each from bit 0 on: word e at bit e · bits, read by one unaligned 8 B load;
        // and 8 B of zeros beyond the last, which that load may reach.
        std::vector<std::uint8_t> packed;
        int bits = 32;  // per word: 1 to 57, or 64
        int row_bits = 32, thread_bits = 0;
        std::uint64_t count = 0;  // words

        std::size_t size() const { return sources.size(); }
        // Room for n words of `width` bits (widths above 57 take 64).
        void reserve(std::uint64_t n, int width) {
            bits = width > 57 ? 64 : std::max(width, 1);
            count = 0;
            packed.assign((n * static_cast<std::uint64_t>(bits) + 7) / 8 + 8, 0);
        }
        void push(std::uint64_t word) {
            const std::uint64_t at = count++ * static_cast<std::uint64_t>(bits);
            std::uint64_t x;
            std::memcpy(&x, packed.data() + at / 8, 8);
            x |= word << (at % 8);
            std::memcpy(packed.data() + at / 8, &x, 8);
        }
        std::uint64_t word(std::uint64_t e) const {
            const std::uint64_t at = e * static_cast<std::uint64_t>(bits);
            std::uint64_t x;
            std::memcpy(&x, packed.data() + at / 8, 8);
            x >>= at % 8;
            return bits == 64 ? x : x & ((std::uint64_t{1} << bits) - 1);
        }
        // `place`: the projection's index in projections_from of its source population.
        std::uint64_t pack(std::uint64_t place, std::uint64_t thread, std::uint64_t row) const {
            return (((place << thread_bits) | thread) << row_bits) | row;
        }
        std::uint32_t place_of(std::uint64_t word) const {
            return static_cast<std::uint32_t>(word >> (row_bits + thread_bits));
        }
        std::uint32_t thread_of(std::uint64_t word) const {
            return static_cast<std::uint32_t>((word >> row_bits) & ((std::uint64_t{1} << thread_bits) - 1));
        }
        std::uint64_t row_of(std::uint64_t word) const {
            return row_bits == 64 ? word : word & ((std::uint64_t{1} << row_bits) - 1);
        }
        std::uint64_t bytes() const { return sources.bytes() + packed.capacity(); }
    };
    source_index rank_index;
    // The population of a source gid, and the projection that a word of its rows names.
    std::uint32_t population_of(std::uint64_t gid) const {
        return static_cast<std::uint32_t>(std::upper_bound(first_gid.begin(), first_gid.end(), gid) -
                                          first_gid.begin() - 1);
    }
    std::uint32_t projection_of(std::uint32_t population, std::uint64_t word) const {
        return projections_from[population][rank_index.place_of(word)];
    }
    // Plasticity (src/README.md decisions 3, 4, 7).
    rule_list rules;                    // by projection (id none: static)
    std::vector<std::uint8_t> plastic;  // by projection
    bool any_plastic = false;
    // By projection: the phase's learning-rate factor is exactly 0. weights_epoch moves on whenever
    // that or the weights change outside the rules (phase settings, the SHY fold, a restore), so that
    // each thread settles its `resting` again before its next delivery.
    std::vector<std::uint8_t> learning_off;
    std::uint64_t weights_epoch = 0;
    bool any_meta = false;                 // some population has metaplasticity
    std::vector<std::uint8_t> meta_on;     // by projection: pair or triplet onto a population with metaplasticity
    std::vector<std::uint8_t> history_of;  // by population: keeps postsynaptic spike histories
    std::vector<std::uint8_t> additive;    // by projection: excitatory onto a population with additive scaling
    // Branch-local homeostasis: projections whose synapses sit on branches (excitatory ones onto a
    // population with branches), and the branches per neuron in the thread arrays (0: none).
    std::vector<std::uint8_t> branched;  // by projection
    std::uint32_t branch_stride = 0;
};

// The engine of one rank: its core below, and one part per component, each of which owns its state
// (its header) and its steps (its .cpp), which the loop (simulation.cpp) calls at named points.
struct simulation::impl : delivery_state,
                          input_state,
                          pattern_state,
                          homeostasis_state,
                          schedule_state,
                          pruning_state,
                          records_state,
                          restart_state,
                          exchange_state {
    model::model_spec own;  // the spec the engine reads: a copy, since phases change its parameters
    const model::model_spec& spec;
    comm::communicator& comm;
    network::partition part;
    std::int64_t D = 1;  // steps per interval (the minimum delay)
    std::int64_t total_steps = 0;
    std::vector<model::lif_constants> constants;  // by population
    std::vector<thread_state> threads;
    double build_time = 0;

    // The branches of a row of `projection` whose source is neuron `source_gid`.
    branch_cursor branches_of_row(const thread_state& ts, std::uint32_t projection, std::uint64_t source_gid) const;
    // The largest weight magnitude a plastic projection allows: its weights enter the reduction as
    // |w| / weight_scale ∈ [0, 1] whatever their sign convention (inhibitory current weights are ≤ 0).
    double weight_scale(std::uint32_t j) const {
        return std::max(std::fabs(rules[j].w_min), std::fabs(rules[j].w_max));
    }
    // Every plastic weight of every thread is current at `step` (src/engine/README.md's invariant):
    // each postsynaptic spike reaching a plastic synapse by then is applied. For SYNORM_ASSERT.
    bool weights_current(std::int64_t step) const {
        const auto current = [&](const thread_state& ts) { return ts.arrived == step; };
        return !any_plastic || std::all_of(threads.begin(), threads.end(), current);
    }

    // ---- the steps, in the files named -------------------------------------------------------
    impl(const model::model_spec& s, comm::communicator& c, int n_threads, const checkpoint_state* from = nullptr);
    // Everything a thread owns is allocated and first touched by that thread.
    void build_thread(int t);
    // The rank's source index (delivery_state) from the threads' tables, once they are built (and
    // before they free their sources). `wide`: 8 B gids and row words even where 4 B would do;
    // `spans`: span rows where the build chooses them, nowhere, or in every static unpruned table;
    // for the tests of those forms (tests/unit/test_delivery.cpp).
    enum class span_choice : std::uint8_t { automatic, never, always };
    void index_sources(bool wide = false, span_choice spans = span_choice::automatic);
    // The rows' sources (source-population indices) of the projections marked in `wanted`, by
    // thread, projection and row (empty for the others, and for threads other than `thread` unless it
    // is all_threads): the tables drop theirs as the index is built (index_sources), since it
    // holds the same. O(the rank's rows) a call, 4 B per row returned; for what reads every row
    // at rare points (snapshots, checkpoints, patterns' weights, pruning tags on branches). With
    // `begins`, the row_begin of each wanted table with span rows, which drops its own, into the same
    // places (empty for the others: their row_begin is theirs).
    using row_source_lists = std::vector<std::vector<std::vector<std::uint32_t>>>;
    static constexpr std::size_t all_threads = ~std::size_t{0};
    row_source_lists row_sources(const std::vector<std::uint8_t>& wanted, std::size_t thread = all_threads,
                                 row_source_lists* begins = nullptr) const;
    row_source_lists row_sources_of(std::uint32_t projection, std::size_t thread = all_threads,
                                    row_source_lists* begins = nullptr) const {
        std::vector<std::uint8_t> wanted(spec.projections.size(), 0);
        wanted[projection] = 1;
        return row_sources(wanted, thread, begins);
    }
    // Received spikes (sorted by lag, then gid) emitted in the interval that started at `t_emit0`
    // go into the ring buffers at emission step + delay; postsynaptic spikes that reach plastic
    // synapses in (ts.arrived, upto] potentiate them, merged with the presynaptic spikes by step
    // (upto: the next interval's start, or the end of the run). Each (slot, neuron) sees its
    // additions in the same order on every decomposition: spikes in canonical order, projections
    // in order, each row in drawing order.
    // The rows a thread delivers are those every thread's bucket_received put in its outgoing list for
    // it: bucket_received on every thread, then a barrier, then deliver.
    // [from, before): under comm.structure only the synapses whose spike is due in that window of steps
    // (static projections only; structure.cpp says why).
    void deliver(thread_state& ts, const std::vector<std::uint64_t>& spikes, std::int64_t t_emit0, std::int64_t upto,
                 std::int64_t from = INT64_MIN, std::int64_t before = INT64_MAX);
    // This thread's contiguous chunk of the received spikes, looked up once in the source index, into
    // ts.outgoing by destination thread: chunks ascend with the thread, so each destination reads its
    // lists in thread order and meets its rows in canonical order, projections ascending.
    void bucket_received(thread_state& ts, const std::vector<std::uint64_t>& spikes);
    // The kind of delivery of projection j on a thread whose table is `table` (delivery.cpp).
    delivery_kind resolve_delivery(std::uint32_t j, const network::synapse_table& table) const;
    // A presynaptic spike on a plastic row of a projection with rule Rule (src/README.md decision 3):
    // each synapse takes the rule's presynaptic update, then transmits its new weight (transmitter).
    template <class Rule>
    void deliver_plastic(thread_state& ts, std::uint32_t j, std::uint64_t row, std::uint64_t gid, std::int64_t t_pre);
    // The postsynaptic arrivals at plastic synapses in (ts.arrived, upto], into ts.arrivals by step;
    // one of them applied (potentiation); and the window closed at upto.
    void collect_arrivals(thread_state& ts, std::int64_t upto);
    void settle_resting(thread_state& ts);
    void apply_arrival(thread_state& ts, const post_arrival& a);
    void finish_arrivals(thread_state& ts, std::int64_t upto);
    // A spike on a static row whose synapses send more than their weight (branches, additive scaling):
    // each sends what the transmitter makes of it, as a plastic synapse would.
    void deliver_transmitted(thread_state& ts, std::uint32_t j, std::uint64_t row, std::uint64_t gid,
                             std::uint64_t base);
    // The transmitter of projection j on this thread; `cursor` is the row's branches (when branched).
    transmitter sender(thread_state& ts, std::uint32_t j, branch_cursor& cursor) const {
        return {ts,
                branched[j] ? &cursor : nullptr,
                branch_stride,
                additive[j] ? ts.offset_ex.data() : nullptr,
                shy_gain[j],
                shy_spare[j]};
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
    // The master's count of this rank's spikes of the interval from `origin` into rate_counts (records.cpp).
    void count_rates(const std::vector<std::uint64_t>& spikes, std::int64_t origin);
    // The master at a flush at `upto` (every spike before it counted): the bins that end by then, or
    // every bin at the end of the run, reduced over ranks (collective), to h.on_rates or kept (records.cpp).
    void flush_rates(std::int64_t upto, const hooks& h);
    void sample_patterns(std::int64_t T, results& out);
    void finish_patterns(results& out);
    void sample_state(thread_state& ts, std::int64_t step);
    // Advances the thread's neurons through the steps [t0, t1); spikes go to the interval buffer
    // with their lag after `origin` (the interval's start), and to the recorders.
    void update(thread_state& ts, std::int64_t t0, std::int64_t t1, std::size_t& dc_next, std::int64_t origin);
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
    // Plastic projection j's row state by source-population index, merged over threads and ranks
    // (checkpoint.cpp; collective; O(source population) while a checkpoint is taken).
    row_record gather_rows(std::uint32_t j);
    void restore(const checkpoint_state& from);
    // Recorder k's samples of this rank so far (`samples` of them), gids ascending.
    state_trace gather_trace(std::size_t k, std::size_t samples) const;
    // The master's part of the schedule at a boundary T (after the homeostasis period ending there):
    // one period of SHY renormalization, then the end of the running phase (SHY gain folded into the
    // weights, its record) and the start of the next (its settings). Collective: every rank calls it.
    void init_schedule();
    bool group_scope() const;  // schedule.renormalization.scope is group: a gain per group
    // The schedule's part of a checkpoint, and its restoration: the position, the SHY state, the
    // records so far, and the running phase's settings applied again.
    schedule_record capture_schedule(const results& so_far) const;
    void restore_schedule(const schedule_record& from);
    void phase_boundary(std::int64_t T, bool homeostasis_due, results& out);
    void end_phase(results& out);
    phase_work work_so_far(const results& out) const;  // this rank's counters and processor time, now
    void apply_settings(std::uint32_t phase);
    // Σw over renormalized projections, all ranks (collective), as a weight_split; by_projection:
    // G·Σ|w| below + Σ|w| at or above, of every plastic projection (0 for static ones).
    weight_split excitatory_weights(std::vector<double>* by_projection = nullptr);
    double excitatory_weight(std::vector<double>* by_projection = nullptr);  // G·scaled + spared
    void take_spare_thresholds();  // selective mode, at the start of a renormalizing phase (collective)
    // This rank's spikes since the last flush, sorted by (step, gid).
    spike_batch take_spikes();
    results collect(results r, const hooks& h);

    // The targeted exchange (targets.cpp). plan_exchange (collective, at build): the strategy, and
    // under alltoall each local neuron's destination ranks, from rank_index's gids; group_targeted: the
    // interval's spikes grouped by those ranks and run_control's words for every rank, into send_words
    // and send_counts.
    void plan_exchange();
    void group_targeted(const std::vector<std::uint64_t>& spikes);
    // The two-level exchange (structure.cpp). plan_structure (collective, at build, after
    // plan_exchange): whether it runs, the clusters, the sub-communicator. exchange_structured (below):
    // the master's exchange at the end of an interval under it.
    void plan_structure();

    // ---- the loop (simulation.cpp) ------------------------------------------------------------
    void take_snapshots(std::int64_t step, results& out);
    // One run's loop state that the threads share; the master writes it between barriers.
    struct run_state {
        explicit run_state(const hooks& hooks) : h(hooks) {}
        const hooks& h;
        results out;
        std::vector<std::uint64_t> received, local;    // packed spikes: of the last interval, of this rank
        std::int64_t received_t0 = 0;                  // the interval the received spikes were emitted in
        std::int64_t flush_steps = 1, next_flush = 0;  // spikes to h.on_spikes
        std::int64_t checkpoint_steps = 0, next_checkpoint = INT64_MAX;  // 0: no periodic checkpoints
        // Under overlap (comm.overlap): the epochs whose exchange is in flight, oldest first, at most two.
        bool overlap = false;
        struct epoch {
            std::int64_t origin, end;  // the interval start its lags count from; its end (steps)
        };
        std::deque<epoch> in_flight;
        epoch landing{0, 0};               // the one being delivered (the master sets it between barriers)
        std::size_t posted = 0;            // in flight after the last post: what every thread reads to decide a landing
        std::vector<std::uint64_t> later;  // scratch: the second epoch's spikes when two land together
        // comm.structure (structure.cpp). `received` then holds the cluster's spikes of the last
        // interval, delivered at once only where due before the next exchange over all ranks
        // (received_before); the rest wait in `pending` with their lags counted from `outer_origin`,
        // the start of the stretch between two such exchanges, and go with the spikes from the other
        // clusters (`merged`, ready at that exchange) in one canonical sequence from merged_from on.
        std::int64_t received_before = INT64_MAX;
        std::int64_t outer_origin = 0, merged_t0 = 0;
        std::vector<std::uint64_t> outer_local, pending, merged;
        bool merged_ready = false;
    };
    // One interval [t0, t1) and what is due at its start.
    struct interval_plan {
        std::int64_t t0 = 0, t1 = 0;
        bool resumed_here = false;  // a resumed run's first: the checkpoint holds what was due at t0
        bool homeostasis_due = false, boundary = false;
    };
    results run(const hooks& h);
    run_state begin_run(const hooks& h);
    interval_plan plan(std::int64_t t0) const;
    std::size_t first_dc_change(thread_state& ts);
    // The steps, in loop order; those with barriers are called by every thread.
    void deliver_received(thread_state& ts, run_state& run, std::int64_t upto);
    void deliver_merged(thread_state& ts, run_control& control, run_state& run, std::int64_t t0);
    void boundary(thread_state& ts, std::int64_t T, bool homeostasis_due, bool end, run_control& control,
                  run_state& run);
    bool checkpoint_due(std::int64_t t0, const run_control& control, const run_state& run) const;
    bool checkpoint(std::int64_t t0, run_control& control, run_state& run);
    void advance(thread_state& ts, std::int64_t t0, std::int64_t t1, std::int64_t origin, std::size_t& dc_next);
    void exchange(const interval_plan& at, run_control& control, run_state& run);
    void exchange_structured(const interval_plan& at, run_control& control, run_state& run);
    void flush_and_report(const interval_plan& at, run_state& run);
    // Overlap (simulation.cpp): one epoch [t0, t1) of the interval `at`, its spikes posted (the hooks
    // asked with the first epoch; records flushed and progress reported after the last); and the
    // oldest epoch in flight received and delivered, every weight current at its end (`fenced`: every
    // thread has just passed a barrier after the last delivery, as after a post). After the loop,
    // every exchange in flight completes (the master alone); at the end of the run the last interval's
    // spikes are then in run.received, for finish.
    void post(const interval_plan& at, std::int64_t t0, std::int64_t t1, run_control& control, run_state& run);
    void land(thread_state& ts, run_control& control, run_state& run, bool fenced);
    void receive_oldest(run_control& control, run_state& run, std::vector<std::uint64_t>& into);
    void land_all(run_control& control, run_state& run);
    // The master's part of an exchange after the collective: its traffic counted, the spikes sorted,
    // run_control's words read.
    void received_spikes(run_control& control, run_state& run, std::vector<std::uint64_t>& received);
    void finish(run_control& control, run_state& run);
};

}  // namespace synorm::engine
