// config::load and config_error, and the reader's walk in dependency order with the parts it reads
// itself: simulation, the homeostasis period and the health checks. The other parts are in the
// *_keys.cpp files of their sections (network, populations, projections, inputs, ...).
#include "synorm/config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "overrides.hpp"
#include "resolved_yaml.hpp"
#include "schedule.hpp"
#include "spec_reader.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::config {
namespace {

std::string format_error(const std::string& file, int line, const std::string& column, const std::string& key_path,
                         const std::string& message) {
    std::string text = file;
    if (line > 0) text += ":" + std::to_string(line) + (column.empty() ? "" : ":" + column);
    text += ": ";
    if (!key_path.empty()) text += key_path + ": ";
    return text + message;
}

}  // namespace

config_error::config_error(std::string file, int line, int column, std::string key_path, std::string message)
    : std::runtime_error(format_error(file, line, std::to_string(column), key_path, message)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      message_(std::move(message)),
      line_(line),
      column_(column) {}

config_error::config_error(std::string file, int line, std::string column_name, std::string key_path,
                           std::string message)
    : std::runtime_error(format_error(file, line, column_name, key_path, message)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      message_(std::move(message)),
      column_name_(std::move(column_name)),
      line_(line) {}

namespace detail {
namespace {

// The sections a configuration may have (key_tables.cpp, top_keys).
std::vector<std::string_view> top_level_keys() { return names(top_keys); }

}  // namespace

std::uint64_t scaled(const node_at& at, std::uint64_t n, double factor, std::uint64_t limit, const std::string& what,
                     const std::string& why, const std::string& scale_note) {
    // In long double: a count near 2^64 times a scale must neither wrap nor overflow llround.
    const long double exact = static_cast<long double>(n) * factor;
    std::uint64_t count = n;
    if (factor != 1.0 && n != 0) {
        count = exact > static_cast<long double>(limit)
                    ? limit + 1
                    : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(exact)));
    }
    if (count > limit) {
        const std::string scaled_text =
            factor == 1.0 ? "" : " (" + format_number(static_cast<double>(exact)) + scale_note + ")";
        at.fail("expected " + what + " of at most " + std::to_string(limit) + " (" + why + "), got " +
                std::to_string(n) + scaled_text);
    }
    return count;
}

model::model_spec spec_reader::read() {
    const map_view m(root_, top_level_keys());
    read_simulation(m.find("simulation"));
    read_network(m.find("network"));
    const table_set tables(m.find("tables"));
    const auto populations = m.find("populations");
    if (!populations && !m.has("tables")) m.required("populations");
    read_populations(populations, tables);
    if (spec_.populations.empty()) populations.value_or(m.self()).fail("expected at least one population");
    read_projections(m.find("projections"), tables);
    bound_group_delays();
    check_delays();
    read_branch_sources();
    check_normalization();
    check_metaplasticity();
    read_rate_table(tables);
    read_compensation();
    read_inputs(m.find("inputs"), tables);
    compensate_inputs();
    read_recording(m.find("recording"));
    read_homeostasis(m.find("homeostasis"));
    read_checks(m.find("checks"));
    read_comm(m.find("comm"));
    read_dry_run(m.find("dry_run"));
    if (const auto schedule = m.find("schedule")) read_schedule(root_, *schedule, spec_);
    check_patterns();
    check_pruning();
    return std::move(spec_);
}

void spec_reader::read_simulation(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(simulation_keys));
    model::simulation_spec& sim = spec_.simulation;
    if (const auto dt = read_into(m, "dt", dimension::time, sim.dt)) {
        // model/time_steps.hpp says why this range.
        if (!(sim.dt >= model::min_dt && sim.dt <= model::max_dt)) {
            dt->fail("expected a time step from " + derived_time(model::min_dt) + " (1 µs) to " +
                     derived_time(model::max_dt) + ", got " + format_quantity(sim.dt, dimension::time));
        }
    }
    if (const auto duration = read_into(m, "duration", dimension::time, sim.duration)) {
        require_positive(*duration, sim.duration, dimension::time);
        if (require_steps(*duration, sim.duration, sim.dt) == 0) {
            duration->fail(format_quantity(sim.duration, dimension::time) +
                           " is less than half a time step (dt = " + derived_time(sim.dt) +
                           ") and rounds to 0 steps; expected at least " + derived_time(sim.dt / 2) + " (one step)");
        }
    }
    if (const auto seed = m.find("seed")) sim.seed = read_unsigned(*seed);
}

// The slow loop runs between communication intervals (every minimum delay D), so its period H is a
// whole number of them. The default is rounded up to the next multiple when it is not one, so that
// a network without homeostasis never has to state a period.
void spec_reader::read_homeostasis(const std::optional<node_at>& at) {
    const double dt = spec_.simulation.dt;
    const std::uint64_t interval_steps = spec_.min_delay_steps();
    const double interval = static_cast<double>(interval_steps) * dt;
    double& period = spec_.homeostasis.period;
    const map_view m(at.value_or(node_at{root_.doc, YAML::Node(), "homeostasis"}), names(homeostasis_keys));
    if (const auto given = read_into(m, "period", dimension::time, period)) {
        require_positive(*given, period, dimension::time);
        require_multiple_of_dt(*given, period);
        if (!is_multiple_of(period, interval)) {
            given->fail(format_quantity(period, dimension::time) + " is not a multiple of the communication interval " +
                        derived_time(interval) + " (the minimum delay)");
        }
    } else if (!is_multiple_of(period, interval)) {
        const auto intervals = static_cast<std::uint64_t>(std::ceil(period / interval));
        period = static_cast<double>(intervals * interval_steps) * dt;
    }
}

// Health checks. A rate ceiling of 0 (the default) means none; `finite` only matters when the
// homeostasis loop runs (plasticity, scaling or a rate ceiling).
void spec_reader::read_checks(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(checks_keys));
    auto& c = spec_.checks;
    if (const auto max_rate = read_into(m, "max_rate", dimension::rate, c.max_rate))
        require_positive(*max_rate, c.max_rate, dimension::rate);
    if (const auto finite = m.find("finite")) c.finite = read_bool(*finite);
}

// The exchange between ranks: a run setting, read here so that --set and the resolved text carry it.
void spec_reader::read_comm(const std::optional<node_at>& at) {
    if (!at) return;
    const map_view m(*at, names(comm_keys));
    if (const auto e = m.find("exchange"))
        spec_.comm.exchange = read_choice<model::exchange_strategy>(*e, exchange_strategies);
    if (const auto o = m.find("overlap"))
        spec_.comm.overlap = read_choice<model::overlap_setting>(*o, overlap_settings);
    if (const auto s = m.find("structure"))
        spec_.comm.structure = read_choice<model::exchange_structure>(*s, exchange_structures);
}

// dry_run: read by `synorm run --dry-run` only; the rates of the populations that are no source of a
// projection may be left out (nothing on this rank receives their spikes).
void spec_reader::read_dry_run(const std::optional<node_at>& at) {
    auto& d = spec_.dry_run;
    // The rates of tables.rates, unless dry_run.rates gives the population's rate itself.
    if (has_table_rates_) {
        d.rates.assign(spec_.populations.size(), std::numeric_limits<double>::quiet_NaN());
        for (std::size_t i = 0; i < spec_.populations.size(); ++i)
            if (table_rates_[i]) d.rates[i] = *table_rates_[i];
    }
    if (!at) return;
    const map_view m(*at, names(dry_run_keys));
    if (const auto latency = read_into(m, "latency", dimension::time, d.latency))
        require_non_negative(*latency, d.latency, dimension::time);
    if (const auto bandwidth = m.find("bandwidth")) {
        d.bandwidth = read_number(*bandwidth);
        if (!(d.bandwidth > 0) || !std::isfinite(d.bandwidth))
            bandwidth->fail("expected a bandwidth > 0 in GB/s, got " + std::to_string(d.bandwidth));
    }
    const auto rates_at = m.find("rates");
    if (!rates_at) return;
    std::vector<std::string_view> names;
    for (const model::population_spec& pop : spec_.populations) names.push_back(pop.name);
    const map_view rates(*rates_at, names, "dry_run.rates, whose keys are population names");
    if (d.rates.empty()) d.rates.assign(spec_.populations.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < spec_.populations.size(); ++i) {
        if (const auto given = rates.find(spec_.populations[i].name)) {
            d.rates[i] = read_quantity(*given, dimension::rate);
            require_non_negative(*given, d.rates[i], dimension::rate);
        }
    }
}

}  // namespace detail

using namespace detail;

loaded_config load_text(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw config_error(origin, e.mark.line + 1, e.mark.column + 1, "", e.msg);
    }
    if (root.IsNull())
        throw config_error(origin, 0, 0, "",
                           "empty configuration; expected a map with keys " + join_words(top_level_keys()));
    if (!root.IsMap()) {
        throw config_error(origin, root.Mark().line + 1, root.Mark().column + 1, "",
                           "expected a map with keys " + join_words(top_level_keys()) + ", got " + describe(root));
    }
    try {
        const document doc(origin, apply_overrides(root, overrides));
        spec_reader reader(node_at{&doc, root, ""});
        loaded_config loaded;
        loaded.spec = reader.read();
        loaded.resolved_yaml = detail::resolved_yaml(loaded.spec, reader.scaling());
        // Both are kept for the whole run; grown by doubling, they held up to twice their size (with
        // thousands of projections, megabytes: README "Networks from tables").
        loaded.spec.projections.shrink_to_fit();
        loaded.resolved_yaml.shrink_to_fit();
        loaded.warnings = reader.warnings();
        return loaded;
    } catch (const YAML::Exception& e) {
        // Every read above checks node types first; this only keeps a yaml-cpp surprise a config_error.
        throw config_error(origin, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1, "",
                           e.msg);
    }
}

loaded_config load(const std::string& path, const std::vector<std::string>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw config_error(path, 0, 0, "", "cannot open: is a directory");
    // A FIFO or a device would block the read below forever (or never end); a missing file falls
    // through to the open, whose message says so.
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
        throw config_error(path, 0, 0, "", "cannot open: not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(path, 0, 0, "", "cannot open: " + std::string(std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw config_error(path, 0, 0, "", "cannot read: " + std::string(std::strerror(errno)));
    return load_text(text.str(), path, overrides);
}

}  // namespace synorm::config
