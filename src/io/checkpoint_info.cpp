// Checkpoint files (layout: src/io/README.md, "Checkpoint files"): what a checkpoint says about itself
// (its metadata, whether a file is one, the summary `synorm info` prints), the configuration hash,
// and the summary of the output file a run continues.
#include "synorm/io/checkpoint_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "checkpoint_format.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::io {
using namespace detail;

namespace {

namespace fs = std::filesystem;

std::string hex64(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

// A complete run's output file, open for reading; `what` (rates, spikes) names what it is read for.
file open_complete_run(const std::string& path, const std::string& what) {
    const output_summary summary = read_output_summary(path, false);
    if (summary.status != "complete")
        throw io_error("'" + path + "' holds no complete run (status \"" + summary.status + "\"): no " + what +
                       " to read");
    h5::handle fapl = file_access(path);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) h5::fail(path, "opening the run's output file");
    return file{path, h5::handle(id)};
}

// Values [first, first + count) of the 1-D dataset `set` into `data`, as `type`.
void read_slab(hid_t set, hid_t type, hsize_t first, hsize_t count, void* data, const std::string& where) {
    const hsize_t start[1] = {first}, n[1] = {count};
    h5::handle file_space(H5Dget_space(set));
    h5::handle memory(H5Screate_simple(1, n, nullptr));
    if (!file_space.valid() || !memory.valid() ||
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr) < 0 ||
        H5Dread(set, type, memory.get(), file_space.get(), H5P_DEFAULT, data) < 0)
        throw io_error(where + ": reading it failed");
}

}  // namespace

output_summary read_output_summary(const std::string& path, bool verify) {
    h5::silence_hdf5_errors();
    std::error_code ec;
    if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
        throw io_error("the run's output file '" + path + "' is not a regular file");
    if (!fs::is_regular_file(path, ec))
        throw io_error("the run's output file '" + path + "' does not exist (moved? give its new place with -o)");
    if (verify) verify_output(path);
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        h5::error_detail();
        throw io_error("the run's output file '" + path + "' is not an HDF5 file");
    }
    h5::handle fapl = file_access(path);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) h5::fail(path, "opening the run's output file");
    file f{path, h5::handle(id)};
    output_summary out;
    out.status = h5::read_string_attribute(id, "status", f.where("/")).value_or("unknown");
    if (f.has("/config")) {
        // An output older than format 2 has no checksum on /config.
        const bool checksummed = h5::read_attribute<std::int32_t>(id, "format_version", f.where("/")).value_or(1) >= 2;
        out.config_yaml = f.get_text("/config", checksummed);
    }
    return out;
}

std::vector<std::pair<std::string, double>> read_mean_rates(const std::string& path) {
    file f = open_complete_run(path, "rates");
    const hid_t id = f.id.get();
    h5::handle prov(h5::check_id(H5Gopen2(id, "/provenance", H5P_DEFAULT), f.where("/provenance"), "opening"));
    const auto simulated = h5::read_attribute<double>(prov.get(), "simulated_time", f.where("/provenance"));
    if (!simulated || !(*simulated > 0)) throw io_error(f.where("/provenance") + ": no simulated_time");
    h5::handle pops(h5::check_id(H5Gopen2(id, "/populations", H5P_DEFAULT), f.where("/populations"), "opening"));
    const auto order = h5::read_strings_attribute(pops.get(), "order", f.where("/populations"));
    if (!order) throw io_error(f.where("/populations") + ": no attribute 'order'");
    std::vector<std::pair<std::string, double>> rates;
    for (const std::string& name : *order) {
        const std::string ids = "/spikes/" + name + "/node_ids";
        if (!f.has("/spikes") || !f.has("/spikes/" + name) || !f.has(ids)) continue;
        h5::handle pop(
            h5::check_id(H5Gopen2(pops.get(), name.c_str(), H5P_DEFAULT), f.where("/populations/" + name), "opening"));
        const auto size = h5::read_attribute<std::uint64_t>(pop.get(), "size", f.where("/populations/" + name));
        h5::handle set(h5::check_id(H5Dopen2(id, ids.c_str(), H5P_DEFAULT), f.where(ids), "opening"));
        const std::uint64_t spikes = h5::dataset_size(set.get(), f.where(ids));
        if (size && *size > 0)
            rates.emplace_back(name, static_cast<double>(spikes) / (static_cast<double>(*size) * *simulated * 1e-3));
    }
    return rates;
}

rate_traces read_rate_traces(const std::string& path, double upto_ms) {
    file f = open_complete_run(path, "rates");
    const hid_t id = f.id.get();
    rate_traces out;
    if (!f.has("/rates")) return out;
    h5::handle group(h5::check_id(H5Gopen2(id, "/rates", H5P_DEFAULT), f.where("/rates"), "opening"));
    const auto bin = h5::read_attribute<double>(group.get(), "bin", f.where("/rates"));
    if (!bin || !(*bin > 0)) throw io_error(f.where("/rates") + ": no bin");
    out.bin_ms = *bin;
    h5::handle pops(h5::check_id(H5Gopen2(id, "/populations", H5P_DEFAULT), f.where("/populations"), "opening"));
    const auto order = h5::read_strings_attribute(pops.get(), "order", f.where("/populations"));
    if (!order) throw io_error(f.where("/populations") + ": no attribute 'order'");
    const double wanted = std::ceil(std::max(0.0, upto_ms) / out.bin_ms);
    for (const std::string& name : *order) {
        const std::string object = "/rates/" + name;
        if (!f.has(object)) continue;
        h5::handle set(h5::check_id(H5Dopen2(id, object.c_str(), H5P_DEFAULT), f.where(object), "opening"));
        const hsize_t n = std::min<hsize_t>(h5::dataset_size(set.get(), f.where(object)),
                                            wanted < 1e15 ? static_cast<hsize_t>(wanted) : hsize_t{1} << 50);
        std::vector<double> hz(n);
        if (n > 0) read_slab(set.get(), H5T_NATIVE_DOUBLE, 0, n, hz.data(), f.where(object));
        out.rates.emplace_back(name, std::move(hz));
    }
    return out;
}

spike_train read_spike_train(const std::string& path, const model::model_spec& spec, double upto_ms,
                             const std::function<bool(std::uint64_t)>& keep) {
    file f = open_complete_run(path, "spikes");
    const hid_t id = f.id.get();
    spike_train out;
    h5::handle prov(h5::check_id(H5Gopen2(id, "/provenance", H5P_DEFAULT), f.where("/provenance"), "opening"));
    const auto seed = h5::read_attribute<std::uint64_t>(prov.get(), "seed", f.where("/provenance"));
    const auto simulated = h5::read_attribute<double>(prov.get(), "simulated_time", f.where("/provenance"));
    if (!seed || *seed != spec.simulation.seed || !simulated || !f.has("/spikes")) return out;
    h5::handle pops(h5::check_id(H5Gopen2(id, "/populations", H5P_DEFAULT), f.where("/populations"), "opening"));
    const auto order = h5::read_strings_attribute(pops.get(), "order", f.where("/populations"));
    if (!order || order->size() != spec.populations.size()) return out;
    for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
        if ((*order)[p] != spec.populations[p].name) return out;
        h5::handle pop(h5::check_id(H5Gopen2(pops.get(), (*order)[p].c_str(), H5P_DEFAULT),
                                    f.where("/populations/" + (*order)[p]), "opening"));
        const auto size = h5::read_attribute<std::uint64_t>(pop.get(), "size", f.where("/populations/" + (*order)[p]));
        if (!size || *size != spec.populations[p].size) return out;
    }
    out.same_network = true;
    const double dt = spec.simulation.dt, until = std::min(upto_ms, *simulated);
    out.end_step = model::to_steps(until, dt);
    // Read in slices: both columns of 64 Ki spikes at a time, kept only where `keep` says.
    for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
        const std::string object = "/spikes/" + spec.populations[p].name;
        if (!f.has(object + "/node_ids") || !f.has(object + "/timestamps")) continue;
        h5::handle ids_set(h5::check_id(H5Dopen2(id, (object + "/node_ids").c_str(), H5P_DEFAULT),
                                        f.where(object + "/node_ids"), "opening"));
        h5::handle times_set(h5::check_id(H5Dopen2(id, (object + "/timestamps").c_str(), H5P_DEFAULT),
                                          f.where(object + "/timestamps"), "opening"));
        const hsize_t n = h5::dataset_size(ids_set.get(), f.where(object + "/node_ids"));
        if (h5::dataset_size(times_set.get(), f.where(object + "/timestamps")) != n)
            throw io_error(f.where(object) + ": node_ids and timestamps differ in length");
        std::vector<std::uint64_t> ids;
        std::vector<double> times;
        const std::uint64_t first_gid = spec.first_gid(p);
        for (hsize_t first = 0; first < n; first += hsize_t{1} << 16) {
            const hsize_t count = std::min<hsize_t>(hsize_t{1} << 16, n - first);
            ids.resize(count);
            times.resize(count);
            read_slab(ids_set.get(), H5T_NATIVE_UINT64, first, count, ids.data(), f.where(object));
            read_slab(times_set.get(), H5T_NATIVE_DOUBLE, first, count, times.data(), f.where(object));
            for (std::size_t k = 0; k < ids.size(); ++k) {
                if (ids[k] >= spec.populations[p].size)
                    throw io_error(f.where(object) + ": a node id beyond the population");
                const std::int64_t step = std::llround(times[k] / dt);
                if (step < 0 || step >= out.end_step || !keep(first_gid + ids[k])) continue;
                out.spikes.emplace_back(step, first_gid + ids[k]);
            }
        }
    }
    std::sort(out.spikes.begin(), out.spikes.end());
    return out;
}

std::string config_hash(const std::string& resolved_yaml) {
    std::uint64_t h = 14695981039346656037ull;
    for (const unsigned char c : resolved_yaml) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return hex64(h);
}

checkpoint_info read_checkpoint_info(const std::string& path) {
    file f = open_for_reading(path);
    return reading(path, [&] {
        checkpoint_info info;
        const hid_t r = f.id.get();
        const std::string root = f.where("/");
        const auto need = [&](auto value, const char* name) {
            if (!value)
                throw checkpoint_error("cannot read checkpoint '" + path + "': attribute '" + name + "' is missing");
            return *value;
        };
        info.step = need(h5::read_attribute<std::int64_t>(r, "step", root), "step");
        info.total_steps = need(h5::read_attribute<std::int64_t>(r, "total_steps", root), "total_steps");
        info.time_ms = need(h5::read_attribute<double>(r, "time", root), "time");
        info.dt = need(h5::read_attribute<double>(r, "dt", root), "dt");
        info.ranks = need(h5::read_attribute<std::int32_t>(r, "ranks", root), "ranks");
        info.threads = need(h5::read_attribute<std::int32_t>(r, "threads", root), "threads");
        info.config_hash = need(h5::read_string_attribute(r, "config_hash", root), "config_hash");
        info.output = need(h5::read_string_attribute(r, "output", root), "output");
        info.created = need(h5::read_string_attribute(r, "created", root), "created");
        info.version = need(h5::read_string_attribute(r, "version", root), "version");
        info.finished = need(h5::read_attribute<std::int32_t>(r, "finished", root), "finished") != 0;
        info.config_yaml = f.get_text("/config");
        info.output_spikes = f.get<std::int64_t>("/output_spikes");
        if (f.has("/output_rate_bins")) {  // format 4 on; format 3 wrote the rates at the end only
            const auto bins = f.get<std::int64_t>("/output_rate_bins");
            if (bins.size() != 1 || bins[0] < -1)
                throw checkpoint_error("cannot read checkpoint '" + path + "': /output_rate_bins is damaged");
            info.output_rate_bins = bins[0];
        }
        if (config_hash(info.config_yaml) != info.config_hash)
            throw checkpoint_error("cannot read checkpoint '" + path +
                                   "': its configuration does not match its own hash (damaged)");
        return info;
    });
}

bool is_checkpoint_file(const std::string& path) {
    h5::silence_hdf5_errors();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0) {
        h5::error_detail();
        return false;
    }
    h5::handle fapl = file_access(path);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
        h5::error_detail();
        return false;
    }
    h5::handle f(id);
    try {
        const auto format = h5::read_string_attribute(id, "format", path);
        return format && *format == "synorm-checkpoint";
    } catch (const std::exception&) {
        return false;
    }
}

std::string describe_checkpoint(const std::string& path) {
    const checkpoint_info info = read_checkpoint_info(path);
    file f = open_for_reading(path);
    return reading(path, [&] {
        std::ostringstream out;
        out.precision(10);
        std::error_code ec;
        const auto bytes = fs::file_size(path, ec);
        const double T = static_cast<double>(info.total_steps) * info.dt;
        out << "file:        " << path << '\n';
        out << "kind:        synorm checkpoint (format " << checkpoint_version << "), complete"
            << (info.finished ? ", written after the run ended" : "") << '\n';
        out << "time:        " << info.time_ms << " ms of " << T << " ms (step " << info.step << " of "
            << info.total_steps << ", " << std::setprecision(3)
            << 100.0 * static_cast<double>(info.step) / static_cast<double>(std::max<std::int64_t>(1, info.total_steps))
            << " %)\n"
            << std::setprecision(10);
        out << "written:     " << info.created << " on " << info.ranks << " rank(s) x " << info.threads
            << " thread(s), by synorm " << info.version << '\n';
        out << "config hash: " << info.config_hash << '\n';
        out << "output:      " << info.output << '\n';
        std::uint64_t synapses = 0;
        for (std::size_t j = 0; f.has("/synapses/" + std::to_string(j)); ++j)
            synapses += f.size_of("/synapses/" + std::to_string(j) + "/source");
        out << "state:       " << f.size_of("/neurons/gid") << " neurons, " << synapses << " synapses\n";
        if (f.has("/schedule")) {
            h5::handle g(h5::check_id(H5Gopen2(f.id.get(), "/schedule", H5P_DEFAULT), f.where("/schedule"),
                                      "opening the group"));
            const auto next =
                h5::read_attribute<std::uint64_t>(g.get(), "phase_next", f.where("/schedule")).value_or(0);
            const auto G = h5::read_attribute<double>(g.get(), "shy_G", f.where("/schedule")).value_or(1.0);
            const std::string names = f.get_text("/schedule/phases/names");
            std::string current;
            for (std::size_t from = 0, k = 0; k < next; ++k) {
                const auto to = names.find('\n', from);
                if (to == std::string::npos) break;
                current = names.substr(from, to - from);
                from = to + 1;
            }
            out << "schedule:    in phase " << next << (current.empty() ? "" : " (" + current + ")") << ", SHY gain "
                << G << '\n';
        }
        out << "size:        " << std::setprecision(3) << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB\n";
        out << "resume:      synorm resume " << path << "  (any number of ranks and threads)\n";
        return out.str();
    });
}

}  // namespace synorm::io
