// spec_reader: populations, their neuron models and Poisson sources, and references to them by name.
#include <limits>

#include "spec_reader.hpp"

namespace synorm::config::detail {

namespace {

// The largest population: a synapse stores its source as a 32-bit index into the source population
// (network/network.cpp). The largest network: a gid has 40 bits in the key of every random stream
// (model/random_stream.hpp). Counts of synapses (in-degrees, numbers) and of input sources: 2^53,
// exact in the double arithmetic of the memory estimate, the multinomial split and the Poisson tables
// (yaml_reader.hpp, max_count).
constexpr std::uint64_t max_population_size = std::uint64_t{1} << 32;
constexpr std::uint64_t max_total_neurons = std::uint64_t{1} << 40;

}  // namespace

void spec_reader::read_populations(const std::optional<node_at>& at, const table_set& tables) {
    const std::size_t given = at && at->node.IsMap() ? at->node.size() : 0;
    const std::size_t rows = tables.rows(table_section::populations);
    if (at) require_indexable(*at, given + rows, "populations");
    if (at) {
        for (const auto& [name_at, value_at] : named_entries(*at, "population")) read_population(name_at, value_at);
    }
    tables.expand(
        table_section::populations, [](std::size_t) { return std::string(); },
        [&](const node_at& name_at, const node_at& value_at, double) { read_population(name_at, value_at); });
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

}  // namespace synorm::config::detail
