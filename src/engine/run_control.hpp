// How a run stops: a failure on any thread of any rank, a stop or a checkpoint asked for by a hook,
// all agreed between the ranks so that every rank stops at the same interval (src/README.md decision
// 10). Private to src/engine; the loop (simulation.cpp) is its only user.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/simulation.hpp"

namespace synorm::engine::detail {

// A spike word that no neuron can send: a rank that failed sends it so that every rank stops at the
// same interval.
constexpr std::uint64_t failure_word = ~std::uint64_t{0};
// Requests that travel the same way: take a checkpoint at the next interval start (and stop there).
// Sorted after every spike and before the failure word; removed before delivery.
constexpr std::uint64_t stop_word = failure_word - 1;
constexpr std::uint64_t checkpoint_word = failure_word - 2;

class run_control {
public:
    explicit run_control(comm::communicator& comm) : comm_(comm) {}

    // A thread's step: skipped once anything failed on this rank; what it throws is kept in `error`
    // (the thread's own) and stops the run.
    template <class Step>
    void thread_step(std::exception_ptr& error, Step&& step) {
        if (failed_.load(std::memory_order_relaxed)) return;
        try {
            step();
        } catch (...) {
            error = std::current_exception();
            failed_ = true;
        }
    }
    // The master's step: what it throws reaches the other ranks with the next exchange (or the
    // agreement after the loop), so that all stop at the same interval.
    template <class Step>
    void master_step(Step&& step) {
        try {
            step();
        } catch (...) {
            master_error_ = std::current_exception();
            failed_ = true;
        }
    }
    // Collective. Before a master step with collectives between two exchanges: a thread of one rank
    // may have thrown since the last exchange, and that rank must not skip collectives the others
    // enter. Every rank skips them, and the next exchange (or settle) stops the run on all.
    bool anyone_failed() { return comm_.max(failed_ ? 1 : 0) != 0; }

    // The exchange carries this rank's words after its spikes; the received ones are read back (and
    // removed) once sorted, after every spike.
    // Under overlap (two exchanges per interval) the hooks are asked with the first only (`ask`), so
    // that a request is read at the next interval start, as without overlap, and they run once per interval.
    void append_words(std::vector<std::uint64_t>& local, const hooks& h, bool ask = true) const {
        if (failed_) local.push_back(failure_word);
        if (!ask) return;
        if (h.stop_requested && h.stop_requested()) local.push_back(stop_word);
        if (h.checkpoint_requested && h.checkpoint_requested()) local.push_back(checkpoint_word);
    }
    void read_words(std::vector<std::uint64_t>& received) {
        if (!received.empty() && received.back() == failure_word) {
            stop_ = true;
            remote_ = !failed_;
        }
        while (!received.empty() && received.back() >= checkpoint_word) {
            stop_asked_ = stop_asked_ || received.back() == stop_word;
            checkpoint_asked_ = checkpoint_asked_ || received.back() == checkpoint_word;
            received.pop_back();
        }
    }
    bool stopping() const { return stop_; }  // a rank failed: every rank leaves the loop
    bool checkpoint_asked() const { return checkpoint_asked_ || stop_asked_; }
    // The master, once the checkpoint at `step` is taken: a stop asked for ends the run there.
    void checkpoint_taken(std::int64_t step) {
        checkpoint_asked_ = false;
        if (stop_asked_) stop_step_ = step;
    }
    bool stopped() const { return stop_step_ >= 0; }
    std::int64_t stop_step() const { return stop_step_; }

    // Collective, after a parallel region: a failure in it has had no exchange to travel with, so the
    // ranks agree once more; then the first error kept is thrown (a thread's, the master's), or
    // remote_failure on the ranks that only learned of another's.
    template <class Threads>
    void settle(const Threads& threads) {
        if (anyone_failed() && !failed_) remote_ = true;
        for (const auto& ts : threads)
            if (ts.error) std::rethrow_exception(ts.error);
        if (master_error_) std::rethrow_exception(master_error_);
        if (remote_) throw remote_failure();
    }

private:
    comm::communicator& comm_;
    std::atomic<bool> failed_{false};  // this rank: a thread or the master threw
    std::exception_ptr master_error_;
    bool stop_ = false, remote_ = false;                  // every rank stops; because another one failed
    bool checkpoint_asked_ = false, stop_asked_ = false;  // agreed at the last exchange
    std::int64_t stop_step_ = -1;                         // ≥ 0: the run ended at a checkpoint there, on request
};

}  // namespace synorm::engine::detail
