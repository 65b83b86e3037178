// `synorm run`: configuration → output file → network → simulation → records, every step agreed
// between ranks so that all of them stop together, with one message and one exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/comm/dry_run_communicator.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::app {

struct run_options {
    std::string config;
    std::string output;                         // empty: out/<config stem>.h5, with out/ created
    std::vector<std::string> overrides;         // --set KEY.PATH=VALUE, in order
    int threads = 0;                            // 0: OMP_NUM_THREADS, else 1
    std::optional<std::string> seed, duration;  // --seed, --duration as typed: checked by the loader
    bool quiet = false;
    std::optional<std::uint64_t> memory_limit;  // bytes per rank; default: the node's available memory / its ranks
    // Checkpoints (README "Checkpoints and resuming").
    double checkpoint_every_ms = 0;  // biological period; 0: none
    double checkpoint_wall_s = 0;    // wall-clock period; 0: none
    double stop_after_s = 0;         // checkpoint and stop (exit 6) after this much wall time; 0: never
    std::string checkpoint_dir;      // empty: <OUT without .h5>.checkpoints (resume: the checkpoint's directory)
    int checkpoint_keep = 2;         // complete checkpoints kept in the directory
    std::string resume;              // `synorm resume PATH`: a checkpoint file or directory
    bool force = false;              // resume even when the output file's configuration differs
    bool overwrite = false;          // run: replace an existing complete, resumable or foreign output file
    // --dry-run: the engine talks to this communicator (rank r of P), everything else to `comm` (the
    // serial one: one process writes its own file); the other ranks' rates come from this earlier
    // output's mean rates, or (empty) from the configuration's dry_run.rates.
    comm::dry_run_communicator* dry_run = nullptr;
    std::string dry_run_rates;
    // resume --placement: replaces the checkpoint's network.placement
    std::optional<model::placement_kind> placement;
};

// The checkpoint a resume starts from: PATH itself, or the newest complete checkpoint in directory
// PATH. Throws std::runtime_error naming what is wrong.
std::string resolve_checkpoint(const std::string& path);

// What keeps a run of `spec` from taking checkpoints, "" when nothing does: --checkpoint-every (ms; 0 when
// not given) beyond the step counts' range (model/time_steps.hpp), or a minimum delay beyond the 16-bit
// delays of a checkpoint. Checked before the run, so that it never fails at its first checkpoint.
std::string checkpoint_problem(const model::model_spec& spec, double every_ms);

// SIGUSR1, SIGTERM, SIGINT and SIGHUP ask a run to take a checkpoint at the next interval start and stop with exit
// code 6. Installed as the process starts (before MPI), so that a signal that arrives while it starts
// up (MPI, loading, creating the output, building) is honoured the same way, at the end of the first
// interval, instead of killing it. The handler stays installed until the process ends: a second
// signal arriving while it closes its files and exits (mpirun forwards every signal it gets) must
// not kill it with the default action, which would turn a clean exit 6 into a death by signal.
// SIGPIPE is ignored.
void install_stop_signals();

// Collective: every rank calls it and every rank returns the same exit code.
int run_command(const run_options& options, comm::communicator& comm, double process_start);

}  // namespace synorm::app
