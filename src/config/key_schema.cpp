// The configuration schema as the rest of synorm sees it (synorm/config/key_schema.hpp): its
// sections for the reference, every bound key's value for the round-trip comparison, and the
// reference tables of config/README.md. The tables themselves are in *key_tables.cpp.
#include <algorithm>
#include <stdexcept>

#include "key_tables.hpp"

namespace synorm::config::detail {
namespace {

// Every neuron parameter, in the reference's order.
constexpr neuron_param all_params[] = {
    params::C_m,        params::tau_m, params::E_L,  params::V_th, params::V_reset, params::t_ref, params::tau_syn_ex,
    params::tau_syn_in, params::E_ex,  params::E_in, params::I_e,  params::a,       params::b,     params::tau_w};

constexpr model::neuron_kind neuron_models[] = {
    model::neuron_kind::lif_delta,          model::neuron_kind::lif_curr_exp,   model::neuron_kind::lif_cond_exp,
    model::neuron_kind::lif_cond_exp_adapt, model::neuron_kind::lif_curr_alpha, model::neuron_kind::lif_curr_exp_adapt};

std::string_view type_of(dimension dim) { return dimension_name(dim); }

// The neuron section: `model`, then every parameter with the models that take it (schema.hpp's
// params tables, which the reader and the writer walk), and g_L, which the reader turns into tau_m.
std::vector<key_info> neuron_section() {
    static std::vector<std::string> applies;  // owns the texts the key_infos view
    applies.clear();
    applies.reserve(std::size(all_params));
    std::vector<key_info> keys;
    keys.push_back({"model", "word", "", "required",
                    "`lif_delta`, `lif_curr_exp`, `lif_cond_exp`, `lif_cond_exp_adapt`, `lif_curr_alpha`, "
                    "`lif_curr_exp_adapt` or `poisson_source`",
                    "`lif_delta`: each spike makes the voltage jump by the weight (NEST `iaf_psc_delta`); "
                    "`lif_curr_exp`: "
                    "exponentially decaying synaptic currents (NEST `iaf_psc_exp`); `lif_cond_exp`: exponentially "
                    "decaying conductances with reversal potentials (NEST `iaf_cond_exp`); `lif_cond_exp_adapt`: "
                    "`lif_cond_exp` with an adaptation current w (the equations of NEST `aeif_cond_exp` with Δ_T = 0, "
                    "integrated on the fixed step); `lif_curr_alpha`: alpha-shaped synaptic currents whose peak, "
                    "at tau_syn after the spike, is the weight (NEST `iaf_psc_alpha`); `lif_curr_exp_adapt`: "
                    "`lif_curr_exp` with the adaptation current w of `lif_cond_exp_adapt` (the subthreshold dynamics "
                    "stay exact for w held over the step); `poisson_source`: see below",
                    "all"});
    for (const neuron_param& param : all_params) {
        std::string models;
        std::size_t taking = 0;
        for (const model::neuron_kind kind : neuron_models) {
            const auto list = model_info(kind).params;
            if (!std::any_of(list.begin(), list.end(), [&](const neuron_param& p) { return p.key == param.key; }))
                continue;
            ++taking;
            models +=
                (models.empty() ? "`" : ", `") + std::string(name_of<model::neuron_kind>(neuron_kinds, kind)) + "`";
        }
        applies.push_back(taking == std::size(neuron_models) ? "all" : models);
        keys.push_back({param.key, type_of(param.dim), internal_unit(param.dim), param.fallback, param.range, param.doc,
                        applies.back()});
        if (param.key == params::tau_m.key) {
            keys.push_back({"g_L", "conductance", "nS", "—", "> 0",
                            "leak conductance, instead of `tau_m` (tau_m = C_m / g_L). You cannot give both",
                            "`lif_cond_exp`, `lif_cond_exp_adapt`", false});
        }
    }
    return keys;
}

template <class S>
std::vector<key_info> infos(std::span<const key<S>> table) {
    std::vector<key_info> out;
    for (const key<S>& k : table) out.push_back(k.info);
    return out;
}

template <class S>
void add(std::vector<key_value>& out, const std::string& path, std::string_view section, std::span<const key<S>> table,
         const S& s) {
    static const S defaults{};
    for (const key<S>& k : table) {
        if (!k.bind.value) continue;
        out.push_back(
            {path + "." + std::string(k.info.name), section, k.info.name, k.bind.value(s), k.bind.value(defaults)});
    }
}

}  // namespace
}  // namespace synorm::config::detail

namespace synorm::config {

using namespace detail;

namespace {

// The sections of the registered learning rules, in their order: each rule's id is its word. A
// `rule` key that lists the accepted words (the first rule's) lists the registered ones.
std::vector<section_info> rule_sections() {
    static std::vector<std::string> paths(plasticity::registered_rules::size);  // owns the texts the infos view
    static std::string words;
    words = rule_word_list("`");
    std::vector<section_info> out;
    for (std::size_t k = 0; k < plasticity::registered_rules::size; ++k) {
        plasticity::registered_rules::visit(k, [&]<class R>(std::type_identity<R>) {
            paths[k] = "projections[].plasticity (rule: " + std::string(R::name) + ")";
            out.push_back(
                {R::name, paths[k], "", infos(plasticity_keys(plasticity::registered_rules::kind_of<R>())), true});
            for (key_info& info : out.back().keys)
                if (info.name == "rule" && !info.range.empty()) info.range = words;
        });
    }
    return out;
}

std::vector<section_info> with_rules(std::vector<section_info> sections) {
    const auto at = std::find_if(sections.begin(), sections.end(),
                                 [](const section_info& s) { return s.id == "homeostasis_recorders"; });
    const std::vector<section_info> rules = rule_sections();
    sections.insert(at + 1, rules.begin(), rules.end());
    return sections;
}

}  // namespace

const std::vector<section_info>& schema() {
    static const std::vector<section_info> sections = with_rules({
        {"top", "(top level)", "", infos(top_keys)},
        {"simulation", "simulation", "", infos(simulation_keys)},
        {"network", "network", "", infos(network_keys)},
        {"compensation", "network.compensation", "", infos(compensation_keys)},
        {"populations", "populations.<name>", "", infos(population_keys)},
        {"neuron", "populations.<name>.neuron", "models", neuron_section()},
        {"poisson_source", "populations.<name>.neuron (model: poisson_source)", "", infos(source_keys)},
        {"projections", "projections[]", "", infos(projection_keys)},
        {"connect", "projections[].connect", "rules", infos(connect_keys)},
        {"poisson", "inputs[] (kind: poisson)", "", infos(poisson_keys)},
        {"tables", "tables", "", infos(tables_keys)},
        {"table", "tables.populations, tables.projections, tables.inputs", "", infos(table_keys)},
        {"rates_table", "tables.rates", "", infos(rates_table_keys)},
        {"dc", "inputs[] (kind: dc)", "", infos(dc_keys)},
        {"pattern", "inputs[] (kind: pattern)", "", infos(pattern_keys)},
        {"probe", "inputs[].probe", "", infos(probe_keys)},
        {"recording", "recording", "", infos(recording_keys)},
        {"state", "recording.state[]", "", infos(state_keys)},
        {"weights", "recording.weights[]", "", infos(weight_keys)},
        {"homeostasis_recorders", "recording.homeostasis[]", "", infos(homeostasis_recorder_keys)},
        {"pruning", "projections[].pruning", "", infos(pruning_keys)},
        {"calcium", "populations.<name>.calcium", "", infos(calcium_keys)},
        {"scaling", "populations.<name>.scaling", "", infos(scaling_keys)},
        {"branches", "populations.<name>.branches", "", infos(branch_keys)},
        {"e_gaba", "populations.<name>.e_gaba", "", infos(e_gaba_keys)},
        {"normalization", "populations.<name>.normalization", "", infos(normalization_keys)},
        {"metaplasticity", "populations.<name>.metaplasticity", "", infos(metaplasticity_keys)},
        {"homeostasis", "homeostasis", "", infos(homeostasis_keys)},
        {"checks", "checks", "", infos(checks_keys)},
        {"comm", "comm", "", infos(comm_keys)},
        {"schedule", "schedule", "", infos(schedule_keys)},
        {"renormalization", "schedule.renormalization", "", infos(renormalization_keys)},
        {"phases", "schedule.phases[]", "", infos(phase_keys)},
        {"dry_run", "dry_run", "", infos(dry_run_keys)},
    });
    return sections;
}

std::vector<key_value> key_values(const model::model_spec& spec) {
    std::vector<key_value> out;
    add(out, "simulation", "simulation", simulation_keys, spec.simulation);
    add(out, "network", "network", network_keys, spec);
    for (const model::population_spec& pop : spec.populations) {
        const std::string path = "populations." + pop.name;
        out.push_back({path, "populations", "(name)", exact(pop.name), ""});
        add(out, path, "populations", population_keys, pop);
        out.push_back({path + ".neuron.model", "neuron", "model", exact(pop.model), exact(model::neuron_kind{})});
        static const model::neuron_params default_params{};
        for (const neuron_param& param : all_params) {
            out.push_back({path + ".neuron." + std::string(param.key), "neuron", param.key,
                           exact(pop.params.*(param.member)), exact(default_params.*(param.member))});
        }
        add(out, path + ".neuron", "poisson_source", source_keys, pop);
        add(out, path + ".calcium", "calcium", calcium_keys, pop);
        add(out, path + ".scaling", "scaling", scaling_keys, pop.scaling);
        add(out, path + ".branches", "branches", branch_keys, pop.branches);
        add(out, path + ".e_gaba", "e_gaba", e_gaba_keys, pop.e_gaba);
        add(out, path + ".normalization", "normalization", normalization_keys, pop.normalization);
        add(out, path + ".metaplasticity", "metaplasticity", metaplasticity_keys, pop.metaplasticity);
    }
    for (std::size_t i = 0; i < spec.projections.size(); ++i) {
        const model::projection_spec& proj = spec.projections[i];
        const std::string path = "projections[" + std::to_string(i) + "]";
        add(out, path, "projections", projection_keys, proj);
        add(out, path + ".connect", "connect", connect_keys, proj);
        for (const choice<model::stdp_rule>& rule : stdp_rules)
            add(out, path + ".plasticity", rule.name, plasticity_keys(rule.value), proj.plasticity);
        add(out, path + ".pruning", "pruning", pruning_keys, proj.pruning);
    }
    for (std::size_t i = 0; i < spec.poisson_inputs.size(); ++i)
        add(out, "inputs(poisson)[" + std::to_string(i) + "]", "poisson", poisson_keys, spec.poisson_inputs[i]);
    for (std::size_t i = 0; i < spec.dc_inputs.size(); ++i)
        add(out, "inputs(dc)[" + std::to_string(i) + "]", "dc", dc_keys, spec.dc_inputs[i]);
    for (std::size_t i = 0; i < spec.patterns.size(); ++i) {
        const std::string path = "inputs(pattern)[" + std::to_string(i) + "]";
        add(out, path, "pattern", pattern_keys, spec.patterns[i]);
        add(out, path + ".probe", "probe", probe_keys, spec.patterns[i]);
    }
    add(out, "recording", "recording", recording_keys, spec.recording);
    for (std::size_t i = 0; i < spec.recording.state.size(); ++i)
        add(out, "recording.state[" + std::to_string(i) + "]", "state", state_keys, spec.recording.state[i]);
    for (std::size_t i = 0; i < spec.recording.weights.size(); ++i)
        add(out, "recording.weights[" + std::to_string(i) + "]", "weights", weight_keys, spec.recording.weights[i]);
    for (std::size_t i = 0; i < spec.recording.homeostasis.size(); ++i) {
        add(out, "recording.homeostasis[" + std::to_string(i) + "]", "homeostasis_recorders", homeostasis_recorder_keys,
            spec.recording.homeostasis[i]);
    }
    add(out, "homeostasis", "homeostasis", homeostasis_keys, spec.homeostasis);
    add(out, "checks", "checks", checks_keys, spec.checks);
    add(out, "comm", "comm", comm_keys, spec.comm);
    add(out, "schedule", "schedule", schedule_keys, spec.schedule);
    add(out, "schedule.renormalization", "renormalization", renormalization_keys, spec.schedule.renormalization);
    for (std::size_t i = 0; i < spec.schedule.phases.size(); ++i)
        add(out, "schedule.phases[" + std::to_string(i) + "]", "phases", phase_keys, spec.schedule.phases[i]);
    add(out, "dry_run", "dry_run", dry_run_keys, spec.dry_run);
    return out;
}

std::string reference_table(const section_info& section) {
    const bool applies = !section.applies_header.empty();
    std::string text = "| key | type | unit | default | accepted | ";
    if (applies) text += std::string(section.applies_header) + " | ";
    text += "meaning |\n|---|---|---|---|---|";
    text += applies ? "---|---|\n" : "---|\n";
    for (const key_info& k : section.keys) {
        text += "| `" + std::string(k.name) + "` | " + std::string(k.type) + " | " + std::string(k.unit) + " | " +
                std::string(k.fallback) + " | " + std::string(k.range) + " | ";
        if (applies) text += std::string(k.applies) + " | ";
        text += std::string(k.doc) + " |\n";
    }
    return text;
}

namespace {

constexpr std::string_view open = "<!-- schema: ", close = "<!-- end schema -->", other_rules = "other rules";

// The reference of the registered rules without a block of their own in `readme` (a rule's prose
// and block are written by hand; until then its heading and table appear in the "other rules" block).
std::string unlisted_rules(const std::string& readme) {
    std::string text;
    for (const choice<model::stdp_rule>& rule : stdp_rules) {
        if (readme.find(std::string(open) + std::string(rule.name) + " -->") != std::string::npos) continue;
        const auto& sections = schema();
        const auto found =
            std::find_if(sections.begin(), sections.end(), [&](const section_info& s) { return s.id == rule.name; });
        text += "\n#### `rule: " + std::string(rule.name) + "`\n\n" + reference_table(*found) + "\n";
    }
    return text;
}

}  // namespace

std::string with_reference(const std::string& readme) {
    std::string out;
    std::size_t at = 0;
    while (true) {
        const std::size_t begin = readme.find(open, at);
        if (begin == std::string::npos) break;
        const std::size_t id_end = readme.find(" -->", begin);
        const std::size_t end = readme.find(close, begin);
        if (id_end == std::string::npos || end == std::string::npos)
            throw std::runtime_error("a \"<!-- schema: ID -->\" block without its \"<!-- end schema -->\"");
        const std::string id = readme.substr(begin + open.size(), id_end - begin - open.size());
        if (id == other_rules) {
            out += readme.substr(at, id_end + 4 - at) + "\n" + unlisted_rules(readme);
            at = end;
            continue;
        }
        const auto& sections = schema();
        const auto found =
            std::find_if(sections.begin(), sections.end(), [&](const section_info& s) { return s.id == id; });
        if (found == sections.end()) throw std::runtime_error("no section \"" + id + "\" in the schema");
        out += readme.substr(at, id_end + 4 - at) + "\n" + reference_table(*found);
        at = end;
    }
    return out + readme.substr(at);
}

}  // namespace synorm::config
