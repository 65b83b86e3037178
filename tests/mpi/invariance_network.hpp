// The networks of the MPI tier's decomposition tests, shared by test_mpi and test_checkpoint.
#pragma once

#include <string>

#include "synorm/model/model_spec.hpp"

namespace synorm::test {

// A plastic-free network of several thousand neurons with Poisson drive: conductance-based E/I plus
// a current-based population, distributed weights and delays, a fixed_total_number projection.
inline synorm::model::model_spec invariance_network() {
    synorm::model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 200.0;
    spec.simulation.seed = 12345;
    synorm::model::population_spec e;
    e.name = "E";
    e.size = 2400;
    e.model = synorm::model::neuron_kind::lif_cond_exp;
    e.params.C_m = 200;
    e.params.tau_m = 20;
    e.params.E_L = -60;
    e.params.V_th = -50;
    e.params.V_reset = -60;
    e.params.t_ref = 5;
    e.params.tau_syn_ex = 5;
    e.params.tau_syn_in = 10;
    e.params.E_ex = 0;
    e.params.E_in = -80;
    e.V_init.shape = synorm::model::distribution::kind::uniform;
    e.V_init.low = -60;
    e.V_init.high = -50;
    auto i = e;
    i.name = "I";
    i.size = 600;
    i.type = synorm::model::cell_type::inhibitory;
    synorm::model::population_spec c;
    c.name = "C";
    c.size = 1000;
    c.model = synorm::model::neuron_kind::lif_curr_exp;
    c.params.tau_syn_ex = 0.5;
    c.params.tau_syn_in = 0.5;
    c.V_init.shape = synorm::model::distribution::kind::normal;
    c.V_init.mean = -58;
    c.V_init.sd = 5;
    spec.populations = {e, i, c};

    const auto proj = [&](std::string name, std::uint32_t s, std::uint32_t t, double w) {
        synorm::model::projection_spec p;
        p.name = std::move(name);
        p.source = s;
        p.target = t;
        p.rule = synorm::model::connection_rule::pairwise_bernoulli;
        p.probability = 0.02;
        p.allow_autapses = false;
        p.weight = synorm::model::distribution::constant_value(w);
        p.delay.shape = synorm::model::distribution::kind::uniform;
        p.delay.low = 0.5;
        p.delay.high = 2.5;
        return p;
    };
    spec.projections = {proj("EE", 0, 0, 3), proj("EI", 0, 1, 3), proj("IE", 1, 0, 40), proj("II", 1, 1, 40)};
    auto ec = proj("EC", 0, 2, 60);  // pA
    ec.rule = synorm::model::connection_rule::fixed_total_number;
    ec.total_number = 30000;
    ec.weight.shape = synorm::model::distribution::kind::normal;
    ec.weight.mean = 60;
    ec.weight.sd = 10;
    ec.weight.min = 0;
    auto ic = proj("IC", 1, 2, -200);
    ic.rule = synorm::model::connection_rule::fixed_indegree;
    ic.indegree = 20;
    spec.projections.push_back(ec);
    spec.projections.push_back(ic);

    synorm::model::poisson_input_spec drive;
    drive.population = 0;
    drive.count = 2400;
    drive.rate = 10;
    drive.sources = 100;
    drive.weight = 2;
    spec.poisson_inputs.push_back(drive);
    drive.population = 1;
    drive.count = 600;
    spec.poisson_inputs.push_back(drive);
    drive.population = 2;
    drive.count = 1000;
    drive.weight = 40;
    spec.poisson_inputs.push_back(drive);
    synorm::model::dc_input_spec dc;
    dc.population = 2;
    dc.count = 500;
    dc.amplitude = 150;
    dc.start = 50;
    dc.stop = 120;
    spec.dc_inputs.push_back(dc);
    spec.recording.spike_populations = {0, 1, 2};
    spec.recording.rate_bin = 1.0;
    return spec;
}


// The same with pair STDP on two projections (one with distributed delays, nearest pairing),
// inhibitory STDP on two (conductances and negative current weights), triplet STDP on E → I, and
// synaptic scaling on E,
// homeostasis every 40 ms, snapshots of plastic weights.
inline synorm::model::model_spec plastic_network() {
    namespace model = synorm::model;
    auto spec = invariance_network();
    spec.simulation.duration = 300.0;
    spec.homeostasis.period = 40.0;  // a multiple of the interval (5 steps)
    auto& ee = spec.projections[0];
    ee.plasticity.rule = model::stdp_rule::pair;
    ee.plasticity.dependence = model::weight_dependence::multiplicative;
    ee.plasticity.A_plus = 0.3;
    ee.plasticity.A_minus = -0.32;
    ee.plasticity.w_max = 6.0;
    auto& ec = spec.projections[4];  // onto the current-based population, with distributed delays
    ec.plasticity.rule = model::stdp_rule::pair;
    ec.plasticity.pairing = model::spike_pairing::nearest;
    ec.plasticity.A_plus = 5.0;
    ec.plasticity.A_minus = -5.0;
    ec.plasticity.w_max = 120.0;
    ec.weight.max = 120.0;
    // Inhibitory STDP on conductances (I → E, sharing E's postsynaptic trace with EE) and on
    // negative current weights (I → C, nearest pairing as EC onto C).
    auto& ie = spec.projections[2];
    ie.plasticity.rule = model::stdp_rule::vogels;
    ie.plasticity.eta = 2.0;
    ie.plasticity.target_rate = 3.0;
    ie.plasticity.w_max = 80.0;
    auto& ic = spec.projections[5];
    ic.plasticity.rule = model::stdp_rule::vogels;
    ic.plasticity.pairing = model::spike_pairing::nearest;
    ic.plasticity.eta = 10.0;
    ic.plasticity.target_rate = 5.0;
    ic.plasticity.w_min = -400.0;
    ic.plasticity.w_max = 0.0;
    // Triplet STDP on E → I (its slow traces: r2 per row, o2 with I's postsynaptic history).
    auto& ei = spec.projections[1];
    ei.plasticity.rule = model::stdp_rule::triplet;
    ei.plasticity.A_plus = 0.02;
    ei.plasticity.A3_plus = 0.05;
    ei.plasticity.A_minus = -0.03;
    ei.plasticity.A3_minus = -0.005;
    ei.plasticity.w_max = 6.0;
    spec.populations[0].scaling.enabled = true;
    spec.populations[0].scaling.target_rate = 3.0;
    spec.populations[0].scaling.tau_up = 500.0;
    spec.populations[0].scaling.tau_down = 500.0;
    spec.populations[0].scaling.inhibitory = true;
    spec.populations[0].tau_calcium = 100.0;
    spec.recording.weights.push_back({0, {0.0, 120.0, 300.0}});
    spec.recording.weights.push_back({4, {300.0}});
    spec.recording.weights.push_back({2, {300.0}});
    spec.recording.weights.push_back({1, {200.0}});
    spec.recording.weights.push_back({5, {150.0, 300.0}});
    return spec;
}

// Adds population S, 300 poisson_source members at 20 Hz (40 Hz from `change_at` ms on), and its
// projection SC onto C: a copy of E → C (with its plasticity) with fixed in-degree 30.
inline void add_poisson_source(synorm::model::model_spec& spec, double change_at) {
    namespace model = synorm::model;
    model::population_spec source;
    source.name = "S";
    source.size = 300;
    source.model = model::neuron_kind::poisson_source;
    source.params.rate = 20.0;
    source.rate_changes.push_back({change_at, 40.0});
    spec.populations.push_back(source);
    model::projection_spec sc = spec.projections[4];
    sc.name = "SC";
    sc.source = static_cast<std::uint32_t>(spec.populations.size() - 1);
    sc.rule = model::connection_rule::fixed_indegree;
    sc.indegree = 30;
    spec.projections.push_back(sc);
}

}  // namespace synorm::test
