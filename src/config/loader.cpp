// config::load and config_error, and the reader's walk in dependency order with the parts it reads
// itself: simulation, network (scale and compensation), populations and their neuron models,
// projections and their connection rules, the homeostasis period and the health checks.
#include "synorm/config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "overrides.hpp"
#include "resolved_yaml.hpp"
#include "schedule.hpp"
#include "spec_reader.hpp"
#include "synorm/model/time_steps.hpp"
#include "synorm/network/synapse_table.hpp"

namespace synorm::config {
namespace {

std::string format_error(const std::string& file, int line, const std::string& column, const std::string& key_path,
                         const std::string& message) {
    std::string text = file;
    if (line > 0) text += ":" + std::to_string(line) + (column.empty() ? "" : ":" + column);
    text += ": ";
    if (!key_path.empty()) text += key_path + ": ";
    return text + message;
}

}  // namespace

config_error::config_error(std::string file, int line, int column, std::string key_path, std::string message)
    : std::runtime_error(format_error(file, line, std::to_string(column), key_path, message)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      message_(std::move(message)),
      line_(line),
      column_(column) {}

config_error::config_error(std::string file, int line, std::string column_name, std::string key_path,
                           std::string message)
    : std::runtime_error(format_error(file, line, column_name, key_path, message)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      message_(std::move(message)),
      column_name_(std::move(column_name)),
      line_(line) {}

namespace detail {
namespace {

using model::connection_rule;

// The sections a configuration may have (key_tables.cpp, top_keys).
std::vector<std::string_view> top_level_keys() { return names(top_keys); }

// A count under network.scale: exact when unscaled; otherwise rounded, and a nonzero count never
// scales away to nothing. Fails at `at` when the count exceeds `limit` (README "Limits"), before
// anything rounds or multiplies it; `what` and `why` complete "expected <what> of at most <limit> (<why>)".
std::uint64_t scaled(const node_at& at, std::uint64_t n, double factor, std::uint64_t limit, const std::string& what,
                     const std::string& why, const std::string& scale_note) {
    // In long double: a count near 2^64 times a scale must neither wrap nor overflow llround.
    const long double exact = static_cast<long double>(n) * factor;
    std::uint64_t count = n;
    if (factor != 1.0 && n != 0) {
        count = exact > static_cast<long double>(limit)
                    ? limit + 1
                    : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(exact)));
    }
    if (count > limit) {
        const std::string scaled_text =
            factor == 1.0 ? "" : " (" + format_number(static_cast<double>(exact)) + scale_note + ")";
        at.fail("expected " + what + " of at most " + std::to_string(limit) + " (" + why + "), got " +
                std::to_string(n) + scaled_text);
    }
    return count;
}

// The largest population: a synapse stores its source as a 32-bit index into the source population
// (network/network.cpp). The largest network: a gid has 40 bits in the key of every random stream
// (model/random_stream.hpp). Counts of synapses (in-degrees, numbers) and of input sources: 2^53,
// exact in the double arithmetic of the memory estimate, the multinomial split and the Poisson tables
// (yaml_reader.hpp, max_count).
constexpr std::uint64_t max_population_size = std::uint64_t{1} << 32;
constexpr std::uint64_t max_total_neurons = std::uint64_t{1} << 40;

// A reference by name: the index of the entry of `specs` (populations, projections) with that name.
template <class Specs>
std::uint32_t index_by_name(const node_at& at, const Specs& specs, const std::string& what) {
    const std::string name = read_string(at);
    std::vector<std::string_view> names;
    for (std::uint32_t i = 0; i < specs.size(); ++i) {
        if (specs[i].name == name) return i;
        names.push_back(specs[i].name);
    }
    at.fail("unknown " + what + " \"" + name + "\"; " + what + "s: " + (names.empty() ? "none" : join_words(names)));
}

}  // namespace

model::model_spec spec_reader::read() {
    const map_view m(root_, top_level_keys());
    read_simulation(m.find("simulation"));
    read_network(m.find("network"));
    const table_set tables(m.find("tables"));
    const auto populations = m.find("populations");
    if (!populations && !m.has("tables")) m.required("populations");
    read_populations(populations, tables);
    if (spec_.populations.empty()) populations.value_or(m.self()).fail("expected at least one population");
    read_projections(m.find("projections"), tables);
    bound_group_delays();
    check_delays();
    read_branch_sources();
    check_normalization();
    check_metaplasticity();
    read_rate_table(tables);
    read_compensation();
    read_inputs(m.find("inputs"), tables);
    compensate_inputs();
    read_recording(m.find("recording"));
    read_homeostasis(m.find("homeostasis"));
    read_checks(m.find("checks"));
    read_comm(m.find("comm"));
    read_dry_run(m.find("dry_run"));
    if (const auto schedule = m.find("schedule")) read_schedule(root_, *schedule, spec_);
    check_patterns();
    check_pruning();
    return std::move(spec_);
}

void spec_reader::read_simulation(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(simulation_keys));
    model::simulation_spec& sim = spec_.simulation;
    if (const auto dt = read_into(m, "dt", dimension::time, sim.dt)) {
        // model/time_steps.hpp says why this range.
        if (!(sim.dt >= model::min_dt && sim.dt <= model::max_dt)) {
            dt->fail("expected a time step from " + derived_time(model::min_dt) + " (1 µs) to " +
                     derived_time(model::max_dt) + ", got " + format_quantity(sim.dt, dimension::time));
        }
    }
    if (const auto duration = read_into(m, "duration", dimension::time, sim.duration)) {
        require_positive(*duration, sim.duration, dimension::time);
        if (require_steps(*duration, sim.duration, sim.dt) == 0) {
            duration->fail(format_quantity(sim.duration, dimension::time) +
                           " is less than half a time step (dt = " + derived_time(sim.dt) +
                           ") and rounds to 0 steps; expected at least " + derived_time(sim.dt / 2) + " (one step)");
        }
    }
    if (const auto seed = m.find("seed")) sim.seed = read_unsigned(*seed);
}

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

void spec_reader::read_populations(const std::optional<node_at>& at, const table_set& tables) {
    const std::size_t given = at && at->node.IsMap() ? at->node.size() : 0;
    const std::size_t rows = tables.rows(table_section::populations);
    if (at) require_indexable(*at, given + rows, "populations");
    if (at) {
        for (const auto& [name_at, value_at] : named_entries(*at, "population")) read_population(name_at, value_at);
    }
    tables.expand(
        table_section::populations, [](std::size_t) { return std::string(); },
        [&](const node_at& name_at, const node_at& value_at) { read_population(name_at, value_at); });
}

void spec_reader::read_population(const node_at& name_at, const node_at& value_at) {
    const map_view m(value_at, names(population_keys));
    model::population_spec pop;
    pop.name = name_at.node.Scalar();
    const auto [known, fresh] =
        population_index_.emplace(pop.name, static_cast<std::uint32_t>(spec_.populations.size()));
    if (!fresh) name_at.fail("population name \"" + pop.name + "\" is already used by an earlier population");
    const node_at size = m.required("size");
    unscaled_sizes_.push_back(read_unsigned(size, 1));
    pop.size = scaled(size, unscaled_sizes_.back(), scale_, max_population_size, "a population size",
                      "2^32: synapses store their source as a 32-bit index", scale_note());
    const std::uint64_t total = total_neurons_ += pop.size;  // each term ≤ 2^40: no wrap
    if (total > max_total_neurons) {
        size.fail("the populations up to " + pop.name + " have " + std::to_string(total) +
                  " neurons; expected at most " + std::to_string(max_total_neurons) +
                  " in all (2^40: random streams are keyed by a 40-bit gid)" + scale_note());
    }
    if (const auto type = m.find("type")) pop.type = read_choice<cell_type>(*type, cell_types);
    if (const auto group = m.find("group")) pop.group = read_string(*group);
    read_neuron(m.required("neuron"), pop);
    const auto v_init = m.find("V_init");
    pop.V_init =
        v_init ? read_distribution(*v_init, dimension::voltage) : model::distribution::constant_value(pop.params.E_L);
    if (const auto calcium = m.find("calcium")) read_calcium(*calcium, pop);
    if (const auto scaling = m.find("scaling")) {
        if (pop.model == model::neuron_kind::poisson_source)
            scaling->fail("a poisson_source takes no input, so it has nothing to scale");
        read_scaling(*scaling, pop);
    }
    if (const auto e_gaba = m.find("e_gaba")) read_e_gaba(*e_gaba, pop);
    normalization_at_.push_back(m.find("normalization"));
    if (normalization_at_.back()) read_normalization(*normalization_at_.back(), pop);
    metaplasticity_at_.push_back(m.find("metaplasticity"));
    if (metaplasticity_at_.back()) read_metaplasticity(*metaplasticity_at_.back(), pop);
    const auto branches = m.find("branches");
    if (branches) read_branches(*branches, pop);
    else
        branch_sources_at_.emplace_back();
    spec_.populations.push_back(std::move(pop));
}

void spec_reader::read_neuron(const node_at& at, model::population_spec& pop) {
    expect_map(at, "a map with the neuron model and its parameters");
    const auto model_at = peek_key(at, "model");
    if (!model_at)
        at.fail(
            "missing required key \"model\" (lif_delta, lif_curr_exp, lif_cond_exp, lif_cond_exp_adapt, "
            "lif_curr_alpha, lif_curr_exp_adapt or poisson_source)");
    pop.model = read_choice<model::neuron_kind>(*model_at, neuron_kinds);
    const neuron_model_info info = model_info(pop.model);
    if (info.source) {
        read_source(at, pop);
        return;
    }

    std::vector<std::string_view> keys{"model"};
    for (const neuron_param& param : info.params) {
        keys.push_back(param.key);
        // The leak conductance is the way conductance models are often specified (NEST iaf_cond_exp).
        if (info.conductance_based && param.key == params::tau_m.key) keys.push_back("g_L");
    }
    const map_view m(at, keys, "a " + std::string(name_of<model::neuron_kind>(neuron_kinds, pop.model)) + " neuron");

    model::neuron_params& p = pop.params;
    for (const neuron_param& param : info.params) read_into(m, param.key, param.dim, p.*(param.member));
    for (const neuron_param& param :
         {params::C_m, params::tau_m, params::tau_syn_ex, params::tau_syn_in, params::tau_w}) {
        if (const auto given = m.find(param.key)) require_positive(*given, p.*(param.member), param.dim);
    }
    if (const auto t_ref = m.find("t_ref")) {
        require_non_negative(*t_ref, p.t_ref, dimension::time);
        // The neuron counts its refractory steps in 32 bits (model/lif.hpp).
        const double most = static_cast<double>(std::numeric_limits<std::int32_t>::max()) * spec_.simulation.dt;
        if (!(p.t_ref <= most)) {
            t_ref->fail("expected a refractory period of at most " + derived_time(most) + " (2^31 - 1 steps of dt = " +
                        derived_time(spec_.simulation.dt) + "), got " + format_quantity(p.t_ref, dimension::time));
        }
    }
    if (const auto g_L = m.find("g_L")) {
        if (m.has("tau_m")) g_L->fail("give either tau_m or g_L (tau_m = C_m / g_L), not both");
        const double g = read_quantity(*g_L, dimension::conductance);
        require_positive(*g_L, g, dimension::conductance);
        p.tau_m = p.C_m / g;  // pF / nS = ms
    }
    if (!(p.V_th > p.V_reset)) {
        const node_at where = m.find("V_th").value_or(m.find("V_reset").value_or(at));
        where.fail("V_th " + format_quantity(p.V_th, dimension::voltage) + " must be above V_reset " +
                   format_quantity(p.V_reset, dimension::voltage));
    }
}

// A poisson_source has a rate, optionally changing at given times, and nothing else.
void spec_reader::read_source(const node_at& at, model::population_spec& pop) {
    std::vector<std::string_view> keys{"model"};
    for (const std::string_view key : names(source_keys)) keys.push_back(key);
    const map_view m(at, keys, "a poisson_source");
    const node_at rate = m.required("rate");
    pop.params.rate = read_quantity(rate, dimension::rate);
    require_non_negative(rate, pop.params.rate, dimension::rate);
    const auto changes = m.find("changes");
    if (!changes) return;
    for (const node_at& item : changes->items()) {
        const map_view c(item, {"at", "rate"});
        model::rate_change change;
        const node_at when = c.required("at");
        change.at = read_quantity(when, dimension::time);
        require_positive(when, change.at, dimension::time);
        require_multiple_of_dt(when, change.at);
        if (!pop.rate_changes.empty() && !(change.at > pop.rate_changes.back().at)) {
            when.fail("changes must be in increasing time; " + format_quantity(change.at, dimension::time) +
                      " is not after " + format_quantity(pop.rate_changes.back().at, dimension::time));
        }
        const node_at r = c.required("rate");
        change.rate = read_quantity(r, dimension::rate);
        require_non_negative(r, change.rate, dimension::rate);
        pop.rate_changes.push_back(change);
    }
}

std::uint32_t spec_reader::population_ref(const node_at& at) const {
    const std::string name = read_string(at);
    if (const auto found = population_index_.find(name); found != population_index_.end()) return found->second;
    return index_by_name(at, spec_.populations, "population");  // fails, listing the populations
}

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
    for (const node_at& item : items) read_projection(item, false);
    tables.expand(
        table_section::projections,
        [&](std::size_t k) { return "projections[" + std::to_string(items.size() + k) + "]"; },
        [&](const node_at&, const node_at& item) { read_projection(item, true); });
}

void spec_reader::read_projection(const node_at& item, bool from_table) {
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

// tables.rates: one rate per population, by name; a population named twice is an error.
void spec_reader::read_rate_table(const table_set& tables) {
    table_rates_.assign(spec_.populations.size(), std::nullopt);
    has_table_rates_ = tables.rows(table_section::rates) > 0;
    tables.expand(
        table_section::rates, [](std::size_t) { return std::string(); },
        [&](const node_at& name, const node_at& entry) {
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

// The slow loop runs between communication intervals (every minimum delay D), so its period H is a
// whole number of them. The default is rounded up to the next multiple when it is not one, so that
// a network without homeostasis never has to state a period.
void spec_reader::read_homeostasis(const std::optional<node_at>& at) {
    const double dt = spec_.simulation.dt;
    const std::uint64_t interval_steps = spec_.min_delay_steps();
    const double interval = static_cast<double>(interval_steps) * dt;
    double& period = spec_.homeostasis.period;
    const map_view m(at.value_or(node_at{root_.doc, YAML::Node(), "homeostasis"}), names(homeostasis_keys));
    if (const auto given = read_into(m, "period", dimension::time, period)) {
        require_positive(*given, period, dimension::time);
        require_multiple_of_dt(*given, period);
        if (!is_multiple_of(period, interval)) {
            given->fail(format_quantity(period, dimension::time) + " is not a multiple of the communication interval " +
                        derived_time(interval) + " (the minimum delay)");
        }
    } else if (!is_multiple_of(period, interval)) {
        const auto intervals = static_cast<std::uint64_t>(std::ceil(period / interval));
        period = static_cast<double>(intervals * interval_steps) * dt;
    }
}

// Health checks. A rate ceiling of 0 (the default) means none; `finite` only matters when the
// homeostasis loop runs (plasticity, scaling or a rate ceiling).
void spec_reader::read_checks(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(checks_keys));
    auto& c = spec_.checks;
    if (const auto max_rate = read_into(m, "max_rate", dimension::rate, c.max_rate))
        require_positive(*max_rate, c.max_rate, dimension::rate);
    if (const auto finite = m.find("finite")) c.finite = read_bool(*finite);
}

// The exchange between ranks: a run setting, read here so that --set and the resolved text carry it.
void spec_reader::read_comm(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(comm_keys));
    if (const auto e = m.find("exchange"))
        spec_.comm.exchange = read_choice<model::exchange_strategy>(*e, exchange_strategies);
    if (const auto o = m.find("overlap"))
        spec_.comm.overlap = read_choice<model::overlap_setting>(*o, overlap_settings);
    if (const auto s = m.find("structure"))
        spec_.comm.structure = read_choice<model::exchange_structure>(*s, exchange_structures);
}

// dry_run: read by `synorm run --dry-run` only; the rates of the populations that are no source of a
// projection may be left out (nothing on this rank receives their spikes).
void spec_reader::read_dry_run(const std::optional<node_at>& at) {
    auto& d = spec_.dry_run;
    // The rates of tables.rates, unless dry_run.rates gives the population's rate itself.
    if (has_table_rates_) {
        d.rates.assign(spec_.populations.size(), std::numeric_limits<double>::quiet_NaN());
        for (std::size_t i = 0; i < spec_.populations.size(); ++i)
            if (table_rates_[i]) d.rates[i] = *table_rates_[i];
    }
    if (!at) return;
    const map_view m(*at, names(dry_run_keys));
    if (const auto latency = read_into(m, "latency", dimension::time, d.latency))
        require_non_negative(*latency, d.latency, dimension::time);
    if (const auto bandwidth = m.find("bandwidth")) {
        d.bandwidth = read_number(*bandwidth);
        if (!(d.bandwidth > 0) || !std::isfinite(d.bandwidth))
            bandwidth->fail("expected a bandwidth > 0 in GB/s, got " + std::to_string(d.bandwidth));
    }
    const auto rates_at = m.find("rates");
    if (!rates_at) return;
    std::vector<std::string_view> names;
    for (const model::population_spec& pop : spec_.populations) names.push_back(pop.name);
    const map_view rates(*rates_at, names, "dry_run.rates, whose keys are population names");
    if (d.rates.empty()) d.rates.assign(spec_.populations.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < spec_.populations.size(); ++i) {
        if (const auto given = rates.find(spec_.populations[i].name)) {
            d.rates[i] = read_quantity(*given, dimension::rate);
            require_non_negative(*given, d.rates[i], dimension::rate);
        }
    }
}

}  // namespace detail

using namespace detail;

loaded_config load_text(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw config_error(origin, e.mark.line + 1, e.mark.column + 1, "", e.msg);
    }
    if (root.IsNull())
        throw config_error(origin, 0, 0, "",
                           "empty configuration; expected a map with keys " + join_words(top_level_keys()));
    if (!root.IsMap()) {
        throw config_error(origin, root.Mark().line + 1, root.Mark().column + 1, "",
                           "expected a map with keys " + join_words(top_level_keys()) + ", got " + describe(root));
    }
    try {
        const document doc(origin, apply_overrides(root, overrides));
        spec_reader reader(node_at{&doc, root, ""});
        loaded_config loaded;
        loaded.spec = reader.read();
        loaded.resolved_yaml = detail::resolved_yaml(loaded.spec, reader.scaling());
        // Both are kept for the whole run; grown by doubling, they held up to twice their size (with
        // thousands of projections, megabytes: README "Networks from tables").
        loaded.spec.projections.shrink_to_fit();
        loaded.resolved_yaml.shrink_to_fit();
        loaded.warnings = reader.warnings();
        return loaded;
    } catch (const YAML::Exception& e) {
        // Every read above checks node types first; this only keeps a yaml-cpp surprise a config_error.
        throw config_error(origin, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1, "",
                           e.msg);
    }
}

loaded_config load(const std::string& path, const std::vector<std::string>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw config_error(path, 0, 0, "", "cannot open: is a directory");
    // A FIFO or a device would block the read below forever (or never end); a missing file falls
    // through to the open, whose message says so.
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
        throw config_error(path, 0, 0, "", "cannot open: not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(path, 0, 0, "", "cannot open: " + std::string(std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw config_error(path, 0, 0, "", "cannot read: " + std::string(std::strerror(errno)));
    return load_text(text.str(), path, overrides);
}

}  // namespace synorm::config
