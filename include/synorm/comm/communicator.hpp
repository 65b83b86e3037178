// The communicator the engine talks to: spike exchange once per interval, exact reductions, and
// agreement between ranks. Implementations: serial (this header's companion) and MPI (the one
// translation unit that includes <mpi.h>). Nothing here names MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace synorm::comm {

// A spike travels as one 64-bit word: (lag within the interval << 40) | gid. Sorting the words sorts
// by (lag, gid), the canonical delivery order (src/README.md decision 5).
inline constexpr int spike_lag_shift = 40;
inline constexpr std::uint64_t spike_gid_mask = (std::uint64_t{1} << spike_lag_shift) - 1;
constexpr std::uint64_t pack_spike(std::uint64_t gid, std::uint64_t lag) { return (lag << spike_lag_shift) | gid; }
constexpr std::uint64_t spike_gid(std::uint64_t word) { return word & spike_gid_mask; }
constexpr std::uint64_t spike_lag(std::uint64_t word) { return word >> spike_lag_shift; }

class communicator {
public:
    virtual ~communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;

    // Collective. Every rank passes the spikes of its neurons for one interval; every rank receives
    // the spikes of all ranks, concatenated in rank order (not yet sorted).
    virtual void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) = 0;
    // Words per rank that the next exchange's first collective sends (0 without one: serial).
    virtual std::size_t exchange_capacity() const { return 0; }

    // Collective, a personalised all-to-all (MPI_Alltoallv): `send` holds, for each rank r in rank
    // order, send_counts[r] words for r; `received` gets the words each rank sent to this one,
    // concatenated in rank order, received_counts[r] of them from rank r. One rank: a copy. The
    // build's exchange of source lists uses it (src/README.md decision 6).
    virtual void exchange_lists(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                                std::vector<std::uint64_t>& received, std::vector<std::uint64_t>& received_counts) {
        if (size() != 1) throw std::logic_error("this communicator has no personalised all-to-all");
        received.assign(send.begin(), send.end());
        received_counts.assign(send_counts.begin(), send_counts.end());
    }
    // Collective: the targeted spike exchange (`comm.exchange: alltoall`). Every rank passes its
    // interval's spikes grouped by destination rank, as exchange_lists takes them (a spike for three
    // ranks is in three groups); every rank receives the words sent to it, in rank order, not sorted.
    virtual void exchange_targeted(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                                   std::vector<std::uint64_t>& received) {
        exchange_lists(send, send_counts, received, targeted_counts_);
    }
    // What the last exchange_spikes or exchange_targeted moved between this rank and the others (its
    // own words not counted), in bytes: counts, spikes and the unused part of fixed blocks. 0 serial.
    struct traffic {
        std::uint64_t sent = 0, received = 0;
    };
    virtual traffic last_traffic() const { return {}; }

    // The same exchanges, non-blocking (comm.overlap, src/README.md decision 6): start_spikes (as
    // exchange_spikes) or start_targeted (as exchange_targeted) posts one and returns the seconds it was
    // blocked waiting for the other ranks (a collective of counts, alltoall); finish_exchange
    // completes the oldest one posted and not yet finished (at most `max_in_flight` are), puts what it
    // received into `received` and returns the seconds it was blocked waiting for the other ranks; then
    // last_traffic is that exchange's (the default's: the last posted one's). Every rank posts and
    // finishes the same exchanges in the same order. This default runs the blocking exchange when it is
    // posted, so that one rank (serial) and the dry run's model complete at once.
    static constexpr std::size_t max_in_flight = 2;
    virtual double start_spikes(std::span<const std::uint64_t> local) {
        exchange_spikes(local, next_slot());
        return 0.0;
    }
    virtual double start_targeted(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts) {
        exchange_targeted(send, send_counts, next_slot());
        return 0.0;
    }
    virtual double finish_exchange(std::vector<std::uint64_t>& received) {
        if (posted_ == finished_) throw std::logic_error("finish_exchange: no exchange in flight");
        received.swap(slots_[finished_++ % max_in_flight]);
        return 0.0;
    }

    // Collective, exact (integer) reductions.
    virtual void sum(std::span<std::int64_t> values) = 0;
    virtual std::int64_t max(std::int64_t value) = 0;
    virtual std::int64_t min(std::int64_t value) = 0;
    virtual std::uint64_t exclusive_prefix_sum(std::uint64_t value) = 0;   // Σ of lower ranks' values
    virtual std::vector<std::int64_t> all_gather(std::int64_t value) = 0;  // one value per rank
    // Element-wise sum of doubles; every rank gets the same result. Order of addition is rank order,
    // so the result is deterministic for a fixed number of ranks (not across rank counts).
    virtual void sum(std::span<double> values) = 0;
    virtual void broadcast(std::string& text, int root) = 0;
    virtual void barrier() = 0;

    // Ends every rank of the job now with this exit code (used when ranks cannot agree in order).
    [[noreturn]] virtual void abort(int exit_code) = 0;

    // Pointer to the MPI_Comm of this communicator for parallel HDF5, or nullptr when serial.
    virtual void* native_handle() = 0;

    // Collective: the ranks that pass the same `color` form a new communicator, in this one's rank
    // order (MPI_Comm_split); the two-level exchange (comm.structure) exchanges within it. nullptr
    // when this kind cannot split (the dry run's model of the other ranks); one rank: itself again.
    virtual std::unique_ptr<communicator> split(int color);

private:
    std::vector<std::uint64_t>& next_slot() {
        if (posted_ - finished_ >= max_in_flight) throw std::logic_error("more than max_in_flight exchanges posted");
        return slots_[posted_++ % max_in_flight];
    }
    std::vector<std::uint64_t> targeted_counts_;       // scratch of the default exchange_targeted
    std::vector<std::uint64_t> slots_[max_in_flight];  // the default's exchanges in flight, received, by post count
    std::uint64_t posted_ = 0, finished_ = 0;
};

// The collectives of a process that stands alone for the ranks it reports (the serial run, a dry
// run's rank and its cluster): each reduction is of its own value, every rank holds the same, and
// there is no one to wait for.
class solitary_collectives : public communicator {
public:
    void sum(std::span<std::int64_t>) override {}
    void sum(std::span<double>) override {}
    std::int64_t max(std::int64_t value) override { return value; }
    std::int64_t min(std::int64_t value) override { return value; }
    std::uint64_t exclusive_prefix_sum(std::uint64_t) override { return 0; }
    std::vector<std::int64_t> all_gather(std::int64_t value) override {
        return std::vector<std::int64_t>(static_cast<std::size_t>(size()), value);
    }
    void broadcast(std::string&, int) override {}
    void barrier() override {}
    void* native_handle() override { return nullptr; }  // no MPI: the output file is this process's alone
};

// One process, no MPI: exchange copies, reductions are identities.
std::unique_ptr<communicator> make_serial();

inline std::unique_ptr<communicator> communicator::split(int) { return size() == 1 ? make_serial() : nullptr; }

}  // namespace synorm::comm
