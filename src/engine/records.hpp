// Records (engine/records.cpp): which spikes and rates the rank records, the weight snapshots due,
// and each thread's output buffers, state recorders and counters. Private to src/engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <vector>

#include "synorm/engine/records.hpp"

namespace synorm::engine::detail {

struct recorder_part {                   // this thread's share of one state recorder
    std::vector<std::uint32_t> neurons;  // thread-local indices
    std::vector<float> values;           // [sample][variable][neuron]
};

struct records_state {
    std::vector<std::uint8_t> record_spikes;  // by population
    std::int64_t rate_bin_steps = 0, rate_bins = 0;
    // The open window of rate bins, from rate_first to the last bin an interval reached: this rank's
    // spikes by bin, then population, counted by the master as it gathers each interval's spikes for
    // the exchange (count_rates): once per rank, not per thread, since at a few neurons per thread the
    // bins of every thread would outweigh its synapses. At each flush of the spikes the completed bins
    // are reduced over ranks (one sum) and leave (flush_rates), so the window holds the bins of one
    // flush period and an interval, whatever the run's duration.
    std::int64_t rate_first = 0;
    std::vector<std::int64_t> rate_counts;  // [bin − rate_first][population]
    // Of the flushed bins, the same on every rank: spikes by population (all ranks), the bins' rates
    // summed in bin order (Hz, the summary's mean), and, without hooks::on_rates, the bins themselves.
    std::vector<std::int64_t> rate_totals;
    std::vector<double> rate_sums;
    std::vector<std::vector<double>> rates_kept;  // [population][bin], Hz
    std::vector<group_rate> rate_groups;          // results::group_rates' groups; rate: kept bins or empty
    // Weight snapshots, in time order, then recorder order; the first not yet taken.
    struct due_snapshot {
        std::int64_t step;
        std::uint32_t projection;
    };
    std::vector<due_snapshot> due;
    std::size_t next_due = 0;
    bool snapshot_due(std::int64_t t0) const { return next_due < due.size() && due[next_due].step <= t0; }
};

// A thread's output of the current interval and of the current flush, its counters and its error.
struct thread_records {
    std::vector<std::uint64_t> interval_spikes;  // packed (lag, gid)
    std::vector<std::uint64_t> flush_gids;
    std::vector<std::int64_t> flush_steps;
    std::vector<recorder_part> recorders;
    std::uint64_t spikes = 0;  // emitted by this thread's neurons
    std::uint64_t events = 0;  // spikes delivered to this thread's synapses
    // Of those, onto plastic synapses; and plastic synapses that postsynaptic spikes reached (each
    // a rule update; their cost per phase is what tools/scaling_model fits).
    std::uint64_t plastic_pre = 0, plastic_post = 0;
    // Of the received spikes: those this thread looked up (its chunk), and the rows it found for them
    // on any thread of the rank (README "The spike exchange": rows touched per received spike).
    std::uint64_t looked_up = 0, rows_found = 0;
    double t_update = 0, t_deliver = 0;  // s, wall-clock
    std::exception_ptr error;            // what a step of this thread threw (run_control)
};

}  // namespace synorm::engine::detail
