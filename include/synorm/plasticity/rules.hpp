// The registered learning rules, and a projection's rule as the engine holds it. Adding a rule is
// one new header in plasticity/rules/ and one line in `registered_rules` below
// (src/plasticity/README.md); the engine instantiates its plastic delivery for each entry.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include "synorm/plasticity/rule.hpp"
#include "synorm/plasticity/rules/pair.hpp"
#include "synorm/plasticity/rules/triplet.hpp"

namespace synorm::plasticity {

// Inhibitory STDP (Vogels et al. 2011; configuration: `rule: vogels`): pair STDP with a symmetric
// window and a constant depression per presynaptic spike. Traces x (pre) and y (post) share one τ
// (tau_plus = tau_minus); at a postsynaptic spike w += s η x, at a presynaptic spike
// w += s η (y − α), α = 2 ρ0 τ; s = +1 for conductances (w ≥ 0), −1 for current or voltage weights
// (w ≤ 0), so a step of η > 0 always strengthens inhibition. Hard bounds [w_min, w_max]. All-to-all
// or nearest pairing; no metaplasticity.
struct vogels_stdp : rule_defaults {
    static constexpr model::stdp_rule kind = model::stdp_rule::vogels;
    static constexpr std::string_view name = "vogels";

    struct params {
        float eta = 0;    // weight unit: the signed step s η
        float alpha = 0;  // the depression threshold α on the postsynaptic trace
    };
    static params make(const model::plasticity_spec& p, double, rule_params&, rule_traces&) {
        // Weights ≤ 0 (current or voltage) have w_max ≤ 0; conductances have w_max > 0 (the loader checks).
        return {static_cast<float>(p.w_max > 0.0 ? p.eta : -p.eta), static_cast<float>(p.alpha())};
    }

    // At a presynaptic spike: w + s η (y − α), y the postsynaptic trace just before it; −s η α even
    // without a trace.
    [[gnu::always_inline]] static float pre(const rule_params& c, const params& p, const row&, float w, float y) {
        return c.clip(w + p.eta * (y - p.alpha));
    }
    // When a postsynaptic spike reaches the synapse: w + s η x.
    [[gnu::always_inline]] static float post(const rule_params& c, const params& p, float w, float x, float decay, float,
                                             float) {
        const float trace = c.nearest ? decay : x * decay;
        return c.clip(w + p.eta * trace);
    }
};

template <learning_rule... R>
struct rule_list {
    static constexpr std::size_t size = sizeof...(R);
    using params = std::variant<typename R::params...>;  // by index in the list
    // The index of rule T in the list.
    template <class T>
    static constexpr std::size_t index_of() {
        std::size_t i = 0, found = size;
        ((std::is_same_v<T, R> ? (found = i, ++i) : ++i), ...);
        return found;
    }
    // Calls f(std::type_identity<R>{}) for the rule at `index` (< size): a chain of comparisons the
    // compiler makes a switch, with f inlined into each case.
    template <class F>
    static void visit(std::size_t index, F&& f) {
        std::size_t i = 0;
        static_cast<void>(((index == i++ ? (f(std::type_identity<R>{}), true) : false) || ...));
    }
};

// ---- the registration: one line per rule ------------------------------------------------------
using registered_rules = rule_list<
    pair_stdp,
    triplet_stdp,
    vogels_stdp>;

// A projection's rule: the common parameters and the decays of its traces, which the engine reads
// by name, and the rule's own parameters. Static projections have none (id == none).
struct projection_rule : rule_params, rule_traces {
    static constexpr std::uint8_t none = 0xff;
    std::uint8_t id = none;  // index in registered_rules
    std::string_view name;   // the rule's name; empty for none
    bool metaplastic = false, slow_traces = false;  // the rule's flags (rule_defaults)
    registered_rules::params own;

    static projection_rule make(const model::plasticity_spec& p, double dt);
    bool plastic() const { return id != none; }
    template <class R>
    const typename R::params& params_of() const {
        return std::get<registered_rules::index_of<R>()>(own);
    }
};

}  // namespace synorm::plasticity
