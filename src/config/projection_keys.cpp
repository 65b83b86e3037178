// spec_reader: projections, their connection rules, weight and delay limits, and the checks of delays
// once all are read (the bound between groups, the span a synapse can store).
#include <algorithm>

#include "spec_reader.hpp"
#include "synorm/model/time_steps.hpp"
#include "synorm/network/synapse_table.hpp"

namespace synorm::config::detail {

using model::connection_rule;

std::uint32_t spec_reader::projection_ref(const node_at& at) const {
    const std::string name = read_string(at);
    if (const auto found = projection_index_.find(name); found != projection_index_.end()) return found->second;
    return index_by_name(at, spec_.projections, "projection");  // fails, listing the projections
}

// Weights keep their sign (src/README.md decision 4 scales them multiplicatively, which never flips it):
// current and voltage weights carry the sign of their receptor, conductances are never negative.
draw_limit spec_reader::weight_limit(cell_type receptor, const std::string& sign_from,
                                     const model::population_spec& target) const {
    const neuron_model_info info = model_info(target.model);
    const std::string model_name(name_of<model::neuron_kind>(neuron_kinds, target.model));
    const std::string zero = format_quantity(0.0, info.weight_dim);
    if (info.conductance_based) {
        return {draw_limit::side::at_least, 0.0,
                zero + ": weights onto " + model_name + " neurons (" + target.name +
                    ") are conductances, ≥ 0 even when inhibitory"};
    }
    if (receptor == cell_type::excitatory) {
        return {draw_limit::side::at_least, 0.0,
                zero + ": " + sign_from + " is excitatory, so its weights onto " + model_name + " neurons must be ≥ 0"};
    }
    return {draw_limit::side::at_most, 0.0,
            zero + ": " + sign_from + " is inhibitory, so its weights onto " + model_name + " neurons must be ≤ 0"};
}

// Every delay spans at least one step: the engine exchanges spikes once per minimum delay.
draw_limit spec_reader::delay_limit() const {
    return {draw_limit::side::at_least, spec_.simulation.dt,
            "the time step dt = " + format_quantity(spec_.simulation.dt, dimension::time)};
}

void spec_reader::require_multiple_of_dt(const node_at& at, double value) const {
    require_steps(at, value, spec_.simulation.dt);
    if (!is_multiple_of(value, spec_.simulation.dt)) {
        at.fail(format_quantity(value, dimension::time) +
                " is not a multiple of the time step dt = " + format_quantity(spec_.simulation.dt, dimension::time));
    }
}

void spec_reader::read_projections(const std::optional<node_at>& at, const table_set& tables) {
    const std::vector<node_at> items = at ? at->items() : std::vector<node_at>{};
    const std::size_t rows = tables.rows(table_section::projections);
    if (at) require_indexable(*at, items.size() + rows, "projections");
    for (const node_at& item : items) read_projection(item, false, 1.0);
    tables.expand(
        table_section::projections,
        [&](std::size_t k) { return "projections[" + std::to_string(items.size() + k) + "]"; },
        [&](const node_at&, const node_at& item, double weight_factor) { read_projection(item, true, weight_factor); });
}

namespace {

// A projections table's weight_factor: the weights and, of a plastic projection, the amplitudes and bounds of
// its rule (as network.compensation scales them), so the rule keeps its meaning relative to the weights.
void scale_weights(model::projection_spec& proj, double factor) {
    model::distribution& w = proj.weight;
    for (double* v : {&w.value, &w.mean, &w.sd, &w.low, &w.high, &w.min, &w.max}) *v *= factor;  // ±inf stays
    model::plasticity_spec& p = proj.plasticity;
    if (p.rule == model::stdp_rule::none) return;
    for (double* v : {&p.A_plus, &p.A_minus, &p.w_min, &p.w_max, &p.A3_plus, &p.A3_minus, &p.eta}) *v *= factor;
    if (p.dependence == model::weight_dependence::power_law) p.w_0 *= factor;
}

}  // namespace

void spec_reader::read_projection(const node_at& item, bool from_table, double weight_factor) {
    const map_view m(item, names(projection_keys));
    model::projection_spec proj;
    proj.source = population_ref(m.required("source"));
    proj.target = population_ref(m.required("target"));
    const model::population_spec& source = spec_.populations[proj.source];
    const model::population_spec& target = spec_.populations[proj.target];
    if (model_info(target.model).source) {
        m.required("target").fail(
            "population " + target.name +
            " is a poisson_source, which takes no input; a source can only be a projection's source");
    }

    const auto name_at = m.find("name");
    proj.name = name_at ? read_name(*name_at, "projection") : source.name + "_to_" + target.name;
    const auto [known, fresh] =
        projection_index_.emplace(proj.name, static_cast<std::uint32_t>(spec_.projections.size()));
    if (!fresh) {
        name_at.value_or(item).fail("projection name \"" + proj.name + "\" is already used by " +
                                    projection_paths_[known->second] + (name_at ? "" : "; give one of them a name"));
    }
    projection_paths_.push_back(item.path);

    read_connect(m.required("connect"), proj);
    const node_at weight = m.required("weight");
    proj.weight = read_distribution(weight, model_info(target.model).weight_dim,
                                    weight_limit(source.type, "the source population " + source.name, target));
    const node_at delay = m.required("delay");
    proj.delay = read_distribution(delay, dimension::time, delay_limit());
    // A table's row is read and dropped: keeping any node of it would keep its whole tree (yaml-cpp
    // holds one memory pool per tree), hundreds of bytes per key. Its path alone names the cells.
    delay_at_.push_back(from_table ? node_at{delay.doc, YAML::Node(), delay.path} : delay);
    if (const auto plasticity = m.find("plasticity")) read_plasticity(*plasticity, weight, proj);
    if (const auto pruning = m.find("pruning")) read_pruning(*pruning, proj);
    if (weight_factor != 1.0) scale_weights(proj, weight_factor);
    spec_.projections.push_back(std::move(proj));
}

void spec_reader::read_connect(const node_at& at, model::projection_spec& proj) {
    expect_map(at, "a map with the connection rule and its parameters");
    const auto rule_at = peek_key(at, "rule");
    if (!rule_at) {
        at.fail(
            "missing required key \"rule\" (fixed_indegree, pairwise_bernoulli, fixed_total_number, "
            "one_to_one or all_to_all)");
    }
    proj.rule = read_choice<connection_rule>(*rule_at, connection_rules);
    const map_view m(at, names(connect_keys, proj),
                     "rule " + std::string(name_of<connection_rule>(connection_rules, proj.rule)));

    // NEST's defaults: autapses and multapses are allowed unless switched off.
    proj.allow_autapses = true;
    proj.allow_multapses = true;
    if (const auto autapses = m.find("autapses")) proj.allow_autapses = read_bool(*autapses);
    if (const auto multapses = m.find("multapses")) proj.allow_multapses = read_bool(*multapses);

    const model::population_spec& source = spec_.populations[proj.source];
    const model::population_spec& target = spec_.populations[proj.target];
    const bool no_self = proj.source == proj.target && !proj.allow_autapses;
    // Sources available to one target before scaling, for the in-degree of the rules that derive it.
    const double full_sources = static_cast<double>(unscaled_sizes_[proj.source]) - (no_self ? 1.0 : 0.0);
    indegree_change& change = indegree_changes_.emplace_back();
    switch (proj.rule) {
    case connection_rule::fixed_indegree: {
        const node_at indegree = m.required("indegree");
        const std::uint64_t full = read_unsigned(indegree);
        const std::string after = indegree_scale_ == scale_
                                      ? scale_note()
                                      : " after network.indegree_scale = " + format_number(indegree_scale_);
        proj.indegree =
            scaled(indegree, full, indegree_scale_, max_count, "an indegree", "2^53, exact in double", after);
        change = {static_cast<double>(full), indegree_scale_};
        const std::uint64_t available = source.size - (no_self ? 1 : 0);
        const std::string sources = source.name + " has " + neurons(source.size) +
                                    (no_self ? ", less the neuron itself as autapses are off" : "") + scale_note();
        if (proj.indegree > 0 && available == 0) {
            indegree.fail("indegree " + std::to_string(proj.indegree) + " cannot be met: " + sources);
        }
        if (!proj.allow_multapses && proj.indegree > available) {
            indegree.fail("indegree " + std::to_string(proj.indegree) + " exceeds the " + std::to_string(available) +
                          " distinct sources available without multapses (" + sources + ")");
        }
        break;
    }
    case connection_rule::pairwise_bernoulli: {
        const node_at p = m.required("p");
        proj.probability = read_number(p);
        if (!(proj.probability >= 0.0 && proj.probability <= 1.0)) {
            p.fail("expected a probability in [0, 1], got " + format_number(proj.probability));
        }
        change = {proj.probability * full_sources, indegree_scale_};
        // The source population already scales the in-degree by network.scale.
        if (indegree_scale_ != scale_) {
            const double given = proj.probability;
            proj.probability *= indegree_scale_ / scale_;
            if (proj.probability > 1.0) {
                p.fail("p " + format_number(given) +
                       " × network.indegree_scale / network.scale = " + format_number(proj.probability) + " exceeds 1");
            }
        }
        break;
    }
    case connection_rule::fixed_total_number: {
        const node_at number = m.required("number");
        const std::uint64_t full = read_unsigned(number);
        const double factor = scale_ * indegree_scale_;
        proj.total_number = scaled(number, full, factor, max_count, "a number of synapses", "2^53, exact in double",
                                   " after network.scale × network.indegree_scale = " + format_number(factor));
        const double targets = static_cast<double>(unscaled_sizes_[proj.target]);
        change = {static_cast<double>(full) / targets, indegree_scale_};
        // In long double: whole-brain population sizes multiply beyond 64 bits.
        const long double pairs = static_cast<long double>(source.size) * target.size -
                                  (no_self ? static_cast<long double>(source.size) : 0.0L);
        if (proj.total_number > 0 && pairs == 0) {
            number.fail("number " + std::to_string(proj.total_number) +
                        " cannot be met: the only pair is an autapse and autapses are off" + scale_note());
        }
        if (!proj.allow_multapses && static_cast<long double>(proj.total_number) > pairs) {
            number.fail("number " + std::to_string(proj.total_number) + " exceeds the " +
                        format_number(static_cast<double>(pairs)) + " distinct pairs available without multapses" +
                        scale_note());
        }
        break;
    }
    case connection_rule::one_to_one:
        change = {1.0, 1.0};
        if (no_self) {
            warnings_.push_back(rule_at->path + ": projection " + proj.name + " connects " + source.name +
                                " one_to_one onto itself with autapses: false, so it creates no synapses");
        }
        if (source.size != target.size) {
            rule_at->fail("one_to_one needs populations of equal size; " + source.name + " has " +
                          neurons(source.size) + ", " + target.name + " has " + neurons(target.size) + scale_note());
        }
        break;
    case connection_rule::all_to_all: change = {full_sources, scale_}; break;
    }
}

// network.group_delay_min: every projection between populations of different groups (a population
// without a group is in the group "") gets delays of at least the bound, so that the exchange between
// groups can be rarer than within them (src/README.md decision 6). Normal and lognormal delays are
// redrawn within [max(min, bound), max], as draws below a min already are; a constant or uniform delay
// below the bound is an error, since raising it would change the model without a trace.
void spec_reader::bound_group_delays() {
    if (!group_delay_at_) return;
    const double bound = group_delay_min_;
    const bool any_group = std::any_of(spec_.populations.begin(), spec_.populations.end(),
                                       [](const model::population_spec& p) { return !p.group.empty(); });
    if (!any_group) group_delay_at_->fail("no population has a group, so no projection is between groups");
    for (std::size_t j = 0; j < spec_.projections.size(); ++j) {
        model::projection_spec& proj = spec_.projections[j];
        if (spec_.populations[proj.source].group == spec_.populations[proj.target].group) continue;
        model::distribution& d = proj.delay;
        const node_at& at = delay_at_[j];
        const auto where = [&](std::string_view key) { return peek_key(at, key).value_or(at); };
        const std::string what = "projection " + proj.name + " is between groups " +
                                 spec_.populations[proj.source].group + " and " + spec_.populations[proj.target].group +
                                 ", so its delays must be at least " +
                                 "network.group_delay_min = " + format_quantity(bound, dimension::time);
        using kind = model::distribution::kind;
        if (d.shape == kind::normal || d.shape == kind::lognormal) {
            if (d.max < bound)
                where("max").fail("max " + format_quantity(d.max, dimension::time) + " is below the bound: " + what);
            d.min = std::max(d.min, bound);
        } else if (d.lower_bound() < bound) {
            where(d.shape == kind::uniform ? "low" : "value")
                .fail("delay " + format_quantity(d.lower_bound(), dimension::time) + " is below the bound: " + what);
        }
    }
}

// A synapse stores its delay as steps above the minimum delay D in 10 bits (network/synapse_table.hpp),
// so every delay lies in [D, D + 1023 steps]. D is the smallest lower bound over all projections, so
// this is checked once they are all read. Normal and lognormal delays without a max are clipped at
// the limit (redrawn, as they are at dt without a min); a bound given beyond it is refused.
void spec_reader::check_delays() {
    const double dt = spec_.simulation.dt;
    const std::uint64_t D = spec_.min_delay_steps();
    const std::uint64_t most = D + network::max_delay_offset;
    const double longest = static_cast<double>(most) * dt;
    for (std::size_t j = 0; j < spec_.projections.size(); ++j) {
        model::distribution& d = spec_.projections[j].delay;
        const node_at& at = delay_at_[j];
        using kind = model::distribution::kind;
        const auto where = [&](std::initializer_list<std::string_view> keys) {
            for (std::string_view key : keys)
                if (const auto found = peek_key(at, key)) return *found;
            return at;
        };
        const double low = d.lower_bound(), high = d.upper_bound();
        require_steps(where({"value", "low", "min", "mean"}), low, dt);
        if (std::isinf(high) && (d.shape == kind::normal || d.shape == kind::lognormal)) {
            d.max = longest;
            continue;
        }
        const node_at high_at = where({"value", "high", "max"});
        if (model::to_steps(high, dt) > static_cast<std::int64_t>(most)) {
            high_at.fail("expected a delay of at most " + derived_time(longest) + ", the minimum delay " +
                         derived_time(static_cast<double>(D) * dt) + " + " + std::to_string(network::max_delay_offset) +
                         " steps of dt = " + derived_time(dt) + " (a synapse stores its delay in 10 bits), got " +
                         format_quantity(high, dimension::time) +
                         "; a larger simulation.dt lifts the limit, which counts steps");
        }
    }
}

}  // namespace synorm::config::detail
