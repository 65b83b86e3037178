// The configuration schema as data: every key of every section, declared once in
// src/config/key_tables.cpp with its type, unit, default, range, documentation and the member of
// model::model_spec it binds to. The reader takes each section's accepted keys from it, the
// resolved-YAML writer the keys it writes, the round-trip test the values it compares
// (key_values), and config/README.md its reference tables (synorm_config_reference).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "synorm/model/model_spec.hpp"

namespace synorm::config {

struct key_info {
    std::string_view name;
    std::string_view type;          // time, rate, number, integer, boolean, word, name, map, list, …
    std::string_view unit;          // internal unit the spec holds it in; "" when dimensionless
    std::string_view fallback;      // the default, as the reference shows it
    std::string_view range;         // the values accepted
    std::string_view doc;           // one line
    std::string_view applies = {};  // the choices of the section it belongs to; "" for all
    bool bound = true;              // false: no member of model_spec holds it (a sub-section, or applied at load)
};

struct section_info {
    std::string_view id;              // its marker in config/README.md
    std::string_view path;            // "populations.<name>.scaling"
    std::string_view applies_header;  // header of the applies column; "" when the section has none
    std::vector<key_info> keys;
    bool rule = false;  // a learning rule's: without a block of its own it shows in the "other rules" block
};

// Every section, in the order of config/README.md.
const std::vector<section_info>& schema();

// One bound key of one instance of its section in a spec, e.g. populations.E.scaling.tau_up.
struct key_value {
    std::string path;
    std::string_view section, key;
    std::string value;          // exact: doubles in hexadecimal, enums as numbers, lists joined
    std::string default_value;  // the same of a default-constructed section
};

// Every bound key of every section instance of `spec`, in a fixed order: two specs are the same
// configuration exactly when these lists are equal.
std::vector<key_value> key_values(const model::model_spec& spec);

// The markdown table of one section.
std::string reference_table(const section_info& section);

// `readme` with every block between "<!-- schema: ID -->" and "<!-- end schema -->" replaced by
// the table of section ID. Throws std::runtime_error naming an unknown ID or an unclosed block.
std::string with_reference(const std::string& readme);

}  // namespace synorm::config
