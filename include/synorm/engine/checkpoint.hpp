// A run's complete state at one step, as plain data keyed by global ids, so that a run can resume on
// any number of ranks and threads and continue bitwise-identically (src/README.md decision 9). The engine
// fills one per rank (its own neurons and the synapses onto them) and rebuilds itself from one; the io
// module writes and reads them (src/io/README.md, "Checkpoint files"). Nothing here knows about files.
//
// The step is the start of an interval whose received spikes are already delivered and whose
// homeostasis and snapshots are done: resuming runs that interval from its Poisson input on. So no
// spike is in flight outside the ring buffers, and no random stream has state to keep: every stream
// is counter-based, keyed by (seed, purpose, gid) and counted by step or by draw.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "synorm/engine/records.hpp"
#include "synorm/network/synapse_table.hpp"

namespace synorm::engine {

// A checkpoint's state that does not fit this run's configuration (another network, or indices out of
// range): thrown by the restore, so that the program refuses the checkpoint (exit 2) instead of
// reporting a failed run.
class checkpoint_mismatch : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One per-neuron state variable, by the rank's neurons in gid order. New per-neuron state joins the
// registry in src/engine/checkpoint.cpp (one line), and is then saved and restored with the rest.
struct neuron_field {
    std::string name, unit;
    std::vector<float> f32;         // float variables
    std::vector<std::int64_t> i64;  // integer variables (steps, counts); exactly one of the two is used
};

// Input already in the ring buffers: value arriving at (checkpoint step + lag) at neuron gid.
// Zeros are not listed. In the order of the rank's gids, then lag.
struct pending_input {
    std::vector<std::uint64_t> gids;
    std::vector<std::uint32_t> lags;  // steps after the checkpoint step
    std::vector<float> values;        // receptor unit
};

// The postsynaptic spike histories plastic synapses may still need, by neuron with a history.
struct history_record {
    std::vector<std::uint64_t> gids;    // neurons whose history is kept, ascending
    std::vector<std::uint32_t> counts;  // spikes listed per neuron
    std::vector<std::int64_t> steps;    // the spikes, oldest first per neuron
    std::vector<float> y;               // trace right after each
    std::vector<float> o2;              // triplet's slow trace just before each (0 without a triplet rule)
};

// A plastic projection's per-row state, identical on every thread of every rank that holds the row (each
// applies every spike of its source to its own copy), so saved once. By source-population index; a source
// of which no rank holds a row has none and 0 (no synapse reads it).
struct row_record {
    std::vector<std::int64_t> last_pre;
    std::vector<float> x;
    std::vector<float> x2;  // triplet only: the slow presynaptic trace r2; empty otherwise
};

// The schedule's position (model/phase_schedule.hpp; engine/phases.cpp): which phase runs, the SHY
// gain and its set point, and the schedule's records so far. The same on every rank, except the phase
// snapshots, which are this rank's part as `snapshots` are. The phases' rates and slow-wave activity
// are not kept: they are computed at the end from the rate bins, which the output holds.
struct schedule_record {
    bool present = false;                    // the run has a schedule
    std::uint64_t phase_next = 0;            // the next phase of the expanded schedule to begin
    bool phase_open = false;                 // phase_next − 1 is running
    double shy_G = 1.0;                      // the network's SHY gain G
    double set_point = -1.0;                 // W*, receptor unit; < 0 until taken
    std::vector<double> group_G;             // by group: scope group's gains G_g (empty otherwise)
    std::vector<float> shy_gain;             // by projection: the gain on transmitted weights
    std::vector<float> shy_spare;            // by projection: selective renormalization's spare threshold (+inf: none)
    std::vector<double> synapse_count;       // by projection: global synapse counts taken at the phase's start
    std::vector<phase_record> phases;        // /phases rows so far (rate and swa empty)
    phase_trace weight;                      // /phases weight course so far
    std::vector<weight_snapshot> snapshots;  // /phase_weights taken so far, this rank's part
};

struct checkpoint_state {
    std::int64_t step = 0;  // the interval to resume at
    std::int64_t total_steps = 0;
    std::vector<std::uint64_t> gids;   // this rank's neurons, ascending
    std::vector<neuron_field> fields;  // by the registry's order
    pending_input pending_ex, pending_in;
    history_record history;
    std::vector<network::synapse_list> synapses;  // by projection: those onto this rank's neurons
    std::vector<row_record> rows;                 // by projection; empty for static projections
    // Counters summed over ranks when read back: only rank 0 holds them on resume.
    std::vector<std::int64_t> period_spikes;  // by population: spikes in the current homeostasis period
    // The rate bins not yet flushed to the output, [rate_first, rate_first + bins): [population][bin],
    // this rank's spikes (a checkpoint of format 3 held every bin of the run from 0, rate_first 0).
    std::vector<std::int64_t> rate_counts;
    // The same on every rank: the first bin not yet flushed (the output holds those before it), and of
    // the flushed bins, each population's spikes (all ranks) and its bins' rates summed in bin order (Hz).
    std::int64_t rate_first = 0;
    std::vector<std::int64_t> rate_totals;
    std::vector<double> rate_sums;
    // Records taken so far (written to the output at the end of the run).
    homeostasis_trace homeostasis;           // identical on every rank
    std::vector<weight_snapshot> snapshots;  // this rank's part, in the order taken
    std::vector<state_trace> traces;         // this rank's part, samples so far
    schedule_record schedule;
    std::vector<pruning_record> pruning;  // identical on every rank
    // Stimulus patterns: the engram samples so far (identical on every rank; onsets and probe counts
    // are filled in at the end of the run) and this rank's probe counts so far (summed when written,
    // so only rank 0 holds them on resume).
    std::vector<pattern_record> patterns;
    std::vector<std::int64_t> probe_spikes;
    std::uint64_t spikes = 0, events = 0;  // this rank's counters
};

}  // namespace synorm::engine
