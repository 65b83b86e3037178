#include "synorm/engine/simulation.hpp"

#include <bit>

#include "engine_state.hpp"
#include "synorm/model/subnormals.hpp"

namespace synorm::engine {

// The loop, in the spirit of Arbor's simulation::run(): one OpenMP region, one interval [t0, t1) of
// D steps at a time, each a named step below. Why this order is safe: every delay is ≥ D steps, so
// the spikes exchanged at the end of the previous interval arrive at t0 or later, and none of this
// interval's spikes is needed before the next one starts. So each thread first delivers the received
// spikes into its own ring buffers and plastic synapses, with the postsynaptic spikes that reach
// plastic synapses by t0: every weight is then up to date at t0, which is what a boundary (homeostasis,
// snapshots, the schedule, pruning) and a checkpoint read. Then each thread adds its input and
// advances its neurons to t1, and the master exchanges the interval's spikes. A failure anywhere, a
// stop or a checkpoint asked for travel with the exchange (run_control), so every rank stops at the
// same interval.
//
// Overlapped (comm.overlap; Arbor's half epochs): the interval is two epochs, A = [t0, t0 + ⌊D/2⌋)
// and B = [t0 + ⌊D/2⌋, t1). A spike of an epoch arrives ≥ D steps after the epoch's start, so not
// before the epoch after next: each epoch's exchange is posted at its end and completed at the start
// of the epoch after next, while the next one is integrated. At the start of A the master completes
// the previous interval's A and the threads deliver it, with every plastic weight current at the
// start of the previous B (no spike delivered later is older); at the start of B the same for the
// previous B, current at t0. Each ring-buffer slot still receives its spikes in canonical order and
// then its input (a slot of A takes spikes of the previous A and before; one of B of the previous B),
// and the postsynaptic arrivals are merged by step as before, so the results are bitwise those of
// the blocking loop. What reads every weight at t0 (a boundary, a checkpoint) or may stop the run
// there lands the previous B first (the drain): then nothing is in flight, as without overlap.
results simulation::impl::run(const hooks& h) {
    // Subnormals are 0 in every computation of the run (model/subnormals.hpp): here for the calling
    // thread, which also runs the master's steps, and at the start of every parallel region.
    const model::flush_subnormals flushed;
    const double t_start = omp_get_wtime();
    run_control control(comm);
    run_state run = begin_run(h);
    run.overlap = exchange_plan.overlap;
    const int n_threads = static_cast<int>(threads.size());
#pragma omp parallel num_threads(n_threads)
    {
        const model::flush_subnormals flushed_here;
        auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
        std::size_t dc_next = first_dc_change(ts);
        for (std::int64_t t0 = start_step; t0 < total_steps && !control.stopping(); t0 += D) {
            const interval_plan at = plan(t0);
            if (!run.overlap || run.posted == 0) {  // with overlap: the first interval, nothing in flight
                control.thread_step(ts.error, [&] { bucket_received(ts, run.received); });
#pragma omp barrier
                control.thread_step(ts.error, [&] { deliver_received(ts, run, t0); });
                if (run.merged_ready) deliver_merged(ts, control, run, t0);
            } else {
                // The previous A. Not fenced: the master reads the words (and may set stopping()) only
                // once every thread has passed this loop's condition, which reads it too.
                land(ts, control, run, false);
                if (!control.stopping() && (at.boundary || checkpoint_due(t0, control, run)))
                    land(ts, control, run, false);  // the drain: the previous B
                if (control.stopping()) break;
            }
            if (at.boundary) boundary(ts, at.t0, at.homeostasis_due, false, control, run);
            if (!at.resumed_here && checkpoint_due(t0, control, run) && checkpoint(t0, control, run)) break;
            if (!run.overlap) {
                control.thread_step(ts.error, [&] { advance(ts, at.t0, at.t1, at.t0, dc_next); });
                if (h.on_thread_interval)
                    control.thread_step(ts.error, [&] { h.on_thread_interval(omp_get_thread_num(), at.t1); });
                if (structured()) exchange_structured(at, control, run);
                else
                    exchange(at, control, run);
                continue;
            }
            const std::int64_t middle = std::min(t0 + D / 2, at.t1);
            control.thread_step(ts.error, [&] { advance(ts, t0, middle, t0, dc_next); });
            post(at, t0, middle, control, run);
            if (run.posted == 2) land(ts, control, run, true);  // the previous B, unless drained
            if (control.stopping()) break;
            control.thread_step(ts.error, [&] { advance(ts, middle, at.t1, t0, dc_next); });
            if (h.on_thread_interval)
                control.thread_step(ts.error, [&] { h.on_thread_interval(omp_get_thread_num(), at.t1); });
            post(at, middle, at.t1, control, run);
        }
    }
    if (run.overlap) land_all(control, run);
    control.settle(threads);
    if (!control.stopped()) finish(control, run);  // else the checkpoint holds the records
    run.out.stopped_at = control.stop_step();
    run.out.time.total = omp_get_wtime() - t_start;
    run.out.time.build = build_time;
    for (const auto& ts : threads) {
        run.out.local_spikes += ts.spikes;
        run.out.local_events += ts.events;
        run.out.local_received += ts.looked_up;
        run.out.local_rows += ts.rows_found;
    }
    return control.stopped() ? std::move(run.out) : collect(std::move(run.out), run.h);
}

// The records a checkpoint restored, continued; the records due at step 0 of a fresh run.
simulation::impl::run_state simulation::impl::begin_run(const hooks& h) {
    run_state run(h);
    auto& out = run.out;
    out.homeostasis = std::move(restored.homeostasis);
    out.snapshots = std::move(restored.snapshots);
    out.pruning = std::move(restored.pruning);
    out.patterns = std::move(restored.patterns);
    out.phases = std::move(restored.phases);
    out.phase_weight = std::move(restored.phase_weight);
    out.phase_snapshots = std::move(restored.phase_snapshots);
    out.first_step = start_step;
    phase_work0 = work_so_far(out);  // a phase open at the checkpoint counts its work from here
    const double dt = spec.simulation.dt;
    run.flush_steps = std::max<std::int64_t>(1, to_step(h.flush_every_ms, dt));
    run.next_flush = start_step + run.flush_steps;
    if (h.checkpoint_every_ms > 0) run.checkpoint_steps = std::max<std::int64_t>(1, to_step(h.checkpoint_every_ms, dt));
    run.next_checkpoint = run.checkpoint_steps ? start_step + run.checkpoint_steps : INT64_MAX;
    due.clear();
    for (const auto& w : spec.recording.weights)
        for (const double t : w.times) due.push_back({to_step(t, dt), w.projection});
    std::stable_sort(due.begin(), due.end(),
                     [](const due_snapshot& a, const due_snapshot& b) { return a.step < b.step; });
    next_due = 0;
    run.outer_origin = start_step;
    if (start_step == 0) {
        take_snapshots(0, out);
        if (phase_runs.empty()) sample_patterns(0, out);  // with a schedule: at its boundaries
    } else {  // the checkpoint holds the records due up to its step, the patterns' sample at 0 among them
        while (next_due < due.size() && due[next_due].step <= start_step) ++next_due;
    }
    return run;
}

simulation::impl::interval_plan simulation::impl::plan(std::int64_t t0) const {
    interval_plan at;
    at.t0 = t0;
    at.t1 = std::min(t0 + D, total_steps);
    // A resumed run starts after the first interval's deliveries, homeostasis, snapshots and checkpoint.
    at.resumed_here = t0 == start_step && start_step > 0;
    at.homeostasis_due = !at.resumed_here && H > 0 && t0 > 0 && t0 % H == 0;
    at.boundary = at.homeostasis_due || (!at.resumed_here && (phase_due(t0) || snapshot_due(t0)));
    return at;
}

std::size_t simulation::impl::first_dc_change(thread_state& ts) {
    if (start_step > 0) {  // the checkpoint holds the current DC; changes from its step on are to come
        const auto next = std::lower_bound(dc_changes.begin(), dc_changes.end(), start_step);
        return static_cast<std::size_t>(next - dc_changes.begin());
    }
    if (dc_changes.empty() || dc_changes.front() > 0) return 0;
    apply_dc(ts, 0);
    return 1;
}

void simulation::impl::deliver_received(thread_state& ts, run_state& run, std::int64_t upto) {
    SYNORM_ASSERT(std::is_sorted(run.received.begin(), run.received.end()), "spikes in canonical (lag, gid) order");
    SYNORM_ASSERT(run.received.empty() || run.received.back() < checkpoint_word, "no run_control word is delivered");
    const double w0 = omp_get_wtime();
    deliver(ts, run.received, run.received_t0, upto, INT64_MIN, run.received_before);
    ts.t_deliver += omp_get_wtime() - w0;
    SYNORM_ASSERT(!any_plastic || ts.arrived == upto, "every plastic weight is current at the interval start");
}

// comm.structure, at a multiple of M: the other clusters' spikes of the stretch before it and this
// cluster's synapses still due, from t0 on, in one canonical sequence (structure.cpp).
void simulation::impl::deliver_merged(thread_state& ts, run_control& control, run_state& run, std::int64_t t0) {
#pragma omp barrier
    control.thread_step(ts.error, [&] { bucket_received(ts, run.merged); });
#pragma omp barrier
    control.thread_step(ts.error, [&] {
        const double w0 = omp_get_wtime();
        deliver(ts, run.merged, run.merged_t0, t0, t0, INT64_MAX);
        ts.t_deliver += omp_get_wtime() - w0;
    });
}

void simulation::impl::take_snapshots(std::int64_t step, results& out) {
    for (; next_due < due.size() && due[next_due].step <= step; ++next_due)
        out.snapshots.push_back(snapshot(due[next_due].projection, step));
}

// Every weight is up to date at T. Each thread reads its sensors; the master reduces and records
// (homeostasis, snapshots) and moves the schedule; at a pruning point, after those records (which
// still show the synapses that go), each thread prunes and the master records the counts. At the end
// of the run (`end`) the patterns are sampled here when no schedule does it. Every thread calls it.
void simulation::impl::boundary(thread_state& ts, std::int64_t T, bool homeostasis_due, bool end, run_control& control,
                                run_state& run) {
    control.thread_step(ts.error, [&] {
        if (homeostasis_due) homeostasis_local(ts, T);
        if (!end && run.h.on_thread_boundary) run.h.on_thread_boundary(omp_get_thread_num(), T);
    });
#pragma omp barrier
#pragma omp master
    control.master_step([&] {
        if (control.anyone_failed()) return;
        if (homeostasis_due) homeostasis_global(T, run.out.homeostasis);
        take_snapshots(T, run.out);
        if (!phase_runs.empty()) phase_boundary(T, homeostasis_due, run.out);
        else if (end)
            sample_patterns(T, run.out);
    });
#pragma omp barrier
    if (!homeostasis_due || !pruning_point(T)) return;
    control.thread_step(ts.error, [&] { prune_local(ts, T); });
#pragma omp barrier
#pragma omp master
    control.master_step([&] {
        if (!control.anyone_failed()) prune_global(T, run.out);
    });
#pragma omp barrier
}

// Under comm.structure only at the multiples of M, where nothing waits for a later delivery.
bool simulation::impl::checkpoint_due(std::int64_t t0, const run_control& control, const run_state& run) const {
    if (structured() && t0 % exchange_plan.outer_steps != 0) return false;
    return t0 >= run.next_checkpoint || control.checkpoint_asked();
}

// A checkpoint at t0: here no spike is in flight outside the ring buffers and every record due at t0
// is taken, so the state is complete and the same for every layout. True when the run stops here.
bool simulation::impl::checkpoint(std::int64_t t0, run_control& control, run_state& run) {
#pragma omp barrier
#pragma omp master
    {
        control.master_step([&] {
            if (control.anyone_failed()) return;
            const double w0 = omp_get_wtime();
            if (run.h.on_spikes) run.h.on_spikes(take_spikes());
            flush_rates(t0, run.h);  // the output holds the bins before the window the checkpoint keeps
            run.next_flush = t0 + run.flush_steps;
            if (run.h.on_checkpoint) run.h.on_checkpoint(capture(t0, run.out));
            run.out.time.record += omp_get_wtime() - w0;
        });
        if (run.checkpoint_steps) run.next_checkpoint = t0 + run.checkpoint_steps;
        control.checkpoint_taken(t0);
    }
#pragma omp barrier
    return control.stopped();
}

// Input for [t0, t1) goes into the ring buffers before the neurons read them.
void simulation::impl::advance(thread_state& ts, std::int64_t t0, std::int64_t t1, std::int64_t origin,
                               std::size_t& dc_next) {
    const double w0 = omp_get_wtime();
    add_poisson(ts, t0, t1);
    if (!patterns.empty()) add_patterns(ts, t0, t1);
    update(ts, t0, t1, dc_next, origin);
    ts.t_update += omp_get_wtime() - w0;
}

// The threads' spikes of the interval (or epoch), into `local`.
namespace {
template <class Threads>
void gather_spikes(Threads& threads, std::vector<std::uint64_t>& local) {
    local.clear();
    for (auto& other : threads) {
        local.insert(local.end(), other.interval_spikes.begin(), other.interval_spikes.end());
        other.interval_spikes.clear();
    }
}
}  // namespace

void simulation::impl::received_spikes(run_control& control, run_state& run, std::vector<std::uint64_t>& received) {
    const auto traffic = comm.last_traffic();
    ++run.out.exchanges;
    run.out.bytes_sent += traffic.sent;
    run.out.bytes_received += traffic.received;
    std::sort(received.begin(), received.end());
    control.read_words(received);
}

// The master gathers the threads' spikes of [t0, t1), exchanges them with the other ranks (with the
// words of run_control) and sorts them into the canonical (lag, gid) order of delivery; then the
// spikes are flushed and progress reported. Every thread calls it.
void simulation::impl::exchange(const interval_plan& at, run_control& control, run_state& run) {
#pragma omp barrier
#pragma omp master
    control.master_step([&] {
        // The wait for the slowest rank, timed apart from the exchange: a barrier first, so that the
        // collective after it measures the exchange alone (src/README.md decision 6).
        const double w0 = omp_get_wtime();
        if (comm.size() > 1) comm.barrier();
        const double w1 = omp_get_wtime();
        run.out.time.wait += w1 - w0;
        gather_spikes(threads, run.local);
        count_rates(run.local, at.t0);
        if (!probe_spikes.empty()) count_probe_spikes(run.local, at.t0);
        control_words.clear();
        control.append_words(control_words, run.h);
        if (targeted()) {
            group_targeted(run.local);
            comm.exchange_targeted(send_words, send_counts, run.received);
        } else {
            run.local.insert(run.local.end(), control_words.begin(), control_words.end());
            comm.exchange_spikes(run.local, run.received);
        }
        received_spikes(control, run, run.received);
        run.received_t0 = at.t0;
        run.out.time.exchange += omp_get_wtime() - w1;
        if (control.stopping()) return;
        flush_and_report(at, run);
    });
#pragma omp barrier
}

// The master, at the end of an interval: the spikes and the completed rate bins to the output when a
// flush is due, and progress.
void simulation::impl::flush_and_report(const interval_plan& at, run_state& run) {
    const double w0 = omp_get_wtime();
    if (at.t1 >= run.next_flush || at.t1 == total_steps) {
        if (run.h.on_spikes) run.h.on_spikes(take_spikes());
        flush_rates(at.t1, run.h);
        run.next_flush = at.t1 + run.flush_steps;
    }
    if (run.h.on_progress) run.h.on_progress(at.t1, total_steps);
    run.out.time.record += omp_get_wtime() - w0;
}

// No barrier before the collective here: under overlap the wait for the others is the time blocked in
// completing (or, alltoall, in the counts' collective), which the communicator reports.
void simulation::impl::post(const interval_plan& at, std::int64_t t0, std::int64_t t1, run_control& control,
                            run_state& run) {
#pragma omp barrier
#pragma omp master
    control.master_step([&] {
        const double w0 = omp_get_wtime();
        const bool first = t0 == at.t0;
        gather_spikes(threads, run.local);
        count_rates(run.local, at.t0);
        if (!probe_spikes.empty()) count_probe_spikes(run.local, at.t0);
        control_words.clear();
        control.append_words(control_words, run.h, first);
        double waited = 0;
        if (targeted()) {
            group_targeted(run.local);
            waited = comm.start_targeted(send_words, send_counts);
        } else {
            run.local.insert(run.local.end(), control_words.begin(), control_words.end());
            waited = comm.start_spikes(run.local);
        }
        run.in_flight.push_back({at.t0, t1});
        run.posted = run.in_flight.size();
        run.out.time.wait += waited;
        run.out.time.exchange += omp_get_wtime() - w0 - waited;
        if (first || control.stopping()) return;
        flush_and_report(at, run);
    });
#pragma omp barrier
}

void simulation::impl::receive_oldest(run_control& control, run_state& run, std::vector<std::uint64_t>& into) {
    const double w0 = omp_get_wtime();
    const double waited = comm.finish_exchange(into);
    received_spikes(control, run, into);
    run.out.time.wait += waited;
    run.out.time.exchange += omp_get_wtime() - w0 - waited;
}

void simulation::impl::land(thread_state& ts, run_control& control, run_state& run, bool fenced) {
    if (!fenced) {  // a thread may still deliver the spikes that the master replaces below
#pragma omp barrier
    }
#pragma omp master
    control.master_step([&] {
        if (run.in_flight.empty()) throw std::logic_error("an exchange landed that was never posted");
        run.landing = run.in_flight.front();
        run.in_flight.pop_front();
        receive_oldest(control, run, run.received);
        run.received_t0 = run.landing.origin;
    });
#pragma omp barrier
    if (control.stopping()) return;
    control.thread_step(ts.error, [&] { bucket_received(ts, run.received); });
#pragma omp barrier
    control.thread_step(ts.error, [&] { deliver_received(ts, run, run.landing.end); });
}

// After the loop, on the calling thread (MPI's): every exchange in flight completes. At the end of the
// run these are the last interval's two epochs, whose lags count from its start: one sorted sequence.
void simulation::impl::land_all(run_control& control, run_state& run) {
    control.master_step([&] {
        if (run.in_flight.empty()) return;
        run.received_t0 = run.in_flight.front().origin;
        SYNORM_ASSERT(run.in_flight.back().origin == run.received_t0, "the epochs in flight are of one interval");
        receive_oldest(control, run, run.received);
        run.in_flight.pop_front();
        while (!run.in_flight.empty()) {
            receive_oldest(control, run, run.later);
            run.in_flight.pop_front();
            run.received.insert(run.received.end(), run.later.begin(), run.later.end());
        }
    });
}

// The end is one more boundary at total_steps: the last interval's spikes change plastic weights too
// (they are never transmitted), as do the postsynaptic spikes that reach them by the end; then the
// records due at the end are taken and the schedule's last phase closed.
void simulation::impl::finish(run_control& control, run_state& run) {
    const std::int64_t T = total_steps;
    const bool homeostasis_due = H > 0 && T > 0 && T % H == 0;
    const bool weights_read = any_plastic || homeostasis_due || next_due < due.size();
    const int n_threads = static_cast<int>(threads.size());
#pragma omp parallel num_threads(n_threads)
    {
        const model::flush_subnormals flushed_here;
        auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
        if (weights_read) {
            control.thread_step(ts.error, [&] { bucket_received(ts, run.received); });
#pragma omp barrier
            control.thread_step(ts.error, [&] { deliver_received(ts, run, T); });
        }
        boundary(ts, T, homeostasis_due, true, control, run);
    }
    control.settle(threads);
    finish_patterns(run.out);
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
    return n + impl_->rank_index.bytes();  // the rank's source index: what the rows cost beyond the tables
}

namespace {

// Every synapse of the rank as (source gid, target gid, delay in steps, weight), source by source in
// the rank's source index, which names each row's source: the one place that walks the tables'
// layout for synapse_checksum (a new row index changes this only). It allocates nothing, so the
// checksum taken right after the build adds nothing to the build's peak (a list of every row's
// source, 4 B per row, did: README "Networks from tables").
template <class Engine, class Visit>
void for_each_synapse(const Engine& sim, Visit&& visit) {
    const auto& index = sim.rank_index;
    index.sources.for_each([&](std::uint64_t source, std::uint32_t first, std::uint32_t end) {
        const std::uint32_t p = sim.population_of(source);
        for (std::uint32_t e = first; e < end; ++e) {
            const std::uint64_t word = index.word(e);
            const auto& ts = sim.threads[index.thread_of(word)];
            const auto& t = ts.tables[sim.projection_of(p, word)];
            const std::uint64_t row = index.row_of(word);
            for (std::uint64_t i = t.row_first(row), end_i = t.row_end(row); i < end_i; ++i) {
                const std::uint32_t word_i = t.target_delay[i];
                visit(source, ts.layout->gids[network::synapse_target(word_i)],
                      static_cast<std::uint64_t>(sim.D) + network::synapse_delay_offset(word_i), t.weight[i]);
            }
        }
    });
}

// splitmix64's finalizer (Steele, Lea & Flood 2014): every input bit moves about half the output bits.
constexpr std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

std::uint64_t simulation::synapse_checksum() const {
    std::uint64_t sum = 0;
    // Neighbouring synapses mostly share delay and weight (as built, a constant weight is common):
    // their part of the hash is computed once for a run of them.
    std::uint64_t last_delay = 0, inner = mix(0 ^ mix(0));
    std::uint32_t last_weight = 0;
    for_each_synapse(*impl_, [&](std::uint64_t source, std::uint64_t target, std::uint64_t delay, float weight) {
        const auto bits = std::bit_cast<std::uint32_t>(weight);
        if (delay != last_delay || bits != last_weight) {
            last_delay = delay;
            last_weight = bits;
            inner = mix(delay ^ mix(bits));
        }
        sum += mix(source ^ mix(target ^ inner));
    });
    return sum;
}

std::int64_t simulation::min_delay_steps() const { return impl_->D; }
double simulation::build_seconds() const { return impl_->build_time; }
const exchange_report& simulation::exchange() const { return impl_->exchange_plan; }

results simulation::run(const hooks& h) { return impl_->run(h); }

simulation::simulation(const model::model_spec& spec, comm::communicator& comm, int threads,
                       const checkpoint_state& from)
    : impl_(std::make_unique<impl>(spec, comm, threads, &from)) {}

}  // namespace synorm::engine
