// The schema of a projection (key_tables.hpp: how a table is laid out): the projection, its
// connection rule, its pruning, and its learning rule's section, built from the keys the rule's header
// declares.
#include "key_tables.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

namespace synorm::config::detail {
namespace {

bool has_period(const model::pruning_spec& p) { return p.period > 0; }
bool by_indegree(const model::projection_spec& p) { return p.rule == model::connection_rule::fixed_indegree; }
bool by_probability(const model::projection_spec& p) { return p.rule == model::connection_rule::pairwise_bernoulli; }
bool by_number(const model::projection_spec& p) { return p.rule == model::connection_rule::fixed_total_number; }
bool counted(const model::projection_spec& p) { return by_indegree(p) || by_number(p); }

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

const std::span<const key<model::projection_spec>> projection_keys = projection_table;
const std::span<const key<model::projection_spec>> connect_keys = connect_table;
const std::span<const key<model::pruning_spec>> pruning_keys = pruning_table;
std::span<const key<model::plasticity_spec>> plasticity_keys(model::stdp_rule rule) {
    std::span<const key<model::plasticity_spec>> table;
    const std::size_t k = static_cast<std::size_t>(rule) - 1;
    if (k < plasticity::registered_rules::size)
        plasticity::registered_rules::visit(k, [&]<class R>(std::type_identity<R>) { table = rule_table<R>; });
    return table;
}

}  // namespace synorm::config::detail
