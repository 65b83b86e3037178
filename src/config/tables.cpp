// Entries from CSV tables (tables.hpp): the files, the templates and the rows' entries.
#include "tables.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "synorm/config/loader.hpp"
#include "synorm/config/units.hpp"

namespace synorm::config::detail {
namespace {

constexpr std::string_view section_names[] = {"populations", "projections", "inputs", "rates"};

// A CSV file read whole (RFC 4180: fields separated by commas, quoted with '"' where they hold a
// comma, a quote ("") or a line break; spaces around an unquoted field dropped; blank lines skipped).
// The cells are kept back to back in one string, so a table of thousands of rows costs its text
// and one offset per cell.
struct csv_data {
    std::vector<std::string> header;
    std::string cells;
    std::vector<std::uint32_t> starts;  // rows × columns offsets into `cells`, and the end
    std::vector<std::uint32_t> lines;   // the line each row starts on (the header is line 1)

    std::size_t rows() const { return lines.size(); }
    std::string_view cell(std::size_t row, std::size_t column) const {
        const std::size_t k = row * header.size() + column;
        return std::string_view(cells).substr(starts[k], starts[k + 1] - starts[k]);
    }
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// `fail(line, message)` throws; the parse stops at the first error.
template <class Fail>
csv_data parse_csv(const std::string& text, const Fail& fail) {
    csv_data data;
    std::size_t pos = 0;
    std::uint32_t line = 1;
    const std::size_t n = text.size();
    if (text.starts_with("\xEF\xBB\xBF")) pos = 3;  // a UTF-8 byte order mark
    std::vector<std::string> fields;
    while (pos < n) {
        const std::uint32_t record_line = line;
        if (text[pos] == '\n' || (text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n')) {
            pos += text[pos] == '\r' ? 2 : 1;
            ++line;
            continue;
        }
        fields.clear();
        for (;;) {
            std::string field;
            if (text[pos] == '"') {
                const std::uint32_t opened = line;
                ++pos;
                for (;;) {
                    if (pos >= n) fail(opened, "a quoted field is never closed (no matching '\"')");
                    if (text[pos] == '"') {
                        if (pos + 1 < n && text[pos + 1] == '"') {
                            field += '"';
                            pos += 2;
                            continue;
                        }
                        ++pos;
                        break;
                    }
                    if (text[pos] == '\n') ++line;
                    field += text[pos++];
                }
                while (pos < n && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
                if (pos < n && text[pos] != ',' && text[pos] != '\r' && text[pos] != '\n')
                    fail(line, "expected a comma or the end of the line after a quoted field, got '" +
                                   std::string(1, text[pos]) + "'");
            } else {
                const std::size_t begin = pos;
                while (pos < n && text[pos] != ',' && text[pos] != '\r' && text[pos] != '\n') ++pos;
                field = trim(std::string_view(text).substr(begin, pos - begin));
            }
            fields.push_back(std::move(field));
            if (pos < n && text[pos] == ',') {
                ++pos;
                if (pos >= n || text[pos] == '\r' || text[pos] == '\n') fields.emplace_back();
                if (pos < n && text[pos] != '\r' && text[pos] != '\n') continue;
            }
            if (pos < n && text[pos] == '\r') ++pos;
            if (pos < n && text[pos] == '\n') {
                ++pos;
                ++line;
            }
            break;
        }
        if (data.header.empty()) {
            for (std::size_t i = 0; i < fields.size(); ++i) {
                if (fields[i].empty())
                    fail(record_line, "column " + std::to_string(i + 1) + " of the header has no name");
                for (std::size_t j = 0; j < i; ++j)
                    if (fields[j] == fields[i])
                        fail(record_line, "the header names column \"" + fields[i] + "\" twice");
            }
            data.header = fields;
            continue;
        }
        if (fields.size() != data.header.size()) {
            fail(record_line, "expected " + std::to_string(data.header.size()) + " fields as in the header, got " +
                                  std::to_string(fields.size()));
        }
        for (const std::string& f : fields) {
            data.starts.push_back(static_cast<std::uint32_t>(data.cells.size()));
            data.cells += f;
        }
        if (data.cells.size() > UINT32_MAX / 2) fail(record_line, "the table is larger than 2 GiB");
        data.lines.push_back(record_line);
    }
    if (data.header.empty()) fail(0, "the file is empty; expected a header line with the column names");
    data.starts.push_back(static_cast<std::uint32_t>(data.cells.size()));
    return data;
}

// A column of the table, or a derived column (`derived.<name>`: the text `values` gives for a
// column's cell).
struct derived_column {
    std::string name;
    std::size_t column = 0;
    std::string path;  // tables.<section>[i].derived.<name>.values, for messages
    std::vector<std::pair<std::string, std::string>> values;
};

// Text with "{column}" placeholders ("{{" and "}}" are braces). A part is literal text (column < 0)
// or a column: ≥ 0 a column of the table, else derived column −column − 1.
struct pattern {
    struct part {
        std::string text;
        long column = -1;  // see above; the literal text is `text` when the part is no column
        bool literal = true;
    };
    std::vector<part> parts;
    std::string columns;  // the columns it reads, joined by ","
};

// The template as a tree: a node of the template kept as it is (copied into every row), text to
// fill, a map or a list. A map's `bounds` key holds an interval "[low,high)" that becomes min and max.
struct template_node {
    enum class kind { literal, text, map, list } shape = kind::literal;
    YAML::Node node;  // literal
    pattern text;     // text
    // A map's keys and values in file order, apart: a pair would need template_node complete here.
    std::vector<YAML::Node> keys;
    std::vector<template_node> values;
    std::vector<bool> bounds;          // map: whether each entry is `bounds`
    std::vector<template_node> items;  // list
};

}  // namespace

struct compiled_table {
    table_section section = table_section::populations;
    std::string path;  // tables.<section>[i]
    std::string file;  // as shown in messages: the configuration's folder / directory / file
    csv_data data;
    std::vector<derived_column> derived;
    std::optional<pattern> name;  // populations and rates
    template_node entry;
    std::vector<table_leaf> leaves;
    // `where` and `unless`: pairs of patterns; a row is kept when every `where` pair fills to equal
    // texts and not every `unless` pair does (no `unless`: none drops it).
    std::vector<std::pair<pattern, pattern>> where, unless;
    std::vector<std::uint32_t> kept;  // the rows kept, ascending
    double weight_factor = 1.0;       // projections: multiplies every row's weight (and its plasticity's bounds)
};

namespace {

[[noreturn]] void fail_cell(const compiled_table& t, std::size_t row, const std::string& columns,
                            const std::string& path, const std::string& message) {
    throw config_error(t.file, static_cast<int>(t.data.lines[row]), columns, path, message);
}

pattern compile_pattern(const node_at& at, const std::string& text, const csv_data& data,
                        const std::vector<derived_column>& derived, const std::string& file) {
    pattern p;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            literal += c;
            ++i;
            continue;
        }
        if (c == '}') at.fail("unmatched '}' in \"" + text + "\"; write \"}}\" for a brace");
        if (c != '{') {
            literal += c;
            continue;
        }
        const std::size_t close = text.find('}', i);
        if (close == std::string::npos) at.fail("unmatched '{' in \"" + text + "\"; write \"{{\" for a brace");
        const std::string name(trim(std::string_view(text).substr(i + 1, close - i - 1)));
        std::optional<long> found;
        for (std::size_t d = 0; d < derived.size() && !found; ++d)
            if (derived[d].name == name) found = -static_cast<long>(d) - 1;
        for (std::size_t h = 0; h < data.header.size() && !found; ++h)
            if (data.header[h] == name) found = static_cast<long>(h);
        if (!found) {
            std::vector<std::string_view> known(data.header.begin(), data.header.end());
            for (const derived_column& d : derived) known.push_back(d.name);
            at.fail("no column \"" + name + "\" in " + file + "; columns: " + join_words(known));
        }
        const long column = *found;
        if (!literal.empty()) p.parts.push_back({literal, -1, true});
        literal.clear();
        p.parts.push_back({"", column, false});
        const std::string shown = column >= 0 ? data.header[column] : derived[-column - 1].name;
        if (p.columns.find(shown) == std::string::npos) p.columns += (p.columns.empty() ? "" : ",") + shown;
        i = close;
    }
    if (!literal.empty()) p.parts.push_back({literal, -1, true});
    return p;
}

bool has_placeholder(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{' && !(i + 1 < text.size() && text[i + 1] == '{')) return true;
        if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) ++i;
    }
    return text.find('}') != std::string::npos;
}

template_node compile(const node_at& at, compiled_table& t, const std::string& below) {
    template_node out;
    if (at.node.IsMap()) {
        out.shape = template_node::kind::map;
        for (const auto& entry : at.node) {
            const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
            const node_at value{at.doc, entry.second, join_path(at.path, key)};
            const bool bounds = key == "bounds";
            if (bounds) {
                for (const auto& other : at.node) {
                    if (other.first.IsScalar() && (other.first.Scalar() == "min" || other.first.Scalar() == "max"))
                        value.fail("give either bounds or min and max, not both");
                }
                if (!value.node.IsScalar())
                    value.fail("expected an interval like \"[0,inf)\", got " + describe(value.node));
            }
            const std::size_t leaves_before = t.leaves.size();
            out.keys.push_back(entry.first);
            out.values.push_back(compile(value, t, below + "." + key));
            out.bounds.push_back(bounds);
            if (bounds) {
                // An interval's columns fill min and max.
                const template_node& filled = out.values.back();
                const std::string columns = filled.shape == template_node::kind::text ? filled.text.columns : "";
                t.leaves.resize(leaves_before);
                if (!columns.empty()) {
                    t.leaves.push_back({below + ".min", columns});
                    t.leaves.push_back({below + ".max", columns});
                }
            }
        }
    } else if (at.node.IsSequence()) {
        out.shape = template_node::kind::list;
        for (std::size_t i = 0; i < at.node.size(); ++i)
            out.items.push_back(compile(at.item(i), t, below + "[" + std::to_string(i) + "]"));
    } else if (at.node.IsScalar() && has_placeholder(at.node.Scalar())) {
        out.shape = template_node::kind::text;
        out.text = compile_pattern(at, at.node.Scalar(), t.data, t.derived, t.file);
        t.leaves.push_back({below, out.text.columns});
    } else {
        out.node = at.node;
    }
    return out;
}

std::string fill(const compiled_table& t, std::size_t row, const pattern& p, const std::string& path) {
    std::string text;
    for (const pattern::part& part : p.parts) {
        if (part.literal) {
            text += part.text;
            continue;
        }
        if (part.column >= 0) {
            const std::string_view cell = t.data.cell(row, static_cast<std::size_t>(part.column));
            if (cell.empty())
                fail_cell(t, row, t.data.header[part.column], path, "empty cell; expected a value for this key");
            text += cell;
            continue;
        }
        const derived_column& d = t.derived[-part.column - 1];
        const std::string_view cell = t.data.cell(row, d.column);
        const std::string* found = nullptr;
        for (const auto& [from, to] : d.values)
            if (from == cell) found = &to;
        if (!found) {
            std::vector<std::string_view> given;
            for (const auto& value : d.values) given.push_back(value.first);
            fail_cell(t, row, t.data.header[d.column], path,
                      "no value for \"" + std::string(cell) + "\" in " + d.path + " (given for: " + join_words(given) +
                          ")");
        }
        text += *found;
    }
    return text;
}

// "[0,inf) pA" → min "0 pA" (and no max). Brackets may be round or square: the bounds of a
// continuous distribution hold with probability 1 either way.
std::pair<std::optional<std::string>, std::optional<std::string>> interval(const std::string& text,
                                                                           const std::function<void()>& bad) {
    const std::string_view s = trim(text);
    const std::size_t close = s.find_first_of(")]");
    const std::size_t comma = s.find(',');
    if (s.empty() || (s[0] != '[' && s[0] != '(') || close == std::string_view::npos ||
        comma == std::string_view::npos || comma > close)
        bad();
    const std::string_view low = trim(s.substr(1, comma - 1)), high = trim(s.substr(comma + 1, close - comma - 1));
    const std::string unit(trim(s.substr(close + 1)));
    const auto bound = [&](std::string_view b, std::string_view infinite) -> std::optional<std::string> {
        if (b == infinite || (infinite == "inf" && b == "+inf")) return std::nullopt;
        if (b.empty() || b == "inf" || b == "+inf" || b == "-inf") bad();
        return std::string(b) + (unit.empty() ? "" : " " + unit);
    };
    return {bound(low, "-inf"), bound(high, "inf")};
}

YAML::Node build(const compiled_table& t, std::size_t row, const template_node& n, const std::string& path) {
    switch (n.shape) {
    // A copy: a node of the template inserted into each row's tree would merge every row's nodes
    // into the template's memory (yaml-cpp keeps one pool per connected tree), which never shrinks.
    case template_node::kind::literal: return YAML::Clone(n.node);
    case template_node::kind::text: return YAML::Node(fill(t, row, n.text, path));
    case template_node::kind::list: {
        YAML::Node list(YAML::NodeType::Sequence);
        for (std::size_t i = 0; i < n.items.size(); ++i)
            list.push_back(build(t, row, n.items[i], path + "[" + std::to_string(i) + "]"));
        return list;
    }
    case template_node::kind::map: break;
    }
    YAML::Node map(YAML::NodeType::Map);
    for (std::size_t i = 0; i < n.keys.size(); ++i) {
        const YAML::Node& key = n.keys[i];
        const template_node& value = n.values[i];
        const std::string key_path = join_path(path, key.IsScalar() ? key.Scalar() : "");
        if (!n.bounds[i]) {
            map.force_insert(YAML::Node(key.Scalar()), build(t, row, value, key_path));
            continue;
        }
        const std::string text =
            value.shape == template_node::kind::text ? fill(t, row, value.text, key_path) : value.node.Scalar();
        const auto [low, high] = interval(text, [&] {
            const std::string message =
                "expected an interval like \"[0,inf)\" or \"(-inf,0] pA\", got \"" + text + "\"";
            if (value.shape == template_node::kind::text) fail_cell(t, row, value.text.columns, key_path, message);
            throw config_error(t.file, static_cast<int>(t.data.lines[row]), std::string(), key_path, message);
        });
        if (low) map.force_insert(YAML::Node("min"), YAML::Node(*low));
        if (high) map.force_insert(YAML::Node("max"), YAML::Node(*high));
    }
    return map;
}

std::string read_file(const node_at& at, const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) at.fail("cannot open " + path + ": is a directory");
    // A FIFO or a device would block the read forever (or never end), as for the configuration file.
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
        at.fail("cannot open " + path + ": not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) at.fail("cannot open " + path + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) at.fail("cannot read " + path + ": " + std::strerror(errno));
    return text.str();
}

}  // namespace

table_set::table_set(const std::optional<node_at>& at) {
    if (!at) return;
    doc_ = at->doc;
    const map_view m(*at, {"directory", "populations", "projections", "inputs", "rates"});
    std::filesystem::path folder = std::filesystem::path(doc_->file()).parent_path();
    if (const auto directory = m.find("directory")) folder /= read_string(*directory);
    for (std::size_t s = 0; s < std::size(section_names); ++s) {
        const auto given = m.find(section_names[s]);
        if (!given) continue;
        const auto section = static_cast<table_section>(s);
        // One table (a map) or several (a list of maps).
        std::vector<node_at> entries = given->node.IsMap() ? std::vector<node_at>{*given} : given->items();
        for (const node_at& entry : entries) {
            const bool named = section == table_section::populations || section == table_section::rates;
            std::vector<std::string_view> keys{"file", "derived"};
            if (named) keys.insert(keys.begin() + 1, "name");
            keys.emplace_back(section == table_section::rates ? "rate" : "template");
            if (section != table_section::rates) keys.insert(keys.end(), {"where", "unless"});
            if (section == table_section::projections) keys.emplace_back("weight_factor");
            const map_view tm(entry, keys, "a table of " + std::string(section_names[s]));
            auto t = std::make_unique<compiled_table>();
            t->section = section;
            t->path = entry.path;
            const node_at file_at = tm.required("file");
            t->file = (folder / read_string(file_at)).lexically_normal().string();
            const std::string text = read_file(file_at, t->file);
            t->data = parse_csv(text, [&](std::uint32_t line, const std::string& message) {
                throw config_error(t->file, static_cast<int>(line), std::string(), file_at.path, message);
            });
            if (const auto derived = tm.find("derived")) {
                for (const auto& [name_at, value_at] : named_entries(*derived, "derived column")) {
                    const map_view dm(value_at, {"column", "values"});
                    derived_column d;
                    d.name = name_at.node.Scalar();
                    d.path = join_path(value_at.path, "values");
                    const node_at column_at = dm.required("column");
                    const std::string column = read_string(column_at);
                    const auto found = std::find(t->data.header.begin(), t->data.header.end(), column);
                    if (found == t->data.header.end()) {
                        column_at.fail("no column \"" + column + "\" in " + t->file +
                                       "; columns: " + join_words({t->data.header.begin(), t->data.header.end()}));
                    }
                    d.column = static_cast<std::size_t>(found - t->data.header.begin());
                    const node_at values_at = dm.required("values");
                    expect_map(values_at, "a map from cell text to the text it stands for");
                    for (const auto& value : values_at.node) {
                        const node_at v{values_at.doc, value.second, join_path(values_at.path, value.first.Scalar())};
                        d.values.emplace_back(value.first.Scalar(), read_string(v));
                    }
                    t->derived.push_back(std::move(d));
                }
            }
            if (named) {
                const node_at name_at = tm.required("name");
                t->name = compile_pattern(name_at, read_string(name_at), t->data, t->derived, t->file);
                if (section == table_section::rates) t->leaves.push_back({".name", t->name->columns});
            }
            if (section == table_section::rates) {
                // The entry {rate: <the rate's text>}.
                const node_at rate_at = tm.required("rate");
                if (!rate_at.node.IsScalar())
                    rate_at.fail("expected a rate like \"{rate_Hz} Hz\", got " + describe(rate_at.node));
                t->entry.shape = template_node::kind::map;
                t->entry.keys.emplace_back("rate");
                t->entry.values.push_back(compile(rate_at, *t, ".rate"));
                t->entry.bounds.push_back(false);
                for (std::size_t row = 0; row < t->data.rows(); ++row)
                    t->kept.push_back(static_cast<std::uint32_t>(row));
                tables_.push_back(std::move(t));
                continue;
            }
            const node_at template_at = tm.required("template");
            expect_map(template_at, "a map: the entry each row becomes, with \"{column}\" for the row's cells");
            t->entry = compile(template_at, *t, "");
            for (const auto& [key, list] : {std::pair{"where", &t->where}, std::pair{"unless", &t->unless}}) {
                const auto given_at = tm.find(key);
                if (!given_at) continue;
                expect_map(*given_at, "a map from a \"{column}\" text to the text it must equal");
                for (const auto& entry : given_at->node) {
                    const std::string path = join_path(given_at->path, entry.first.Scalar());
                    const node_at left_at{given_at->doc, entry.first, path},
                        right_at{given_at->doc, entry.second, path};
                    list->emplace_back(compile_pattern(left_at, read_string(left_at), t->data, t->derived, t->file),
                                       compile_pattern(right_at, read_string(right_at), t->data, t->derived, t->file));
                }
            }
            const auto holds =
                [&](const std::vector<std::pair<pattern, pattern>>& pairs, std::size_t row, const char* key) {
                const std::string path = t->path + "." + key;
                return std::all_of(pairs.begin(), pairs.end(), [&](const auto& pair) {
                    return fill(*t, row, pair.first, path) == fill(*t, row, pair.second, path);
                });
            };
            if (const auto factor_at = tm.find("weight_factor")) {
                // A number, not a "{column}" text: one factor for the table (its rows split by where/unless).
                t->weight_factor = read_number(*factor_at);
                if (!(t->weight_factor > 0.0) || !std::isfinite(t->weight_factor))
                    factor_at->fail("expected a number > 0, got " + format_number(t->weight_factor));
            }
            for (std::size_t row = 0; row < t->data.rows(); ++row)
                if (holds(t->where, row, "where") && (t->unless.empty() || !holds(t->unless, row, "unless")))
                    t->kept.push_back(static_cast<std::uint32_t>(row));
            tables_.push_back(std::move(t));
        }
    }
}

table_set::~table_set() = default;

std::size_t table_set::rows(table_section section) const {
    std::size_t n = 0;
    for (const auto& t : tables_)
        if (t->section == section) n += t->kept.size();
    return n;
}

void table_set::expand(
    table_section section, const std::function<std::string(std::size_t)>& path_of,
    const std::function<void(const node_at& name, const node_at& entry, double weight_factor)>& read) const {
    std::size_t k = 0;
    for (const auto& t : tables_) {
        if (t->section != section) continue;
        for (const std::size_t row : t->kept) {
            std::string path;
            YAML::Node name;
            if (t->name) {
                name = YAML::Node(fill(*t, row, *t->name, t->path + ".name"));
                path = join_path(section == table_section::rates ? "rates" : "populations", name.Scalar());
            } else {
                path = path_of(k);
            }
            doc_->add_table_row({path, &t->file, &t->leaves, t->data.lines[row]});
            if (section == table_section::populations) {
                // Names become HDF5 groups and --set paths: checked here, where the columns are known.
                const std::string& text = name.Scalar();
                bool valid = !text.empty() && !(text[0] >= '0' && text[0] <= '9') && text[0] != '-';
                for (char c : text) {
                    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                      c == '_' || c == '-');
                }
                if (!valid) {
                    fail_cell(*t, row, t->name->columns, path,
                              "invalid population name \"" + text +
                                  "\" from the name pattern; names use letters, digits, '_' and '-' and start with "
                                  "a letter or '_'");
                }
            }
            const std::string name_path = section == table_section::rates ? path + ".name" : path;
            read(node_at{doc_, name, name_path}, node_at{doc_, build(*t, row, t->entry, path), path}, t->weight_factor);
            ++k;
        }
    }
}

}  // namespace synorm::config::detail
