// The configuration schema: every key of every section, declared once (key_tables.hpp says who
// reads these tables). The documentation columns are config/README.md's reference tables, which
// synorm_config_reference writes from here.
#include "key_tables.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace synorm::config::detail {
namespace {

using model::distribution;
template <class S>
using keys_of = const key<S>[];

bool positive_tau_integral(const model::scaling_spec& s) { return s.tau_integral > 0; }
bool has_period(const model::pruning_spec& p) { return p.period > 0; }
bool has_max_rate(const model::checks_spec& c) { return c.max_rate > 0; }
bool never_written(const model::e_gaba_spec&) { return false; }
bool non_default_placement(const model::model_spec& m) { return m.placement != model::placement_kind::round_robin; }
bool by_indegree(const model::projection_spec& p) { return p.rule == model::connection_rule::fixed_indegree; }
bool by_probability(const model::projection_spec& p) { return p.rule == model::connection_rule::pairwise_bernoulli; }
bool by_number(const model::projection_spec& p) { return p.rule == model::connection_rule::fixed_total_number; }
bool has_group(const model::population_spec& p) { return !p.group.empty(); }
bool counted(const model::projection_spec& p) { return by_indegree(p) || by_number(p); }

template <class S>
constexpr binding<S> custom(std::string (*value)(const S&), form written = form::custom) {
    binding<S> b;
    b.value = value;
    b.written = written;
    return b;
}

constexpr key_info unbound(key_info info) {
    info.bound = false;
    return info;
}

// The sections of a configuration file: the map at its top.
const key<model::model_spec> top_table[] = {
    {unbound({"simulation", "map", "", "all defaults", "", "time step, duration and seed ([below](#simulation))"})},
    {unbound({"network", "map", "", "no scaling", "", "scaling of the whole network ([below](#network))"})},
    {unbound({"populations", "map", "", "required", "at least one",
              "the neuron populations by name ([below](#populations-required))"})},
    {unbound({"projections", "list", "", "`[]`", "", "the synaptic connections ([below](#projections))"})},
    {unbound({"inputs", "list", "", "`[]`", "", "Poisson, DC and pattern inputs ([below](#inputs))"})},
    {unbound({"tables", "map", "", "none", "",
              "populations, projections and inputs from CSV tables, one entry per row ([below](#tables))"})},
    {unbound({"recording", "map", "", "spikes and rates", "", "what the output file holds ([below](#recording))"})},
    {unbound({"homeostasis", "map", "", "all defaults", "", "the homeostasis period ([below](#homeostasis))"})},
    {unbound({"checks", "map", "", "all defaults", "", "runtime health checks ([below](#checks))"})},
    {unbound({"schedule", "map", "", "none", "", "sleep and wake phases ([below](#schedule))"})},
    {unbound({"comm", "map", "", "all defaults", "", "how ranks exchange spikes ([below](#comm))"})},
    {unbound({"dry_run", "map", "", "none", "", "the model of the other ranks in a dry run ([below](#dry_run))"})},
};

// tables: read while loading into the sections they fill; the spec holds their entries, not their keys.
const key<model::model_spec> tables_table[] = {
    {unbound({"directory", "path", "", "the configuration's folder", "",
              "folder of the tables' files, relative to the configuration file's folder"})},
    {unbound({"populations", "table or list of tables", "", "none", "",
              "each row becomes a population, named by the table's `name` pattern"})},
    {unbound({"projections", "table or list of tables", "", "none", "",
              "each row becomes a projection, after those of `projections`"})},
    {unbound(
        {"inputs", "table or list of tables", "", "none", "", "each row becomes an input, after those of `inputs`"})},
    {unbound({"rates", "rates table or list of them", "", "none", "",
              "each row gives a population's rate, for `network.compensation` and `dry_run` ([below](#tablesrates))"})},
};

const key<model::model_spec> rates_table_table[] = {
    {unbound({"file", "path", "", "required", "a CSV file with a header line",
              "the table, relative to `tables.directory`"})},
    {unbound({"name", "text with `{column}`", "", "required", "an existing population for every row, each once",
              "the population whose rate the row gives, e.g. `\"{area}_{population}\"`"})},
    {unbound({"derived", "map", "", "none", "", "as for the other tables"})},
    {unbound(
        {"rate", "rate with `{column}`", "Hz", "required", "≥ 0", "the population's rate, e.g. `\"{rate_Hz} Hz\"`"})},
};

const key<model::model_spec> table_table[] = {
    {unbound({"file", "path", "", "required", "a CSV file with a header line",
              "the table, relative to `tables.directory`"})},
    {unbound({"name", "text with `{column}`", "", "required (populations only)", "a valid name for every row",
              "the population's name, e.g. `\"{area}_{population}\"`"})},
    {unbound({"derived", "map", "", "none", "", "columns derived from a column by a table of values (below)"})},
    {unbound({"template", "map", "", "required", "",
              "the entry each row becomes, as in its section, with `{column}` replaced by the row's cell"})},
    {unbound({"where", "map of text with `{column}` to text with `{column}`", "", "every row", "",
              "only the rows where each key fills to the same text as its value, e.g. "
              "`{\"{source_area}\": \"{target_area}\"}`"})},
    {unbound({"unless", "map of text with `{column}` to text with `{column}`", "", "no row", "",
              "leaves out the rows where each key fills to the same text as its value (the rows `where` with the "
              "same map keeps)"})},
};

const key<model::simulation_spec> simulation_table[] = {
    {{"dt", "time", "ms", "`\"0.1 ms\"`", "from `\"1 us\"` to `\"1 ms\"`",
      "time step (1 µs is NEST's default resolution; a coarser step than 1 ms no longer resolves refractory periods "
      "or STDP windows)"},
     bind<&model::simulation_spec::dt>(form::quantity, dimension::time)},
    {{"duration", "time", "ms", "`\"1 s\"`", "at least half a step (it rounds to ≥ 1 step)",
      "biological time to simulate"},
     bind<&model::simulation_spec::duration>(form::quantity, dimension::time)},
    {{"seed", "integer", "", "`1`", "≥ 0", "seed of every random stream (connectivity, initial state, inputs)"},
     bind<&model::simulation_spec::seed>(form::integer)},
};

// network.* is applied while loading (sizes, in-degrees, weights): the spec holds its effect, not its keys;
// only `placement` is kept as it is.
const key<model::model_spec> network_table[] = {
    {unbound({"scale", "number", "", "`1`", "> 0", "resizes the whole network (see below)"})},
    {unbound(
        {"indegree_scale", "number", "", "`scale`", "> 0", "resizes the in-degrees apart from the sizes (see below)"})},
    {unbound({"compensation", "map", "", "none", "",
              "keeps each neuron's mean input when in-degrees change ([below](#compensation))"})},
    {unbound({"group_delay_min", "time", "ms", "none", "a multiple of `dt`, > 0; some population has a `group`",
              "the least delay of every projection between populations of different groups (`group`; none counts "
              "as a group of its own): normal and lognormal delays are redrawn at or above it, a constant or "
              "uniform one below it is an error. Lets the exchange between groups be rarer (`comm.structure`); "
              "the resolved configuration holds the raised delay bounds ([below](#group_delay_min))"})},
    {{"placement", "word", "", "`round_robin`", "`round_robin`, `blocks` or `groups`",
      "which rank owns which neuron: `round_robin` (gid % ranks), `blocks` (one contiguous gid range per rank, "
      "whole populations where they fit, balanced by estimated cost) or `groups` (as `blocks`, each rank's range "
      "inside one group or holding whole groups; [below](#placement)). Results are the same every way"},
     bind_word<&model::model_spec::placement, placements>(),
     &non_default_placement},
};

const key<model::model_spec> compensation_table[] = {
    {unbound({"mean_rates", "map", "Hz", "required", "from population name to rate ≥ 0",
              "mean firing rate of each population in the full-scale network. Every population that is the source of "
              "a projection needs one. Optional with `tables.rates`, whose rates it overrides"})},
    {unbound({"inputs", "boolean", "", "`false`", "",
              "compensate the `poisson` inputs too: their rate scales with `indegree_scale` like an in-degree "
              "([below](#compensation))"})},
};

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

const key<model::projection_spec> projection_table[] = {
    {{"name", "name", "", "`\"<source>_to_<target>\"`", "",
      "unique among projections; used by `recording.weights` and in the output"},
     bind_text<&model::projection_spec::name>()},
    {{"source", "population name", "", "required", "", "presynaptic population"},
     bind<&model::projection_spec::source>()},
    {{"target", "population name", "", "required", "", "postsynaptic population"},
     bind<&model::projection_spec::target>()},
    {unbound({"connect", "map", "", "required", "", "connection rule (below)"})},
    {{"weight", "[weight dimension](#neuron) or [distribution](#distributions)", "receptor unit", "required", "",
      "synaptic weight, one draw per synapse"},
     bind<&model::projection_spec::weight>()},
    {{"delay", "time or [distribution](#distributions)", "ms", "required", "",
      "transmission delay, one draw per synapse, rounded to steps"},
     bind<&model::projection_spec::delay>()},
    {unbound({"plasticity", "map", "", "none (static)", "",
              "spike-timing-dependent plasticity of the weights ([below](#projectionsplasticity))"})},
    {unbound({"pruning", "map", "", "none", "",
              "microglial pruning of weak synapses of a plastic projection ([below](#projectionspruning))"})},
};

const key<model::projection_spec> connect_table[] = {
    {{"rule", "word", "", "required", "",
      "`fixed_indegree`: every target neuron gets exactly `indegree` sources drawn at random. `pairwise_bernoulli`: "
      "every (source, target) pair is connected with probability `p`. `fixed_total_number`: `number` synapses in "
      "all, each between a random source and a random target. `one_to_one`: source *i* to target *i* (the sizes "
      "must be equal). `all_to_all`: every pair",
      "all"},
     bind_word<&model::projection_spec::rule, connection_rules>()},
    {{"indegree", "integer", "", "required", "≥ 0",
      "sources per target neuron. Without multapses it must not exceed the source population's size, less 1 when "
      "the projection is onto its own population without autapses",
      "`fixed_indegree`"},
     bind<&model::projection_spec::indegree>(form::integer),
     &by_indegree},
    {{"p", "number", "", "required", "in [0, 1]", "connection probability", "`pairwise_bernoulli`"},
     bind<&model::projection_spec::probability>(form::number),
     &by_probability},
    {{"number", "integer", "", "required", "≥ 0",
      "total number of synapses. Without multapses it must not exceed the number of distinct pairs",
      "`fixed_total_number`"},
     bind<&model::projection_spec::total_number>(form::integer),
     &by_number},
    {{"autapses", "boolean", "", "`true`", "", "allow a neuron to connect to itself (when source = target)", "all"},
     bind<&model::projection_spec::allow_autapses>(form::boolean)},
    {{"multapses", "boolean", "", "`true`", "", "allow more than one synapse between the same pair",
      "`fixed_indegree`, `fixed_total_number`"},
     bind<&model::projection_spec::allow_multapses>(form::boolean),
     &counted},
};

const key<model::pruning_spec> pruning_table[] = {
    {{"threshold", "weight dimension of the target's model", "receptor unit", "required", "≥ 0",
      "a synapse is weak while the magnitude of its effective weight is below this"},
     bind<&model::pruning_spec::threshold>(form::weight)},
    {{"tagging_time", "time", "ms", "`\"0 ms\"`", "≥ 0, a multiple of `homeostasis.period`",
      "a synapse weak for longer than this is tagged"},
     bind<&model::pruning_spec::tagging_time>(form::quantity, dimension::time)},
    {{"period", "time", "ms", "none", "> 0, a multiple of `homeostasis.period`",
      "prune every `period`; without it, at the end of every `nrem` phase of the schedule that runs (not skipped)"},
     bind<&model::pruning_spec::period>(form::quantity, dimension::time),
     &has_period},
    {{"depleted", "boolean", "", "`false`", "",
      "microglia depletion: tags are counted and recorded, nothing is removed (weak synapses accumulate)"},
     bind<&model::pruning_spec::depleted>(form::boolean)},
};

// `kind` selects the table; it is a key of each.
const key<model::poisson_input_spec> poisson_table[] = {
    {unbound({"kind", "word", "", "required", "`poisson`", "the kind of input"})},
    {{"target", "population name", "", "required", "", "population that receives the input"},
     bind<&model::poisson_input_spec::population>()},
    {{"rate", "rate", "Hz", "required", "≥ 0", "rate of each source"},
     bind<&model::poisson_input_spec::rate>(form::quantity, dimension::rate)},
    {{"sources", "integer", "", "`1`", "≥ 1", "independent sources per neuron"},
     bind<&model::poisson_input_spec::sources>(form::integer)},
    {{"weight", "weight dimension of the target's model", "receptor unit", "required", "a constant",
      "what each event adds. The same sign rules apply as for projections, with `receptor` in place of the source "
      "type"},
     bind<&model::poisson_input_spec::weight>(form::weight)},
    {{"receptor", "word", "", "`excitatory`", "`excitatory` or `inhibitory`", "receptor the events feed"},
     bind_word<&model::poisson_input_spec::type, cell_types>()},
    {{"first", "integer", "", "`0`", "≥ 0, < size", "first addressed neuron (population-local id)"},
     bind<&model::poisson_input_spec::first>(form::integer)},
    {{"count", "integer", "", "`size − first`", "≥ 1", "number of addressed neurons, `first + count ≤ size`"},
     bind<&model::poisson_input_spec::count>(form::integer)},
    {{"start", "time", "ms", "`\"0 ms\"`", "≥ 0", "input on from this time"},
     bind<&model::poisson_input_spec::start>(form::quantity, dimension::time)},
    {{"stop", "time or `never`", "ms", "`never`", "> `start`", "input off from this time"},
     bind<&model::poisson_input_spec::stop>(form::stop)},
};

const key<model::dc_input_spec> dc_table[] = {
    {unbound({"kind", "word", "", "required", "`dc`", "the kind of input"})},
    {{"target", "population name", "", "required", "", "population that receives the current"},
     bind<&model::dc_input_spec::population>()},
    {{"amplitude", "current", "pA", "required", "", "injected current, either sign"},
     bind<&model::dc_input_spec::amplitude>(form::quantity, dimension::current)},
    {{"first", "integer", "", "`0`", "≥ 0, < size", "as for `poisson`"},
     bind<&model::dc_input_spec::first>(form::integer)},
    {{"count", "integer", "", "`size − first`", "≥ 1", "as for `poisson`"},
     bind<&model::dc_input_spec::count>(form::integer)},
    {{"start", "time", "ms", "`\"0 ms\"`", "≥ 0", "as for `poisson`"},
     bind<&model::dc_input_spec::start>(form::quantity, dimension::time)},
    {{"stop", "time or `never`", "ms", "`never`", "> `start`", "as for `poisson`"},
     bind<&model::dc_input_spec::stop>(form::stop)},
};

const key<model::pattern_spec> pattern_table[] =
    {
        {unbound({"kind", "word", "", "required", "`pattern`", "the kind of input"})},
        {{"name", "name", "", "`pattern<i>`, *i* its index among patterns", "",
          "unique among patterns; `/patterns/<name>` and the schedule's `patterns` lists"},
         bind_text<&model::pattern_spec::name>()},
        {{"target", "population name", "", "required", "", "the population the group belongs to"},
         bind<&model::pattern_spec::population>()},
        {{"group", "`{first, count}`, `{random: N, seed: S}` or a list of ids", "", "required", "",
          "the members (population-local ids, ≥ 2): the range `[first, first + count)` (`first` defaults to 0); or N "
          "ids "
          "drawn without replacement by the counter-based stream of (`seed`, the pattern's index), `seed` defaulting "
          "to "
          "`simulation.seed`; or the ids listed (each once)"},
         custom<model::pattern_spec>([](const model::pattern_spec& p) {
             return exact(p.chosen) + " " + exact(p.first) + " " + exact(p.count) + " " + exact(p.group_seed) + " " +
                    exact(p.group);
         })},
        {{"start", "time", "ms", "`\"0 ms\"`", "≥ 0, a multiple of `dt`", "the first onset"},
         bind<&model::pattern_spec::start>(form::quantity, dimension::time)},
        {{"period", "time", "ms", "`\"1 s\"`", "> 0, a multiple of `dt`, ≥ `duration + jitter`",
          "between onsets: onsets at `start + k·period`"},
         bind<&model::pattern_spec::period>(form::quantity, dimension::time)},
        {{"duration", "time", "ms", "`\"100 ms\"`", "> 0, a multiple of `dt`", "each presentation"},
         bind<&model::pattern_spec::duration>(form::quantity, dimension::time)},
        {{"stop", "time or `never`", "ms", "`never`", "", "no onset at or after it (nor after the end of the run)"},
         bind<&model::pattern_spec::stop>(form::stop)},
        {{"jitter", "time", "ms", "`\"0 ms\"`", "≥ 0, a multiple of `dt`",
          "member *i* of presentation *k* is driven during `[onset + δ, onset + δ + duration)`, δ uniform on "
          "`{0, dt, …, jitter}`, drawn from the stream (seed, pattern, gid, k)"},
         bind<&model::pattern_spec::jitter>(form::quantity, dimension::time)},
        {{"rate", "rate", "Hz", "required", "≥ 0",
          "the drive of each member while it is presented: its own Poisson train of `rate × sources`"},
         bind<&model::pattern_spec::rate>(form::quantity, dimension::rate)},
        {{"sources", "integer", "", "`1`", "≥ 1", "as for `poisson`"},
         bind<&model::pattern_spec::sources>(form::integer)},
        {{"weight", "weight dimension of the target's model", "receptor unit", "required", "", "as for `poisson`"},
         bind<&model::pattern_spec::weight>(form::weight)},
        {{"receptor", "word", "", "`excitatory`", "`excitatory` or `inhibitory`", "as for `poisson`"},
         custom<model::pattern_spec>(
             [](const model::pattern_spec& p) {
    return std::string(name_of<model::cell_type>(cell_types, p.inhibitory ? model::cell_type::inhibitory
                                                                          : model::cell_type::excitatory));
             },
             form::word)},
        {unbound({"probe", "map", "", "none", "", "recall probes (below)"})},
};

const key<model::pattern_spec> probe_table[] = {
    {{"times", "list of times", "ms", "required", "each a multiple of `dt`, with `time + window` within the run",
      "the onsets of the probes"},
     bind<&model::pattern_spec::probe_times>()},
    {{"cue", "number", "", "`0.5`", "in (0, 1); at least one member cued, never all",
      "fraction of the group cued: the first `round(cue × size)` members in id order"},
     bind<&model::pattern_spec::cue>(form::number)},
    {{"duration", "time", "ms", "the pattern's `duration`", "> 0, a multiple of `dt`", "the cue's drive"},
     bind<&model::pattern_spec::probe_duration>(form::quantity, dimension::time)},
    {{"window", "time", "ms", "`\"100 ms\"`", "> 0, a multiple of `dt`", "spikes counted over `[time, time + window)`"},
     bind<&model::pattern_spec::window>(form::quantity, dimension::time)},
};

const key<model::recording_spec> recording_table[] = {
    {{"spikes", "`all`, `none`, or a list of population names", "", "`all`", "",
      "populations whose spikes are written (`/spikes/<population>`)"},
     bind<&model::recording_spec::spike_populations>()},
    {{"rate_bin", "time", "ms", "`\"1 ms\"`", "≥ 0, a multiple of `dt`",
      "bin width of the population rates (`/rates`). `\"0 ms\"` writes no rates"},
     bind<&model::recording_spec::rate_bin>(form::quantity, dimension::time)},
    {unbound({"state", "list of state recorders", "", "`[]`", "", "sampled state variables (below)"})},
    {unbound({"weights", "list of weight recorders", "", "`[]`", "", "weight snapshots (below)"})},
    {unbound({"homeostasis", "list of `{population, ids}`", "", "none", "one entry per population",
              "neurons whose gains (and E_in for conductance models) are written every homeostasis period "
              "(`/homeostasis/<population>/neurons`)"})},
    {{"final_state", "boolean", "", "`true`", "",
      "write every neuron's membrane potential at the end (`/final_state`)"},
     bind<&model::recording_spec::final_state>(form::boolean)},
};

const key<model::state_recorder_spec> state_table[] = {
    {{"name", "name", "", "`\"<population>_state<i>\"`, *i* its index in the list", "",
      "unique among state recorders; the group name in `/recordings`"},
     bind_text<&model::state_recorder_spec::name>()},
    {{"population", "population name", "", "required", "", "population to record from"},
     bind<&model::state_recorder_spec::population>()},
    {{"ids", "list of integers", "", "required", "each < size",
      "population-local neuron ids, stored sorted and without duplicates"},
     bind<&model::state_recorder_spec::ids>()},
    {{"variables", "list of words", "", "`[V_m]`", "",
      "`V_m` for every model; `I_syn_ex`, `I_syn_in` for `lif_curr_exp`, `lif_curr_alpha` and `lif_curr_exp_adapt`; "
      "`g_ex`, `g_in` for `lif_cond_exp` and `lif_cond_exp_adapt`; `w` (pA, the adaptation current) for "
      "`lif_cond_exp_adapt` and `lif_curr_exp_adapt`"},
     bind<&model::state_recorder_spec::variables>()},
    {{"interval", "time", "ms", "`dt`", "> 0, a multiple of `dt`", "sampling interval"},
     bind<&model::state_recorder_spec::interval>(form::quantity, dimension::time)},
};

const key<model::weight_recorder_spec> weight_table[] = {
    {{"projection", "projection name", "", "required", "", "projection whose weights are written"},
     bind<&model::weight_recorder_spec::projection>()},
    {{"times", "list of times", "ms", "required", "each in [0, `duration`] and a multiple of `dt`",
      "snapshot times, taken at the start of the step at each time. Stored sorted, without duplicates"},
     bind<&model::weight_recorder_spec::times>()},
};

const key<model::homeostasis_recorder_spec> homeostasis_recorder_table[] = {
    {{"population", "population name", "", "required", "", "population whose neurons are written"},
     bind<&model::homeostasis_recorder_spec::population>()},
    {{"ids", "list of integers", "", "required", "each < size",
      "population-local neuron ids, stored sorted and unique"},
     bind<&model::homeostasis_recorder_spec::ids>()},
};

const key<model::homeostasis_spec> homeostasis_table[] = {
    {{"period", "time", "ms", "`\"100 ms\"`", "> 0, a multiple of `dt` and of the communication interval",
      "the homeostasis period H"},
     bind<&model::homeostasis_spec::period>(form::quantity, dimension::time)},
};

const key<model::checks_spec> checks_table[] = {
    {{"max_rate", "rate", "Hz", "none", "> 0",
      "stop when any population fires faster than this over a homeostasis period (a runaway network ends in seconds, "
      "with the population, its rate and the time named)"},
     bind<&model::checks_spec::max_rate>(form::quantity, dimension::rate),
     &has_max_rate},
    {{"finite", "boolean", "", "`true`", "", "stop when any membrane potential or plastic weight is NaN or infinite"},
     bind<&model::checks_spec::finite>(form::boolean)},
};

const key<model::comm_spec> comm_table[] = {
    {{"exchange", "word", "", "`auto`", "`allgather`, `alltoall` or `auto`",
      "every spike to every rank, or only to the ranks that hold a synapse from its neuron; `auto` takes "
      "`alltoall` on more than 2 ranks when no rank needs more than half the network's neurons. Results are "
      "identical; `synorm resume --set comm.exchange=...` may change it"},
     bind_word<&model::comm_spec::exchange, exchange_strategies>()},
    {{"overlap", "word", "", "`auto`", "`on`, `off` or `auto`",
      "exchange each half interval's spikes while the next half is integrated (non-blocking collectives); `auto` "
      "overlaps on more than one rank. An interval of one step (min delay = dt) cannot overlap. Results are "
      "identical; `synorm resume --set comm.overlap=...` may change it"},
     bind_word<&model::comm_spec::overlap, overlap_settings>()},
    {{"structure", "word", "", "`auto`", "`flat`, `groups` or `auto`",
      "`groups`: with `network.placement: groups`, exchange within each cluster of ranks that holds whole groups "
      "every interval and over all ranks only every multiple of it up to the least delay between clusters "
      "(`network.group_delay_min`); `auto` does so when that is at least 2 intervals; a run that cannot "
      "(overlap, plasticity, homeostasis, a schedule, alltoall) is flat and says why "
      "(above). Results are identical"},
     bind_word<&model::comm_spec::structure, exchange_structures>()},
};

const key<model::dry_run_spec> dry_run_table[] = {
    {unbound({"rates", "map", "Hz", "required by `--dry-run` unless `--dry-run-rates`",
              "from population name to rate ≥ 0",
              "the rate at which the neurons of each population on other ranks spike. Every source population of a "
              "projection needs one"})},
    {{"latency", "time", "ms", "`\"1 us\"`", "≥ 0", "time per message of the modelled exchange"},
     bind<&model::dry_run_spec::latency>(form::quantity, dimension::time)},
    {{"bandwidth", "number", "GB/s", "`25`", "> 0", "bytes per second a rank receives in the modelled exchange"},
     bind<&model::dry_run_spec::bandwidth>(form::number)},
};

const key<model::schedule_spec> schedule_table[] = {
    {{"cycles", "integer", "", "`1`", "≥ 1", "repetitions of the phase list"},
     bind<&model::schedule_spec::cycles>(form::integer)},
    {unbound({"phases", "list of phases", "", "required", "at least one", "the phases of one cycle (below)"})},
    {unbound({"renormalization", "map", "", "off", "", "SHY renormalization (below)"})},
    {{"snapshots", "boolean", "", "`false`", "",
      "weights of every plastic projection at every phase boundary, in `/phase_weights`"},
     bind<&model::schedule_spec::snapshots>(form::boolean)},
};

const key<model::renormalization_spec> renormalization_table[] = {
    {{"enabled", "boolean", "", "`true` once the map is given", "", "renormalization on or off"},
     bind<&model::renormalization_spec::enabled>()},
    {{"set_point", "word or weight", "receptor unit", "`first_wake`", "`first_wake`, `start`, or a mean weight > 0",
      "the target W*: W at the start of the first wake phase (`first_wake`), W at time 0 (`start`), or a mean "
      "weight such as `\"6 nS\"` (W* = that × synapses)"},
     custom<model::renormalization_spec>(
         [](const model::renormalization_spec& r) { return exact(r.set_point) + " " + exact(r.mean_weight); })},
    {{"tau", "time", "ms", "`\"1 s\"`", "> 0", "time constant of the approach to W*"},
     bind<&model::renormalization_spec::tau>()},
    {{"mode", "word", "", "`proportional`", "`proportional` or `selective`",
      "`proportional`: G on every synapse; `selective`: the strongest synapses are spared"},
     bind<&model::renormalization_spec::mode>()},
    {{"spare", "number", "", "`0.2`", "in (0, 1)", "selective only: the fraction of each projection's synapses spared"},
     bind<&model::renormalization_spec::spare>()},
    {{"scope", "word", "", "`network`", "`network` or `group`",
      "`network`: one gain G and set point W* for all; `group`: each group of populations (`group`, the areas) "
      "its own W, W* and G, from the same reduction; every renormalized projection's target needs a group"},
     bind<&model::renormalization_spec::scope>()},
};

const key<model::phase_spec> phase_table[] = {
    {{"name", "text", "", "required", "", "the phase's name in `/phases`"}, bind<&model::phase_spec::name>()},
    {{"kind", "word", "", "required", "`wake`, `nrem`, `rem` or `custom`", "what the phase models"},
     bind<&model::phase_spec::kind>()},
    {{"duration", "time", "ms", "required", "> 0",
      "a whole number of homeostasis periods when the homeostasis loop runs, otherwise of communication intervals"},
     bind<&model::phase_spec::duration>()},
    {{"inputs", "map `{INDEX: {rate, factor, sources}}`", "Hz", "none", "",
      "Poisson inputs in this phase: their rate (or `factor`, times the configured rate) and sources. A key is an "
      "input's index in `inputs`, or a population's name or pattern (`\"L*E_*\"`): every Poisson input into a "
      "population it matches; a later key wins for an input it matches again"},
     custom<model::phase_spec>([](const model::phase_spec& p) {
         std::string text;
         for (const auto& s : p.inputs) text += exact(s.input) + " " + exact(s.rate) + " " + exact(s.sources) + "; ";
         return text;
     })},
    {{"neurons", "map `{POPULATION: {PARAM: value}}`", "", "none", "any parameter of the population's neuron model",
      "neuron parameters in this phase; their constants are recomputed at the boundary. A key with `*` is a "
      "pattern (`\"L*E_*\"`): its settings go to every population whose name it matches (at least one); a "
      "later key wins"},
     custom<model::phase_spec>([](const model::phase_spec& p) {
         std::string text;
         for (const auto& s : p.params) text += exact(s.population) + " " + s.key + " " + exact(s.value) + "; ";
         return text;
     })},
    {{"plasticity", "map `{PROJECTION: factor}`", "", "all 1", "factors ≥ 0, plastic projections only",
      "factor on the rule's learning rates (A_plus, A_minus; triplet also A3_plus, A3_minus; vogels eta), 0 = off. "
      "A key with `*` is a pattern over the plastic projections' names (`\"*\": 0`: all)"},
     bind<&model::phase_spec::learning_rate>()},
    {{"scaling", "number", "", "`1`", "≥ 0", "factor on the rate of synaptic scaling, 0 = gains frozen"},
     bind<&model::phase_spec::scaling_rate>()},
    {{"renormalize", "boolean", "", "`true` for `nrem` when `renormalization` is given", "",
      "SHY renormalization runs in this phase"},
     bind<&model::phase_spec::renormalize>()},
    {{"skip", "list of integers", "", "`[]`", "cycle indices, from 0", "cycles in which the phase is skipped"},
     bind<&model::phase_spec::skip>()},
    {{"patterns", "list of pattern names", "", "all in `wake` phases, none in others", "",
      "the `kind: pattern` inputs presented in the phase"},
     bind<&model::phase_spec::patterns>()},
};

// A learning rule's section, from the keys its header declares (plasticity/rule.hpp, rule_key).
template <class R, std::size_t I>
double rule_key_real(const model::plasticity_spec& s) {
    return plasticity::value_of(s, R::keys[I]);
}
template <class R, std::size_t I>
std::string rule_key_value(const model::plasticity_spec& s) {
    return exact(rule_key_real<R, I>(s));
}
template <class R, std::size_t I>
constexpr key<model::plasticity_spec> rule_key_entry() {
    using plasticity::key_kind;
    constexpr plasticity::rule_key k = R::keys[I];
    key<model::plasticity_spec> out{{k.name, k.type, k.unit, k.fallback, k.range, k.doc}};
    out.when = k.when;
    switch (k.kind) {
    case key_kind::rule: out.bind = bind_word<&model::plasticity_spec::rule, stdp_rules>(); break;
    case key_kind::pairing: out.bind = bind_word<&model::plasticity_spec::pairing, spike_pairings>(); break;
    case key_kind::weight_dependence:
        out.bind = bind_word<&model::plasticity_spec::dependence, weight_dependences>();
        break;
    case key_kind::time:
    case key_kind::rate:
    case key_kind::weight:
    case key_kind::number:
        out.bind.value = &rule_key_value<R, I>;
        out.bind.real = &rule_key_real<R, I>;
        out.bind.written = k.kind == key_kind::weight   ? form::weight
                           : k.kind == key_kind::number ? form::number
                                                        : form::quantity;
        out.bind.dim = k.kind == key_kind::rate ? dimension::rate : dimension::time;
        break;
    }
    return out;
}
template <class R, std::size_t... I>
constexpr std::array<key<model::plasticity_spec>, sizeof...(I)> rule_table_of(std::index_sequence<I...>) {
    return {rule_key_entry<R, I>()...};
}
// The loader reads a key with check custom by its name (plasticity_keys.cpp): for a rule after the
// first three only the shared keys are read that way, so any other key of it needs a declared check.
// Numeric keys bind to a member or to a slot of plasticity_spec::own.
template <class R>
consteval bool keys_are_readable() {
    using plasticity::key_check;
    using plasticity::key_kind;
    constexpr std::string_view shared[] = {"pairing", "tau_plus", "tau_minus", "w_min", "w_max"};
    if (R::keys[0].kind != key_kind::rule || R::keys[0].name != "rule") return false;
    for (const plasticity::rule_key& k : R::keys) {
        const bool numeric =
            k.kind != key_kind::rule && k.kind != key_kind::pairing && k.kind != key_kind::weight_dependence;
        if (numeric && (k.member != nullptr) == (k.slot >= 0)) return false;
        if (k.slot >= static_cast<int>(std::tuple_size_v<decltype(model::plasticity_spec::own)>)) return false;
        if (plasticity::registered_rules::kind_of<R>() <= model::stdp_rule::vogels || !numeric) continue;
        if (k.check == key_check::custom && std::find(std::begin(shared), std::end(shared), k.name) == std::end(shared))
            return false;
    }
    return true;
}
template <class R>
constexpr auto rule_table = [] {
    static_assert(keys_are_readable<R>(),
                  "a rule's keys: `rule` first, numeric keys bound once, and a declared "
                  "check for every key the loader does not read by name");
    return rule_table_of<R>(std::make_index_sequence<std::size(R::keys)>{});
}();

}  // namespace

const std::span<const key<model::model_spec>> top_keys = top_table;
const std::span<const key<model::simulation_spec>> simulation_keys = simulation_table;
const std::span<const key<model::model_spec>> tables_keys = tables_table;
const std::span<const key<model::model_spec>> table_keys = table_table;
const std::span<const key<model::model_spec>> rates_table_keys = rates_table_table;
const std::span<const key<model::model_spec>> network_keys = network_table;
const std::span<const key<model::model_spec>> compensation_keys = compensation_table;
const std::span<const key<model::population_spec>> population_keys = population_table;
const std::span<const key<model::population_spec>> source_keys = source_table;
const std::span<const key<model::population_spec>> calcium_keys = calcium_table;
const std::span<const key<model::scaling_spec>> scaling_keys = scaling_table;
const std::span<const key<model::branch_spec>> branch_keys = branch_table;
const std::span<const key<model::e_gaba_spec>> e_gaba_keys = e_gaba_table;
const std::span<const key<model::normalization_spec>> normalization_keys = normalization_table;
const std::span<const key<model::metaplasticity_spec>> metaplasticity_keys = metaplasticity_table;
const std::span<const key<model::projection_spec>> projection_keys = projection_table;
const std::span<const key<model::projection_spec>> connect_keys = connect_table;
std::span<const key<model::plasticity_spec>> plasticity_keys(model::stdp_rule rule) {
    std::span<const key<model::plasticity_spec>> table;
    const std::size_t k = static_cast<std::size_t>(rule) - 1;
    if (k < plasticity::registered_rules::size)
        plasticity::registered_rules::visit(k, [&]<class R>(std::type_identity<R>) { table = rule_table<R>; });
    return table;
}
const std::span<const key<model::pruning_spec>> pruning_keys = pruning_table;
const std::span<const key<model::poisson_input_spec>> poisson_keys = poisson_table;
const std::span<const key<model::dc_input_spec>> dc_keys = dc_table;
const std::span<const key<model::pattern_spec>> pattern_keys = pattern_table;
const std::span<const key<model::pattern_spec>> probe_keys = probe_table;
const std::span<const key<model::recording_spec>> recording_keys = recording_table;
const std::span<const key<model::state_recorder_spec>> state_keys = state_table;
const std::span<const key<model::weight_recorder_spec>> weight_keys = weight_table;
const std::span<const key<model::homeostasis_recorder_spec>> homeostasis_recorder_keys = homeostasis_recorder_table;
const std::span<const key<model::homeostasis_spec>> homeostasis_keys = homeostasis_table;
const std::span<const key<model::checks_spec>> checks_keys = checks_table;
const std::span<const key<model::comm_spec>> comm_keys = comm_table;
const std::span<const key<model::schedule_spec>> schedule_keys = schedule_table;
const std::span<const key<model::dry_run_spec>> dry_run_keys = dry_run_table;
const std::span<const key<model::renormalization_spec>> renormalization_keys = renormalization_table;
const std::span<const key<model::phase_spec>> phase_keys = phase_table;

}  // namespace synorm::config::detail
