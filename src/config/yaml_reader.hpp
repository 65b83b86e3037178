// Reading a YAML tree with errors that name file:line:col, the key path and what was expected.
// Private to the config module: nothing outside src/config sees yaml-cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "schema.hpp"
#include "synorm/config/units.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::config::detail {

// A part of the tree that a `--set` override wrote. Errors inside it blame the override, since the
// file never contained that text.
struct override_origin {
    std::string path;  // normalised key path, e.g. "projections[0].weight"
    std::string text;  // as the user wrote it, e.g. "--set projections.0.weight"
};

// Where the keys of an entry built from a row of a data table (tables.*, tables.hpp) came from:
// the table's file, the row's line, and for each key of the template that a cell filled, its path
// below the entry ("weight.mean" is ".weight.mean") and the column(s).
struct table_leaf {
    std::string path;     // below the entry: ".size", ".weight.mean", ".weight.min"
    std::string columns;  // "weight_mean_pA"; several joined by ","
};
struct table_row_origin {
    std::string path;  // the entry's key path: "populations.V1_23E", "projections[17]"
    const std::string* file = nullptr;
    const std::vector<table_leaf>* leaves = nullptr;
    std::uint32_t line = 0;  // 1-based line of the file where the row starts
};

// The parsed configuration's provenance: the file it came from, the overrides applied to it and
// the rows of data tables its entries were built from.
class document {
public:
    document(std::string file, std::vector<override_origin> overrides)
        : file_(std::move(file)), overrides_(std::move(overrides)) {}

    const std::string& file() const { return file_; }
    // Throws config_error located at `at` (or at the override that wrote it, or the table cell).
    [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& message) const;
    // Records that the entry at `origin.path` was built from a table's row; later errors in it name the cell.
    // The reader registers a row as it reads the entry; origins are kept for the checks after the walk.
    void add_table_row(table_row_origin origin) const { table_rows_.push_back(std::move(origin)); }

private:
    std::string file_;
    std::vector<override_origin> overrides_;  // in the order they were applied
    mutable std::vector<table_row_origin> table_rows_;
};

// A node and its key path, so that anything read from it can report where it was.
struct node_at {
    const document* doc = nullptr;
    YAML::Node node;
    std::string path;

    [[noreturn]] void fail(const std::string& message) const { doc->fail(node, path, message); }
    node_at item(std::size_t index) const;  // sequence element, path "path[index]"
    // Fails unless the node is a sequence; returns its elements.
    std::vector<node_at> items() const;
};

std::string join_path(std::string_view parent, std::string_view key);
std::string join_words(const std::vector<std::string_view>& words);  // "a, b, c"
// What a node holds, for "got …" in messages: "\"text\"", "a map", "a list" or "nothing".
std::string describe(const YAML::Node& node);

// A map whose keys are checked once against the keys it accepts: unknown keys, duplicate keys and
// non-scalar keys are errors, so a misspelling never silently falls back to a default.
class map_view {
public:
    // `context` completes "unknown key for …" when the accepted keys depend on another key
    // ("a lif_delta neuron").
    map_view(node_at at, std::initializer_list<std::string_view> accepted, std::string_view context = {});
    map_view(node_at at, const std::vector<std::string_view>& accepted, std::string_view context = {});

    std::optional<node_at> find(std::string_view key) const;
    node_at required(std::string_view key) const;  // missing → error pointing at this map
    bool has(std::string_view key) const { return find(key).has_value(); }
    const node_at& self() const { return at_; }

private:
    node_at at_;
};

// Looks a key up before the map's keys are checked, for the key that decides which others belong
// (a neuron's model, a connection's rule, an input's kind).
std::optional<node_at> peek_key(const node_at& map, std::string_view key);

// Fails unless `at` is a map (of any keys); `what` names the expected content in the message.
void expect_map(const node_at& at, std::string_view what);

// The entries of a map whose keys are names chosen by the user (populations): each key must be a
// scalar, distinct and a valid name (with `patterns`, '*' may stand among its characters). Returns
// (name node, value node) pairs in file order.
std::vector<std::pair<node_at, node_at>> named_entries(const node_at& at, std::string_view what, bool patterns = false);

// Names end up as HDF5 group names and as components of --set paths, so they are restricted to
// letters, digits, '_' and '-', starting with a letter or '_' (with `patterns`, '*' too).
std::string read_name(const node_at& at, std::string_view what, bool patterns = false);

// Typed scalars. Each fails with "expected <what>, got <what was there>".
std::string read_string(const node_at& at);
double read_number(const node_at& at);
std::uint64_t read_unsigned(const node_at& at, std::uint64_t minimum = 0);
// The same, refusing values above `maximum` (README "Limits"), named with `why` in the message.
std::uint64_t read_unsigned(const node_at& at, std::uint64_t minimum, std::uint64_t maximum, std::string_view why);
// Counts of synapses (in-degrees, numbers) and of input sources: at most 2^53, exact in the double
// arithmetic of the memory estimate, the multinomial split and the Poisson tables.
inline constexpr std::uint64_t max_count = std::uint64_t{1} << 53;
inline std::uint64_t read_count(const node_at& at) { return read_unsigned(at, 1, max_count, "2^53, exact in double"); }
bool read_bool(const node_at& at);
double read_quantity(const node_at& at, dimension dim);

// One of a fixed set of words; the message lists them.
template <class T>
T read_choice(const node_at& at, std::span<const choice<T>> choices) {
    const std::string word = read_string(at);
    std::string listed;
    for (const choice<T>& c : choices) {
        if (c.name == word) return c.value;
        listed += (listed.empty() ? "" : ", ") + std::string(c.name);
    }
    at.fail("unknown value \"" + word + "\"; expected one of " + listed);
}

// A limit that every draw of a distribution must respect: weights keep their sign, delays are at
// least one time step. Normal and lognormal draws without an explicit bound on that side are
// clipped there instead.
struct draw_limit {
    enum class side { at_least, at_most } bound = side::at_least;
    double limit = 0.0;
    std::string limit_text;  // completes "<key> <value> is below <limit_text>"
};

// Fails at `at` when `value` (the key's value, named `what` in the message) violates the limit.
void check_limit(const node_at& at, std::string_view what, double value, dimension dim, const draw_limit& limit);

// A quantity (a constant) or a distribution map, all values in `dim`.
model::distribution read_distribution(const node_at& at, dimension dim,
                                      const std::optional<draw_limit>& limit = std::nullopt);

// True when `x` is a whole multiple of `step` to within 1e-9 relative.
bool is_multiple_of(double x, double step);

// The one check of a time that becomes a number of steps (README "Limits"): fails at `at` unless
// round(value / dt) is within model::max_steps. Returns that count.
std::int64_t require_steps(const node_at& at, double value, double dt);

// A time in ms for a message, with 12 significant digits: 3 × 0.1 ms reads "0.3 ms", not
// "0.30000000000000004 ms", and a tiny dt never reads "0.000000 ms".
std::string derived_time(double ms);

}  // namespace synorm::config::detail
