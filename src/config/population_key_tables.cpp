// The schema of a population (key_tables.hpp: how a table is laid out): its neuron, its
// Poisson source, and its homeostasis sections (calcium, scaling, branches, e_gaba, normalization,
// metaplasticity).
#include "key_tables.hpp"

namespace synorm::config::detail {
namespace {

bool positive_tau_integral(const model::scaling_spec& s) { return s.tau_integral > 0; }
bool never_written(const model::e_gaba_spec&) { return false; }
bool has_group(const model::population_spec& p) { return !p.group.empty(); }

const key<model::population_spec> population_table[] = {
    {{"size", "integer", "", "required", "≥ 1", "number of neurons (before `network.scale`)"},
     bind<&model::population_spec::size>(form::integer)},
    {{"type", "word", "", "`excitatory`", "`excitatory` or `inhibitory`",
      "Dale's law: the receptor that every outgoing synapse of this population feeds, and so the sign of its weights"},
     bind_word<&model::population_spec::type, cell_types>()},
    {{"group", "word", "", "none", "",
      "a grouping of populations, such as the area of a multi-area model; written to the output's "
      "`/populations/<name>` as the attribute `group`, and the group's rate over time to `/rates_by_group/<group>`"},
     bind_text<&model::population_spec::group>(),
     &has_group},
    {unbound({"neuron", "map", "", "required", "", "the neuron model and its parameters (below)"})},
    {{"V_init", "voltage or [distribution](#distributions)", "mV", "the neuron's `E_L`", "",
      "initial membrane potential, one draw per neuron"},
     bind<&model::population_spec::V_init>()},
    {unbound({"calcium", "map", "", "`{tau: \"1 s\"}`", "", "the activity sensor ([below](#populationsnamecalcium))"})},
    {unbound(
        {"scaling", "map", "", "off", "", "synaptic scaling toward a target rate ([below](#populationsnamescaling))"})},
    {unbound({"branches", "map", "", "off", "",
              "dendritic branches with their own gains ([below](#populationsnamebranches))"})},
    {unbound({"e_gaba", "map", "", "off", "",
              "homeostatic shift of the inhibitory reversal potential, conductance models only "
              "([below](#populationsnamee_gaba))"})},
    {unbound({"normalization", "map", "", "off", "",
              "keeps each neuron's total plastic excitatory weight fixed ([below](#populationsnamenormalization))"})},
    {unbound({"metaplasticity", "map", "", "off", "",
              "a sliding threshold that scales the potentiation of STDP onto the population "
              "([below](#populationsnamemetaplasticity))"})},
};

// The neuron map of a poisson_source (its `model` key is the neuron section's).
const key<model::population_spec> source_table[] = {
    {{params::rate.key, "rate", "Hz", params::rate.fallback, params::rate.range, params::rate.doc},
     custom<model::population_spec>([](const model::population_spec& p) { return exact(p.params.rate); })},
    {{"changes", "list of `{at: time, rate: rate}`", "ms, Hz", "none", "",
      "the rate from time `at` on (`at` > 0, a multiple of `dt`, increasing)"},
     custom<model::population_spec>([](const model::population_spec& p) {
         std::string text;
         for (const auto& c : p.rate_changes) text += exact(c.at) + " " + exact(c.rate) + "; ";
         return text;
     })},
};

const key<model::population_spec> calcium_table[] = {
    {{"tau", "time", "ms", "`\"1 s\"`", "> 0",
      "decay time of the calcium trace, and the averaging time of the rate estimate"},
     bind<&model::population_spec::tau_calcium>(form::quantity, dimension::time)},
};

const key<model::scaling_spec> scaling_table[] = {
    {{"enabled", "boolean", "", "`true`", "", "scaling on or off"}, bind<&model::scaling_spec::enabled>(form::boolean)},
    {{"mode", "word", "", "`multiplicative`", "`multiplicative` or `additive`",
      "a gain on the weights, or an offset added to them (comparison only)"},
     bind_word<&model::scaling_spec::mode, scaling_modes>()},
    {{"target_rate", "rate", "Hz", "required when enabled", "> 0", "target rate r* of every neuron of the population"},
     bind<&model::scaling_spec::target_rate>(form::quantity, dimension::rate)},
    {{"tau_up", "time", "ms", "`\"10 s\"`", "> 0", "time constant of scaling up (r < r*; the glial TNF-α pathway)"},
     bind<&model::scaling_spec::tau_up>(form::quantity, dimension::time)},
    {{"tau_down", "time", "ms", "`\"10 s\"`", "> 0", "time constant of scaling down (r > r*; the Arc pathway)"},
     bind<&model::scaling_spec::tau_down>(form::quantity, dimension::time)},
    {{"tau_integral", "time", "ms", "none", "> 0", "time constant τ_I of the integral term; without it there is none"},
     bind<&model::scaling_spec::tau_integral>(form::quantity, dimension::time),
     &positive_tau_integral},
    {{"glial_gain", "number", "", "`0`", "≥ 0", "strength of the glial boost of scaling up; 0 = no boost"},
     bind<&model::scaling_spec::glial_gain>(form::number)},
    {{"gain_min", "number", "", "`0.1`", "> 0 and ≤ 1", "lower bound of the gains"},
     bind<&model::scaling_spec::gain_min>(form::number)},
    {{"gain_max", "number", "", "`10`", "≥ 1 and > `gain_min`", "upper bound of the gains"},
     bind<&model::scaling_spec::gain_max>(form::number)},
    {{"inhibitory", "boolean", "", "`false`", "", "also scale the inhibitory inputs, in the opposite direction"},
     bind<&model::scaling_spec::inhibitory>(form::boolean)},
};

const key<model::branch_spec> branch_table[] = {
    {{"enabled", "boolean", "", "`true`", "", "branches on or off (a switched-off map is checked, then ignored)"},
     bind<&model::branch_spec::enabled>(form::boolean)},
    {{"count", "integer", "", "required", "in [1, 64]", "branches per neuron"},
     bind<&model::branch_spec::count>(form::integer)},
    {{"assignment", "word", "", "`random`", "`random` or `by_source`", "how synapses are put on branches"},
     bind_word<&model::branch_spec::assign, branch_assignments>()},
    {{"by_source", "map", "", "required for `by_source`", "from population name to branch (0 to `count` − 1)",
      "the branch of each excitatory source population's synapses"},
     bind<&model::branch_spec::by_source>()},
    {{"tau_activity", "time", "ms", "`\"1 s\"`", "> 0", "decay time of the input drive trace"},
     bind<&model::branch_spec::tau_activity>(form::quantity, dimension::time)},
    {{"target_rate", "rate", "Hz", "required when enabled", "> 0",
      "target input drive r* of every branch (arrivals per second times the gain)"},
     bind<&model::branch_spec::target_rate>(form::quantity, dimension::rate)},
    {{"tau", "time", "ms", "`\"2 s\"`", "> 0", "time constant of the branch gain"},
     bind<&model::branch_spec::tau>(form::quantity, dimension::time)},
    {{"gain_min", "number", "", "`0.1`", "> 0 and ≤ 1", "lower bound of the branch gains"},
     bind<&model::branch_spec::gain_min>(form::number)},
    {{"gain_max", "number", "", "`10`", "≥ 1 and > `gain_min`", "upper bound of the branch gains"},
     bind<&model::branch_spec::gain_max>(form::number)},
    {{"record", "list of population-local ids", "", "`[]`", "",
      "neurons whose branch gains are written in full (`/homeostasis/<name>/branch_gain`)"},
     bind<&model::branch_spec::record>()},
};

const key<model::e_gaba_spec> e_gaba_table[] = {
    {{"enabled", "boolean", "", "`true`", "", "on or off"},
     bind<&model::e_gaba_spec::enabled>(form::boolean),
     &never_written},
    {{"target_rate", "rate", "Hz", "the `scaling` target when scaling is on; otherwise required", "> 0",
      "target rate r*"},
     bind<&model::e_gaba_spec::target_rate>(form::quantity, dimension::rate)},
    {{"tau", "time", "ms", "`\"10 s\"`", "> 0", "time constant of the shift"},
     bind<&model::e_gaba_spec::tau>(form::quantity, dimension::time)},
    {{"E_in_min", "voltage", "mV", "`\"-90 mV\"`", "",
      "lower bound; the neuron's `E_in` must lie in [`E_in_min`, `E_in_max`]"},
     bind<&model::e_gaba_spec::E_in_min>(form::quantity, dimension::voltage)},
    {{"E_in_max", "voltage", "mV", "`\"-60 mV\"`", "> `E_in_min`", "upper bound"},
     bind<&model::e_gaba_spec::E_in_max>(form::quantity, dimension::voltage)},
};

const key<model::normalization_spec> normalization_table[] = {
    {{"enabled", "boolean", "", "`true`", "", "on or off"}, bind<&model::normalization_spec::enabled>()},
    {{"total", "weight dimension of the population's model", "receptor unit", "required", "> 0",
      "the total plastic excitatory weight per neuron"},
     bind<&model::normalization_spec::total>(form::weight)},
};

const key<model::metaplasticity_spec> metaplasticity_table[] = {
    {{"enabled", "boolean", "", "`true`", "", "on or off"}, bind<&model::metaplasticity_spec::enabled>()},
    {{"target_rate", "rate", "Hz", "the `scaling` target when scaling is on; otherwise required", "> 0",
      "r0, with θ0 = r0², where m = 1"},
     bind<&model::metaplasticity_spec::target_rate>(form::quantity, dimension::rate)},
    {{"tau_theta", "time", "ms", "required", "> 0", "time constant of θ"},
     bind<&model::metaplasticity_spec::tau_theta>(form::quantity, dimension::time)},
    {{"factor_min", "number", "", "0.1", "in (0, 1]", "lower bound of m"},
     bind<&model::metaplasticity_spec::factor_min>(form::number)},
    {{"factor_max", "number", "", "10", "≥ 1", "upper bound of m"},
     bind<&model::metaplasticity_spec::factor_max>(form::number)},
};

}  // namespace

const std::span<const key<model::population_spec>> population_keys = population_table;
const std::span<const key<model::population_spec>> source_keys = source_table;
const std::span<const key<model::population_spec>> calcium_keys = calcium_table;
const std::span<const key<model::scaling_spec>> scaling_keys = scaling_table;
const std::span<const key<model::branch_spec>> branch_keys = branch_table;
const std::span<const key<model::e_gaba_spec>> e_gaba_keys = e_gaba_table;
const std::span<const key<model::normalization_spec>> normalization_keys = normalization_table;
const std::span<const key<model::metaplasticity_spec>> metaplasticity_keys = metaplasticity_table;

}  // namespace synorm::config::detail
