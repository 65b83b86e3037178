// spec_reader: network (scale, indegree_scale, placement, the bound on delays between groups) and its
// compensation of downscaled in-degrees, with the full-scale rates of tables.rates.
#include <cmath>

#include "spec_reader.hpp"

namespace synorm::config::detail {

void spec_reader::read_network(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(network_keys));
    if (const auto scale = m.find("scale")) {
        scale_ = read_number(*scale);
        if (!(scale_ > 0.0)) scale->fail("expected a number > 0, got " + format_number(scale_));
    }
    indegree_scale_ = scale_;
    if (const auto indegree_scale = m.find("indegree_scale")) {
        indegree_scale_ = read_number(*indegree_scale);
        if (!(indegree_scale_ > 0.0)) {
            indegree_scale->fail("expected a number > 0, got " + format_number(indegree_scale_));
        }
    }
    compensation_at_ = m.find("compensation");
    if ((group_delay_at_ = m.find("group_delay_min"))) {
        group_delay_min_ = read_quantity(*group_delay_at_, dimension::time);
        require_positive(*group_delay_at_, group_delay_min_, dimension::time);
        require_multiple_of_dt(*group_delay_at_, group_delay_min_);
    }
    if (const auto placement = m.find("placement"))
        spec_.placement = read_choice<model::placement_kind>(*placement, placements);
}

std::string spec_reader::scale_note() const {
    return scale_ == 1.0 ? "" : " after network.scale = " + format_number(scale_);
}

// tables.rates: one rate per population, by name; a population named twice is an error.
void spec_reader::read_rate_table(const table_set& tables) {
    table_rates_.assign(spec_.populations.size(), std::nullopt);
    has_table_rates_ = tables.rows(table_section::rates) > 0;
    tables.expand(
        table_section::rates, [](std::size_t) { return std::string(); },
        [&](const node_at& name, const node_at& entry, double) {
        const std::uint32_t i = population_ref(name);
        if (table_rates_[i]) name.fail("population " + spec_.populations[i].name + " has a rate in an earlier row");
        const node_at rate{entry.doc, entry.node["rate"], join_path(entry.path, "rate")};
        const double hz = read_quantity(rate, dimension::rate);
        require_non_negative(rate, hz, dimension::rate);
        table_rates_[i] = hz;
        });
}

namespace {

// Charge one event of unit weight delivers onto `target` through the receptor of `type`: pA·ms per
// pA of an exponential current, e·τ_syn pA·ms per pA of an alpha current's peak, pF·mV per mV of a
// voltage jump.
double unit_charge(const model::population_spec& target, model::cell_type type) {
    const double tau_syn = type == model::cell_type::excitatory ? target.params.tau_syn_ex : target.params.tau_syn_in;
    return target.model == model::neuron_kind::lif_delta        ? target.params.C_m
           : target.model == model::neuron_kind::lif_curr_alpha ? std::exp(1.0) * tau_syn
                                                                : tau_syn;
}

}  // namespace

// network.compensation: when a projection's in-degree K shrinks by a factor k, its weights grow by
// 1/sqrt(k), which keeps the variance of the input (∝ K·w²), and a constant current restores the
// mean input (∝ K·w) that remains missing, (1 − sqrt(k))·K·w̄·ν·(charge per unit weight), computed
// from the full-scale rate ν of the source population. This is the downscaling of van Albada,
// Helias & Diesmann (2015, PLoS Comput Biol 11:e1004490) as the Potjans & Diesmann (2014) reference
// implementation does it (helpers.adjust_weights_and_input_to_synapse_scaling), and the multi-area
// model's (Schmidt et al. 2018; multiarea_model.py, MultiAreaModel.adj_W_to_K).
void spec_reader::read_compensation() {
    scaling_.scale = scale_;
    scaling_.indegree_scale = indegree_scale_;
    scaling_.added_I_e.assign(spec_.populations.size(), 0.0);
    if (!compensation_at_) return;
    scaling_.compensation = true;
    const map_view m(*compensation_at_, {"mean_rates", "inputs"});
    if (const auto inputs = m.find("inputs")) compensate_inputs_ = read_bool(*inputs);
    scaling_.compensate_inputs = compensate_inputs_;
    // The rates of tables.rates, unless mean_rates gives the population's rate itself.
    const auto rates_at = has_table_rates_ ? m.find("mean_rates") : std::optional<node_at>(m.required("mean_rates"));
    std::vector<std::string_view> names;
    for (const model::population_spec& pop : spec_.populations) names.push_back(pop.name);
    const std::optional<map_view> rates =
        rates_at
            ? std::optional<map_view>(std::in_place, *rates_at, names, "mean_rates, whose keys are population names")
            : std::nullopt;

    std::vector<std::optional<double>> rate(spec_.populations.size());  // Hz, full scale
    for (std::size_t i = 0; i < spec_.populations.size(); ++i) {
        if (const auto given = rates ? rates->find(spec_.populations[i].name) : std::nullopt) {
            rate[i] = read_quantity(*given, dimension::rate);
            require_non_negative(*given, *rate[i], dimension::rate);
        } else {
            rate[i] = table_rates_[i];
        }
        if (!rate[i]) continue;
        scaling_.mean_rates.emplace_back(spec_.populations[i].name, *rate[i]);
        spec_.populations[i].expected_rate = *rate[i];
    }
    for (std::size_t i = 0; i < spec_.projections.size(); ++i) {
        model::projection_spec& proj = spec_.projections[i];
        const model::population_spec& source = spec_.populations[proj.source];
        model::population_spec& target = spec_.populations[proj.target];
        if (!rate[proj.source]) {
            rates_at.value_or(*compensation_at_)
                .fail("missing the rate of " + source.name + ", the source of projection " + proj.name +
                      "; every source population needs its full-scale rate" +
                      (has_table_rates_ ? " (in mean_rates or tables.rates)" : ""));
        }
        if (model_info(target.model).conductance_based) {
            compensation_at_->fail("projection " + proj.name + " targets " + target.name +
                                   ", whose lif_cond_exp synapses have no fixed mean current to restore; "
                                   "compensation works for lif_delta, lif_curr_exp and lif_curr_alpha targets");
        }
        const indegree_change change = indegree_changes_[i];
        if (change.factor == 1.0) continue;
        const double root = std::sqrt(change.factor);
        // (pA·ms or pF·mV) × Hz × 1e-3 = pA
        const double current = (1.0 - root) * proj.weight.nominal_mean() * unit_charge(target, source.type) *
                               change.full * *rate[proj.source] * 1e-3;
        target.params.I_e += current;
        scaling_.added_I_e[proj.target] += current;
        scaling_.weights_scaled = true;
        model::distribution& w = proj.weight;
        for (double* v : {&w.value, &w.mean, &w.sd, &w.low, &w.high, &w.min, &w.max}) *v /= root;  // ±inf stays
        // A plastic projection's amplitudes and bounds scale with its weights, so that the rule keeps
        // its meaning: the same relative steps, the same bounds relative to the weights.
        model::plasticity_spec& p = proj.plasticity;
        if (p.rule != model::stdp_rule::none) {
            for (double* v : {&p.A_plus, &p.A_minus, &p.w_min, &p.w_max, &p.A3_plus, &p.A3_minus, &p.eta}) *v /= root;
            if (p.dependence == model::weight_dependence::power_law) p.w_0 /= root;
        }
    }
}

// network.compensation.inputs: a Poisson input counts as `rate × sources / ν` inputs of rate ν, an
// in-degree that scales with indegree_scale k like the projections' (the multi-area model scales its
// external in-degree K_ext with K_scaling). Its rate is multiplied by k, its weight by 1/√k, and the
// target's I_e gains the missing mean (1 − √k)·rate·sources·w·(charge per unit weight). The input
// must address the whole population for good, since I_e does: it may start late (a delayed input).
void spec_reader::compensate_inputs() {
    if (!compensate_inputs_ || indegree_scale_ == 1.0) return;
    const double k = indegree_scale_;
    const double root = std::sqrt(k);
    for (model::poisson_input_spec& input : spec_.poisson_inputs) {
        model::population_spec& target = spec_.populations[input.population];
        if (model_info(target.model).conductance_based) {
            compensation_at_->fail("a poisson input targets " + target.name +
                                   ", whose lif_cond_exp synapses have no fixed mean current to restore; "
                                   "compensation.inputs works for lif_delta, lif_curr_exp and lif_curr_alpha targets");
        }
        if (input.first != 0 || input.count != target.size || std::isfinite(input.stop)) {
            compensation_at_->fail("a poisson input addresses part of " + target.name +
                                   " (some neurons or until a stop time); compensation.inputs needs every input "
                                   "to address its whole population until the end, as the current it adds does");
        }
        // (pA·ms or pF·mV) × Hz × 1e-3 = pA
        const double current = (1.0 - root) * input.weight * unit_charge(target, input.type) * input.rate *
                               static_cast<double>(input.sources) * 1e-3;
        target.params.I_e += current;
        scaling_.added_I_e[input.population] += current;
        scaling_.weights_scaled = true;
        input.rate *= k;
        input.weight /= root;
    }
}

}  // namespace synorm::config::detail
