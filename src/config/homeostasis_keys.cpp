// spec_reader: a population's homeostasis keys (calcium, scaling, branches, e_gaba, normalization,
// metaplasticity) and their checks against the projections onto it.
#include <algorithm>
#include <cmath>

#include "spec_reader.hpp"

namespace synorm::config::detail {
namespace {

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

}  // namespace

void spec_reader::read_calcium(const node_at& at, model::population_spec& pop) {
    const map_view m(at, names(calcium_keys));
    if (const auto tau = read_into(m, "tau", dimension::time, pop.tau_calcium)) {
        require_positive(*tau, pop.tau_calcium, dimension::time);
    }
}

// A `scaling` map switches scaling on unless it says `enabled: false`. A switched-off map is still
// checked, then dropped: the spec has one form for "off", and the resolved YAML omits it.
void spec_reader::read_scaling(const node_at& at, model::population_spec& pop) {
    const map_view m(at, names(scaling_keys));
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
    const map_view m(at, names(branch_keys));
    model::branch_spec b;
    b.enabled = true;
    if (const auto enabled = m.find("enabled")) b.enabled = read_bool(*enabled);
    const node_at count = m.required("count");
    const std::uint64_t n = read_unsigned(count, 1);
    if (n > model::branch_spec::max_branches)
        count.fail("at most " + std::to_string(model::branch_spec::max_branches) + " branches per neuron, got " +
                   std::to_string(n));
    b.count = static_cast<std::uint32_t>(n);
    if (const auto assign = m.find("assignment"))
        b.assign = read_choice<model::branch_spec::assignment>(*assign, branch_assignments);
    const auto by_source = m.find("by_source");
    if (b.assign == model::branch_spec::assignment::by_source && !by_source)
        m.self().fail(
            "missing required key \"by_source\" (a map from source population to branch) for assignment: by_source");
    if (b.assign != model::branch_spec::assignment::by_source && by_source)
        by_source->fail("by_source is only for assignment: by_source");
    if (const auto target = b.enabled ? std::optional<node_at>(m.required("target_rate")) : m.find("target_rate")) {
        b.target_rate = read_quantity(*target, dimension::rate);
        if (!(b.target_rate > 0.0))
            target->fail("the target rate must be > 0, got " + format_quantity(b.target_rate, dimension::rate));
    }
    if (const auto tau = read_into(m, "tau_activity", dimension::time, b.tau_activity))
        require_positive(*tau, b.tau_activity, dimension::time);
    if (const auto tau = read_into(m, "tau", dimension::time, b.tau)) require_positive(*tau, b.tau, dimension::time);
    read_gain_bounds(m, b.gain_min, b.gain_max);
    if (const auto record = m.find("record")) {
        for (const node_at& id : record->items()) {
            b.record.push_back(read_unsigned(id));
            if (b.record.back() >= pop.size)
                id.fail("id " + std::to_string(b.record.back()) + " is out of range: " + pop.name + " has " +
                        neurons(pop.size) + scale_note());
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
                name_at.fail("population " + spec_.populations[source].name +
                             " is inhibitory; branches take excitatory inputs only");
            const std::uint64_t branch = read_unsigned(value_at);
            if (branch >= b.count)
                value_at.fail("branch " + std::to_string(branch) + " is out of range: " + std::to_string(b.count) +
                              " branches (0 to " + std::to_string(b.count - 1) + ")");
            b.by_source[source] = static_cast<std::int32_t>(branch);
        }
        for (const auto& proj : spec_.projections)
            if (proj.target == p && spec_.populations[proj.source].type == cell_type::excitatory &&
                b.by_source[proj.source] < 0)
                at.fail("no branch for source population " + spec_.populations[proj.source].name + " of projection " +
                        proj.name + " onto " + spec_.populations[p].name);
    }
}

// E_GABA homeostasis needs a reversal potential to move: conductance-based models only. Its target rate defaults to
// the scaling's (read before it) so that one gap drives both.
void spec_reader::read_e_gaba(const node_at& at, model::population_spec& pop) {
    const map_view m(at, names(e_gaba_keys));
    model::e_gaba_spec e;
    e.enabled = true;
    if (const auto enabled = m.find("enabled")) e.enabled = read_bool(*enabled);
    if (e.enabled && !model_info(pop.model).conductance_based) {
        at.fail(
            "E_GABA homeostasis moves the inhibitory reversal potential, which only conductance-based neurons "
            "(lif_cond_exp, lif_cond_exp_adapt) have; " +
            pop.name + " is " + std::string(name_of<model::neuron_kind>(neuron_kinds, pop.model)));
    }
    const auto target = pop.scaling.enabled ? m.find("target_rate") : std::optional<node_at>(m.required("target_rate"));
    e.target_rate = pop.scaling.enabled ? pop.scaling.target_rate : e.target_rate;
    if (target) {
        e.target_rate = read_quantity(*target, dimension::rate);
        if (!(e.target_rate > 0.0))
            target->fail("the target rate must be > 0, got " + format_quantity(e.target_rate, dimension::rate));
    }
    if (const auto tau = read_into(m, "tau", dimension::time, e.tau)) require_positive(*tau, e.tau, dimension::time);
    const auto lo = read_into(m, "E_in_min", dimension::voltage, e.E_in_min);
    const auto hi = read_into(m, "E_in_max", dimension::voltage, e.E_in_max);
    if (!(e.E_in_max > e.E_in_min)) {
        hi.value_or(lo.value_or(at))
            .fail("E_in_max " + format_quantity(e.E_in_max, dimension::voltage) + " must be above E_in_min " +
                  format_quantity(e.E_in_min, dimension::voltage));
    }
    // E_in starts at the model's value.
    if (e.enabled && !(pop.params.E_in >= e.E_in_min && pop.params.E_in <= e.E_in_max)) {
        lo.value_or(hi.value_or(at))
            .fail("the neuron's E_in " + format_quantity(pop.params.E_in, dimension::voltage) +
                  ", where every E_in starts, is outside [E_in_min, E_in_max] = [" +
                  format_quantity(e.E_in_min, dimension::voltage) + ", " +
                  format_quantity(e.E_in_max, dimension::voltage) + "]");
    }
    pop.e_gaba = e.enabled ? e : model::e_gaba_spec{};
}

void spec_reader::read_normalization(const node_at& at, model::population_spec& pop) {
    const map_view m(at, names(normalization_keys));
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
    if (n.enabled && model_info(pop.model).source)
        at.fail("a poisson_source takes no input, so it has nothing to normalize");
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
            normalization_at_[p]->fail("normalization keeps the sum of plastic excitatory weights onto " +
                                       spec_.populations[p].name +
                                       " constant, but no plastic excitatory projection targets it");
        }
    }
}

// Metaplasticity (model::metaplasticity_spec). Its target rate defaults to the scaling's (read before
// it), so that θ0 sits where scaling holds the neuron.
void spec_reader::read_metaplasticity(const node_at& at, model::population_spec& pop) {
    const map_view m(at, names(metaplasticity_keys));
    model::metaplasticity_spec s;
    s.enabled = true;
    if (const auto enabled = m.find("enabled")) s.enabled = read_bool(*enabled);
    if (s.enabled && model_info(pop.model).source)
        at.fail("a poisson_source takes no input, so it has no potentiation to scale");
    const auto target =
        pop.scaling.enabled || !s.enabled ? m.find("target_rate") : std::optional<node_at>(m.required("target_rate"));
    if (pop.scaling.enabled) s.target_rate = pop.scaling.target_rate;
    if (target) {
        s.target_rate = read_quantity(*target, dimension::rate);
        // θ0 = r0² divides: a zero target would make every factor infinite.
        if (!(s.target_rate > 0.0))
            target->fail("the target rate must be > 0, got " + format_quantity(s.target_rate, dimension::rate));
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
        if (!(s.factor_min > 0.0 && s.factor_min <= 1.0))
            lo->fail("expected a number in (0, 1], got " + format_number(s.factor_min));
    }
    if (hi) {
        s.factor_max = read_number(*hi);
        if (!(s.factor_max >= 1.0 && std::isfinite(s.factor_max)))
            hi->fail("expected a finite number ≥ 1, got " + format_number(s.factor_max));
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
            // The rules whose potentiation takes the factor (rule_defaults::metaplastic): pair and triplet.
            plasticity::registered_rules::visit(static_cast<std::size_t>(proj.plasticity.rule) - 1,
                                                [&]<class R>(std::type_identity<R>) {
                found = found || R::metaplastic;
            });
            vogels = vogels || proj.plasticity.rule == model::stdp_rule::vogels;
        }
        if (!found) {
            metaplasticity_at_[p]->fail(
                "metaplasticity scales the potentiation of pair or triplet STDP onto " + spec_.populations[p].name +
                ", but no projection with such a rule targets it" +
                (vogels ? " (inhibitory STDP, rule vogels, is not scaled: it has its own target rate)" : ""));
        }
    }
}

}  // namespace synorm::config::detail
