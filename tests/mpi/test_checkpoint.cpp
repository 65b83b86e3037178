// Runs under mpirun with 1 and 2 ranks (and 1 and 2 threads, from SYNORM_TEST_THREADS): a run stopped
// at a checkpoint half-way and resumed from the checkpoint file on another ranks × threads layout
// gives bitwise the spikes, weights, homeostasis record, state samples and final potentials of a run
// that never stopped (serial, one thread), with STDP, synaptic scaling and adaptation on, and with a
// sleep/wake schedule whose phase change and SHY renormalization fall after the stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "invariance_network.hpp"
#include "synorm/comm/mpi_communicator.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/io/checkpoint_file.hpp"

using namespace synorm;

namespace {

comm::communicator* world = nullptr;

int test_threads() {
    const char* env = std::getenv("SYNORM_TEST_THREADS");
    return env ? std::max(1, std::atoi(env)) : 1;
}

// What is compared, as words, sorted where the order is the layout's.
struct outcome {
    std::vector<std::uint64_t> spikes;   // (step << 24) | gid
    std::vector<std::uint64_t> v;        // (gid << 32) | V bits
    std::vector<std::uint64_t> weights;  // (snapshot << 56 | target << 28 | source), weight bits, pairs
    std::vector<std::uint64_t> samples;  // (gid << 40 | index) , value bits, pairs
    std::vector<std::uint64_t> rates;    // bits of every rate bin
    // [population][bin]: the rate bins as hooks::on_rates streamed them (a resumed run: those of the
    // first part before the checkpoint, then its own), each bin once, in order.
    std::vector<std::vector<double>> streamed;
    engine::homeostasis_trace homeostasis;
    std::vector<std::uint64_t> phases;  // the /phases table, every field as bits, row by row
    engine::phase_trace phase_weight;
};

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

// Every rank's values, concatenated (the spike exchange is an allgather).
std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& local) {
    std::vector<std::uint64_t> all;
    world->exchange_spikes(local, all);
    return all;
}

engine::hooks collecting(outcome& o) {
    engine::hooks h;
    h.flush_every_ms = 37.0;
    h.on_spikes = [&o](const engine::spike_batch& b) {
        for (std::size_t k = 0; k < b.gids.size(); ++k)
            o.spikes.push_back((static_cast<std::uint64_t>(b.steps[k]) << 24) | b.gids[k]);
    };
    h.on_rates = [&o](const engine::rate_batch& b) {
        if (o.streamed.empty()) o.streamed.resize(b.rates.size());
        EXPECT_EQ(b.first, static_cast<std::int64_t>(o.streamed.front().size())) << "each bin once, in order";
        for (std::size_t p = 0; p < b.rates.size(); ++p)
            o.streamed[p].insert(o.streamed[p].end(), b.rates[p].begin(), b.rates[p].end());
    };
    return h;
}

void keep(const model::model_spec& spec, const engine::results& res, outcome& o) {
    for (const auto& fs : res.final_states)
        for (std::size_t k = 0; k < fs.gids.size(); ++k)
            o.v.push_back(fs.gids[k] << 32 | std::bit_cast<std::uint32_t>(fs.V_m[k]));
    for (std::size_t n = 0; n < res.snapshots.size(); ++n)
        for (std::size_t k = 0; k < res.snapshots[n].weights.size(); ++k) {
            const auto& s = res.snapshots[n];
            o.weights.push_back(static_cast<std::uint64_t>(n) << 56 | s.targets[k] << 28 | s.sources[k]);
            o.weights.push_back(std::bit_cast<std::uint32_t>(s.weights[k]));
        }
    for (const auto& t : res.traces)
        for (std::size_t k = 0; k < t.values.size(); ++k) {
            const std::uint64_t gid = t.gids[k % t.gids.size()];
            o.samples.push_back(gid << 40 | k / t.gids.size());
            o.samples.push_back(std::bit_cast<std::uint32_t>(t.values[k]));
        }
    // Phase snapshots join the weights, numbered from 128.
    for (std::size_t n = 0; n < res.phase_snapshots.size(); ++n)
        for (std::size_t k = 0; k < res.phase_snapshots[n].weights.size(); ++k) {
            const auto& s = res.phase_snapshots[n];
            o.weights.push_back(static_cast<std::uint64_t>(128 + n) << 56 | s.targets[k] << 28 | s.sources[k]);
            o.weights.push_back(std::bit_cast<std::uint32_t>(s.weights[k]));
        }
    EXPECT_TRUE(res.rates.empty()) << "streamed, not kept";
    for (const auto& r : o.streamed) {
        EXPECT_EQ(static_cast<std::int64_t>(r.size()), res.rate_bins) << "every bin of the run";
        for (const double x : r) o.rates.push_back(bits(x));
    }
    o.homeostasis = res.homeostasis;
    // The phases' rates and slow-wave activity, from the streamed bins (what synorm run reads back).
    engine::results table;
    table.phases = res.phases;
    table.rate_bin_steps = res.rate_bin_steps;
    table.rate_bins = res.rate_bins;
    engine::phase_rates(spec, table, [&](std::uint32_t p, std::int64_t first, std::int64_t count) {
        const auto at = o.streamed[p].begin() + first;
        return std::vector<double>(at, at + count);
    });
    for (const auto& row : table.phases) {
        o.phases.push_back(std::hash<std::string>{}(row.name));
        o.phases.insert(o.phases.end(), {row.kind, row.cycle, row.skipped ? 1u : 0u, bits(row.start), bits(row.end),
                                         bits(row.weight_start), bits(row.weight_end), bits(row.set_point),
                                         bits(row.renormalization), bits(row.weight_spared)});
        for (const double x : row.rate) o.phases.push_back(bits(x));
        for (const double x : row.swa) o.phases.push_back(bits(x));
        for (const double x : row.projection_start) o.phases.push_back(bits(x));
        for (const double x : row.projection_end) o.phases.push_back(bits(x));
    }
    o.phase_weight = res.phase_weight;
}

model::model_spec spec_under_test() {
    auto spec = test::plastic_network();
    spec.simulation.duration = 200.0;
    spec.recording.weights = {{0, {0.0, 80.0, 200.0}}, {4, {150.0}}};
    model::state_recorder_spec rec;
    rec.name = "probe";
    rec.population = 2;
    rec.ids = {0, 1, 2, 500, 999};
    rec.variables = {"V_m", "I_syn_ex"};
    rec.interval = 0.5;
    spec.recording.state.push_back(rec);
    // Adaptation currents are state too.
    auto& inh = spec.populations[1];
    inh.model = model::neuron_kind::lif_cond_exp_adapt;
    inh.params.a = 2.0;
    inh.params.b = 20.0;
    inh.params.tau_w = 100.0;
    rec.name = "adaptation";
    rec.population = 1;
    rec.ids = {3, 300};
    rec.variables = {"V_m", "w"};
    spec.recording.state.push_back(rec);
    // Branch gains, drive traces and the arrivals of an unfinished period are state too.
    auto& branches = spec.populations[2].branches;
    branches.enabled = true;
    branches.count = 3;
    branches.tau_activity = 30.0;
    branches.target_rate = 50.0;
    branches.tau = 100.0;
    branches.record = {0, 999};
    // Homeostasis state beyond the gains: the integral term and the glial boost with E_GABA
    // homeostasis on E, additive scaling on I (its offsets and w̄), normalization on C fed by a
    // plastic projection from a poisson_source population, chosen neurons' records.
    auto& e = spec.populations[0];
    e.scaling.tau_integral = 800.0;
    e.scaling.glial_gain = 2.0;
    e.e_gaba = {true, 3.0, 400.0, -90.0, -60.0};
    e.metaplasticity = {true, 3.0, 200.0, 0.1, 10.0};  // θ and the factor in force
    inh.tau_calcium = 100.0;
    inh.scaling = e.scaling;
    inh.scaling.mode = model::scaling_mode::additive;
    inh.scaling.target_rate = 20.0;
    spec.populations[2].normalization = {true, 2000.0};
    model::population_spec source;
    source.name = "S";
    source.size = 300;
    source.model = model::neuron_kind::poisson_source;
    source.params.rate = 20.0;
    source.rate_changes.push_back({120.0, 40.0});
    spec.populations.push_back(source);
    model::projection_spec sc = spec.projections[4];
    sc.name = "SC";
    sc.source = 3;
    sc.rule = model::connection_rule::fixed_indegree;
    sc.indegree = 30;
    spec.projections.push_back(sc);
    spec.recording.homeostasis.push_back({0, {0, 7, 2399}});
    return spec;
}

outcome straight(const model::model_spec& spec) {
    auto serial = comm::make_serial();
    engine::simulation sim(spec, *serial, 1);
    outcome o;
    keep(spec, sim.run(collecting(o)), o);
    return o;
}

// Runs on `first` with `first_threads` until a stop requested at `stop_ms`, writing the checkpoint
// to `path`; then resumes from the file on `second` with `second_threads`.
outcome stopped_and_resumed(const model::model_spec& spec, comm::communicator& first, int first_threads,
                            comm::communicator& second, int second_threads, const std::string& path, double stop_ms) {
    outcome o;
    std::int64_t stopped_at = -1;
    {
        engine::simulation sim(spec, first, first_threads);
        auto h = collecting(o);
        std::int64_t done = 0;
        h.on_progress = [&](std::int64_t d, std::int64_t) { done = d; };
        h.stop_requested = [&] { return static_cast<double>(done) * spec.simulation.dt >= stop_ms; };
        h.on_checkpoint = [&](const engine::checkpoint_state& state) {
            io::checkpoint_info info;
            info.config_yaml = "test";
            info.config_hash = io::config_hash(info.config_yaml);
            info.step = state.step;
            info.total_steps = state.total_steps;
            info.dt = spec.simulation.dt;  // the reader checks time = step · dt against the configuration
            info.time_ms = static_cast<double>(state.step) * info.dt;
            info.ranks = first.size();
            info.threads = first_threads;
            io::write_checkpoint(path, state, info, first);
        };
        const auto res = sim.run(h);
        stopped_at = res.stopped_at;
    }
    EXPECT_GT(stopped_at, 0);
    EXPECT_LT(stopped_at, static_cast<std::int64_t>(spec.simulation.duration / spec.simulation.dt));
    const auto state = io::read_checkpoint(path, spec, second.rank(), second.size());
    EXPECT_EQ(state.step, stopped_at);
    engine::simulation sim(spec, second, second_threads, state);
    outcome resumed;
    resumed.streamed = o.streamed;  // the bins before the checkpoint: what the output holds
    const auto res = sim.run(collecting(resumed));
    EXPECT_EQ(res.first_step, stopped_at);
    keep(spec, res, resumed);
    // Each part whole on every rank: gathered when it was spread over the ranks.
    const auto whole = [&](comm::communicator& c, std::vector<std::uint64_t>& v) {
        if (c.size() > 1) v = gather(v);
    };
    whole(first, o.spikes);
    for (auto* v : {&resumed.spikes, &resumed.v, &resumed.weights, &resumed.samples}) whole(second, *v);
    resumed.spikes.insert(resumed.spikes.end(), o.spikes.begin(), o.spikes.end());
    return resumed;
}

// Sorted pairs (key, value) of every rank.
std::vector<std::pair<std::uint64_t, std::uint64_t>> pairs(const std::vector<std::uint64_t>& flat) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> p;
    for (std::size_t k = 0; k + 1 < flat.size(); k += 2) p.emplace_back(flat[k], flat[k + 1]);
    std::sort(p.begin(), p.end());
    return p;
}

void expect_same(const outcome& reference, const outcome& got, const std::string& what) {
    auto spikes = got.spikes, v = got.v;
    std::sort(spikes.begin(), spikes.end());
    std::sort(v.begin(), v.end());
    auto ref_spikes = reference.spikes, ref_v = reference.v;
    std::sort(ref_spikes.begin(), ref_spikes.end());
    std::sort(ref_v.begin(), ref_v.end());
    ASSERT_GT(ref_spikes.size(), 1000u);
    EXPECT_EQ(spikes.size(), ref_spikes.size()) << what;
    EXPECT_TRUE(spikes == ref_spikes) << what << ": spikes";
    EXPECT_TRUE(v == ref_v) << what << ": final membrane potentials";
    const auto weights = pairs(got.weights), ref_weights = pairs(reference.weights);
    ASSERT_GT(ref_weights.size(), 10000u);
    EXPECT_TRUE(weights == ref_weights) << what << ": weight snapshots";
    EXPECT_TRUE(pairs(got.samples) == pairs(reference.samples)) << what << ": state samples";
    EXPECT_TRUE(got.rates == reference.rates) << what << ": rates";
    EXPECT_TRUE(got.homeostasis.times == reference.homeostasis.times) << what;
    EXPECT_TRUE(got.homeostasis.gain_ex == reference.homeostasis.gain_ex) << what << ": gains";
    EXPECT_TRUE(got.homeostasis.sensed_rate == reference.homeostasis.sensed_rate) << what << ": calcium";
    EXPECT_TRUE(got.homeostasis.w_mean == reference.homeostasis.w_mean) << what << ": mean weights";
    EXPECT_TRUE(got.homeostasis.w_std == reference.homeostasis.w_std) << what;
    EXPECT_TRUE(got.homeostasis.branch_gain == reference.homeostasis.branch_gain) << what << ": branch gains";
    EXPECT_TRUE(got.homeostasis.branch_gain_mean == reference.homeostasis.branch_gain_mean) << what;
    const auto &a = got.homeostasis, &b = reference.homeostasis;
    EXPECT_TRUE(a.gain_in == b.gain_in && a.gain_ex_std == b.gain_ex_std && a.E_in == b.E_in &&
                a.E_in_std == b.E_in_std)
        << what;
    EXPECT_TRUE(a.input_ex == b.input_ex && a.input_in == b.input_in) << what << ": input";
    EXPECT_TRUE(a.theta == b.theta && a.theta_std == b.theta_std) << what << ": sliding thresholds";
    EXPECT_TRUE(a.w_at_min == b.w_at_min && a.w_at_max == b.w_at_max) << what;
    EXPECT_EQ(a.w_quantiles.size(), b.w_quantiles.size()) << what;
    for (std::size_t j = 0; j < std::min(a.w_quantiles.size(), b.w_quantiles.size()); ++j) {
        EXPECT_EQ(a.w_quantiles[j].size(), b.w_quantiles[j].size()) << what;
        for (std::size_t k = 0; k < std::min(a.w_quantiles[j].size(), b.w_quantiles[j].size()); ++k)
            EXPECT_EQ(std::bit_cast<std::uint64_t>(a.w_quantiles[j][k]),
                      std::bit_cast<std::uint64_t>(b.w_quantiles[j][k]))
                << what;
    }
    ASSERT_EQ(a.recorded.size(), b.recorded.size()) << what;
    for (std::size_t k = 0; k < a.recorded.size(); ++k) {
        EXPECT_EQ(a.recorded[k].ids, b.recorded[k].ids) << what;
        EXPECT_TRUE(a.recorded[k].gain_ex == b.recorded[k].gain_ex && a.recorded[k].gain_in == b.recorded[k].gain_in &&
                    a.recorded[k].E_in == b.recorded[k].E_in && a.recorded[k].theta == b.recorded[k].theta)
            << what << ": chosen neurons";
    }
    EXPECT_TRUE(got.phases == reference.phases) << what << ": the phase table";
    const auto course = [](const engine::phase_trace& t) {
        std::vector<std::uint64_t> v;
        for (const auto* series : {&t.times, &t.weight, &t.gain})
            for (const double x : *series) v.push_back(bits(x));
        return v;
    };
    EXPECT_TRUE(course(got.phase_weight) == course(reference.phase_weight))
        << what << ": the phase weight course and SHY gain";
}

// A directory every rank agrees on, removed at the end.
struct scratch {
    std::string dir;
    scratch() {
        dir = (std::filesystem::temp_directory_path() / ("synorm_test_checkpoint_" + std::to_string(::getpid())))
                  .string();
        world->broadcast(dir, 0);
        if (world->rank() == 0) std::filesystem::create_directories(dir);
        world->barrier();
    }
    ~scratch() {
        world->barrier();
        if (world->rank() == 0) std::filesystem::remove_all(dir);
    }
};

}  // namespace

TEST(checkpoint, resumes_bitwise_on_other_layouts) {
    const auto spec = spec_under_test();
    const auto reference = straight(spec);
    // Plasticity and scaling did act before and after the stop.
    ASSERT_GT(reference.homeostasis.times.size(), 3u);
    EXPECT_NE(reference.homeostasis.gain_ex[0].back(), 1.0);
    EXPECT_NE(reference.homeostasis.branch_gain[2].back(), 1.0) << "branch gains moved";
    EXPECT_NE(reference.homeostasis.w_mean[0][1], reference.homeostasis.w_mean[0].back());
    EXPECT_NE(reference.homeostasis.E_in[0].back(), -80.0) << "E_GABA moved";
    EXPECT_NE(reference.homeostasis.theta[0].back(), 9.0) << "θ moved";
    EXPECT_GT(reference.homeostasis.gain_ex_std[2].back(), 0.0) << "normalization acted";
    scratch tmp;
    const int t = test_threads(), other = 3 - t;
    auto serial = comm::make_serial();
    const std::string R = std::to_string(world->size());
    // The world's layout (R × t) → one process, one thread (2×1 → 1×1 under mpirun -np 2).
    expect_same(reference, stopped_and_resumed(spec, *world, t, *serial, 1, tmp.dir + "/a.h5", 100.0),
                R + "x" + std::to_string(t) + " -> 1x1");
    // One process with two threads (each rank its own file) → the world with one thread (1×2 → 2×1).
    expect_same(
        reference,
        stopped_and_resumed(spec, *serial, 2, *world, 1, tmp.dir + "/b" + std::to_string(world->rank()) + ".h5", 90.0),
        "1x2 -> " + R + "x1");
    // The world with t threads → the world with the other count (2×1 → 2×2 and back).
    expect_same(reference, stopped_and_resumed(spec, *world, t, *world, other, tmp.dir + "/c.h5", 130.0),
                R + "x" + std::to_string(t) + " -> " + R + "x" + std::to_string(other));
}

// Rate bins of 2.3 ms, flushed every 37 ms: the checkpoint falls inside a bin, whose counts so far it
// keeps (the bins before it are in the output, streamed), and the resumed run completes that bin.
TEST(checkpoint, resumes_a_rate_bin_open_at_the_checkpoint_bitwise) {
    auto spec = spec_under_test();
    spec.recording.rate_bin = 2.3;
    const auto reference = straight(spec);
    ASSERT_EQ(reference.streamed.size(), spec.populations.size());
    ASSERT_EQ(reference.streamed.front().size(), 87u) << "200 ms in bins of 2.3 ms, the last one shorter";
    scratch tmp;
    auto serial = comm::make_serial();
    const std::string path = tmp.dir + "/open_bin" + std::to_string(world->rank()) + ".h5";
    expect_same(reference, stopped_and_resumed(spec, *serial, 2, *world, 1, path, 100.0),
                "1x2 -> " + std::to_string(world->size()) + "x1");
    const auto state = io::read_checkpoint(path, spec, 0, 1);
    const std::int64_t bin_steps = 23;
    ASSERT_NE(state.step % bin_steps, 0) << "the checkpoint is inside a bin";
    EXPECT_EQ(state.rate_first, state.step / bin_steps) << "every bin before it went to the output";
    ASSERT_EQ(state.rate_counts.size(), spec.populations.size()) << "one open bin, by population";
    EXPECT_GT(std::accumulate(state.rate_counts.begin(), state.rate_counts.end(), std::int64_t{0}), 0);
    ASSERT_EQ(state.rate_totals.size(), spec.populations.size());
    EXPECT_GT(state.rate_totals[0], 0) << "the flushed bins' spikes";
}

// Alpha currents carry a second variable per receptor, their drive, which a checkpoint must keep:
// population C (probed, plastic input, normalization) with lif_curr_alpha, stopped while input is
// rising.
TEST(checkpoint, resumes_alpha_currents_bitwise) {
    auto spec = spec_under_test();
    spec.populations[2].model = model::neuron_kind::lif_curr_alpha;
    const auto reference = straight(spec);
    ASSERT_FALSE(reference.samples.empty());
    scratch tmp;
    auto serial = comm::make_serial();
    // Each rank stops its own one-process run (its own file), then resumes on the world.
    expect_same(reference,
                stopped_and_resumed(spec, *serial, 1, *world, test_threads(),
                                    tmp.dir + "/alpha" + std::to_string(world->rank()) + ".h5", 100.3),
                "1x1 -> world");
}

// The network under test with a schedule: wake (more drive, no adaptation in I) for 120 ms, then NREM
// (its own drive, EE plasticity off, gains frozen) with SHY renormalization for 80 ms, and weight
// snapshots at each boundary. Renormalization is fast, so that G moves well away from 1.
model::model_spec scheduled_spec() {
    auto spec = spec_under_test();
    auto& schedule = spec.schedule;
    schedule.cycles = 1;
    schedule.snapshots = true;
    schedule.renormalization.enabled = true;
    schedule.renormalization.set_point = model::renormalization_spec::reference::value;
    schedule.renormalization.mean_weight = 2.0;
    schedule.renormalization.tau = 60.0;
    model::phase_spec wake;
    wake.name = "wake";
    wake.kind = model::phase_kind::wake;
    wake.duration = 120.0;
    wake.inputs = {{0, 14.0, 100}};
    wake.params = {{1, "b", &model::neuron_params::b, 0.0}};
    model::phase_spec nrem;
    nrem.name = "nrem";
    nrem.kind = model::phase_kind::nrem;
    nrem.duration = 80.0;
    nrem.inputs = {{0, 6.0, 100}};
    nrem.learning_rate.assign(spec.projections.size(), 1.0);
    nrem.learning_rate[0] = 0.0;
    nrem.scaling_rate = 0.0;
    nrem.renormalize = true;
    schedule.phases = {wake, nrem};
    return spec;
}

// Without hooks::on_rates (a library user's run) the engine keeps every bin in results::rates and fills
// the phases' rates and slow-wave activity itself: the same bits as the streamed bins and the table
// computed from them.
TEST(checkpoint, without_on_rates_a_run_keeps_every_rate_bin) {
    const auto spec = scheduled_spec();
    const auto streamed = straight(spec);
    auto serial = comm::make_serial();
    engine::simulation sim(spec, *serial, 1);
    outcome kept;
    auto h = collecting(kept);
    h.on_rates = nullptr;
    const auto res = sim.run(h);
    ASSERT_EQ(res.rates.size(), spec.populations.size());
    EXPECT_EQ(res.rates.front().size(), 200u);
    EXPECT_EQ(res.group_rates.size(), 0u);
    std::vector<std::uint64_t> rates, phases;
    for (const auto& r : res.rates)
        for (const double x : r) rates.push_back(bits(x));
    EXPECT_TRUE(rates == streamed.rates);
    ASSERT_EQ(res.phases.size(), 2u);
    for (const auto& row : res.phases) {
        EXPECT_FALSE(std::isnan(row.rate[0]));
        EXPECT_EQ(row.swa[0], 0.0) << "phases shorter than the 2 s that 0.5 Hz needs";
        phases.insert(phases.end(), {bits(row.rate[0]), bits(row.swa[0]), bits(row.rate[2]), bits(row.swa[2])});
    }
    // The streamed table, row by row: 11 fields, then rate and swa by population.
    const std::size_t P = spec.populations.size(), row = 11 + 2 * P + 2 * spec.projections.size();
    for (std::size_t k = 0; k < 2; ++k) {
        const auto at = streamed.phases.begin() + static_cast<std::ptrdiff_t>(k * row + 11);
        EXPECT_EQ(phases[4 * k], at[0]) << "rate of phase " << k;
        EXPECT_EQ(phases[4 * k + 1], at[P]) << "swa of phase " << k;
        EXPECT_EQ(phases[4 * k + 2], at[2]);
        EXPECT_EQ(phases[4 * k + 3], at[P + 2]);
    }
}

// A phase change with renormalization (wake → NREM at 120 ms) falls in the resumed part; one stop
// lands just before it (at the last interval of wake), one at it, one in wake and one inside NREM,
// while G relaxes.
TEST(checkpoint, resumes_a_schedule_bitwise_across_a_phase_change) {
    const auto spec = scheduled_spec();
    const auto reference = straight(spec);
    ASSERT_EQ(reference.phases.size(), 2u * (11 + 2 * spec.populations.size() + 2 * spec.projections.size()));
    ASSERT_FALSE(reference.phase_weight.gain.empty());
    EXPECT_LT(reference.phase_weight.gain.back(), 0.99) << "SHY renormalized";
    scratch tmp;
    const int t = test_threads();
    auto serial = comm::make_serial();
    const std::string R = std::to_string(world->size());
    expect_same(reference, stopped_and_resumed(spec, *world, t, *serial, 1, tmp.dir + "/s.h5", 119.0),
                "schedule, " + R + "x" + std::to_string(t) + " -> 1x1 before the phase change");
    expect_same(
        reference,
        stopped_and_resumed(spec, *serial, 2, *world, 1, tmp.dir + "/t" + std::to_string(world->rank()) + ".h5", 60.0),
        "schedule, 1x2 -> " + R + "x1 in wake");
    expect_same(reference, stopped_and_resumed(spec, *world, t, *world, 3 - t, tmp.dir + "/u.h5", 150.0),
                "schedule, " + R + "x" + std::to_string(t) + " -> " + R + "x" + std::to_string(3 - t) + " in NREM");
    expect_same(reference, stopped_and_resumed(spec, *world, t, *serial, 2, tmp.dir + "/v.h5", 119.5),
                "schedule, " + R + "x" + std::to_string(t) + " -> 1x2 at the phase change");
}

// Selective renormalization: the spare thresholds taken at the NREM start travel with the checkpoint.
TEST(checkpoint, resumes_selective_renormalization_bitwise) {
    auto spec = scheduled_spec();
    spec.schedule.renormalization.mode = model::renormalization_spec::selectivity::selective;
    const auto reference = straight(spec);
    EXPECT_LT(reference.phase_weight.gain.back(), 0.99) << "SHY renormalized";
    scratch tmp;
    const int t = test_threads();
    const std::string R = std::to_string(world->size());
    expect_same(reference, stopped_and_resumed(spec, *world, t, *world, 3 - t, tmp.dir + "/sel.h5", 150.0),
                "selective, " + R + "x" + std::to_string(t) + " -> " + R + "x" + std::to_string(3 - t) + " in NREM");
}

TEST(checkpoint, a_stop_request_is_honoured_at_the_next_interval_start_and_not_in_the_last) {
    auto spec = spec_under_test();
    spec.simulation.duration = 20.0;
    for (const bool last : {false, true}) {
        engine::simulation sim(spec, *world, test_threads());
        const std::int64_t total = 200, D = sim.min_delay_steps();
        engine::hooks h;
        std::int64_t done = 0;
        int checkpoints = 0;
        h.on_progress = [&](std::int64_t d, std::int64_t) { done = d; };
        // Asked on one rank only: the exchange carries it to the others.
        h.stop_requested = [&] { return world->rank() == world->size() - 1 && (!last || done + D >= total); };
        h.on_checkpoint = [&](const engine::checkpoint_state& s) {
            ++checkpoints;
            EXPECT_EQ(s.step, D);
        };
        const auto res = sim.run(h);
        EXPECT_EQ(checkpoints, last ? 0 : 1);
        EXPECT_EQ(res.stopped_at, last ? -1 : D) << "a request in the last interval lets the run finish";
    }
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    comm::mpi_session mpi(argc, argv);
    auto w = mpi.world();
    world = w.get();
    if (world->rank() != 0) {
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        delete listeners.Release(listeners.default_result_printer());
    }
    const int local = RUN_ALL_TESTS();
    return static_cast<int>(world->max(local));
}
