// The vocabulary of the configuration schema, shared by the reader (YAML → model_spec) and the
// writer of the resolved configuration (model_spec → YAML), so the two cannot drift apart.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "synorm/config/units.hpp"
#include "synorm/model/model_spec.hpp"
#include "synorm/plasticity/rules.hpp"

namespace synorm::config::detail {

template <class T>
struct choice {
    std::string_view name;
    T value;
};

template <class T>
std::string_view name_of(std::span<const choice<T>> choices, T value) {
    for (const choice<T>& c : choices) {
        if (c.value == value) return c.name;
    }
    return "?";
}

inline constexpr choice<model::cell_type> cell_types[] = {
    {"excitatory", model::cell_type::excitatory},
    {"inhibitory", model::cell_type::inhibitory},
};

inline constexpr choice<model::placement_kind> placements[] = {
    {"round_robin", model::placement_kind::round_robin},
    {"blocks", model::placement_kind::blocks},
    {"groups", model::placement_kind::groups},
};

inline constexpr choice<model::branch_spec::assignment> branch_assignments[] = {
    {"random", model::branch_spec::assignment::random},
    {"by_source", model::branch_spec::assignment::by_source},
};

inline constexpr choice<model::connection_rule> connection_rules[] = {
    {"fixed_indegree", model::connection_rule::fixed_indegree},
    {"pairwise_bernoulli", model::connection_rule::pairwise_bernoulli},
    {"fixed_total_number", model::connection_rule::fixed_total_number},
    {"one_to_one", model::connection_rule::one_to_one},
    {"all_to_all", model::connection_rule::all_to_all},
};

inline constexpr choice<model::distribution::kind> distribution_kinds[] = {
    {"constant", model::distribution::kind::constant},
    {"normal", model::distribution::kind::normal},
    {"uniform", model::distribution::kind::uniform},
    {"lognormal", model::distribution::kind::lognormal},
};

inline constexpr choice<model::neuron_kind> neuron_kinds[] = {
    {"lif_delta", model::neuron_kind::lif_delta},
    {"lif_curr_exp", model::neuron_kind::lif_curr_exp},
    {"lif_cond_exp", model::neuron_kind::lif_cond_exp},
    {"lif_cond_exp_adapt", model::neuron_kind::lif_cond_exp_adapt},
    {"lif_curr_alpha", model::neuron_kind::lif_curr_alpha},
    {"lif_curr_exp_adapt", model::neuron_kind::lif_curr_exp_adapt},
    {"poisson_source", model::neuron_kind::poisson_source},
};

// Plasticity rules by their YAML name, in the order of plasticity::registered_rules. stdp_rule::none
// is the absence of a `plasticity` map, not a word.
inline constexpr auto stdp_rules = [] {
    using rules = plasticity::registered_rules;
    std::array<choice<model::stdp_rule>, rules::size> list{};
    for (std::size_t k = 0; k < rules::size; ++k)
        rules::visit(k, [&]<class R>(std::type_identity<R>) { list[k] = {R::name, rules::kind_of<R>()}; });
    return list;
}();

// The rule words as prose, "stdp, triplet or vogels", each between `quote`s.
inline std::string rule_word_list(std::string_view quote = "") {
    std::string words;
    for (std::size_t k = 0; k < stdp_rules.size(); ++k) {
        words += k == 0 ? "" : k + 1 == stdp_rules.size() ? " or " : ", ";
        words += std::string(quote) + std::string(stdp_rules[k].name) + std::string(quote);
    }
    return words;
}

inline constexpr choice<model::weight_dependence> weight_dependences[] = {
    {"additive", model::weight_dependence::additive},
    {"multiplicative", model::weight_dependence::multiplicative},
    {"power_law", model::weight_dependence::power_law},
};

inline constexpr choice<model::spike_pairing> spike_pairings[] = {
    {"all_to_all", model::spike_pairing::all_to_all},
    {"nearest", model::spike_pairing::nearest},
};

inline constexpr choice<model::phase_kind> phase_kinds[] = {
    {"wake", model::phase_kind::wake},
    {"nrem", model::phase_kind::nrem},
    {"rem", model::phase_kind::rem},
    {"custom", model::phase_kind::custom},
};

// The words of schedule.renormalization.set_point; a mean weight (reference::value) is a quantity.
inline constexpr choice<model::renormalization_spec::reference> set_points[] = {
    {"first_wake", model::renormalization_spec::reference::first_wake},
    {"start", model::renormalization_spec::reference::start},
};

inline constexpr choice<model::renormalization_spec::selectivity> renormalization_modes[] = {
    {"proportional", model::renormalization_spec::selectivity::proportional},
    {"selective", model::renormalization_spec::selectivity::selective},
};

inline constexpr choice<model::renormalization_spec::extent> renormalization_scopes[] = {
    {"network", model::renormalization_spec::extent::network},
    {"group", model::renormalization_spec::extent::group},
};

inline constexpr choice<model::exchange_strategy> exchange_strategies[] = {
    {"allgather", model::exchange_strategy::allgather},
    {"alltoall", model::exchange_strategy::alltoall},
    {"auto", model::exchange_strategy::automatic},
};
inline constexpr choice<model::exchange_structure> exchange_structures[] = {
    {"flat", model::exchange_structure::flat},
    {"groups", model::exchange_structure::groups},
    {"auto", model::exchange_structure::automatic},
};
inline constexpr choice<model::overlap_setting> overlap_settings[] = {
    {"on", model::overlap_setting::on},
    {"off", model::overlap_setting::off},
    {"auto", model::overlap_setting::automatic},
};

inline constexpr choice<model::scaling_mode> scaling_modes[] = {
    {"multiplicative", model::scaling_mode::multiplicative},
    {"additive", model::scaling_mode::additive},
};

// A neuron parameter: its key, dimension and place in model::neuron_params, and its entry in the
// reference (synorm/config/key_schema.hpp).
struct neuron_param {
    std::string_view key;
    dimension dim;
    double model::neuron_params::*member;
    std::string_view fallback, range, doc;
};

namespace params {
using model::neuron_params;
inline constexpr neuron_param C_m{"C_m", dimension::capacitance, &neuron_params::C_m, "`\"250 pF\"`",
                                  "> 0", "membrane capacitance"};
inline constexpr neuron_param tau_m{
    "tau_m",       dimension::time, &neuron_params::tau_m,
    "`\"10 ms\"`", "> 0",           "membrane time constant (leak conductance g_L = C_m / tau_m)"};
inline constexpr neuron_param E_L{
    "E_L", dimension::voltage, &neuron_params::E_L, "`\"-65 mV\"`", "", "resting (leak reversal) potential"};
inline constexpr neuron_param V_th{"V_th",         dimension::voltage, &neuron_params::V_th,
                                   "`\"-50 mV\"`", "> `V_reset`",      "spike threshold"};
inline constexpr neuron_param V_reset{"V_reset", dimension::voltage,       &neuron_params::V_reset, "`\"-65 mV\"`",
                                      "",        "potential after a spike"};
inline constexpr neuron_param t_ref{"t_ref",      dimension::time, &neuron_params::t_ref,
                                    "`\"2 ms\"`", "≥ 0",           "absolute refractory period"};
inline constexpr neuron_param tau_syn_ex{
    "tau_syn_ex",
    dimension::time,
    &neuron_params::tau_syn_ex,
    "`\"0.5 ms\"`",
    "> 0",
    "decay time of excitatory synaptic currents or conductances (`lif_curr_alpha`: rise time, at which the "
    "current peaks)"};
inline constexpr neuron_param tau_syn_in{
    "tau_syn_in",
    dimension::time,
    &neuron_params::tau_syn_in,
    "`\"0.5 ms\"`",
    "> 0",
    "decay time of inhibitory synaptic currents or conductances (`lif_curr_alpha`: rise time, at which the "
    "current peaks)"};
inline constexpr neuron_param E_ex{
    "E_ex", dimension::voltage, &neuron_params::E_ex, "`\"0 mV\"`", "", "excitatory reversal potential"};
inline constexpr neuron_param E_in{
    "E_in", dimension::voltage, &neuron_params::E_in, "`\"-85 mV\"`", "", "inhibitory reversal potential"};
inline constexpr neuron_param I_e{"I_e", dimension::current,     &neuron_params::I_e, "`\"0 pA\"`",
                                  "",    "constant bias current"};
inline constexpr neuron_param a{"a",
                                dimension::conductance,
                                &neuron_params::a,
                                "`\"0 nS\"`",
                                "",
                                "subthreshold adaptation: τ_w dw/dt = a (V − E_L) − w"};
inline constexpr neuron_param b{"b",
                                dimension::current,
                                &neuron_params::b,
                                "`\"0 pA\"`",
                                "",
                                "spike-triggered adaptation: w jumps by b at each spike"};
inline constexpr neuron_param tau_w{"tau_w",        dimension::time, &neuron_params::tau_w,
                                    "`\"100 ms\"`", "> 0",           "adaptation time constant"};
inline constexpr neuron_param rate{"rate",     dimension::rate, &neuron_params::rate,
                                   "required", "≥ 0",           "rate of each member's spike train"};

inline constexpr neuron_param lif_delta[] = {C_m, tau_m, E_L, V_th, V_reset, t_ref, I_e};
inline constexpr neuron_param lif_curr_exp[] = {C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e};
inline constexpr neuron_param lif_cond_exp[] = {C_m,        tau_m,      E_L,  V_th, V_reset, t_ref,
                                                tau_syn_ex, tau_syn_in, E_ex, E_in, I_e};
inline constexpr neuron_param lif_cond_exp_adapt[] = {C_m,        tau_m, E_L,  V_th, V_reset, t_ref, tau_syn_ex,
                                                      tau_syn_in, E_ex,  E_in, I_e,  a,       b,     tau_w};
inline constexpr neuron_param lif_curr_exp_adapt[] = {C_m,        tau_m,      E_L, V_th, V_reset, t_ref,
                                                      tau_syn_ex, tau_syn_in, I_e, a,    b,       tau_w};
inline constexpr neuron_param lif_curr_alpha[] = {C_m, tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e};
inline constexpr neuron_param poisson_source[] = {rate};
}  // namespace params

inline constexpr std::string_view variables_delta[] = {"V_m"};
inline constexpr std::string_view variables_curr_exp[] = {"V_m", "I_syn_ex", "I_syn_in"};
inline constexpr std::string_view variables_cond_exp[] = {"V_m", "g_ex", "g_in"};
inline constexpr std::string_view variables_cond_exp_adapt[] = {"V_m", "g_ex", "g_in", "w"};
inline constexpr std::string_view variables_curr_exp_adapt[] = {"V_m", "I_syn_ex", "I_syn_in", "w"};

// What the schema knows about one neuron model.
struct neuron_model_info {
    std::span<const neuron_param> params;         // keys of the `neuron` map besides `model`
    std::span<const std::string_view> variables;  // recordable state
    dimension weight_dim;                         // of incoming weights: what one event adds
    bool conductance_based;
    bool source = false;  // poisson_source: emits spikes, takes no input, has no state to record
};

inline neuron_model_info model_info(model::neuron_kind kind) {
    switch (kind) {
    case model::neuron_kind::lif_delta: return {params::lif_delta, variables_delta, dimension::voltage, false};
    case model::neuron_kind::lif_curr_exp: return {params::lif_curr_exp, variables_curr_exp, dimension::current, false};
    case model::neuron_kind::lif_cond_exp:
        return {params::lif_cond_exp, variables_cond_exp, dimension::conductance, true};
    case model::neuron_kind::lif_cond_exp_adapt:
        return {params::lif_cond_exp_adapt, variables_cond_exp_adapt, dimension::conductance, true};
    case model::neuron_kind::lif_curr_alpha:
        return {params::lif_curr_alpha, variables_curr_exp, dimension::current, false};
    case model::neuron_kind::lif_curr_exp_adapt:
        return {params::lif_curr_exp_adapt, variables_curr_exp_adapt, dimension::current, false};
    case model::neuron_kind::poisson_source: return {params::poisson_source, {}, dimension::voltage, false, true};
    }
    return {params::lif_delta, variables_delta, dimension::voltage, false};
}

// The resolved configuration writes an input or recording that never stops as this word.
inline constexpr std::string_view never = "never";

}  // namespace synorm::config::detail
