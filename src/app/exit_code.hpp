// The exit codes of `synorm`: part of its interface (README, "Exit codes"). Every rank of a run exits
// with the same one.
#pragma once

namespace synorm::app {

enum exit_code : int {
    ok = 0,
    runtime_failure = 1,  // building the network, the simulation or an internal check failed; MPI lacks thread support
    input_error = 2,      // bad command line or configuration
    io_failure = 3,       // output (or checkpoint) could not be written or read
    not_enough_memory = 4,  // the memory estimate exceeds what a rank has; nothing was allocated
    health_stopped = 5,     // a runtime health check (configuration `checks`) stopped the run; the file says why
    checkpointed = 6,       // stopped on request (signal, --stop-after) after a checkpoint: resume me
};

}  // namespace synorm::app
