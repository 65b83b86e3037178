// Before the build: will the network fit? From the configuration alone (engine::estimate_memory)
// against the memory a rank has: a --memory-limit, else this node's available memory shared by the
// ranks the launcher put on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "synorm/model/model_spec.hpp"

namespace synorm::app {

// "4 GiB", "512 MiB", "2GB", "1e9 B": bytes; nullopt when the text is not a size.
std::optional<std::uint64_t> parse_bytes(const std::string& text);

// This process's peak resident memory, bytes.
std::int64_t peak_rss_bytes();

// Available memory per rank on this node: MemAvailable / ranks on the node (OMPI_COMM_WORLD_LOCAL_SIZE,
// SLURM_NTASKS_PER_NODE, else `ranks`). 0 when it cannot be read.
std::uint64_t available_bytes_per_rank(int ranks);

// Empty when the run fits in `limit` bytes per rank; otherwise the message to stop with: how much
// it needs, how much there is, and how many ranks of this size would fit it.
std::string memory_problem(const model::model_spec& spec, int ranks, int threads, std::uint64_t limit,
                           const std::string& limit_source, bool checkpointing = false);

// Empty when `ranks` × `threads` leave no thread more neurons than a synapse can address (README,
// "Limits"); otherwise the message to stop with, naming the fewest threads per rank that would do.
std::string layout_problem(const model::model_spec& spec, int ranks, int threads);

}  // namespace synorm::app
