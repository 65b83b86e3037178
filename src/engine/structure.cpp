// The two-level exchange (comm.structure; src/README.md decision 6). Under network.placement: groups
// each rank's gid range lies inside one group or holds whole groups, so runs of consecutive ranks form
// clusters that hold whole groups, and a spike crosses from one cluster to another only through a
// projection between groups, whose delays network.group_delay_min may bound from below. With D_out
// the least delay of the projections between clusters and M = ⌊D_out / D⌋·D steps, the spikes go
// within the cluster every interval D and over all ranks at every multiple of M: a spike emitted in
// [kM, (k + 1)M) is due in another cluster no sooner than (k + 1)M, when the exchange over all ranks
// has brought it.
//
// Why the results stay bitwise those of the flat exchange: every ring-buffer slot must receive its
// spikes in the canonical order, emission step then gid (decision 5), as the flat exchange delivers
// them interval by interval. A spike from another cluster lands only at the next multiple of M, after
// spikes of this cluster emitted later have been delivered. So a spike of the cluster is delivered at
// once only into the slots before the next multiple of M, which no spike of another cluster from the
// same stretch can reach; its synapses due later wait, and at the multiple of M they go together with
// the other clusters' spikes of the stretch in one sorted sequence, from that step on. Each slot then
// sees the flat order. This needs a delivery whose effect does not depend on when it is made: static
// synapses, with no gain that moves in between (no plasticity, homeostasis, schedule, additive scaling
// or branches). Checkpoints and stop requests, which travel with the exchange over all ranks, fall on
// multiples of M. Overlap (half epochs) and alltoall are not combined with it: a run with either is flat.
#include "engine_state.hpp"

namespace synorm::engine {

// Every condition below depends on (spec, ranks, the exchange plan) only, so every rank decides alike
// and all or none enter the split's collective.
void simulation::impl::plan_structure() {
    auto& plan = exchange_plan;
    plan.structure_setting = spec.comm.structure;
    if (plan.structure_setting == model::exchange_structure::flat) return;
    const int P = comm.size();
    const auto flat = [&](const char* why) { plan.structure_note = why; };
    const bool asked = plan.structure_setting == model::exchange_structure::groups;
    if (P < 2) return flat(asked ? "one rank" : "");
    if (spec.placement != model::placement_kind::groups) return flat(asked ? "network.placement is not groups" : "");
    if (plan.overlap) return flat("the exchange overlaps (comm.overlap: off allows it)");
    if (plan.strategy != model::exchange_strategy::allgather) return flat("the exchange is alltoall");
    const auto any = [](const std::vector<std::uint8_t>& v) { return std::find(v.begin(), v.end(), 1) != v.end(); };
    if (any_plastic || H > 0 || !phase_runs.empty() || any(additive) || any(branched))
        return flat("plasticity, homeostasis or a schedule: a delivery's weight depends on its time");
    rank_cluster = network::rank_clusters(spec, P);
    const auto bounds = network::rank_bounds(spec, P);
    std::vector<std::uint64_t> first(spec.populations.size() + 1, 0);  // by population: first gid
    for (std::size_t p = 0; p < spec.populations.size(); ++p) first[p + 1] = first[p] + spec.populations[p].size;
    plan.clusters = rank_cluster.back() + 1;
    if (plan.clusters < 2) return flat("the ranks form one cluster");
    // D_out: the least delay, in steps, of the projections between clusters (a population's ranks are
    // all in one cluster); without any, the exchange over all ranks still carries run_control's words.
    std::int64_t outer = std::max<std::int64_t>(D, static_cast<std::int64_t>(spec.max_delay_steps()));
    const auto cluster_of = [&](std::uint32_t p) {
        return rank_cluster[static_cast<std::size_t>(network::partition::owner_rank(first[p], P, bounds))];
    };
    for (const auto& proj : spec.projections) {
        if (spec.populations[proj.source].size == 0 || spec.populations[proj.target].size == 0) continue;
        if (cluster_of(proj.source) == cluster_of(proj.target)) continue;
        const std::int64_t least = model::to_steps(proj.delay.lower_bound(), spec.simulation.dt);
        outer = std::min(outer, std::max<std::int64_t>(1, least));
    }
    const std::int64_t M = outer / D * D;
    if (M < 2 * D) return flat("the least delay between clusters is under 2 intervals (network.group_delay_min)");
    cluster_comm = comm.split(rank_cluster[static_cast<std::size_t>(comm.rank())]);
    if (!cluster_comm) return flat("the communicator cannot split (a dry run)");
    plan.structured = true;
    plan.outer_steps = M;
    plan.cluster_ranks = cluster_comm->size();
}

// Every thread calls it. The master exchanges the interval's spikes within the cluster, keeps them for
// the exchange over all ranks and, at a multiple of M (or the end), makes that exchange: the other
// clusters' spikes of the stretch, with this cluster's synapses still due, in run.merged.
void simulation::impl::exchange_structured(const interval_plan& at, run_control& control, run_state& run) {
#pragma omp barrier
#pragma omp master
    control.master_step([&] {
        run.merged_ready = false;  // every thread has delivered it (the barrier above)
        // The wait for the slowest rank of the cluster, then of all ranks, timed apart (decision 6).
        const double w0 = omp_get_wtime();
        cluster_comm->barrier();
        double w1 = omp_get_wtime();
        run.out.time.wait += w1 - w0;
        run.local.clear();
        for (auto& ts : threads) {
            run.local.insert(run.local.end(), ts.interval_spikes.begin(), ts.interval_spikes.end());
            ts.interval_spikes.clear();
        }
        count_rates(run.local, at.t0);
        if (!probe_spikes.empty()) count_probe_spikes(run.local, at.t0);
        // results::exchanges counts the intervals (the exchanges within the cluster), the bytes both levels.
        const auto count_traffic = [&](comm::communicator::traffic t, bool interval) {
            run.out.exchanges += interval ? 1 : 0;
            run.out.bytes_sent += t.sent;
            run.out.bytes_received += t.received;
        };
        const auto shift = static_cast<std::uint64_t>(at.t0 - run.outer_origin);
        const auto rebase = [&](const std::vector<std::uint64_t>& words, std::vector<std::uint64_t>& into) {
            for (const auto word : words)
                into.push_back(comm::pack_spike(comm::spike_gid(word), comm::spike_lag(word) + shift));
        };
        rebase(run.local, run.outer_local);
        cluster_comm->exchange_spikes(run.local, run.received);
        count_traffic(cluster_comm->last_traffic(), true);
        std::sort(run.received.begin(), run.received.end());
        run.received_t0 = at.t0;
        const std::int64_t M = exchange_plan.outer_steps;
        run.received_before = (at.t0 / M + 1) * M;
        rebase(run.received, run.pending);
        if (at.t1 % M == 0 || at.t1 == total_steps) {
            const double w2 = omp_get_wtime();
            comm.barrier();
            const double w3 = omp_get_wtime();
            run.out.time.wait += w3 - w2;
            w1 += w3 - w2;
            control_words.clear();
            control.append_words(control_words, run.h);
            run.outer_local.insert(run.outer_local.end(), control_words.begin(), control_words.end());
            comm.exchange_spikes(run.outer_local, run.merged);
            count_traffic(comm.last_traffic(), false);
            const int mine = rank_cluster[static_cast<std::size_t>(comm.rank())];
            std::erase_if(run.merged, [&](std::uint64_t word) {
                return word < checkpoint_word &&
                       rank_cluster[static_cast<std::size_t>(part.owner_rank(comm::spike_gid(word)))] == mine;
            });
            run.merged.insert(run.merged.end(), run.pending.begin(), run.pending.end());
            std::sort(run.merged.begin(), run.merged.end());
            control.read_words(run.merged);
            run.merged_t0 = run.outer_origin;
            run.merged_ready = true;
            run.pending.clear();
            run.outer_local.clear();
            run.outer_origin = at.t1;
        }
        run.out.time.exchange += omp_get_wtime() - w1;
        if (control.stopping()) return;
        flush_and_report(at, run);
    });
#pragma omp barrier
}

}  // namespace synorm::engine
