#include "schedule.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "key_tables.hpp"
#include "schema.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::config::detail {
namespace {

bool excitatory_plastic(const model::model_spec& spec, const model::projection_spec& proj) {
    return proj.plasticity.rule != model::stdp_rule::none &&
           spec.populations[proj.source].type == model::cell_type::excitatory;
}

// Whether the engine runs the homeostasis loop (engine/build.cpp): then phases end on its periods.
bool homeostasis_runs(const model::model_spec& spec) {
    bool any = spec.checks.enabled();
    for (const auto& proj : spec.projections) any = any || proj.plasticity.rule != model::stdp_rule::none;
    for (const auto& pop : spec.populations) any = any || pop.scaling.enabled;
    return any;
}

template <class Specs>
std::uint32_t find_name(const node_at& at, const std::string& name, const Specs& specs, std::string_view what) {
    std::vector<std::string_view> names;
    for (std::uint32_t i = 0; i < specs.size(); ++i) {
        if (specs[i].name == name) return i;
        names.push_back(specs[i].name);
    }
    at.fail("unknown " + std::string(what) + " \"" + name + "\"; " + std::string(what) +
            "s: " + (names.empty() ? "none" : join_words(names)));
}

// Whether `name` matches `pattern`, in which '*' stands for any run of characters (none included).
bool glob_match(std::string_view pattern, std::string_view name) {
    const std::size_t star = pattern.find('*');
    if (star == std::string_view::npos) return pattern == name;
    if (name.substr(0, star) != pattern.substr(0, star)) return false;
    const std::string_view rest = pattern.substr(star + 1);
    for (std::size_t from = star; from <= name.size(); ++from)
        if (glob_match(rest, name.substr(from))) return true;
    return false;
}

double read_factor(const node_at& at) {
    const double f = read_number(at);
    if (!(f >= 0.0 && std::isfinite(f))) at.fail("expected a factor ≥ 0, got " + format_number(f));
    return f;
}

void read_phase(const node_at& at, model::model_spec& spec, model::phase_spec& phase, double unit,
                const std::string& unit_text) {
    const map_view m(at, names(phase_keys));
    phase.name = read_string(m.required("name"));
    phase.kind = read_choice<model::phase_kind>(m.required("kind"), phase_kinds);
    const node_at duration = m.required("duration");
    phase.duration = read_quantity(duration, dimension::time);
    if (!(phase.duration > 0.0))
        duration.fail("expected a time > 0, got " + format_quantity(phase.duration, dimension::time));
    require_steps(duration, phase.duration, spec.simulation.dt);
    if (!is_multiple_of(phase.duration, unit))
        duration.fail(format_quantity(phase.duration, dimension::time) + " is not a multiple of " + unit_text);
    if (const auto inputs = m.find("inputs")) {
        expect_map(*inputs, "a map from input index or target population to {rate, factor, sources}");
        for (const auto& entry : inputs->node) {
            const node_at key{inputs->doc, entry.first, inputs->path};
            const node_at value{inputs->doc, entry.second, join_path(inputs->path, entry.first.Scalar())};
            // A key is an input's index, or a target population's name or pattern: every Poisson input
            // into a population it matches (thousands of inputs, as the tables make, need no list).
            const std::string text = key.node.Scalar();
            std::vector<std::uint32_t> matched;
            if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
                const std::uint64_t index = read_unsigned(key);
                if (index >= spec.poisson_inputs.size())
                    key.fail("unknown input " + std::to_string(index) + "; the configuration has " +
                             std::to_string(spec.poisson_inputs.size()) + " Poisson inputs (indices from 0)");
                matched.push_back(static_cast<std::uint32_t>(index));
            } else {
                for (std::uint32_t i = 0; i < spec.poisson_inputs.size(); ++i)
                    if (glob_match(text, spec.populations[spec.poisson_inputs[i].population].name))
                        matched.push_back(i);
                if (matched.empty())
                    key.fail("\"" + text + "\" is neither an input index nor a population (or pattern) that a " +
                             "Poisson input targets");
            }
            const map_view im(value, {"rate", "factor", "sources"});
            const auto rate = im.find("rate");
            const auto factor = im.find("factor");
            if (rate && factor) factor->fail("give `rate` or `factor` (of the configured rate), not both");
            for (const std::uint32_t index : matched) {
                const auto& in = spec.poisson_inputs[index];
                model::phase_spec::input_setting s{index, in.rate, in.sources};
                if (rate) {
                    s.rate = read_quantity(*rate, dimension::rate);
                    if (!(s.rate >= 0.0))
                        rate->fail("expected a rate ≥ 0, got " + format_quantity(s.rate, dimension::rate));
                }
                if (factor) s.rate = in.rate * read_factor(*factor);
                if (const auto sources = im.find("sources")) s.sources = read_count(*sources);
                // A later key that sets the same input wins.
                const auto same = std::find_if(phase.inputs.begin(), phase.inputs.end(),
                                               [&](const auto& x) { return x.input == index; });
                if (same != phase.inputs.end()) *same = s;
                else
                    phase.inputs.push_back(s);
            }
        }
        std::stable_sort(phase.inputs.begin(), phase.inputs.end(),
                         [](const auto& x, const auto& y) { return x.input < y.input; });
    }
    if (const auto neurons = m.find("neurons")) {
        for (const auto& [name_at, params_at] : named_entries(*neurons, "population", true)) {
            const std::string name = read_string(name_at);
            // A name with '*' is a pattern: the settings go to every population it matches.
            std::vector<std::uint32_t> matched;
            if (name.find('*') == std::string::npos) {
                matched.push_back(find_name(name_at, name, spec.populations, "population"));
            } else {
                for (std::uint32_t q = 0; q < spec.populations.size(); ++q)
                    if (glob_match(name, spec.populations[q].name)) matched.push_back(q);
                if (matched.empty()) name_at.fail("the pattern \"" + name + "\" matches no population");
            }
            expect_map(params_at, "a map of neuron parameters");
            for (const std::uint32_t p : matched) {
                const auto info = model_info(spec.populations[p].model);
                std::vector<std::string_view> keys;
                for (const auto& param : info.params) keys.push_back(param.key);
                for (const auto& entry : params_at.node) {
                    const std::string key = entry.first.Scalar();
                    const node_at value{params_at.doc, entry.second, join_path(params_at.path, key)};
                    const auto found = std::find_if(info.params.begin(), info.params.end(),
                                                    [&](const auto& q) { return q.key == key; });
                    if (found == info.params.end())
                        node_at{params_at.doc, entry.first, value.path}.fail(
                            "unknown parameter \"" + key + "\" of population " + spec.populations[p].name +
                            "'s neuron model; parameters: " + join_words(keys));
                    // A later key that sets the same parameter of the same population wins.
                    const double v = read_quantity(value, found->dim);
                    const auto same = std::find_if(phase.params.begin(), phase.params.end(),
                                                   [&](const auto& ps) { return ps.population == p && ps.key == key; });
                    if (same != phase.params.end()) same->value = v;
                    else
                        phase.params.push_back({p, key, found->member, v});
                }
            }
        }
        // In population order, as the resolved configuration writes them.
        std::stable_sort(phase.params.begin(), phase.params.end(),
                         [](const auto& x, const auto& y) { return x.population < y.population; });
    }
    if (const auto plasticity = m.find("plasticity")) {
        phase.learning_rate.assign(spec.projections.size(), 1.0);
        for (const auto& [name_at, factor_at] : named_entries(*plasticity, "projection", true)) {
            const std::string name = read_string(name_at);
            const double factor = read_factor(factor_at);
            if (name.find('*') != std::string::npos) {
                // A pattern: every plastic projection whose name it matches.
                bool any = false;
                for (std::size_t j = 0; j < spec.projections.size(); ++j) {
                    if (spec.projections[j].plasticity.rule == model::stdp_rule::none ||
                        !glob_match(name, spec.projections[j].name))
                        continue;
                    phase.learning_rate[j] = factor;
                    any = true;
                }
                if (!any) name_at.fail("the pattern \"" + name + "\" matches no plastic projection");
                continue;
            }
            const std::uint32_t j = find_name(name_at, name, spec.projections, "projection");
            if (spec.projections[j].plasticity.rule == model::stdp_rule::none)
                name_at.fail("projection " + spec.projections[j].name +
                             " has no plasticity; a learning-rate factor needs one");
            phase.learning_rate[j] = factor;
        }
    }
    if (const auto scaling = m.find("scaling")) phase.scaling_rate = read_factor(*scaling);
    phase.renormalize = phase.kind == model::phase_kind::nrem && spec.schedule.renormalization.enabled;
    if (const auto renormalize = m.find("renormalize")) {
        phase.renormalize = read_bool(*renormalize);
        if (phase.renormalize && !spec.schedule.renormalization.enabled)
            renormalize->fail("renormalization is not configured; add schedule.renormalization");
    }
    // Patterns are presented in wake unless the phase lists its own (an empty list: none).
    phase.patterns.assign(spec.patterns.size(), phase.kind == model::phase_kind::wake ? 1 : 0);
    if (const auto patterns = m.find("patterns")) {
        std::fill(phase.patterns.begin(), phase.patterns.end(), 0);
        for (const auto& item : patterns->items())
            phase.patterns[find_name(item, read_string(item), spec.patterns, "pattern")] = 1;
    }
    if (const auto skip = m.find("skip")) {
        for (const auto& item : skip->items()) {
            const std::uint64_t c = read_unsigned(item);
            if (c >= spec.schedule.cycles)
                item.fail("cycle " + std::to_string(c) + " does not exist; cycles are numbered 0 to " +
                          std::to_string(spec.schedule.cycles - 1));
            phase.skip.push_back(c);
        }
    }
}

void read_renormalization(const node_at& at, model::model_spec& spec) {
    auto& r = spec.schedule.renormalization;
    const map_view m(at, names(renormalization_keys));
    r.enabled = true;
    if (const auto enabled = m.find("enabled")) r.enabled = read_bool(*enabled);
    const auto plastic = std::find_if(spec.projections.begin(), spec.projections.end(),
                                      [&](const auto& proj) { return excitatory_plastic(spec, proj); });
    if (r.enabled && plastic == spec.projections.end())
        at.fail(
            "renormalization scales excitatory plastic synapses, and no projection from an excitatory population has "
            "plasticity");
    if (const auto tau = m.find("tau")) {
        r.tau = read_quantity(*tau, dimension::time);
        if (!(r.tau > 0.0)) tau->fail("expected a time > 0, got " + format_quantity(r.tau, dimension::time));
    }
    if (const auto mode = m.find("mode"))
        r.mode = read_choice<model::renormalization_spec::selectivity>(*mode, renormalization_modes);
    if (const auto spare = m.find("spare")) {
        if (r.mode != model::renormalization_spec::selectivity::selective)
            spare->fail("spare applies to mode: selective only");
        r.spare = read_number(*spare);
        if (!(r.spare > 0.0 && r.spare < 1.0))
            spare->fail("expected a fraction of synapses in (0, 1), got " + read_string(*spare));
    }
    if (const auto scope = m.find("scope")) {
        r.scope = read_choice<model::renormalization_spec::extent>(*scope, renormalization_scopes);
        if (r.enabled && r.scope == model::renormalization_spec::extent::group)
            for (const auto& proj : spec.projections) {
                const auto& target = spec.populations[proj.target];
                if (excitatory_plastic(spec, proj) && target.group.empty())
                    scope->fail("scope: group renormalizes each group apart, and projection " + proj.name +
                                " (excitatory, plastic) targets population " + target.name +
                                ", which has no group; give every population a group (populations.<name>.group)");
            }
    }
    if (const auto point = m.find("set_point")) {
        const std::string word = read_string(*point);
        const bool number =
            !word.empty() && (std::isdigit(static_cast<unsigned char>(word.front())) || word.front() == '.');
        if (!number) {
            r.set_point = read_choice<model::renormalization_spec::reference>(*point, set_points);
        } else {
            if (plastic == spec.projections.end())
                point->fail("a mean weight needs an excitatory plastic projection; there is none");
            r.set_point = model::renormalization_spec::reference::value;
            r.mean_weight = read_quantity(*point, model_info(spec.populations[plastic->target].model).weight_dim);
            if (!(r.mean_weight > 0.0)) point->fail("expected a mean weight > 0");
        }
    }
}

}  // namespace

void read_schedule(const node_at& root, const node_at& at, model::model_spec& spec) {
    auto& schedule = spec.schedule;
    const map_view m(at, names(schedule_keys));
    if (const auto cycles = m.find("cycles")) schedule.cycles = read_unsigned(*cycles, 1);
    if (const auto r = m.find("renormalization")) read_renormalization(*r, spec);
    if (const auto snapshots = m.find("snapshots")) schedule.snapshots = read_bool(*snapshots);
    const double dt = spec.simulation.dt;
    const bool homeostasis = homeostasis_runs(spec);
    const double unit = homeostasis ? spec.homeostasis.period : static_cast<double>(spec.min_delay_steps()) * dt;
    const std::string unit_text = homeostasis ? "the homeostasis period " + format_quantity(unit, dimension::time)
                                              : "the communication interval " + format_quantity(unit, dimension::time) +
                                                    " (the minimum delay; the run has no homeostasis loop)";
    const node_at phases = m.required("phases");
    const auto items = phases.items();
    if (items.empty()) phases.fail("expected a list of at least one phase");
    for (const auto& item : items) {
        schedule.phases.emplace_back();
        read_phase(item, spec, schedule.phases.back(), unit, unit_text);
    }
    const auto& first = schedule.phases.front();
    if (std::find(first.skip.begin(), first.skip.end(), 0u) != first.skip.end())
        items.front().fail("the first phase of cycle 0 cannot be skipped: a skipped phase continues the previous one");

    // The engine expands the schedule into one row per phase run (model::expand), and the output
    // holds a row of /phases for each: 2^20 rows are 20 years of 90-minute cycles of five phases.
    constexpr std::uint64_t max_phase_runs = std::uint64_t{1} << 20;
    const long double runs =
        static_cast<long double>(schedule.cycles) * static_cast<long double>(schedule.phases.size());
    if (runs > static_cast<long double>(max_phase_runs)) {
        m.find("cycles").value_or(phases).fail("cycles × phases = " + format_number(static_cast<double>(runs)) +
                                               " phase runs; expected at most " + std::to_string(max_phase_runs) +
                                               " (each is a row of the phase table)");
    }
    double total = 0.0;
    for (const auto& p : schedule.phases) total += p.duration;
    total *= static_cast<double>(schedule.cycles);
    if (!model::checked_steps(total, dt)) {
        m.find("cycles").value_or(phases).fail(
            "the schedule's total, cycles × the phases' durations = " + format_quantity(total, dimension::time) +
            ", is beyond the longest run, " +
            format_quantity(static_cast<double>(model::max_steps) * dt, dimension::time) +
            " (2^53 steps of dt = " + derived_time(dt) + ")");
    }
    const YAML::Node sim = root.node["simulation"];
    if (sim && sim.IsMap() && sim["duration"]) {
        if (std::abs(spec.simulation.duration - total) > 1e-9 * total)
            node_at{root.doc, sim["duration"], "simulation.duration"}.fail(
                format_quantity(spec.simulation.duration, dimension::time) + " differs from the schedule's total " +
                format_quantity(total, dimension::time) +
                " (cycles × the phases' durations); leave simulation.duration out");
    }
    spec.simulation.duration = total;
}

void put_schedule(YAML::Emitter& out, const model::model_spec& spec) {
    const auto& s = spec.schedule;
    if (!s.enabled()) return;
    const auto quantity = [&](double v, dimension d) { out << YAML::DoubleQuoted << format_quantity(v, d); };
    out << YAML::Key << "schedule" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cycles" << YAML::Value << s.cycles;
    out << YAML::Key << "snapshots" << YAML::Value << s.snapshots;
    const auto& r = s.renormalization;
    const bool any_plastic = std::any_of(spec.projections.begin(), spec.projections.end(),
                                         [&](const auto& p) { return excitatory_plastic(spec, p); });
    if (r.enabled || any_plastic) {
        out << YAML::Key << "renormalization" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "enabled" << YAML::Value << r.enabled;
        out << YAML::Key << "set_point" << YAML::Value;
        if (r.set_point == model::renormalization_spec::reference::value) {
            const auto plastic = std::find_if(spec.projections.begin(), spec.projections.end(),
                                              [&](const auto& p) { return excitatory_plastic(spec, p); });
            quantity(r.mean_weight, model_info(spec.populations[plastic->target].model).weight_dim);
        } else {
            out << std::string(name_of<model::renormalization_spec::reference>(set_points, r.set_point));
        }
        out << YAML::Key << "tau" << YAML::Value;
        quantity(r.tau, dimension::time);
        out << YAML::Key << "mode" << YAML::Value
            << std::string(name_of<model::renormalization_spec::selectivity>(renormalization_modes, r.mode));
        if (r.mode == model::renormalization_spec::selectivity::selective)
            out << YAML::Key << "spare" << YAML::Value << r.spare;
        if (r.scope != model::renormalization_spec::extent::network)  // so that older configurations read the same
            out << YAML::Key << "scope" << YAML::Value
                << std::string(name_of<model::renormalization_spec::extent>(renormalization_scopes, r.scope));
        out << YAML::EndMap;
    }
    out << YAML::Key << "phases" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : s.phases) {
        out << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << p.name;
        out << YAML::Key << "kind" << YAML::Value << std::string(name_of<model::phase_kind>(phase_kinds, p.kind));
        out << YAML::Key << "duration" << YAML::Value;
        quantity(p.duration, dimension::time);
        if (!p.inputs.empty()) {
            out << YAML::Key << "inputs" << YAML::Value << YAML::BeginMap;
            for (const auto& in : p.inputs) {
                out << YAML::Key << in.input << YAML::Value << YAML::Flow << YAML::BeginMap;
                out << YAML::Key << "rate" << YAML::Value;
                quantity(in.rate, dimension::rate);
                out << YAML::Key << "sources" << YAML::Value << in.sources << YAML::EndMap;
            }
            out << YAML::EndMap;
        }
        if (!p.params.empty()) {
            out << YAML::Key << "neurons" << YAML::Value << YAML::BeginMap;
            for (std::uint32_t q = 0; q < spec.populations.size(); ++q) {
                bool any = false;
                for (const auto& ps : p.params) {
                    if (ps.population != q) continue;
                    if (!any)
                        out << YAML::Key << spec.populations[q].name << YAML::Value << YAML::Flow << YAML::BeginMap;
                    any = true;
                    const auto info = model_info(spec.populations[q].model);
                    const auto d = std::find_if(info.params.begin(), info.params.end(),
                                                [&](const auto& x) { return x.key == ps.key; });
                    out << YAML::Key << ps.key << YAML::Value;
                    quantity(ps.value, d->dim);
                }
                if (any) out << YAML::EndMap;
            }
            out << YAML::EndMap;
        }
        if (!p.learning_rate.empty()) {
            out << YAML::Key << "plasticity" << YAML::Value << YAML::Flow << YAML::BeginMap;
            for (std::size_t j = 0; j < p.learning_rate.size(); ++j)
                if (spec.projections[j].plasticity.rule != model::stdp_rule::none)
                    out << YAML::Key << spec.projections[j].name << YAML::Value << format_number(p.learning_rate[j]);
            out << YAML::EndMap;
        }
        out << YAML::Key << "scaling" << YAML::Value << format_number(p.scaling_rate);
        if (r.enabled) out << YAML::Key << "renormalize" << YAML::Value << p.renormalize;
        if (!spec.patterns.empty()) {
            out << YAML::Key << "patterns" << YAML::Value << YAML::Flow << YAML::BeginSeq;
            for (std::size_t k = 0; k < spec.patterns.size(); ++k)
                if (p.patterns[k]) out << spec.patterns[k].name;
            out << YAML::EndSeq;
        }
        if (!p.skip.empty()) {
            out << YAML::Key << "skip" << YAML::Value << YAML::Flow << YAML::BeginSeq;
            for (const auto c : p.skip) out << c;
            out << YAML::EndSeq;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
}

}  // namespace synorm::config::detail
