// Homeostasis (engine/homeostasis.cpp): the rank's constants and the layout of the one global
// reduction (src/README.md decisions 5, 7), and each thread's gains, sensors and branch state.
// Private to src/engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "synorm/engine/weight_histogram.hpp"
#include "synorm/plasticity/scaling.hpp"

namespace synorm::engine::detail {

// The rank's part: which mechanisms run, their per-population constants, and the reduction's layout.
struct homeostasis_state {
    std::int64_t H = 0;  // homeostasis period, steps; 0: no homeostasis loop
    bool any_scaling = false;
    // Homeostasis beyond the basic gain (plasticity/scaling.hpp), and what the records need.
    bool any_integral = false, any_additive = false, any_e_gaba = false, any_normalization = false, track_input = false;
    std::vector<double> theta_step;         // by population: 1 − e^(−H/tau_theta) (metaplasticity)
    std::vector<std::uint8_t> uses_gain;    // by population: the kernel multiplies its input by gains
    std::vector<double> glia;               // by population: glial boost b, from the last global reduction
    std::vector<double> tau_calcium_steps;  // by population
    // Branch-local homeostasis: the branch state's constants and its sums in the reduction.
    std::vector<double> branch_decay;        // by population: e^(−H/tau_activity)
    std::vector<double> branch_spread;       // by population: (1 − e^(−H/tau_activity))·tau_activity/H
    std::vector<std::size_t> branch_sum_at;  // by population: first entry of its sums in the reduction
    std::size_t branch_sums = 0;             // entries of the reduction for branches
    static constexpr double branch_value_unit = 1099511627776.0;  // 2^40: recorded gains, exact ≥ 2^-16

    // The fixed-size vector of the global reduction (src/README.md decision 7), integer fixed point so
    // that the sum is exact in any order (decision 5). Per population, pop_fields values (below);
    // per plastic projection (at proj_slot), proj_fields values: Σ |w|/s, Σ (|w|/s)² (s = weight_scale),
    // synapses, synapses at w_min, at w_max, then the weight_bins counts of the histogram over
    // [w_min, w_max]; per neuron of the homeostasis recorders, the bits of its gain_ex, gain_in, E_in
    // and θ (exact floats: only the owner contributes: recorded_fields each); last the number of
    // non-finite membrane potentials and plastic weights (health checks).
    enum pop_field : std::size_t {
        f_spikes,
        f_calcium,
        f_gain_ex,
        f_gain_in,
        f_gain_ex2,
        f_gain_in2,
        f_E_in,
        f_E_in2,
        f_input_ex,
        f_input_in,
        f_theta,
        f_theta2,
        pop_fields
    };
    static constexpr std::size_t recorded_fields = 4;
    static constexpr std::size_t proj_fields = 5 + weight_bins;
    static constexpr double calcium_unit = 65536.0, gain_unit = 16777216.0, weight_unit = 16777216.0,
                            voltage_unit = 65536.0, input_unit = 65536.0, theta_unit = 1024.0;
    // Rounded to the nearest unit, halves away from zero (std::llround); values of either sign.
    static std::int64_t to_fixed(double value, double unit) { return round_to_integer(value * unit); }
    std::vector<std::size_t> proj_slot;  // by projection: offset in the reduction; plastic ones only
    std::size_t neuron_slot = 0, reduction_len = 0;
    // ... then, for each population with branches, Σ g and Σ g² per branch and the recorded neurons'
    // gains (branch_sum_at), before the last entry.
    std::size_t reduction_size() const { return reduction_len; }
};

// A thread's part (empty vectors when the run has none), by thread-local neuron.
struct thread_homeostasis {
    std::vector<plasticity::calcium_trace> calcium;
    std::vector<float> gain_ex, gain_in;      // synaptic scaling, normalization
    std::vector<float> integral;              // the scaling's integral term J (when any)
    std::vector<float> offset_ex, mean_w_ex;  // additive scaling's offset and w̄ (weight unit)
    std::vector<float> E_in;                  // mV: E_GABA homeostasis (when any)
    std::vector<float> theta;                 // Hz²: metaplasticity's sliding threshold (when any)
    std::vector<float> potentiation;          // its factor θ0/θ on pair and triplet potentiation
    std::vector<float> input_ex, input_in;    // input arriving this period, gains included
    std::vector<double> sum_w;                // scratch, Σ plastic excitatory w (normalization)
    // Homeostasis recorders: (slot in the reduction, thread-local neuron).
    std::vector<std::pair<std::size_t, std::uint32_t>> recorded;
    std::vector<std::int64_t> period_spikes;  // by population: spikes in this homeostasis period
    std::vector<std::int64_t> sums;           // this thread's part of the global reduction
};

// Branch-local homeostasis (empty without branches): [thread-local neuron][branch], branch_stride
// branches per neuron, of which the neuron's population uses the first `count`.
struct thread_branches {
    std::vector<float> branch_gain;              // dimensionless
    std::vector<float> branch_activity;          // the input drive trace a (spikes, gain-weighted)
    std::vector<std::uint32_t> branch_arrivals;  // spikes that reached the branch this period
};

}  // namespace synorm::engine::detail
