// The only translation unit that includes <mpi.h> (DESIGN.md §2).
#include "synorm/comm/mpi_communicator.hpp"

#include <mpi.h>

#include <cstdlib>
#include <stdexcept>

namespace synorm::comm {

namespace {

class mpi_communicator final : public communicator {
public:
    explicit mpi_communicator(MPI_Comm c) : comm_(c) {
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
        counts_.resize(static_cast<std::size_t>(size_));
        displs_.resize(static_cast<std::size_t>(size_));
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string kind() const override { return "mpi"; }

    // allgather strategy: counts first, then the spikes (DESIGN.md decision 6).
    void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) override {
        const int n = static_cast<int>(local.size());
        check(MPI_Allgather(&n, 1, MPI_INT, counts_.data(), 1, MPI_INT, comm_), "MPI_Allgather");
        int total = 0;
        for (int r = 0; r < size_; ++r) {
            displs_[static_cast<std::size_t>(r)] = total;
            total += counts_[static_cast<std::size_t>(r)];
        }
        global.resize(static_cast<std::size_t>(total));
        check(MPI_Allgatherv(local.data(), n, MPI_UINT64_T, global.data(), counts_.data(), displs_.data(), MPI_UINT64_T, comm_),
              "MPI_Allgatherv");
    }
    void sum(std::span<std::int64_t> values) override {
        check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, comm_), "MPI_Allreduce");
    }
    void sum(std::span<double> values) override {
        check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
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
    static void check(int rc, const char* what) {
        if (rc != MPI_SUCCESS) throw std::runtime_error(std::string(what) + " failed");
    }
    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
    std::vector<int> counts_, displs_;
};

}  // namespace

bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
        if (std::getenv(v)) return true;
    return false;
}

mpi_session::mpi_session(int& argc, char**& argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    // Errors come back as codes (turned into exceptions above) instead of aborting inside MPI.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

mpi_session::~mpi_session() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

std::unique_ptr<communicator> mpi_session::world() const { return std::make_unique<mpi_communicator>(MPI_COMM_WORLD); }

}  // namespace synorm::comm
