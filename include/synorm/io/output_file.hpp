// One HDF5 file per run, written by all ranks through parallel HDF5 (src/README.md decision 9).
// Every member function is collective unless it says otherwise: all ranks call it, in the same order.
// The file layout is documented in src/io/README.md. When any rank fails in a call, every rank
// throws the same io_error (naming the file, the object and what failed); none is left waiting.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/records.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::io {

class io_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An existing file whose metadata or data fail their checksums or range checks (src/io/README.md,
// "Checksums"): damaged or edited. what() names the file and the object.
class damaged_file_error : public io_error {
public:
    using io_error::io_error;
};

struct provenance {
    std::string version, git_revision, host, start_time, end_time;  // times ISO 8601 UTC
    int ranks = 1, threads = 1;
    std::uint64_t seed = 0;
    double wall_time = 0.0;                    // s, the whole process up to writing
    double simulated_time = 0.0;               // ms
    double real_time_factor = 0.0;             // wall seconds of the simulation loop per biological second
    std::uint64_t synapses = 0;                // over all ranks
    std::uint64_t spikes = 0;                  // over all ranks
    std::uint64_t synaptic_events = 0;         // spikes delivered to synapses, over all ranks
    double loop_time = 0.0;                    // s, the simulation loop (slowest rank)
    std::vector<std::int64_t> peak_rss_bytes;  // one per rank
    std::vector<std::int64_t> synapse_bytes;   // one per rank: memory held by synapse storage
    std::vector<double> time_build, time_update, time_deliver, time_exchange, time_record;  // s, per rank
    std::uint64_t min_delay_steps = 0;
    std::string exchange;           // the strategy that ran: "allgather" or "alltoall"
    std::string exchange_setting;   // comm.exchange as configured: "allgather", "alltoall" or "auto"
    double exchange_fraction = -1;  // the largest fraction of the network's neurons a rank needs; -1: not built
    std::string overlap;            // whether the exchange overlapped the update: "on" or "off"
    std::string overlap_setting;    // comm.overlap as configured: "on", "off" or "auto"
    // comm.structure: "flat", or "groups: C clusters, all ranks every M steps"; when flat although
    // asked for (groups, or auto under placement groups), why: "flat (reason)"
    std::string structure;
    std::vector<double> time_wait;  // s, per rank: waiting for the others (a barrier; overlapped: in the completion)
    std::vector<double> exchange_bytes_sent, exchange_bytes_received;  // per rank: mean per interval
    std::vector<double> targets_time;                                  // s, per rank: building the exchange's targets
    std::vector<std::int64_t> targets_bytes;                           // per rank: sent + received by that build
    // The load of each rank (network/partition.hpp): its placement, and one value per rank of the
    // neurons it owns, the synapses it holds at the end, and the spikes and synaptic events of its
    // neurons over the part of the run this process simulated.
    std::string placement;  // "round_robin" or "blocks"
    std::vector<std::int64_t> rank_neurons, rank_synapses, rank_spikes, rank_events;
    // Per rank: the received spikes it looked up, and the rows of its tables they reached (rows
    // touched per received spike: what an exchange that sends everything everywhere costs a rank).
    std::vector<std::int64_t> rank_received, rank_rows;
    std::vector<std::int64_t> synapses_per_rank;  // one per rank, as built
    std::vector<std::int64_t> synapse_checksum;   // one per rank: engine::simulation::synapse_checksum's bits
    // "rank r of P": a dry run (README "Dry run"), whose per-rank arrays hold rank r's figures only;
    // "" in a run of every rank.
    std::string dry_run;
    // A dry run only: the modelled exchange's intervals, own spikes sent, remote spikes received,
    // messages, bytes sent and bytes received (comm::dry_run_counts), and its latency (s), bandwidth
    // (bytes/s) and modelled time (s).
    std::vector<std::int64_t> dry_run_counts;
    std::vector<double> dry_run_exchange;
    // With a schedule: this rank's work in each phase of /phases, in this process (engine::phase_work;
    // rank r's in a dry run, rank 0's otherwise): phase_work_columns names the phase_work columns of
    // each row ("" without a schedule), phase_cpu its processor time (s, every thread's).
    std::string phase_work_columns;
    std::vector<std::int64_t> phase_work;
    std::vector<double> phase_cpu;
};

class output_file {
public:
    // Creates (truncates) `path` and marks it status="running". Throws io_error on every rank when
    // the file cannot be created.
    output_file(const std::string& path, comm::communicator& comm);
    // Opens the existing output file of a run that stopped at a checkpoint, to continue it: status
    // "running" again, each recorded population's spike datasets cut back to `spike_counts` (what
    // the checkpoint says was written before it; later spikes of a crashed run go), the rate datasets
    // likewise to `rate_bins` (-1: removed, to be written again from bin 0), and whatever a run writes
    // only at its end removed. Throws io_error on every rank.
    output_file(const std::string& path, comm::communicator& comm, const model::model_spec& spec,
                const std::vector<std::int64_t>& spike_counts, std::int64_t rate_bins = -1);
    ~output_file();
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;

    void write_config(const std::string& resolved_yaml);  // rank 0's text is written
    // Collective: the text write_config wrote, read back on rank 0 (empty on the others) and checked
    // against its checksum, so that a run need not keep it (about 300 B per projection) for its checkpoints.
    std::string read_config();
    // Populations, projections, and the (empty) spike and recording datasets of spec.recording.
    void write_populations(const model::model_spec& spec);
    // Appends this rank's spikes (sorted by (step, gid)); called any number of times during a run.
    // Each call costs a few collectives per recorded population: buffer spikes between calls.
    void append_spikes(const model::model_spec& spec, const engine::spike_batch& batch);
    // rates[population][bin] in Hz for every population of the spec, identical on every rank
    // (already reduced); with `mean` (Hz over the run, by population) each dataset's attribute `mean`;
    // `groups` (the areas of a multi-area model) under /rates_by_group. The whole run at once:
    // append_rates, then finish_rates.
    void write_rates(const model::model_spec& spec, double bin_ms, const std::vector<std::vector<double>>& rates,
                     const std::vector<double>& mean = {}, const std::vector<engine::group_rate>& groups = {});
    // Appends the next rate bins of a run (engine::hooks::on_rates; the batch's first bin must be the
    // number written so far), every population's under /rates and the groups' under /rates_by_group;
    // the first call creates the datasets. The same on every rank; rank 0 writes.
    void append_rates(const model::model_spec& spec, double bin_ms, const engine::rate_batch& batch);
    // The end of the rates: each dataset's `mean` (Hz over the run, by population; the groups' own).
    void finish_rates(const model::model_spec& spec, double bin_ms, const std::vector<double>& mean,
                      const std::vector<engine::group_rate>& groups);
    // Rate bins [first, first + count) of one population as written, for every rank (the phases'
    // rates and slow-wave activity at the end: engine::phase_rates).
    std::vector<double> read_rates(std::uint32_t population, std::int64_t first, std::int64_t count);
    // Rate bins written so far per dataset (-1 before any); the same on every rank.
    std::int64_t rate_bins() const;
    // Appends samples of one recorder; may be called repeatedly. Every rank calls it for the recorder
    // (with no gids if it owns none of its neurons), with the same sample times.
    // /homeostasis: one sample per homeostasis period (identical on every rank; rank 0 writes).
    void write_homeostasis(const model::model_spec& spec, const engine::homeostasis_trace& trace);
    void write_state(const model::model_spec& spec, const engine::state_trace& trace);
    // /<group>/<projection>/<index>: /weights for the recorders, /phase_weights for schedule.snapshots.
    void write_weights(const model::model_spec& spec, const engine::weight_snapshot& snapshot, int index,
                       const std::string& group = "weights");
    // /phases: one row per phase of the schedule (identical on every rank; rank 0 writes).
    void write_phases(const model::model_spec& spec, const std::vector<engine::phase_record>& phases,
                      const engine::phase_trace& weight);
    // /patterns: each stimulus pattern's group, presentations, probe responses and engram weights
    // (identical on every rank; rank 0 writes).
    void write_patterns(const model::model_spec& spec, const std::vector<engine::pattern_record>& patterns);
    // /pruning/<projection>: one entry per pruning point (identical on every rank; rank 0 writes).
    void write_pruning(const model::model_spec& spec, const std::vector<engine::pruning_record>& records);
    // Once per population, by every rank.
    void write_final_state(const model::model_spec& spec, const engine::final_state& state);
    void write_provenance(const provenance& p);  // rank 0's values are written (host, timers differ)
    // The last write of a run: "complete", or "failed: <reason>" / "stopped: <reason>". The status of
    // the lowest rank that does not pass "complete" is the one written.
    void set_status(const std::string& status);
    // Spikes written so far per population (-1 where not recorded); the same on every rank.
    std::vector<std::int64_t> spike_counts(const model::model_spec& spec) const;
    void flush();  // everything written so far reaches the file (before a checkpoint records it)
    void close();  // also done by the destructor; calls after close() throw io_error

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Not collective: a plain-text summary of an output file for `synorm info`. Throws io_error.
std::string describe(const std::string& path);

// Not collective: reads every dataset and attribute of the output file at `path`, so that HDF5
// verifies their checksums, checks /config against its own, that every chunk exists, and that spike
// ids and times are in range. Throws damaged_file_error naming the object, io_error for a file that
// cannot be opened as an output file. describe() calls it first.
void verify_output(const std::string& path);

}  // namespace synorm::io
