// The dry run's model of the other ranks (comm/dry_run_communicator.hpp): the words of this rank go
// through unchanged (its spikes and run_control's words), the modelled spikes are the other ranks'
// neurons only, inside the interval, at the rate asked for, and the same on every call with the same
// seed; and the synapse checksum does not depend on the threads.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "synorm/comm/dry_run_communicator.hpp"
#include "network_testing.hpp"
#include "synorm/engine/simulation.hpp"

using namespace synorm;

namespace {

// 1000 steps of 0.1 ms; D = 10 steps.
model::model_spec small_network(std::uint64_t n) { return network_test::one_population(n, 0.1, 100.0, 1.0); }

}  // namespace

TEST(dry_run_communicator, keeps_this_ranks_words_and_models_only_the_others) {
    auto spec = small_network(1000);
    spec.comm.overlap = model::overlap_setting::off;  // one exchange per interval (halves: below)
    comm::dry_run_communicator dry(1, 4);
    dry.prepare(spec, {50.0});  // Hz
    ASSERT_EQ(dry.rank(), 1);
    ASSERT_EQ(dry.size(), 4);
    const std::uint64_t stop_word = ~std::uint64_t{0} - 1, failure_word = ~std::uint64_t{0};
    const std::vector<std::uint64_t> local = {comm::pack_spike(5, 3), stop_word, failure_word};
    std::vector<std::uint64_t> all;
    std::uint64_t remote = 0;
    for (int interval = 0; interval < 100; ++interval) {
        dry.exchange_spikes(local, all);
        ASSERT_GE(all.size(), local.size());
        EXPECT_TRUE(std::equal(local.begin(), local.end(), all.begin()));
        for (std::size_t i = local.size(); i < all.size(); ++i) {
            EXPECT_NE(comm::spike_gid(all[i]) % 4, 1u) << "a modelled spike of this rank's own neuron";
            EXPECT_LT(comm::spike_gid(all[i]), 1000u);
            EXPECT_LT(comm::spike_lag(all[i]), 10u);
        }
        remote += all.size() - local.size();
    }
    // 750 remote neurons at 50 Hz for 100 ms: 3750 expected, Poisson.
    EXPECT_NEAR(static_cast<double>(remote), 3750.0, 5 * std::sqrt(3750.0));
    EXPECT_EQ(dry.counts().remote_spikes, remote);
    EXPECT_EQ(dry.counts().local_spikes, 100u);  // run_control's words are not spikes
    EXPECT_EQ(dry.counts().intervals, 100u);
    EXPECT_EQ(dry.counts().messages, 200u);  // ⌈log2 4⌉ per interval
    EXPECT_EQ(dry.counts().bytes_sent, 100u * 8 * (3 + 1) * 3);
    EXPECT_EQ(dry.counts().bytes_received, 8 * (remote + 100 * 3));

    comm::dry_run_communicator fresh(1, 4), again(1, 4);
    fresh.prepare(spec, {50.0});
    again.prepare(spec, {50.0});
    std::vector<std::uint64_t> first, second;
    fresh.exchange_spikes({}, first);
    again.exchange_spikes({}, second);
    EXPECT_EQ(first, second);
    EXPECT_FALSE(first.empty());
}

// An earlier run's rates over time (--dry-run-rates): each bin's rate while the trace lasts, then the
// mean rate. 1 ms bins of 0, 200 Hz for the first 20 ms, then nothing left: the mean, 50 Hz.
TEST(dry_run_communicator, follows_an_earlier_runs_rates_over_time) {
    auto spec = small_network(1000);
    spec.comm.overlap = model::overlap_setting::off;  // one exchange per interval
    comm::dry_run_communicator dry(0, 2);
    std::vector<double> trace(20, 0.0);
    std::fill(trace.begin() + 10, trace.end(), 200.0);  // Hz
    dry.prepare(spec, {50.0}, {trace}, 1.0);
    std::vector<std::uint64_t> all;
    std::uint64_t silent = 0, busy = 0, after = 0;
    for (int interval = 0; interval < 100; ++interval) {  // 1 ms each
        dry.exchange_spikes({}, all);
        (interval < 10 ? silent : interval < 20 ? busy : after) += all.size();
    }
    EXPECT_EQ(silent, 0u);
    // 500 remote neurons: 200 Hz for 10 ms is 1000 expected; 50 Hz for 80 ms is 2000.
    EXPECT_NEAR(static_cast<double>(busy), 1000.0, 5 * std::sqrt(1000.0));
    EXPECT_NEAR(static_cast<double>(after), 2000.0, 5 * std::sqrt(2000.0));
}

// An earlier run's spikes replayed: exactly those, at their steps, while they last; the model after.
TEST(dry_run_communicator, replays_an_earlier_runs_spikes_then_models) {
    auto spec = small_network(1000);
    spec.comm.overlap = model::overlap_setting::off;  // one exchange per interval
    comm::dry_run_communicator dry(0, 2);
    dry.prepare(spec, {50.0});
    EXPECT_TRUE(dry.remote(3));
    EXPECT_FALSE(dry.remote(4));
    dry.replay({{2, 7}, {2, 9}, {13, 1}}, 20);  // (step, gid); two intervals of 10 steps
    std::vector<std::uint64_t> all;
    dry.exchange_spikes({}, all);
    EXPECT_EQ(all, (std::vector<std::uint64_t>{comm::pack_spike(7, 2), comm::pack_spike(9, 2)}));
    dry.exchange_spikes({}, all);
    EXPECT_EQ(all, (std::vector<std::uint64_t>{comm::pack_spike(1, 3)}));
    std::uint64_t after = 0;
    for (int interval = 0; interval < 98; ++interval) {
        dry.exchange_spikes({}, all);
        after += all.size();
    }
    // 500 remote neurons at 50 Hz for 98 ms: 2450 expected.
    EXPECT_NEAR(static_cast<double>(after), 2450.0, 5 * std::sqrt(2450.0));
    EXPECT_EQ(dry.counts().remote_spikes, after + 3);
}

// Under comm.overlap (on by default for 4 ranks and D = 10 steps) the real rank exchanges each half
// interval: the model follows, the first half's lags below D/2, the second's from D/2, both counted
// from the interval's start, and the same spikes in all as without the split.
TEST(dry_run_communicator, models_half_intervals_when_the_real_rank_overlaps) {
    auto spec = small_network(1000);
    comm::dry_run_communicator halves(1, 4), whole(1, 4);
    halves.prepare(spec, {50.0});
    spec.comm.overlap = model::overlap_setting::off;
    whole.prepare(spec, {50.0});
    std::vector<std::uint64_t> got, a, b;
    for (int interval = 0; interval < 100; ++interval) {
        whole.exchange_spikes({}, got);
        halves.exchange_spikes({}, a);
        halves.exchange_spikes({}, b);
        for (const auto w : a) EXPECT_LT(comm::spike_lag(w), 5u);
        for (const auto w : b) EXPECT_GE(comm::spike_lag(w), 5u);
        a.insert(a.end(), b.begin(), b.end());
        ASSERT_EQ(a, got) << "interval " << interval;
    }
    EXPECT_EQ(halves.counts().intervals, 100u);
    EXPECT_EQ(halves.counts().remote_spikes, whole.counts().remote_spikes);
    EXPECT_EQ(halves.counts().messages, 2 * whole.counts().messages);
}

TEST(dry_run_communicator, checksum_is_the_real_ranks_whatever_the_threads) {
    const auto spec = small_network(400);
    comm::dry_run_communicator one(2, 3), two(2, 3);
    const engine::simulation a(spec, one, 1), b(spec, two, 3);
    EXPECT_EQ(a.local_synapses(), b.local_synapses());
    EXPECT_EQ(a.synapse_checksum(), b.synapse_checksum());
    comm::dry_run_communicator other(1, 3);
    const engine::simulation c(spec, other, 1);
    EXPECT_NE(a.synapse_checksum(), c.synapse_checksum());
}
