// The configuration schema: every key of every section, declared once (key_tables.hpp says who
// reads these tables), a section's table in the file of its concept: here the sections of the file and
// the run (simulation, network, tables, homeostasis, checks, comm, dry_run, schedule);
// population_key_tables.cpp, projection_key_tables.cpp and input_key_tables.cpp the rest. The
// documentation columns are config/README.md's reference tables, which synorm_config_reference writes
// from here.
#include "key_tables.hpp"

namespace synorm::config::detail {
namespace {

bool has_max_rate(const model::checks_spec& c) { return c.max_rate > 0; }
bool non_default_placement(const model::model_spec& m) { return m.placement != model::placement_kind::round_robin; }

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
    {unbound({"weight_factor", "number", "", "`1`", "> 0 (projections only)",
              "multiplies the weight of every row's projection (its value, mean, sd and bounds; of a plastic one, "
              "also its rule's amplitudes and bounds), before `network.compensation`, whose constant current then "
              "restores the mean of the multiplied weights: e.g. stronger connections between areas, split from the "
              "rest by `where`/`unless`"})},
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
      "factor on the rule's learning rates (A_plus, A_minus; triplet also A3_plus, A3_minus; vogels eta), 0 = off: "
      "the projection's rows are then delivered as static ones, with no STDP update and the same results "
      "(while its weights lie within [`w_min`, `w_max`]). A key with `*` is a pattern over the plastic "
      "projections' names (`\"*\": 0`: all)"},
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

}  // namespace

const std::span<const key<model::model_spec>> top_keys = top_table;
const std::span<const key<model::model_spec>> tables_keys = tables_table;
const std::span<const key<model::model_spec>> rates_table_keys = rates_table_table;
const std::span<const key<model::model_spec>> table_keys = table_table;
const std::span<const key<model::simulation_spec>> simulation_keys = simulation_table;
const std::span<const key<model::model_spec>> network_keys = network_table;
const std::span<const key<model::model_spec>> compensation_keys = compensation_table;
const std::span<const key<model::homeostasis_spec>> homeostasis_keys = homeostasis_table;
const std::span<const key<model::checks_spec>> checks_keys = checks_table;
const std::span<const key<model::comm_spec>> comm_keys = comm_table;
const std::span<const key<model::dry_run_spec>> dry_run_keys = dry_run_table;
const std::span<const key<model::schedule_spec>> schedule_keys = schedule_table;
const std::span<const key<model::renormalization_spec>> renormalization_keys = renormalization_table;
const std::span<const key<model::phase_spec>> phase_keys = phase_table;

}  // namespace synorm::config::detail
