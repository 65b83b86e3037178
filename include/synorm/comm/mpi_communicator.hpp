// The MPI implementation of the communicator. Its .cpp is the only file that includes <mpi.h>.
#pragma once

#include <memory>
#include <string>

#include "synorm/comm/communicator.hpp"

namespace synorm::comm {

// True when this process was started by a launcher (mpirun, srun) that expects MPI_Init.
bool launched_by_mpi();

// MPI's levels of thread support, in their order.
enum class thread_level { single, funneled, serialized, multiple };

// Empty when `provided` is enough for synorm, else what to tell the user. synorm needs
// MPI_THREAD_FUNNELED: MPI is called by the main thread of each rank only (the master of the
// engine's OpenMP regions, and outside them), while the other threads compute.
std::string thread_support_problem(thread_level provided);

// Owns MPI_Init/MPI_Finalize. It asks for MPI_THREAD_FUNNELED; what the library provides (the lowest
// level over the ranks, so all agree) is to be checked with thread_support_problem before use.
class mpi_session {
public:
    mpi_session(int& argc, char**& argv);
    ~mpi_session();
    mpi_session(const mpi_session&) = delete;
    mpi_session& operator=(const mpi_session&) = delete;
    std::unique_ptr<communicator> world() const;
    thread_level provided() const { return provided_; }

private:
    thread_level provided_ = thread_level::single;
};

}  // namespace synorm::comm
