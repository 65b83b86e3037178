// What a learning rule is to the engine (src/plasticity/README.md: how to add one). A rule is one
// struct in one header of plasticity/rules/, registered in plasticity/rules.hpp; the engine's plastic
// delivery is a template instantiated once per registered rule and chosen once per projection at
// build, so the hot loops call a rule's functions inline, never through a pointer.
//
// Every rule is event-driven on the traces of plasticity/stdp.hpp, with its timing convention: at a
// presynaptic spike each synapse of the row takes `pre` (y: its target's postsynaptic trace just
// before the spike meets it), then transmits its new weight; when a postsynaptic spike reaches a
// synapse it takes `post` (x: the row's presynaptic trace right after the row's last spike, `decay`:
// the presynaptic trace's decay since then). The engine keeps the traces, the incoming index and the
// order of events; a rule says only how a weight moves at the two events.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "synorm/model/model_spec.hpp"
#include "synorm/plasticity/stdp.hpp"

namespace synorm::plasticity {

// The parameters every rule has, in the units the engine uses (steps, weight unit), which the
// engine also reads outside the rule: the bounds (weight statistics, histograms, SHY spare
// thresholds) and the pair amplitudes (a phase's learning-rate factor scales A+ and A−).
struct rule_params {
    float w_min = 0, w_max = 0;     // weight unit: hard bounds
    float A_plus = 0, A_minus = 0;  // weight unit; A_minus ≤ 0 (0 for a rule without pair amplitudes)
    bool nearest = false;           // nearest-spike pairing: traces reset to 1 at each spike
    double tau_plus_steps = 200, tau_minus_steps = 200;  // steps: traces x and y
    float clip(float v) const { return v < w_min ? w_min : (v > w_max ? w_max : v); }
};

// The decays of a projection's traces over whole steps: x (tau_plus) and y (tau_minus) for every
// rule; the slow presynaptic r2 and postsynaptic o2 for a rule with slow_traces (else empty).
struct rule_traces {
    decay_table plus_decay, minus_decay;
    decay_table slow_pre_decay, slow_post_decay;
};

// A rule's configuration key, which the loader reads, the resolved YAML writes and config/README.md
// lists (src/config builds the rule's section of the schema from its `keys`). The documentation
// columns are those of the reference; the value binds to a member of model::plasticity_spec, or to
// a slot of plasticity_spec::own for a parameter no other rule has.
enum class key_kind : std::uint8_t {
    rule,               // the word `rule`, the rule's name
    pairing,            // a model::spike_pairing word, plasticity_spec::pairing
    weight_dependence,  // a model::weight_dependence word, plasticity_spec::dependence (read first)
    time,               // a time, ms
    rate,               // a rate, Hz
    weight,             // in the weight dimension of the target's model
    number,             // dimensionless
};
// The check of a numeric key's value. custom: the loader's own code reads and checks it
// (src/config/plasticity_keys.cpp, for the keys the rules share and the first rules' own keys).
enum class key_check : std::uint8_t { custom, any, positive, non_negative };
struct rule_key {
    std::string_view name, type, unit, fallback, range, doc;
    key_kind kind = key_kind::number;
    double model::plasticity_spec::*member = nullptr;  // the number it binds to, or
    int slot = -1;                                     // plasticity_spec::own[slot]
    key_check check = key_check::custom;
    bool required = false;                                  // with a check other than custom
    std::optional<double> preset = {};                      // the value before reading, when not the spec's default
    bool (*when)(const model::plasticity_spec&) = nullptr;  // accepted and written only when this holds
};
// The number a numeric key binds to.
inline double& value_of(model::plasticity_spec& s, const rule_key& k) {
    return k.member ? s.*(k.member) : s.own[static_cast<std::size_t>(k.slot)];
}
inline double value_of(const model::plasticity_spec& s, const rule_key& k) {
    return k.member ? s.*(k.member) : s.own[static_cast<std::size_t>(k.slot)];
}

// The defaults of a rule without per-row state of its own: a rule derives from this and overrides
// what it needs.
struct rule_defaults {
    static constexpr bool metaplastic = false;  // potentiation takes metaplasticity's factor θ0/θ
    static constexpr bool slow_traces = false;  // keeps r2 per row (row_state::x2) and o2 per postsynaptic spike
    static constexpr bool pairing = true;       // honours nearest pairing; false: always all-to-all
    static constexpr bool inhibitory = false;   // the source population's type: inhibitory, else excitatory
    // At a learning-rate factor 0, pre and post return every weight in [w_min, w_max] other than −0
    // bitwise unchanged (each adds a ±0 step, then clips): the engine may then deliver the rows as
    // static ones and skip the updates (engine/plastic_delivery.hpp). False unless a rule shows it.
    static constexpr bool still_at_zero = false;
    struct row {};  // what a presynaptic spike computes once for its row
    static row pre_row(const rule_traces&, const row_state&, std::uint64_t, std::int64_t) { return {}; }
    static void after_row(const row&, row_state&, std::uint64_t) {}
    // Its own parameters under a phase's learning-rate factor f (0: learning off), from their
    // configured values; a rule whose only rates are the common A± keeps them.
    template <class P>
    static P scaled(const P& configured, float) {
        return configured;
    }
};

// The interface, checked at registration. For a rule R with parameters P = R::params:
//   name            its name for provenance and messages (the configuration's word for it); the
//                   model::stdp_rule that selects it is its position in registered_rules plus 1
//   keys            its configuration keys (rule_key), the first of them `rule`
//   inhibitory      true: it applies to inhibitory projections only; false: to excitatory ones only
//   metaplastic, slow_traces, pairing, still_at_zero, row, pre_row, after_row, scaled: as in
//                   rule_defaults
//   make(spec, dt, common, traces) → P: its own parameters from the spec; the common ones and the
//                   decays of x and y are filled in before, and it may add the slow decays
//   pre(common, P, row, w, y) → w′: at a presynaptic spike
//   post(common, P, w, x, decay, m, o2) → w′: when a postsynaptic spike reaches the synapse; m is
//                   metaplasticity's factor (1, a compile-time constant, without it), o2 the slow
//                   postsynaptic trace just before that spike (0 without slow traces)
template <class R>
concept learning_rule = std::is_trivially_copyable_v<typename R::params> &&
    std::is_trivially_copyable_v<typename R::row> &&
    requires(const model::plasticity_spec& spec, rule_params& c, rule_traces& t, const typename R::params& p,
             const typename R::row& r, row_state& rs, float w) {
    { R::name } -> std::convertible_to<std::string_view>;
    { R::keys[0] } -> std::convertible_to<rule_key>;
    { R::inhibitory } -> std::convertible_to<bool>;
    { R::metaplastic } -> std::convertible_to<bool>;
    { R::slow_traces } -> std::convertible_to<bool>;
    { R::pairing } -> std::convertible_to<bool>;
    { R::still_at_zero } -> std::convertible_to<bool>;
    { R::make(spec, 0.1, c, t) } -> std::same_as<typename R::params>;
    { R::scaled(p, 1.0f) } -> std::same_as<typename R::params>;
    { R::pre_row(t, rs, std::uint64_t{0}, std::int64_t{0}) } -> std::same_as<typename R::row>;
    R::after_row(r, rs, std::uint64_t{0});
    { R::pre(c, p, r, w, w) } -> std::same_as<float>;
    { R::post(c, p, w, w, w, w, w) } -> std::same_as<float>;
};

}  // namespace synorm::plasticity
