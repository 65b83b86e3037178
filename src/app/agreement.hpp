// How the ranks of a run agree on the outcome of a step that each took on its own (reading, creating
// files, building, simulating): every rank learns the worst exit code, rank 0 prints the one message
// that explains it, and all ranks go on or stop together.
#pragma once

#include <string>
#include <utility>

#include "exit_code.hpp"
#include "synorm/comm/communicator.hpp"

namespace synorm::app {

// What one rank made of a step it took on its own.
struct outcome {
    int code = ok;
    std::string message;
    bool secondary = false;  // only "another rank failed": another rank has the reason
    void fail(int c, std::string m, bool is_secondary = false) {
        code = c;
        message = std::move(m);
        secondary = is_secondary;
    }
};

struct agreement {
    int code = ok;
    std::string message;  // the reason printed, on every rank
};

// Collective. Every rank returns the worst exit code of the step; when it is not ok, rank 0 prints,
// once, the message of the lowest rank that failed for a reason of its own (else of the lowest
// failing rank), naming that rank when it is not rank 0.
agreement agree(comm::communicator& comm, const outcome& mine);

}  // namespace synorm::app
