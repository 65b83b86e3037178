// `synorm run`: configuration → output file → network → simulation → records, every step agreed
// between ranks so that all of them stop together, with one message and one exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synorm/comm/communicator.hpp"

namespace synorm::app {

struct run_options {
    std::string config;
    std::string output;  // empty: out/<config stem>.h5, with out/ created
    std::vector<std::string> overrides;  // --set KEY.PATH=VALUE, in order
    int threads = 0;                     // 0: OMP_NUM_THREADS, else 1
    std::optional<std::string> seed, duration;  // --seed, --duration as typed: checked by the loader
    bool quiet = false;
    std::optional<std::uint64_t> memory_limit;  // bytes per rank; default: the node's available memory / its ranks
};

// Collective: every rank calls it and every rank returns the same exit code.
int run_command(const run_options& options, comm::communicator& comm, double process_start);

}  // namespace synorm::app
