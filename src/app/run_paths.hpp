// The paths a run writes, claimed before the build: its output file (checked on every rank, locked
// by rank 0 through OUT.h5.lock, an existing file kept unless it is a failed run's or --overwrite is
// given) and its checkpoint directory (made, locked through synorm.lock, checked for room). Each
// function that takes the communicator is collective and returns the agreed exit code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "run_lock.hpp"
#include "synorm/comm/communicator.hpp"

namespace synorm::app {

// Checkpoint files in a directory: ckpt_<step, 12 digits>.h5, so that names sort by step.
std::string checkpoint_name(std::int64_t step);
// The checkpoint files in `dir`, oldest first.
std::vector<std::filesystem::path> checkpoints_in(const std::filesystem::path& dir);
// The default checkpoint directory of an output file: OUT without .h5, plus .checkpoints.
std::string default_checkpoint_dir(const std::string& output);

// Rank 0 takes the lock of `lock_path` for the run; all ranks agree. `what` names the path for the
// message ("output 'out/c.h5'").
int claim(comm::communicator& comm, const std::string& lock_path, const std::string& what,
          const std::string& start_time, std::optional<run_lock>& lock);

// The output path, prepared on every rank: `out/` made for the default path (by rank 0 alone, before
// any rank looks for it), then every rank's check of the path. Returns the agreed exit code.
int prepare_output(const run_options& opt, comm::communicator& comm, std::string& output, bool& probe_created,
                   std::optional<run_lock>& lock, const std::string& start_time);

// The checkpoint directory of a run, held by it from before the build to its end: made (if needed)
// and locked by rank 0 (the lock file synorm.lock inside), and removed at the end if the run made
// it and left nothing in it.
struct checkpoint_directory {
    std::string path;
    bool made = false;
    std::optional<run_lock> lock;
    checkpoint_directory() = default;
    checkpoint_directory(const checkpoint_directory&) = delete;
    checkpoint_directory& operator=(const checkpoint_directory&) = delete;
    ~checkpoint_directory() {
        lock.reset();
        std::error_code ec;
        if (made) std::filesystem::remove(path, ec);  // only when empty
    }
};

// Collective, before the build: the checkpoint directory exists (rank 0 makes it), belongs to this
// run (its lock), is writable on every rank, and, when the run checkpoints, has room for one
// checkpoint of the estimated size. A `ckpt_*.h5.tmp` that a killed run left is removed and named.
int prepare_checkpoint_directory(comm::communicator& comm, checkpoint_directory& dir, const std::string& start_time,
                                 std::uint64_t checkpoint_bytes);

}  // namespace synorm::app
