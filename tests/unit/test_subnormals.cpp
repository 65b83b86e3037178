// Subnormals are flushed to zero in every thread that runs the engine's kernels (model/subnormals.hpp):
// a conductance that decays after its input stops reaches exactly 0 instead of crawling through the
// subnormal range, and the caller's floating-point mode is the same after the run as before.
#include <gtest/gtest.h>

#include <omp.h>

#include <cfloat>
#include <cmath>
#include <mutex>
#include <set>

#include "synorm/comm/communicator.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/model/subnormals.hpp"

using namespace synorm;

namespace {

// 32 conductance-based cells that get 2 ms of Poisson input and then none for 700 ms: g_ex decays by
// e^(−0.1/5) per step, from ~1 nS through 1.2e-38 (after ~440 ms) to below the smallest subnormal.
model::model_spec decaying_network() {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 700.0;
    model::population_spec p;
    p.name = "T";
    p.size = 32;
    p.model = model::neuron_kind::lif_cond_exp;
    p.params.tau_syn_ex = 5.0;
    p.V_init = model::distribution::constant_value(-70.0);
    spec.populations.push_back(p);
    model::poisson_input_spec drive;
    drive.population = 0;
    drive.count = 32;
    drive.rate = 2000.0;
    drive.weight = 1.0;
    drive.stop = 2.0;
    spec.poisson_inputs.push_back(drive);
    model::state_recorder_spec rec;
    rec.name = "g";
    rec.population = 0;
    for (std::uint64_t i = 0; i < 32; ++i) rec.ids.push_back(i);
    rec.variables = {"g_ex"};
    rec.interval = 0.1;
    spec.recording.state.push_back(rec);
    return spec;
}

}  // namespace

TEST(subnormals, a_decaying_conductance_reaches_zero_without_passing_through_subnormals) {
    if (!model::flush_subnormals::supported()) GTEST_SKIP() << "no flush-to-zero mode on this architecture";
    ASSERT_FALSE(model::flush_subnormals::active()) << "the test starts in the default mode";
    const auto spec = decaying_network();
    auto comm = comm::make_serial();
    engine::simulation sim(spec, *comm, 2);
    std::mutex m;
    std::set<int> flushing, not_flushing;  // threads seen inside the loop
    engine::hooks h;
    h.on_thread_interval = [&](int thread, std::int64_t) {
        const bool on = model::flush_subnormals::active();
        const std::lock_guard<std::mutex> lock(m);
        (on ? flushing : not_flushing).insert(thread);
    };
    const auto res = sim.run(h);
    EXPECT_EQ(flushing, (std::set<int>{0, 1})) << "every thread flushes subnormals";
    EXPECT_TRUE(not_flushing.empty());
    EXPECT_FALSE(model::flush_subnormals::active()) << "the caller's mode is restored";
    ASSERT_EQ(res.traces.size(), 1u);
    const auto& g = res.traces[0].values;
    ASSERT_EQ(g.size(), 7000u * 32u);
    std::size_t subnormal = 0, positive_early = 0;
    for (std::size_t k = 0; k < g.size(); ++k) {
        subnormal += std::fpclassify(g[k]) == FP_SUBNORMAL;
        positive_early += k < 100 * 32 && g[k] > 0.0f;
    }
    EXPECT_GT(positive_early, 0u) << "the input arrived";
    EXPECT_EQ(subnormal, 0u) << "no conductance is ever subnormal";
    for (std::size_t i = g.size() - 32; i < g.size(); ++i) EXPECT_EQ(g[i], 0.0f) << "decayed to exactly 0";
}
