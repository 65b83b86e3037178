#include "synorm/engine/simulation.hpp"

#include "engine_state.hpp"
#include "synorm/model/subnormals.hpp"

namespace synorm::engine {

results simulation::impl::run(const hooks& h) {
    // Subnormals are 0 in every computation of the run (model/subnormals.hpp): here for the calling
    // thread, which also runs the master's steps, and at the start of every parallel region below.
    const model::flush_subnormals flushed;
    results out;
    out.homeostasis = std::move(restored.homeostasis);
    out.snapshots = std::move(restored.snapshots);
    out.pruning = std::move(restored.pruning);
    out.patterns = std::move(restored.patterns);
    out.phases = std::move(restored.phases);
    out.phase_weight = std::move(restored.phase_weight);
    out.phase_snapshots = std::move(restored.phase_snapshots);
    out.first_step = start_step;
    const double t_start = omp_get_wtime();
    // Weight snapshots, in time order, then recorder order.
    struct due_snapshot { std::int64_t step; std::uint32_t projection; };
    std::vector<due_snapshot> due;
    for (const auto& w : spec.recording.weights)
        for (const double t : w.times) due.push_back({to_step(t, spec.simulation.dt), w.projection});
    std::stable_sort(due.begin(), due.end(), [](const due_snapshot& a, const due_snapshot& b) { return a.step < b.step; });
    std::size_t next_due = 0;
    const auto take_snapshots = [&](std::int64_t step) {
        for (; next_due < due.size() && due[next_due].step <= step; ++next_due) out.snapshots.push_back(snapshot(due[next_due].projection, step));
    };
    if (start_step == 0) {
        take_snapshots(0);
        if (phase_runs.empty()) sample_patterns(0, out);  // with a schedule: at its boundaries
    } else {  // the checkpoint holds the records due up to its step, the patterns' sample at 0 among them
        while (next_due < due.size() && due[next_due].step <= start_step) ++next_due;
    }

    const std::int64_t flush_steps = std::max<std::int64_t>(1, to_step(h.flush_every_ms, spec.simulation.dt));
    std::int64_t next_flush = start_step + flush_steps;
    const std::int64_t checkpoint_steps = h.checkpoint_every_ms > 0 ? std::max<std::int64_t>(1, to_step(h.checkpoint_every_ms, spec.simulation.dt)) : 0;
    std::int64_t next_checkpoint = checkpoint_steps ? start_step + checkpoint_steps : INT64_MAX;
    bool checkpoint_asked = false, stop_asked = false;  // agreed at the last exchange
    std::vector<std::uint64_t> received, local;  // packed spikes: of the last interval, of this rank
    std::int64_t received_t0 = 0;                // the interval the received spikes were emitted in
    std::atomic<bool> failed{false};             // this rank: a thread or the master threw
    bool stop = false, remote = false;           // every rank stops; because another one failed
    bool stopped = false;                        // ended at a checkpoint on request
    std::int64_t stop_step = -1;
    std::exception_ptr master_error;
    const int n_threads = static_cast<int>(threads.size());

    // A thread's step: skipped once anything failed; what it throws is kept and stops the run.
    const auto guarded = [&](thread_state& ts, auto&& step) {
        if (failed.load(std::memory_order_relaxed)) return;
        try {
            step();
        } catch (...) {
            ts.error = std::current_exception();
            failed = true;
        }
    };
    // The master's step: what it throws reaches the other ranks with the next exchange (or the
    // agreement after the loop), so that all stop at the same interval.
    const auto guarded_master = [&](auto&& step) {
        try {
            step();
        } catch (...) {
            master_error = std::current_exception();
            failed = true;
        }
    };

    // Before a master step with collectives between two exchanges: a thread of one rank may have
    // thrown since the last exchange, and that rank must not skip collectives the others enter.
    // Every rank skips them, and the next exchange stops the run on all.
    const auto anyone_failed = [&] { return comm.max(failed ? 1 : 0) != 0; };

    // One interval [t0, t1), t1 = t0 + D, and why it is safe: every delay is ≥ D steps, so the spikes
    // exchanged at the end of the previous interval arrive at t0 or later, and none of this interval's
    // spikes is needed before the next one. Each thread (1) delivers the received spikes into its own
    // ring buffers and plastic synapses, with the postsynaptic spikes that reach plastic synapses by t0
    // (so every weight is up to date at t0); at a homeostasis boundary or a snapshot time it (2) reads
    // its sensors, and the master (3) reduces and records; each thread
    // (4) adds Poisson input and (5) advances its neurons; the master (6) exchanges the interval's
    // spikes and runs the hooks.
#pragma omp parallel num_threads(n_threads)
    {
        const model::flush_subnormals flushed_here;
        auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
        std::size_t dc_next = 0;
        if (start_step > 0) {  // the checkpoint holds the current DC; changes from its step on are to come
            dc_next = static_cast<std::size_t>(std::lower_bound(dc_changes.begin(), dc_changes.end(), start_step) - dc_changes.begin());
        } else if (!dc_changes.empty() && dc_changes.front() <= 0) {
            apply_dc(ts, 0);
            dc_next = 1;
        }
        for (std::int64_t t0 = start_step; t0 < total_steps && !stop; t0 += D) {
            const std::int64_t t1 = std::min(t0 + D, total_steps);
            // A resumed run starts after the first interval's deliveries, homeostasis and snapshots.
            const bool resumed_here = t0 == start_step && start_step > 0;
            const bool homeostasis_due = !resumed_here && H > 0 && t0 > 0 && t0 % H == 0;
            const bool boundary = homeostasis_due || (!resumed_here && phase_due(t0)) || (!resumed_here && next_due < due.size() && due[next_due].step <= t0);
            guarded(ts, [&] {  // (1)
                const double w0 = omp_get_wtime();
                deliver(ts, received, received_t0, t0);
                ts.t_deliver += omp_get_wtime() - w0;
            });
            if (boundary) {
                guarded(ts, [&] {  // (2)
                    if (homeostasis_due) homeostasis_local(ts, t0);
                    if (h.on_thread_boundary) h.on_thread_boundary(omp_get_thread_num(), t0);
                });
#pragma omp barrier
#pragma omp master
                guarded_master([&] {  // (3)
                    if (anyone_failed()) return;
                    if (homeostasis_due) homeostasis_global(t0, out.homeostasis);
                    take_snapshots(t0);
                    if (!phase_runs.empty()) phase_boundary(t0, homeostasis_due, out);
                });
#pragma omp barrier
                // (3b) A pruning point, after the records of t0 (which still show the synapses that go).
                if (homeostasis_due && pruning_point(t0)) {
                    guarded(ts, [&] { prune_local(ts, t0); });
#pragma omp barrier
#pragma omp master
                    guarded_master([&] {
                        if (!anyone_failed()) prune_global(t0, out);
                    });
#pragma omp barrier
                }
            }
            // A checkpoint: here no spike is in flight outside the ring buffers and every record due
            // at t0 is taken, so the state is complete and the same for every layout.
            if (!resumed_here && (t0 >= next_checkpoint || checkpoint_asked || stop_asked)) {
#pragma omp barrier
#pragma omp master
                {
                    guarded_master([&] {
                        if (anyone_failed()) return;
                        const double w0 = omp_get_wtime();
                        if (h.on_spikes) h.on_spikes(take_spikes());
                        next_flush = t0 + flush_steps;
                        if (h.on_checkpoint) h.on_checkpoint(capture(t0, out));
                        out.time.record += omp_get_wtime() - w0;
                    });
                    if (checkpoint_steps) next_checkpoint = t0 + checkpoint_steps;
                    checkpoint_asked = false;
                    if (stop_asked) {
                        stopped = true;
                        stop_step = t0;
                    }
                }
#pragma omp barrier
                if (stopped) break;
            }
            guarded(ts, [&] {  // (4), (5)
                const double w0 = omp_get_wtime();
                add_poisson(ts, t0, t1);
                if (!patterns.empty()) add_patterns(ts, t0, t1);
                update(ts, t0, t1, dc_next);
                ts.t_update += omp_get_wtime() - w0;
                if (h.on_thread_interval) h.on_thread_interval(omp_get_thread_num(), t1);
            });
#pragma omp barrier
#pragma omp master
            guarded_master([&] {  // (6)
                const double w0 = omp_get_wtime();
                local.clear();
                for (auto& other : threads) {
                    local.insert(local.end(), other.interval_spikes.begin(), other.interval_spikes.end());
                    other.interval_spikes.clear();
                }
                if (!probe_spikes.empty()) count_probe_spikes(local, t0);
                if (failed) local.push_back(failure_word);
                if (h.stop_requested && h.stop_requested()) local.push_back(stop_word);
                if (h.checkpoint_requested && h.checkpoint_requested()) local.push_back(checkpoint_word);
                comm.exchange_spikes(local, received);
                std::sort(received.begin(), received.end());
                if (!received.empty() && received.back() == failure_word) {
                    stop = true;
                    remote = !failed;
                }
                while (!received.empty() && received.back() >= checkpoint_word) {
                    stop_asked = stop_asked || received.back() == stop_word;
                    checkpoint_asked = checkpoint_asked || received.back() == checkpoint_word;
                    received.pop_back();
                }
                received_t0 = t0;
                out.time.exchange += omp_get_wtime() - w0;
                if (stop) return;
                const double w1 = omp_get_wtime();
                if (h.on_spikes && (t1 >= next_flush || t1 == total_steps)) {
                    h.on_spikes(take_spikes());
                    next_flush = t1 + flush_steps;
                }
                if (h.on_progress) h.on_progress(t1, total_steps);
                out.time.record += omp_get_wtime() - w1;
            });
#pragma omp barrier
        }
    }
    // A failure in the last interval has had no exchange to travel with: agree once more.
    if (comm.max(failed ? 1 : 0) != 0 && !failed) remote = true;
    for (const auto& ts : threads)
        if (ts.error) std::rethrow_exception(ts.error);
    if (master_error) std::rethrow_exception(master_error);
    if (remote) throw remote_failure();
    if (stopped) {  // the checkpoint holds the records; nothing more happens to the state
        out.stopped_at = stop_step;
        out.time.total = omp_get_wtime() - t_start;
        out.time.build = build_time;
        for (const auto& ts : threads) {
            out.local_spikes += ts.spikes;
            out.local_events += ts.events;
        }
        return out;
    }

    // The end: the last interval's spikes change plastic weights too (they are never transmitted), as
    // do the postsynaptic spikes that reach them by the end; then the records due at the end are taken.
    const bool homeostasis_due = H > 0 && total_steps > 0 && total_steps % H == 0;
    if (any_plastic || homeostasis_due || next_due < due.size()) {
#pragma omp parallel num_threads(n_threads)
        {
            const model::flush_subnormals flushed_here;
            auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
            guarded(ts, [&] {
                deliver(ts, received, received_t0, total_steps);
                if (homeostasis_due) homeostasis_local(ts, total_steps);
            });
        }
        if (comm.max(failed ? 1 : 0) != 0) {
            for (const auto& ts : threads)
                if (ts.error) std::rethrow_exception(ts.error);
            throw remote_failure();
        }
        if (homeostasis_due) homeostasis_global(total_steps, out.homeostasis);
        take_snapshots(total_steps);
    }
    if (!phase_runs.empty()) phase_boundary(total_steps, homeostasis_due, out);
    else sample_patterns(total_steps, out);
    if (homeostasis_due && pruning_point(total_steps)) {
#pragma omp parallel num_threads(n_threads)
        {
            const model::flush_subnormals flushed_here;
            auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
            guarded(ts, [&] { prune_local(ts, total_steps); });
        }
        if (comm.max(failed ? 1 : 0) != 0) {
            for (const auto& ts : threads)
                if (ts.error) std::rethrow_exception(ts.error);
            throw remote_failure();
        }
        prune_global(total_steps, out);
    }
    finish_patterns(out);
    out.time.total = omp_get_wtime() - t_start;
    out.time.build = build_time;
    for (const auto& ts : threads) {
        out.local_spikes += ts.spikes;
        out.local_events += ts.events;
    }
    return collect(std::move(out));
}

simulation::simulation(const model::model_spec& spec, comm::communicator& comm, int threads)
    : impl_(std::make_unique<impl>(spec, comm, threads)) {}
simulation::~simulation() = default;

std::uint64_t simulation::local_neurons() const { return impl_->part.local_neurons(); }

std::uint64_t simulation::local_synapses() const {
    std::uint64_t n = 0;
    for (const auto& ts : impl_->threads)
        for (const auto& t : ts.tables) n += t.size();
    return n;
}

std::uint64_t simulation::synapse_bytes() const {
    std::uint64_t n = 0;
    for (const auto& ts : impl_->threads) {
        for (const auto& t : ts.tables) n += t.bytes();
        for (const auto& r : ts.rows) n += r.bytes();  // plastic rows' presynaptic state
    }
    return n;
}

std::int64_t simulation::min_delay_steps() const { return impl_->D; }
double simulation::build_seconds() const { return impl_->build_time; }

results simulation::run(const hooks& h) { return impl_->run(h); }

simulation::simulation(const model::model_spec& spec, comm::communicator& comm, int threads, const checkpoint_state& from)
    : impl_(std::make_unique<impl>(spec, comm, threads, &from)) {}

}  // namespace synorm::engine
