// Checkpoint files (layout: src/io/README.md, "Checkpoint files"). Written with serial HDF5 by one
// rank after the other into one temporary file, each appending its part to extendible datasets, so
// that no rank ever holds more than its own state and the file does not depend on parallel HDF5's
// collective rules; then completed and renamed by rank 0. Read by every rank on its own, keeping the
// gids it owns in the new layout.
#include "synorm/io/checkpoint_file.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "hdf5_util.hpp"
#include "synorm/plasticity/stdp.hpp"
#include "synorm/version.hpp"

namespace synorm::io {
namespace {

namespace fs = std::filesystem;

constexpr std::int32_t checkpoint_version = 2;
constexpr hsize_t chunk_elements = hsize_t{1} << 18;
constexpr std::uint64_t read_block = std::uint64_t{1} << 24;  // elements per read of the synapse arrays

h5::handle file_access(const std::string& where) {
    h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), where, "creating file access properties"));
    h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), where, "setting the format version");
#if H5_VERSION_GE(1, 10, 7)
    h5::check(H5Pset_file_locking(fapl.get(), false, true), where, "setting file locking");
#endif
    return fapl;
}

// One open checkpoint file, serial HDF5: the helpers of the writer and the reader.
struct file {
    std::string path;
    h5::handle id;

    std::string where(const std::string& object) const { return path + ":" + object; }

    // The group at `name` ("/a/b"), created with its parents when missing.
    h5::handle group(const std::string& name) {
        h5::handle at(h5::check_id(H5Gopen2(id.get(), "/", H5P_DEFAULT), where("/"), "opening the root group"));
        std::string sofar;
        std::size_t begin = 1;
        while (begin < name.size()) {
            const std::size_t end = std::min(name.find('/', begin), name.size());
            const std::string part = name.substr(begin, end - begin);
            sofar += "/" + part;
            const hid_t next = h5::exists(at.get(), part) ? H5Gopen2(at.get(), part.c_str(), H5P_DEFAULT)
                                                          : H5Gcreate2(at.get(), part.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            at = h5::handle(h5::check_id(next, where(sofar), "opening the group"));
            begin = end + 1;
        }
        return at;
    }

    // An empty extendible 1-D dataset at "/group/name", in chunks of about `hint` elements (rank 0's
    // part: the ranks' parts are of similar size), so that small datasets stay small.
    template <class T>
    void create(const std::string& name, std::uint64_t hint, const char* units = nullptr) {
        const auto slash = name.rfind('/');
        h5::handle parent = group(name.substr(0, slash));
        const hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {std::clamp<hsize_t>(hint, 256, chunk_elements)};
        h5::handle space(h5::check_id(H5Screate_simple(1, dims, maxdims), where(name), "creating the dataspace"));
        h5::handle dcpl(h5::check_id(H5Pcreate(H5P_DATASET_CREATE), where(name), "creating dataset properties"));
        h5::check(H5Pset_chunk(dcpl.get(), 1, chunk), where(name), "setting the chunk size");
        h5::check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), where(name), "setting the fill time");
        h5::handle d(h5::check_id(H5Dcreate2(parent.get(), name.substr(slash + 1).c_str(), h5::type_of<T>::file(), space.get(), H5P_DEFAULT,
                                             dcpl.get(), H5P_DEFAULT),
                                  where(name), "creating the dataset"));
        if (units) h5::write_attribute(d.get(), "units", units, where(name));
    }

    template <class T>
    void append(const std::string& name, const T* data, std::uint64_t count) {
        if (count == 0) return;
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        const std::uint64_t old = h5::dataset_size(d.get(), where(name));
        const hsize_t size[1] = {old + count}, start[1] = {old}, n[1] = {count};
        h5::check(H5Dset_extent(d.get(), size), where(name), "extending the dataset");
        h5::handle space(h5::check_id(H5Dget_space(d.get()), where(name), "reading the dataspace"));
        h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), where(name), "selecting");
        h5::handle memory(h5::check_id(H5Screate_simple(1, n, nullptr), where(name), "creating the memory dataspace"));
        h5::check(H5Dwrite(d.get(), h5::type_of<T>::memory(), memory.get(), space.get(), H5P_DEFAULT, data), where(name), "writing the dataset");
    }
    template <class T>
    void append(const std::string& name, const std::vector<T>& v) {
        append(name, v.data(), v.size());
    }
    // A dataset written once, whole.
    template <class T>
    void put(const std::string& name, const std::vector<T>& v) {
        create<T>(name, v.size());
        append(name, v);
    }

    void put_text(const std::string& name, const std::string& text) {
        h5::handle type = h5::string_type(std::max<std::size_t>(text.size(), 1));
        std::string buffer = text;
        buffer.resize(std::max<std::size_t>(text.size(), 1), '\0');
        h5::handle space(h5::check_id(H5Screate(H5S_SCALAR), where(name), "creating the dataspace"));
        h5::handle d(h5::check_id(H5Dcreate2(id.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                  where(name), "creating the dataset"));
        h5::check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), where(name), "writing the dataset");
    }

    std::string get_text(const std::string& name) const {
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        h5::handle type(h5::check_id(H5Dget_type(d.get()), where(name), "reading the type"));
        const std::size_t size = H5Tget_size(type.get());
        std::string text(size, '\0');
        h5::handle memory = h5::string_type(size);
        h5::check(H5Dread(d.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), where(name), "reading the dataset");
        text.resize(std::strlen(text.c_str()));
        return text;
    }

    bool has(const std::string& name) const { return H5Lexists(id.get(), name.c_str(), H5P_DEFAULT) > 0; }

    std::uint64_t size_of(const std::string& name) const {
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        return h5::dataset_size(d.get(), where(name));
    }

    // Elements [first, first + count) of a 1-D dataset.
    template <class T>
    void read(const std::string& name, std::uint64_t first, std::uint64_t count, T* out) const {
        if (count == 0) return;
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        h5::handle space(h5::check_id(H5Dget_space(d.get()), where(name), "reading the dataspace"));
        const hsize_t start[1] = {first}, n[1] = {count};
        h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), where(name), "selecting");
        h5::handle memory(h5::check_id(H5Screate_simple(1, n, nullptr), where(name), "creating the memory dataspace"));
        h5::check(H5Dread(d.get(), h5::type_of<T>::memory(), memory.get(), space.get(), H5P_DEFAULT, out), where(name), "reading the dataset");
    }
    template <class T>
    std::vector<T> get(const std::string& name) const {
        std::vector<T> v(size_of(name));
        read(name, 0, v.size(), v.data());
        return v;
    }
};

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// fsync of a file or directory: the rename that publishes a checkpoint must not overtake its data.
void sync_path(const std::string& path, bool directory) {
    const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return;
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0 && !directory) throw io_error(path + ": syncing the checkpoint to disk failed (" + std::strerror(errno) + ")");
}

const std::vector<std::string> homeostasis_series = {"rate",        "sensed_rate", "gain_ex",  "gain_in",          "w_mean",          "w_std",
                                                     "branch_gain_mean", "branch_gain_std", "branch_gain", "gain_ex_std", "gain_in_std", "E_in",
                                                     "E_in_std",    "input_ex",    "input_in", "ei_ratio", "w_at_min", "w_at_max", "w_quantiles",
                                                     "theta",       "theta_std"};
const std::vector<std::string> recorded_series = {"gain_ex", "gain_in", "E_in", "theta"};

std::vector<float>& recorded(engine::homeostasis_trace::neurons& n, const std::string& name) {
    if (name == "gain_ex") return n.gain_ex;
    if (name == "gain_in") return n.gain_in;
    if (name == "theta") return n.theta;
    return n.E_in;
}

std::vector<std::vector<double>>& series(engine::homeostasis_trace& h, const std::string& name) {
    if (name == "gain_ex_std") return h.gain_ex_std;
    if (name == "gain_in_std") return h.gain_in_std;
    if (name == "E_in") return h.E_in;
    if (name == "E_in_std") return h.E_in_std;
    if (name == "input_ex") return h.input_ex;
    if (name == "input_in") return h.input_in;
    if (name == "ei_ratio") return h.ei_ratio;
    if (name == "w_at_min") return h.w_at_min;
    if (name == "w_at_max") return h.w_at_max;
    if (name == "w_quantiles") return h.w_quantiles;
    if (name == "rate") return h.rate;
    if (name == "sensed_rate") return h.sensed_rate;
    if (name == "gain_ex") return h.gain_ex;
    if (name == "gain_in") return h.gain_in;
    if (name == "w_mean") return h.w_mean;
    if (name == "branch_gain_mean") return h.branch_gain_mean;
    if (name == "branch_gain_std") return h.branch_gain_std;
    if (name == "branch_gain") return h.branch_gain;
    if (name == "theta") return h.theta;
    if (name == "theta_std") return h.theta_std;
    return h.w_std;
}

// Weight snapshots under `prefix` ("/records/snapshots"): one group each, to which every rank appends
// its part; read back keeping the synapses onto the reader's neurons.
void create_snapshots(file& f, const std::string& prefix, const std::vector<engine::weight_snapshot>& snapshots) {
    for (std::size_t n = 0; n < snapshots.size(); ++n) {
        const std::string g = prefix + "/" + std::to_string(n);
        const std::uint64_t n_snap = snapshots[n].weights.size();
        f.create<std::uint64_t>(g + "/source", n_snap);
        f.create<std::uint64_t>(g + "/target", n_snap);
        f.create<float>(g + "/weight", n_snap);
        h5::handle group = f.group(g);
        h5::write_attribute(group.get(), "projection", static_cast<std::uint64_t>(snapshots[n].projection), f.where(g));
        h5::write_attribute(group.get(), "time", snapshots[n].time, f.where(g));
    }
}

void append_snapshots(file& f, const std::string& prefix, const std::vector<engine::weight_snapshot>& snapshots) {
    for (std::size_t n = 0; n < snapshots.size(); ++n) {
        const std::string g = prefix + "/" + std::to_string(n);
        f.append(g + "/source", snapshots[n].sources);
        f.append(g + "/target", snapshots[n].targets);
        f.append(g + "/weight", snapshots[n].weights);
    }
}

template <class Mine>
std::vector<engine::weight_snapshot> read_snapshots(const file& f, const std::string& prefix, Mine&& mine) {
    std::vector<engine::weight_snapshot> out;
    for (std::size_t n = 0;; ++n) {
        const std::string g = prefix + "/" + std::to_string(n);
        if (!f.has(prefix) || !f.has(g)) break;
        h5::handle group(h5::check_id(H5Gopen2(f.id.get(), g.c_str(), H5P_DEFAULT), f.where(g), "opening the group"));
        engine::weight_snapshot snap;
        snap.projection = static_cast<std::uint32_t>(h5::read_attribute<std::uint64_t>(group.get(), "projection", f.where(g)).value_or(0));
        snap.time = h5::read_attribute<double>(group.get(), "time", f.where(g)).value_or(0.0);
        const auto sources = f.get<std::uint64_t>(g + "/source");
        const auto tgts = f.get<std::uint64_t>(g + "/target");
        const auto weights = f.get<float>(g + "/weight");
        if (sources.size() != tgts.size() || weights.size() != tgts.size()) throw checkpoint_error("cannot read checkpoint '" + f.path + "': " + g + " sizes disagree");
        for (std::size_t k = 0; k < tgts.size(); ++k)
            if (mine(tgts[k])) {
                snap.sources.push_back(sources[k]);
                snap.targets.push_back(tgts[k]);
                snap.weights.push_back(weights[k]);
            }
        out.push_back(std::move(snap));
    }
    return out;
}

// The schedule's position and records (engine::schedule_record): global, written by rank 0; the
// phase snapshots are appended by every rank. A table of rows as one dataset per column.
void create_schedule(file& f, const engine::schedule_record& r) {
    if (!r.present) return;
    {
        h5::handle g = f.group("/schedule");
        const std::string at = f.where("/schedule");
        h5::write_attribute(g.get(), "phase_next", static_cast<std::uint64_t>(r.phase_next), at);
        h5::write_attribute(g.get(), "phase_open", static_cast<std::int32_t>(r.phase_open ? 1 : 0), at);
        h5::write_attribute(g.get(), "shy_G", r.shy_G, at);
        h5::write_attribute(g.get(), "set_point", r.set_point, at);
    }
    f.put("/schedule/shy_gain", r.shy_gain);
    f.put("/schedule/shy_spare", r.shy_spare);
    f.put("/schedule/synapse_count", r.synapse_count);
    std::string names;
    std::vector<std::uint32_t> kind, skipped;
    std::vector<std::uint64_t> cycle;
    std::vector<double> start, end, weight_start, weight_end, set_point, renormalization, weight_spared;
    // [phase][projection]: the per-projection totals; an open phase has no end yet (NaN).
    std::vector<double> projection_start, projection_end;
    std::vector<std::uint64_t> pruned;
    std::vector<double> wall;  // s; for the open phase, so far
    const std::size_t J = r.shy_gain.size();
    for (const auto& row : r.phases) {
        pruned.push_back(row.pruned);
        wall.push_back(row.wall);
        for (std::size_t j = 0; j < J; ++j) {
            projection_start.push_back(j < row.projection_start.size() ? row.projection_start[j] : NAN);
            projection_end.push_back(j < row.projection_end.size() ? row.projection_end[j] : NAN);
        }
        names += row.name + "\n";
        kind.push_back(row.kind);
        skipped.push_back(row.skipped ? 1 : 0);
        cycle.push_back(row.cycle);
        start.push_back(row.start);
        end.push_back(row.end);
        weight_start.push_back(row.weight_start);
        weight_end.push_back(row.weight_end);
        set_point.push_back(row.set_point);
        renormalization.push_back(row.renormalization);
        weight_spared.push_back(row.weight_spared);
    }
    f.group("/schedule/phases");
    f.put_text("/schedule/phases/names", names);
    f.put("/schedule/phases/kind", kind);
    f.put("/schedule/phases/skipped", skipped);
    f.put("/schedule/phases/cycle", cycle);
    f.put("/schedule/phases/start", start);
    f.put("/schedule/phases/end", end);
    f.put("/schedule/phases/weight_start", weight_start);
    f.put("/schedule/phases/weight_end", weight_end);
    f.put("/schedule/phases/set_point", set_point);
    f.put("/schedule/phases/renormalization", renormalization);
    f.put("/schedule/phases/weight_spared", weight_spared);
    f.put("/schedule/phases/projection_start", projection_start);
    f.put("/schedule/phases/projection_end", projection_end);
    f.put("/schedule/phases/pruned", pruned);
    f.put("/schedule/phases/wall", wall);
    f.put("/schedule/weight/times", r.weight.times);
    f.put("/schedule/weight/weight", r.weight.weight);
    f.put("/schedule/weight/gain", r.weight.gain);
    create_snapshots(f, "/schedule/snapshots", r.snapshots);
}

template <class Mine>
engine::schedule_record read_schedule(const file& f, Mine&& mine) {
    engine::schedule_record r;
    if (!f.has("/schedule")) return r;
    r.present = true;
    const std::string at = f.where("/schedule");
    const auto bad = [&](const std::string& what) { return checkpoint_error("cannot read checkpoint '" + f.path + "': /schedule " + what); };
    h5::handle g(h5::check_id(H5Gopen2(f.id.get(), "/schedule", H5P_DEFAULT), at, "opening the group"));
    const auto phase_next = h5::read_attribute<std::uint64_t>(g.get(), "phase_next", at);
    const auto phase_open = h5::read_attribute<std::int32_t>(g.get(), "phase_open", at);
    const auto shy_G = h5::read_attribute<double>(g.get(), "shy_G", at);
    const auto set_point = h5::read_attribute<double>(g.get(), "set_point", at);
    if (!phase_next || !phase_open || !shy_G || !set_point) throw bad("lacks its position");
    r.phase_next = *phase_next;
    r.phase_open = *phase_open != 0;
    r.shy_G = *shy_G;
    r.set_point = *set_point;
    r.shy_gain = f.get<float>("/schedule/shy_gain");
    r.shy_spare = f.get<float>("/schedule/shy_spare");
    r.synapse_count = f.get<double>("/schedule/synapse_count");
    const std::string names = f.get_text("/schedule/phases/names");
    const auto kind = f.get<std::uint32_t>("/schedule/phases/kind");
    const auto skipped = f.get<std::uint32_t>("/schedule/phases/skipped");
    const auto cycle = f.get<std::uint64_t>("/schedule/phases/cycle");
    const auto start = f.get<double>("/schedule/phases/start"), end = f.get<double>("/schedule/phases/end");
    const auto weight_start = f.get<double>("/schedule/phases/weight_start"), weight_end = f.get<double>("/schedule/phases/weight_end");
    const auto set_points = f.get<double>("/schedule/phases/set_point"), renormalization = f.get<double>("/schedule/phases/renormalization");
    const auto weight_spared = f.get<double>("/schedule/phases/weight_spared");
    const std::size_t rows = kind.size();
    const auto pruned = f.has("/schedule/phases/pruned") ? f.get<std::uint64_t>("/schedule/phases/pruned") : std::vector<std::uint64_t>(rows, 0);
    if (pruned.size() != rows) throw bad("phase table columns disagree");
    const auto wall = f.has("/schedule/phases/wall") ? f.get<double>("/schedule/phases/wall") : std::vector<double>(rows, 0.0);
    if (wall.size() != rows) throw bad("phase table columns disagree");
    for (const auto* column : {&start, &end, &weight_start, &weight_end, &set_points, &renormalization, &weight_spared})
        if (column->size() != rows) throw bad("phase table columns disagree");
    if (skipped.size() != rows || cycle.size() != rows) throw bad("phase table columns disagree");
    const std::size_t J = r.shy_gain.size();
    const auto projection_start = f.get<double>("/schedule/phases/projection_start");
    const auto projection_end = f.get<double>("/schedule/phases/projection_end");
    if (projection_start.size() != rows * J || projection_end.size() != rows * J) throw bad("phase table columns disagree");
    std::size_t from = 0;
    for (std::size_t k = 0; k < rows; ++k) {
        const std::size_t to = names.find('\n', from);
        if (to == std::string::npos) throw bad("phase table names disagree");
        engine::phase_record row;
        row.name = names.substr(from, to - from);
        from = to + 1;
        row.kind = static_cast<std::uint8_t>(kind[k]);
        row.skipped = skipped[k] != 0;
        row.cycle = cycle[k];
        row.start = start[k];
        row.end = end[k];
        row.weight_start = weight_start[k];
        row.weight_end = weight_end[k];
        row.set_point = set_points[k];
        row.renormalization = renormalization[k];
        row.weight_spared = weight_spared[k];
        row.projection_start.assign(projection_start.begin() + static_cast<std::ptrdiff_t>(k * J), projection_start.begin() + static_cast<std::ptrdiff_t>((k + 1) * J));
        row.projection_end.assign(projection_end.begin() + static_cast<std::ptrdiff_t>(k * J), projection_end.begin() + static_cast<std::ptrdiff_t>((k + 1) * J));
        row.pruned = pruned[k];
        row.wall = wall[k];
        r.phases.push_back(std::move(row));
    }
    r.weight.times = f.get<double>("/schedule/weight/times");
    r.weight.weight = f.get<double>("/schedule/weight/weight");
    r.weight.gain = f.get<double>("/schedule/weight/gain");
    if (r.weight.weight.size() != r.weight.times.size() || r.weight.gain.size() != r.weight.times.size()) throw bad("weight course sizes disagree");
    r.snapshots = read_snapshots(f, "/schedule/snapshots", mine);
    return r;
}

// Rank 0, first: the file, its metadata and the global parts, and every dataset the ranks append to.
void create_file(file& f, const engine::checkpoint_state& s, const checkpoint_info& info, const std::vector<std::int64_t>& counters,
                 const std::vector<std::int64_t>& period_spikes, const std::vector<std::int64_t>& rate_counts,
                 const std::vector<std::int64_t>& probe_spikes) {
    const std::string root = f.where("/");
    h5::handle fapl = file_access(root);
    const hid_t id = H5Fcreate(f.path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (id < 0) {
        const std::string detail = h5::error_detail();
        throw io_error("cannot create checkpoint file '" + f.path + "'" + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    f.id = h5::handle(id);
    const hid_t r = f.id.get();
    h5::write_attribute(r, "format", "synorm-checkpoint", root);
    h5::write_attribute(r, "format_version", checkpoint_version, root);
    h5::write_attribute(r, "step", s.step, root);
    h5::write_attribute(r, "total_steps", s.total_steps, root);
    h5::write_attribute(r, "time", info.time_ms, root);
    h5::write_attribute(r, "dt", info.dt, root);
    h5::write_attribute(r, "ranks", static_cast<std::int32_t>(info.ranks), root);
    h5::write_attribute(r, "threads", static_cast<std::int32_t>(info.threads), root);
    h5::write_attribute(r, "config_hash", info.config_hash, root);
    h5::write_attribute(r, "output", info.output, root);
    h5::write_attribute(r, "created", utc_now(), root);
    h5::write_attribute(r, "version", std::string(synorm::version) + " (" + synorm::git_revision + ")", root);
    h5::write_attribute(r, "finished", static_cast<std::int32_t>(info.finished ? 1 : 0), root);
    f.put_text("/config", info.config_yaml);
    f.put("/output_spikes", info.output_spikes);

    f.create<std::uint64_t>("/neurons/gid", s.gids.size());
    std::vector<std::string> names;
    // Rank 0 owns gid 0, so its fields tell the types: 64-bit integers or floats.
    std::vector<std::int32_t> integer;
    for (const auto& field : s.fields) {
        names.push_back(field.name);
        integer.push_back(field.i64.empty() ? 0 : 1);
        if (integer.back()) f.create<std::int64_t>("/neurons/" + field.name, s.gids.size(), field.unit.c_str());
        else f.create<float>("/neurons/" + field.name, s.gids.size(), field.unit.c_str());
    }
    {
        h5::handle g = f.group("/neurons");
        h5::write_attribute(g.get(), "fields", names, f.where("/neurons"));
        h5::write_attribute(g.get(), "integer", integer, f.where("/neurons"));
    }
    for (const char* port : {"excitatory", "inhibitory"}) {
        const std::string g = std::string("/pending/") + port;
        const std::uint64_t n = (std::string(port) == "excitatory" ? s.pending_ex : s.pending_in).gids.size();
        f.create<std::uint64_t>(g + "/gid", n);
        f.create<std::uint32_t>(g + "/lag", n);
        f.create<float>(g + "/value", n);
    }
    f.create<std::uint64_t>("/history/gid", s.history.gids.size());
    f.create<std::uint32_t>("/history/count", s.history.gids.size());
    f.create<std::int64_t>("/history/step", s.history.steps.size());
    f.create<float>("/history/y", s.history.steps.size());
    f.create<float>("/history/o2", s.history.steps.size());
    for (std::size_t j = 0; j < s.synapses.size(); ++j) {
        const std::string g = "/synapses/" + std::to_string(j);
        const auto& list = s.synapses[j];
        f.create<std::uint64_t>(g + "/target", list.targets.size());
        f.create<std::uint32_t>(g + "/count", list.targets.size());
        f.create<std::uint32_t>(g + "/source", list.size());
        f.create<std::uint16_t>(g + "/delay", list.size(), "steps");
        f.create<float>(g + "/weight", list.size());
        if (list.tagged) f.create<std::uint16_t>(g + "/tag", list.size(), "homeostasis checks");
    }
    for (std::size_t j = 0; j < s.rows.size(); ++j) {
        if (s.rows[j].last_pre.empty()) continue;
        const std::string g = "/rows/" + std::to_string(j);
        f.put(g + "/last_pre", s.rows[j].last_pre);
        f.put(g + "/x", s.rows[j].x);
        if (!s.rows[j].x2.empty()) f.put(g + "/x2", s.rows[j].x2);
    }
    f.put("/counters/period_spikes", period_spikes);
    f.put("/counters/rate_counts", rate_counts);
    f.put("/counters/probe_spikes", probe_spikes);
    for (std::size_t k = 0; k < s.patterns.size(); ++k) {  // the engram samples so far
        const auto& p = s.patterns[k];
        const std::string g = "/records/patterns/" + std::to_string(k);
        f.put(g + "/projections", p.projections);
        f.put(g + "/weight_times", p.weight_times);
        f.put(g + "/w_group", p.w_group);
        f.put(g + "/w_rest", p.w_rest);
    }
    f.put("/counters/totals", counters);
    const auto& h = s.homeostasis;
    {  // pruning points so far: one column per field
        std::vector<std::uint32_t> projection;
        std::vector<double> time;
        std::vector<std::uint64_t> counts;  // [point][below, tagged, removed, synapses, bytes_before, bytes_after]
        for (const auto& p : s.pruning) {
            projection.push_back(p.projection);
            time.push_back(p.time);
            counts.insert(counts.end(), {p.below, p.tagged, p.removed, p.synapses, p.bytes_before, p.bytes_after});
        }
        f.put("/records/pruning/projection", projection);
        f.put("/records/pruning/time", time);
        f.put("/records/pruning/counts", counts);
    }
    f.put("/records/homeostasis/times", h.times);
    std::vector<std::uint32_t> plastic(h.plastic.begin(), h.plastic.end());
    f.put("/records/homeostasis/plastic", plastic);
    for (const auto& name : homeostasis_series) {
        auto& v = series(const_cast<engine::homeostasis_trace&>(h), name);
        std::vector<double> flat;
        std::vector<std::uint64_t> lengths;
        for (const auto& row : v) {
            lengths.push_back(row.size());
            flat.insert(flat.end(), row.begin(), row.end());
        }
        f.put("/records/homeostasis/" + name, flat);
        f.put("/records/homeostasis/" + name + "_lengths", lengths);
    }
    std::vector<std::uint64_t> recorders{h.recorded.size()};
    f.put("/records/homeostasis/recorders", recorders);
    for (std::size_t k = 0; k < h.recorded.size(); ++k)
        for (const auto& name : recorded_series)
            f.put("/records/homeostasis/neurons" + std::to_string(k) + "_" + name,
                  recorded(const_cast<engine::homeostasis_trace::neurons&>(h.recorded[k]), name));
    create_snapshots(f, "/records/snapshots", s.snapshots);
    create_schedule(f, s.schedule);
    for (std::size_t k = 0; k < s.traces.size(); ++k) {
        const std::string g = "/records/traces/" + std::to_string(k);
        f.create<std::uint64_t>(g + "/gid", s.traces[k].gids.size());
        f.create<float>(g + "/values", s.traces[k].values.size());
        h5::handle group = f.group(g);
        h5::write_attribute(group.get(), "samples", static_cast<std::uint64_t>(s.traces[k].times.size()), f.where(g));
        f.put(g + "/times", s.traces[k].times);
    }
}

// Each rank in turn: its part, appended.
void append_part(file& f, const engine::checkpoint_state& s) {
    f.append("/neurons/gid", s.gids);
    for (const auto& field : s.fields) {
        if (!field.i64.empty()) f.append("/neurons/" + field.name, field.i64);
        else f.append("/neurons/" + field.name, field.f32);
    }
    const auto pending = [&](const engine::pending_input& p, const std::string& g) {
        f.append(g + "/gid", p.gids);
        f.append(g + "/lag", p.lags);
        f.append(g + "/value", p.values);
    };
    pending(s.pending_ex, "/pending/excitatory");
    pending(s.pending_in, "/pending/inhibitory");
    f.append("/history/gid", s.history.gids);
    f.append("/history/count", s.history.counts);
    f.append("/history/step", s.history.steps);
    f.append("/history/y", s.history.y);
    f.append("/history/o2", s.history.o2);
    for (std::size_t j = 0; j < s.synapses.size(); ++j) {
        const std::string g = "/synapses/" + std::to_string(j);
        const auto& list = s.synapses[j];
        f.append(g + "/target", list.targets);
        f.append(g + "/count", list.counts);
        f.append(g + "/source", list.sources);
        f.append(g + "/delay", list.delays);
        f.append(g + "/weight", list.weights);
        if (list.tagged) f.append(g + "/tag", list.tags);
    }
    append_snapshots(f, "/records/snapshots", s.snapshots);
    append_snapshots(f, "/schedule/snapshots", s.schedule.snapshots);
    // State traces by neuron: [neuron][sample][variable], so that the ranks' parts concatenate.
    for (std::size_t k = 0; k < s.traces.size(); ++k) {
        const auto& t = s.traces[k];
        const std::string g = "/records/traces/" + std::to_string(k);
        const std::size_t cols = t.gids.size(), samples = t.times.size();
        const std::size_t vars = cols && samples ? t.values.size() / (cols * samples) : 0;
        std::vector<float> by_neuron;
        by_neuron.reserve(t.values.size());
        for (std::size_t c = 0; c < cols; ++c)
            for (std::size_t m = 0; m < samples; ++m)
                for (std::size_t v = 0; v < vars; ++v) by_neuron.push_back(t.values[(m * vars + v) * cols + c]);
        f.append(g + "/gid", t.gids);
        f.append(g + "/values", by_neuron);
    }
}

std::string hex64(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

file open_for_reading(const std::string& path) {
    h5::silence_hdf5_errors();
    std::error_code ec;
    if (!fs::exists(path, ec)) throw checkpoint_error("cannot read checkpoint '" + path + "': no such file");
    if (fs::is_directory(path, ec)) throw checkpoint_error("cannot read checkpoint '" + path + "': it is a directory");
    h5::handle fapl = file_access(path);
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        h5::error_detail();
        throw checkpoint_error("cannot read checkpoint '" + path + "': not an HDF5 file");
    }
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
        const std::string detail = h5::error_detail();
        throw checkpoint_error("cannot read checkpoint '" + path + "': truncated or damaged" + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    file f{path, h5::handle(id)};
    const auto format = h5::read_string_attribute(id, "format", f.where("/"));
    if (!format || *format != "synorm-checkpoint")
        throw checkpoint_error("cannot read checkpoint '" + path + "': not a synorm checkpoint (an output file? resume takes a file from the run's checkpoint directory)");
    const auto complete = h5::read_attribute<std::int32_t>(id, "complete", f.where("/"));
    if (!complete || *complete != 1)
        throw checkpoint_error("cannot read checkpoint '" + path + "': incomplete (its writer stopped before the completion mark); use an older one");
    return f;
}

// Any failure while reading a complete file is damage: one error type for the caller.
template <class F>
auto reading(const std::string& path, F&& body) {
    try {
        return body();
    } catch (const checkpoint_error&) {
        throw;
    } catch (const std::exception& e) {
        throw checkpoint_error("cannot read checkpoint '" + path + "': " + e.what());
    }
}

}  // namespace

output_summary read_output_summary(const std::string& path) {
    h5::silence_hdf5_errors();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw io_error("the run's output file '" + path + "' does not exist (moved? give its new place with -o)");
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
    if (f.has("/config")) out.config_yaml = f.get_text("/config");
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

namespace {
// Bytes of this rank's state as the checkpoint stores it (the file holds the same arrays).
std::uint64_t state_bytes(const engine::checkpoint_state& s) {
    std::uint64_t n = s.gids.size() * 8;
    for (const auto& f : s.fields) n += f.f32.size() * 4 + f.i64.size() * 8;
    for (const auto* p : {&s.pending_ex, &s.pending_in}) n += p->gids.size() * 16;
    n += s.history.gids.size() * 12 + s.history.steps.size() * 16;
    for (const auto& l : s.synapses) n += l.targets.size() * 12 + l.sources.size() * 10;
    for (const auto& r : s.rows) n += r.last_pre.size() * 8 + (r.x.size() + r.x2.size()) * 4;
    for (const auto* snaps : {&s.snapshots, &s.schedule.snapshots})
        for (const auto& w : *snaps) n += w.weights.size() * 20;
    for (const auto& t : s.traces) n += t.values.size() * 4 + t.gids.size() * 8;
    return n;
}
}  // namespace

std::uint64_t write_checkpoint(const std::string& path, const engine::checkpoint_state& state, const checkpoint_info& info,
                               comm::communicator& comm) {
    h5::silence_hdf5_errors();
    const std::string tmp = path + ".tmp";
    const int rank = comm.rank();
    // The counters every rank holds a part of: summed, so any later layout can take them whole.
    std::vector<std::int64_t> period_spikes = state.period_spikes, rate_counts = state.rate_counts, probe_spikes = state.probe_spikes;
    std::vector<std::int64_t> totals{static_cast<std::int64_t>(state.spikes), static_cast<std::int64_t>(state.events)};
    comm.sum(period_spikes);
    comm.sum(rate_counts);
    comm.sum(probe_spikes);
    comm.sum(totals);

    // Each step ends in an agreement; on failure every rank throws the lowest failing rank's message
    // and the temporary file goes, so a complete checkpoint of that name is never replaced by a part.
    const auto step = [&](auto&& body) {
        std::string error;
        try {
            body();
        } catch (const std::exception& e) {
            error = e.what();
        }
        const bool failed = !error.empty();
        if (comm.max(failed ? 1 : 0) == 0) return;
        const auto root = static_cast<int>(comm.min(failed ? rank : INT_MAX));
        comm.broadcast(error, root);
        if (rank == 0) {
            std::error_code ec;
            fs::remove(tmp, ec);
        }
        throw io_error(error + (comm.size() > 1 && root != 0 ? " [rank " + std::to_string(root) + "]" : ""));
    };
    // Room for it, checked first: HDF5 that runs out of space half-way through a write can neither
    // close the file nor be shut down cleanly (it crashes at exit), so a full disk is caught here,
    // before the temporary file exists. The state's own size, plus a margin for HDF5's metadata.
    std::vector<std::int64_t> need{static_cast<std::int64_t>(state_bytes(state))};
    comm.sum(need);
    step([&] {
        if (rank != 0) return;
        const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
        struct statvfs fsinfo {};
        if (::statvfs(dir.c_str(), &fsinfo) != 0) return;  // unknown: the write itself will tell
        const auto free_bytes = static_cast<double>(fsinfo.f_bavail) * static_cast<double>(fsinfo.f_frsize);
        const double wanted = static_cast<double>(need[0]) * 1.05 + 1048576.0;
        if (free_bytes < wanted)
            throw io_error("no room for checkpoint '" + path + "': it needs about " + std::to_string(static_cast<long long>(wanted / 1048576.0 + 1)) +
                           " MiB and " + std::to_string(static_cast<long long>(free_bytes / 1048576.0)) + " MiB are free on its file system");
    });
    step([&] {
        if (rank != 0) return;
        file f{tmp, {}};
        create_file(f, state, info, totals, period_spikes, rate_counts, probe_spikes);
        if (H5Fclose(f.id.release()) < 0) h5::fail(f.where("/"), "closing the file");
    });
    for (int r = 0; r < comm.size(); ++r)
        step([&] {
            if (rank != r) return;
            h5::handle fapl = file_access(tmp);
            const hid_t id = H5Fopen(tmp.c_str(), H5F_ACC_RDWR, fapl.get());
            if (id < 0) h5::fail(tmp, "opening the checkpoint for this rank's part");
            file f{tmp, h5::handle(id)};
            append_part(f, state);
            if (H5Fclose(f.id.release()) < 0) h5::fail(f.where("/"), "closing the file");
        });
    std::uint64_t bytes = 0;
    step([&] {
        if (rank != 0) return;
        h5::handle fapl = file_access(tmp);
        const hid_t id = H5Fopen(tmp.c_str(), H5F_ACC_RDWR, fapl.get());
        if (id < 0) h5::fail(tmp, "opening the checkpoint to complete it");
        file f{tmp, h5::handle(id)};
        h5::write_attribute(f.id.get(), "complete", std::int32_t{1}, f.where("/"));
        h5::check(H5Fflush(f.id.get(), H5F_SCOPE_GLOBAL), f.where("/"), "flushing");
        if (H5Fclose(f.id.release()) < 0) h5::fail(f.where("/"), "closing the file");
        sync_path(tmp, false);
        std::error_code ec;
        fs::rename(tmp, path, ec);
        if (ec) throw io_error("cannot rename checkpoint '" + tmp + "' to '" + path + "': " + ec.message());
        const fs::path dir = fs::path(path).parent_path();
        sync_path(dir.empty() ? "." : dir.string(), true);
        bytes = fs::file_size(path, ec);
    });
    std::vector<std::int64_t> size{static_cast<std::int64_t>(bytes)};
    comm.sum(size);
    return static_cast<std::uint64_t>(size[0]);
}

checkpoint_info read_checkpoint_info(const std::string& path) {
    file f = open_for_reading(path);
    return reading(path, [&] {
        checkpoint_info info;
        const hid_t r = f.id.get();
        const std::string root = f.where("/");
        const auto need = [&](auto value, const char* name) {
            if (!value) throw checkpoint_error("cannot read checkpoint '" + path + "': attribute '" + name + "' is missing");
            return *value;
        };
        const auto version = need(h5::read_attribute<std::int32_t>(r, "format_version", root), "format_version");
        if (version != checkpoint_version)
            throw checkpoint_error("cannot read checkpoint '" + path + "': format version " + std::to_string(version) + ", this synorm reads " +
                                   std::to_string(checkpoint_version));
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
        if (config_hash(info.config_yaml) != info.config_hash)
            throw checkpoint_error("cannot read checkpoint '" + path + "': its configuration does not match its own hash (damaged)");
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
        out << "kind:        synorm checkpoint (format " << checkpoint_version << "), complete" << (info.finished ? ", written after the run ended" : "") << '\n';
        out << "time:        " << info.time_ms << " ms of " << T << " ms (step " << info.step << " of " << info.total_steps << ", "
            << std::setprecision(3) << 100.0 * static_cast<double>(info.step) / static_cast<double>(std::max<std::int64_t>(1, info.total_steps)) << " %)\n"
            << std::setprecision(10);
        out << "written:     " << info.created << " on " << info.ranks << " rank(s) x " << info.threads << " thread(s), by synorm " << info.version << '\n';
        out << "config hash: " << info.config_hash << '\n';
        out << "output:      " << info.output << '\n';
        std::uint64_t synapses = 0;
        for (std::size_t j = 0; f.has("/synapses/" + std::to_string(j)); ++j) synapses += f.size_of("/synapses/" + std::to_string(j) + "/source");
        out << "state:       " << f.size_of("/neurons/gid") << " neurons, " << synapses << " synapses\n";
        if (f.has("/schedule")) {
            h5::handle g(h5::check_id(H5Gopen2(f.id.get(), "/schedule", H5P_DEFAULT), f.where("/schedule"), "opening the group"));
            const auto next = h5::read_attribute<std::uint64_t>(g.get(), "phase_next", f.where("/schedule")).value_or(0);
            const auto G = h5::read_attribute<double>(g.get(), "shy_G", f.where("/schedule")).value_or(1.0);
            const std::string names = f.get_text("/schedule/phases/names");
            std::string current;
            for (std::size_t from = 0, k = 0; k < next; ++k) {
                const auto to = names.find('\n', from);
                if (to == std::string::npos) break;
                current = names.substr(from, to - from);
                from = to + 1;
            }
            out << "schedule:    in phase " << next << (current.empty() ? "" : " (" + current + ")") << ", SHY gain " << G << '\n';
        }
        out << "size:        " << std::setprecision(3) << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB\n";
        out << "resume:      synorm resume " << path << "  (any number of ranks and threads)\n";
        return out.str();
    });
}

engine::checkpoint_state read_checkpoint(const std::string& path, const model::model_spec& spec, int rank, int ranks) {
    file f = open_for_reading(path);
    return reading(path, [&] {
        engine::checkpoint_state s;
        const hid_t r = f.id.get();
        s.step = *h5::read_attribute<std::int64_t>(r, "step", f.where("/"));
        s.total_steps = *h5::read_attribute<std::int64_t>(r, "total_steps", f.where("/"));
        const auto mine = [&](std::uint64_t gid) { return gid % static_cast<std::uint64_t>(ranks) == static_cast<std::uint64_t>(rank); };

        // Neurons: this rank's, ascending by gid.
        const auto gids = f.get<std::uint64_t>("/neurons/gid");
        std::vector<std::size_t> pick;
        for (std::size_t k = 0; k < gids.size(); ++k)
            if (mine(gids[k])) pick.push_back(k);
        std::sort(pick.begin(), pick.end(), [&](std::size_t a, std::size_t b) { return gids[a] < gids[b]; });
        for (const auto k : pick) s.gids.push_back(gids[k]);
        h5::handle neurons(h5::check_id(H5Gopen2(r, "/neurons", H5P_DEFAULT), f.where("/neurons"), "opening the group"));
        const auto names = h5::read_strings_attribute(neurons.get(), "fields", f.where("/neurons")).value_or(std::vector<std::string>{});
        const auto integer = h5::read_array_attribute<std::int32_t>(neurons.get(), "integer", f.where("/neurons")).value_or(std::vector<std::int32_t>{});
        if (integer.size() != names.size()) throw checkpoint_error("cannot read checkpoint '" + path + "': /neurons attributes disagree");
        for (std::size_t n = 0; n < names.size(); ++n) {
            engine::neuron_field field{names[n], "", {}, {}};
            const std::string name = "/neurons/" + names[n];
            if (f.size_of(name) != gids.size()) throw checkpoint_error("cannot read checkpoint '" + path + "': " + name + " has the wrong size");
            if (integer[n] == 1) {
                const auto all = f.get<std::int64_t>(name);
                for (const auto k : pick) field.i64.push_back(all[k]);
            } else {
                const auto all = f.get<float>(name);
                for (const auto k : pick) field.f32.push_back(all[k]);
            }
            s.fields.push_back(std::move(field));
        }
        for (const auto& [port, out] : {std::pair{"excitatory", &s.pending_ex}, std::pair{"inhibitory", &s.pending_in}}) {
            const std::string g = std::string("/pending/") + port;
            const auto pg = f.get<std::uint64_t>(g + "/gid");
            const auto lag = f.get<std::uint32_t>(g + "/lag");
            const auto value = f.get<float>(g + "/value");
            if (lag.size() != pg.size() || value.size() != pg.size()) throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            for (std::size_t k = 0; k < pg.size(); ++k)
                if (mine(pg[k])) {
                    out->gids.push_back(pg[k]);
                    out->lags.push_back(lag[k]);
                    out->values.push_back(value[k]);
                }
        }
        {
            const auto hg = f.get<std::uint64_t>("/history/gid");
            const auto count = f.get<std::uint32_t>("/history/count");
            const auto step = f.get<std::int64_t>("/history/step");
            const auto y = f.get<float>("/history/y");
            const auto o2 = f.get<float>("/history/o2");
            if (count.size() != hg.size() || y.size() != step.size() || o2.size() != step.size() ||
                std::accumulate(count.begin(), count.end(), std::uint64_t{0}) != step.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': /history sizes disagree");
            std::uint64_t at = 0;
            for (std::size_t n = 0; n < hg.size(); ++n) {
                if (mine(hg[n])) {
                    s.history.gids.push_back(hg[n]);
                    s.history.counts.push_back(count[n]);
                    s.history.steps.insert(s.history.steps.end(), step.begin() + static_cast<std::ptrdiff_t>(at), step.begin() + static_cast<std::ptrdiff_t>(at + count[n]));
                    s.history.y.insert(s.history.y.end(), y.begin() + static_cast<std::ptrdiff_t>(at), y.begin() + static_cast<std::ptrdiff_t>(at + count[n]));
                    s.history.o2.insert(s.history.o2.end(), o2.begin() + static_cast<std::ptrdiff_t>(at), o2.begin() + static_cast<std::ptrdiff_t>(at + count[n]));
                }
                at += count[n];
            }
        }
        // Synapses: the blocks of this rank's targets, read in large slices, then ordered by target.
        for (std::size_t j = 0; j < spec.projections.size(); ++j) {
            const std::string g = "/synapses/" + std::to_string(j);
            if (!f.has(g)) throw checkpoint_error("cannot read checkpoint '" + path + "': no synapses of projection " + std::to_string(j) + " (" + spec.projections[j].name + ")");
            const auto targets = f.get<std::uint64_t>(g + "/target");
            const auto counts = f.get<std::uint32_t>(g + "/count");
            const std::uint64_t total = f.size_of(g + "/source");
            if (counts.size() != targets.size() || std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}) != total ||
                f.size_of(g + "/delay") != total || f.size_of(g + "/weight") != total)
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            const bool tagged = f.has(g + "/tag");  // pruned projections
            if (tagged && f.size_of(g + "/tag") != total)
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            struct block { std::uint64_t gid, file_at, local_at; std::uint32_t count; };
            std::vector<block> blocks;
            std::uint64_t at = 0, local = 0;
            for (std::size_t n = 0; n < targets.size(); ++n) {
                if (mine(targets[n])) {
                    blocks.push_back({targets[n], at, local, counts[n]});
                    local += counts[n];
                }
                at += counts[n];
            }
            std::vector<std::uint32_t> src(local);
            std::vector<std::uint16_t> delay(local);
            std::vector<float> weight(local);
            std::vector<std::uint16_t> tag(tagged ? local : 0);
            std::vector<std::uint32_t> src_buf;
            std::vector<std::uint16_t> delay_buf, tag_buf;
            std::vector<float> weight_buf;
            std::size_t b = 0;
            for (std::uint64_t first = 0; first < total && b < blocks.size(); first += read_block) {
                const std::uint64_t n = std::min(read_block, total - first);
                if (blocks[b].file_at >= first + n) continue;  // nothing of this rank's in the slice
                src_buf.resize(n);
                delay_buf.resize(n);
                weight_buf.resize(n);
                f.read(g + "/source", first, n, src_buf.data());
                f.read(g + "/delay", first, n, delay_buf.data());
                f.read(g + "/weight", first, n, weight_buf.data());
                if (tagged) {
                    tag_buf.resize(n);
                    f.read(g + "/tag", first, n, tag_buf.data());
                }
                for (std::size_t c = b; c < blocks.size() && blocks[c].file_at < first + n; ++c) {
                    const std::uint64_t lo = std::max(blocks[c].file_at, first), hi = std::min(blocks[c].file_at + blocks[c].count, first + n);
                    for (std::uint64_t k = lo; k < hi; ++k) {
                        const std::uint64_t to = blocks[c].local_at + (k - blocks[c].file_at);
                        src[to] = src_buf[k - first];
                        delay[to] = delay_buf[k - first];
                        weight[to] = weight_buf[k - first];
                        if (tagged) tag[to] = tag_buf[k - first];
                    }
                    if (blocks[c].file_at + blocks[c].count <= first + n) b = c + 1;
                }
            }
            std::sort(blocks.begin(), blocks.end(), [](const block& x, const block& y) { return x.gid < y.gid; });
            network::synapse_list list;
            list.tagged = tagged;
            list.sources.reserve(local);
            list.delays.reserve(local);
            list.weights.reserve(local);
            for (const auto& bl : blocks) {
                list.targets.push_back(bl.gid);
                list.counts.push_back(bl.count);
                const auto from = static_cast<std::ptrdiff_t>(bl.local_at), to = static_cast<std::ptrdiff_t>(bl.local_at + bl.count);
                list.sources.insert(list.sources.end(), src.begin() + from, src.begin() + to);
                list.delays.insert(list.delays.end(), delay.begin() + from, delay.begin() + to);
                list.weights.insert(list.weights.end(), weight.begin() + from, weight.begin() + to);
                if (tagged) list.tags.insert(list.tags.end(), tag.begin() + from, tag.begin() + to);
            }
            s.synapses.push_back(std::move(list));
        }
        s.rows.resize(spec.projections.size());
        for (std::size_t j = 0; j < spec.projections.size(); ++j) {
            const std::string g = "/rows/" + std::to_string(j);
            if (!f.has(g)) continue;
            s.rows[j].last_pre = f.get<std::int64_t>(g + "/last_pre");
            s.rows[j].x = f.get<float>(g + "/x");
            if (f.has(g + "/x2")) s.rows[j].x2 = f.get<float>(g + "/x2");
        }
        s.period_spikes = f.get<std::int64_t>("/counters/period_spikes");
        s.rate_counts = f.get<std::int64_t>("/counters/rate_counts");
        if (f.has("/counters/probe_spikes")) s.probe_spikes = f.get<std::int64_t>("/counters/probe_spikes");
        if (rank != 0) std::fill(s.probe_spikes.begin(), s.probe_spikes.end(), 0);
        for (std::size_t k = 0; f.has("/records/patterns/" + std::to_string(k)); ++k) {
            const std::string g = "/records/patterns/" + std::to_string(k);
            engine::pattern_record p;
            p.projections = f.get<std::uint32_t>(g + "/projections");
            p.weight_times = f.get<double>(g + "/weight_times");
            p.w_group = f.get<double>(g + "/w_group");
            p.w_rest = f.get<double>(g + "/w_rest");
            if (p.w_group.size() != p.weight_times.size() * p.projections.size() || p.w_rest.size() != p.w_group.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            s.patterns.push_back(std::move(p));
        }
        const auto totals = f.get<std::int64_t>("/counters/totals");
        if (rank != 0) {
            std::fill(s.period_spikes.begin(), s.period_spikes.end(), 0);
            std::fill(s.rate_counts.begin(), s.rate_counts.end(), 0);
        } else if (totals.size() == 2) {
            s.spikes = static_cast<std::uint64_t>(totals[0]);
            s.events = static_cast<std::uint64_t>(totals[1]);
        }
        auto& h = s.homeostasis;
        if (f.has("/records/pruning")) {
            const auto projection = f.get<std::uint32_t>("/records/pruning/projection");
            const auto time = f.get<double>("/records/pruning/time");
            const auto counts = f.get<std::uint64_t>("/records/pruning/counts");
            if (time.size() != projection.size() || counts.size() != 6 * projection.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': /records/pruning sizes disagree");
            for (std::size_t k = 0; k < projection.size(); ++k) {
                const std::uint64_t* c = counts.data() + 6 * k;
                s.pruning.push_back({projection[k], time[k], c[0], c[1], c[2], c[3], c[4], c[5]});
            }
        }
        h.times = f.get<double>("/records/homeostasis/times");
        const auto plastic = f.get<std::uint32_t>("/records/homeostasis/plastic");
        h.plastic.assign(plastic.begin(), plastic.end());
        for (const auto& name : homeostasis_series) {
            const auto flat = f.get<double>("/records/homeostasis/" + name);
            const auto lengths = f.get<std::uint64_t>("/records/homeostasis/" + name + "_lengths");
            auto& v = series(h, name);
            std::uint64_t at = 0;
            for (const auto n : lengths) {
                if (at + n > flat.size()) throw checkpoint_error("cannot read checkpoint '" + path + "': /records/homeostasis sizes disagree");
                v.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(at), flat.begin() + static_cast<std::ptrdiff_t>(at + n));
                at += n;
            }
        }
        // Population and ids of the chosen neurons come from the configuration (engine restore).
        const auto recorders = f.get<std::uint64_t>("/records/homeostasis/recorders");
        h.recorded.resize(recorders.empty() ? 0 : static_cast<std::size_t>(recorders.front()));
        for (std::size_t k = 0; k < h.recorded.size(); ++k)
            for (const auto& name : recorded_series)
                recorded(h.recorded[k], name) = f.get<float>("/records/homeostasis/neurons" + std::to_string(k) + "_" + name);
        s.snapshots = read_snapshots(f, "/records/snapshots", mine);
        s.schedule = read_schedule(f, mine);
        for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
            const std::string g = "/records/traces/" + std::to_string(k);
            if (!f.has("/records/traces") || !f.has(g)) throw checkpoint_error("cannot read checkpoint '" + path + "': no samples of recorder " + spec.recording.state[k].name);
            engine::state_trace t;
            t.recorder = static_cast<std::uint32_t>(k);
            t.times = f.get<double>(g + "/times");
            const auto tg = f.get<std::uint64_t>(g + "/gid");
            const auto values = f.get<float>(g + "/values");
            const std::size_t samples = t.times.size(), vars = spec.recording.state[k].variables.size(), per = samples * vars;
            if (values.size() != tg.size() * per) throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            std::vector<std::size_t> cols;
            for (std::size_t c = 0; c < tg.size(); ++c)
                if (mine(tg[c])) cols.push_back(c);
            std::sort(cols.begin(), cols.end(), [&](std::size_t a, std::size_t b2) { return tg[a] < tg[b2]; });
            for (const auto c : cols) t.gids.push_back(tg[c]);
            t.values.resize(per * cols.size());
            for (std::size_t c = 0; c < cols.size(); ++c)
                for (std::size_t m = 0; m < samples; ++m)
                    for (std::size_t v = 0; v < vars; ++v) t.values[(m * vars + v) * cols.size() + c] = values[cols[c] * per + m * vars + v];
            s.traces.push_back(std::move(t));
        }
        return s;
    });
}

}  // namespace synorm::io
