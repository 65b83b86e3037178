// Stimulus patterns: the group draw, which onsets a schedule presents, the jitter, and the engine's
// drive against the rule — every spike of a network with no other input falls in a member's window.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/model/phase_schedule.hpp"
#include "synorm/model/stimulus_pattern.hpp"

using namespace synorm;

TEST(patterns, random_group_is_a_sorted_distinct_seeded_subset) {
    const auto g = model::random_group(7, 0, 1000, 100);
    ASSERT_EQ(g.size(), 100u);
    EXPECT_TRUE(std::is_sorted(g.begin(), g.end()));
    EXPECT_EQ(std::set<std::uint64_t>(g.begin(), g.end()).size(), 100u);
    EXPECT_LT(g.back(), 1000u);
    EXPECT_EQ(g, model::random_group(7, 0, 1000, 100)) << "a function of (seed, index) alone";
    EXPECT_NE(g, model::random_group(8, 0, 1000, 100));
    EXPECT_NE(g, model::random_group(7, 1, 1000, 100)) << "each pattern draws its own group";
    // Not a range: the ids spread over the population.
    EXPECT_LT(g.front(), 100u);
    EXPECT_GT(g.back(), 900u);
    const auto all = model::random_group(3, 0, 10, 10);
    for (std::uint64_t i = 0; i < 10; ++i) EXPECT_EQ(all[i], i);
}

TEST(patterns, onsets_by_hand) {
    model::pattern_spec p;
    p.start = 50.0;
    p.period = 300.0;
    p.duration = 100.0;
    p.stop = 1000.0;
    const model::schedule_spec none;
    // dt 0.1 ms: onsets 50, 350, 650, 950 ms (1250 ≥ stop) → steps 500, 3500, 6500, 9500.
    auto shown = model::presentations(p, 0, none, {}, 0.1, 20000);
    ASSERT_EQ(shown.size(), 4u);
    const std::int64_t expected[] = {500, 3500, 6500, 9500};
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_EQ(shown[k].onset, expected[k]);
        EXPECT_EQ(shown[k].k, k);
    }
    // The end of the run cuts them too: a run of 700 ms (7000 steps) sees three.
    EXPECT_EQ(model::presentations(p, 0, none, {}, 0.1, 7000).size(), 3u);
    // An onset exactly at stop is not presented.
    p.stop = 950.0;
    EXPECT_EQ(model::presentations(p, 0, none, {}, 0.1, 20000).size(), 3u);
}

TEST(patterns, a_schedule_presents_them_in_the_phases_that_list_them) {
    model::schedule_spec s;
    s.cycles = 2;
    model::phase_spec wake, nrem;
    wake.kind = model::phase_kind::wake;
    wake.duration = 1000.0;
    wake.patterns = {1};
    nrem.kind = model::phase_kind::nrem;
    nrem.duration = 1000.0;
    nrem.patterns = {0};
    s.phases = {wake, nrem};
    model::pattern_spec p;
    p.start = 0.0;
    p.period = 250.0;
    p.duration = 100.0;
    // Onsets every 250 ms over 4 s; wake is [0, 1), [2, 3) s: k = 0–3 and 8–11.
    auto runs = model::expand(s, 1.0);
    auto shown = model::presentations(p, 0, s, runs, 1.0, 4000);
    std::vector<std::uint64_t> ks;
    for (const auto& q : shown) ks.push_back(q.k);
    EXPECT_EQ(ks, (std::vector<std::uint64_t>{0, 1, 2, 3, 8, 9, 10, 11}));
    // Sleep deprivation: the skipped NREM runs with wake's settings, so the pattern goes on.
    s.phases[1].skip = {0};
    runs = model::expand(s, 1.0);
    shown = model::presentations(p, 0, s, runs, 1.0, 4000);
    EXPECT_EQ(shown.size(), 12u);
}

TEST(patterns, jitter_is_uniform_on_whole_steps_and_seeded) {
    EXPECT_EQ(model::jitter_offset(1, 0, 5, 0, 0), 0);
    std::vector<int> seen(11, 0);
    double sum = 0;
    for (std::uint64_t gid = 0; gid < 20000; ++gid) {
        const auto d = model::jitter_offset(1, 0, gid, 3, 10);
        ASSERT_GE(d, 0);
        ASSERT_LE(d, 10);
        ++seen[static_cast<std::size_t>(d)];
        sum += static_cast<double>(d);
    }
    for (const int n : seen) EXPECT_GT(n, 1500) << "every offset 0 … 10 occurs (expected ≈ 1818 each)";
    EXPECT_NEAR(sum / 20000.0, 5.0, 0.1);
    EXPECT_EQ(model::jitter_offset(1, 0, 42, 3, 10), model::jitter_offset(1, 0, 42, 3, 10));
}

TEST(patterns, cue_size_rounds_the_fraction) {
    model::pattern_spec p;
    p.group = {1, 2, 3, 4, 5, 6, 7};
    p.cue = 0.5;
    EXPECT_EQ(p.cue_size(), 4u);  // 3.5 rounds away from zero
    p.cue = 0.3;
    EXPECT_EQ(p.cue_size(), 2u);
}

// Neurons that fire at every input event (lif_delta, threshold 0.5 mV above rest, 1 mV events, no
// refractory time) and get no other input: their spikes are exactly the steps the drive covers.
TEST(patterns, the_engine_drives_each_member_exactly_in_its_windows) {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 300.0;
    spec.simulation.seed = 11;
    model::population_spec pop;
    pop.name = "E";
    pop.size = 50;
    pop.model = model::neuron_kind::lif_delta;
    pop.params.E_L = pop.params.V_reset = -65.0;
    pop.params.V_th = -64.5;
    pop.params.t_ref = 0.0;
    pop.V_init = model::distribution::constant_value(-65.0);
    spec.populations.push_back(pop);
    model::pattern_spec p;
    p.name = "A";
    p.group = model::random_group(4, 0, 50, 10);
    p.start = 20.0;
    p.period = 100.0;
    p.duration = 10.0;
    p.stop = 250.0;
    p.jitter = 2.0;
    p.rate = 5000.0;  // λ = 0.5 per step
    p.weight = 1.0;   // mV
    p.probe_times = {270.0};
    p.probe_duration = 5.0;
    p.window = 20.0;
    p.cue = 0.4;  // 4 of 10
    spec.patterns.push_back(p);
    spec.recording.spike_populations = {0};

    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 1);
    std::vector<std::pair<std::int64_t, std::uint64_t>> spikes;
    engine::hooks h;
    h.on_spikes = [&](const engine::spike_batch& b) {
        for (std::size_t i = 0; i < b.gids.size(); ++i) spikes.emplace_back(b.steps[i], b.gids[i]);
    };
    const auto res = sim.run(h);
    ASSERT_EQ(res.patterns.size(), 1u);
    EXPECT_EQ(res.patterns[0].onsets, (std::vector<double>{20.0, 120.0, 220.0}));
    const std::int64_t J = 20, L = 100;                             // steps
    std::set<std::pair<std::uint64_t, std::uint64_t>> windows_hit;  // (presentation, gid)
    std::int64_t probe_cued = 0;
    for (const auto& [s, gid] : spikes) {
        ASSERT_TRUE(std::binary_search(p.group.begin(), p.group.end(), gid))
            << "neuron " << gid << " is not in the group";
        if (s >= 2700) {  // the probe: cued members only, for 5 ms
            EXPECT_LT(std::lower_bound(p.group.begin(), p.group.end(), gid) - p.group.begin(), 4)
                << "an uncued member fired";
            EXPECT_LT(s, 2750);
            ++probe_cued;
            continue;
        }
        bool inside = false;
        for (std::uint64_t k = 0; k < 3; ++k) {
            const std::int64_t on = 200 + static_cast<std::int64_t>(k) * 1000 + model::jitter_offset(11, 0, gid, k, J);
            if (s >= on && s < on + L) {
                inside = true;
                windows_hit.insert({k, gid});
            }
        }
        EXPECT_TRUE(inside) << "spike of " << gid << " at step " << s << " outside its windows";
    }
    EXPECT_EQ(windows_hit.size(), 30u) << "every member fires in every presentation";
    // The probe window [270, 290) ms counts those spikes: all cued, none uncued, none outside.
    const auto& c = res.patterns[0].probe_spikes;
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0], 0);
    EXPECT_EQ(c[1], 0);
    EXPECT_EQ(c[2], probe_cued);
    EXPECT_GT(probe_cued, 40);
}
