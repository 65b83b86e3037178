// The targeted exchange (comm.exchange; src/README.md decision 6). Connectivity is drawn by the
// target's thread, so a rank knows which sources it needs but not who needs its own neurons: at build
// every rank sends each source gid it needs to the rank that owns it (one personalised all-to-all,
// as NEST's 5g builds its presynaptic target tables), and each owner keeps, per local neuron, the
// ranks that asked for it. In the loop a spike then goes only to those ranks; run_control's words go
// to every rank. A rank that never receives a spike loses nothing: a source without a synapse on it
// has no row there, and probe counts, records and rates read this rank's own spikes only.

#include "engine_state.hpp"

namespace synorm::engine {

// Collective. allgather needs nothing; nor does auto on 1 or 2 ranks, where every spike has to reach
// the other rank anyway unless the network splits in two. Otherwise the source lists go to their
// owners, and auto compares the largest list with the network (targets.hpp).
void simulation::impl::plan_exchange() {
    using model::exchange_strategy;
    auto& plan = exchange_plan;
    plan.setting = spec.comm.exchange;
    plan.overlap_setting = spec.comm.overlap;
    plan.overlap = model::overlaps(spec.comm, D, comm.size());
    const auto P = static_cast<std::size_t>(comm.size()), me = static_cast<std::size_t>(comm.rank());
    if (plan.setting == exchange_strategy::allgather || (plan.setting == exchange_strategy::automatic && P <= 2)) {
        plan.strategy = exchange_strategy::allgather;
        return;
    }
    const double t0 = omp_get_wtime();
    const source_index& needed = rank_index;  // the gids this rank holds synapses from (build.cpp)
    plan.needed_sources = needed.size();
    std::vector<std::uint64_t> counts(P, 0), cursor(P, 0);
    needed.sources.for_each([&](std::uint64_t gid, std::uint32_t, std::uint32_t) {
        ++counts[static_cast<std::size_t>(part.owner_rank(gid))];
    });
    for (std::size_t r = 1; r < P; ++r) cursor[r] = cursor[r - 1] + counts[r - 1];
    std::vector<std::uint64_t> send(needed.size()), asked, asked_counts;
    needed.sources.for_each([&](std::uint64_t gid, std::uint32_t, std::uint32_t) {
        send[cursor[static_cast<std::size_t>(part.owner_rank(gid))]++] = gid;
    });
    comm.exchange_lists(send, counts, asked, asked_counts);
    plan.build_bytes_sent = (needed.size() - counts[me] + P - 1) * 8;  // the gids, and a count per rank
    plan.build_bytes_received = (asked.size() - asked_counts[me] + P - 1) * 8;
    const auto most = static_cast<double>(comm.max(static_cast<std::int64_t>(needed.size())));
    plan.largest_fraction = most / static_cast<double>(std::max<std::uint64_t>(1, spec.total_neurons()));
    plan.built = true;
    plan.strategy = plan.setting == exchange_strategy::alltoall || plan.largest_fraction <= alltoall_largest_fraction
                        ? exchange_strategy::alltoall
                        : exchange_strategy::allgather;
    if (plan.strategy == exchange_strategy::alltoall) {
        for (const auto& ts : threads)
            local_gids.insert(local_gids.end(), ts.layout->gids.begin(), ts.layout->gids.end());
        std::sort(local_gids.begin(), local_gids.end());
        const auto position = [&](std::uint64_t gid) {
            const auto it = std::lower_bound(local_gids.begin(), local_gids.end(), gid);
            if (it == local_gids.end() || *it != gid)
                throw std::logic_error("the targeted exchange: rank " + std::to_string(me) + " was asked for gid " +
                                       std::to_string(gid) + ", which it does not own");
            return static_cast<std::size_t>(it - local_gids.begin());
        };
        target_begin.assign(local_gids.size() + 1, 0);
        for (const auto gid : asked) ++target_begin[position(gid) + 1];
        for (std::size_t i = 1; i < target_begin.size(); ++i) target_begin[i] += target_begin[i - 1];
        target_rank.resize(asked.size());
        std::vector<std::uint64_t> fill(target_begin.begin(), target_begin.end() - 1);
        std::size_t at = 0;
        for (std::size_t r = 0; r < P; ++r)  // in rank order: each neuron's ranks come ascending
            for (std::uint64_t k = 0; k < asked_counts[r]; ++k)
                target_rank[fill[position(asked[at++])]++] = static_cast<std::uint32_t>(r);
    }
    plan.target_entries = target_rank.size();
    plan.build_seconds = omp_get_wtime() - t0;
}

// Each spike once per destination rank of its neuron, run_control's words to every rank.
void simulation::impl::group_targeted(const std::vector<std::uint64_t>& spikes) {
    const auto P = static_cast<std::size_t>(comm.size());
    const auto targets_of = [&](std::uint64_t word) {
        const auto it = std::lower_bound(local_gids.begin(), local_gids.end(), comm::spike_gid(word));
        SYNORM_ASSERT(it != local_gids.end() && *it == comm::spike_gid(word), "a spike of a neuron of this rank");
        const auto i = static_cast<std::size_t>(it - local_gids.begin());
        return std::pair{target_begin[i], target_begin[i + 1]};
    };
    send_counts.assign(P, control_words.size());
    for (const auto word : spikes) {
        const auto [b, e] = targets_of(word);
        for (auto k = b; k < e; ++k) ++send_counts[target_rank[k]];
    }
    send_cursor.assign(P, 0);
    for (std::size_t r = 1; r < P; ++r) send_cursor[r] = send_cursor[r - 1] + send_counts[r - 1];
    send_words.resize(send_cursor[P - 1] + send_counts[P - 1]);
    for (const auto word : spikes) {
        const auto [b, e] = targets_of(word);
        for (auto k = b; k < e; ++k) send_words[send_cursor[target_rank[k]]++] = word;
    }
    for (std::size_t r = 0; r < P; ++r)
        for (const auto word : control_words) send_words[send_cursor[r]++] = word;
}

}  // namespace synorm::engine
