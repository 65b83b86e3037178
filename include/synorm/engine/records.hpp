// What a run hands to its recorders: plain data of this rank's neurons and synapses. The io module
// writes these; the engine never knows about files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace synorm::engine {

// Spikes of this rank's neurons emitted in one stretch of time, sorted by (step, gid).
struct spike_batch {
    std::vector<std::uint64_t> gids;  // global ids
    std::vector<std::int64_t> steps;  // emission step (time = step · dt)
};

// Sampled state of chosen neurons of one recorder, for the neurons this rank owns.
struct state_trace {
    std::uint32_t recorder = 0;       // index into recording_spec::state
    std::vector<std::uint64_t> gids;  // this rank's recorded neurons, ascending
    std::vector<double> times;        // ms, one per sample
    // values[(sample · variables + variable) · gids.size() + neuron], in the recorder's variable order
    std::vector<float> values;
};

// The rate of a group of populations (model::population_spec::group: the area of a multi-area model).
struct group_rate {
    std::string name;
    std::vector<std::uint32_t> populations;  // its populations, in gid order
    std::uint64_t neurons = 0;               // Σ of their sizes
    std::vector<double> rate;                // [bin], Hz: the group's spikes in the bin / neurons / bin width
    double mean = 0.0;                       // Hz: the group's spikes over the run / neurons / duration
};

// Rate bins [first, first + bins) of the run, reduced over ranks and the same on every rank: what one
// flush hands to hooks::on_rates, in the order of the run, each bin once.
struct rate_batch {
    std::int64_t first = 0;                  // the batch's first bin
    std::vector<std::vector<double>> rates;  // [population][bin], Hz: spikes in the bin / size / bin width
    std::vector<group_rate> groups;          // by group, as results::group_rates (rate: the batch's bins; no mean)
};

// Weights of one projection at one time, for the synapses this rank holds, sorted by (target, source).
struct weight_snapshot {
    std::uint32_t projection = 0;
    double time = 0.0;                   // ms
    std::vector<std::uint64_t> sources;  // global ids
    std::vector<std::uint64_t> targets;  // global ids
    std::vector<float> weights;          // receptor unit of the projection
};

// Membrane potential at the end of the run of this rank's neurons of one population.
struct final_state {
    std::uint32_t population = 0;
    std::vector<std::uint64_t> gids;  // ascending
    std::vector<float> V_m;           // mV
};

// The homeostasis loop's record: one sample per homeostasis period, from the global reduction, so
// identical on every rank. Only for runs with plasticity or synaptic scaling.
struct homeostasis_trace {
    std::vector<double> times;                     // ms, the end of each period
    std::vector<std::vector<double>> rate;         // [population][sample] Hz: spikes in the period
    std::vector<std::vector<double>> sensed_rate;  // [population][sample] Hz: mean calcium-sensed rate
    std::vector<std::vector<double>> gain_ex;      // [population][sample] mean gain on excitatory inputs
    std::vector<std::vector<double>> gain_in;      // [population][sample] mean gain on inhibitory inputs
    std::vector<std::vector<double>> gain_ex_std;  // [population][sample] standard deviation over the population
    std::vector<std::vector<double>> gain_in_std;
    std::vector<std::vector<double>>
        E_in;  // [population][sample] mV, mean inhibitory reversal potential (lif_cond_exp)
    std::vector<std::vector<double>> E_in_std;  // [population][sample] mV
    // [population][sample] mean input arriving per neuron and ms over the period, gains included
    // (receptor unit / ms; inhibitory as a magnitude), and their ratio excitatory / inhibitory.
    std::vector<std::vector<double>> input_ex, input_in, ei_ratio;
    // [population][sample] Hz²: metaplasticity's sliding threshold θ, mean and standard deviation over
    // the population (populations with metaplasticity; others: empty).
    std::vector<std::vector<double>> theta, theta_std;
    std::vector<std::vector<double>> w_mean;    // [projection][sample] weight unit (plastic projections)
    std::vector<std::vector<double>> w_std;     // [projection][sample]
    std::vector<std::vector<double>> w_at_min;  // [projection][sample] fraction of synapses at w_min
    std::vector<std::vector<double>> w_at_max;  // [projection][sample] fraction at w_max
    // [projection][sample · levels + level] weight unit: quantiles from the exact weight histogram
    // (engine/weight_histogram.hpp), within one bin width.
    std::vector<std::vector<double>> w_quantiles;
    static constexpr double quantile_levels[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    std::vector<std::uint8_t> plastic;  // by projection: has the weight statistics
    // Chosen neurons (recording.homeostasis): their exact values, [sample · ids + neuron].
    struct neurons {
        std::uint32_t population = 0;
        std::vector<std::uint64_t> ids;  // population-local, ascending
        std::vector<float> gain_ex, gain_in, E_in;
        std::vector<float> theta;  // Hz², populations with metaplasticity only
    };
    std::vector<neurons> recorded;
    // Branch-local homeostasis, for populations with branches (others: empty). B = branches.count,
    // R = branches.record.size().
    std::vector<std::vector<double>> branch_gain_mean;  // [population][sample · B + branch]
    std::vector<std::vector<double>> branch_gain_std;   // [population][sample · B + branch]
    std::vector<std::vector<double>> branch_gain;       // [population][(sample · R + recorded neuron) · B + branch]
};

// One phase of the schedule as it ran (model/phase_schedule.hpp); identical on every rank.
struct phase_record {
    std::string name;
    std::uint8_t kind = 0;  // model::phase_kind: 0 wake, 1 nrem, 2 rem, 3 custom
    std::uint64_t cycle = 0;
    bool skipped = false;           // ran with the previous phase's settings
    double start = 0.0, end = 0.0;  // ms
    // Total excitatory plastic weight Σ G·w (receptor unit; per-neuron scaling gains not included) at
    // the start and at the end (before the SHY gain is folded in, which leaves it unchanged).
    double weight_start = 0.0, weight_end = 0.0;
    double set_point = -1.0;       // SHY set point W* in force (< 0: not taken yet)
    double renormalization = 1.0;  // the SHY gain G folded into the weights at the end (1: none)
    double weight_spared = 0.0;    // selective renormalization: Σw at or above the spare thresholds at the start
    // By projection: Σ G·|w| of each plastic projection at the start and the end (0 for static ones).
    std::vector<double> projection_start, projection_end;
    std::uint64_t pruned = 0;  // synapses removed by pruning at points in (start, end], every projection
    // Wall time of the simulation loop in the phase, s, as this rank measured it (rank 0's is written).
    // The one column that is not the same on every rank and every run: it is what speed is
    // measured with (the real-time factor per phase kind), never compared.
    double wall = 0.0;
    std::vector<double> rate;  // by population, Hz: mean over the rate bins wholly in the phase
    std::vector<double> swa;   // by population, Hz²: power of the population rate in 0.5–4 Hz
};

// The work this rank did in one phase of the schedule, in this process (a resumed run's phases before
// its checkpoint are zero, the one open at it counts from the resume): what tools/scaling_model costs
// phase by phase. Never the same on two layouts, so it goes to /provenance, not /phases.
struct phase_work {
    double cpu = 0.0;                // s, processor time of the process (every thread's), std::clock
    std::uint64_t spikes = 0;        // of this rank's neurons
    std::uint64_t events = 0;        // spikes delivered to this rank's synapses, plastic ones included
    std::uint64_t plastic_pre = 0;   // of those, onto plastic synapses: each a rule's pre update
    std::uint64_t plastic_post = 0;  // plastic synapses a postsynaptic spike reached: each a rule's post update
    std::uint64_t received = 0;      // received spikes looked up
    std::uint64_t rows = 0;          // rows of this rank's tables those reached
    std::uint64_t exchanges = 0, bytes_received = 0;  // the spike exchanges and the bytes they brought
};

// One stimulus pattern as it ran (model/stimulus_pattern.hpp); identical on every rank.
struct pattern_record {
    std::vector<double> onsets;       // ms, the presentations given (before each member's jitter)
    std::vector<double> probe_times;  // ms
    // [probe][role] spikes in the probe's window [time, time + window), summed over ranks; roles:
    // 0 the rest of the population, 1 the group's uncued members, 2 its cued members.
    std::vector<std::int64_t> probe_spikes;
    // The engram: at each phase boundary (at the start and the end of a run without a schedule),
    // the mean weight Σ G·|w| / synapses of every plastic projection from the pattern's population,
    // over the synapses from a member (onto a member, when the projection stays in the population)
    // and over the others. Exact fixed-point sums.
    std::vector<std::uint32_t> projections;  // the projections measured
    std::vector<double> weight_times;        // ms
    std::vector<double> w_group, w_rest;     // [sample · projections + projection], weight unit
};

// The schedule's weight course: one sample per homeostasis period (identical on every rank).
struct phase_trace {
    std::vector<double> times;  // ms, the end of each period
    std::vector<double>
        weight;  // total excitatory plastic weight Σ G·w, receptor unit, with G as it applies from then on
    std::vector<double> gain;  // the SHY gain G (scope group: the effective gain, (W − spared) / Σw below θ)
    // By group of populations (population_spec::group), when the model has groups: W_g, Σ G·w over
    // the renormalized projections onto the group's populations, sampled with `weight`.
    std::vector<std::string> groups;      // in order of their first population
    std::vector<double> group_weight;     // [sample · groups + group], receptor unit
    std::vector<double> group_gain;       // [sample · groups + group]: G_g (scope group only; empty otherwise)
    std::vector<double> group_set_point;  // by group: W_g when the set point W* was taken (< 0: not yet)
};

// One pruning point of one projection (model::pruning_spec), from sums over every rank, so
// identical on every rank except the byte counts.
struct pruning_record {
    std::uint32_t projection = 0;
    double time = 0.0;           // ms
    std::uint64_t below = 0;     // synapses below the threshold at the last check
    std::uint64_t tagged = 0;    // below for longer than the tagging time
    std::uint64_t removed = 0;   // = tagged, or 0 when microglia are depleted
    std::uint64_t synapses = 0;  // before the removal
    // Memory of the projection's synapse tables on all ranks before and after the removal. They
    // depend on the layout: each thread keeps a row for each source with a synapse on it.
    std::uint64_t bytes_before = 0, bytes_after = 0;
};

// Where the wall time of a run went, seconds, per rank.
struct timers {
    double build = 0.0;
    double update = 0.0;    // neuron update incl. reading ring buffers and external input
    double deliver = 0.0;   // received spikes → ring buffers
    double exchange = 0.0;  // spike exchange between ranks, after the wait
    double wait = 0.0;      // waiting for the other ranks before each exchange (a barrier)
    double record = 0.0;    // recorders and output hooks
    double total = 0.0;     // the simulation loop
};

}  // namespace synorm::engine
