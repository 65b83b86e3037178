// spec_reader, which walks a configuration's YAML tree into a model_spec, and the small helpers its
// parts share. Its methods are defined by part of the schema: loader.cpp, homeostasis_keys.cpp,
// plasticity_keys.cpp, input_keys.cpp and recording_keys.cpp.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "key_tables.hpp"
#include "resolved_yaml.hpp"
#include "schema.hpp"
#include "tables.hpp"
#include "yaml_reader.hpp"

namespace synorm::config::detail {

using model::cell_type;

inline void require_positive(const node_at& at, double value, dimension dim) {
    if (!(value > 0.0)) {
        at.fail("expected a " + std::string(dimension_name(dim)) + " > 0, got " + format_quantity(value, dim));
    }
}

inline void require_non_negative(const node_at& at, double value, dimension dim) {
    if (!(value >= 0.0)) {
        at.fail("expected a " + std::string(dimension_name(dim)) + " ≥ 0, got " + format_quantity(value, dim));
    }
}

// Reads `key` into `value` when it is given; returns its node for further checks.
inline std::optional<node_at> read_into(const map_view& m, std::string_view key, dimension dim, double& value) {
    auto at = m.find(key);
    if (at) value = read_quantity(*at, dim);
    return at;
}

// Random streams are keyed by a 16-bit index of their population, projection, input or pattern
// (model/random_stream.hpp): more of them would share streams. Checked on the list's length before its
// entries are read, since some checks compare every entry with the others.
inline constexpr std::size_t max_indexed = std::size_t{1} << 16;
inline void require_indexable(const node_at& list, std::size_t n, std::string_view what) {
    if (n > max_indexed) {
        list.fail("expected at most " + std::to_string(max_indexed) + " " + std::string(what) +
                  " (random streams are keyed by a 16-bit index), got " + std::to_string(n));
    }
}

inline std::string neurons(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " neuron" : " neurons"); }

// A count under network.scale: exact when unscaled; otherwise rounded, and a nonzero count never
// scales away to nothing. Fails at `at` when the count exceeds `limit` (README "Limits"), before
// anything rounds or multiplies it; `what` and `why` complete "expected <what> of at most <limit> (<why>)".
std::uint64_t scaled(const node_at& at, std::uint64_t n, double factor, std::uint64_t limit, const std::string& what,
                     const std::string& why, const std::string& scale_note);

// A reference by name: the index of the entry of `specs` (populations, projections) with that name.
template <class Specs>
std::uint32_t index_by_name(const node_at& at, const Specs& specs, const std::string& what) {
    const std::string name = read_string(at);
    std::vector<std::string_view> names;
    for (std::uint32_t i = 0; i < specs.size(); ++i) {
        if (specs[i].name == name) return i;
        names.push_back(specs[i].name);
    }
    at.fail("unknown " + what + " \"" + name + "\"; " + what + "s: " + (names.empty() ? "none" : join_words(names)));
}

// Walks the tree once, in dependency order (time step before delays, populations before
// projections, projections before weight recorders), filling a model_spec in internal units.
class spec_reader {
public:
    explicit spec_reader(node_at root) : root_(std::move(root)) {}

    model::model_spec read();
    const applied_scaling& scaling() const { return scaling_; }
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    void read_simulation(const std::optional<node_at>& at);
    void read_network(const std::optional<node_at>& at);
    void read_populations(const std::optional<node_at>& at, const table_set& tables);
    void read_population(const node_at& name_at, const node_at& value_at);
    void read_neuron(const node_at& at, model::population_spec& pop);
    void read_source(const node_at& at, model::population_spec& pop);
    void read_e_gaba(const node_at& at, model::population_spec& pop);
    void read_normalization(const node_at& at, model::population_spec& pop);
    void check_normalization() const;
    void read_metaplasticity(const node_at& at, model::population_spec& pop);
    void check_metaplasticity() const;
    void read_homeostasis_recorders(const node_at& at);
    void read_calcium(const node_at& at, model::population_spec& pop);
    void read_scaling(const node_at& at, model::population_spec& pop);
    void read_branches(const node_at& at, model::population_spec& pop);
    void read_branch_sources();
    void read_projections(const std::optional<node_at>& at, const table_set& tables);
    // weight_factor: a projections table's `weight_factor` (1 for the `projections` list).
    void read_projection(const node_at& item, bool from_table, double weight_factor);
    void read_connect(const node_at& at, model::projection_spec& proj);
    void bound_group_delays();
    void check_delays();
    void read_plasticity(const node_at& at, const node_at& weight_at, model::projection_spec& proj);
    void read_pruning(const node_at& at, model::projection_spec& proj);
    void check_pruning() const;
    void read_rate_table(const table_set& tables);
    void read_compensation();
    void compensate_inputs();
    void read_inputs(const std::optional<node_at>& at, const table_set& tables);
    void read_input(const node_at& item);
    void read_pattern(const node_at& item);
    void check_patterns();
    template <class Input>
    void read_input_span(const map_view& m, Input& input);
    void read_recording(const std::optional<node_at>& at);
    void read_state_recorders(const node_at& at);
    void read_weight_recorders(const node_at& at);
    void read_homeostasis(const std::optional<node_at>& at);
    void read_checks(const std::optional<node_at>& at);
    void read_comm(const std::optional<node_at>& at);
    void read_dry_run(const std::optional<node_at>& at);

    std::uint32_t population_ref(const node_at& at) const;
    std::uint32_t projection_ref(const node_at& at) const;
    draw_limit weight_limit(cell_type receptor, const std::string& sign_from,
                            const model::population_spec& target) const;
    draw_limit delay_limit() const;
    void require_multiple_of_dt(const node_at& at, double value) const;
    std::string scale_note() const;

    // How a projection's mean in-degree changes under scaling, for network.compensation.
    struct indegree_change {
        double full = 0.0;    // mean in-degree before scaling
        double factor = 1.0;  // scaled mean in-degree / full
    };

    node_at root_;
    model::model_spec spec_;
    double scale_ = 1.0;                      // network.scale
    double indegree_scale_ = 1.0;             // network.indegree_scale; network.scale unless given
    std::optional<node_at> compensation_at_;  // network.compensation, read after the projections
    std::optional<node_at> group_delay_at_;   // network.group_delay_min, applied after the projections
    double group_delay_min_ = 0.0;            // ms, network.group_delay_min; 0 when unset
    bool compensate_inputs_ = false;          // network.compensation.inputs
    // By population: its rate from tables.rates (Hz), for network.compensation and dry_run.rates.
    std::vector<std::optional<double>> table_rates_;
    bool has_table_rates_ = false;                   // tables.rates has rows
    std::vector<std::uint64_t> unscaled_sizes_;      // by population, as written
    std::uint64_t total_neurons_ = 0;                // of the populations read so far
    std::vector<indegree_change> indegree_changes_;  // by projection
    std::vector<node_at> delay_at_;                  // by projection
    // Names read so far, to their index: thousands of projections from tables are checked in O(1) each.
    std::unordered_map<std::string, std::uint32_t> population_index_, projection_index_;
    std::vector<std::string> projection_paths_;  // by projection: where its name was defined
    applied_scaling scaling_;
    std::vector<std::string> warnings_;                      // loaded_config::warnings
    std::vector<std::optional<node_at>> branch_sources_at_;  // by population: branches.by_source when on
    std::vector<std::optional<node_at>> normalization_at_;   // by population
    std::vector<std::optional<node_at>> metaplasticity_at_;  // by population
    // By pattern: its probe times, checked once the run's duration is known (after the schedule).
    std::vector<std::optional<node_at>> probe_times_at_;
    // by projection: pruning when on, and its tagging_time and period keys when given (checked once
    // the homeostasis period and the schedule are known)
    struct pruning_at {
        std::uint32_t projection = 0;
        node_at at;
        std::optional<node_at> tagging_time, period;
    };
    std::vector<pruning_at> pruning_at_;
};

}  // namespace synorm::config::detail
