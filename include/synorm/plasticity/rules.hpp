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
#include "synorm/plasticity/rules/vogels.hpp"

namespace synorm::plasticity {

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
    // The model::stdp_rule that selects rule T: its position plus 1 (0 is none).
    template <class T>
    static constexpr model::stdp_rule kind_of() {
        return static_cast<model::stdp_rule>(index_of<T>() + 1);
    }
    // Calls f(std::type_identity<R>{}) for the rule at `index` (< size): a chain of comparisons the
    // compiler makes a switch, with f inlined into each case.
    template <class F>
    static constexpr void visit(std::size_t index, F&& f) {
        std::size_t i = 0;
        static_cast<void>(((index == i++ ? (f(std::type_identity<R>{}), true) : false) || ...));
    }
};

// ---- the registration: one line per rule ------------------------------------------------------
using registered_rules = rule_list<pair_stdp, triplet_stdp, vogels_stdp>;

// The rules model::stdp_rule names keep their places.
static_assert(registered_rules::kind_of<pair_stdp>() == model::stdp_rule::pair);
static_assert(registered_rules::kind_of<triplet_stdp>() == model::stdp_rule::triplet);
static_assert(registered_rules::kind_of<vogels_stdp>() == model::stdp_rule::vogels);

// A projection's rule: the common parameters and the decays of its traces, which the engine reads
// by name, and the rule's own parameters. Static projections have none (id == none).
struct projection_rule : rule_params, rule_traces {
    static constexpr std::uint8_t none = 0xff;
    std::uint8_t id = none;                         // index in registered_rules
    std::string_view name;                          // the rule's name; empty for none
    bool metaplastic = false, slow_traces = false;  // the rule's flags (rule_defaults)
    registered_rules::params own;

    static projection_rule make(const model::plasticity_spec& p, double dt);
    bool plastic() const { return id != none; }
    // A phase's learning-rate factor f (0: learning off) on every rate of the rule, from its
    // configured form: A± and the rule's own (R::scaled), so that f = 0 stops every rule.
    void scale_rates(const projection_rule& configured, float f);
    template <class R>
    const typename R::params& params_of() const {
        return std::get<registered_rules::index_of<R>()>(own);
    }
};

}  // namespace synorm::plasticity
