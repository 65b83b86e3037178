// spec_reader: inputs[] (poisson and dc inputs, and stimulus patterns with their probes).
#include <algorithm>
#include <cmath>
#include <limits>

#include "spec_reader.hpp"

namespace synorm::config::detail {
namespace {

// An input's end time: a time, or "never".
double read_stop(const node_at& at) {
    if (at.node.IsScalar() && at.node.Scalar() == never) return std::numeric_limits<double>::infinity();
    return read_quantity(at, dimension::time);
}

}  // namespace

// Both kinds of input say whom they address ([first, first + count) of `target`) and when.
template <class Input>
void spec_reader::read_input_span(const map_view& m, Input& input) {
    input.population = population_ref(m.required("target"));
    const model::population_spec& pop = spec_.populations[input.population];
    if (model_info(pop.model).source)
        m.required("target").fail("population " + pop.name + " is a poisson_source, which takes no input");
    const std::string size_text = pop.name + " has " + neurons(pop.size) + scale_note();
    if (const auto first = m.find("first")) {
        input.first = read_unsigned(*first);
        if (input.first >= pop.size)
            first->fail("first " + std::to_string(input.first) + " is out of range: " + size_text);
    }
    input.count = pop.size - input.first;
    if (const auto count = m.find("count")) {
        input.count = read_unsigned(*count, 1);
        if (input.count > pop.size - input.first) {
            count->fail("first + count = " + std::to_string(input.first) + " + " + std::to_string(input.count) +
                        " is out of range: " + size_text);
        }
    }
    if (const auto start = read_into(m, "start", dimension::time, input.start)) {
        require_non_negative(*start, input.start, dimension::time);
        require_steps(*start, input.start, spec_.simulation.dt);
    }
    if (const auto stop = m.find("stop")) {
        input.stop = read_stop(*stop);
        if (std::isfinite(input.stop)) require_steps(*stop, input.stop, spec_.simulation.dt);
        if (!(input.stop > input.start)) {
            stop->fail("stop " + format_quantity(input.stop, dimension::time) + " must be after start " +
                       format_quantity(input.start, dimension::time));
        }
    }
}

void spec_reader::read_inputs(const std::optional<node_at>& at, const table_set& tables) {
    const std::vector<node_at> items = at ? at->items() : std::vector<node_at>{};
    if (at) require_indexable(*at, items.size() + tables.rows(table_section::inputs), "inputs");
    for (const node_at& item : items) read_input(item);
    tables.expand(
        table_section::inputs, [&](std::size_t k) { return "inputs[" + std::to_string(items.size() + k) + "]"; },
        [&](const node_at&, const node_at& item, double) { read_input(item); });
}

void spec_reader::read_input(const node_at& item) {
    enum class input_kind { poisson, dc, pattern };
    static constexpr choice<input_kind> input_kinds[] = {
        {"poisson", input_kind::poisson}, {"dc", input_kind::dc}, {"pattern", input_kind::pattern}};
    expect_map(item, "an input map with kind: poisson, dc or pattern");
    const auto kind_at = peek_key(item, "kind");
    if (!kind_at) item.fail("missing required key \"kind\" (poisson, dc or pattern)");
    const input_kind kind = read_choice<input_kind>(*kind_at, input_kinds);
    if (kind == input_kind::pattern) {
        read_pattern(item);
    } else if (kind == input_kind::poisson) {
        const map_view m(item, names(poisson_keys), "a poisson input");
        model::poisson_input_spec input;
        read_input_span(m, input);
        const node_at rate = m.required("rate");
        input.rate = read_quantity(rate, dimension::rate);
        require_non_negative(rate, input.rate, dimension::rate);
        if (const auto sources = m.find("sources")) input.sources = read_count(*sources);
        if (const auto receptor = m.find("receptor")) input.type = read_choice<cell_type>(*receptor, cell_types);
        const model::population_spec& target = spec_.populations[input.population];
        const dimension weight_dim = model_info(target.model).weight_dim;
        const node_at weight = m.required("weight");
        input.weight = read_quantity(weight, weight_dim);
        check_limit(weight, "weight", input.weight, weight_dim, weight_limit(input.type, "the receptor", target));
        spec_.poisson_inputs.push_back(input);
    } else {
        const map_view m(item, names(dc_keys), "a dc input");
        model::dc_input_spec input;
        read_input_span(m, input);
        input.amplitude = read_quantity(m.required("amplitude"), dimension::current);
        spec_.dc_inputs.push_back(input);
    }
}

// A stimulus pattern (model/stimulus_pattern.hpp): its group, presentation times, drive and probes.
void spec_reader::read_pattern(const node_at& item) {
    const map_view m(item, names(pattern_keys), "a pattern input");
    model::pattern_spec p;
    const auto index = static_cast<std::uint32_t>(spec_.patterns.size());
    const auto name = m.find("name");
    p.name = name ? read_name(*name, "pattern") : "pattern" + std::to_string(index);
    for (const auto& other : spec_.patterns)
        if (other.name == p.name)
            name.value_or(item).fail("pattern name \"" + p.name + "\" is already used" +
                                     (name ? "" : "; give this pattern a name"));
    p.population = population_ref(m.required("target"));
    const model::population_spec& pop = spec_.populations[p.population];
    const std::string size_text = pop.name + " has " + neurons(pop.size) + scale_note();

    const node_at group = m.required("group");
    if (group.node.IsSequence()) {
        p.chosen = model::pattern_spec::selection::list;
        for (const node_at& id : group.items()) {
            p.group.push_back(read_unsigned(id));
            if (p.group.back() >= pop.size)
                id.fail("id " + std::to_string(p.group.back()) + " is out of range: " + size_text);
        }
        std::sort(p.group.begin(), p.group.end());
        if (std::adjacent_find(p.group.begin(), p.group.end()) != p.group.end()) group.fail("an id is listed twice");
        p.count = p.group.size();
    } else {
        expect_map(group, "a map {first, count} or {random, seed}, or a list of ids");
        const bool random = peek_key(group, "random").has_value();
        const map_view g(group,
                         random ? std::vector<std::string_view>{"random", "seed"}
                                : std::vector<std::string_view>{"first", "count"},
                         random ? "a random group" : "a group range");
        if (random) {
            p.chosen = model::pattern_spec::selection::random;
            const node_at count = g.required("random");
            p.count = read_unsigned(count, 1);
            if (p.count > pop.size)
                count.fail("random " + std::to_string(p.count) + " is more than the population: " + size_text);
            p.group_seed = spec_.simulation.seed;
            if (const auto seed = g.find("seed")) p.group_seed = read_unsigned(*seed);
            p.group = model::random_group(p.group_seed, index, pop.size, p.count);
        } else {
            if (const auto first = g.find("first")) {
                p.first = read_unsigned(*first);
                if (p.first >= pop.size)
                    first->fail("first " + std::to_string(p.first) + " is out of range: " + size_text);
            }
            const node_at count = g.required("count");
            p.count = read_unsigned(count, 1);
            if (p.count > pop.size - p.first)
                count.fail("first + count = " + std::to_string(p.first) + " + " + std::to_string(p.count) +
                           " is out of range: " + size_text);
            for (std::uint64_t i = 0; i < p.count; ++i) p.group.push_back(p.first + i);
        }
    }
    if (p.group.size() < 2) group.fail("expected a group of at least 2 neurons (a probe cues part of it)");

    const auto time_at = [&](std::string_view key, double& value, bool positive) {
        const auto at = read_into(m, key, dimension::time, value);
        if (at) {
            if (positive) require_positive(*at, value, dimension::time);
            else
                require_non_negative(*at, value, dimension::time);
            require_multiple_of_dt(*at, value);
        }
        return at;
    };
    time_at("start", p.start, false);
    const auto duration = time_at("duration", p.duration, true);
    const auto jitter = time_at("jitter", p.jitter, false);
    const auto period = time_at("period", p.period, true);
    if (!(p.period >= p.duration + p.jitter - 1e-9 * p.period))
        period.value_or(item).fail("period " + format_quantity(p.period, dimension::time) +
                                   " is shorter than duration + jitter = " + derived_time(p.duration + p.jitter) +
                                   ": presentations would overlap");
    if (const auto stop = m.find("stop")) {
        p.stop = read_stop(*stop);
        if (std::isfinite(p.stop)) require_steps(*stop, p.stop, spec_.simulation.dt);
        if (!(p.stop > p.start))
            stop->fail("stop " + format_quantity(p.stop, dimension::time) + " must be after start " +
                       format_quantity(p.start, dimension::time));
    }
    const node_at rate = m.required("rate");
    p.rate = read_quantity(rate, dimension::rate);
    require_non_negative(rate, p.rate, dimension::rate);
    if (const auto sources = m.find("sources")) p.sources = read_count(*sources);
    cell_type receptor = cell_type::excitatory;
    if (const auto r = m.find("receptor")) receptor = read_choice<cell_type>(*r, cell_types);
    p.inhibitory = receptor == cell_type::inhibitory;
    const dimension weight_dim = model_info(pop.model).weight_dim;
    const node_at weight = m.required("weight");
    p.weight = read_quantity(weight, weight_dim);
    check_limit(weight, "weight", p.weight, weight_dim, weight_limit(receptor, "the receptor", pop));

    p.probe_duration = p.duration;
    std::optional<node_at> probe_times;
    if (const auto probe = m.find("probe")) {
        const map_view pm(*probe, names(probe_keys), "a probe");
        probe_times = pm.required("times");
        for (const node_at& t : probe_times->items()) {
            p.probe_times.push_back(read_quantity(t, dimension::time));
            require_non_negative(t, p.probe_times.back(), dimension::time);
            require_multiple_of_dt(t, p.probe_times.back());
        }
        std::sort(p.probe_times.begin(), p.probe_times.end());
        p.probe_times.erase(std::unique(p.probe_times.begin(), p.probe_times.end()), p.probe_times.end());
        if (const auto cue = pm.find("cue")) {
            p.cue = read_number(*cue);
            if (!(p.cue > 0.0 && p.cue < 1.0))
                cue->fail("expected a fraction of the group in (0, 1), got " + format_number(p.cue));
            if (p.cue_size() < 1 || p.cue_size() >= p.group.size())
                cue->fail("cue " + format_number(p.cue) + " of a group of " + neurons(p.group.size()) + " cues " +
                          std::to_string(p.cue_size()) + "; a cue needs at least one member and must leave one out");
        }
        if (const auto d = pm.find("duration")) {
            p.probe_duration = read_quantity(*d, dimension::time);
            require_positive(*d, p.probe_duration, dimension::time);
            require_multiple_of_dt(*d, p.probe_duration);
        }
        if (const auto w = pm.find("window")) {
            p.window = read_quantity(*w, dimension::time);
            require_positive(*w, p.window, dimension::time);
            require_multiple_of_dt(*w, p.window);
        }
    }
    spec_.patterns.push_back(std::move(p));
    probe_times_at_.push_back(probe_times);
}

// Probes must end within the run, whose duration is known once the schedule is read.
void spec_reader::check_patterns() {
    const double T = spec_.simulation.duration;
    for (std::size_t i = 0; i < spec_.patterns.size(); ++i) {
        const auto& p = spec_.patterns[i];
        if (p.probe_times.empty()) continue;
        const double last = p.probe_times.back();
        if (last + p.window > T * (1.0 + 1e-12)) {
            node_at at = *probe_times_at_[i];
            for (const node_at& t : at.items())
                if (read_quantity(t, dimension::time) == last) at = t;
            at.fail("probe at " + format_quantity(last, dimension::time) + " with its window " +
                    format_quantity(p.window, dimension::time) + " ends after the run (duration " +
                    format_quantity(T, dimension::time) + ")");
        }
    }
}

}  // namespace synorm::config::detail
