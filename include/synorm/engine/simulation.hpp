// The engine: owns a rank's neurons and synapses and advances them through a run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/checkpoint.hpp"
#include "synorm/engine/records.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::engine {

// Optional features attach here, at fixed points of the loop, never inside it.
struct hooks {
    // Collective: every rank's master thread, with this rank's spikes since the last call, at least
    // every `flush_every_ms` of biological time and once at the end.
    std::function<void(const spike_batch&)> on_spikes;
    double flush_every_ms = 1000.0;
    // Collective: every rank's master, with the rate bins (recording.rate_bin) completed since the last
    // call, at the flushes of on_spikes (with or without it), at each checkpoint and at the end. So a rank
    // keeps only the bins of one flush window. Without it, results::rates keeps the whole run's bins.
    std::function<void(const rate_batch&)> on_rates;
    // Master thread of every rank after each interval: steps done of steps in all. Keep it cheap.
    std::function<void(std::int64_t, std::int64_t)> on_progress;
    // Every thread after advancing its neurons through an interval: (thread, first step of the next
    // interval). Runs inside the thread's guarded region: what it throws stops the run on every rank
    // in order (health checks, and the tests of that stop).
    std::function<void(int, std::int64_t)> on_thread_interval;
    // Every thread at a boundary (a homeostasis period, a snapshot or a phase change), once its weights
    // are up to date and before the master reduces: (thread, step). What it throws stops the run like
    // on_thread_interval's (the tests of a failure between two exchanges).
    std::function<void(int, std::int64_t)> on_thread_boundary;

    // Checkpoints (checkpoint.hpp). One is taken at the first interval start at or after every
    // `checkpoint_every_ms` of biological time (0: never), and at the first interval start after any
    // rank asked for one: the ranks agree with the next spike exchange, so all take it at the same
    // step. `on_checkpoint` is collective (master thread of every rank, this rank's part); the spikes
    // up to the checkpoint step have been passed to `on_spikes` just before.
    double checkpoint_every_ms = 0.0;
    std::function<void(const checkpoint_state&)> on_checkpoint;
    // Master thread of every rank, once per interval; keep them cheap. checkpoint_requested: take one
    // (a wall-clock period); stop_requested: take one and end the run there (a signal, a time limit).
    std::function<bool()> checkpoint_requested;
    std::function<bool()> stop_requested;
};

// Thrown by run() on the ranks that stop because another rank failed; that rank throws the reason.
class remote_failure : public std::runtime_error {
public:
    remote_failure() : std::runtime_error("another rank failed; stopping together with it") {}
};

// Thrown by run() on every rank, at the same step, when a health check fails (checks_spec): the
// network left the range the run was meant for. what() is the diagnostic.
class health_stop : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The spike exchange a run uses (comm.exchange; src/README.md decision 6) and what building its
// targets cost this rank.
struct exchange_report {
    model::exchange_strategy setting = model::exchange_strategy::automatic;   // as configured
    model::exchange_strategy strategy = model::exchange_strategy::allgather;  // what runs: allgather or alltoall
    bool built = false;                // the source lists were exchanged (not for allgather, nor auto on ≤ 2 ranks)
    std::uint64_t needed_sources = 0;  // distinct presynaptic neurons of this rank's synapses
    double largest_fraction = 0.0;     // the most any rank needs, as a fraction of the network's neurons
    double build_seconds = 0.0;        // this rank: source lists, their exchange, the target lists
    std::uint64_t build_bytes_sent = 0, build_bytes_received = 0;  // to and from the other ranks
    std::uint64_t target_entries = 0;  // Σ over this rank's neurons of the ranks they send to
    model::overlap_setting overlap_setting = model::overlap_setting::automatic;  // comm.overlap as configured
    bool overlap = false;  // the exchange overlaps the update (model::overlaps: D ≥ 2 steps and, for auto, 2+ ranks)
    // comm.structure (engine/structure.cpp): as configured, whether the two levels run, the clusters of
    // ranks, this rank's cluster's ranks, the steps between exchanges over all ranks (a multiple of D;
    // 0 when flat) and, when groups or auto stays flat, why.
    model::exchange_structure structure_setting = model::exchange_structure::automatic;
    bool structured = false;
    int clusters = 1, cluster_ranks = 1;
    std::int64_t outer_steps = 0;
    std::string structure_note;
};

struct results {
    std::vector<state_trace> traces;         // one per state recorder
    std::vector<weight_snapshot> snapshots;  // in the order of recording_spec::weights, then time
    std::vector<final_state> final_states;   // one per population (when recording.final_state)
    // [population][bin], Hz, reduced over ranks (when rate_bin > 0 and hooks::on_rates is not set: with
    // it, the bins went there during the run).
    std::vector<std::vector<double>> rates;
    std::vector<double> mean_rates;                  // [population], Hz over the whole run (when rate_bin > 0)
    std::vector<double> binned_rates;                // [population], Hz: the mean of the bins' rates (the summary's)
    std::vector<group_rate> group_rates;             // by group, in order of first population (when rate_bin > 0)
    std::int64_t rate_bin_steps = 0, rate_bins = 0;  // the bins' width (steps) and number (0: no rates)
    homeostasis_trace homeostasis;                   // empty unless the run has plasticity or scaling
    std::vector<phase_record> phases;                // the schedule's phases in time order (empty without one)
    std::vector<phase_work> work_by_phase;           // by row of phases: this rank's work in this process
    phase_trace phase_weight;                        // the schedule's weight course (when it has excitatory plasticity)
    std::vector<weight_snapshot> phase_snapshots;    // schedule.snapshots: plastic projections at each phase boundary
    std::vector<pattern_record> patterns;            // by pattern (model_spec::patterns)
    std::vector<pruning_record> pruning;             // pruning points in time order, then by projection
    std::uint64_t local_spikes = 0;                  // spikes of this rank's neurons
    std::uint64_t local_events = 0;                  // spikes delivered to this rank's synapses
    std::uint64_t local_received = 0;                // received spikes this rank looked up
    std::uint64_t local_rows = 0;                    // rows of this rank's tables those spikes reached
    // The spike exchanges of this process's loop, and the bytes they moved between this rank and the
    // others (communicator::last_traffic).
    std::uint64_t exchanges = 0, bytes_sent = 0, bytes_received = 0;
    timers time;
    // The step at which a stop request ended the run after a checkpoint; -1 when it ran to the end.
    // A stopped run's records are in the checkpoint, not here.
    std::int64_t stopped_at = -1;
    std::int64_t first_step = 0;  // where this process started (0, or the checkpoint's step)
};

// The bins [first, first + count) of one population's rates (Hz), from wherever the run put them.
using rate_reader =
    std::function<std::vector<double>(std::uint32_t population, std::int64_t first, std::int64_t count)>;

// Each phase row's rate and slow-wave activity by population (phase_record::rate, swa), from the rate
// bins wholly in the phase, read one population of one phase at a time; NaN where none is (or without
// `bins`, or without rates). run() fills them itself only when it kept the bins (no hooks::on_rates).
void phase_rates(const model::model_spec& spec, results& r, const rate_reader& bins);

class simulation {
public:
    // Builds this rank's part of the network with `threads` OpenMP threads.
    simulation(const model::model_spec& spec, comm::communicator& comm, int threads);
    // Rebuilds this rank's part from a checkpoint's (its neurons and the synapses onto them, on any
    // layout), instead of drawing it; run() then continues from the checkpoint's step. Throws
    // std::runtime_error when the state does not fit the spec.
    simulation(const model::model_spec& spec, comm::communicator& comm, int threads, const checkpoint_state& from);
    ~simulation();
    simulation(const simulation&) = delete;
    simulation& operator=(const simulation&) = delete;

    std::uint64_t local_neurons() const;
    std::uint64_t local_synapses() const;
    std::uint64_t synapse_bytes() const;  // memory held by this rank's synapse tables
    // Σ over this rank's synapses of a hash of (source gid, target gid, delay, weight bits), mod 2^64:
    // independent of the tables' layout and of the thread count, so a dry run of rank r and the real
    // rank r agree on it exactly when they hold the same synapses (README "Dry run").
    std::uint64_t synapse_checksum() const;
    std::int64_t min_delay_steps() const;
    double build_seconds() const;
    const exchange_report& exchange() const;

    // Runs the whole duration. Throws what a thread or hook threw; a failure on another rank ends the
    // run here too, at the same interval, with remote_failure.
    results run(const hooks& h);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    friend struct simulation_internals;  // white-box tests of the engine's steps (tests/unit/test_delivery.cpp)
};

}  // namespace synorm::engine
