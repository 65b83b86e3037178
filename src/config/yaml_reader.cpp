#include "yaml_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "synorm/config/loader.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::config::detail {
namespace {

// True when `path` is `prefix` or lies inside it ("a.b" covers "a.b", "a.b.c" and "a.b[0]").
bool covers(std::string_view prefix, std::string_view path) {
    if (!path.starts_with(prefix)) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

// The key's own name, the last component of its path ("projections[0].delay" → "delay").
std::string_view last_key(std::string_view path) {
    const auto dot = path.rfind('.');
    return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::string expected_quantity(dimension dim) {
    return "a " + std::string(dimension_name(dim)) + " like \"" + std::string(example_quantity(dim)) + "\"";
}

// The scalar text of a node, or an error saying what was expected instead.
const std::string& scalar_text(const node_at& at, std::string_view expected) {
    if (!at.node.IsScalar()) at.fail("expected " + std::string(expected) + ", got " + describe(at.node));
    return at.node.Scalar();
}

struct map_entry {
    std::string name;
    YAML::Node key, value;
};

// Every map is checked the same way: scalar keys, each once. Returns the entries in file order.
std::vector<map_entry> checked_entries(const node_at& at) {
    std::vector<map_entry> entries;
    if (at.node.IsNull()) return entries;
    for (const auto& entry : at.node) {
        const YAML::Node& key = entry.first;
        if (!key.IsScalar()) at.doc->fail(key, at.path, "keys must be plain words, got " + describe(key));
        for (const map_entry& seen : entries) {
            if (seen.name == key.Scalar()) {
                at.doc->fail(key, join_path(at.path, seen.name),
                             "duplicate key (first given at line " + std::to_string(seen.key.Mark().line + 1) + ")");
            }
        }
        entries.push_back({key.Scalar(), key, entry.second});
    }
    return entries;
}

}  // namespace

void document::fail(const YAML::Node& at, const std::string& path, const std::string& message) const {
    // The last override that wrote this part of the tree is where its text came from.
    for (auto o = overrides_.rbegin(); o != overrides_.rend(); ++o) {
        if (covers(o->path, path)) throw config_error(o->text, 0, 0, path, message);
    }
    // An entry built from a table's row: the cell whose column filled the key (the longest leaf that
    // covers it), else the columns of the leaves below it, else the row alone (a key of the template).
    for (auto row = table_rows_.rbegin(); row != table_rows_.rend(); ++row) {
        if (!covers(row->path, path)) continue;
        const std::string_view below = std::string_view(path).substr(row->path.size());
        const table_leaf* best = nullptr;
        std::string columns;
        for (const table_leaf& leaf : *row->leaves) {
            if (covers(leaf.path, below) && (!best || leaf.path.size() > best->path.size())) best = &leaf;
            if (!below.empty() && covers(below, leaf.path) && columns.find(leaf.columns) == std::string::npos)
                columns += (columns.empty() ? "" : ",") + leaf.columns;
        }
        if (best) columns = best->columns;
        throw config_error(*row->file, static_cast<int>(row->line), columns, path, message);
    }
    const YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    if (mark.is_null()) {
        // A map that an override created on its way to a deeper key has no place in the file.
        for (auto o = overrides_.rbegin(); o != overrides_.rend(); ++o) {
            if (covers(path, o->path)) throw config_error(o->text, 0, 0, path, message);
        }
        throw config_error(file_, 0, 0, path, message);
    }
    throw config_error(file_, mark.line + 1, mark.column + 1, path, message);
}

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    return "\"" + node.Scalar() + "\"";
}

std::string join_words(const std::vector<std::string_view>& words) {
    std::string out;
    for (std::string_view w : words) {
        if (!out.empty()) out += ", ";
        out += w;
    }
    return out;
}

std::string join_path(std::string_view parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    return std::string(parent) + "." + std::string(key);
}

node_at node_at::item(std::size_t index) const { return {doc, node[index], path + "[" + std::to_string(index) + "]"}; }

std::vector<node_at> node_at::items() const {
    // An empty value ("projections:") is an empty list, as YAML writers produce it.
    if (node.IsNull()) return {};
    if (!node.IsSequence()) fail("expected a list, got " + describe(node));
    std::vector<node_at> out;
    out.reserve(node.size());
    for (std::size_t i = 0; i < node.size(); ++i) out.push_back(item(i));
    return out;
}

void expect_map(const node_at& at, std::string_view what) {
    // An empty value ("simulation:") is an empty map: every key takes its default.
    if (!at.node.IsMap() && !at.node.IsNull()) at.fail("expected " + std::string(what) + ", got " + describe(at.node));
}

std::optional<node_at> peek_key(const node_at& map, std::string_view key) {
    if (!map.node.IsMap()) return std::nullopt;
    for (const auto& entry : map.node) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) {
            return node_at{map.doc, entry.second, join_path(map.path, key)};
        }
    }
    return std::nullopt;
}

map_view::map_view(node_at at, std::initializer_list<std::string_view> accepted, std::string_view context)
    : map_view(std::move(at), std::vector<std::string_view>(accepted), context) {}

map_view::map_view(node_at at, const std::vector<std::string_view>& accepted, std::string_view context)
    : at_(std::move(at)) {
    expect_map(at_, "a map with keys " + join_words(accepted));
    for (const map_entry& entry : checked_entries(at_)) {
        bool known = false;
        for (std::string_view a : accepted) known = known || a == entry.name;
        if (!known) {
            const std::string where = context.empty() ? "" : " for " + std::string(context);
            at_.doc->fail(entry.key, join_path(at_.path, entry.name),
                          "unknown key" + where + "; accepted: " + join_words(accepted));
        }
    }
}

std::optional<node_at> map_view::find(std::string_view key) const { return peek_key(at_, key); }

node_at map_view::required(std::string_view key) const {
    if (auto found = find(key)) return *found;
    at_.fail("missing required key \"" + std::string(key) + "\"");
}

std::vector<std::pair<node_at, node_at>> named_entries(const node_at& at, std::string_view what, bool patterns) {
    expect_map(at, "a map from " + std::string(what) + " names to " + std::string(what) + "s");
    std::vector<std::pair<node_at, node_at>> out;
    for (const map_entry& entry : checked_entries(at)) {
        node_at key_at{at.doc, entry.key, join_path(at.path, entry.name)};
        read_name(key_at, what, patterns);
        out.emplace_back(key_at, node_at{at.doc, entry.value, key_at.path});
    }
    return out;
}

std::string read_name(const node_at& at, std::string_view what, bool patterns) {
    const std::string name = read_string(at);
    const auto word_char = [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               (patterns && c == '*');
    };
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '-';
    for (char c : name) valid = valid && word_char(c);
    if (!valid) {
        at.fail("invalid " + std::string(what) + " name \"" + name +
                "\"; names use letters, digits, '_' and '-' and start with a letter or '_'");
    }
    return name;
}

std::string read_string(const node_at& at) { return scalar_text(at, "a word"); }

double read_number(const node_at& at) {
    const std::string& text = scalar_text(at, "a number");
    if (const auto number = parse_number(text)) return *number;
    if (const auto q = parse_quantity(text)) {
        at.fail("expected a plain number, got a " + std::string(dimension_name(q->dim)) + " (\"" + text + "\")");
    }
    at.fail("expected a number, got \"" + text + "\"");
}

std::uint64_t read_unsigned(const node_at& at, std::uint64_t minimum) {
    const std::string expected = "an integer ≥ " + std::to_string(minimum);
    const std::string& text = scalar_text(at, expected);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    bool ok = ec == std::errc{} && end == text.data() + text.size();
    if (!ok) {
        // Also take integral numbers in other notations, e.g. "1e4".
        const auto number = parse_number(text);
        ok = number && *number >= 0.0 && *number == std::floor(*number) && *number < 18446744073709551616.0;  // 2^64
        if (ok) value = static_cast<std::uint64_t>(*number);
    }
    if (!ok || value < minimum) at.fail("expected " + expected + ", got " + describe(at.node));
    return value;
}

std::uint64_t read_unsigned(const node_at& at, std::uint64_t minimum, std::uint64_t maximum, std::string_view why) {
    const std::uint64_t value = read_unsigned(at, minimum);
    if (value > maximum) {
        at.fail("expected an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum) + " (" +
                std::string(why) + "), got " + describe(at.node));
    }
    return value;
}

bool read_bool(const node_at& at) {
    scalar_text(at, "true or false");
    bool value = false;
    if (!YAML::convert<bool>::decode(at.node, value)) at.fail("expected true or false, got " + describe(at.node));
    return value;
}

double read_quantity(const node_at& at, dimension dim) {
    const std::string& text = scalar_text(at, expected_quantity(dim));
    std::string why;
    const auto q = parse_quantity(text, &why);
    if (!q) {
        if (parse_number(text)) at.fail("missing unit: expected " + expected_quantity(dim));
        at.fail("expected " + expected_quantity(dim) + ", got \"" + text + "\" (" + why + ")");
    }
    if (q->dim != dim) {
        at.fail("expected " + expected_quantity(dim) + ", got a " + std::string(dimension_name(q->dim)) + " (\"" +
                text + "\")");
    }
    return q->value;
}

void check_limit(const node_at& at, std::string_view what, double value, dimension dim, const draw_limit& limit) {
    const bool below = limit.bound == draw_limit::side::at_least && value < limit.limit;
    const bool above = limit.bound == draw_limit::side::at_most && value > limit.limit;
    if (below || above) {
        at.fail(std::string(what) + " " + format_quantity(value, dim) + " is " + (below ? "below " : "above ") +
                limit.limit_text);
    }
}

model::distribution read_distribution(const node_at& at, dimension dim, const std::optional<draw_limit>& limit) {
    using model::distribution;
    using side = draw_limit::side;
    const auto check = [&](const node_at& where, std::string_view what, double value) {
        if (limit) check_limit(where, what, value, dim, *limit);
    };

    if (!at.node.IsMap()) {
        if (!at.node.IsScalar()) {
            at.fail("expected " + expected_quantity(dim) + " or a distribution map, got " + describe(at.node));
        }
        const distribution d = distribution::constant_value(read_quantity(at, dim));
        check(at, last_key(at.path), d.value);
        return d;
    }

    // The shape decides which other keys belong, so it is read before the keys are checked.
    const auto kind_at = peek_key(at, "distribution");
    if (!kind_at) at.fail("missing required key \"distribution\" (constant, normal, uniform or lognormal)");
    distribution d;
    d.shape = read_choice<distribution::kind>(*kind_at, distribution_kinds);
    switch (d.shape) {
    case distribution::kind::constant: {
        const map_view m(at, {"distribution", "value"}, "a constant distribution");
        const node_at value = m.required("value");
        d.value = read_quantity(value, dim);
        check(value, "value", d.value);
        break;
    }
    case distribution::kind::uniform: {
        const map_view m(at, {"distribution", "low", "high"}, "a uniform distribution");
        const node_at low = m.required("low"), high = m.required("high");
        d.low = read_quantity(low, dim);
        d.high = read_quantity(high, dim);
        if (!(d.low < d.high)) {
            high.fail("high " + format_quantity(d.high, dim) + " must be above low " + format_quantity(d.low, dim));
        }
        if (limit)
            check(limit->bound == side::at_least ? low : high, limit->bound == side::at_least ? "low" : "high",
                  limit->bound == side::at_least ? d.low : d.high);
        break;
    }
    case distribution::kind::normal:
    case distribution::kind::lognormal: {
        const bool lognormal = d.shape == distribution::kind::lognormal;
        const map_view m(at, {"distribution", "mean", "sd", "min", "max"},
                         lognormal ? "a lognormal distribution" : "a normal distribution");
        const node_at mean = m.required("mean"), sd = m.required("sd");
        d.mean = read_quantity(mean, dim);
        d.sd = read_quantity(sd, dim);
        if (d.sd < 0.0) sd.fail("sd " + format_quantity(d.sd, dim) + " is negative; expected sd ≥ 0");
        if (lognormal && !(d.mean > 0.0)) {
            mean.fail("mean " + format_quantity(d.mean, dim) + " of a lognormal distribution must be > 0");
        }
        // A mean beyond the limit would clip most draws to the limit: surely a sign slip.
        check(mean, "mean", d.mean);
        const auto min = m.find("min"), max = m.find("max");
        if (min) {
            d.min = read_quantity(*min, dim);
            check(*min, "min", d.min);
        }
        if (max) {
            d.max = read_quantity(*max, dim);
            check(*max, "max", d.max);
        }
        if (min && max && d.min > d.max) {
            max->fail("max " + format_quantity(d.max, dim) + " is below min " + format_quantity(d.min, dim));
        }
        if (limit && limit->bound == side::at_least && !min) d.min = limit->limit;
        if (limit && limit->bound == side::at_most && !max) d.max = limit->limit;
        break;
    }
    }
    return d;
}

bool is_multiple_of(double x, double step) {
    const double n = std::round(x / step);
    return std::abs(x - n * step) <= 1e-9 * std::max(std::abs(x), step);
}

std::int64_t require_steps(const node_at& at, double value, double dt) {
    if (const auto steps = model::checked_steps(value, dt)) return *steps;
    const double longest = static_cast<double>(model::max_steps) * dt;
    at.fail("expected a time of at most " + format_quantity(longest, dimension::time) +
            " (2^53 steps of dt = " + derived_time(dt) + "), got " + format_quantity(value, dimension::time));
}

std::string derived_time(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.12g", ms);
    return format_quantity(std::strtod(text, nullptr), dimension::time);
}

}  // namespace synorm::config::detail
