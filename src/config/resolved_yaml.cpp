#include "resolved_yaml.hpp"

#include <cmath>
#include <functional>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "key_tables.hpp"
#include "schedule.hpp"
#include "schema.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/config/units.hpp"

namespace synorm::config::detail {
namespace {

// Quantities are quoted so that they read as the strings the schema asks for; numbers are written
// in their shortest exact form so that they load back bit for bit.
void put_quantity(YAML::Emitter& out, double value, dimension dim) {
    out << YAML::DoubleQuoted << format_quantity(value, dim);
}

void put_number(YAML::Emitter& out, double value) { out << format_number(value); }

void put_stop(YAML::Emitter& out, double stop) {
    if (std::isinf(stop)) {
        out << std::string(never);
    } else {
        put_quantity(out, stop, dimension::time);
    }
}

void put_distribution(YAML::Emitter& out, const model::distribution& d, dimension dim) {
    using kind = model::distribution::kind;
    if (d.shape == kind::constant) {
        put_quantity(out, d.value, dim);
        return;
    }
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "distribution" << YAML::Value << std::string(name_of<kind>(distribution_kinds, d.shape));
    if (d.shape == kind::uniform) {
        out << YAML::Key << "low" << YAML::Value;
        put_quantity(out, d.low, dim);
        out << YAML::Key << "high" << YAML::Value;
        put_quantity(out, d.high, dim);
    } else {
        out << YAML::Key << "mean" << YAML::Value;
        put_quantity(out, d.mean, dim);
        out << YAML::Key << "sd" << YAML::Value;
        put_quantity(out, d.sd, dim);
        if (std::isfinite(d.min)) {
            out << YAML::Key << "min" << YAML::Value;
            put_quantity(out, d.min, dim);
        }
        if (std::isfinite(d.max)) {
            out << YAML::Key << "max" << YAML::Value;
            put_quantity(out, d.max, dim);
        }
    }
    out << YAML::EndMap;
}

// A pattern's group as it was chosen: a range, a random draw, or the list.
void put_group(YAML::Emitter& out, const model::pattern_spec& p) {
    out << YAML::Key << "group" << YAML::Value << YAML::Flow;
    switch (p.chosen) {
    case model::pattern_spec::selection::range:
        out << YAML::BeginMap << YAML::Key << "first" << YAML::Value << p.first << YAML::Key << "count" << YAML::Value
            << p.count << YAML::EndMap;
        break;
    case model::pattern_spec::selection::random:
        out << YAML::BeginMap << YAML::Key << "random" << YAML::Value << p.count << YAML::Key << "seed" << YAML::Value
            << p.group_seed << YAML::EndMap;
        break;
    case model::pattern_spec::selection::list:
        out << YAML::BeginSeq;
        for (const auto id : p.group) out << id;
        out << YAML::EndSeq;
        break;
    }
}

// Opens a list under `key`; an empty one is written "[]" on the key's line.
void begin_list(YAML::Emitter& out, const char* key, bool empty) {
    out << YAML::Key << key << YAML::Value;
    if (empty) out << YAML::Flow;
    out << YAML::BeginSeq;
}

// The keys of one section, in the schema's order (key_tables.cpp): each in the form its declaration
// gives, when its condition holds. Keys of form custom are left to `custom`, which may write them.
template <class S>
void put_keys(YAML::Emitter& out, std::span<const key<S>> keys, const S& s, dimension weight_dim = dimension::voltage,
              const std::function<void(std::string_view)>& custom = nullptr) {
    for (const key<S>& k : keys) {
        if (k.when && !k.when(s)) continue;
        if (k.bind.written == form::custom) {
            if (custom) custom(k.info.name);
            continue;
        }
        out << YAML::Key << std::string(k.info.name) << YAML::Value;
        switch (k.bind.written) {
        case form::quantity: put_quantity(out, k.bind.real(s), k.bind.dim); break;
        case form::weight: put_quantity(out, k.bind.real(s), weight_dim); break;
        case form::number: put_number(out, k.bind.real(s)); break;
        case form::integer:
        case form::word: out << k.bind.value(s); break;
        case form::boolean: out << (k.bind.value(s) == exact(true)); break;
        case form::stop: put_stop(out, k.bind.real(s)); break;
        case form::custom: break;
        }
    }
}

void put_simulation(YAML::Emitter& out, const model::simulation_spec& sim) {
    out << YAML::Key << "simulation" << YAML::Value << YAML::BeginMap;
    put_keys(out, simulation_keys, sim);
    out << YAML::EndMap;
}

void put_scaling(YAML::Emitter& out, const model::scaling_spec& s) {
    out << YAML::Key << "scaling" << YAML::Value << YAML::BeginMap;
    put_keys(out, scaling_keys, s);
    out << YAML::EndMap;
}

void put_branches(YAML::Emitter& out, const model::model_spec& spec, const model::branch_spec& b) {
    out << YAML::Key << "branches" << YAML::Value << YAML::BeginMap;
    put_keys(out, branch_keys, b, dimension::voltage, [&](std::string_view key) {
        if (key == "by_source" && b.assign == model::branch_spec::assignment::by_source) {
            out << YAML::Key << "by_source" << YAML::Value << YAML::Flow << YAML::BeginMap;
            for (std::size_t p = 0; p < b.by_source.size(); ++p)
                if (b.by_source[p] >= 0) out << YAML::Key << spec.populations[p].name << YAML::Value << b.by_source[p];
            out << YAML::EndMap;
        }
        if (key == "record" && !b.record.empty()) out << YAML::Key << "record" << YAML::Value << YAML::Flow << b.record;
    });
    out << YAML::EndMap;
}

void put_populations(YAML::Emitter& out, const model::model_spec& spec) {
    out << YAML::Key << "populations" << YAML::Value << YAML::BeginMap;
    for (const model::population_spec& pop : spec.populations) {
        out << YAML::Key << pop.name << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "size" << YAML::Value << pop.size;
        out << YAML::Key << "type" << YAML::Value << std::string(name_of<model::cell_type>(cell_types, pop.type));
        if (!pop.group.empty()) out << YAML::Key << "group" << YAML::Value << pop.group;
        out << YAML::Key << "neuron" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "model" << YAML::Value << std::string(name_of<model::neuron_kind>(neuron_kinds, pop.model));
        for (const neuron_param& param : model_info(pop.model).params) {
            out << YAML::Key << std::string(param.key) << YAML::Value;
            put_quantity(out, pop.params.*(param.member), param.dim);
        }
        if (!pop.rate_changes.empty()) {
            out << YAML::Key << "changes" << YAML::Value << YAML::BeginSeq;
            for (const model::rate_change& c : pop.rate_changes) {
                out << YAML::Flow << YAML::BeginMap << YAML::Key << "at" << YAML::Value;
                put_quantity(out, c.at, dimension::time);
                out << YAML::Key << "rate" << YAML::Value;
                put_quantity(out, c.rate, dimension::rate);
                out << YAML::EndMap;
            }
            out << YAML::EndSeq;
        }
        out << YAML::EndMap;
        out << YAML::Key << "V_init" << YAML::Value;
        put_distribution(out, pop.V_init, dimension::voltage);
        out << YAML::Key << "calcium" << YAML::Value << YAML::Flow << YAML::BeginMap;
        put_keys(out, calcium_keys, pop);
        out << YAML::EndMap;
        if (pop.scaling.enabled) put_scaling(out, pop.scaling);
        if (pop.branches.enabled) put_branches(out, spec, pop.branches);
        const dimension weight_dim = model_info(pop.model).weight_dim;
        if (pop.e_gaba.enabled) {
            out << YAML::Key << "e_gaba" << YAML::Value << YAML::Flow << YAML::BeginMap;
            put_keys(out, e_gaba_keys, pop.e_gaba);
            out << YAML::EndMap;
        }
        if (pop.metaplasticity.enabled) {
            out << YAML::Key << "metaplasticity" << YAML::Value << YAML::Flow << YAML::BeginMap;
            put_keys(out, metaplasticity_keys, pop.metaplasticity);
            out << YAML::EndMap;
        }
        if (pop.normalization.enabled) {
            out << YAML::Key << "normalization" << YAML::Value << YAML::Flow << YAML::BeginMap;
            put_keys(out, normalization_keys, pop.normalization, weight_dim);
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

void put_projections(YAML::Emitter& out, const model::model_spec& spec) {
    begin_list(out, "projections", spec.projections.empty());
    for (const model::projection_spec& proj : spec.projections) {
        const model::population_spec& target = spec.populations[proj.target];
        const dimension weight_dim = model_info(target.model).weight_dim;
        out << YAML::BeginMap;
        put_keys(out, projection_keys, proj, weight_dim, [&](std::string_view key) {
            if (key == "source") out << YAML::Key << "source" << YAML::Value << spec.populations[proj.source].name;
            if (key == "target") out << YAML::Key << "target" << YAML::Value << target.name;
            if (key == "connect") {
                out << YAML::Key << "connect" << YAML::Value << YAML::Flow << YAML::BeginMap;
                put_keys(out, connect_keys, proj);
                out << YAML::EndMap;
            }
            if (key == "weight") {
                out << YAML::Key << "weight" << YAML::Value;
                put_distribution(out, proj.weight, weight_dim);
            }
            if (key == "delay") {
                out << YAML::Key << "delay" << YAML::Value;
                put_distribution(out, proj.delay, dimension::time);
            }
            if (key == "plasticity" && proj.plasticity.rule != model::stdp_rule::none) {
                out << YAML::Key << "plasticity" << YAML::Value << YAML::BeginMap;
                put_keys(out, plasticity_keys(proj.plasticity.rule), proj.plasticity, weight_dim);
                out << YAML::EndMap;
            }
            if (key == "pruning" && proj.pruning.enabled) {
                out << YAML::Key << "pruning" << YAML::Value << YAML::BeginMap;
                put_keys(out, pruning_keys, proj.pruning, weight_dim);
                out << YAML::EndMap;
            }
        });
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void put_inputs(YAML::Emitter& out, const model::model_spec& spec) {
    begin_list(out, "inputs", spec.poisson_inputs.empty() && spec.dc_inputs.empty() && spec.patterns.empty());
    // `kind` and `target` of every kind of input; the other keys by the input's own table.
    const auto common = [&](std::string_view key, const char* kind, std::uint32_t population) {
        if (key == "kind") out << YAML::Key << "kind" << YAML::Value << kind;
        if (key == "target") out << YAML::Key << "target" << YAML::Value << spec.populations[population].name;
    };
    for (const model::poisson_input_spec& in : spec.poisson_inputs) {
        out << YAML::BeginMap;
        put_keys(out, poisson_keys, in, model_info(spec.populations[in.population].model).weight_dim,
                 [&](std::string_view key) { common(key, "poisson", in.population); });
        out << YAML::EndMap;
    }
    for (const model::dc_input_spec& in : spec.dc_inputs) {
        out << YAML::BeginMap;
        put_keys(out, dc_keys, in, dimension::current, [&](std::string_view key) { common(key, "dc", in.population); });
        out << YAML::EndMap;
    }
    for (const model::pattern_spec& p : spec.patterns) {
        out << YAML::BeginMap;
        const dimension weight_dim = model_info(spec.populations[p.population].model).weight_dim;
        put_keys(out, pattern_keys, p, weight_dim, [&](std::string_view key) {
            common(key, "pattern", p.population);
            if (key == "group") put_group(out, p);
            if (key == "probe" && !p.probe_times.empty()) {
                out << YAML::Key << "probe" << YAML::Value << YAML::BeginMap;
                put_keys(out, probe_keys, p, dimension::time, [&](std::string_view probe_key) {
                    if (probe_key != "times") return;
                    out << YAML::Key << "times" << YAML::Value << YAML::Flow << YAML::BeginSeq;
                    for (const double t : p.probe_times) put_quantity(out, t, dimension::time);
                    out << YAML::EndSeq;
                });
                out << YAML::EndMap;
            }
        });
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void put_recording(YAML::Emitter& out, const model::model_spec& spec) {
    const model::recording_spec& rec = spec.recording;
    out << YAML::Key << "recording" << YAML::Value << YAML::BeginMap;
    put_keys(out, recording_keys, rec, dimension::time, [&](std::string_view key) {
        if (key == "spikes") {
            out << YAML::Key << "spikes" << YAML::Value;
            if (rec.spike_populations.size() == spec.populations.size()) {
                out << "all";  // the reader stores the list sorted and unique, so this is every population
            } else if (rec.spike_populations.empty()) {
                out << "none";
            } else {
                out << YAML::Flow << YAML::BeginSeq;
                for (std::uint32_t p : rec.spike_populations) out << spec.populations[p].name;
                out << YAML::EndSeq;
            }
        }
        if (key == "state") {
            begin_list(out, "state", rec.state.empty());
            for (const model::state_recorder_spec& r : rec.state) {
                out << YAML::BeginMap;
                put_keys(out, state_keys, r, dimension::time, [&](std::string_view state_key) {
                    if (state_key == "population")
                        out << YAML::Key << "population" << YAML::Value << spec.populations[r.population].name;
                    if (state_key == "ids") out << YAML::Key << "ids" << YAML::Value << YAML::Flow << r.ids;
                    if (state_key == "variables")
                        out << YAML::Key << "variables" << YAML::Value << YAML::Flow << r.variables;
                });
                out << YAML::EndMap;
            }
            out << YAML::EndSeq;
        }
        if (key == "weights") {
            begin_list(out, "weights", rec.weights.empty());
            for (const model::weight_recorder_spec& w : rec.weights) {
                out << YAML::BeginMap;
                out << YAML::Key << "projection" << YAML::Value << spec.projections[w.projection].name;
                out << YAML::Key << "times" << YAML::Value << YAML::Flow << YAML::BeginSeq;
                for (double t : w.times) put_quantity(out, t, dimension::time);
                out << YAML::EndSeq;
                out << YAML::EndMap;
            }
            out << YAML::EndSeq;
        }
        if (key == "homeostasis" && !rec.homeostasis.empty()) {
            out << YAML::Key << "homeostasis" << YAML::Value << YAML::BeginSeq;
            for (const model::homeostasis_recorder_spec& r : rec.homeostasis) {
                out << YAML::BeginMap;
                out << YAML::Key << "population" << YAML::Value << spec.populations[r.population].name;
                out << YAML::Key << "ids" << YAML::Value << YAML::Flow << YAML::BeginSeq;
                for (const auto id : r.ids) out << id;
                out << YAML::EndSeq << YAML::EndMap;
            }
            out << YAML::EndSeq;
        }
    });
    out << YAML::EndMap;
}

void put_homeostasis(YAML::Emitter& out, const model::homeostasis_spec& h) {
    out << YAML::Key << "homeostasis" << YAML::Value << YAML::BeginMap;
    put_keys(out, homeostasis_keys, h);
    out << YAML::EndMap;
}

void put_checks(YAML::Emitter& out, const model::checks_spec& c) {
    out << YAML::Key << "checks" << YAML::Value << YAML::BeginMap;
    put_keys(out, checks_keys, c);
    out << YAML::EndMap;
}

void put_comm(YAML::Emitter& out, const model::comm_spec& c) {
    out << YAML::Key << "comm" << YAML::Value << YAML::BeginMap;
    put_keys(out, comm_keys, c);
    out << YAML::EndMap;
}

// Written only when given, so that the resolved text of a configuration without it is unchanged.
void put_dry_run(YAML::Emitter& out, const model::model_spec& spec) {
    const model::dry_run_spec& d = spec.dry_run;
    const model::dry_run_spec defaults;
    if (d.rates.empty() && d.latency == defaults.latency && d.bandwidth == defaults.bandwidth) return;
    out << YAML::Key << "dry_run" << YAML::Value << YAML::BeginMap;
    put_keys(out, dry_run_keys, d);
    if (!d.rates.empty()) {
        out << YAML::Key << "rates" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (std::size_t i = 0; i < d.rates.size(); ++i) {
            if (std::isnan(d.rates[i])) continue;
            out << YAML::Key << spec.populations[i].name << YAML::Value;
            put_quantity(out, d.rates[i], dimension::rate);
        }
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
}

// Both factors are written as 1: the spec already holds their effect. The full-scale rates are kept,
// so the text still says what the compensation would use; with factors of 1 it changes nothing.
void put_network(YAML::Emitter& out, const model::model_spec& spec, const applied_scaling& scaling) {
    out << YAML::Key << "network" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "scale" << YAML::Value << 1;
    out << YAML::Key << "indegree_scale" << YAML::Value << 1;
    if (scaling.compensation) {
        out << YAML::Key << "compensation" << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "mean_rates" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const auto& [name, rate] : scaling.mean_rates) {
            out << YAML::Key << name << YAML::Value;
            put_quantity(out, rate, dimension::rate);
        }
        out << YAML::EndMap;
        if (scaling.compensate_inputs) out << YAML::Key << "inputs" << YAML::Value << true;
        out << YAML::EndMap;
    }
    put_keys(out, network_keys, spec);  // the keys the spec keeps as they are (placement)
    out << YAML::EndMap;
}

std::string scaling_comment(const model::model_spec& spec, const applied_scaling& scaling) {
    std::string text;
    if (scaling.scale != 1.0) {
        text += "# network.scale = " + format_number(scaling.scale) +
                " is applied: sizes, indegrees and numbers below are already scaled\n";
    }
    if (scaling.indegree_scale != scaling.scale) {
        text += "# network.indegree_scale = " + format_number(scaling.indegree_scale) +
                " is applied: in-degrees, numbers and probabilities below are already scaled\n";
    }
    std::string added;
    for (std::size_t i = 0; i < spec.populations.size(); ++i) {
        if (scaling.added_I_e[i] == 0.0) continue;
        added += (added.empty() ? "" : ", ") + spec.populations[i].name + " " +
                 format_quantity(scaling.added_I_e[i], dimension::current);
    }
    if (scaling.weights_scaled) {
        text +=
            "# network.compensation is applied: weights of projections whose in-degree was scaled by k are\n"
            "# multiplied by 1/sqrt(k) (with their plasticity's A_plus, A_minus, w_min, w_max and w_0), and\n"
            "# I_e includes the current that restores their mean input" +
            std::string(scaling.compensate_inputs ? " (and, with compensation.inputs, the Poisson inputs')" : "") +
            ":\n#   " + (added.empty() ? "none" : added) + "\n";
    }
    return text;
}

}  // namespace

std::string resolved_yaml(const model::model_spec& spec, const applied_scaling& scaling) {
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::BeginMap;
    put_simulation(out, spec.simulation);
    put_network(out, spec, scaling);
    put_populations(out, spec);
    put_projections(out, spec);
    put_inputs(out, spec);
    put_recording(out, spec);
    put_homeostasis(out, spec.homeostasis);
    put_checks(out, spec.checks);
    put_schedule(out, spec);
    put_comm(out, spec.comm);
    put_dry_run(out, spec);
    out << YAML::EndMap;

    return "# synorm resolved configuration: every default filled in, quantities in internal units\n" +
           scaling_comment(spec, scaling) + out.c_str() + "\n";
}

}  // namespace synorm::config::detail

namespace synorm::config {
namespace {

// Appends the key paths under which `a` and `b` differ: a map key present in one only, a list of
// another length, or a different scalar.
void differences(const YAML::Node& a, const YAML::Node& b, const std::string& path, std::vector<std::string>& out) {
    const std::string here = path.empty() ? "(top level)" : path;
    if (a.Type() != b.Type()) {
        out.push_back(here);
        return;
    }
    if (a.IsScalar()) {
        if (a.Scalar() != b.Scalar()) out.push_back(here);
    } else if (a.IsSequence()) {
        if (a.size() != b.size()) {
            out.push_back(here);
            return;
        }
        for (std::size_t k = 0; k < a.size(); ++k) differences(a[k], b[k], path + "." + std::to_string(k), out);
    } else if (a.IsMap()) {
        const auto key = [&](const YAML::Node& k) { return path.empty() ? k.Scalar() : path + "." + k.Scalar(); };
        for (const auto& kv : a) {
            const YAML::Node other = b[kv.first.Scalar()];
            if (!other) out.push_back(key(kv.first));
            else
                differences(kv.second, other, key(kv.first), out);
        }
        for (const auto& kv : b)
            if (!a[kv.first.Scalar()]) out.push_back(key(kv.first));
    }
}

}  // namespace

std::vector<std::string> differing_keys(const std::string& yaml_a, const std::string& yaml_b) {
    std::vector<std::string> out;
    differences(YAML::Load(yaml_a), YAML::Load(yaml_b), "", out);
    return out;
}

}  // namespace synorm::config
