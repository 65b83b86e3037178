// Checkpoint files: one HDF5 file holding a run's whole state keyed by gid (engine/checkpoint.hpp),
// so that it resumes on any layout. Layout and guarantees: src/io/README.md, "Checkpoint files".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/checkpoint.hpp"
#include "synorm/io/output_file.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::io {

// A checkpoint that cannot be used: missing, not a checkpoint, incomplete (truncated, or its writer
// stopped before the completion mark), or inconsistent with itself. what() names the file.
class checkpoint_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a checkpoint says about itself, besides the state.
struct checkpoint_info {
    std::string config_yaml;                  // the run's resolved configuration
    std::string config_hash;                  // config_hash(config_yaml) at writing
    std::string output;                       // the run's output file, absolute path
    std::vector<std::int64_t> output_spikes;  // by population: spikes already in the output (-1: not recorded)
    std::int64_t output_rate_bins = -1;       // rate bins already in the output (-1: none, or format 3)
    std::int64_t step = 0, total_steps = 0;
    double time_ms = 0.0, dt = 0.0;
    int ranks = 0, threads = 0;  // the layout that wrote it
    std::string created, version;
    bool finished = false;  // written by a run after it completed (only the metadata then matter)
};

// A short fingerprint of a resolved configuration: 16 hex digits of FNV-1a (64 bit) over the text.
std::string config_hash(const std::string& resolved_yaml);

// Collective. Writes the state of every rank to `path` atomically: into `path.tmp` rank after rank
// (serial HDF5, each rank appending its part), then rank 0 marks it complete (attribute `complete`,
// the last write), flushes, syncs and renames it to `path`. Any failure leaves `path` as it was (a
// previous checkpoint of that name survives), removes the temporary file, and throws the same
// io_error on every rank. Returns the file's size in bytes.
std::uint64_t write_checkpoint(const std::string& path, const engine::checkpoint_state& state,
                               const checkpoint_info& info, comm::communicator& comm);

// Not collective. The metadata of a complete checkpoint; throws checkpoint_error otherwise.
checkpoint_info read_checkpoint_info(const std::string& path);

// Whether `path` is an HDF5 file whose root says it is a synorm checkpoint (complete or not).
bool is_checkpoint_file(const std::string& path);

// Not collective. What `synorm info CHECKPOINT` prints: time and step, the layout that wrote it, the
// configuration hash, the output file it continues, neurons and synapses, the schedule's position
// and the file size. Throws checkpoint_error for a checkpoint that cannot be used.
std::string describe_checkpoint(const std::string& path);

// Not collective (every rank may call it at once): the part of the state that rank `rank` of `ranks`
// owns under spec.placement (network/partition.hpp), with the counters summed over the writer's ranks
// given to rank 0 only.
// Throws checkpoint_error.
engine::checkpoint_state read_checkpoint(const std::string& path, const model::model_spec& spec, int rank, int ranks);

// Not collective: the status and configuration of an existing output file (to check before a run
// continues it); with `verify`, after verify_output (output_file.hpp) has read the whole file. Throws
// io_error, damaged_file_error for a damaged file.
struct output_summary {
    std::string status, config_yaml;
};
output_summary read_output_summary(const std::string& path, bool verify);

// Not collective: the mean rate (Hz) of each population whose spikes a complete run's output file
// holds: its spikes / (its size · the simulated time), by population name. What `synorm run
// --dry-run-rates` reads. Throws io_error when the file is no complete synorm output.
std::vector<std::pair<std::string, double>> read_mean_rates(const std::string& path);

// Not collective: the same run's population rates over time (/rates, Hz per bin of bin_ms), the
// bins that start before upto_ms, by population name: what a dry run's other ranks follow (README
// "Dry run"). Empty when the run recorded no rates. Throws io_error as read_mean_rates does.
struct rate_traces {
    double bin_ms = 0;                                               // ms
    std::vector<std::pair<std::string, std::vector<double>>> rates;  // Hz per bin, by population
};
rate_traces read_rate_traces(const std::string& path, double upto_ms);

// Not collective: the spikes themselves of the same run, when it simulated the same network as
// `spec` (the same seed, populations and sizes: then, as results do not depend on the layout, they
// are every rank's spikes in any layout): those before upto_ms of the gids `keep` accepts, as (step
// of spec's dt, gid) sorted, and the step its spikes end at. `same_network` false (and nothing read)
// otherwise. Throws io_error as read_mean_rates does.
struct spike_train {
    bool same_network = false;
    std::int64_t end_step = 0;                                   // the earlier run's end, at most upto_ms
    std::vector<std::pair<std::int64_t, std::uint64_t>> spikes;  // (step, gid), ascending
};
spike_train read_spike_train(const std::string& path, const model::model_spec& spec, double upto_ms,
                             const std::function<bool(std::uint64_t)>& keep);

}  // namespace synorm::io
