// Runs under mpirun with 1 and 2 ranks (and 1 and 2 threads, from SYNORM_TEST_THREADS): the MPI
// communicator's collectives, and the engine's decomposition invariance in-process — every rank also
// simulates the whole network alone (serial communicator, one thread) and compares.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>

#include "synorm/comm/mpi_communicator.hpp"
#include "invariance_network.hpp"
#include "synorm/engine/simulation.hpp"

using namespace synorm;
using test::invariance_network;

namespace {

comm::communicator* world = nullptr;
const comm::mpi_session* session = nullptr;
std::optional<std::string> mtl_before_init;  // OMPI_MCA_mtl as the process started, if set

int test_threads() {
    const char* env = std::getenv("SYNORM_TEST_THREADS");
    return env ? std::max(1, std::atoi(env)) : 1;
}

struct outcome {
    std::vector<std::uint64_t> spikes;               // (step << 24) | gid, sorted
    std::vector<std::pair<std::uint64_t, float>> v;  // (gid, V_m), sorted
    std::vector<std::uint64_t>
        weights;  // this rank's snapshots: (snapshot, target, source, weight bits) hashed into words
    engine::homeostasis_trace homeostasis;
    std::vector<engine::pruning_record> pruning;
    std::vector<engine::phase_record> phases;
};

outcome simulate(const model::model_spec& spec, comm::communicator& c, int threads) {
    engine::simulation sim(spec, c, threads);
    outcome o;
    engine::hooks h;
    h.flush_every_ms = 37.0;  // several flushes, not aligned with intervals
    h.on_spikes = [&](const engine::spike_batch& b) {
        for (std::size_t k = 0; k < b.gids.size(); ++k)
            o.spikes.push_back((static_cast<std::uint64_t>(b.steps[k]) << 24) | b.gids[k]);
    };
    const auto res = sim.run(h);
    for (const auto& fs : res.final_states)
        for (std::size_t k = 0; k < fs.gids.size(); ++k) o.v.emplace_back(fs.gids[k], fs.V_m[k]);
    for (std::size_t n = 0; n < res.snapshots.size(); ++n) {
        const auto& snap = res.snapshots[n];
        for (std::size_t k = 0; k < snap.weights.size(); ++k) {
            // Three words per synapse: (snapshot, target), source, weight bits; compared as a sorted set of triples.
            o.weights.push_back((static_cast<std::uint64_t>(n) << 48) | snap.targets[k]);
            o.weights.push_back(snap.sources[k]);
            o.weights.push_back(std::bit_cast<std::uint32_t>(snap.weights[k]));
        }
    }
    o.homeostasis = res.homeostasis;
    o.pruning = res.pruning;
    o.phases = res.phases;
    return o;
}

// Every rank's values, concatenated (the spike exchange is an allgather).
std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& local) {
    std::vector<std::uint64_t> all;
    world->exchange_spikes(local, all);
    return all;
}

}  // namespace

TEST(mpi_communicator, exchange_concatenates_in_rank_order) {
    std::vector<std::uint64_t> local(static_cast<std::size_t>(world->rank() + 1),
                                     static_cast<std::uint64_t>(world->rank()));
    std::vector<std::uint64_t> all;
    world->exchange_spikes(local, all);
    std::vector<std::uint64_t> expected;
    for (int r = 0; r < world->size(); ++r)
        expected.insert(expected.end(), static_cast<std::size_t>(r + 1), static_cast<std::uint64_t>(r));
    EXPECT_EQ(all, expected);
}

TEST(mpi_communicator, exchange_handles_bursts_beyond_its_block) {
    // Sizes around and far beyond the first collective's block, then small again.
    for (const std::size_t base : {10u, 63u, 64u, 1000u, 5000u, 3u}) {
        const std::size_t mine = base * static_cast<std::size_t>(world->rank() + 1);
        std::vector<std::uint64_t> local(mine);
        for (std::size_t k = 0; k < mine; ++k) local[k] = (static_cast<std::uint64_t>(world->rank()) << 32) | k;
        std::vector<std::uint64_t> all;
        world->exchange_spikes(local, all);
        std::vector<std::uint64_t> expected;
        for (int r = 0; r < world->size(); ++r)
            for (std::size_t k = 0; k < base * static_cast<std::size_t>(r + 1); ++k)
                expected.push_back((static_cast<std::uint64_t>(r) << 32) | k);
        ASSERT_EQ(all, expected) << "base " << base;
    }
}

TEST(mpi_communicator, the_exchange_block_shrinks_after_a_burst_once_the_network_is_quiet) {
    auto fresh = session->world();  // a communicator of its own: the block starts at its initial size
    const std::size_t initial = fresh->exchange_capacity();
    ASSERT_EQ(initial, 64u);
    const auto exchange = [&](std::size_t base) {
        const std::size_t mine = base * static_cast<std::size_t>(fresh->rank() + 1);
        std::vector<std::uint64_t> local(mine), all, expected;
        for (std::size_t k = 0; k < mine; ++k) local[k] = (static_cast<std::uint64_t>(fresh->rank()) << 32) | k;
        fresh->exchange_spikes(local, all);
        for (int r = 0; r < fresh->size(); ++r)
            for (std::size_t k = 0; k < base * static_cast<std::size_t>(r + 1); ++k)
                expected.push_back((static_cast<std::uint64_t>(r) << 32) | k);
        return all == expected;
    };
    ASSERT_TRUE(exchange(3000)) << "a burst";
    const std::size_t burst = fresh->exchange_capacity();
    EXPECT_GE(burst, 2 * 3000u * static_cast<std::size_t>(fresh->size())) << "grown to hold the burst";
    // Intervals at a quarter of the block are not quiet: they keep it.
    for (int k = 0; k < 300; ++k) ASSERT_TRUE(exchange(burst / 4 / static_cast<std::size_t>(fresh->size())));
    EXPECT_EQ(fresh->exchange_capacity(), burst) << "use above a fifth keeps the block";
    // Quiet intervals: the block stays through a short pause, and shrinks after a long one.
    for (int k = 0; k < 100; ++k) ASSERT_TRUE(exchange(k % 5));
    EXPECT_EQ(fresh->exchange_capacity(), burst) << "100 quiet intervals are a pause";
    for (int k = 0; k < 100; ++k) ASSERT_TRUE(exchange(k % 5));
    EXPECT_EQ(fresh->exchange_capacity(), initial) << "back to the initial block after a long quiet";
    // A moderate level after that: shrinks only to twice what it uses, and stays there.
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(exchange(1000));
    const std::size_t moderate = fresh->exchange_capacity();
    for (int k = 0; k < 300; ++k) ASSERT_TRUE(exchange(1000));
    EXPECT_EQ(fresh->exchange_capacity(), moderate) << "a steady level neither grows nor shrinks the block";
    EXPECT_EQ(fresh->exchange_capacity(), world->size() == 1 ? 2048u : 4096u);
}

TEST(mpi_communicator, thread_support_below_funneled_is_refused) {
    EXPECT_EQ(comm::thread_support_problem(session->provided()), "") << "this MPI library runs synorm";
    EXPECT_EQ(comm::thread_support_problem(comm::thread_level::funneled), "");
    EXPECT_EQ(comm::thread_support_problem(comm::thread_level::multiple), "");
    EXPECT_NE(comm::thread_support_problem(comm::thread_level::single).find("MPI_THREAD_FUNNELED"), std::string::npos);
}

// Without RDMA adapters, MPI_Init skips Open MPI's adapter probes (0.2 s of start-up); a user's
// choice of transports is kept.
TEST(mpi_session, start_up_skips_probing_for_absent_adapters_unless_the_user_chose) {
    const char* now = std::getenv("OMPI_MCA_mtl");
    if (mtl_before_init) {
        ASSERT_NE(now, nullptr);
        EXPECT_EQ(std::string(now), *mtl_before_init);
        return;
    }
    std::error_code error;
    const std::filesystem::directory_iterator adapters("/sys/class/infiniband", error);
    if (!error && adapters != std::filesystem::directory_iterator{}) GTEST_SKIP() << "this machine has RDMA adapters";
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(std::string(now), "^psm,psm2,ofi");
}

TEST(mpi_communicator, reductions_are_exact) {
    std::vector<std::int64_t> v = {world->rank() + 1, (std::int64_t{1} << 52) + world->rank()};
    world->sum(v);
    const std::int64_t P = world->size();
    EXPECT_EQ(v[0], P * (P + 1) / 2);
    EXPECT_EQ(v[1], P * (std::int64_t{1} << 52) + P * (P - 1) / 2);
    EXPECT_EQ(world->max(world->rank()), P - 1);
    EXPECT_EQ(world->min(world->rank()), 0);
    EXPECT_EQ(world->exclusive_prefix_sum(10), static_cast<std::uint64_t>(10 * world->rank()));
    const auto all = world->all_gather(world->rank() * 3);
    ASSERT_EQ(all.size(), static_cast<std::size_t>(P));
    for (int r = 0; r < P; ++r) EXPECT_EQ(all[static_cast<std::size_t>(r)], 3 * r);
    std::string text = world->rank() == 0 ? "from root" : "";
    world->broadcast(text, 0);
    EXPECT_EQ(text, "from root");
}

TEST(decomposition, spikes_and_final_potentials_match_a_single_process_run) {
    const auto spec = invariance_network();
    const int threads = test_threads();
    const auto distributed = simulate(spec, *world, threads);
    auto serial_comm = comm::make_serial();
    const auto reference = simulate(spec, *serial_comm, 1);

    auto spikes = gather(distributed.spikes);
    std::sort(spikes.begin(), spikes.end());
    ASSERT_GT(reference.spikes.size(), 1000u) << "the network must be active for the comparison to mean something";
    EXPECT_EQ(spikes.size(), reference.spikes.size());
    EXPECT_TRUE(spikes == reference.spikes) << world->size() << " ranks x " << threads << " threads";

    // Final potentials: gather (gid, bits of V) pairs.
    std::vector<std::uint64_t> local;
    for (const auto& [gid, v] : distributed.v) local.push_back((gid << 32) | std::bit_cast<std::uint32_t>(v));
    auto v = gather(local);
    std::sort(v.begin(), v.end());
    std::vector<std::uint64_t> expected;
    for (const auto& [gid, x] : reference.v) expected.push_back((gid << 32) | std::bit_cast<std::uint32_t>(x));
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(v.size(), spec.total_neurons());
    EXPECT_TRUE(v == expected) << "bitwise identical membrane potentials";
}

// Triples (a, b, c) of a flat list, sorted: synapses in a canonical order whatever rank held them.
std::vector<std::array<std::uint64_t, 3>> triples(const std::vector<std::uint64_t>& flat) {
    std::vector<std::array<std::uint64_t, 3>> t;
    for (std::size_t k = 0; k + 2 < flat.size(); k += 3) t.push_back({flat[k], flat[k + 1], flat[k + 2]});
    std::sort(t.begin(), t.end());
    return t;
}

// Runs `spec` on this layout and serially; expects bitwise identical spikes and weight snapshots.
// Returns (distributed, reference).
std::pair<outcome, outcome> run_both_and_compare(const model::model_spec& spec) {
    const int threads = test_threads();
    auto distributed = simulate(spec, *world, threads);
    auto serial_comm = comm::make_serial();
    auto reference = simulate(spec, *serial_comm, 1);
    auto spikes = gather(distributed.spikes);
    std::sort(spikes.begin(), spikes.end());
    EXPECT_GT(reference.spikes.size(), 1000u);
    EXPECT_TRUE(spikes == reference.spikes) << world->size() << " ranks x " << threads << " threads";
    const auto weights = triples(gather(distributed.weights)), expected = triples(reference.weights);
    EXPECT_GT(expected.size(), 10000u);
    EXPECT_EQ(weights.size(), expected.size());
    EXPECT_TRUE(weights == expected) << "bitwise identical weights";
    return {std::move(distributed), std::move(reference)};
}

TEST(decomposition, plasticity_and_scaling_keep_results_bitwise_identical) {
    const auto spec = test::plastic_network();
    const auto [distributed, reference] = run_both_and_compare(spec);
    // The weights did change, and the gains moved, identically.
    EXPECT_GT(reference.homeostasis.times.size(), 5u);
    EXPECT_TRUE(distributed.homeostasis.gain_ex == reference.homeostasis.gain_ex);
    EXPECT_TRUE(distributed.homeostasis.w_mean == reference.homeostasis.w_mean);
    EXPECT_NE(reference.homeostasis.gain_ex[0].back(), 1.0);
    EXPECT_NE(reference.homeostasis.w_mean[0].front(), reference.homeostasis.w_mean[0].back());
    for (const std::size_t j : {1u, 2u, 5u})
        EXPECT_NE(reference.homeostasis.w_mean[j].front(), reference.homeostasis.w_mean[j].back()) << j;
    EXPECT_LT(reference.homeostasis.w_mean[5].back(), 0.0) << "current weights stay ≤ 0";
}

// Branch-local homeostasis: random assignment on E (with plastic E→E synapses, so the plastic
// delivery applies branch gains too) and on C (E→C has multapses), by_source on I; the branch gains,
// their statistics and the weights with branch gains must not depend on the decomposition.
TEST(decomposition, branches_keep_results_bitwise_identical) {
    auto spec = test::plastic_network();
    auto& e = spec.populations[0].branches;
    e.enabled = true;
    e.count = 3;
    e.tau_activity = 100.0;
    e.target_rate = 40.0;
    e.tau = 200.0;
    e.record = {0, 17, 1201, 2399};
    auto& c = spec.populations[2].branches;
    c = e;
    c.count = 2;
    c.record = {5, 999};
    auto& i = spec.populations[1].branches;
    i = e;
    i.count = 2;
    i.assign = model::branch_spec::assignment::by_source;
    i.by_source = {1, -1, -1};  // branch 0 has no input
    i.record = {};
    const auto [distributed, reference] = run_both_and_compare(spec);
    const auto& h = reference.homeostasis;
    EXPECT_TRUE(distributed.homeostasis.branch_gain_mean == h.branch_gain_mean);
    EXPECT_TRUE(distributed.homeostasis.branch_gain_std == h.branch_gain_std);
    EXPECT_TRUE(distributed.homeostasis.branch_gain == h.branch_gain);
    const std::size_t K = h.times.size();
    ASSERT_EQ(h.branch_gain[0].size(), K * 4 * 3);
    ASSERT_EQ(h.branch_gain[2].size(), K * 2 * 2);
    EXPECT_TRUE(h.branch_gain[1].empty()) << "I records no neuron";
    // The gains moved, branch by branch; I's branch 0 has no input and rises at 1 + H/tau per period.
    EXPECT_NE(h.branch_gain[0].back(), 1.0);
    EXPECT_NE(h.branch_gain[0][K * 12 - 1], h.branch_gain[0][K * 12 - 2]);
    EXPECT_NE(h.branch_gain[2].back(), 1.0);
    EXPECT_NEAR(h.branch_gain_mean[1][2 * (K - 1)], std::min(10.0, std::pow(1.2, static_cast<double>(K))),
                1e-4 * std::pow(1.2, K));
    EXPECT_NEAR(h.branch_gain_std[1][2 * (K - 1)], 0.0, 1e-3) << "every neuron of I alike";
}

// Every mechanism of the sleep/wake schedule at once: two wake/NREM cycles with their settings, SHY
// renormalization folded at each NREM end, STDP (pair, triplet, vogels), synaptic scaling, and
// pruning: of E → E at the end of each NREM phase (effective weights with scaling gains and G), of
// E → C (multapses) every 80 ms. The same synapses go on every layout, and what remains is the same.
TEST(decomposition, schedule_shy_and_pruning_keep_results_bitwise_identical) {
    auto spec = test::plastic_network();
    auto& sc = spec.schedule;
    model::phase_spec wake, nrem;
    wake.name = "wake";
    wake.kind = model::phase_kind::wake;
    wake.duration = 80.0;
    nrem.name = "sleep";
    nrem.kind = model::phase_kind::nrem;
    nrem.duration = 80.0;
    nrem.renormalize = true;
    nrem.scaling_rate = 0.0;
    nrem.inputs.push_back({0, 10.0, 60});  // weaker drive to E
    sc.phases = {wake, nrem};
    sc.cycles = 2;
    sc.renormalization.enabled = true;
    sc.renormalization.tau = 100.0;
    spec.simulation.duration = 320.0;
    spec.projections[0].pruning = {true, 3.0, 40.0, 0.0, false};    // E → E: below 3 nS at more than 1 check
    spec.projections[4].pruning = {true, 50.0, 40.0, 80.0, false};  // E → C: below 50 pA, every 80 ms
    spec.recording.weights = {{0, {0.0, 120.0, 160.0, 320.0}}, {4, {80.0, 160.0, 320.0}}, {2, {320.0}}, {1, {200.0}}};
    const auto [distributed, reference] = run_both_and_compare(spec);
    const auto& r = reference.pruning;
    ASSERT_EQ(r.size(), 6u) << "E → C at 80, 160 (with E → E), 240, 320 (with E → E)";
    ASSERT_EQ(distributed.pruning.size(), r.size());
    std::uint64_t removed[2] = {0, 0};
    for (std::size_t k = 0; k < r.size(); ++k) {
        const auto& d = distributed.pruning[k];
        EXPECT_EQ(d.projection, r[k].projection);
        EXPECT_EQ(d.time, r[k].time);
        EXPECT_EQ(d.below, r[k].below) << k;
        EXPECT_EQ(d.tagged, r[k].tagged) << k;
        EXPECT_EQ(d.removed, r[k].removed) << k;
        EXPECT_EQ(d.synapses, r[k].synapses) << k;
        removed[r[k].projection == 0 ? 0 : 1] += r[k].removed;
    }
    EXPECT_GT(removed[0], 100u) << "E → E synapses were pruned";
    EXPECT_GT(removed[1], 1000u) << "E → C synapses were pruned";
    ASSERT_EQ(reference.phases.size(), 4u);
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_EQ(distributed.phases[k].pruned, reference.phases[k].pruned);
        EXPECT_EQ(distributed.phases[k].renormalization, reference.phases[k].renormalization);
        EXPECT_EQ(distributed.phases[k].weight_end, reference.phases[k].weight_end);
    }
    EXPECT_LT(reference.phases[1].renormalization, 1.0) << "SHY scaled down";
    EXPECT_GT(reference.phases[1].pruned, 0u);
}

// Every homeostatic mechanism at once: scaling with the integral term and the glial boost plus
// E_GABA homeostasis on E, additive scaling on I (a static and a plastic projection deliver through
// its offsets), normalization on C, and a poisson_source population with a plastic projection.
TEST(decomposition, homeostasis_extensions_keep_results_bitwise_identical) {
    auto spec = invariance_network();
    spec.simulation.duration = 300.0;
    spec.homeostasis.period = 40.0;
    const auto plastic = [](model::projection_spec& p, double w_max) {
        p.plasticity.rule = model::stdp_rule::pair;
        p.plasticity.dependence = model::weight_dependence::multiplicative;
        p.plasticity.A_plus = 0.05 * w_max;
        p.plasticity.A_minus = -0.055 * w_max;
        p.plasticity.w_max = w_max;
    };
    plastic(spec.projections[0], 6.0);    // EE
    plastic(spec.projections[1], 6.0);    // EI, onto the additive population
    plastic(spec.projections[4], 120.0);  // EC, normalized
    spec.projections[4].weight.max = 120.0;
    test::add_poisson_source(spec, 150.0);
    auto& e = spec.populations[0];
    e.tau_calcium = 100.0;
    e.scaling.enabled = true;
    e.scaling.target_rate = 3.0;
    e.scaling.tau_up = 500.0;
    e.scaling.tau_down = 500.0;
    e.scaling.tau_integral = 800.0;
    e.scaling.glial_gain = 2.0;
    e.scaling.inhibitory = true;
    e.e_gaba = {true, 3.0, 400.0, -90.0, -60.0};
    auto& i = spec.populations[1];
    i.tau_calcium = 100.0;
    i.scaling = e.scaling;
    i.scaling.mode = model::scaling_mode::additive;
    i.scaling.target_rate = 20.0;
    spec.populations[2].normalization = {true, 2000.0};
    spec.recording.homeostasis.push_back({0, {0, 7, 2399}});
    spec.recording.homeostasis.push_back({2, {5}});
    spec.recording.weights.push_back({1, {300.0}});
    spec.recording.weights.push_back({6, {300.0}});

    const int threads = test_threads();
    const auto distributed = simulate(spec, *world, threads);
    auto serial_comm = comm::make_serial();
    const auto reference = simulate(spec, *serial_comm, 1);

    auto spikes = gather(distributed.spikes);
    std::sort(spikes.begin(), spikes.end());
    ASSERT_GT(reference.spikes.size(), 1000u);
    EXPECT_TRUE(spikes == reference.spikes) << world->size() << " ranks x " << threads << " threads";
    const auto weights = triples(gather(distributed.weights)), expected = triples(reference.weights);
    EXPECT_TRUE(weights == expected) << "bitwise identical effective weights";
    const auto& a = distributed.homeostasis;
    const auto& b = reference.homeostasis;
    ASSERT_GT(b.times.size(), 5u);
    EXPECT_TRUE(a.gain_ex == b.gain_ex && a.gain_in == b.gain_in && a.gain_ex_std == b.gain_ex_std);
    EXPECT_TRUE(a.E_in == b.E_in && a.E_in_std == b.E_in_std);
    EXPECT_TRUE(a.input_ex == b.input_ex && a.input_in == b.input_in);
    EXPECT_TRUE(a.w_mean == b.w_mean && a.w_at_max == b.w_at_max);
    EXPECT_EQ(a.w_quantiles.size(), b.w_quantiles.size());
    for (std::size_t j = 0; j < b.w_quantiles.size(); ++j)
        for (std::size_t k = 0; k < b.w_quantiles[j].size(); ++k)
            EXPECT_EQ(std::bit_cast<std::uint64_t>(a.w_quantiles[j][k]),
                      std::bit_cast<std::uint64_t>(b.w_quantiles[j][k]));
    ASSERT_EQ(a.recorded.size(), 2u);
    EXPECT_TRUE(a.recorded[0].gain_ex == b.recorded[0].gain_ex && a.recorded[0].E_in == b.recorded[0].E_in);
    EXPECT_TRUE(a.recorded[1].gain_ex == b.recorded[1].gain_ex);
    // Everything moved.
    EXPECT_NE(b.E_in[0].back(), -80.0);
    EXPECT_GT(b.gain_ex_std[0].back(), 0.0);
    EXPECT_GT(b.gain_ex_std[2].back(), 0.0) << "normalization gives each neuron its own gain";
    EXPECT_NE(b.recorded[0].gain_ex.back(), 1.0f);
    EXPECT_GT(b.rate[3].back(), 30.0) << "the source's rate changed to 40 Hz";
}

// Every plasticity and homeostasis mechanism switched on at once: pair STDP (multiplicative,
// all-to-all and nearest), triplet and inhibitory STDP (plastic_network), on E scaling with the
// integral term, the glial boost and inhibitory scaling, E_GABA homeostasis, branches and
// metaplasticity (onto pair STDP, next to vogels); on I additive scaling, branches by source and
// metaplasticity onto triplet STDP; on C normalization and metaplasticity onto nearest-pairing STDP
// from E and from a poisson_source. Spikes, effective weights, gains, E_in, branch gains and the
// sliding thresholds must be bitwise identical.
TEST(decomposition, every_mechanism_at_once_keeps_results_bitwise_identical) {
    auto spec = test::plastic_network();
    test::add_poisson_source(spec, 150.0);  // SC like E → C: pair STDP, nearest pairing
    auto& e = spec.populations[0];
    e.scaling.tau_integral = 800.0;
    e.scaling.glial_gain = 2.0;
    e.e_gaba = {true, 3.0, 400.0, -90.0, -60.0};
    e.branches.enabled = true;
    e.branches.count = 3;
    e.branches.tau_activity = 100.0;
    e.branches.target_rate = 40.0;
    e.branches.tau = 200.0;
    e.branches.record = {0, 17, 2399};
    e.metaplasticity = {true, 3.0, 200.0, 0.1, 10.0};
    auto& i = spec.populations[1];
    i.tau_calcium = 100.0;
    i.scaling = e.scaling;
    i.scaling.mode = model::scaling_mode::additive;
    i.scaling.target_rate = 20.0;
    i.branches = e.branches;
    i.branches.count = 2;
    i.branches.assign = model::branch_spec::assignment::by_source;
    i.branches.by_source = {1, -1, -1, 0};
    i.branches.record = {};
    i.metaplasticity = {true, 20.0, 300.0, 0.2, 5.0};
    auto& c = spec.populations[2];
    c.tau_calcium = 100.0;
    c.normalization = {true, 2000.0};
    c.metaplasticity = {true, 10.0, 150.0, 0.05, 20.0};
    spec.recording.homeostasis.push_back({0, {0, 7, 2399}});
    spec.recording.homeostasis.push_back({1, {3}});
    spec.recording.homeostasis.push_back({2, {5, 999}});
    spec.recording.weights.push_back({6, {300.0}});

    const auto [distributed, reference] = run_both_and_compare(spec);
    const auto& a = distributed.homeostasis;
    const auto& b = reference.homeostasis;
    ASSERT_GT(b.times.size(), 5u);
    EXPECT_TRUE(a.rate == b.rate && a.sensed_rate == b.sensed_rate);
    EXPECT_TRUE(a.gain_ex == b.gain_ex && a.gain_in == b.gain_in && a.gain_ex_std == b.gain_ex_std &&
                a.gain_in_std == b.gain_in_std);
    EXPECT_TRUE(a.E_in == b.E_in && a.E_in_std == b.E_in_std);
    EXPECT_TRUE(a.theta == b.theta && a.theta_std == b.theta_std);
    EXPECT_TRUE(a.branch_gain_mean == b.branch_gain_mean && a.branch_gain_std == b.branch_gain_std &&
                a.branch_gain == b.branch_gain);
    EXPECT_TRUE(a.w_mean == b.w_mean && a.w_std == b.w_std && a.w_at_min == b.w_at_min && a.w_at_max == b.w_at_max);
    ASSERT_EQ(a.recorded.size(), 3u);
    for (std::size_t k = 0; k < 3; ++k) {
        EXPECT_TRUE(a.recorded[k].gain_ex == b.recorded[k].gain_ex && a.recorded[k].gain_in == b.recorded[k].gain_in)
            << k;
        EXPECT_TRUE(a.recorded[k].E_in == b.recorded[k].E_in && a.recorded[k].theta == b.recorded[k].theta) << k;
    }
    // Everything moved.
    for (const std::size_t p : {0u, 1u, 2u}) {
        ASSERT_EQ(b.theta[p].size(), b.times.size()) << p;
        const double theta_0 =
            spec.populations[p].metaplasticity.target_rate * spec.populations[p].metaplasticity.target_rate;
        EXPECT_GT(std::fabs(b.theta[p].back() / theta_0 - 1.0), 0.01) << "θ of population " << p << " moved";
        EXPECT_GT(b.theta_std[p].back(), 0.0) << p;
    }
    EXPECT_EQ(b.recorded[0].theta.size(), 3 * b.times.size());
    EXPECT_NE(b.E_in[0].back(), -80.0);
    EXPECT_NE(b.gain_ex[0].back(), 1.0);
    EXPECT_GT(b.gain_ex_std[2].back(), 0.0) << "normalization gives each neuron its own gain";
    EXPECT_NE(b.branch_gain[0].back(), 1.0);
    for (const std::size_t j : {0u, 1u, 2u, 4u, 5u, 6u}) EXPECT_NE(b.w_mean[j].front(), b.w_mean[j].back()) << j;
}

TEST(decomposition, an_exception_in_one_thread_of_one_rank_stops_every_rank_in_order) {
    auto spec = invariance_network();
    spec.simulation.duration = 100.0;
    engine::simulation sim(spec, *world, test_threads());
    engine::hooks h;
    const int failing_rank = world->size() - 1, failing_thread = test_threads() - 1;
    h.on_thread_interval = [&](int thread, std::int64_t step) {
        if (world->rank() == failing_rank && thread == failing_thread && step >= 500)
            throw std::runtime_error("injected failure");
    };
    std::string message;
    try {
        sim.run(h);
    } catch (const std::exception& e) {
        message = e.what();
    }
    if (world->rank() == failing_rank) EXPECT_EQ(message, "injected failure");
    else
        EXPECT_NE(message.find("another rank failed"), std::string::npos) << message;
    // Every rank is still in step: a collective after the stop completes.
    EXPECT_EQ(world->max(1), 1);
}

TEST(decomposition, an_exception_at_a_boundary_on_one_rank_stops_every_rank_without_a_hang) {
    // Between two exchanges: one rank's thread throws while the weights are brought up to date at a
    // homeostasis boundary, so that rank knows of its failure before the master's reduction, and the
    // others do not. All must skip the reduction together (no rank waits in it alone).
    auto spec = test::plastic_network();  // homeostasis every 40 ms
    spec.simulation.duration = 120.0;
    engine::simulation sim(spec, *world, test_threads());
    engine::hooks h;
    const int failing_rank = world->size() - 1, failing_thread = test_threads() - 1;
    // The first boundary (40 ms) passes on every rank and thread; the failure comes at the second.
    const auto second = static_cast<std::int64_t>(std::llround(2 * 40.0 / spec.simulation.dt));
    int boundaries = 0;
    h.on_thread_boundary = [&](int thread, std::int64_t step) {
        if (thread == 0 && step < second) ++boundaries;
        if (world->rank() == failing_rank && thread == failing_thread && step >= second)
            throw std::runtime_error("injected failure at a boundary");
    };
    std::string message;
    try {
        sim.run(h);
    } catch (const std::exception& e) {
        message = e.what();
    }
    EXPECT_GE(boundaries, 1);
    if (world->rank() == failing_rank) EXPECT_EQ(message, "injected failure at a boundary");
    else
        EXPECT_NE(message.find("another rank failed"), std::string::npos) << message;
    EXPECT_EQ(world->max(1), 1);
}

TEST(decomposition, a_hook_failing_on_one_rank_stops_every_rank) {
    auto spec = invariance_network();
    spec.simulation.duration = 60.0;
    for (const std::int64_t fail_at : {300, 600}) {  // mid-run, and in the last interval
        engine::simulation sim(spec, *world, test_threads());
        engine::hooks h;
        h.on_progress = [&](std::int64_t done, std::int64_t total) {
            if (world->rank() == world->size() - 1 && done >= fail_at) throw std::logic_error("hook failed");
        };
        int outcome = 0;  // 1: the hook's own error, 2: remote_failure
        try {
            sim.run(h);
        } catch (const engine::remote_failure&) {
            outcome = 2;
        } catch (const std::logic_error&) {
            outcome = 1;
        }
        EXPECT_EQ(outcome, world->rank() == world->size() - 1 ? 1 : 2) << "fail at " << fail_at;
        EXPECT_EQ(world->max(1), 1);
    }
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (const char* mtl = std::getenv("OMPI_MCA_mtl")) mtl_before_init = mtl;
    comm::mpi_session mpi(argc, argv);
    session = &mpi;
    auto w = mpi.world();
    world = w.get();
    // Only rank 0 prints GoogleTest's report; every rank's failures count in the exit code.
    if (world->rank() != 0) {
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        delete listeners.Release(listeners.default_result_printer());
    }
    const int local = RUN_ALL_TESTS();
    return static_cast<int>(world->max(local));
}
