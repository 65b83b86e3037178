// The MPI implementation of the communicator. Its .cpp is the only file that includes <mpi.h>.
#pragma once

#include <memory>

#include "synorm/comm/communicator.hpp"

namespace synorm::comm {

// True when this process was started by a launcher (mpirun, srun) that expects MPI_Init.
bool launched_by_mpi();

// Owns MPI_Init/MPI_Finalize (MPI_THREAD_FUNNELED: only the master thread calls MPI).
class mpi_session {
public:
    mpi_session(int& argc, char**& argv);
    ~mpi_session();
    mpi_session(const mpi_session&) = delete;
    mpi_session& operator=(const mpi_session&) = delete;
    std::unique_ptr<communicator> world() const;
};

}  // namespace synorm::comm
