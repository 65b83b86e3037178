// spec_reader: recording (spikes, the rate bin, and the state, weight and homeostasis recorders).
#include <algorithm>

#include "spec_reader.hpp"

namespace synorm::config::detail {

void spec_reader::read_recording(const std::optional<node_at>& at) {
    model::recording_spec& rec = spec_.recording;
    for (std::uint32_t i = 0; i < spec_.populations.size(); ++i) rec.spike_populations.push_back(i);
    const map_view m(at.value_or(node_at{root_.doc, YAML::Node(), "recording"}), names(recording_keys));

    if (const auto spikes = m.find("spikes")) {
        if (spikes->node.IsScalar() && spikes->node.Scalar() == "none") {
            rec.spike_populations.clear();
        } else if (!(spikes->node.IsScalar() && spikes->node.Scalar() == "all")) {
            if (!spikes->node.IsSequence()) spikes->fail("expected all, none or a list of population names");
            std::vector<std::uint32_t> chosen;
            for (const node_at& name : spikes->items()) chosen.push_back(population_ref(name));
            std::sort(chosen.begin(), chosen.end());
            chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
            rec.spike_populations = std::move(chosen);
        }
    }

    if (const auto rate_bin = read_into(m, "rate_bin", dimension::time, rec.rate_bin)) {
        require_non_negative(*rate_bin, rec.rate_bin, dimension::time);
        if (rec.rate_bin > 0.0) require_multiple_of_dt(*rate_bin, rec.rate_bin);
    } else if (!is_multiple_of(rec.rate_bin, spec_.simulation.dt)) {
        // The default bin may not fit a dt the user chose; say which key to set.
        node_at{root_.doc, m.self().node, join_path(m.self().path, "rate_bin")}.fail(
            "the default " + format_quantity(rec.rate_bin, dimension::time) +
            " is not a multiple of the time step dt = " + format_quantity(spec_.simulation.dt, dimension::time) +
            "; set recording.rate_bin");
    }

    if (const auto state = m.find("state")) read_state_recorders(*state);
    if (const auto weights = m.find("weights")) read_weight_recorders(*weights);
    if (const auto homeostasis = m.find("homeostasis")) read_homeostasis_recorders(*homeostasis);
    if (const auto final_state = m.find("final_state")) rec.final_state = read_bool(*final_state);
}

void spec_reader::read_state_recorders(const node_at& at) {
    const std::vector<node_at> items = at.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const map_view m(items[i], names(state_keys));
        model::state_recorder_spec r;
        r.population = population_ref(m.required("population"));
        const model::population_spec& pop = spec_.populations[r.population];

        const auto name = m.find("name");
        r.name = name ? read_name(*name, "recorder") : pop.name + "_state" + std::to_string(i);
        for (const model::state_recorder_spec& other : spec_.recording.state) {
            if (other.name == r.name) {
                name.value_or(items[i]).fail("recorder name \"" + r.name + "\" is already used" +
                                             (name ? "" : "; give this recorder a name"));
            }
        }

        const node_at ids = m.required("ids");
        for (const node_at& id : ids.items()) {
            r.ids.push_back(read_unsigned(id));
            if (r.ids.back() >= pop.size) {
                id.fail("id " + std::to_string(r.ids.back()) + " is out of range: " + pop.name + " has " +
                        neurons(pop.size) + scale_note());
            }
        }
        if (r.ids.empty()) ids.fail("expected at least one neuron id");
        std::sort(r.ids.begin(), r.ids.end());
        r.ids.erase(std::unique(r.ids.begin(), r.ids.end()), r.ids.end());

        const neuron_model_info info = model_info(pop.model);
        if (info.source)
            m.required("population")
                .fail("population " + pop.name + " is a poisson_source, which has no state to record");
        if (const auto variables = m.find("variables")) {
            for (const node_at& v : variables->items()) {
                std::string var = read_string(v);
                if (std::find(info.variables.begin(), info.variables.end(), var) == info.variables.end()) {
                    v.fail("unknown variable \"" + var + "\" for a " +
                           std::string(name_of<model::neuron_kind>(neuron_kinds, pop.model)) +
                           " population; recordable: " +
                           join_words(std::vector<std::string_view>(info.variables.begin(), info.variables.end())));
                }
                if (std::find(r.variables.begin(), r.variables.end(), var) != r.variables.end()) {
                    v.fail("variable \"" + var + "\" is listed twice");
                }
                r.variables.push_back(std::move(var));
            }
            if (r.variables.empty()) variables->fail("expected at least one variable");
        } else {
            r.variables = {"V_m"};
        }

        r.interval = spec_.simulation.dt;
        if (const auto interval = read_into(m, "interval", dimension::time, r.interval)) {
            require_positive(*interval, r.interval, dimension::time);
            require_multiple_of_dt(*interval, r.interval);
        }
        spec_.recording.state.push_back(std::move(r));
    }
}

void spec_reader::read_weight_recorders(const node_at& at) {
    const double duration = spec_.simulation.duration;
    for (const node_at& item : at.items()) {
        const map_view m(item, names(weight_keys));
        model::weight_recorder_spec w;
        w.projection = projection_ref(m.required("projection"));
        const node_at times = m.required("times");
        for (const node_at& t : times.items()) {
            const double time = read_quantity(t, dimension::time);
            if (!(time >= 0.0 && time <= duration)) {
                t.fail(format_quantity(time, dimension::time) + " is outside the run [0 ms, " +
                       format_quantity(duration, dimension::time) + "]");
            }
            require_multiple_of_dt(t, time);
            w.times.push_back(time);
        }
        if (w.times.empty()) times.fail("expected at least one time");
        std::sort(w.times.begin(), w.times.end());
        w.times.erase(std::unique(w.times.begin(), w.times.end()), w.times.end());
        spec_.recording.weights.push_back(std::move(w));
    }
}

// Chosen neurons whose gains (and E_in) are written every homeostasis period.
void spec_reader::read_homeostasis_recorders(const node_at& at) {
    for (const node_at& item : at.items()) {
        const map_view m(item, names(homeostasis_recorder_keys));
        model::homeostasis_recorder_spec r;
        r.population = population_ref(m.required("population"));
        const model::population_spec& pop = spec_.populations[r.population];
        for (const auto& other : spec_.recording.homeostasis)
            if (other.population == r.population)
                m.required("population").fail("population " + pop.name + " is listed twice; merge its ids");
        const node_at ids = m.required("ids");
        for (const node_at& id : ids.items()) {
            r.ids.push_back(read_unsigned(id));
            if (r.ids.back() >= pop.size) {
                id.fail("id " + std::to_string(r.ids.back()) + " is out of range: " + pop.name + " has " +
                        neurons(pop.size) + scale_note());
            }
        }
        if (r.ids.empty()) ids.fail("expected at least one neuron id");
        std::sort(r.ids.begin(), r.ids.end());
        r.ids.erase(std::unique(r.ids.begin(), r.ids.end()), r.ids.end());
        spec_.recording.homeostasis.push_back(std::move(r));
    }
}

}  // namespace synorm::config::detail
