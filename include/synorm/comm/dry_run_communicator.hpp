// The communicator of a dry run (README "Dry run"; NEST's dry-run mode, Kunkel & Schenck 2017): one
// process reports rank r of P, so the engine builds exactly rank r's share of a P-rank job, and the
// other ranks are a model. Their neurons spike as Poisson processes at their populations' rates, and
// what rank r would send is counted, never sent. Reductions act as if the other ranks contributed
// nothing (sums and extremes are rank r's own; all_gather replicates its value), so whatever the
// engine reduces over ranks (homeostasis, rates in the output) is rank r's share only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/model/model_spec.hpp"
#include "synorm/network/partition.hpp"

namespace synorm::comm {

// What the exchange of the real rank would have moved, summed over the run's intervals. allgather:
// "sent" is this rank's words and count word delivered to each of the P − 1 others; "received" is
// every other rank's spikes (modelled) with their count words. These are payloads: mpi_communicator
// pads every rank's block to one capacity (the largest count, rounded up), so it moves at least this.
// alltoall (exchange_targeted): "received" is the modelled spikes of the sources this rank needs and
// a count word from each other rank; "sent" is each own spike times its expected destination ranks
// (P · the sources this rank needs / the network's neurons: on average a neuron is needed by as many
// ranks as a rank needs neurons, in proportion) and a count word to each other rank.
struct dry_run_counts {
    std::uint64_t intervals = 0;      // intervals (under comm.overlap an exchange per half of each)
    std::uint64_t local_spikes = 0;   // words of this rank's neurons (run_control words excluded)
    std::uint64_t remote_spikes = 0;  // modelled spikes of the other ranks' neurons
    std::uint64_t messages = 0;  // modelled: ⌈log2 P⌉ per interval (recursive doubling); alltoall adds one per partner
    std::uint64_t bytes_sent = 0;      // 8 · (own words + 1) · (P − 1)
    std::uint64_t bytes_received = 0;  // 8 · (remote words + P − 1)
};

class dry_run_communicator final : public solitary_collectives {
public:
    // Rank `rank` of `ranks` (0 ≤ rank < ranks). It reports them from the start, so that everything
    // before the build (the memory check, the output file) is rank r's.
    dry_run_communicator(int rank, int ranks);
    // Before the first exchange: the network and the rates (Hz, by population; NaN or 0: none) of the
    // other ranks' neurons (spec.dry_run.rates or an earlier run's). With an earlier run's rates over
    // time (`traces`: Hz per bin of bin_ms, by population; empty: none), each population follows its
    // trace while it lasts and its rate after: a network's onset transient, oscillations or up and
    // down states reach rank r's neurons as in the real run, where a constant rate would drive them
    // (and their spikes, and the events they cause) differently from the start.
    void prepare(const model::model_spec& spec, const std::vector<double>& rates,
                 const std::vector<std::vector<double>>& traces = {}, double bin_ms = 0);

    // After prepare(): whether the network's neuron `gid` is another rank's.
    bool remote(std::uint64_t gid) const;
    // The other ranks' spikes themselves, from an earlier run of the same network (io::read_spike_train:
    // results do not depend on the layout, so they are what rank r receives in the real job): (step,
    // gid) ascending, of remote neurons, for the steps before end_step. Those steps replay them instead
    // of the model, so rank r's neurons get exactly their real input and do exactly the real rank's
    // work; the model (rates) takes over after end_step.
    void replay(std::vector<std::pair<std::int64_t, std::uint64_t>> spikes, std::int64_t end_step);

    int rank() const override { return rank_; }
    int size() const override { return ranks_; }
    // This rank's words (its spikes and run_control words, kept as sent) followed by the modelled
    // spikes of the other ranks for the interval: per step and population, a Poisson count of mean
    // N_remote · rate · dt (the rate of the step's bin when a trace is given), each a gid drawn
    // uniformly among the population's remote neurons, from
    // the stream (seed, dry_run_remote, population, step): the same for every thread count.
    void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) override;
    // The build's exchange of source lists: what this rank asks of itself comes back. The others'
    // lists are not known (they are not built): the next rank stands for them and asks for every
    // neuron of this rank, so that exchange_targeted sees each own spike once and counts it as sent
    // to its expected destinations. Keeps the sources this rank needs.
    void exchange_lists(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                        std::vector<std::uint64_t>& received, std::vector<std::uint64_t>& received_counts) override;
    // The targeted exchange: this rank's words for itself, then the modelled spikes of the sources it
    // needs only (the same draws as exchange_spikes, filtered).
    void exchange_targeted(std::span<const std::uint64_t> send, std::span<const std::uint64_t> send_counts,
                           std::vector<std::uint64_t>& received) override;
    [[noreturn]] void abort(int exit_code) override;

    const dry_run_counts& counts() const { return counts_; }

    // comm.structure: the cluster of rank r as network::rank_clusters makes it (after prepare();
    // nullptr before). Its exchange_spikes, every interval, is rank r's words and the modelled spikes
    // of the other ranks of the cluster; this one's, from then on at each exchange over all ranks,
    // the modelled spikes of all the other ranks since the last one (the engine drops its cluster's).
    // The counts add both levels: ⌈log2 c⌉ messages per interval within c ranks, ⌈log2 P⌉ per
    // exchange over all ranks.
    std::unique_ptr<communicator> split(int color) override;
    void exchange_cluster(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global);
    // Seconds the exchange would have taken: messages · latency + bytes received / bandwidth, with
    // latency (s per message) and bandwidth (bytes/s) from spec.dry_run.
    double modelled_exchange_seconds() const;

private:
    // The next interval, or half of it when the engine overlaps its exchange (model::overlaps, as the
    // real rank r would): appends the modelled spikes of the other ranks to `out` (only those of the
    // sources this rank needs, with only_needed) and returns how many.
    std::uint64_t next_interval(std::vector<std::uint64_t>& out, bool only_needed);
    // Appends the modelled spikes of the other ranks in [t0, t1) to `out`, with their lags after
    // `origin` (the interval's start); with `needed`, only theirs.
    void model_remote(std::int64_t t0, std::int64_t t1, std::int64_t origin, std::vector<std::uint64_t>& out,
                      bool only_needed) const;
    int rank_, ranks_;
    std::uint64_t seed_ = 0;
    std::int64_t D_ = 1, total_steps_ = 0, next_t0_ = 0;  // steps per interval; of the run; the next interval's start
    bool halves_ = false, second_ = false;      // comm.overlap: an exchange per half interval; the next is the second
    double latency_s_ = 0, bandwidth_ = 1;      // s per message; bytes/s
    std::unique_ptr<network::partition> part_;  // this rank's neurons (owner_rank for the others)
    std::vector<std::uint64_t> first_gid_, size_;                   // by population
    std::vector<double> mean_per_step_;                             // by population: expected remote spikes per step
    std::vector<std::vector<double>> trace_per_step_;               // by population and bin: the same, from a trace
    std::int64_t bin_steps_ = 0;                                    // steps per bin of the traces; 0: none
    std::vector<std::pair<std::int64_t, std::uint64_t>> replayed_;  // (step, gid) of remote spikes, ascending
    std::int64_t replay_end_ = 0;                                   // steps before it are replayed
    std::uint64_t rounds_ = 0;                                      // ⌈log2 P⌉
    std::vector<std::uint64_t> needed_;                             // alltoall: the sources this rank needs, ascending
    double destinations_ = 0;                                       // alltoall: expected other ranks per own spike
    std::size_t proxy_ = 0;                                         // alltoall: the rank that stands for the others
    dry_run_counts counts_;
    // comm.structure (split): each rank's cluster, this rank's, its size and ⌈log2⌉ of it, and where
    // the stretch since the last exchange over all ranks starts.
    std::vector<int> rank_cluster_;
    bool split_ = false;
    int cluster_ = 0, cluster_ranks_ = 1;
    std::uint64_t cluster_rounds_ = 0;
    std::int64_t outer_origin_ = 0;
};

}  // namespace synorm::comm
