// The schema of the inputs (Poisson, DC, stimulus patterns and their probes) and of the recording
// (key_tables.hpp: how a table is laid out).
#include "key_tables.hpp"

namespace synorm::config::detail {
namespace {


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

}  // namespace

const std::span<const key<model::poisson_input_spec>> poisson_keys = poisson_table;
const std::span<const key<model::dc_input_spec>> dc_keys = dc_table;
const std::span<const key<model::pattern_spec>> pattern_keys = pattern_table;
const std::span<const key<model::pattern_spec>> probe_keys = probe_table;
const std::span<const key<model::recording_spec>> recording_keys = recording_table;
const std::span<const key<model::state_recorder_spec>> state_keys = state_table;
const std::span<const key<model::weight_recorder_spec>> weight_keys = weight_table;
const std::span<const key<model::homeostasis_recorder_spec>> homeostasis_recorder_keys = homeostasis_recorder_table;

}  // namespace synorm::config::detail
