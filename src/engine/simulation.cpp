#include "synorm/engine/simulation.hpp"

#include "engine_state.hpp"

namespace synorm::engine {

results simulation::impl::run(const hooks& h) {
    results out;
    const double t_start = omp_get_wtime();
    // Weight snapshots due at or before a step, taken at interval boundaries (weights change only
    // there), in the order of the recorders.
    struct due_snapshot { std::int64_t step; std::uint32_t projection; };
    std::vector<due_snapshot> due;
    for (const auto& w : spec.recording.weights)
        for (const double t : w.times) due.push_back({to_step(t, spec.simulation.dt), w.projection});
    std::stable_sort(due.begin(), due.end(), [](const due_snapshot& a, const due_snapshot& b) { return a.step < b.step; });
    std::size_t next_due = 0;
    for (; next_due < due.size() && due[next_due].step <= 0; ++next_due) out.snapshots.push_back(snapshot(due[next_due].projection, 0));

    const std::int64_t flush_steps = std::max<std::int64_t>(1, to_step(h.flush_every_ms, spec.simulation.dt));
    std::int64_t next_flush = flush_steps;
    std::vector<std::uint64_t> received, local;
    std::int64_t received_t0 = 0;
    std::atomic<bool> failed{false};
    bool stop = false;
    bool remote = false;  // another rank sent the failure word
    std::exception_ptr master_error;
    const int n_threads = static_cast<int>(threads.size());
    std::vector<std::uint8_t> received_delivered(threads.size(), 0);  // by thread: this interval's delivery is done

    // Order of one interval [t0, t0 + D), and why it is safe: every delay is ≥ D steps, so the
    // spikes exchanged at the end of the previous interval arrive at t0 or later and none of this
    // interval's spikes is needed before the next one. Each thread (1) delivers the received
    // spikes into its own ring buffers, (2) adds Poisson input and (3) advances its neurons D
    // steps; then the master (4) exchanges the interval's spikes and runs the hooks.
#pragma omp parallel num_threads(n_threads)
    {
        auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
        std::size_t dc_next = 0;
        if (!dc_changes.empty() && dc_changes.front() <= 0) {
            apply_dc(ts, 0);
            dc_next = 1;
        }
        for (std::int64_t t0 = 0; t0 < total_steps && !stop; t0 += D) {
            const std::int64_t t1 = std::min(t0 + D, total_steps);
            // At a homeostasis boundary, or when a weight snapshot is due, the weights are read
            // between delivery and update: every spike emitted before t0 has been delivered then.
            const bool homeostasis_due = H > 0 && t0 > 0 && t0 % H == 0;
            const bool snapshot_due = next_due < due.size() && due[next_due].step <= t0;
            if (homeostasis_due || snapshot_due) {
                if (!failed.load(std::memory_order_relaxed)) {
                    try {
                        const double w0 = omp_get_wtime();
                        deliver(ts, received, received_t0);
                        ts.t_deliver += omp_get_wtime() - w0;
                        received_delivered[static_cast<std::size_t>(omp_get_thread_num())] = 1;
                        if (homeostasis_due) homeostasis_local(ts, t0);
                        else if (any_plastic) settle(ts, t0);
                    } catch (...) {
                        ts.error = std::current_exception();
                        failed = true;
                    }
                }
#pragma omp barrier
#pragma omp master
                {
                    try {
                        if (!failed) {
                            if (homeostasis_due) homeostasis_global(t0, out.homeostasis);
                            for (; next_due < due.size() && due[next_due].step <= t0; ++next_due)
                                out.snapshots.push_back(snapshot(due[next_due].projection, t0));
                        }
                    } catch (...) {
                        master_error = std::current_exception();
                        failed = true;
                    }
                }
#pragma omp barrier
            }
            if (!failed.load(std::memory_order_relaxed)) {
                try {
                    double w0 = omp_get_wtime();
                    if (!received_delivered[static_cast<std::size_t>(omp_get_thread_num())]) deliver(ts, received, received_t0);
                    received_delivered[static_cast<std::size_t>(omp_get_thread_num())] = 0;
                    double w1 = omp_get_wtime();
                    add_poisson(ts, t0, t1);
                    update(ts, t0, t1, dc_next);
                    ts.t_deliver += w1 - w0;
                    ts.t_update += omp_get_wtime() - w1;
                    if (h.on_thread_interval) h.on_thread_interval(omp_get_thread_num(), t1);
                } catch (...) {
                    ts.error = std::current_exception();
                    failed = true;
                }
            }
#pragma omp barrier
#pragma omp master
            {
                try {
                    const double w0 = omp_get_wtime();
                    local.clear();
                    for (auto& other : threads) {
                        local.insert(local.end(), other.interval_spikes.begin(), other.interval_spikes.end());
                        other.interval_spikes.clear();
                    }
                    if (failed) local.push_back(failure_word);
                    comm.exchange_spikes(local, received);
                    std::sort(received.begin(), received.end());
                    if (!received.empty() && received.back() == failure_word) {
                        stop = true;
                        remote = !failed;
                    }
                    received_t0 = t0;
                    out.time.exchange += omp_get_wtime() - w0;
                    const double w1 = omp_get_wtime();
                    if (!stop && h.on_spikes && (t1 >= next_flush || t1 == total_steps)) {
                        h.on_spikes(take_spikes());
                        next_flush = t1 + flush_steps;
                    }
                    if (h.on_progress) h.on_progress(t1, total_steps);
                    out.time.record += omp_get_wtime() - w1;
                } catch (...) {
                    // Not stopped here: the next exchange tells the other ranks, so that all stop
                    // at the same interval (or the agreement after the loop does, at the end).
                    master_error = std::current_exception();
                    failed = true;
                }
            }
#pragma omp barrier
        }
    }
    // A failure in the last interval has had no exchange to travel with: agree once more.
    if (comm.max(failed ? 1 : 0) != 0 && !failed) remote = true;
    for (const auto& ts : threads)
        if (ts.error) std::rethrow_exception(ts.error);
    if (master_error) std::rethrow_exception(master_error);
    if (remote) throw remote_failure();
    // The end: the last interval's spikes change plastic weights too (they are never transmitted),
    // then every weight is brought up to date, and the records due at the end are taken.
    if (any_plastic || next_due < due.size() || (H > 0 && total_steps % H == 0)) {
        const bool homeostasis_due = H > 0 && total_steps > 0 && total_steps % H == 0;
        std::vector<std::exception_ptr> errors(threads.size());
#pragma omp parallel num_threads(n_threads)
        {
            const auto t = static_cast<std::size_t>(omp_get_thread_num());
            try {
                deliver(threads[t], received, received_t0);
                if (homeostasis_due) homeostasis_local(threads[t], total_steps);
                else if (any_plastic) settle(threads[t], total_steps);
            } catch (...) {
                errors[t] = std::current_exception();
            }
        }
        const bool any_error = std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e != nullptr; });
        if (comm.max(any_error ? 1 : 0) != 0) {
            for (auto& e : errors)
                if (e) std::rethrow_exception(e);
            throw remote_failure();
        }
        if (homeostasis_due) homeostasis_global(total_steps, out.homeostasis);
        for (; next_due < due.size() && due[next_due].step <= total_steps; ++next_due)
            out.snapshots.push_back(snapshot(due[next_due].projection, total_steps));
    }
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
    for (const auto& ts : impl_->threads)
        for (const auto& t : ts.tables) n += t.bytes();
    return n;
}

std::int64_t simulation::min_delay_steps() const { return impl_->D; }
double simulation::build_seconds() const { return impl_->build_time; }

results simulation::run(const hooks& h) { return impl_->run(h); }

}  // namespace synorm::engine
