#include "synorm/engine/memory_estimate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>

#include "synorm/model/time_steps.hpp"

namespace synorm::engine {

namespace {

constexpr double mib = 1024.0 * 1024.0;

// Bytes as a count, saturating at 2^64 - 1: a configuration far beyond any machine must read as
// huge, never wrap to a small number (a double beyond 2^64 converted to uint64 is undefined).
std::uint64_t bytes(double b) {
    if (!(b < 18446744073709551616.0)) return std::numeric_limits<std::uint64_t>::max();  // 2^64; also NaN
    return b > 0 ? static_cast<std::uint64_t>(b) : 0;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

// Mean synapses of a projection over the whole network.
double expected_total(const model::projection_spec& p, double n_source, double n_target) {
    switch (p.rule) {
    case model::connection_rule::fixed_indegree: return static_cast<double>(p.indegree) * n_target;
    case model::connection_rule::pairwise_bernoulli: return p.probability * n_source * n_target;
    case model::connection_rule::fixed_total_number: return static_cast<double>(p.total_number);
    case model::connection_rule::one_to_one: return n_target;
    case model::connection_rule::all_to_all: return n_source * n_target;
    }
    return 0.0;
}

}  // namespace

std::uint64_t memory_estimate::peak() const {
    std::uint64_t sum = std::max(build, saturating_add(recorders, checkpoint));
    for (const std::uint64_t part : {baseline, neurons, synapses, ring_buffers}) sum = saturating_add(sum, part);
    return sum;
}

std::string memory_estimate::describe() const {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "  neurons        %9.1f MiB\n  synapses       %9.1f MiB  (%llu expected on this rank)\n"
                  "  ring buffers   %9.1f MiB\n  build (temp.)  %9.1f MiB\n  recorders      %9.1f MiB\n"
                  "  checkpoint     %9.1f MiB%s\n  libraries      %9.1f MiB\n  peak           %9.1f MiB\n",
                  neurons / mib, synapses / mib, static_cast<unsigned long long>(expected_synapses), ring_buffers / mib,
                  build / mib, recorders / mib, checkpoint / mib,
                  checkpoint ? "  (the state copied while one is written)" : "  (no checkpoints)", baseline / mib,
                  peak() / mib);
    return buf;
}

memory_estimate estimate_memory(const model::model_spec& spec, int ranks, int threads, bool checkpointing) {
    memory_estimate m;
    const double P = ranks, T = threads;
    // Summed in double: sizes the loader would refuse must still not wrap in a 64-bit sum.
    double total_neurons = 0.0;
    for (const auto& pop : spec.populations) total_neurons += static_cast<double>(pop.size);
    const double local_neurons = std::ceil(total_neurons / P);
    // Per neuron: V, x_ex, x_in, I_dc, refractory, spike scratch (4 B each) and the gid (8 B).
    // An adaptation current (4 B) for every neuron of the thread when any population adapts, and the
    // drives of two alpha currents (8 B) when any population has them.
    const auto any_model = [&](model::neuron_kind kind) {
        return std::any_of(spec.populations.begin(), spec.populations.end(),
                           [&](const auto& pop) { return pop.model == kind; });
    };
    const double extra = (any_model(model::neuron_kind::lif_cond_exp_adapt) ? 4.0 : 0.0) +
                         (any_model(model::neuron_kind::lif_curr_alpha) ? 8.0 : 0.0);
    m.neurons = bytes(local_neurons * (32.0 + extra));

    double synapses = 0.0, plastic = 0.0, largest_projection = 0.0, rows = 0.0, plastic_rows = 0.0;
    for (const auto& p : spec.projections) {
        const double s = expected_total(p, static_cast<double>(spec.populations[p.source].size),
                                        static_cast<double>(spec.populations[p.target].size)) /
                         P;
        synapses += s;
        largest_projection = std::max(largest_projection, s / T);
        rows += (static_cast<double>(spec.populations[p.source].size) + 1.0) * T;  // row index per thread
        if (p.plasticity.rule != model::stdp_rule::none) {
            plastic += s;
            // Per thread: the row state (last spike, traces: 16 B per source) and the incoming index's
            // offsets (8 B per neuron of the thread).
            plastic_rows += static_cast<double>(spec.populations[p.source].size) * T * 16.0 + local_neurons * 8.0;
        }
    }
    m.expected_synapses = bytes(synapses);
    // Vectors grow to their exact size during the sort; 8 bytes per synapse plus 8 per row, and 4 more
    // per plastic synapse for the incoming index.
    m.synapses = bytes(synapses * 8.0 + rows * 8.0 + plastic * 4.0 + plastic_rows);
    // While one projection is sorted, a thread holds its unsorted copy (12 B per synapse, reserved with
    // 5 % slack) and a fill cursor per row; all threads build at once.
    m.build = bytes(T * (largest_projection * 12.0 * 1.05) + rows * 8.0);

    // Ring buffers: slots = next power of two above the longest delay drawn (engine/build.cpp), two
    // receptors, 4 B per neuron. A normal or lognormal delay is bounded by its max (the loader sets one
    // at the delay field's limit) but is expected to stay within six standard deviations of its mean.
    std::uint64_t longest = spec.min_delay_steps();
    for (const auto& p : spec.projections) {
        const model::distribution& d = p.delay;
        double high = d.upper_bound();  // ms
        if (d.shape == model::distribution::kind::normal || d.shape == model::distribution::kind::lognormal)
            high = std::min(high, d.mean + 6.0 * d.sd);
        if (!std::isfinite(high)) continue;
        const std::int64_t steps = model::to_steps(high, spec.simulation.dt);
        longest = std::max<std::uint64_t>(longest, static_cast<std::uint64_t>(std::max<std::int64_t>(0, steps)));
    }
    const double slots = longest < (std::uint64_t{1} << 62)
                             ? static_cast<double>(std::bit_ceil(longest + 1))
                             : std::exp2(std::ceil(std::log2(static_cast<double>(longest) + 1.0)));
    m.ring_buffers = bytes(2.0 * slots * local_neurons * 4.0);

    // Recorders: spikes between flushes (every simulated second: 16 B per spike at a generous 50 Hz),
    // state traces, weight snapshots, rate bins.
    double rec = local_neurons * 50.0 * 16.0;
    for (const auto& r : spec.recording.state) {
        const double samples = spec.simulation.duration / std::max(r.interval, spec.simulation.dt);
        rec += samples * static_cast<double>(r.ids.size() * r.variables.size()) * 4.0 * 2.0 / P;
    }
    for (const auto& w : spec.recording.weights) {
        const auto& p = spec.projections[w.projection];
        rec += static_cast<double>(w.times.size()) * 20.0 *
               expected_total(p, static_cast<double>(spec.populations[p.source].size),
                              static_cast<double>(spec.populations[p.target].size)) /
               P;
    }
    if (spec.recording.rate_bin > 0)
        rec += static_cast<double>(spec.populations.size()) * T * 8.0 * spec.simulation.duration /
               std::max(spec.recording.rate_bin, spec.simulation.dt);
    m.recorders = bytes(rec);
    // engine::checkpoint_state: synapse lists, ~20 per-neuron words, pending input as (gid, lag, value)
    if (checkpointing)
        m.checkpoint =
            bytes(synapses * 10.0 + local_neurons * (12.0 * static_cast<double>(spec.projections.size()) + 160.0) +
                  static_cast<double>(m.ring_buffers) * 4.0);
    m.baseline = 24ull << 20;  // measured: an empty run's resident size with MPI and HDF5 loaded
    return m;
}

}  // namespace synorm::engine
