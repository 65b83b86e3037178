#include "agreement.hpp"

#include <iostream>

namespace synorm::app {

// Collective. Every rank returns the worst exit code of the step; when it is not ok, rank 0 prints,
// once, the message of the lowest rank that failed for a reason of its own (else of the lowest
// failing rank), naming that rank when it is not rank 0.
agreement agree(comm::communicator& comm, const outcome& mine) {
    agreement a;
    a.code = static_cast<int>(comm.max(mine.code));
    if (a.code == ok) return a;
    const std::int64_t n = comm.size();
    const std::int64_t key = mine.code == ok ? 2 * n : (mine.secondary ? n : 0) + comm.rank();
    const int speaker = static_cast<int>(comm.min(key) % n);
    a.message = mine.message;
    comm.broadcast(a.message, speaker);
    if (speaker != 0) a.message += " [rank " + std::to_string(speaker) + "]";
    if (comm.rank() == 0) std::cerr << "synorm: " << a.message << "\n" << std::flush;
    return a;
}

}  // namespace synorm::app
