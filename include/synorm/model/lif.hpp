// Leaky integrate-and-fire neurons: per-population constants and the per-step update of a block of
// neurons held as structure-of-arrays. Subthreshold dynamics between steps:
//   lif_delta     exact: V relaxes to E_L + (I_e + I_dc)·τm/C; arriving input jumps V (mV).
//   lif_curr_exp  exact (Rotter & Diesmann 1999 propagators, as NEST iaf_psc_exp); input steps the
//                 synaptic currents (pA), which then decay with τ_syn.
//   lif_curr_alpha  exact (as NEST iaf_psc_alpha): per receptor the current I and its drive dI,
//                 dI' = −dI/τ_syn, I' = dI − I/τ_syn; input of weight w steps dI by w·e/τ_syn, so
//                 that the current (w e/τ_syn)·t·e^(−t/τ_syn) peaks at w (pA) at t = τ_syn.
//   lif_cond_exp  exponential Euler: over one step the conductances are held at their midpoint
//                 values, for which V's equation is linear and solved exactly; unconditionally
//                 stable. Input steps the conductances (nS).
//   lif_cond_exp_adapt  as lif_cond_exp, with the adaptation current w held at its value at the
//                 step's start in V's equation; then w relaxes exactly toward a (V − E_L) over the
//                 step, V taken at the step's end, and jumps by b if the neuron spiked.
//   lif_curr_exp_adapt  lif_curr_exp with lif_cond_exp_adapt's w, treated alike: w, held over the step,
//                 enters V's exact propagation as a constant current −w; then w relaxes and jumps as above.
// Refractoriness: for t_ref after a spike V is held at V_reset (NEST semantics; lif_delta discards
// input arriving then, the other models keep integrating their synaptic variables).
#pragma once

#include <cstddef>
#include <cstdint>

#include "synorm/model/model_spec.hpp"

namespace synorm::model {

struct lif_constants {
    neuron_kind kind = neuron_kind::lif_delta;
    float E_L = 0, V_th = 0, V_reset = 0, I_e = 0;  // mV, mV, mV, pA
    float P22 = 0;                                  // e^(−h/τm)
    float P20 = 0;                                  // mV per pA of constant current over one step: τm/C·(1 − P22)
    float P11_ex = 0, P11_in = 0;                   // e^(−h/τ_syn): decay of a synaptic variable over one step
    float P21_ex = 0, P21_in = 0;  // lif_curr_exp: mV at step end per pA of synaptic current at step start
    // lif_curr_alpha: ms, I at step end per pA/ms of dI at step start (h e^(−h/τ_syn)); mV at step
    // end per pA/ms of dI at step start; pA/ms of dI per pA of input weight (e/τ_syn)
    float Q21_ex = 0, Q21_in = 0, Q31_ex = 0, Q31_in = 0, psc_ex = 0, psc_in = 0;
    float half_ex = 0, half_in = 0;                   // lif_cond_exp: e^(−h/2τ_syn), conductance at mid-step
    float g_L = 0, E_ex = 0, E_in = 0, h_over_C = 0;  // nS, mV, mV, ms/pF
    float a = 0, b = 0, P_w = 0;                      // adapting models: nS, pA, e^(−h/τ_w)
    std::int32_t refractory_steps = 0;

    static lif_constants make(const neuron_params& p, neuron_kind kind, double dt);
};

// One block of neurons of one population: pointers into a thread's arrays, all indexed alike.
struct lif_block {
    float* V;                  // mV
    float* x_ex;               // pA (lif_curr_exp, lif_curr_alpha) or nS (lif_cond_exp); unused by lif_delta
    float* x_in;               // as x_ex; inhibitory currents are ≤ 0, conductances ≥ 0
    std::int32_t* refractory;  // steps left
    const float* I_dc;         // pA, external DC of this step
    float* in_ex;              // this step's ring-buffer slot (input arriving now); read and zeroed
    float* in_in;
    std::uint32_t* spikes;  // out: block indices of the neurons that spiked, ascending (room for n)
    std::size_t n;
    // Homeostatic gains on the input arriving now (synaptic scaling, src/README.md decision 4), by
    // neuron; both null when the population has no scaling (then the kernel skips the multiply).
    const float* gain_ex = nullptr;
    const float* gain_in = nullptr;
    float* w = nullptr;  // pA, adaptation current: adapting models only (model::adapts)
    // lif_cond_exp with E_GABA homeostasis: each neuron's inhibitory reversal potential (mV); null
    // when the population has none (then the kernel uses the constant lif_constants::E_in).
    const float* E_in = nullptr;
    // The input arriving now (gains applied) is also added to these running sums, by neuron: the
    // homeostasis records' E and I input. Both null when the run does not track input.
    float* sum_ex = nullptr;
    float* sum_in = nullptr;
    // lif_curr_alpha only: the drive of the synaptic currents (pA/ms), by neuron.
    float* dx_ex = nullptr;
    float* dx_in = nullptr;
};

// Advances every neuron of the block by one step; returns how many spiked (listed in b.spikes).
std::size_t update(const lif_constants& c, const lif_block& b);

}  // namespace synorm::model
