// spec_reader: projections[].plasticity (the registered learning rules, with the initial weights kept
// within the rule's bounds) and projections[].pruning.
#include <algorithm>

#include <limits>

#include "spec_reader.hpp"

namespace synorm::config::detail {
namespace {

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

}  // namespace

// The rule decides which keys belong, and for pair STDP so does the weight dependence (w_0 and mu
// are power_law's), so both are read before the keys are checked. Weights and amplitudes are in the
// weight dimension of the target's model. A rule's keys are those its header declares
// (plasticity/rule.hpp); the shared ones and the first rules' own keys are read and checked below by
// name, a later rule's keys by their declared check.
void spec_reader::read_plasticity(const node_at& at, const node_at& weight_at, model::projection_spec& proj) {
    using model::stdp_rule;
    using model::weight_dependence;
    expect_map(at, "a map with the plasticity rule and its parameters");
    const auto rule_at = peek_key(at, "rule");
    if (!rule_at) at.fail("missing required key \"rule\" (" + rule_word_list() + ")");
    model::plasticity_spec p;
    p.rule = read_choice<stdp_rule>(*rule_at, stdp_rules);
    const std::string rule_name(name_of<stdp_rule>(stdp_rules, p.rule));
    const std::span<const key<model::plasticity_spec>> table = plasticity_keys(p.rule);
    // The rule's keys and the source type it applies to; the names of the inhibitory rules for the message.
    bool inhibitory = false;
    std::span<const plasticity::rule_key> rule_keys;
    std::string inhibitory_rules;
    using rules = plasticity::registered_rules;
    for (std::size_t k = 0; k < rules::size; ++k) {
        rules::visit(k, [&]<class R>(std::type_identity<R>) {
            if (R::inhibitory) inhibitory_rules += (inhibitory_rules.empty() ? "" : ", ") + std::string(R::name);
            if (rules::kind_of<R>() != p.rule) return;
            inhibitory = R::inhibitory;
            rule_keys = R::keys;
        });
    }
    const model::population_spec& source = spec_.populations[proj.source];
    const model::population_spec& target = spec_.populations[proj.target];
    // Hebbian rules strengthen excitation; vogels sets the inhibition a neuron receives (its
    // depression term α would be anti-Hebbian on an excitatory synapse, which is not that model).
    if (inhibitory && source.type != cell_type::inhibitory) {
        rule_at->fail(rule_name + " applies to inhibitory projections; source population " + source.name +
                      " is excitatory");
    }
    if (!inhibitory && source.type != cell_type::excitatory) {
        rule_at->fail(rule_name + " applies to excitatory projections; source population " + source.name +
                      " is inhibitory (" + inhibitory_rules + " is the rule for inhibitory synapses)");
    }
    const dimension dim = model_info(target.model).weight_dim;
    // Inhibitory weights onto current- and voltage-based models are ≤ 0 (weight signs).
    const bool negative = inhibitory && !model_info(target.model).conductance_based;

    std::string context = "rule " + rule_name;
    for (const plasticity::rule_key& k : rule_keys) {
        if (k.preset) plasticity::value_of(p, k) = *k.preset;
        if (k.kind != plasticity::key_kind::weight_dependence) continue;
        if (const auto dependence = peek_key(at, k.name)) {
            p.dependence = read_choice<weight_dependence>(*dependence, weight_dependences);
        }
        context = std::string(k.name) + " " + std::string(name_of<weight_dependence>(weight_dependences, p.dependence));
    }
    const map_view m(at, names(table, p), context);

    // A later rule's own keys, by their declared check.
    for (const plasticity::rule_key& k : rule_keys) {
        if (k.check == plasticity::key_check::custom || (k.when && !k.when(p))) continue;
        const dimension key_dim = k.kind == plasticity::key_kind::weight ? dim
                                  : k.kind == plasticity::key_kind::rate ? dimension::rate
                                                                         : dimension::time;
        double& value = plasticity::value_of(p, k);
        const std::optional<node_at> given = k.required ? std::optional<node_at>(m.required(k.name)) : m.find(k.name);
        if (!given) continue;
        if (k.kind == plasticity::key_kind::number) {
            value = read_number(*given);
            if (k.check == plasticity::key_check::positive && !(value > 0.0))
                given->fail("expected a number > 0, got " + format_number(value));
            if (k.check == plasticity::key_check::non_negative && !(value >= 0.0))
                given->fail("expected a number ≥ 0, got " + format_number(value));
            continue;
        }
        value = read_quantity(*given, key_dim);
        if (k.check == plasticity::key_check::positive) require_positive(*given, value, key_dim);
        if (k.check == plasticity::key_check::non_negative) require_non_negative(*given, value, key_dim);
    }

    if (const auto pairing = m.find("pairing")) p.pairing = read_choice<model::spike_pairing>(*pairing, spike_pairings);
    const auto positive_time = [&](std::string_view key, double& value) {
        if (const auto given = read_into(m, key, dimension::time, value))
            require_positive(*given, value, dimension::time);
    };
    positive_time("tau_plus", p.tau_plus);
    positive_time("tau_minus", p.tau_minus);
    positive_time("tau_x", p.tau_x);
    positive_time("tau_y", p.tau_y);
    if (p.rule == stdp_rule::vogels) {
        positive_time("tau", p.tau_plus);
        p.tau_minus = p.tau_plus;  // the window is symmetric: one time constant for both traces
        const node_at eta = m.required("eta");
        p.eta = read_quantity(eta, dim);
        if (!(p.eta > 0.0)) {
            eta.fail("expected a " + std::string(dimension_name(dim)) + " > 0 (the size of a step" +
                     (negative ? "; it makes the ≤ 0 weights more negative" : "") + "), got " +
                     format_quantity(p.eta, dim));
        }
        const node_at rate = m.required("target_rate");
        p.target_rate = read_quantity(rate, dimension::rate);
        if (!(p.target_rate > 0.0)) {
            rate.fail("the target rate ρ0 must be > 0 (α = 2 ρ0 τ), got " +
                      format_quantity(p.target_rate, dimension::rate));
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
        const node_at A2_plus = m.required("A2_plus"), A3_plus = m.required("A3_plus"),
                      A2_minus = m.required("A2_minus");
        p.A_plus = read_quantity(A2_plus, dim);
        require_non_negative(A2_plus, p.A_plus, dim);
        p.A3_plus = read_quantity(A3_plus, dim);
        require_non_negative(A3_plus, p.A3_plus, dim);
        if (!(p.A_plus + p.A3_plus > 0.0))
            A3_plus.fail("A2_plus and A3_plus are both 0: the rule would never potentiate");
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
            w_min.fail("w_min " + format_quantity(p.w_min, dim) + " must be below w_max " +
                       format_quantity(p.w_max, dim) + " (the strongest inhibition, ≤ 0)");
        }
    } else {
        if (const auto w_min = read_into(m, "w_min", dim, p.w_min)) require_non_negative(*w_min, p.w_min, dim);
        const node_at w_max = m.required("w_max");
        p.w_max = read_quantity(w_max, dim);
        if (!(p.w_max > p.w_min)) {
            w_max.fail("w_max " + format_quantity(p.w_max, dim) + " must be above w_min " +
                       format_quantity(p.w_min, dim));
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
            m.find(tau_key).value_or(at).fail(std::string(tau_key) + " " +
                                              format_quantity(p.tau_minus, dimension::time) + " differs from the " +
                                              format_quantity(other.plasticity.tau_minus, dimension::time) + shared);
        }
        if (p.pairing != other.plasticity.pairing) {
            m.find("pairing").value_or(at).fail(
                "pairing " + std::string(name_of<model::spike_pairing>(spike_pairings, p.pairing)) +
                " differs from the " +
                std::string(name_of<model::spike_pairing>(spike_pairings, other.plasticity.pairing)) + shared);
        }
        if (p.rule == stdp_rule::triplet && other.plasticity.rule == stdp_rule::triplet &&
            p.tau_y != other.plasticity.tau_y) {
            m.find("tau_y").value_or(at).fail("tau_y " + format_quantity(p.tau_y, dimension::time) +
                                              " differs from the " +
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
    const map_view m(at, names(pruning_keys));
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
                       " ≥ 0 (compared with the magnitude of the effective weight), got " +
                       format_quantity(p.threshold, dim));
    }
    pruning_at entry{static_cast<std::uint32_t>(spec_.projections.size()), at, std::nullopt, std::nullopt};
    if ((entry.tagging_time = read_into(m, "tagging_time", dimension::time, p.tagging_time)))
        require_non_negative(*entry.tagging_time, p.tagging_time, dimension::time);
    if ((entry.period = read_into(m, "period", dimension::time, p.period)))
        require_positive(*entry.period, p.period, dimension::time);
    if (const auto depleted = m.find("depleted")) p.depleted = read_bool(*depleted);
    pruning_at_.push_back(std::move(entry));
}

// Tags are counted at homeostasis checks and synapses removed at homeostasis boundaries, so the
// tagging time and the period are whole numbers of homeostasis periods; without a period the
// schedule must have an NREM phase to end.
void spec_reader::check_pruning() const {
    const double H = spec_.homeostasis.period;
    const auto whole = [&](const node_at& at, double value, const char* what) {
        require_steps(at, value, spec_.simulation.dt);
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
            e.at.fail(
                "pruning projection " + proj.name + " onto the random branches of " +
                spec_.populations[proj.target].name +
                " needs connect.multapses: false (a removed synapse would move the others of its source onto the same "
                "target to other branches)");
        }
        if (e.tagging_time) {
            whole(*e.tagging_time, p.tagging_time, "the tagging time is counted in homeostasis checks");
            // A synapse's count of checks below the threshold saturates at 65535 (plasticity/pruning.hpp);
            // a tag needs one check more than tagging_time / H.
            const double most = (std::numeric_limits<std::uint16_t>::max() - 1) * H;
            if (p.tagging_time > most + 1e-9 * most) {
                e.tagging_time->fail("expected a tagging time of at most " + derived_time(most) +
                                     " (65534 homeostasis periods of " + derived_time(H) +
                                     ": the count of checks below the threshold is 16-bit), got " +
                                     format_quantity(p.tagging_time, dimension::time));
            }
        }
        if (e.period) {
            whole(*e.period, p.period, "pruning points fall on homeostasis checks");
            continue;
        }
        const auto& phases = spec_.schedule.phases;
        const bool nrem = std::any_of(phases.begin(), phases.end(),
                                      [](const auto& ph) { return ph.kind == model::phase_kind::nrem; });
        if (!nrem) {
            e.at.fail(std::string(phases.empty() ? "the run has no schedule" : "the schedule has no nrem phase") +
                      ", so there is no pruning point; give pruning.period (synapses are pruned at the end of each "
                      "nrem phase by default)");
        }
    }
}

}  // namespace synorm::config::detail
