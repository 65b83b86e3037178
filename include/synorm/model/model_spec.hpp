// The validated description of one run: what config::load produces and everything below it reads.
// Plain structs in internal units, no YAML. Internal units: time ms, voltage mV, capacitance pF,
// conductance nS, current pA, rate Hz (so pA/pF = mV/ms and nS·mV = pA).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "synorm/model/phase_schedule.hpp"
#include "synorm/model/shared_list.hpp"
#include "synorm/model/stimulus_pattern.hpp"

namespace synorm::model {

enum class neuron_kind {
    lif_delta,     // voltage jumps (mV) on spike arrival; NEST iaf_psc_delta
    lif_curr_exp,  // exponentially decaying currents (pA); NEST iaf_psc_exp
    lif_cond_exp,  // exponentially decaying conductances (nS) with reversal potentials; NEST iaf_cond_exp
    // lif_cond_exp with an adaptation current w (pA): τ_w dw/dt = a (V − E_L) − w, w += b at each
    // spike, −w in the membrane equation; NEST aeif_cond_exp's equations with Δ_T = 0
    lif_cond_exp_adapt,
    // alpha-shaped currents (pA): a spike of weight w gives the PSC w·(t/τ_syn)·e^(1 − t/τ_syn), which
    // peaks at w at t = τ_syn; NEST iaf_psc_alpha
    lif_curr_alpha,
    // lif_curr_exp with lif_cond_exp_adapt's adaptation current w (pA): −w in the membrane equation
    lif_curr_exp_adapt,
    // Not a neuron: each member fires an independent Poisson spike train of `rate` (model/poisson_source.hpp),
    // so projections from it are ordinary (and may be plastic). It takes no input.
    poisson_source,
};

// The models with an adaptation current w (lif_cond_exp_adapt, lif_curr_exp_adapt).
constexpr bool adapts(neuron_kind kind) {
    return kind == neuron_kind::lif_cond_exp_adapt || kind == neuron_kind::lif_curr_exp_adapt;
}

enum class cell_type { excitatory, inhibitory };  // Dale's law: the receptor of every outgoing synapse

// A scalar drawn per neuron or per synapse. Internal units of the quantity it describes.
struct distribution {
    enum class kind { constant, normal, uniform, lognormal } shape = kind::constant;
    double value = 0.0;            // constant
    double mean = 0.0, sd = 0.0;   // normal; lognormal: mean and sd of the value itself (not of its log)
    double low = 0.0, high = 0.0;  // uniform [low, high)
    // Clipping bounds applied to normal and lognormal draws by redrawing (at most 1000 times, then
    // clamping). Infinite when unset.
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();

    static distribution constant_value(double v) {
        distribution d;
        d.value = v;
        return d;
    }
    // Smallest value a draw can take (after clipping); used to check delays and weight signs.
    double lower_bound() const;
    double upper_bound() const;
    // Expected value before clipping (used for sign checks and memory estimates).
    double nominal_mean() const;
};

struct neuron_params {
    double C_m = 250.0;       // pF
    double tau_m = 10.0;      // ms (membrane time constant; g_L = C_m / tau_m)
    double E_L = -65.0;       // mV
    double V_th = -50.0;      // mV
    double V_reset = -65.0;   // mV
    double t_ref = 2.0;       // ms
    double tau_syn_ex = 0.5;  // ms, lif_curr_exp, lif_curr_alpha and lif_cond_exp
    double tau_syn_in = 0.5;  // ms, lif_curr_exp, lif_curr_alpha and lif_cond_exp
    double E_ex = 0.0;        // mV, lif_cond_exp
    double E_in = -85.0;      // mV, lif_cond_exp
    double I_e = 0.0;         // pA, constant bias current
    double a = 0.0;           // nS, adapting models: subthreshold adaptation
    double b = 0.0;           // pA, adapting models: spike-triggered adaptation
    double tau_w = 100.0;     // ms, adapting models: adaptation time constant
    double rate = 0.0;        // Hz, poisson_source: the rate of each member's spike train
};

// A poisson_source's rate from time `at` on (piecewise constant; the first piece is neuron_params::rate).
struct rate_change {
    double at = 0.0;    // ms, a multiple of dt
    double rate = 0.0;  // Hz
};

// Synaptic scaling (Turrigiano et al. 1998; van Rossum et al. 2000): every homeostasis period H, each
// neuron's gain on all its excitatory inputs moves toward the value that brings its calcium-sensed
// rate r to the target rate r*. With the relative gap e = (r* − r)/r*:
//   J ← J + e·H/τ_I                         (integral term, only when tau_integral > 0; else J = 0)
//   g ← g · (1 + b·e·H/τ + J·H/τ_I)         τ = tau_up when e > 0, tau_down when e < 0
// clamped to [gain_min, gain_max]; b is the glial boost of the up-pathway (1 when e ≤ 0 or without
// glia): b = 1 + glial_gain · max(0, (r* − R)/r*) with R the population's mean rate over the last
// period, from the global reduction. Inhibitory inputs are scaled the opposite way with their own
// gain when `inhibitory` is set: g_in ← g_in · (1 − b·e·H/τ − J·H/τ_I).
// mode additive (for comparison only): instead of a gain, an offset a (weight unit) added to every
// excitatory input weight at delivery, a ← a + w̄·(b·e·H/τ + J·H/τ_I), with w̄ the neuron's mean
// excitatory input weight at the start; it changes the ratios between a neuron's synapses.
enum class scaling_mode { multiplicative, additive };

struct scaling_spec {
    bool enabled = false;
    scaling_mode mode = scaling_mode::multiplicative;
    double target_rate = 5.0;   // Hz, > 0
    double tau_up = 10000.0;    // ms, time constant of scaling up (the glial TNF-α pathway)
    double tau_down = 10000.0;  // ms, time constant of scaling down (the Arc pathway)
    double tau_integral = 0.0;  // ms, time constant τ_I of the integral term; 0 = no integral term
    double glial_gain = 0.0;    // dimensionless, ≥ 0: boost of the up-pathway by the population's silence
    double gain_min = 0.1, gain_max = 10.0;  // dimensionless bounds of the gains
    bool inhibitory = false;                 // also scale inhibitory inputs, in the opposite direction
};

// Branch-local homeostasis: each neuron of the population has `count` dendritic branches, every
// synapse of an excitatory projection onto it sits on one of them, and each branch has its own gain
// (src/README.md decision 4: w_eff = w · g[post] · g[post][branch]). A branch senses its input drive, the
// rate of spikes arriving at its synapses times its gain, low-pass filtered with tau_activity (a trace
// a, r = a / tau_activity), and every homeostasis period H moves its gain toward the target:
//   g_b ← g_b · (1 + (r* − r)/r* · H/tau),  clamped to [gain_min, gain_max].
// So the loop settles where g_b · (raw input rate) = r*, and silencing a branch's inputs raises only
// its own gain.
struct branch_spec {
    enum class assignment { random, by_source };
    bool enabled = false;
    std::uint32_t count = 1;                 // branches per neuron, in [1, max_branches]
    assignment assign = assignment::random;  // random: a hash of (seed, projection, source, target, occurrence)
    std::vector<std::int32_t> by_source;     // by population index: the branch of its synapses (-1: none)
    double tau_activity = 1000.0;            // ms, low-pass of the input drive
    double target_rate = 100.0;              // Hz, target input drive of every branch, > 0
    double tau = 2000.0;                     // ms, time constant of the branch gain
    double gain_min = 0.1, gain_max = 10.0;  // dimensionless bounds
    std::vector<std::uint64_t> record;       // population-local ids whose branch gains are written in full
    static constexpr std::uint32_t max_branches = 64;
};

// Homeostatic shift of the inhibitory reversal potential (lif_cond_exp only): a neuron firing below
// its target makes its GABA less hyperpolarizing, one firing above makes it more so. Per period H,
//   E_in ← clamp(E_in + e·(E_in_max − E_in_min)·H/τ, E_in_min, E_in_max),  e = (r* − r)/r*,
// starting from the neuron model's E_in.
struct e_gaba_spec {
    bool enabled = false;
    double target_rate = 5.0;                   // Hz, > 0 (the scaling's target when scaling is on and none is given)
    double tau = 10000.0;                       // ms
    double E_in_min = -90.0, E_in_max = -60.0;  // mV
};

// Weight normalization: every homeostasis period each neuron's gain on its excitatory inputs is set
// so that its total plastic excitatory input weight, gain included, equals `total`:
//   g = total / Σ_k w_k   (over the neuron's synapses of plastic excitatory projections)
// An alternative to excitatory scaling (not both on one population).
struct normalization_spec {
    bool enabled = false;
    double total = 0.0;  // weight unit of the population's model, > 0
};

// Metaplasticity: a BCM-like sliding threshold (Bienenstock, Cooper & Munro 1982) per neuron. θ
// (Hz²) follows the square of the neuron's calcium-sensed rate r with time constant tau_theta,
// updated every homeostasis period H and starting at θ0 = target_rate²:
//   θ ← θ + (r² − θ)·(1 − e^(−H/tau_theta))
// and the potentiation term of every pair or triplet STDP synapse onto the neuron is multiplied by
//   m = clamp(θ0/θ, factor_min, factor_max)      (θ = 0: factor_max)
// so LTP shrinks while the neuron has recently fired above target_rate and grows while it has
// fired below. Pfister & Gerstner 2006 (their BCM mapping of the triplet rule) scale the depression
// amplitude by ⟨ρ^p⟩/ρ0^p instead; dividing the potentiation by θ/θ0 moves the balance between the
// two the same way. Inhibitory STDP (vogels) has its own rate set point ρ0 and is not scaled.
struct metaplasticity_spec {
    bool enabled = false;
    // Hz, > 0: the rate r0 with θ0 = r0², where m = 1 (the scaling's target when scaling is on and none is given)
    double target_rate = 5.0;
    double tau_theta = 10000.0;                  // ms, > 0
    double factor_min = 0.1, factor_max = 10.0;  // dimensionless bounds of m, factor_min ≤ 1 ≤ factor_max
};

struct population_spec {
    std::string name;
    std::uint64_t size = 0;
    cell_type type = cell_type::excitatory;
    // A grouping of populations (the area of a multi-area model), empty when none: kept for records
    // and placement, written with the population's metadata in the output.
    std::string group;
    neuron_kind model = neuron_kind::lif_delta;
    neuron_params params;
    std::vector<rate_change> rate_changes;                      // poisson_source: ascending `at`, each > 0
    distribution V_init = distribution::constant_value(-65.0);  // mV
    // The activity sensor: a calcium-like trace c, +1 at each spike, decaying with tau_calcium;
    // its rate estimate is c / tau_calcium.
    double tau_calcium = 1000.0;  // ms
    scaling_spec scaling;
    branch_spec branches;
    e_gaba_spec e_gaba;
    normalization_spec normalization;
    metaplasticity_spec metaplasticity;
    // Hz, network.compensation.mean_rates when given, else < 0 (unknown): read by placement's cost and the
    // output's spike chunk sizes
    double expected_rate = -1.0;
};

enum class connection_rule { fixed_indegree, pairwise_bernoulli, fixed_total_number, one_to_one, all_to_all };

// Spike-timing-dependent plasticity of one projection. Parameters are stored once per projection,
// never per synapse. Weights in the projection's receptor unit. The delay counts as dendritic (as in
// NEST): a presynaptic spike at t_pre meets a postsynaptic spike at t_post at the synapse with
// Δt = t_post + d − t_pre; the term paid when the postsynaptic spike reaches the synapse applies for
// Δt > 0, the term paid at the presynaptic spike for Δt < 0, and at Δt = 0 the postsynaptic spike
// pairs with earlier presynaptic spikes only (plasticity/stdp.hpp).
// The value of a rule is its position in plasticity::registered_rules plus 1 (plasticity/rules.hpp);
// the rules registered after vogels have no name here.
enum class stdp_rule : std::uint8_t {
    none,
    pair,     // pair STDP with a presynaptic trace x (tau_plus) and a postsynaptic trace y (tau_minus)
    triplet,  // Pfister & Gerstner 2006, minimal all-to-all model: traces r1, r2 (pre), o1, o2 (post)
    vogels,   // inhibitory STDP (Vogels et al. 2011): symmetric window and a constant depression
};
enum class weight_dependence {
    additive,        // Δw+ = A+ x,          Δw− = A− y            (hard bounds [w_min, w_max])
    multiplicative,  // Δw+ = A+ x,          Δw− = A− (w/w_max) y  (van Rossum, Bi & Turrigiano 2000)
    power_law,       // Δw+ = A+ (w/w_0)^μ x, Δw− = A− (w/w_0) y   (Morrison et al. 2007)
};
enum class spike_pairing {
    all_to_all,  // traces sum every earlier spike
    nearest,     // traces are reset to 1 at each spike: only the nearest spike counts
};

// One struct for every rule; each reads the members its comment names.
//   pair:    at the postsynaptic spike w += A+ x; at the presynaptic spike w += A− y (weight_dependence).
//   triplet: at the postsynaptic spike w += r1 (A+ + A3+ o2⁻); at the presynaptic spike
//            w += o1 (A− + A3− r2⁻), where ⁻ is the value just before the spike's own jump;
//            r1: tau_plus, o1: tau_minus, r2: tau_x, o2: tau_y; additive, all-to-all, hard bounds.
//   vogels:  traces x (pre) and y (post) with tau_plus = tau_minus = τ; at the postsynaptic spike
//            w += s η x; at the presynaptic spike w += s η (y − α), α = 2 ρ0 τ; s = +1 for
//            conductances (≥ 0), −1 for current or voltage weights (≤ 0), so a step of η > 0 always
//            strengthens inhibition; hard bounds.
struct plasticity_spec {
    stdp_rule rule = stdp_rule::none;
    weight_dependence dependence = weight_dependence::additive;
    spike_pairing pairing = spike_pairing::all_to_all;
    double tau_plus = 20.0;       // ms, presynaptic trace x (triplet: r1)
    double tau_minus = 20.0;      // ms, postsynaptic trace y (triplet: o1)
    double A_plus = 0.0;          // weight unit, > 0 (triplet: A2+, ≥ 0)
    double A_minus = 0.0;         // weight unit, < 0 (triplet: A2−)
    double w_min = 0.0;           // weight unit; the bounds respect the weight's sign convention
    double w_max = 0.0;           // weight unit
    double w_0 = 1.0;             // weight unit, power_law reference weight
    double mu = 0.4;              // power_law exponent
    double tau_x = 101.0;         // ms, triplet: slow presynaptic trace r2
    double tau_y = 125.0;         // ms, triplet: slow postsynaptic trace o2
    double A3_plus = 0.0;         // weight unit, ≥ 0, triplet
    double A3_minus = 0.0;        // weight unit, ≤ 0, triplet
    double eta = 0.0;             // weight unit, > 0, vogels: learning rate (magnitude of one step)
    double target_rate = 0.0;     // Hz, > 0, vogels: ρ0
    std::array<double, 4> own{};  // the parameters of a later rule without members here (its keys' slots)
    // vogels: α = 2 ρ0 τ (dimensionless; ρ0 in Hz, τ in ms).
    double alpha() const { return 2.0 * target_rate * tau_plus * 1e-3; }
};

// Microglial pruning of a plastic projection (src/README.md, Models; plasticity/pruning.hpp). At every
// homeostasis check a synapse whose effective weight |w_eff| (w times its branch's gain, the SHY gain
// G, the additive offset and its target's scaling gain, as the weight snapshots read it) is below
// `threshold` counts one more period below; any check above it resets the count. A synapse below at
// more than tagging_time / H consecutive checks (H the homeostasis period) is tagged, and tagged
// synapses are removed at the next pruning point: the end of every NREM phase of the schedule (not
// skipped), or every `period` when one is given. `depleted` models microglia depletion: tags are
// counted and recorded, nothing is removed.
struct pruning_spec {
    bool enabled = false;
    double threshold = 0.0;     // receptor unit, ≥ 0, on the magnitude of the effective weight
    double tagging_time = 0.0;  // ms, a whole number of homeostasis periods
    double period = 0.0;        // ms, a whole number of homeostasis periods; 0: at the end of each NREM phase
    bool depleted = false;
};

struct projection_spec {
    std::string name;          // unique; defaults to "<source>_to_<target>" in the loader
    std::uint32_t source = 0;  // population index
    std::uint32_t target = 0;  // population index
    connection_rule rule = connection_rule::fixed_indegree;
    std::uint64_t indegree = 0;      // fixed_indegree
    double probability = 0.0;        // pairwise_bernoulli
    std::uint64_t total_number = 0;  // fixed_total_number
    bool allow_autapses = false;     // only meaningful when source == target
    bool allow_multapses = true;
    // Weight in the unit of the target's receptor: mV (lif_delta), pA (lif_curr_exp; the
    // peak of the PSC for lif_curr_alpha), nS (lif_cond_exp).
    // Current-based weights carry their sign (inhibitory ≤ 0); conductances are ≥ 0. Draws are
    // clipped so that no weight changes sign.
    distribution weight;
    distribution delay;  // ms; every draw is rounded to steps and is ≥ the minimum delay
    plasticity_spec plasticity;
    pruning_spec pruning;
};

// Independent Poisson drive into the neurons [first, first + count) of a population: each neuron
// receives its own Poisson process of rate `rate · sources` (the superposition of `sources`
// independent inputs), each event adding `weight` to the receptor given by `type`.
struct poisson_input_spec {
    std::uint32_t population = 0;
    std::uint64_t first = 0, count = 0;  // population-local ids; count = size - first by default
    double rate = 0.0;                   // Hz, per source
    std::uint64_t sources = 1;
    double weight = 0.0;                                    // receptor unit, as for projections
    cell_type type = cell_type::excitatory;                 // which receptor it feeds
    double start = 0.0;                                     // ms
    double stop = std::numeric_limits<double>::infinity();  // ms
};

// Constant current into the neurons [first, first + count) of a population during [start, stop).
struct dc_input_spec {
    std::uint32_t population = 0;
    std::uint64_t first = 0, count = 0;
    double amplitude = 0.0;                                 // pA
    double start = 0.0;                                     // ms
    double stop = std::numeric_limits<double>::infinity();  // ms
};

struct state_recorder_spec {
    std::string name;  // dataset group under /recordings
    std::uint32_t population = 0;
    std::vector<std::uint64_t> ids;      // population-local, sorted, unique
    std::vector<std::string> variables;  // "V_m", "I_syn_ex", "I_syn_in", "g_ex", "g_in" as the model has them
    double interval = 1.0;               // ms, a multiple of dt
};

struct weight_recorder_spec {
    std::uint32_t projection = 0;
    std::vector<double> times;  // ms, sorted; a snapshot is taken at the start of the step at each time
};

// Full homeostatic state (gains, E_in) of chosen neurons, every homeostasis period.
struct homeostasis_recorder_spec {
    std::uint32_t population = 0;
    std::vector<std::uint64_t> ids;  // population-local, sorted, unique
};

struct recording_spec {
    std::vector<std::uint32_t> spike_populations;  // default: all
    double rate_bin = 1.0;                         // ms, a multiple of dt; 0 = no /rates
    std::vector<state_recorder_spec> state;
    std::vector<weight_recorder_spec> weights;
    std::vector<homeostasis_recorder_spec> homeostasis;
    bool final_state = true;  // /final_state/<population>/V_m by node id
};

// The slow loop: every `period` the sensors are read, gains updated, and one global reduction of a
// fixed-size vector of exact sums taken (src/README.md decision 7).
struct homeostasis_spec {
    double period = 100.0;  // ms, a multiple of the communication interval
};

// Runtime health: checked once per homeostasis period on the global reduction, so every rank stops
// at the same step with the same diagnostic (src/README.md decision 10: checkers that stop the run
// cleanly and collectively).
struct checks_spec {
    double max_rate = 0.0;  // Hz; stop when a population fires faster over a period; 0 = no ceiling
    bool finite = true;     // stop when a membrane potential or a plastic weight is NaN or infinite
    bool enabled() const { return max_rate > 0.0; }  // whether they alone start the homeostasis loop
};

// `synorm run --dry-run` (README "Dry run"): one process runs one rank of a larger job and models the
// others. Read only by a dry run; a normal run ignores it.
struct dry_run_spec {
    std::vector<double> rates;  // Hz, by population: the rate at which its remote neurons spike; empty: not given
    double latency = 1e-3;      // ms per message of the modelled exchange (InfiniBand HDR: about 1 µs)
    double bandwidth = 25.0;    // GB/s per rank of the modelled exchange (HDR: 200 Gbit/s)
};

// How ranks exchange spikes (src/README.md decision 6). A run setting: it never changes results.
enum class exchange_strategy {
    allgather,  // every rank receives every spike
    alltoall,   // each spike goes only to the ranks that hold a synapse from its neuron
    automatic,  // chosen per run from the build's source lists (engine/targets.cpp)
};
// Whether the exchange overlaps the neuron update (src/README.md decision 6): each interval of D steps
// is two epochs, and an epoch's spikes are in flight while the next one is integrated.
enum class overlap_setting {
    on,         // when the interval can be split (D ≥ 2 steps)
    off,        // one blocking exchange per interval
    automatic,  // on with more than one rank and D ≥ 2 steps
};
// Whether the exchange follows the groups (src/README.md decision 6): with placement groups the ranks
// fall into clusters that hold whole groups, and spikes are exchanged within a cluster every interval
// D and over all ranks only every multiple of D up to the least delay between clusters.
enum class exchange_structure {
    flat,       // one exchange over all ranks every interval
    groups,     // two levels, when the run allows it (engine/structure.cpp says when)
    automatic,  // groups when the run allows it and the exchange over all ranks is at least 2 D apart
};
struct comm_spec {
    exchange_strategy exchange = exchange_strategy::automatic;
    overlap_setting overlap = overlap_setting::automatic;
    exchange_structure structure = exchange_structure::automatic;
};

// Whether a run of `ranks` ranks with D = `interval_steps` overlaps its exchange. An interval of one
// step has no half to overlap with; one rank has nothing in flight (auto only: `on` splits anyway).
inline bool overlaps(const comm_spec& c, std::int64_t interval_steps, int ranks) {
    if (interval_steps < 2 || c.overlap == overlap_setting::off) return false;
    return c.overlap == overlap_setting::on || ranks > 1;
}

struct simulation_spec {
    double dt = 0.1;           // ms
    double duration = 1000.0;  // ms
    std::uint64_t seed = 1;
};

// Which rank owns which neuron (network/partition.hpp): gid % ranks, or one contiguous gid range per
// rank balanced by an estimated cost, or such ranges that hold whole groups (population_spec::group)
// or fall inside one. Never changes results (src/README.md decision 5).
enum class placement_kind { round_robin, blocks, groups };

struct model_spec {
    simulation_spec simulation;
    std::vector<population_spec> populations;  // gids are assigned in this order
    shared_list<projection_spec> projections;  // copies of the spec share them (shared_list.hpp)
    std::vector<poisson_input_spec> poisson_inputs;
    std::vector<dc_input_spec> dc_inputs;
    std::vector<pattern_spec> patterns;  // inputs of kind pattern, in the order written
    recording_spec recording;
    homeostasis_spec homeostasis;
    checks_spec checks;
    comm_spec comm;
    schedule_spec schedule;  // no phases: the run is one stretch of the configured settings
    dry_run_spec dry_run;
    // network.placement
    placement_kind placement = placement_kind::round_robin;

    std::uint64_t total_neurons() const;
    std::uint64_t first_gid(std::uint32_t population) const;
    // Smallest delay in steps over all projections (lower bound of each delay distribution);
    // the communication interval D. At least 1.
    std::uint64_t min_delay_steps() const;
    std::uint64_t max_delay_steps() const;
    std::uint64_t steps(double t_ms) const;  // round(t / dt)
};

}  // namespace synorm::model
