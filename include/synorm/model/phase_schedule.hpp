// The schedule of a run: phases (wake, NREM, REM, custom) that change drive, neuron parameters and
// how fast plasticity and homeostasis run, repeated for a number of cycles (src/README.md decision 8),
// and the sleep renormalization of NREM phases (SHY, Tononi & Cirelli 2014) as a global gain
// (decision 4). Plain structs in internal units, as model_spec.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace synorm::model {

struct neuron_params;

enum class phase_kind { wake, nrem, rem, custom };

// What a phase changes. Every phase starts from the configuration as written: a setting that a phase
// does not give is the configured one, not the previous phase's.
struct phase_spec {
    std::string name;
    phase_kind kind = phase_kind::custom;
    double duration =
        0.0;  // ms, a whole number of homeostasis periods (of communication intervals without homeostasis)
    struct input_setting {
        std::uint32_t input = 0;  // index into model_spec::poisson_inputs
        double rate = 0.0;        // Hz per source
        std::uint64_t sources = 0;
    };
    std::vector<input_setting> inputs;
    struct param_setting {
        std::uint32_t population = 0;
        std::string key;  // the neuron map's key ("b", "I_e")
        double neuron_params::*member = nullptr;
        double value = 0.0;  // internal unit of the parameter
    };
    std::vector<param_setting> params;
    // Factor on A_plus and A_minus of each plastic projection (0 = plasticity off); empty: all 1.
    std::vector<double> learning_rate;  // by projection
    // Factor on the rate of synaptic scaling (the inverse time constants); 0 freezes the gains.
    double scaling_rate = 1.0;
    // SHY renormalization runs in this phase (default: NREM phases, when schedule.renormalization is on).
    bool renormalize = false;
    std::vector<std::uint64_t> skip;  // cycle indices in which this phase is skipped
    // By pattern (model_spec::patterns): presented in this phase (default: in wake phases only).
    std::vector<std::uint8_t> patterns;
};

// SHY renormalization: during a renormalizing phase, a global gain G on every excitatory plastic
// projection relaxes with time constant tau toward the value that brings the network's total
// excitatory plastic weight W = G·Σw down to the set point W*:
//   G ← G* + (G − G*)·exp(−H/tau),   G* = min(1, W*/Σw)
// once per homeostasis period H. Never above 1: sleep only scales down. At the end of the phase G is
// folded into the weights (w ← w·G, G ← 1). Every ratio between weights is preserved.
// Selective mode (de Vivo et al. 2017: after sleep most synapses had shrunk, the largest had not):
// the synapses whose w is at or above the phase's spare threshold θ keep their weight, and G acts on
// the others only, W = S + G·U (S, U: Σw at or above θ and below it), G* = clamp((W* − S)/U, 0, 1).
// θ is taken per projection at the start of each renormalizing phase: the lowest edge of the 1000-bin
// histogram of w over [w_min, w_max] (the global reduction's) above which at most a fraction `spare`
// of the projection's synapses lie. Ratios are preserved within each of the two groups.
// Scope group: each group of populations (population_spec::group, the areas of a multi-area model)
// has its own W_g (Σ over the renormalized projections onto its populations), its own set point
// W*_g (W_g at the moment the network's W* is taken) and its own gain G_g by the same rule, all
// from the same global reduction; every renormalized projection must target a population of a group.
struct renormalization_spec {
    bool enabled = false;
    enum class reference { first_wake, start, value } set_point = reference::first_wake;
    double mean_weight = 0.0;  // receptor unit: W* = mean_weight · synapses, when set_point is value
    double tau = 1000.0;       // ms
    enum class selectivity { proportional, selective } mode = selectivity::proportional;
    double spare = 0.2;  // selective: fraction of each projection's strongest synapses spared
    enum class extent { network, group } scope = extent::network;
};

struct schedule_spec {
    std::vector<phase_spec> phases;
    std::uint64_t cycles = 1;
    renormalization_spec renormalization;
    bool snapshots = false;  // weights of every plastic projection at every phase boundary
    bool enabled() const { return !phases.empty(); }
};

// One phase as it runs: an entry of the schedule expanded over its cycles. A skipped phase keeps its
// time slot (so cycles stay aligned with those of a control run) and the previous phase's settings.
struct phase_run {
    std::uint32_t phase = 0;     // index into schedule_spec::phases: the name in the record
    std::uint32_t settings = 0;  // the phase whose settings are in force (itself unless skipped)
    std::uint64_t cycle = 0;
    std::int64_t start = 0, end = 0;  // steps [start, end)
    bool skipped = false;
};

std::vector<phase_run> expand(const schedule_spec& schedule, double dt);

// One homeostasis period of SHY renormalization (renormalization_spec): the new gain.
// `spared`: Σw of the synapses G does not act on (selective mode; 0 otherwise), `sum_w`: Σw of the rest.
inline double renormalized_gain(double G, double W_target, double spared, double sum_w, double H_ms, double tau_ms) {
    const double G_star = sum_w > 0.0 ? std::fmax(0.0, std::fmin(1.0, (W_target - spared) / sum_w)) : 1.0;
    return G_star + (G - G_star) * std::exp(-H_ms / tau_ms);
}

}  // namespace synorm::model
