#include "synorm/config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "overrides.hpp"
#include "resolved_yaml.hpp"
#include "schedule.hpp"
#include "schema.hpp"
#include "yaml_reader.hpp"

namespace synorm::config {
namespace {

std::string format_error(const std::string& file, int line, int column, const std::string& key_path,
                         const std::string& message) {
    std::string text = file;
    if (line > 0) text += ":" + std::to_string(line) + ":" + std::to_string(column);
    text += ": ";
    if (!key_path.empty()) text += key_path + ": ";
    return text + message;
}

}  // namespace

config_error::config_error(std::string file, int line, int column, std::string key_path, std::string message)
    : std::runtime_error(format_error(file, line, column, key_path, message)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      message_(std::move(message)),
      line_(line),
      column_(column) {}

namespace {

using namespace detail;
using model::cell_type;
using model::connection_rule;

const std::vector<std::string_view> top_level_keys = {"simulation", "network",   "populations", "projections",
                                                      "inputs",     "recording", "homeostasis", "checks",
                                                      "schedule"};

void require_positive(const node_at& at, double value, dimension dim) {
    if (!(value > 0.0)) {
        at.fail("expected a " + std::string(dimension_name(dim)) + " > 0, got " + format_quantity(value, dim));
    }
}

void require_non_negative(const node_at& at, double value, dimension dim) {
    if (!(value >= 0.0)) {
        at.fail("expected a " + std::string(dimension_name(dim)) + " ≥ 0, got " + format_quantity(value, dim));
    }
}

// Reads `key` into `value` when it is given; returns its node for further checks.
std::optional<node_at> read_into(const map_view& m, std::string_view key, dimension dim, double& value) {
    auto at = m.find(key);
    if (at) value = read_quantity(*at, dim);
    return at;
}

// An input's end time: a time, or "never".
double read_stop(const node_at& at) {
    if (at.node.IsScalar() && at.node.Scalar() == never) return std::numeric_limits<double>::infinity();
    return read_quantity(at, dimension::time);
}

// A count under network.scale: exact when unscaled; otherwise rounded, and a nonzero count never
// scales away to nothing.
std::uint64_t scaled(std::uint64_t n, double factor) {
    if (factor == 1.0 || n == 0) return n;
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(n) * factor)));
}

// A derived time (a number of steps times dt) for a message: 3 × 0.1 ms reads "0.3 ms", not
// "0.30000000000000004 ms".
std::string derived_time(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.12g", ms);
    return format_quantity(std::strtod(text, nullptr), dimension::time);
}

std::string neurons(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " neuron" : " neurons"); }

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

// Walks the tree once, in dependency order (time step before delays, populations before
// projections, projections before weight recorders), filling a model_spec in internal units.
class spec_reader {
public:
    explicit spec_reader(node_at root) : root_(std::move(root)) {}

    model::model_spec read();
    const applied_scaling& scaling() const { return scaling_; }

private:
    void read_simulation(const std::optional<node_at>& at);
    void read_network(const std::optional<node_at>& at);
    void read_populations(const node_at& at);
    void read_neuron(const node_at& at, model::population_spec& pop);
    void read_source(const node_at& at, model::population_spec& pop);
    void read_e_gaba(const node_at& at, model::population_spec& pop);
    void read_normalization(const node_at& at, model::population_spec& pop);
    void check_normalization() const;
    void read_metaplasticity(const node_at& at, model::population_spec& pop);
    void check_metaplasticity() const;
    void read_homeostasis_recorders(const node_at& at);
    void read_calcium(const node_at& at, model::population_spec& pop);
    void read_scaling(const node_at& at, model::population_spec& pop);
    void read_branches(const node_at& at, model::population_spec& pop);
    void read_branch_sources();
    void read_projections(const std::optional<node_at>& at);
    void read_connect(const node_at& at, model::projection_spec& proj);
    void read_plasticity(const node_at& at, const node_at& weight_at, model::projection_spec& proj);
    void read_pruning(const node_at& at, model::projection_spec& proj);
    void check_pruning() const;
    void read_compensation();
    void read_inputs(const std::optional<node_at>& at);
    void read_pattern(const node_at& item);
    void check_patterns();
    template <class Input>
    void read_input_span(const map_view& m, Input& input);
    void read_recording(const std::optional<node_at>& at);
    void read_state_recorders(const node_at& at);
    void read_weight_recorders(const node_at& at);
    void read_homeostasis(const std::optional<node_at>& at);
    void read_checks(const std::optional<node_at>& at);

    std::uint32_t population_ref(const node_at& at) const;
    std::uint32_t projection_ref(const node_at& at) const;
    draw_limit weight_limit(cell_type receptor, const std::string& sign_from,
                            const model::population_spec& target) const;
    draw_limit delay_limit() const;
    void require_multiple_of_dt(const node_at& at, double value) const;
    std::string scale_note() const;

    // How a projection's mean in-degree changes under scaling, for network.compensation.
    struct indegree_change {
        double full = 0.0;    // mean in-degree before scaling
        double factor = 1.0;  // scaled mean in-degree / full
    };

    node_at root_;
    model::model_spec spec_;
    double scale_ = 1.0;           // network.scale
    double indegree_scale_ = 1.0;  // network.indegree_scale; network.scale unless given
    std::optional<node_at> compensation_at_;     // network.compensation, read after the projections
    std::vector<std::uint64_t> unscaled_sizes_;  // by population, as written
    std::vector<indegree_change> indegree_changes_;  // by projection
    applied_scaling scaling_;
    std::vector<std::optional<node_at>> branch_sources_at_;  // by population: branches.by_source when on
    std::vector<std::optional<node_at>> normalization_at_;  // by population
    std::vector<std::optional<node_at>> metaplasticity_at_;  // by population
    // By pattern: its probe times, checked once the run's duration is known (after the schedule).
    std::vector<std::optional<node_at>> probe_times_at_;
    // by projection: pruning when on, and its tagging_time and period keys when given (checked once
    // the homeostasis period and the schedule are known)
    struct pruning_at {
        std::uint32_t projection = 0;
        node_at at;
        std::optional<node_at> tagging_time, period;
    };
    std::vector<pruning_at> pruning_at_;
};

model::model_spec spec_reader::read() {
    const map_view m(root_, top_level_keys);
    read_simulation(m.find("simulation"));
    read_network(m.find("network"));
    read_populations(m.required("populations"));
    read_projections(m.find("projections"));
    read_branch_sources();
    check_normalization();
    check_metaplasticity();
    read_compensation();
    read_inputs(m.find("inputs"));
    read_recording(m.find("recording"));
    read_homeostasis(m.find("homeostasis"));
    read_checks(m.find("checks"));
    if (const auto schedule = m.find("schedule")) read_schedule(root_, *schedule, spec_);
    check_patterns();
    check_pruning();
    return std::move(spec_);
}

void spec_reader::read_simulation(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, {"dt", "duration", "seed"});
    model::simulation_spec& sim = spec_.simulation;
    if (const auto dt = read_into(m, "dt", dimension::time, sim.dt)) require_positive(*dt, sim.dt, dimension::time);
    if (const auto duration = read_into(m, "duration", dimension::time, sim.duration)) {
        require_positive(*duration, sim.duration, dimension::time);
    }
    if (const auto seed = m.find("seed")) sim.seed = read_unsigned(*seed);
}

void spec_reader::read_network(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, {"scale", "indegree_scale", "compensation"});
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
}

std::string spec_reader::scale_note() const {
    return scale_ == 1.0 ? "" : " after network.scale = " + format_number(scale_);
}

void spec_reader::read_populations(const node_at& at) {
    for (const auto& [name_at, value_at] : named_entries(at, "population")) {
        const map_view m(value_at, {"size", "type", "neuron", "V_init", "calcium", "scaling", "branches", "e_gaba", "normalization",
                                    "metaplasticity"});
        model::population_spec pop;
        pop.name = name_at.node.Scalar();
        unscaled_sizes_.push_back(read_unsigned(m.required("size"), 1));
        pop.size = scaled(unscaled_sizes_.back(), scale_);
        if (const auto type = m.find("type")) pop.type = read_choice<cell_type>(*type, cell_types);
        read_neuron(m.required("neuron"), pop);
        const auto v_init = m.find("V_init");
        pop.V_init = v_init ? read_distribution(*v_init, dimension::voltage)
                            : model::distribution::constant_value(pop.params.E_L);
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
        if (branches)
            read_branches(*branches, pop);
        else
            branch_sources_at_.emplace_back();
        spec_.populations.push_back(std::move(pop));
    }
    if (spec_.populations.empty()) at.fail("expected at least one population");
}

void spec_reader::read_neuron(const node_at& at, model::population_spec& pop) {
    expect_map(at, "a map with the neuron model and its parameters");
    const auto model_at = peek_key(at, "model");
    if (!model_at) at.fail("missing required key \"model\" (lif_delta, lif_curr_exp, lif_cond_exp, lif_cond_exp_adapt or poisson_source)");
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
    for (const neuron_param& param : {params::C_m, params::tau_m, params::tau_syn_ex, params::tau_syn_in, params::tau_w}) {
        if (const auto given = m.find(param.key)) require_positive(*given, p.*(param.member), param.dim);
    }
    if (const auto t_ref = m.find("t_ref")) require_non_negative(*t_ref, p.t_ref, dimension::time);
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
    const map_view m(at, {"model", "rate", "changes"}, "a poisson_source");
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

void spec_reader::read_calcium(const node_at& at, model::population_spec& pop) {
    const map_view m(at, {"tau"});
    if (const auto tau = read_into(m, "tau", dimension::time, pop.tau_calcium)) {
        require_positive(*tau, pop.tau_calcium, dimension::time);
    }
}

// `gain_min` and `gain_max` of a map: 0 < gain_min ≤ 1 ≤ gain_max, gain_min < gain_max.
void read_gain_bounds(const map_view& m, double& lo, double& hi) {
    const auto gain_min = m.find("gain_min"), gain_max = m.find("gain_max");
    if (gain_min) {
        lo = read_number(*gain_min);
        if (!(lo > 0.0)) gain_min->fail("expected a number > 0, got " + format_number(lo));
        // Every gain starts at 1: the weights as configured.
        if (!(lo <= 1.0)) gain_min->fail("gain_min " + format_number(lo) + " is above 1, where every gain starts");
    }
    if (gain_max) {
        hi = read_number(*gain_max);
        if (!(hi >= 1.0)) gain_max->fail("gain_max " + format_number(hi) + " is below 1, where every gain starts");
    }
    if (!(hi > lo)) {
        gain_max.value_or(gain_min.value_or(m.self()))
            .fail("gain_max " + format_number(hi) + " must be above gain_min " + format_number(lo));
    }
}

// A `scaling` map switches scaling on unless it says `enabled: false`. A switched-off map is still
// checked, then dropped: the spec has one form for "off", and the resolved YAML omits it.
void spec_reader::read_scaling(const node_at& at, model::population_spec& pop) {
    const map_view m(at, {"enabled", "mode", "target_rate", "tau_up", "tau_down", "tau_integral", "glial_gain", "gain_min",
                          "gain_max", "inhibitory"});
    model::scaling_spec s;
    s.enabled = true;
    if (const auto enabled = m.find("enabled")) s.enabled = read_bool(*enabled);
    if (const auto mode = m.find("mode")) s.mode = read_choice<model::scaling_mode>(*mode, scaling_modes);
    if (const auto tau_integral = read_into(m, "tau_integral", dimension::time, s.tau_integral)) {
        require_positive(*tau_integral, s.tau_integral, dimension::time);
    }
    if (const auto glial_gain = m.find("glial_gain")) {
        s.glial_gain = read_number(*glial_gain);
        if (!(s.glial_gain >= 0.0)) glial_gain->fail("expected a number ≥ 0, got " + format_number(s.glial_gain));
    }
    if (const auto target = s.enabled ? std::optional<node_at>(m.required("target_rate")) : m.find("target_rate")) {
        s.target_rate = read_quantity(*target, dimension::rate);
        // The update divides by it: (r* − r) / r*.
        if (!(s.target_rate > 0.0)) {
            target->fail("the target rate must be > 0, got " + format_quantity(s.target_rate, dimension::rate));
        }
    }
    if (const auto tau_up = read_into(m, "tau_up", dimension::time, s.tau_up)) {
        require_positive(*tau_up, s.tau_up, dimension::time);
    }
    if (const auto tau_down = read_into(m, "tau_down", dimension::time, s.tau_down)) {
        require_positive(*tau_down, s.tau_down, dimension::time);
    }
    read_gain_bounds(m, s.gain_min, s.gain_max);
    if (const auto inhibitory = m.find("inhibitory")) s.inhibitory = read_bool(*inhibitory);
    pop.scaling = s.enabled ? s : model::scaling_spec{};
}

// Branch-local homeostasis. Like `scaling`, a map switches it on unless it says `enabled: false`.
// `by_source` names populations, so it is resolved after every population is read
// (read_branch_sources).
void spec_reader::read_branches(const node_at& at, model::population_spec& pop) {
    const map_view m(at, {"enabled", "count", "assignment", "by_source", "tau_activity", "target_rate", "tau", "gain_min",
                          "gain_max", "record"});
    model::branch_spec b;
    b.enabled = true;
    if (const auto enabled = m.find("enabled")) b.enabled = read_bool(*enabled);
    const node_at count = m.required("count");
    const std::uint64_t n = read_unsigned(count, 1);
    if (n > model::branch_spec::max_branches)
        count.fail("at most " + std::to_string(model::branch_spec::max_branches) + " branches per neuron, got " + std::to_string(n));
    b.count = static_cast<std::uint32_t>(n);
    if (const auto assign = m.find("assignment")) b.assign = read_choice<model::branch_spec::assignment>(*assign, branch_assignments);
    const auto by_source = m.find("by_source");
    if (b.assign == model::branch_spec::assignment::by_source && !by_source)
        m.self().fail("missing required key \"by_source\" (a map from source population to branch) for assignment: by_source");
    if (b.assign != model::branch_spec::assignment::by_source && by_source)
        by_source->fail("by_source is only for assignment: by_source");
    if (const auto target = b.enabled ? std::optional<node_at>(m.required("target_rate")) : m.find("target_rate")) {
        b.target_rate = read_quantity(*target, dimension::rate);
        if (!(b.target_rate > 0.0)) target->fail("the target rate must be > 0, got " + format_quantity(b.target_rate, dimension::rate));
    }
    if (const auto tau = read_into(m, "tau_activity", dimension::time, b.tau_activity)) require_positive(*tau, b.tau_activity, dimension::time);
    if (const auto tau = read_into(m, "tau", dimension::time, b.tau)) require_positive(*tau, b.tau, dimension::time);
    read_gain_bounds(m, b.gain_min, b.gain_max);
    if (const auto record = m.find("record")) {
        for (const node_at& id : record->items()) {
            b.record.push_back(read_unsigned(id));
            if (b.record.back() >= pop.size)
                id.fail("id " + std::to_string(b.record.back()) + " is out of range: " + pop.name + " has " + neurons(pop.size) + scale_note());
        }
        std::sort(b.record.begin(), b.record.end());
        b.record.erase(std::unique(b.record.begin(), b.record.end()), b.record.end());
    }
    branch_sources_at_.push_back(b.enabled ? by_source : std::nullopt);
    pop.branches = b.enabled ? b : model::branch_spec{};
}

// by_source: every entry a population and a branch below `count`; every excitatory projection onto
// the population must find its source there (inhibitory inputs are on no branch).
void spec_reader::read_branch_sources() {
    for (std::uint32_t p = 0; p < spec_.populations.size(); ++p) {
        auto& b = spec_.populations[p].branches;
        if (!branch_sources_at_[p]) continue;
        const node_at& at = *branch_sources_at_[p];
        b.by_source.assign(spec_.populations.size(), -1);
        for (const auto& [name_at, value_at] : named_entries(at, "population")) {
            const std::uint32_t source = population_ref(name_at);
            if (spec_.populations[source].type != cell_type::excitatory)
                name_at.fail("population " + spec_.populations[source].name + " is inhibitory; branches take excitatory inputs only");
            const std::uint64_t branch = read_unsigned(value_at);
            if (branch >= b.count)
                value_at.fail("branch " + std::to_string(branch) + " is out of range: " + std::to_string(b.count) + " branches (0 to " +
                              std::to_string(b.count - 1) + ")");
            b.by_source[source] = static_cast<std::int32_t>(branch);
        }
        for (const auto& proj : spec_.projections)
            if (proj.target == p && spec_.populations[proj.source].type == cell_type::excitatory && b.by_source[proj.source] < 0)
                at.fail("no branch for source population " + spec_.populations[proj.source].name + " of projection " + proj.name +
                        " onto " + spec_.populations[p].name);
    }
}

// E_GABA homeostasis needs a reversal potential to move: conductance-based models only. Its target rate defaults to
// the scaling's (read before it) so that one gap drives both.
void spec_reader::read_e_gaba(const node_at& at, model::population_spec& pop) {
    const map_view m(at, {"enabled", "target_rate", "tau", "E_in_min", "E_in_max"});
    model::e_gaba_spec e;
    e.enabled = true;
    if (const auto enabled = m.find("enabled")) e.enabled = read_bool(*enabled);
    if (e.enabled && !model_info(pop.model).conductance_based) {
        at.fail("E_GABA homeostasis moves the inhibitory reversal potential, which only conductance-based neurons "
                "(lif_cond_exp, lif_cond_exp_adapt) have; " + pop.name + " is " +
                std::string(name_of<model::neuron_kind>(neuron_kinds, pop.model)));
    }
    const auto target = pop.scaling.enabled ? m.find("target_rate") : std::optional<node_at>(m.required("target_rate"));
    e.target_rate = pop.scaling.enabled ? pop.scaling.target_rate : e.target_rate;
    if (target) {
        e.target_rate = read_quantity(*target, dimension::rate);
        if (!(e.target_rate > 0.0)) target->fail("the target rate must be > 0, got " + format_quantity(e.target_rate, dimension::rate));
    }
    if (const auto tau = read_into(m, "tau", dimension::time, e.tau)) require_positive(*tau, e.tau, dimension::time);
    const auto lo = read_into(m, "E_in_min", dimension::voltage, e.E_in_min);
    const auto hi = read_into(m, "E_in_max", dimension::voltage, e.E_in_max);
    if (!(e.E_in_max > e.E_in_min)) {
        hi.value_or(lo.value_or(at)).fail("E_in_max " + format_quantity(e.E_in_max, dimension::voltage) + " must be above E_in_min " +
                                          format_quantity(e.E_in_min, dimension::voltage));
    }
    // E_in starts at the model's value.
    if (e.enabled && !(pop.params.E_in >= e.E_in_min && pop.params.E_in <= e.E_in_max)) {
        lo.value_or(hi.value_or(at)).fail("the neuron's E_in " + format_quantity(pop.params.E_in, dimension::voltage) +
                                          ", where every E_in starts, is outside [E_in_min, E_in_max] = [" +
                                          format_quantity(e.E_in_min, dimension::voltage) + ", " +
                                          format_quantity(e.E_in_max, dimension::voltage) + "]");
    }
    pop.e_gaba = e.enabled ? e : model::e_gaba_spec{};
}

void spec_reader::read_normalization(const node_at& at, model::population_spec& pop) {
    const map_view m(at, {"enabled", "total"});
    model::normalization_spec n;
    n.enabled = true;
    if (const auto enabled = m.find("enabled")) n.enabled = read_bool(*enabled);
    const auto total = n.enabled ? std::optional<node_at>(m.required("total")) : m.find("total");
    if (total) {
        n.total = read_quantity(*total, model_info(pop.model).weight_dim);
        require_positive(*total, n.total, model_info(pop.model).weight_dim);
    }
    if (n.enabled && pop.scaling.enabled) {
        at.fail("normalization and scaling both set the gain on " + pop.name + "'s excitatory inputs; switch one off");
    }
    if (n.enabled && model_info(pop.model).source) at.fail("a poisson_source takes no input, so it has nothing to normalize");
    pop.normalization = n.enabled ? n : model::normalization_spec{};
}

// Normalization divides by the sum of a neuron's plastic excitatory weights: there must be some.
void spec_reader::check_normalization() const {
    for (std::uint32_t p = 0; p < spec_.populations.size(); ++p) {
        if (!spec_.populations[p].normalization.enabled) continue;
        bool found = false;
        for (const auto& proj : spec_.projections)
            found = found || (proj.target == p && proj.plasticity.rule != model::stdp_rule::none &&
                              spec_.populations[proj.source].type == cell_type::excitatory);
        if (!found) {
            normalization_at_[p]->fail("normalization keeps the sum of plastic excitatory weights onto " + spec_.populations[p].name +
                                       " constant, but no plastic excitatory projection targets it");
        }
    }
}

// Metaplasticity (model::metaplasticity_spec). Its target rate defaults to the scaling's (read before
// it), so that θ0 sits where scaling holds the neuron.
void spec_reader::read_metaplasticity(const node_at& at, model::population_spec& pop) {
    const map_view m(at, {"enabled", "target_rate", "tau_theta", "factor_min", "factor_max"});
    model::metaplasticity_spec s;
    s.enabled = true;
    if (const auto enabled = m.find("enabled")) s.enabled = read_bool(*enabled);
    if (s.enabled && model_info(pop.model).source) at.fail("a poisson_source takes no input, so it has no potentiation to scale");
    const auto target = pop.scaling.enabled || !s.enabled ? m.find("target_rate") : std::optional<node_at>(m.required("target_rate"));
    if (pop.scaling.enabled) s.target_rate = pop.scaling.target_rate;
    if (target) {
        s.target_rate = read_quantity(*target, dimension::rate);
        // θ0 = r0² divides: a zero target would make every factor infinite.
        if (!(s.target_rate > 0.0)) target->fail("the target rate must be > 0, got " + format_quantity(s.target_rate, dimension::rate));
    }
    const auto tau = s.enabled ? std::optional<node_at>(m.required("tau_theta")) : m.find("tau_theta");
    if (tau) {
        s.tau_theta = read_quantity(*tau, dimension::time);
        require_positive(*tau, s.tau_theta, dimension::time);
    }
    const auto lo = m.find("factor_min"), hi = m.find("factor_max");
    if (lo) {
        s.factor_min = read_number(*lo);
        // m starts at 1 (θ = θ0).
        if (!(s.factor_min > 0.0 && s.factor_min <= 1.0)) lo->fail("expected a number in (0, 1], got " + format_number(s.factor_min));
    }
    if (hi) {
        s.factor_max = read_number(*hi);
        if (!(s.factor_max >= 1.0 && std::isfinite(s.factor_max))) hi->fail("expected a finite number ≥ 1, got " + format_number(s.factor_max));
    }
    pop.metaplasticity = s.enabled ? s : model::metaplasticity_spec{};
}

// Metaplasticity scales the potentiation of pair and triplet STDP onto the population: there must be
// some (vogels has its own rate set point, which a factor on its window would move).
void spec_reader::check_metaplasticity() const {
    for (std::uint32_t p = 0; p < spec_.populations.size(); ++p) {
        if (!spec_.populations[p].metaplasticity.enabled) continue;
        bool found = false, vogels = false;
        for (const auto& proj : spec_.projections) {
            if (proj.target != p) continue;
            found = found || proj.plasticity.rule == model::stdp_rule::pair || proj.plasticity.rule == model::stdp_rule::triplet;
            vogels = vogels || proj.plasticity.rule == model::stdp_rule::vogels;
        }
        if (!found) {
            metaplasticity_at_[p]->fail("metaplasticity scales the potentiation of pair or triplet STDP onto " + spec_.populations[p].name +
                                        ", but no projection with such a rule targets it" +
                                        (vogels ? " (inhibitory STDP, rule vogels, is not scaled: it has its own target rate)" : ""));
        }
    }
}

std::uint32_t spec_reader::population_ref(const node_at& at) const {
    return index_by_name(at, spec_.populations, "population");
}

std::uint32_t spec_reader::projection_ref(const node_at& at) const {
    return index_by_name(at, spec_.projections, "projection");
}

// Weights keep their sign (DESIGN.md decision 4 scales them multiplicatively, which never flips it):
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
    if (!is_multiple_of(value, spec_.simulation.dt)) {
        at.fail(format_quantity(value, dimension::time) +
                " is not a multiple of the time step dt = " + format_quantity(spec_.simulation.dt, dimension::time));
    }
}

void spec_reader::read_projections(const std::optional<node_at>& at) {
    if (!at) return;
    std::vector<std::string> first_paths;  // where each projection's name was defined
    for (const node_at& item : at->items()) {
        const map_view m(item, {"name", "source", "target", "connect", "weight", "delay", "plasticity", "pruning"});
        model::projection_spec proj;
        proj.source = population_ref(m.required("source"));
        proj.target = population_ref(m.required("target"));
        const model::population_spec& source = spec_.populations[proj.source];
        const model::population_spec& target = spec_.populations[proj.target];
        if (model_info(target.model).source) {
            m.required("target").fail("population " + target.name + " is a poisson_source, which takes no input; a source can only be a projection's source");
        }

        const auto name_at = m.find("name");
        proj.name = name_at ? read_name(*name_at, "projection") : source.name + "_to_" + target.name;
        for (std::size_t i = 0; i < spec_.projections.size(); ++i) {
            if (spec_.projections[i].name == proj.name) {
                name_at.value_or(item).fail("projection name \"" + proj.name + "\" is already used by " +
                                            first_paths[i] + (name_at ? "" : "; give one of them a name"));
            }
        }
        first_paths.push_back(item.path);

        read_connect(m.required("connect"), proj);
        const node_at weight = m.required("weight");
        proj.weight = read_distribution(weight, model_info(target.model).weight_dim,
                                        weight_limit(source.type, "the source population " + source.name, target));
        proj.delay = read_distribution(m.required("delay"), dimension::time, delay_limit());
        if (const auto plasticity = m.find("plasticity")) read_plasticity(*plasticity, weight, proj);
        if (const auto pruning = m.find("pruning")) read_pruning(*pruning, proj);
        spec_.projections.push_back(std::move(proj));
    }
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
    std::vector<std::string_view> keys{"rule"};
    switch (proj.rule) {
        case connection_rule::fixed_indegree: keys.insert(keys.end(), {"indegree", "autapses", "multapses"}); break;
        case connection_rule::pairwise_bernoulli: keys.insert(keys.end(), {"p", "autapses"}); break;
        case connection_rule::fixed_total_number: keys.insert(keys.end(), {"number", "autapses", "multapses"}); break;
        case connection_rule::one_to_one:
        case connection_rule::all_to_all: keys.push_back("autapses"); break;
    }
    const map_view m(at, keys, "rule " + std::string(name_of<connection_rule>(connection_rules, proj.rule)));

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
            proj.indegree = scaled(full, indegree_scale_);
            change = {static_cast<double>(full), indegree_scale_};
            const std::uint64_t available = source.size - (no_self ? 1 : 0);
            const std::string sources = source.name + " has " + neurons(source.size) +
                                        (no_self ? ", less the neuron itself as autapses are off" : "") + scale_note();
            if (proj.indegree > 0 && available == 0) {
                indegree.fail("indegree " + std::to_string(proj.indegree) + " cannot be met: " + sources);
            }
            if (!proj.allow_multapses && proj.indegree > available) {
                indegree.fail("indegree " + std::to_string(proj.indegree) + " exceeds the " +
                              std::to_string(available) + " distinct sources available without multapses (" + sources +
                              ")");
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
                    p.fail("p " + format_number(given) + " × network.indegree_scale / network.scale = " +
                           format_number(proj.probability) + " exceeds 1");
                }
            }
            break;
        }
        case connection_rule::fixed_total_number: {
            const node_at number = m.required("number");
            const std::uint64_t full = read_unsigned(number);
            proj.total_number = scaled(full, scale_ * indegree_scale_);
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
            if (source.size != target.size) {
                rule_at->fail("one_to_one needs populations of equal size; " + source.name + " has " +
                              neurons(source.size) + ", " + target.name + " has " + neurons(target.size) +
                              scale_note());
            }
            break;
        case connection_rule::all_to_all: change = {full_sources, scale_}; break;
    }
}

// The initial weights of a plastic projection lie in [w_min, w_max], which the rule keeps them in.
// Normal and lognormal draws without a bound of their own on a side are clipped at the rule's;
// a constant, a uniform range, a mean or an explicit bound outside them is an error.
void keep_within_bounds(const node_at& weight_at, model::distribution& w, const model::plasticity_spec& p,
                        dimension dim) {
    const auto check = [&](const node_at& where, std::string_view what, double value) {
        if (value < p.w_min || value > p.w_max) {
            where.fail(std::string(what) + " " + format_quantity(value, dim) +
                       " is outside the plasticity bounds [w_min, w_max] = [" + format_quantity(p.w_min, dim) + ", " +
                       format_quantity(p.w_max, dim) + "]");
        }
    };
    // The node of one key of a distribution map, for the error's place.
    const auto part = [&](std::string_view key) { return peek_key(weight_at, key).value_or(weight_at); };
    using kind = model::distribution::kind;
    switch (w.shape) {
        case kind::constant: check(part("value"), weight_at.node.IsMap() ? "value" : "weight", w.value); break;
        case kind::uniform:
            check(part("low"), "low", w.low);
            check(part("high"), "high", w.high);  // draws lie below high, so high = w_max is fine
            break;
        case kind::normal:
        case kind::lognormal:
            check(part("mean"), "mean", w.mean);
            if (const auto min = peek_key(weight_at, "min")) {
                check(*min, "min", w.min);
            } else {
                w.min = p.w_min;
            }
            if (const auto max = peek_key(weight_at, "max")) {
                check(*max, "max", w.max);
            } else {
                w.max = p.w_max;
            }
            break;
    }
}

// The rule decides which keys belong, and for pair STDP so does the weight dependence (w_0 and mu
// are power_law's), so both are read before the keys are checked. Weights and amplitudes are in the
// weight dimension of the target's model.
void spec_reader::read_plasticity(const node_at& at, const node_at& weight_at, model::projection_spec& proj) {
    using model::stdp_rule;
    using model::weight_dependence;
    expect_map(at, "a map with the plasticity rule and its parameters");
    const auto rule_at = peek_key(at, "rule");
    if (!rule_at) at.fail("missing required key \"rule\" (stdp, triplet or vogels)");
    model::plasticity_spec p;
    p.rule = read_choice<stdp_rule>(*rule_at, stdp_rules);
    const std::string rule_name(name_of<stdp_rule>(stdp_rules, p.rule));
    const model::population_spec& source = spec_.populations[proj.source];
    const model::population_spec& target = spec_.populations[proj.target];
    // Hebbian rules strengthen excitation; vogels sets the inhibition a neuron receives (its
    // depression term α would be anti-Hebbian on an excitatory synapse, which is not that model).
    if (p.rule == stdp_rule::vogels && source.type != cell_type::inhibitory) {
        rule_at->fail("vogels applies to inhibitory projections; source population " + source.name + " is excitatory");
    }
    if (p.rule != stdp_rule::vogels && source.type != cell_type::excitatory) {
        rule_at->fail(rule_name + " applies to excitatory projections; source population " + source.name +
                      " is inhibitory (vogels is the rule for inhibitory synapses)");
    }
    const dimension dim = model_info(target.model).weight_dim;
    // Inhibitory weights onto current- and voltage-based models are ≤ 0 (weight signs).
    const bool negative = p.rule == stdp_rule::vogels && !model_info(target.model).conductance_based;

    std::vector<std::string_view> keys{"rule"};
    std::string context = "rule " + rule_name;
    switch (p.rule) {
        case stdp_rule::pair:
            if (const auto dependence = peek_key(at, "weight_dependence")) {
                p.dependence = read_choice<weight_dependence>(*dependence, weight_dependences);
            }
            keys.insert(keys.end(), {"weight_dependence", "pairing", "tau_plus", "tau_minus", "A_plus", "A_minus"});
            context = "weight_dependence " + std::string(name_of<weight_dependence>(weight_dependences, p.dependence));
            break;
        case stdp_rule::triplet:
            p.tau_plus = 16.8;  // Pfister & Gerstner 2006, visual cortex, minimal all-to-all model
            p.tau_minus = 33.7;
            keys.insert(keys.end(), {"tau_plus", "tau_minus", "tau_x", "tau_y", "A2_plus", "A3_plus", "A2_minus", "A3_minus"});
            break;
        case stdp_rule::vogels: keys.insert(keys.end(), {"pairing", "tau", "eta", "target_rate"}); break;
        case stdp_rule::none: break;
    }
    keys.insert(keys.end(), {"w_min", "w_max"});
    if (p.rule == stdp_rule::pair && p.dependence == weight_dependence::power_law) keys.insert(keys.end(), {"w_0", "mu"});
    const map_view m(at, keys, context);

    if (const auto pairing = m.find("pairing")) p.pairing = read_choice<model::spike_pairing>(*pairing, spike_pairings);
    const auto positive_time = [&](std::string_view key, double& value) {
        if (const auto given = read_into(m, key, dimension::time, value)) require_positive(*given, value, dimension::time);
    };
    positive_time("tau_plus", p.tau_plus);
    positive_time("tau_minus", p.tau_minus);
    positive_time("tau_x", p.tau_x);
    positive_time("tau_y", p.tau_y);
    if (p.rule == stdp_rule::vogels) {
        p.tau_plus = 20.0;
        positive_time("tau", p.tau_plus);
        p.tau_minus = p.tau_plus;  // the window is symmetric: one time constant for both traces
        const node_at eta = m.required("eta");
        p.eta = read_quantity(eta, dim);
        if (!(p.eta > 0.0)) {
            eta.fail("expected a " + std::string(dimension_name(dim)) + " > 0 (the size of a step" +
                     (negative ? "; it makes the ≤ 0 weights more negative" : "") + "), got " + format_quantity(p.eta, dim));
        }
        const node_at rate = m.required("target_rate");
        p.target_rate = read_quantity(rate, dimension::rate);
        if (!(p.target_rate > 0.0)) {
            rate.fail("the target rate ρ0 must be > 0 (α = 2 ρ0 τ), got " + format_quantity(p.target_rate, dimension::rate));
        }
    }
    if (p.rule == stdp_rule::pair) {
        const node_at A_plus = m.required("A_plus"), A_minus = m.required("A_minus");
        p.A_plus = read_quantity(A_plus, dim);
        require_positive(A_plus, p.A_plus, dim);
        p.A_minus = read_quantity(A_minus, dim);
        if (!(p.A_minus < 0.0)) {
            A_minus.fail("expected a " + std::string(dimension_name(dim)) + " < 0 (a depression), got " +
                         format_quantity(p.A_minus, dim));
        }
    }
    if (p.rule == stdp_rule::triplet) {
        const node_at A2_plus = m.required("A2_plus"), A3_plus = m.required("A3_plus"), A2_minus = m.required("A2_minus");
        p.A_plus = read_quantity(A2_plus, dim);
        require_non_negative(A2_plus, p.A_plus, dim);
        p.A3_plus = read_quantity(A3_plus, dim);
        require_non_negative(A3_plus, p.A3_plus, dim);
        if (!(p.A_plus + p.A3_plus > 0.0)) A3_plus.fail("A2_plus and A3_plus are both 0: the rule would never potentiate");
        p.A_minus = read_quantity(A2_minus, dim);
        if (!(p.A_minus < 0.0)) {
            A2_minus.fail("expected a " + std::string(dimension_name(dim)) + " < 0 (a depression), got " +
                          format_quantity(p.A_minus, dim));
        }
        if (const auto A3_minus = read_into(m, "A3_minus", dim, p.A3_minus); A3_minus && !(p.A3_minus <= 0.0)) {
            A3_minus->fail("expected a " + std::string(dimension_name(dim)) + " ≤ 0 (a depression), got " +
                           format_quantity(p.A3_minus, dim));
        }
    }
    // Bounds in the weight's sign convention: [w_min, w_max] ⊂ [0, ∞) for conductances and excitatory
    // weights, ⊂ (−∞, 0] for inhibitory current and voltage weights (w_min is then the strongest).
    if (negative) {
        if (const auto w_max = read_into(m, "w_max", dim, p.w_max); w_max && !(p.w_max <= 0.0)) {
            w_max->fail("expected a " + std::string(dimension_name(dim)) + " ≤ 0: inhibitory weights onto " +
                        target.name + " are ≤ 0, got " + format_quantity(p.w_max, dim));
        }
        const node_at w_min = m.required("w_min");
        p.w_min = read_quantity(w_min, dim);
        if (!(p.w_min < p.w_max)) {
            w_min.fail("w_min " + format_quantity(p.w_min, dim) + " must be below w_max " + format_quantity(p.w_max, dim) +
                       " (the strongest inhibition, ≤ 0)");
        }
    } else {
        if (const auto w_min = read_into(m, "w_min", dim, p.w_min)) require_non_negative(*w_min, p.w_min, dim);
        const node_at w_max = m.required("w_max");
        p.w_max = read_quantity(w_max, dim);
        if (!(p.w_max > p.w_min)) {
            w_max.fail("w_max " + format_quantity(p.w_max, dim) + " must be above w_min " + format_quantity(p.w_min, dim));
        }
    }
    if (p.rule == stdp_rule::pair && p.dependence == weight_dependence::power_law) {
        const node_at w_0 = m.required("w_0");
        p.w_0 = read_quantity(w_0, dim);
        require_positive(w_0, p.w_0, dim);
        if (const auto mu = m.find("mu")) {
            p.mu = read_number(*mu);
            if (!(p.mu > 0.0 && p.mu <= 1.0)) mu->fail("expected a number in (0, 1], got " + format_number(p.mu));
        }
    }
    // The postsynaptic traces are kept once per neuron, so every plastic projection onto a population
    // shares the time constant and pairing of y (triplet: o1; vogels: its τ), and every triplet
    // projection onto it the time constant of o2.
    const char* const tau_key = p.rule == stdp_rule::vogels ? "tau" : "tau_minus";
    for (const model::projection_spec& other : spec_.projections) {
        if (other.target != proj.target || other.plasticity.rule == stdp_rule::none) continue;
        const std::string shared = " of plastic projection " + other.name + " onto the same population " + target.name +
                                   ": plastic projections onto one population share its postsynaptic traces";
        if (p.tau_minus != other.plasticity.tau_minus) {
            m.find(tau_key).value_or(at).fail(std::string(tau_key) + " " + format_quantity(p.tau_minus, dimension::time) +
                                              " differs from the " +
                                              format_quantity(other.plasticity.tau_minus, dimension::time) + shared);
        }
        if (p.pairing != other.plasticity.pairing) {
            m.find("pairing").value_or(at).fail(
                "pairing " + std::string(name_of<model::spike_pairing>(spike_pairings, p.pairing)) + " differs from the " +
                std::string(name_of<model::spike_pairing>(spike_pairings, other.plasticity.pairing)) + shared);
        }
        if (p.rule == stdp_rule::triplet && other.plasticity.rule == stdp_rule::triplet && p.tau_y != other.plasticity.tau_y) {
            m.find("tau_y").value_or(at).fail("tau_y " + format_quantity(p.tau_y, dimension::time) + " differs from the " +
                                              format_quantity(other.plasticity.tau_y, dimension::time) + shared);
        }
    }
    keep_within_bounds(weight_at, proj.weight, p, dim);
    proj.plasticity = p;
}

// projections[].pruning (model::pruning_spec): a threshold on the effective weight, a tagging time
// and the pruning points. Only plastic projections are pruned: a static synapse never changes, so it
// would be pruned at the first point or never.
void spec_reader::read_pruning(const node_at& at, model::projection_spec& proj) {
    expect_map(at, "a map with the pruning threshold and tagging time");
    const map_view m(at, {"threshold", "tagging_time", "period", "depleted"});
    if (proj.plasticity.rule == model::stdp_rule::none) {
        at.fail("pruning applies to plastic projections; projection " + proj.name +
                " has no plasticity (its weights never change, so a threshold would prune at once or never)");
    }
    const dimension dim = model_info(spec_.populations[proj.target].model).weight_dim;
    auto& p = proj.pruning;
    p.enabled = true;
    const node_at threshold = m.required("threshold");
    p.threshold = read_quantity(threshold, dim);
    if (!(p.threshold >= 0.0)) {
        threshold.fail("expected a " + std::string(dimension_name(dim)) +
                       " ≥ 0 (compared with the magnitude of the effective weight), got " + format_quantity(p.threshold, dim));
    }
    pruning_at entry{static_cast<std::uint32_t>(spec_.projections.size()), at, std::nullopt, std::nullopt};
    if ((entry.tagging_time = read_into(m, "tagging_time", dimension::time, p.tagging_time)))
        require_non_negative(*entry.tagging_time, p.tagging_time, dimension::time);
    if ((entry.period = read_into(m, "period", dimension::time, p.period))) require_positive(*entry.period, p.period, dimension::time);
    if (const auto depleted = m.find("depleted")) p.depleted = read_bool(*depleted);
    pruning_at_.push_back(std::move(entry));
}

// Tags are counted at homeostasis checks and synapses removed at homeostasis boundaries, so the
// tagging time and the period are whole numbers of homeostasis periods; without a period the
// schedule must have an NREM phase to end.
void spec_reader::check_pruning() const {
    const double H = spec_.homeostasis.period;
    const auto whole = [&](const node_at& at, double value, const char* what) {
        if (!is_multiple_of(value, H)) {
            at.fail(format_quantity(value, dimension::time) + " is not a multiple of the homeostasis period " +
                    format_quantity(H, dimension::time) + " (" + what + ")");
        }
    };
    for (const auto& e : pruning_at_) {
        const auto& proj = spec_.projections[e.projection];
        const auto& p = proj.pruning;
        // A random branch is hashed from the synapse's occurrence among its row's synapses onto the
        // same target (engine_state.hpp, branch_cursor): removing one of several such synapses would
        // move the later ones to other branches.
        const auto& b = spec_.populations[proj.target].branches;
        const bool multapses = proj.allow_multapses && (proj.rule == model::connection_rule::fixed_indegree ||
                                                        proj.rule == model::connection_rule::fixed_total_number);
        if (b.enabled && b.assign == model::branch_spec::assignment::random && multapses &&
            spec_.populations[proj.source].type == cell_type::excitatory) {
            e.at.fail("pruning projection " + proj.name + " onto the random branches of " + spec_.populations[proj.target].name +
                      " needs connect.multapses: false (a removed synapse would move the others of its source onto the same "
                      "target to other branches)");
        }
        if (e.tagging_time) whole(*e.tagging_time, p.tagging_time, "the tagging time is counted in homeostasis checks");
        if (e.period) {
            whole(*e.period, p.period, "pruning points fall on homeostasis checks");
            continue;
        }
        const auto& phases = spec_.schedule.phases;
        const bool nrem = std::any_of(phases.begin(), phases.end(), [](const auto& ph) { return ph.kind == model::phase_kind::nrem; });
        if (!nrem) {
            e.at.fail(std::string(phases.empty() ? "the run has no schedule" : "the schedule has no nrem phase") +
                      ", so there is no pruning point; give pruning.period (synapses are pruned at the end of each nrem phase by default)");
        }
    }
}

// network.compensation: when a projection's in-degree K shrinks by a factor k, its weights grow by
// 1/sqrt(k), which keeps the variance of the input (∝ K·w²), and a constant current restores the
// mean input (∝ K·w) that remains missing, (1 − sqrt(k))·K·w̄·ν·(charge per unit weight), computed
// from the full-scale rate ν of the source population. This is the downscaling of van Albada,
// Helias & Diesmann (2015, PLoS Comput Biol 11:e1004490) as the Potjans & Diesmann (2014) reference
// implementation does it (helpers.adjust_weights_and_input_to_synapse_scaling).
void spec_reader::read_compensation() {
    scaling_.scale = scale_;
    scaling_.indegree_scale = indegree_scale_;
    scaling_.added_I_e.assign(spec_.populations.size(), 0.0);
    if (!compensation_at_) return;
    scaling_.compensation = true;
    const map_view m(*compensation_at_, {"mean_rates"});
    const node_at rates_at = m.required("mean_rates");
    std::vector<std::string_view> names;
    for (const model::population_spec& pop : spec_.populations) names.push_back(pop.name);
    const map_view rates(rates_at, names, "mean_rates, whose keys are population names");

    std::vector<std::optional<double>> rate(spec_.populations.size());  // Hz, full scale
    for (std::size_t i = 0; i < spec_.populations.size(); ++i) {
        if (const auto given = rates.find(spec_.populations[i].name)) {
            rate[i] = read_quantity(*given, dimension::rate);
            require_non_negative(*given, *rate[i], dimension::rate);
            scaling_.mean_rates.emplace_back(spec_.populations[i].name, *rate[i]);
        }
    }
    for (std::size_t i = 0; i < spec_.projections.size(); ++i) {
        model::projection_spec& proj = spec_.projections[i];
        const model::population_spec& source = spec_.populations[proj.source];
        model::population_spec& target = spec_.populations[proj.target];
        if (!rate[proj.source]) {
            rates_at.fail("missing the rate of " + source.name + ", the source of projection " + proj.name +
                          "; every source population needs its full-scale rate");
        }
        if (model_info(target.model).conductance_based) {
            compensation_at_->fail("projection " + proj.name + " targets " + target.name +
                                   ", whose lif_cond_exp synapses have no fixed mean current to restore; "
                                   "compensation works for lif_delta and lif_curr_exp targets");
        }
        const indegree_change change = indegree_changes_[i];
        if (change.factor == 1.0) continue;
        // Charge one event of unit weight delivers: pA·ms per pA of an exponential current,
        // pF·mV per mV of a voltage jump.
        const double charge = target.model == model::neuron_kind::lif_delta ? target.params.C_m
                              : source.type == model::cell_type::excitatory ? target.params.tau_syn_ex
                                                                            : target.params.tau_syn_in;
        const double root = std::sqrt(change.factor);
        // (pA·ms or pF·mV) × Hz × 1e-3 = pA
        const double current =
            (1.0 - root) * proj.weight.nominal_mean() * charge * change.full * *rate[proj.source] * 1e-3;
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

// Both kinds of input say whom they address ([first, first + count) of `target`) and when.
template <class Input>
void spec_reader::read_input_span(const map_view& m, Input& input) {
    input.population = population_ref(m.required("target"));
    const model::population_spec& pop = spec_.populations[input.population];
    if (model_info(pop.model).source) m.required("target").fail("population " + pop.name + " is a poisson_source, which takes no input");
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
    }
    if (const auto stop = m.find("stop")) {
        input.stop = read_stop(*stop);
        if (!(input.stop > input.start)) {
            stop->fail("stop " + format_quantity(input.stop, dimension::time) + " must be after start " +
                       format_quantity(input.start, dimension::time));
        }
    }
}

void spec_reader::read_inputs(const std::optional<node_at>& at) {
    if (!at) return;
    enum class input_kind { poisson, dc, pattern };
    static constexpr choice<input_kind> input_kinds[] = {
        {"poisson", input_kind::poisson}, {"dc", input_kind::dc}, {"pattern", input_kind::pattern}};
    for (const node_at& item : at->items()) {
        expect_map(item, "an input map with kind: poisson, dc or pattern");
        const auto kind_at = peek_key(item, "kind");
        if (!kind_at) item.fail("missing required key \"kind\" (poisson, dc or pattern)");
        const input_kind kind = read_choice<input_kind>(*kind_at, input_kinds);
        if (kind == input_kind::pattern) {
            read_pattern(item);
        } else if (kind == input_kind::poisson) {
            const map_view m(
                item, {"kind", "target", "rate", "sources", "weight", "receptor", "first", "count", "start", "stop"},
                "a poisson input");
            model::poisson_input_spec input;
            read_input_span(m, input);
            const node_at rate = m.required("rate");
            input.rate = read_quantity(rate, dimension::rate);
            require_non_negative(rate, input.rate, dimension::rate);
            if (const auto sources = m.find("sources")) input.sources = read_unsigned(*sources, 1);
            if (const auto receptor = m.find("receptor")) input.type = read_choice<cell_type>(*receptor, cell_types);
            const model::population_spec& target = spec_.populations[input.population];
            const dimension weight_dim = model_info(target.model).weight_dim;
            const node_at weight = m.required("weight");
            input.weight = read_quantity(weight, weight_dim);
            check_limit(weight, "weight", input.weight, weight_dim, weight_limit(input.type, "the receptor", target));
            spec_.poisson_inputs.push_back(input);
        } else {
            const map_view m(item, {"kind", "target", "amplitude", "first", "count", "start", "stop"}, "a dc input");
            model::dc_input_spec input;
            read_input_span(m, input);
            input.amplitude = read_quantity(m.required("amplitude"), dimension::current);
            spec_.dc_inputs.push_back(input);
        }
    }
}

// A stimulus pattern (model/stimulus_pattern.hpp): its group, presentation times, drive and probes.
void spec_reader::read_pattern(const node_at& item) {
    const map_view m(item,
                     {"kind", "name", "target", "group", "start", "period", "duration", "stop", "jitter", "rate", "sources",
                      "weight", "receptor", "probe"},
                     "a pattern input");
    model::pattern_spec p;
    const auto index = static_cast<std::uint32_t>(spec_.patterns.size());
    const auto name = m.find("name");
    p.name = name ? read_name(*name, "pattern") : "pattern" + std::to_string(index);
    for (const auto& other : spec_.patterns)
        if (other.name == p.name)
            name.value_or(item).fail("pattern name \"" + p.name + "\" is already used" + (name ? "" : "; give this pattern a name"));
    p.population = population_ref(m.required("target"));
    const model::population_spec& pop = spec_.populations[p.population];
    const std::string size_text = pop.name + " has " + neurons(pop.size) + scale_note();

    const node_at group = m.required("group");
    if (group.node.IsSequence()) {
        p.chosen = model::pattern_spec::selection::list;
        for (const node_at& id : group.items()) {
            p.group.push_back(read_unsigned(id));
            if (p.group.back() >= pop.size) id.fail("id " + std::to_string(p.group.back()) + " is out of range: " + size_text);
        }
        std::sort(p.group.begin(), p.group.end());
        if (std::adjacent_find(p.group.begin(), p.group.end()) != p.group.end()) group.fail("an id is listed twice");
        p.count = p.group.size();
    } else {
        expect_map(group, "a map {first, count} or {random, seed}, or a list of ids");
        const bool random = peek_key(group, "random").has_value();
        const map_view g(group, random ? std::vector<std::string_view>{"random", "seed"} : std::vector<std::string_view>{"first", "count"},
                         random ? "a random group" : "a group range");
        if (random) {
            p.chosen = model::pattern_spec::selection::random;
            const node_at count = g.required("random");
            p.count = read_unsigned(count, 1);
            if (p.count > pop.size) count.fail("random " + std::to_string(p.count) + " is more than the population: " + size_text);
            p.group_seed = spec_.simulation.seed;
            if (const auto seed = g.find("seed")) p.group_seed = read_unsigned(*seed);
            p.group = model::random_group(p.group_seed, index, pop.size, p.count);
        } else {
            if (const auto first = g.find("first")) {
                p.first = read_unsigned(*first);
                if (p.first >= pop.size) first->fail("first " + std::to_string(p.first) + " is out of range: " + size_text);
            }
            const node_at count = g.required("count");
            p.count = read_unsigned(count, 1);
            if (p.count > pop.size - p.first)
                count.fail("first + count = " + std::to_string(p.first) + " + " + std::to_string(p.count) + " is out of range: " + size_text);
            for (std::uint64_t i = 0; i < p.count; ++i) p.group.push_back(p.first + i);
        }
    }
    if (p.group.size() < 2) group.fail("expected a group of at least 2 neurons (a probe cues part of it)");

    const auto time_at = [&](std::string_view key, double& value, bool positive) {
        const auto at = read_into(m, key, dimension::time, value);
        if (at) {
            if (positive) require_positive(*at, value, dimension::time);
            else require_non_negative(*at, value, dimension::time);
            require_multiple_of_dt(*at, value);
        }
        return at;
    };
    time_at("start", p.start, false);
    const auto duration = time_at("duration", p.duration, true);
    const auto jitter = time_at("jitter", p.jitter, false);
    const auto period = time_at("period", p.period, true);
    if (!(p.period >= p.duration + p.jitter - 1e-9 * p.period))
        period.value_or(item).fail("period " + format_quantity(p.period, dimension::time) + " is shorter than duration + jitter = " +
                                   derived_time(p.duration + p.jitter) + ": presentations would overlap");
    if (const auto stop = m.find("stop")) {
        p.stop = read_stop(*stop);
        if (!(p.stop > p.start))
            stop->fail("stop " + format_quantity(p.stop, dimension::time) + " must be after start " + format_quantity(p.start, dimension::time));
    }
    const node_at rate = m.required("rate");
    p.rate = read_quantity(rate, dimension::rate);
    require_non_negative(rate, p.rate, dimension::rate);
    if (const auto sources = m.find("sources")) p.sources = read_unsigned(*sources, 1);
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
        const map_view pm(*probe, {"times", "cue", "duration", "window"}, "a probe");
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
            if (!(p.cue > 0.0 && p.cue < 1.0)) cue->fail("expected a fraction of the group in (0, 1), got " + format_number(p.cue));
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
            at.fail("probe at " + format_quantity(last, dimension::time) + " with its window " + format_quantity(p.window, dimension::time) +
                    " ends after the run (duration " + format_quantity(T, dimension::time) + ")");
        }
    }
}

void spec_reader::read_recording(const std::optional<node_at>& at) {
    model::recording_spec& rec = spec_.recording;
    for (std::uint32_t i = 0; i < spec_.populations.size(); ++i) rec.spike_populations.push_back(i);
    const map_view m(at.value_or(node_at{root_.doc, YAML::Node(), "recording"}),
                     {"spikes", "rate_bin", "state", "weights", "homeostasis", "final_state"});

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
        const map_view m(items[i], {"name", "population", "ids", "variables", "interval"});
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
        if (info.source) m.required("population").fail("population " + pop.name + " is a poisson_source, which has no state to record");
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
        const map_view m(item, {"projection", "times"});
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
        const map_view m(item, {"population", "ids"});
        model::homeostasis_recorder_spec r;
        r.population = population_ref(m.required("population"));
        const model::population_spec& pop = spec_.populations[r.population];
        for (const auto& other : spec_.recording.homeostasis)
            if (other.population == r.population) m.required("population").fail("population " + pop.name + " is listed twice; merge its ids");
        const node_at ids = m.required("ids");
        for (const node_at& id : ids.items()) {
            r.ids.push_back(read_unsigned(id));
            if (r.ids.back() >= pop.size) {
                id.fail("id " + std::to_string(r.ids.back()) + " is out of range: " + pop.name + " has " + neurons(pop.size) + scale_note());
            }
        }
        if (r.ids.empty()) ids.fail("expected at least one neuron id");
        std::sort(r.ids.begin(), r.ids.end());
        r.ids.erase(std::unique(r.ids.begin(), r.ids.end()), r.ids.end());
        spec_.recording.homeostasis.push_back(std::move(r));
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
    const map_view m(at.value_or(node_at{root_.doc, YAML::Node(), "homeostasis"}), {"period"});
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
    const map_view m(*at, {"max_rate", "finite"});
    auto& c = spec_.checks;
    if (const auto max_rate = read_into(m, "max_rate", dimension::rate, c.max_rate)) require_positive(*max_rate, c.max_rate, dimension::rate);
    if (const auto finite = m.find("finite")) c.finite = read_bool(*finite);
}

}  // namespace

loaded_config load_text(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw config_error(origin, e.mark.line + 1, e.mark.column + 1, "", e.msg);
    }
    if (root.IsNull())
        throw config_error(origin, 0, 0, "",
                           "empty configuration; expected a map with keys " + join_words(top_level_keys));
    if (!root.IsMap()) {
        throw config_error(origin, root.Mark().line + 1, root.Mark().column + 1, "",
                           "expected a map with keys " + join_words(top_level_keys) + ", got " + describe(root));
    }
    try {
        const document doc(origin, apply_overrides(root, overrides));
        spec_reader reader(node_at{&doc, root, ""});
        loaded_config loaded;
        loaded.spec = reader.read();
        loaded.resolved_yaml = detail::resolved_yaml(loaded.spec, reader.scaling());
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
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(path, 0, 0, "", "cannot open: " + std::string(std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw config_error(path, 0, 0, "", "cannot read: " + std::string(std::strerror(errno)));
    return load_text(text.str(), path, overrides);
}

}  // namespace synorm::config
