// The configuration schema's tables (synorm/config/key_schema.hpp): one per section, each key
// declared once with its documentation and the member of model::model_spec it binds to. The
// reader takes a section's accepted keys from its table (names), the writer of the resolved
// YAML writes the keys whose form it knows (put_keys in resolved_yaml.cpp), and key_values reads
// every bound key for the round-trip comparison.
#pragma once

#include <cinttypes>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "schema.hpp"
#include "synorm/config/key_schema.hpp"

namespace synorm::config::detail {

// How the resolved YAML writes a key. custom: the section's own code writes it (references by
// name, distributions, lists, keys that depend on others). weight: a quantity in the receptor unit
// of the section's target. stop: a time, or `never` when infinite.
enum class form { custom, quantity, weight, number, integer, boolean, word, stop };

// The exact text of a value: two values are equal exactly when their texts are.
inline std::string exact(double v) {
    char text[40];
    std::snprintf(text, sizeof text, "%a", v);
    return text;
}
inline std::string exact(bool v) { return v ? "true" : "false"; }
inline std::string exact(std::uint64_t v) { return std::to_string(v); }
inline std::string exact(std::uint32_t v) { return std::to_string(v); }
inline std::string exact(std::int32_t v) { return std::to_string(v); }
inline std::string exact(std::uint8_t v) { return std::to_string(v); }
inline std::string exact(const std::string& v) { return "\"" + v + "\""; }
template <class E>
requires std::is_enum_v<E> std::string exact(E v) { return std::to_string(static_cast<int>(v)); }
inline std::string exact(const model::distribution& d) {
    return exact(d.shape) + " " + exact(d.value) + " " + exact(d.mean) + " " + exact(d.sd) + " " + exact(d.low) + " " +
           exact(d.high) + " " + exact(d.min) + " " + exact(d.max);
}
template <class T>
std::string exact(const std::vector<T>& list) {
    std::string text = "[";
    for (const T& v : list) text += (text.size() > 1 ? ", " : "") + exact(v);
    return text + "]";
}

template <class S>
struct binding {
    std::string (*value)(const S&) = nullptr;  // exact; word keys: the word
    double (*real)(const S&) = nullptr;        // quantity, weight and number keys
    form written = form::custom;
    dimension dim = dimension::time;  // form::quantity
};

template <class S>
struct key {
    key_info info = {};
    binding<S> bind = {};
    bool (*when)(const S&) = nullptr;  // written only when this holds; nullptr: always
};

template <class M>
struct member_traits;
template <class C, class V>
struct member_traits<V C::*> {
    using owner = C;
    using type = V;
};

template <auto M>
std::string member_value(const typename member_traits<decltype(M)>::owner& s) {
    return exact(s.*M);
}
template <auto M>
double member_real(const typename member_traits<decltype(M)>::owner& s) {
    return static_cast<double>(s.*M);
}

// The binding of a key to the member M of its section's struct.
template <auto M>
constexpr binding<typename member_traits<decltype(M)>::owner> bind(form written = form::custom,
                                                                   dimension dim = dimension::time) {
    binding<typename member_traits<decltype(M)>::owner> b;
    b.value = &member_value<M>;
    if constexpr (std::is_arithmetic_v<typename member_traits<decltype(M)>::type>) b.real = &member_real<M>;
    b.written = written;
    b.dim = dim;
    return b;
}

// The binding of a choice-valued member: its word.
template <auto M, auto& Choices>
std::string member_word(const typename member_traits<decltype(M)>::owner& s) {
    return std::string(name_of<typename member_traits<decltype(M)>::type>(Choices, s.*M));
}
template <auto M, auto& Choices>
constexpr binding<typename member_traits<decltype(M)>::owner> bind_word() {
    binding<typename member_traits<decltype(M)>::owner> b;
    b.value = &member_word<M, Choices>;
    b.written = form::word;
    return b;
}

// The binding of a text member written as it is (a name).
template <auto M>
std::string member_text(const typename member_traits<decltype(M)>::owner& s) {
    return s.*M;
}
template <auto M>
constexpr binding<typename member_traits<decltype(M)>::owner> bind_text() {
    binding<typename member_traits<decltype(M)>::owner> b;
    b.value = &member_text<M>;
    b.written = form::word;
    return b;
}

// A section's key names, in declared order: the keys its map accepts.
template <class S>
std::vector<std::string_view> names(std::span<const key<S>> keys) {
    std::vector<std::string_view> out;
    for (const key<S>& k : keys) out.push_back(k.info.name);
    return out;
}

// The names of the keys of `keys` that apply to `s` (whose choosing keys are read): the keys a map
// accepts when they depend on another key (a connection's rule, a plasticity's weight dependence).
template <class S>
std::vector<std::string_view> names(std::span<const key<S>> keys, const S& s) {
    std::vector<std::string_view> out;
    for (const key<S>& k : keys)
        if (!k.when || k.when(s)) out.push_back(k.info.name);
    return out;
}

// A key whose value the section's own function gives (a reference by name, a list, a distribution).
template <class S>
constexpr binding<S> custom(std::string (*value)(const S&), form written = form::custom) {
    binding<S> b;
    b.value = value;
    b.written = written;
    return b;
}

// A key the spec does not keep (a map read into other keys, or applied while loading).
constexpr key_info unbound(key_info info) {
    info.bound = false;
    return info;
}

// The tables, defined in key_tables.cpp (the file and the run), population_key_tables.cpp,
// projection_key_tables.cpp (with the learning rules') and input_key_tables.cpp (inputs, recording).
extern const std::span<const key<model::model_spec>> top_keys;
extern const std::span<const key<model::simulation_spec>> simulation_keys;
extern const std::span<const key<model::model_spec>> tables_keys;
extern const std::span<const key<model::model_spec>> table_keys;
extern const std::span<const key<model::model_spec>> rates_table_keys;
extern const std::span<const key<model::model_spec>> network_keys;
extern const std::span<const key<model::model_spec>> compensation_keys;
extern const std::span<const key<model::population_spec>> population_keys;
extern const std::span<const key<model::population_spec>> source_keys;
extern const std::span<const key<model::population_spec>> calcium_keys;
extern const std::span<const key<model::scaling_spec>> scaling_keys;
extern const std::span<const key<model::branch_spec>> branch_keys;
extern const std::span<const key<model::e_gaba_spec>> e_gaba_keys;
extern const std::span<const key<model::normalization_spec>> normalization_keys;
extern const std::span<const key<model::metaplasticity_spec>> metaplasticity_keys;
extern const std::span<const key<model::projection_spec>> projection_keys;
extern const std::span<const key<model::projection_spec>> connect_keys;
// The keys of a learning rule, in the order they are written: the table projection_key_tables.cpp builds from
// the rule's header (plasticity/rule.hpp, rule_key). Empty for stdp_rule::none.
std::span<const key<model::plasticity_spec>> plasticity_keys(model::stdp_rule rule);
extern const std::span<const key<model::pruning_spec>> pruning_keys;
extern const std::span<const key<model::poisson_input_spec>> poisson_keys;
extern const std::span<const key<model::dc_input_spec>> dc_keys;
extern const std::span<const key<model::pattern_spec>> pattern_keys;
extern const std::span<const key<model::pattern_spec>> probe_keys;
extern const std::span<const key<model::recording_spec>> recording_keys;
extern const std::span<const key<model::state_recorder_spec>> state_keys;
extern const std::span<const key<model::weight_recorder_spec>> weight_keys;
extern const std::span<const key<model::homeostasis_recorder_spec>> homeostasis_recorder_keys;
extern const std::span<const key<model::homeostasis_spec>> homeostasis_keys;
extern const std::span<const key<model::checks_spec>> checks_keys;
extern const std::span<const key<model::comm_spec>> comm_keys;
extern const std::span<const key<model::dry_run_spec>> dry_run_keys;
extern const std::span<const key<model::schedule_spec>> schedule_keys;
extern const std::span<const key<model::renormalization_spec>> renormalization_keys;
extern const std::span<const key<model::phase_spec>> phase_keys;

}  // namespace synorm::config::detail
