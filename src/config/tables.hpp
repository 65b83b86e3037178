// Populations, projections and inputs from CSV tables (`tables:`, config/README.md "tables"): each
// row of a table becomes one entry of its section, built from the table's `template` with "{column}"
// replaced by the row's cell. The reader reads the entry as if the file had held it, one row at a
// time, so the tree of a table's entries never exists whole. A rates table (`tables.rates`) gives a
// rate per population instead: each row becomes {rate: ...}, named by its `name` pattern. Private to
// the config module.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "yaml_reader.hpp"

namespace synorm::config::detail {

enum class table_section { populations, projections, inputs, rates };

struct compiled_table;  // tables.cpp

// The `tables` section with its files read and their templates checked against their headers.
class table_set {
public:
    // `at`: the `tables` map, if any. Files are found relative to the directory of the configuration
    // file (document::file) joined with `tables.directory`.
    explicit table_set(const std::optional<node_at>& at);
    ~table_set();
    table_set(const table_set&) = delete;
    table_set& operator=(const table_set&) = delete;

    // The rows of every table of `section`, for the length checks made before any entry is read.
    std::size_t rows(table_section section) const;

    // Builds the entry of each row of each table of `section`, in file order, registers its origin
    // with the document and hands it to `read`. `path_of(k)` is the key path of the k-th entry the
    // section's tables build (populations and rates: by name, so it is ignored there). For populations
    // and rates `name` holds the node of the entry's name (from the table's `name` pattern); otherwise
    // it is empty. A rates entry is the map {rate: ...} at key path `rates.<name>`. `weight_factor`: the
    // table's (projections; 1 otherwise), for the reader to apply to the entry's weight.
    void expand(table_section section, const std::function<std::string(std::size_t)>& path_of,
                const std::function<void(const node_at& name, const node_at& entry, double weight_factor)>& read) const;

private:
    const document* doc_ = nullptr;
    std::vector<std::unique_ptr<compiled_table>> tables_;
};

}  // namespace synorm::config::detail
