// The only translation unit that includes <mpi.h> (src/README.md, layers).
#include "synorm/comm/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace synorm::comm {

namespace {

class mpi_communicator final : public communicator {
public:
    explicit mpi_communicator(MPI_Comm c, bool owned = false) : comm_(c), owned_(owned) {
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
        counts_.resize(static_cast<std::size_t>(size_));
        displs_.resize(static_cast<std::size_t>(size_));
    }
    ~mpi_communicator() override {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (owned_ && !finalized) MPI_Comm_free(&comm_);
    }
    mpi_communicator(const mpi_communicator&) = delete;
    mpi_communicator& operator=(const mpi_communicator&) = delete;
    // A cluster of ranks (comm.structure): inherits this communicator's error handler, so that errors
    // still come back as codes.
    std::unique_ptr<communicator> split(int color) override {
        MPI_Comm sub = MPI_COMM_NULL;
        check(MPI_Comm_split(comm_, color, rank_, &sub), "MPI_Comm_split");
        return std::make_unique<mpi_communicator>(sub, true);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }

    // allgather strategy (src/README.md decision 6) in one collective per interval: every rank sends a
    // block of `capacity_` words, its spike count followed by as many spikes as fit. Only when some
    // rank had more does a second collective carry the rest; the capacity then grows, so a steady
    // network settles on one collective per interval. It shrinks again when the network quietens
    // (settle), so that one burst does not make every later interval send P times its largest block.
    void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) override {
        fill_block(blocking_, local);
        check(MPI_Allgather(blocking_.send.data(), static_cast<int>(blocking_.cap), MPI_UINT64_T, blocking_.recv.data(),
                            static_cast<int>(blocking_.cap), MPI_UINT64_T, comm_),
              "MPI_Allgather");
        gather_blocks(blocking_, global);
    }
    // Non-blocking (comm.overlap): the same block in MPI_Iallgather. The overflow round, rare once the
    // capacity has grown, stays blocking in finish_exchange: only then does every rank know it is due.
    double start_spikes(std::span<const std::uint64_t> local) override {
        in_flight& x = next_slot();
        x.targeted = false;
        fill_block(x, local);
        check(MPI_Iallgather(x.send.data(), static_cast<int>(x.cap), MPI_UINT64_T, x.recv.data(),
                             static_cast<int>(x.cap), MPI_UINT64_T, comm_, &x.request),
              "MPI_Iallgather");
        progress();
        return 0.0;
    }
    // The targeted exchange non-blocking: the counts first in a blocking MPI_Alltoall (every rank must
    // know what it receives before the spikes can be posted), then MPI_Ialltoallv of the spikes. The
    // counts' collective is where this rank waits for the others, so its time is the wait. Chaining a
    // non-blocking count exchange (posted at one epoch's end, completed at the next epoch's start)
    // would also hide that wait, at the cost of a third point of completion per epoch.
    double start_targeted(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts) override {
        in_flight& x = next_slot();
        x.targeted = true;
        const auto P = static_cast<std::size_t>(size_);
        if (send_counts.size() != P) throw std::logic_error("start_targeted: one count per rank");
        x.counts_in.resize(P);
        const double w0 = MPI_Wtime();
        check(MPI_Alltoall(send_counts.data(), 1, MPI_UINT64_T, x.counts_in.data(), 1, MPI_UINT64_T, comm_),
              "MPI_Alltoall");
        const double waited = MPI_Wtime() - w0;
        x.send_n.resize(P);
        x.send_d.resize(P);
        x.recv_n.resize(P);
        x.recv_d.resize(P);
        std::uint64_t at = 0, in = 0;
        for (std::size_t r = 0; r < P; ++r) {
            x.send_n[r] = as_int(send_counts[r]);
            x.send_d[r] = as_int(at);
            at += send_counts[r];
            x.recv_n[r] = as_int(x.counts_in[r]);
            x.recv_d[r] = as_int(in);
            in += x.counts_in[r];
        }
        as_int(at);
        as_int(in);
        x.send.assign(send.begin(), send.end());  // the caller's buffer is reused before the wait
        x.own = send_counts[static_cast<std::size_t>(rank_)];
        x.recv.resize(in);
        check(MPI_Ialltoallv(x.send.data(), x.send_n.data(), x.send_d.data(), MPI_UINT64_T, x.recv.data(),
                             x.recv_n.data(), x.recv_d.data(), MPI_UINT64_T, comm_, &x.request),
              "MPI_Ialltoallv");
        progress();
        return waited;
    }
    double finish_exchange(std::vector<std::uint64_t>& received) override {
        if (posted_ == finished_) throw std::logic_error("finish_exchange: no exchange in flight");
        in_flight& x = flight_[finished_++ % max_in_flight];
        const double w0 = MPI_Wtime();
        check(MPI_Wait(&x.request, MPI_STATUS_IGNORE), "MPI_Wait");
        const double waited = MPI_Wtime() - w0;
        if (!x.targeted) {
            gather_blocks(x, received);
            return waited;
        }
        received.swap(x.recv);
        const auto P = static_cast<std::size_t>(size_), me = static_cast<std::size_t>(rank_);
        const std::uint64_t sent = x.send.size() - x.own, got = received.size() - x.counts_in[me];
        traffic_ = {(P - 1 + sent) * 8, (P - 1 + got) * 8};
        shrink_targeted(received);
        return waited;
    }
    std::size_t exchange_capacity() const override { return capacity_; }
    traffic last_traffic() const override { return traffic_; }

    void exchange_lists(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                        std::vector<std::uint64_t>& received, std::vector<std::uint64_t>& received_counts) override {
        alltoallv(send, send_counts, received);
        received_counts.assign(list_counts_.begin(), list_counts_.end());
    }

    // The targeted exchange (comm.exchange: alltoall) is MPI_Alltoall of the counts, then
    // MPI_Alltoallv of the spikes: two collectives, and bytes exactly the spikes each rank pair
    // carries. NEST's fixed chunks (one MPI_Alltoall of a block per rank pair, an overflow round)
    // save the first collective but send every rank pair the block of the busiest pair, so that with
    // uneven pair traffic (areas, blocks placement: most pairs carry nothing) each rank receives
    // P blocks as under allgather and the targeting saves no bytes; neighbourhood collectives need a
    // sparse rank graph, which round-robin placement never gives (every pair of ranks has synapses).
    // The receive buffer keeps its capacity through short lulls and shrinks with the allgather's
    // hysteresis (settle): under a fifth used for quiet_intervals exchanges in a row.
    void exchange_targeted(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                           std::vector<std::uint64_t>& received) override {
        alltoallv(send, send_counts, received);
        const auto P = static_cast<std::size_t>(size_), me = static_cast<std::size_t>(rank_);
        std::uint64_t sent = send.size() - send_counts[me], got = received.size() - list_counts_[me];
        traffic_ = {(P - 1 + sent) * 8, (P - 1 + got) * 8};  // a count word per pair, and the spikes
        shrink_targeted(received);
    }
    void sum(std::span<std::int64_t> values) override {
        check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, comm_),
              "MPI_Allreduce");
    }
    void sum(std::span<double> values) override {
        check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, comm_),
              "MPI_Allreduce");
    }
    std::int64_t max(std::int64_t value) override {
        check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MAX, comm_), "MPI_Allreduce");
        return value;
    }
    std::int64_t min(std::int64_t value) override {
        check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MIN, comm_), "MPI_Allreduce");
        return value;
    }
    std::uint64_t exclusive_prefix_sum(std::uint64_t value) override {
        std::uint64_t result = 0;
        check(MPI_Exscan(&value, &result, 1, MPI_UINT64_T, MPI_SUM, comm_), "MPI_Exscan");
        return rank_ == 0 ? 0 : result;  // MPI_Exscan leaves rank 0's result undefined
    }
    std::vector<std::int64_t> all_gather(std::int64_t value) override {
        std::vector<std::int64_t> all(static_cast<std::size_t>(size_));
        check(MPI_Allgather(&value, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, comm_), "MPI_Allgather");
        return all;
    }
    void broadcast(std::string& text, int root) override {
        auto n = static_cast<std::uint64_t>(text.size());
        check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast");
        text.resize(n);
        check(MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, root, comm_), "MPI_Bcast");
    }
    void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }
    [[noreturn]] void abort(int exit_code) override {
        MPI_Abort(comm_, exit_code);
        std::_Exit(exit_code);
    }
    void* native_handle() override { return &comm_; }

private:
    // MPI_Alltoall of the counts, then MPI_Alltoallv of the words; list_counts_ is what came from each rank.
    void alltoallv(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                   std::vector<std::uint64_t>& received) {
        const auto P = static_cast<std::size_t>(size_);
        if (send_counts.size() != P) throw std::logic_error("exchange_lists: one count per rank");
        list_counts_.resize(P);
        check(MPI_Alltoall(send_counts.data(), 1, MPI_UINT64_T, list_counts_.data(), 1, MPI_UINT64_T, comm_),
              "MPI_Alltoall");
        send_displs_.resize(P);
        send_int_.resize(P);
        std::uint64_t at = 0, in = 0;
        for (std::size_t r = 0; r < P; ++r) {
            send_int_[r] = as_int(send_counts[r]);
            send_displs_[r] = as_int(at);
            at += send_counts[r];
            counts_[r] = as_int(list_counts_[r]);
            displs_[r] = as_int(in);
            in += list_counts_[r];
        }
        as_int(at);
        as_int(in);
        received.resize(in);
        check(MPI_Alltoallv(send.data(), send_int_.data(), send_displs_.data(), MPI_UINT64_T, received.data(),
                            counts_.data(), displs_.data(), MPI_UINT64_T, comm_),
              "MPI_Alltoallv");
    }
    // The targeted receive buffer keeps its capacity through short lulls (settle's hysteresis).
    void shrink_targeted(std::vector<std::uint64_t>& received) {
        if (5 * received.size() >= received.capacity()) {
            targeted_quiet_ = 0;
            targeted_peak_ = 0;
            return;
        }
        targeted_peak_ = std::max(targeted_peak_, received.size());
        if (++targeted_quiet_ < quiet_intervals) return;
        std::vector<std::uint64_t> smaller;
        smaller.reserve(std::max(initial_capacity, std::bit_ceil(2 * targeted_peak_)));
        smaller.assign(received.begin(), received.end());
        received.swap(smaller);
        targeted_quiet_ = 0;
        targeted_peak_ = 0;
    }
    // An exchange posted and not yet finished (comm.overlap), or the blocking allgather's buffers.
    struct in_flight {
        bool targeted = false;
        std::size_t cap = 0;                          // allgather: words per rank in the block
        std::vector<std::uint64_t> send, recv, tail;  // tail: allgather, the spikes beyond the block
        std::vector<std::uint64_t> counts_in;         // targeted: words from each rank
        std::vector<int> send_n, send_d, recv_n, recv_d;
        std::uint64_t own = 0;  // targeted: words this rank sends itself
        MPI_Request request = MPI_REQUEST_NULL;
    };
    // Open MPI moves a non-blocking collective on only inside MPI calls (no progress thread): each post
    // also tests the exchanges in flight, so that a multi-round one advances between its post and its
    // completion an epoch later. A completed request becomes MPI_REQUEST_NULL, and its wait returns at once.
    void progress() {
        for (std::uint64_t k = finished_; k < posted_; ++k) {
            int done = 0;
            check(MPI_Test(&flight_[k % max_in_flight].request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        }
    }
    in_flight& next_slot() {
        if (posted_ - finished_ >= max_in_flight) throw std::logic_error("more than max_in_flight exchanges posted");
        return flight_[posted_++ % max_in_flight];
    }
    // The first block of an allgather exchange: capacity_ words, the spike count then as many spikes as
    // fit; the rest (tail) waits for an overflow round.
    void fill_block(in_flight& x, std::span<const std::uint64_t> local) {
        const std::size_t cap = capacity_, P = static_cast<std::size_t>(size_);
        x.cap = cap;
        x.send.assign(cap, 0);
        x.send[0] = local.size();
        const std::size_t first = std::min(local.size(), cap - 1);
        std::copy(local.begin(), local.begin() + static_cast<std::ptrdiff_t>(first), x.send.begin() + 1);
        x.tail.assign(local.begin() + static_cast<std::ptrdiff_t>(first), local.end());
        x.recv.resize(cap * P);
    }
    // Every rank's spikes from the gathered blocks (and an overflow round when some rank had more).
    void gather_blocks(in_flight& x, std::vector<std::uint64_t>& global) {
        const std::size_t P = static_cast<std::size_t>(size_);
        std::size_t total = 0, most = 0;
        for (std::size_t r = 0; r < P; ++r) {
            total += x.recv[r * x.cap];
            most = std::max<std::size_t>(most, x.recv[r * x.cap]);
        }
        global.resize(total);
        if (most <= x.cap - 1) {
            std::size_t at = 0;
            for (std::size_t r = 0; r < P; ++r) {
                const std::size_t n = x.recv[r * x.cap];
                std::copy_n(x.recv.begin() + static_cast<std::ptrdiff_t>(r * x.cap + 1), n,
                            global.begin() + static_cast<std::ptrdiff_t>(at));
                at += n;
            }
            settle(most + 1);
            traffic_ = {(P - 1) * x.cap * 8, (P - 1) * x.cap * 8};
            return;
        }
        // Overflow: the spikes beyond the first block, gathered with counts every rank already knows.
        int displacement = 0;
        for (std::size_t r = 0; r < P; ++r) {
            const std::size_t n = x.recv[r * x.cap];
            counts_[r] = static_cast<int>(n > x.cap - 1 ? n - (x.cap - 1) : 0);
            displs_[r] = displacement;
            displacement += counts_[r];
        }
        overflow_.resize(static_cast<std::size_t>(displacement));
        check(MPI_Allgatherv(x.tail.data(), static_cast<int>(x.tail.size()), MPI_UINT64_T, overflow_.data(),
                             counts_.data(), displs_.data(), MPI_UINT64_T, comm_),
              "MPI_Allgatherv");
        std::size_t at = 0;
        for (std::size_t r = 0; r < P; ++r) {
            const std::size_t n = x.recv[r * x.cap], in_block = std::min(n, x.cap - 1);
            std::copy_n(x.recv.begin() + static_cast<std::ptrdiff_t>(r * x.cap + 1), in_block,
                        global.begin() + static_cast<std::ptrdiff_t>(at));
            at += in_block;
            std::copy_n(overflow_.begin() + displs_[r], counts_[r], global.begin() + static_cast<std::ptrdiff_t>(at));
            at += static_cast<std::size_t>(counts_[r]);
        }
        const auto mine = static_cast<std::size_t>(counts_[static_cast<std::size_t>(rank_)]);
        traffic_ = {(P - 1) * (x.cap + mine) * 8,
                    ((P - 1) * x.cap + static_cast<std::size_t>(displacement) - mine) * 8};
        capacity_ = std::bit_ceil(2 * (most + 1));
        quiet_ = 0;
        quiet_peak_ = 0;
    }
    static int as_int(std::uint64_t n) {
        if (n > static_cast<std::uint64_t>(INT32_MAX))
            throw std::runtime_error("a personalised all-to-all of more than 2^31 words per rank");
        return static_cast<int>(n);
    }
    static void check(int rc, const char* what) {
        if (rc != MPI_SUCCESS) throw std::runtime_error(std::string(what) + " failed");
    }
    // After an exchange without overflow whose fullest block held `used` words: NEST's rule of thumb
    // shrinks a buffer used below 20 %; here only once `quiet_intervals` exchanges in a row were, to
    // twice the fullest of them (a power of two, never below the initial 64 words). Hysteresis: right
    // after growing or shrinking, the fullest block fills between a quarter and a half of the
    // capacity, so neither rule fires again unless activity changes by a factor of about two; and
    // the wait lets a network that falls silent between bursts (NREM down states) keep its block
    // through short pauses instead of shrinking and regrowing at each burst, where each regrowth
    // costs a second collective. Every rank sees the same counts, so all agree on the capacity.
    void settle(std::size_t used) {
        if (5 * used >= capacity_) {
            quiet_ = 0;
            quiet_peak_ = 0;
            return;
        }
        quiet_peak_ = std::max(quiet_peak_, used);
        if (++quiet_ < quiet_intervals) return;
        capacity_ = std::max(initial_capacity, std::bit_ceil(2 * quiet_peak_));
        quiet_ = 0;
        quiet_peak_ = 0;
    }
    static constexpr std::size_t initial_capacity = 64, quiet_intervals = 128;
    MPI_Comm comm_;
    bool owned_ = false;  // a split's: freed with this object
    int rank_ = 0, size_ = 1;
    std::vector<int> counts_, displs_;
    std::size_t capacity_ = initial_capacity;  // words per rank in the first exchange collective
    std::size_t quiet_ = 0;                    // exchanges in a row whose fullest block used under a fifth of capacity_
    std::size_t quiet_peak_ = 0;               // words: the fullest block of those
    std::vector<std::uint64_t> overflow_;
    in_flight blocking_;               // exchange_spikes
    in_flight flight_[max_in_flight];  // start_*, by post count
    std::uint64_t posted_ = 0, finished_ = 0;
    std::vector<std::uint64_t> list_counts_;              // words from each rank in the last personalised all-to-all
    std::vector<int> send_int_, send_displs_;             // its send counts and displacements as MPI takes them
    std::size_t targeted_quiet_ = 0, targeted_peak_ = 0;  // settle's counters for the targeted receive buffer
    traffic traffic_;
};

}  // namespace

bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
        if (std::getenv(v)) return true;
    return false;
}

std::string thread_support_problem(thread_level provided) {
    if (provided >= thread_level::funneled) return {};
    return "the MPI library provides thread support MPI_THREAD_SINGLE, below the MPI_THREAD_FUNNELED that synorm "
           "needs (the main thread of each rank calls MPI while its other OpenMP threads compute); use an MPI "
           "library built with thread support";
}

namespace {

// Open MPI's PSM2 and PSM transports (Omni-Path, True Scale) each wait 100 ms in MPI_Init for their
// adapter when the machine has none: 0.2 s of a 0.5 s two-rank start here, more than the rest of MPI's
// start-up. On a machine without any RDMA adapter (none in /sys/class/infiniband, where InfiniBand,
// Omni-Path, RoCE and EFA adapters appear) no transport of the cm layer (PSM2, PSM, OFI) can be chosen,
// and Open MPI falls back to shared memory and TCP (ob1) after probing them; so they are left out
// before it probes, unless the user chose the transports (OMPI_MCA_mtl, which `mpirun --mca mtl` also
// sets). Excluding PSM and PSM2 alone is not enough: OFI is then chosen over TCP's sockets and waits
// in its progress loop. Other MPI libraries ignore the variable.
void skip_absent_transports() {
    if (std::getenv("OMPI_MCA_mtl")) return;
    std::error_code error;
    const std::filesystem::directory_iterator adapters("/sys/class/infiniband", error);
    if (!error && adapters != std::filesystem::directory_iterator{}) return;
    setenv("OMPI_MCA_mtl", "^psm,psm2,ofi", 0);
}

}  // namespace

mpi_session::mpi_session(int& argc, char**& argv) {
    skip_absent_transports();
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    // Errors come back as codes (turned into exceptions above) instead of aborting inside MPI.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    // The lowest level of any rank, so that every rank stops, or none.
    MPI_Allreduce(MPI_IN_PLACE, &provided, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    provided_ = provided >= MPI_THREAD_MULTIPLE     ? thread_level::multiple
                : provided >= MPI_THREAD_SERIALIZED ? thread_level::serialized
                : provided >= MPI_THREAD_FUNNELED   ? thread_level::funneled
                                                    : thread_level::single;
}

mpi_session::~mpi_session() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

std::unique_ptr<communicator> mpi_session::world() const { return std::make_unique<mpi_communicator>(MPI_COMM_WORLD); }

}  // namespace synorm::comm
