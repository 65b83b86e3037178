// The run's HDF5 file (layout: src/io/README.md). Parallel runs open it with the MPI-IO driver on the
// communicator's MPI_Comm and write the large datasets collectively; a serial run uses the default
// driver. No MPI call is made here: counts and offsets come from the communicator.
//
// Failure protocol: every HDF5 call that may fail sits inside one `collective` step that ends with an
// agreement (comm.max of an error flag), so a rank that fails never leaves the others waiting in the
// next collective, and every rank throws the same io_error. A step holds at most one collective HDF5
// write, and all purely local work (classifying spikes, checking sizes) is done in a step of its own
// before any collective I/O starts.
#include "synorm/io/output_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <cstring>
#include <filesystem>
#include <limits>
#include <type_traits>

#include "hdf5_util.hpp"

namespace synorm::io {
namespace {

constexpr std::int32_t format_version = 1;
constexpr hsize_t spike_chunk = 64 * 1024;  // elements per chunk of the appended spike datasets
constexpr hsize_t times_chunk = 4 * 1024;   // elements per chunk of recording sample times
constexpr hsize_t trace_chunk = 64 * 1024;  // elements per chunk of recorded state (rows × columns)
constexpr std::int64_t no_rank = std::numeric_limits<std::int32_t>::max();

const char* model_name(model::neuron_kind kind) {
    switch (kind) {
    case model::neuron_kind::lif_delta: return "lif_delta";
    case model::neuron_kind::lif_curr_exp: return "lif_curr_exp";
    case model::neuron_kind::lif_cond_exp: return "lif_cond_exp";
    case model::neuron_kind::lif_cond_exp_adapt: return "lif_cond_exp_adapt";
    case model::neuron_kind::poisson_source: return "poisson_source";
    }
    return "unknown";
}

bool conductance_based(model::neuron_kind kind) {
    return kind == model::neuron_kind::lif_cond_exp || kind == model::neuron_kind::lif_cond_exp_adapt;
}

const char* type_name(model::cell_type type) {
    return type == model::cell_type::excitatory ? "excitatory" : "inhibitory";
}

const char* rule_name(model::connection_rule rule) {
    switch (rule) {
    case model::connection_rule::fixed_indegree: return "fixed_indegree";
    case model::connection_rule::pairwise_bernoulli: return "pairwise_bernoulli";
    case model::connection_rule::fixed_total_number: return "fixed_total_number";
    case model::connection_rule::one_to_one: return "one_to_one";
    case model::connection_rule::all_to_all: return "all_to_all";
    }
    return "unknown";
}

// Unit of a recordable state variable, or nullptr when unknown.
const char* variable_unit(const std::string& variable) {
    if (variable == "V_m") return "mV";
    if (variable == "I_syn_ex" || variable == "I_syn_in") return "pA";
    if (variable == "g_ex" || variable == "g_in") return "nS";
    return nullptr;
}

// bounds[p] = first gid of population p, bounds[P] = number of neurons. Computed here from the sizes
// (gids are assigned in population order) so io does not depend on model_spec's member functions.
std::vector<std::uint64_t> gid_bounds(const model::model_spec& spec) {
    std::vector<std::uint64_t> bounds(spec.populations.size() + 1, 0);
    for (std::size_t p = 0; p < spec.populations.size(); ++p) bounds[p + 1] = bounds[p] + spec.populations[p].size;
    return bounds;
}

// Names become HDF5 link names: one non-empty path component.
void check_name(const std::string& name, const char* what) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw io_error(std::string("invalid ") + what + " name '" + name +
                       "' for the output file (must be non-empty and contain no '/')");
}

// Calls f(name, field) for every provenance field, in a fixed order: the attribute names of
// /provenance, and the wire order when rank 0's provenance is broadcast.
template <class P, class F>
void for_each_field(P& p, F&& f) {
    f("version", p.version);
    f("git_revision", p.git_revision);
    f("host", p.host);
    f("start_time", p.start_time);
    f("end_time", p.end_time);
    f("ranks", p.ranks);
    f("threads", p.threads);
    f("seed", p.seed);
    f("wall_time", p.wall_time);
    f("simulated_time", p.simulated_time);
    f("real_time_factor", p.real_time_factor);
    f("synapses", p.synapses);
    f("spikes", p.spikes);
    f("synaptic_events", p.synaptic_events);
    f("loop_time", p.loop_time);
    f("peak_rss_bytes", p.peak_rss_bytes);
    f("synapse_bytes", p.synapse_bytes);
    f("time_build", p.time_build);
    f("time_update", p.time_update);
    f("time_deliver", p.time_deliver);
    f("time_exchange", p.time_exchange);
    f("time_record", p.time_record);
    f("min_delay_steps", p.min_delay_steps);
    f("exchange", p.exchange);
}

// Byte packing of provenance fields for comm.broadcast (same process image on every rank).
struct packer {
    std::string bytes;
    template <class T>
        requires std::is_trivially_copyable_v<T>
    void operator()(const char*, const T& value) {
        bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
    void operator()(const char* name, const std::string& value) {
        (*this)(name, static_cast<std::uint64_t>(value.size()));
        bytes += value;
    }
    template <class T>
    void operator()(const char* name, const std::vector<T>& values) {
        (*this)(name, static_cast<std::uint64_t>(values.size()));
        bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    }
};

struct unpacker {
    const std::string& bytes;
    std::size_t at = 0;
    void take(void* out, std::size_t n) {
        if (at + n > bytes.size()) throw io_error("provenance broadcast from rank 0 is truncated");
        if (n) std::memcpy(out, bytes.data() + at, n);
        at += n;
    }
    template <class T>
        requires std::is_trivially_copyable_v<T>
    void operator()(const char*, T& value) {
        take(&value, sizeof value);
    }
    void operator()(const char* name, std::string& value) {
        std::uint64_t n = 0;
        (*this)(name, n);
        value.resize(n);
        take(value.data(), n);
    }
    template <class T>
    void operator()(const char* name, std::vector<T>& values) {
        std::uint64_t n = 0;
        (*this)(name, n);
        values.resize(n);
        take(values.data(), n * sizeof(T));
    }
};

// Why creating `path` failed, in words a user can act on.
std::string creation_failure(const std::string& path) {
    namespace fs = std::filesystem;
    const std::string detail = h5::error_detail();
    const fs::path file(path);
    fs::path directory = file.parent_path();
    if (directory.empty()) directory = ".";
    std::error_code ec;
    std::string reason;
    if (!fs::exists(directory, ec)) reason = "directory '" + directory.string() + "' does not exist";
    else if (!fs::is_directory(directory, ec)) reason = "'" + directory.string() + "' is not a directory";
    else if (fs::is_directory(file, ec)) reason = "it is a directory";
    else if (::access(directory.c_str(), W_OK) != 0) reason = "directory '" + directory.string() + "' is not writable";
    std::string message = "cannot create output file '" + path + "'";
    if (!reason.empty()) message += ": " + reason;
    if (!detail.empty()) message += " (HDF5: " + detail + ")";
    return message;
}

}  // namespace

struct output_file::impl {
    std::string path;
    comm::communicator& comm;
    const bool parallel;
    const int rank;
    h5::handle file;      // declared first: destroyed after every object handle below
    h5::handle transfer;  // dataset transfer properties: collective MPI-IO in parallel
    bool is_open = false;

    // Extendible datasets kept open for appends. `spike_slot[p]` indexes `spikes` for recorded
    // populations and is -1 for others; `recordings` is indexed by recorder.
    struct spike_sink {
        std::uint32_t population = 0;
        std::string object;  // "/spikes/<name>"
        h5::handle node_ids, timestamps;
        std::uint64_t size = 0;  // elements written so far, identical on every rank
    };
    struct recording_sink {
        std::string object;  // "/recordings/<name>"
        std::vector<std::uint64_t> ids;  // population-local, ascending: the dataset's columns
        h5::handle times;
        std::vector<h5::handle> variables;
        std::uint64_t rows = 0;
    };
    bool layout_created = false;
    std::vector<int> spike_slot;
    std::vector<spike_sink> spikes;
    std::vector<recording_sink> recordings;

    impl(const std::string& p, comm::communicator& c)
        : path(p), comm(c), parallel(c.native_handle() != nullptr), rank(c.rank()) {}

    std::string where(std::string_view object) const { return path + ":" + std::string(object); }
    hid_t dxpl() const { return transfer.valid() ? transfer.get() : H5P_DEFAULT; }

    void require_open(const char* operation) const {
        if (!is_open) throw io_error(path + ": " + operation + " called after the output file was closed");
    }

    // Every rank learns whether any rank failed; all throw the message of the lowest failing rank.
    void agree(std::string error) {
        const bool failed = !error.empty();
        if (comm.max(failed ? 1 : 0) == 0) return;
        const auto root = static_cast<int>(comm.min(failed ? rank : no_rank));
        comm.broadcast(error, root);
        if (comm.size() > 1) error += " [rank " + std::to_string(root) + "]";
        throw io_error(error);
    }

    template <class F>
    void collective(F&& body) {
        std::string error;
        try {
            body();
        } catch (const std::exception& e) {
            error = e.what();
            if (error.empty()) error = path + ": unknown error";
        }
        agree(std::move(error));
    }

    void create();
    void flush(std::string_view after);
    h5::handle open_or_create_group(hid_t parent, const std::string& name, const std::string& object);
    h5::handle create_group(hid_t parent, const std::string& name, const std::string& object);
    h5::handle create_dataset(hid_t location, const std::string& name, hid_t type, int rank_, const hsize_t* dims,
                              const hsize_t* chunk, const std::string& object);
    void write_1d(hid_t dataset, const std::string& object, hid_t memory_type, const void* data, std::uint64_t count,
                  std::uint64_t offset);
    template <class T>
    void write_segments(hid_t location, const std::string& name, const std::string& object, const std::vector<T>& local,
                        std::uint64_t offset, std::uint64_t total, const char* units = nullptr);
    template <class T>
    void append_segment(hid_t dataset, const std::string& object, const T* local, std::uint64_t count,
                        std::uint64_t old_size, std::uint64_t offset, std::uint64_t total);
    template <class T>
    void write_from_rank0(hid_t location, const std::string& name, const std::string& object, const std::vector<T>& values,
                          const char* units = nullptr);
    void create_layout(const model::model_spec& spec);
    void ensure_layout(const model::model_spec& spec) {
        if (!layout_created) collective([&] { create_layout(spec); });
    }
    void close();
    // A dataset a run continued on several ranks appends to must allocate its chunks early (see
    // create_dataset); files written on one rank by synorm before that rule have incremental allocation.
    void require_early_allocation(hid_t dataset, const std::string& object) const {
        if (!parallel) return;
        h5::handle dcpl(h5::check_id(H5Dget_create_plist(dataset), where(object), "reading the dataset properties"));
        H5D_alloc_time_t at = H5D_ALLOC_TIME_DEFAULT;
        h5::check(H5Pget_alloc_time(dcpl.get(), &at), where(object), "reading the allocation time");
        if (at != H5D_ALLOC_TIME_EARLY)
            throw io_error(where(object) + ": written on one rank by an older synorm (chunks allocated incrementally), so it can be "
                           "continued on one rank only: resume without mpirun or with -np 1 (any --threads)");
    }
};

void output_file::impl::create() {
    h5::silence_hdf5_errors();
    collective([&] {
        const std::string here = where("/");
        h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), here, "creating file access properties"));
        // 1.8 object format: attributes larger than 64 KiB (per-rank provenance arrays at scale), and
        // a superblock without the 1.10 "open for writing" mark, so a crashed run's file stays readable.
        h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), here, "setting the format version");
        if (parallel) {
#ifdef H5_HAVE_PARALLEL
            auto* mpi_comm = static_cast<MPI_Comm*>(comm.native_handle());
            h5::check(H5Pset_fapl_mpio(fapl.get(), *mpi_comm, MPI_INFO_NULL), here, "selecting the MPI-IO driver");
            // Metadata read and written collectively: no per-rank metadata storms at scale.
            h5::check(H5Pset_all_coll_metadata_ops(fapl.get(), true), here, "enabling collective metadata reads");
            h5::check(H5Pset_coll_metadata_write(fapl.get(), true), here, "enabling collective metadata writes");
            transfer = h5::handle(h5::check_id(H5Pcreate(H5P_DATASET_XFER), here, "creating transfer properties"));
            h5::check(H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE), here, "selecting collective transfers");
#else
            throw io_error(path + ": this build's HDF5 has no parallel (MPI-IO) support");
#endif
        } else {
#if H5_VERSION_GE(1, 10, 7)
            // File systems without flock (some cluster file systems) must not stop a serial run.
            h5::check(H5Pset_file_locking(fapl.get(), true, true), here, "setting file locking");
#endif
        }
        const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
        if (id < 0) throw io_error(creation_failure(path));
        file = h5::handle(id);
        h5::write_attribute(file.get(), "format", "synorm-output", here);
        h5::write_attribute(file.get(), "format_version", format_version, here);
        h5::write_attribute(file.get(), "status", "running", here);
        flush("creating the file");
    });
    is_open = true;
}

void output_file::impl::flush(std::string_view after) {
    h5::check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), where("/"), "flushing after " + std::string(after));
}

h5::handle output_file::impl::create_group(hid_t parent, const std::string& name, const std::string& object) {
    return h5::handle(h5::check_id(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                   where(object), "creating the group"));
}

h5::handle output_file::impl::open_or_create_group(hid_t parent, const std::string& name, const std::string& object) {
    if (!h5::exists(parent, name)) return create_group(parent, name, object);
    return h5::handle(h5::check_id(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), where(object), "opening the group"));
}

// A dataset of `rank_` dimensions. With `chunk`, chunked and extendible in every dimension (appends);
// without, contiguous and fixed. Fill values are never written: every element is written by a rank.
h5::handle output_file::impl::create_dataset(hid_t location, const std::string& name, hid_t type, int rank_,
                                             const hsize_t* dims, const hsize_t* chunk, const std::string& object) {
    const std::string here = where(object);
    const hsize_t unlimited[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
    h5::handle space(h5::check_id(H5Screate_simple(rank_, dims, chunk ? unlimited : nullptr), here,
                                  "creating the dataspace"));
    h5::handle dcpl(h5::check_id(H5Pcreate(H5P_DATASET_CREATE), here, "creating dataset properties"));
    h5::check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), here, "setting the fill time");
    if (chunk) {
        h5::check(H5Pset_chunk(dcpl.get(), rank_, chunk), here, "setting the chunk size");
        // Chunks allocated when the extent grows, as parallel HDF5 does by default, also in a file
        // written on one rank: a run continued on several ranks (synorm resume) appends to these
        // datasets collectively, and with incremental allocation (serial HDF5's default) the first
        // append allocates a chunk inside H5Dwrite on one rank only, which then waits forever in an
        // MPI_File_set_view that the other ranks never enter.
        h5::check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), here, "setting the allocation time");
    }
    return h5::handle(h5::check_id(H5Dcreate2(location, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                                   here, "creating the dataset"));
}

// Collective: this rank writes `count` elements at `offset` of a 1-D dataset (possibly none).
void output_file::impl::write_1d(hid_t dataset, const std::string& object, hid_t memory_type, const void* data,
                                 std::uint64_t count, std::uint64_t offset) {
    const std::string here = where(object);
    h5::handle file_space(h5::check_id(H5Dget_space(dataset), here, "reading the dataspace"));
    const hsize_t memory_dims[1] = {std::max<hsize_t>(count, 1)};
    h5::handle memory_space(h5::check_id(H5Screate_simple(1, memory_dims, nullptr), here, "creating the memory dataspace"));
    if (count == 0) {
        h5::check(H5Sselect_none(file_space.get()), here, "selecting nothing");
        h5::check(H5Sselect_none(memory_space.get()), here, "selecting nothing");
    } else {
        const hsize_t start[1] = {offset}, counts[1] = {count};
        h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, counts, nullptr), here,
                  "selecting this rank's elements");
    }
    static const std::uint64_t nothing = 0;  // HDF5 wants a buffer even for an empty selection
    h5::check(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), dxpl(), count ? data : &nothing), here,
              "writing the dataset");
}

// Collective: a new 1-D dataset of `total` elements in which each rank writes its segment at `offset`
// (exclusive prefix sum of the ranks' counts, so segments are in rank order).
template <class T>
void output_file::impl::write_segments(hid_t location, const std::string& name, const std::string& object,
                                       const std::vector<T>& local, std::uint64_t offset, std::uint64_t total,
                                       const char* units) {
    collective([&] {
        const hsize_t dims[1] = {total};
        h5::handle dataset = create_dataset(location, name, h5::type_of<T>::file(), 1, dims, nullptr, object);
        if (units) h5::write_attribute(dataset.get(), "units", units, where(object));
        if (total > 0) write_1d(dataset.get(), object, h5::type_of<T>::memory(), local.data(), local.size(), offset);
    });
}

// Collective: grows an extendible 1-D dataset from `old_size` by `total` and writes this rank's
// `count` elements at old_size + offset.
template <class T>
void output_file::impl::append_segment(hid_t dataset, const std::string& object, const T* local, std::uint64_t count,
                                       std::uint64_t old_size, std::uint64_t offset, std::uint64_t total) {
    collective([&] {
        const hsize_t size[1] = {old_size + total};
        h5::check(H5Dset_extent(dataset, size), where(object), "extending the dataset");
        write_1d(dataset, object, h5::type_of<T>::memory(), local, count, old_size + offset);
    });
}

// Collective: a new 1-D dataset holding `values`, identical on every rank; rank 0 writes it.
template <class T>
void output_file::impl::write_from_rank0(hid_t location, const std::string& name, const std::string& object,
                                         const std::vector<T>& values, const char* units) {
    const hsize_t dims[1] = {values.size()};
    h5::handle dataset = create_dataset(location, name, h5::type_of<T>::file(), 1, dims, nullptr, object);
    if (units) h5::write_attribute(dataset.get(), "units", units, where(object));
    if (!values.empty())
        write_1d(dataset.get(), object, h5::type_of<T>::memory(), values.data(), rank == 0 ? values.size() : 0, 0);
}

// The groups and appendable datasets of spikes and state recordings, created once, before the first
// append, so that a recorded population without a single spike still has its (empty) datasets.
void output_file::impl::create_layout(const model::model_spec& spec) {
    const auto populations = spec.populations.size();
    spike_slot.assign(populations, -1);
    for (std::uint32_t p : spec.recording.spike_populations) {
        if (p >= populations)
            throw io_error(path + ": recording.spike_populations names population index " + std::to_string(p) +
                           " of " + std::to_string(populations));
        if (spike_slot[p] >= 0) continue;
        check_name(spec.populations[p].name, "population");
        spike_slot[p] = static_cast<int>(spikes.size());
        spikes.push_back({p, "/spikes/" + spec.populations[p].name, {}, {}, 0});
    }
    if (!spikes.empty()) {
        h5::handle group = open_or_create_group(file.get(), "spikes", "/spikes");
        for (auto& sink : spikes) {
            const std::string& name = spec.populations[sink.population].name;
            h5::handle population = create_group(group.get(), name, sink.object);
            h5::write_attribute(population.get(), "sorting", "none", where(sink.object));
            const hsize_t dims[1] = {0}, chunk[1] = {spike_chunk};
            sink.node_ids = create_dataset(population.get(), "node_ids", H5T_STD_U64LE, 1, dims, chunk,
                                           sink.object + "/node_ids");
            sink.timestamps = create_dataset(population.get(), "timestamps", H5T_IEEE_F64LE, 1, dims, chunk,
                                             sink.object + "/timestamps");
            h5::write_attribute(sink.timestamps.get(), "units", "ms", where(sink.object + "/timestamps"));
        }
    }

    const auto& recorders = spec.recording.state;
    recordings.resize(recorders.size());
    if (!recorders.empty()) {
        h5::handle group = open_or_create_group(file.get(), "recordings", "/recordings");
        for (std::size_t r = 0; r < recorders.size(); ++r) {
            const auto& recorder = recorders[r];
            auto& sink = recordings[r];
            check_name(recorder.name, "recorder");
            if (recorder.population >= populations)
                throw io_error(path + ": recorder '" + recorder.name + "' names population index " +
                               std::to_string(recorder.population) + " of " + std::to_string(populations));
            const auto& population = spec.populations[recorder.population];
            sink.object = "/recordings/" + recorder.name;
            sink.ids = recorder.ids;
            std::sort(sink.ids.begin(), sink.ids.end());
            sink.ids.erase(std::unique(sink.ids.begin(), sink.ids.end()), sink.ids.end());
            if (!sink.ids.empty() && sink.ids.back() >= population.size)
                throw io_error(path + ": recorder '" + recorder.name + "' records neuron " +
                               std::to_string(sink.ids.back()) + " of population '" + population.name + "' of size " +
                               std::to_string(population.size));
            const std::string here = where(sink.object);
            h5::handle recording = create_group(group.get(), recorder.name, sink.object);
            h5::write_attribute(recording.get(), "population", population.name, here);
            h5::write_attribute(recording.get(), "interval", recorder.interval, here);
            h5::write_attribute(recording.get(), "variables", recorder.variables, here);
            write_from_rank0(recording.get(), "node_ids", sink.object + "/node_ids", sink.ids);
            const hsize_t times_dims[1] = {0}, times_chunks[1] = {times_chunk};
            sink.times = create_dataset(recording.get(), "times", H5T_IEEE_F64LE, 1, times_dims, times_chunks,
                                        sink.object + "/times");
            h5::write_attribute(sink.times.get(), "units", "ms", where(sink.object + "/times"));
            const hsize_t columns = sink.ids.size();
            const hsize_t column_chunk = std::clamp<hsize_t>(columns, 1, 1024);
            const hsize_t dims[2] = {0, columns}, chunk[2] = {std::max<hsize_t>(trace_chunk / column_chunk, 1), column_chunk};
            for (const auto& variable : recorder.variables) {
                check_name(variable, "recorded variable");
                const std::string object = sink.object + "/" + variable;
                sink.variables.push_back(create_dataset(recording.get(), variable, H5T_IEEE_F32LE, 2, dims, chunk, object));
                if (const char* unit = variable_unit(variable))
                    h5::write_attribute(sink.variables.back().get(), "units", unit, where(object));
            }
        }
    }
    layout_created = true;
}

void output_file::impl::close() {
    if (!is_open) return;
    is_open = false;
    collective([&] {
        // The MPI-IO driver refuses to close a file with open objects: close them first.
        spikes.clear();
        recordings.clear();
        transfer.reset();
        if (H5Fclose(file.release()) < 0) h5::fail(where("/"), "closing the file");
    });
}

output_file::output_file(const std::string& path, comm::communicator& comm) : impl_(std::make_unique<impl>(path, comm)) {
    impl_->create();
}

output_file::output_file(const std::string& path, comm::communicator& comm, const model::model_spec& spec,
                         const std::vector<std::int64_t>& spike_counts)
    : impl_(std::make_unique<impl>(path, comm)) {
    auto& s = *impl_;
    h5::silence_hdf5_errors();
    s.collective([&] {
        const std::string here = s.where("/");
        h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), here, "creating file access properties"));
        h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), here, "setting the format version");
        if (s.parallel) {
#ifdef H5_HAVE_PARALLEL
            auto* mpi_comm = static_cast<MPI_Comm*>(comm.native_handle());
            h5::check(H5Pset_fapl_mpio(fapl.get(), *mpi_comm, MPI_INFO_NULL), here, "selecting the MPI-IO driver");
            h5::check(H5Pset_all_coll_metadata_ops(fapl.get(), true), here, "enabling collective metadata reads");
            h5::check(H5Pset_coll_metadata_write(fapl.get(), true), here, "enabling collective metadata writes");
            s.transfer = h5::handle(h5::check_id(H5Pcreate(H5P_DATASET_XFER), here, "creating transfer properties"));
            h5::check(H5Pset_dxpl_mpio(s.transfer.get(), H5FD_MPIO_COLLECTIVE), here, "selecting collective transfers");
#endif
        } else {
#if H5_VERSION_GE(1, 10, 7)
            h5::check(H5Pset_file_locking(fapl.get(), true, true), here, "setting file locking");
#endif
        }
        const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
        if (id < 0) h5::fail(here, "opening the output file to continue it");
        s.file = h5::handle(id);
        const auto format = h5::read_string_attribute(id, "format", here);
        if (!format || *format != "synorm-output") throw io_error(here + ": not a synorm output file");
        // Everything written at the end of a run goes: a file continued from an earlier checkpoint
        // than its last (marked unfinished by hand) holds it already.
        for (const char* end_only : {"rates", "homeostasis", "weights", "phases", "phase_weights", "patterns", "pruning", "final_state", "provenance"})
            if (h5::exists(id, end_only)) h5::check(H5Ldelete(id, end_only, H5P_DEFAULT), here, std::string("removing /") + end_only);
        h5::write_attribute(id, "status", "running", here);
    });
    s.is_open = true;
    // The appendable datasets, opened instead of created, spikes cut back to the checkpoint's counts.
    s.collective([&] {
        const auto populations = spec.populations.size();
        s.spike_slot.assign(populations, -1);
        for (std::uint32_t p : spec.recording.spike_populations) {
            if (p >= populations || s.spike_slot[p] >= 0) continue;
            const std::string object = "/spikes/" + spec.populations[p].name;
            impl::spike_sink sink{p, object, {}, {}, 0};
            sink.node_ids = h5::handle(h5::check_id(H5Dopen2(s.file.get(), (object + "/node_ids").c_str(), H5P_DEFAULT), s.where(object), "opening"));
            sink.timestamps = h5::handle(h5::check_id(H5Dopen2(s.file.get(), (object + "/timestamps").c_str(), H5P_DEFAULT), s.where(object), "opening"));
            const std::int64_t count = p < spike_counts.size() ? spike_counts[p] : -1;
            const std::uint64_t have = h5::dataset_size(sink.node_ids.get(), s.where(object));
            if (count < 0 || static_cast<std::uint64_t>(count) > have)
                throw io_error(s.where(object) + ": holds " + std::to_string(have) + " spikes, fewer than the checkpoint's " + std::to_string(count) +
                               " (another run's file?)");
            const hsize_t size[1] = {static_cast<hsize_t>(count)};
            h5::check(H5Dset_extent(sink.node_ids.get(), size), s.where(object), "cutting back to the checkpoint");
            h5::check(H5Dset_extent(sink.timestamps.get(), size), s.where(object), "cutting back to the checkpoint");
            sink.size = static_cast<std::uint64_t>(count);
            s.require_early_allocation(sink.node_ids.get(), object);
            s.spike_slot[p] = static_cast<int>(s.spikes.size());
            s.spikes.push_back(std::move(sink));
        }
        s.recordings.resize(spec.recording.state.size());
        for (std::size_t r = 0; r < spec.recording.state.size(); ++r) {
            const auto& recorder = spec.recording.state[r];
            auto& sink = s.recordings[r];
            sink.object = "/recordings/" + recorder.name;
            sink.ids = recorder.ids;
            std::sort(sink.ids.begin(), sink.ids.end());
            sink.ids.erase(std::unique(sink.ids.begin(), sink.ids.end()), sink.ids.end());
            sink.times = h5::handle(h5::check_id(H5Dopen2(s.file.get(), (sink.object + "/times").c_str(), H5P_DEFAULT), s.where(sink.object), "opening"));
            for (const auto& variable : recorder.variables)
                sink.variables.push_back(h5::handle(
                    h5::check_id(H5Dopen2(s.file.get(), (sink.object + "/" + variable).c_str(), H5P_DEFAULT), s.where(sink.object), "opening")));
            for (const auto& variable : sink.variables) s.require_early_allocation(variable.get(), sink.object);
            // State is written at the end of a run (the checkpoint holds the samples so far): cut back.
            const hsize_t none[1] = {0};
            h5::check(H5Dset_extent(sink.times.get(), none), s.where(sink.object), "cutting back to the checkpoint");
            const hsize_t no_rows[2] = {0, static_cast<hsize_t>(sink.ids.size())};  // [samples × neurons]
            for (const auto& variable : sink.variables) h5::check(H5Dset_extent(variable.get(), no_rows), s.where(sink.object), "cutting back to the checkpoint");
            sink.rows = 0;
        }
        s.layout_created = true;
        s.flush("reopening the file");
    });
}

std::vector<std::int64_t> output_file::spike_counts(const model::model_spec& spec) const {
    std::vector<std::int64_t> counts(spec.populations.size(), -1);
    for (const auto& sink : impl_->spikes) counts[sink.population] = static_cast<std::int64_t>(sink.size);
    return counts;
}

void output_file::flush() {
    auto& s = *impl_;
    s.require_open("flush");
    s.collective([&] { s.flush("a checkpoint"); });
}

output_file::~output_file() {
    try {
        if (impl_) impl_->close();
    } catch (...) {
        // Destructors must not throw; a failed close was already agreed on by every rank.
    }
}

void output_file::write_config(const std::string& resolved_yaml) {
    auto& s = *impl_;
    s.require_open("write_config");
    std::string text = resolved_yaml;
    s.comm.broadcast(text, 0);  // the string type's size is metadata: identical on every rank
    s.collective([&] {
        const std::string object = "/config";
        const std::string here = s.where(object);
        h5::handle type = h5::string_type(text.size());
        text.resize(std::max<std::size_t>(text.size(), 1), '\0');
        h5::handle space(h5::check_id(H5Screate(H5S_SCALAR), here, "creating the dataspace"));
        h5::handle dataset(h5::check_id(H5Dcreate2(s.file.get(), "config", type.get(), space.get(), H5P_DEFAULT,
                                                   H5P_DEFAULT, H5P_DEFAULT),
                                        here, "creating the dataset"));
        h5::write_attribute(dataset.get(), "format", "yaml", here);
        h5::handle selection(h5::check_id(H5Screate(H5S_SCALAR), here, "creating the dataspace"));
        h5::handle memory(h5::check_id(H5Screate(H5S_SCALAR), here, "creating the dataspace"));
        if (s.rank != 0) {
            h5::check(H5Sselect_none(selection.get()), here, "selecting nothing");
            h5::check(H5Sselect_none(memory.get()), here, "selecting nothing");
        }
        h5::check(H5Dwrite(dataset.get(), type.get(), memory.get(), selection.get(), s.dxpl(), text.data()), here,
                  "writing the dataset");
    });
}

void output_file::write_populations(const model::model_spec& spec) {
    auto& s = *impl_;
    s.require_open("write_populations");
    s.collective([&] {
        const auto bounds = gid_bounds(spec);
        std::vector<std::string> order;
        for (const auto& population : spec.populations) {
            check_name(population.name, "population");
            order.push_back(population.name);
        }
        for (const auto& projection : spec.projections) check_name(projection.name, "projection");

        h5::handle simulation = s.create_group(s.file.get(), "simulation", "/simulation");
        const std::string sim_here = s.where("/simulation");
        h5::write_attribute(simulation.get(), "dt", spec.simulation.dt, sim_here);
        h5::write_attribute(simulation.get(), "duration", spec.simulation.duration, sim_here);
        h5::write_attribute(simulation.get(), "seed", spec.simulation.seed, sim_here);
        h5::write_attribute(simulation.get(), "neurons", bounds.back(), sim_here);

        h5::handle populations = s.create_group(s.file.get(), "populations", "/populations");
        h5::write_attribute(populations.get(), "order", order, s.where("/populations"));
        for (std::size_t p = 0; p < spec.populations.size(); ++p) {
            const auto& population = spec.populations[p];
            const std::string object = "/populations/" + population.name;
            const std::string here = s.where(object);
            h5::handle group = s.create_group(populations.get(), population.name, object);
            h5::write_attribute(group.get(), "size", population.size, here);
            h5::write_attribute(group.get(), "first_gid", bounds[p], here);
            h5::write_attribute(group.get(), "model", model_name(population.model), here);
            h5::write_attribute(group.get(), "type", type_name(population.type), here);
        }

        h5::handle projections = s.create_group(s.file.get(), "projections", "/projections");
        for (const auto& projection : spec.projections) {
            const std::string object = "/projections/" + projection.name;
            const std::string here = s.where(object);
            if (projection.source >= spec.populations.size() || projection.target >= spec.populations.size())
                throw io_error(here + ": source or target population index out of range");
            h5::handle group = s.create_group(projections.get(), projection.name, object);
            h5::write_attribute(group.get(), "source", spec.populations[projection.source].name, here);
            h5::write_attribute(group.get(), "target", spec.populations[projection.target].name, here);
            h5::write_attribute(group.get(), "rule", rule_name(projection.rule), here);
        }
    });
    s.ensure_layout(spec);
    s.collective([&] { s.flush("writing the populations"); });
}

void output_file::append_spikes(const model::model_spec& spec, const engine::spike_batch& batch) {
    auto& s = *impl_;
    s.require_open("append_spikes");
    s.ensure_layout(spec);

    // Local: split this rank's spikes by recorded population (order within each is kept).
    std::vector<std::vector<std::uint64_t>> node_ids(s.spikes.size());
    std::vector<std::vector<double>> timestamps(s.spikes.size());
    s.collective([&] {
        if (batch.gids.size() != batch.steps.size())
            throw io_error(s.where("/spikes") + ": spike batch has " + std::to_string(batch.gids.size()) + " gids but " +
                           std::to_string(batch.steps.size()) + " steps");
        const auto bounds = gid_bounds(spec);
        const double dt = spec.simulation.dt;
        for (std::size_t i = 0; i < batch.gids.size(); ++i) {
            const std::uint64_t gid = batch.gids[i];
            if (gid >= bounds.back())
                throw io_error(s.where("/spikes") + ": spike of gid " + std::to_string(gid) + " but the network has " +
                               std::to_string(bounds.back()) + " neurons");
            const auto p = static_cast<std::size_t>(std::upper_bound(bounds.begin(), bounds.end(), gid) - bounds.begin() - 1);
            const int slot = s.spike_slot[p];
            if (slot < 0) continue;
            node_ids[slot].push_back(gid - bounds[p]);
            timestamps[slot].push_back(static_cast<double>(batch.steps[i]) * dt);  // ms
        }
    });

    std::vector<std::int64_t> totals(s.spikes.size());
    for (std::size_t k = 0; k < totals.size(); ++k) totals[k] = static_cast<std::int64_t>(node_ids[k].size());
    s.comm.sum(std::span<std::int64_t>(totals));
    for (std::size_t k = 0; k < s.spikes.size(); ++k) {
        const std::uint64_t offset = s.comm.exclusive_prefix_sum(node_ids[k].size());
        if (totals[k] == 0) continue;  // the same on every rank
        auto& sink = s.spikes[k];
        const auto total = static_cast<std::uint64_t>(totals[k]);
        s.append_segment(sink.node_ids.get(), sink.object + "/node_ids", node_ids[k].data(), node_ids[k].size(),
                         sink.size, offset, total);
        s.append_segment(sink.timestamps.get(), sink.object + "/timestamps", timestamps[k].data(), timestamps[k].size(),
                         sink.size, offset, total);
        sink.size += total;
    }
}

void output_file::write_rates(const model::model_spec& spec, double bin_ms, const std::vector<std::vector<double>>& rates) {
    auto& s = *impl_;
    s.require_open("write_rates");
    if (rates.size() != spec.populations.size())
        throw io_error(s.where("/rates") + ": rates given for " + std::to_string(rates.size()) +
                       " populations, the model has " + std::to_string(spec.populations.size()));
    h5::handle group;
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "rates", "/rates");
        h5::write_attribute(group.get(), "bin", bin_ms, s.where("/rates"));
    });
    for (std::size_t p = 0; p < rates.size(); ++p) {
        s.collective([&] {
            const std::string& name = spec.populations[p].name;
            check_name(name, "population");
            const std::string object = "/rates/" + name;
            const hsize_t dims[1] = {rates[p].size()};
            h5::handle dataset = s.create_dataset(group.get(), name, H5T_IEEE_F64LE, 1, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "bin", bin_ms, s.where(object));
            h5::write_attribute(dataset.get(), "units", "Hz", s.where(object));
            if (!rates[p].empty())
                s.write_1d(dataset.get(), object, H5T_NATIVE_DOUBLE, rates[p].data(), s.rank == 0 ? rates[p].size() : 0, 0);
        });
    }
}

void output_file::write_homeostasis(const model::model_spec& spec, const engine::homeostasis_trace& trace) {
    auto& s = *impl_;
    s.require_open("write_homeostasis");
    if (trace.times.empty()) return;  // the same on every rank: the trace comes from a global reduction
    h5::handle group;
    const auto series = [&](hid_t parent, const std::string& name, const std::string& object, const std::vector<double>& values,
                            const char* units) {
        s.collective([&] {
            const hsize_t dims[1] = {values.size()};
            h5::handle dataset = s.create_dataset(parent, name, H5T_IEEE_F64LE, 1, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "units", units, s.where(object));
            s.write_1d(dataset.get(), object, H5T_NATIVE_DOUBLE, values.data(), s.rank == 0 ? values.size() : 0, 0);
        });
    };
    // A dataset of any shape that rank 0 writes whole (the other ranks select nothing).
    const auto table = [&](hid_t parent, const std::string& name, const std::string& object, const std::vector<double>& values,
                           int rank, const hsize_t* dims) {
        s.collective([&] {
            h5::handle dataset = s.create_dataset(parent, name, H5T_IEEE_F64LE, rank, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "units", "1", s.where(object));
            h5::handle space(h5::check_id(H5Dget_space(dataset.get()), s.where(object), "reading the dataspace"));
            if (s.rank != 0 || values.empty()) h5::check(H5Sselect_none(space.get()), s.where(object), "selecting nothing");
            const hid_t memory = s.rank == 0 && !values.empty() ? H5S_ALL : space.get();
            static const double nothing = 0;
            h5::check(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, memory, space.get(), s.dxpl(), values.empty() ? &nothing : values.data()),
                      s.where(object), "writing the dataset");
        });
    };
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "homeostasis", "/homeostasis");
        h5::write_attribute(group.get(), "period", spec.homeostasis.period, s.where("/homeostasis"));
    });
    series(group.get(), "time", "/homeostasis/time", trace.times, "ms");
    for (std::size_t p = 0; p < spec.populations.size(); ++p) {
        const std::string& name = spec.populations[p].name;
        check_name(name, "population");
        const std::string object = "/homeostasis/" + name;
        h5::handle pop;
        s.collective([&] { pop = s.open_or_create_group(group.get(), name, object); });
        series(pop.get(), "rate", object + "/rate", trace.rate[p], "Hz");
        series(pop.get(), "sensed_rate", object + "/sensed_rate", trace.sensed_rate[p], "Hz");
        series(pop.get(), "gain_ex", object + "/gain_ex", trace.gain_ex[p], "1");
        series(pop.get(), "gain_in", object + "/gain_in", trace.gain_in[p], "1");
        const auto& b = spec.populations[p].branches;
        if (b.enabled && p < trace.branch_gain_mean.size()) {
            const hsize_t B = b.count, R = b.record.size(), k = trace.times.size();
            const hsize_t by_branch[2] = {k, B}, by_neuron[3] = {k, R, B};
            table(pop.get(), "branch_gain_mean", object + "/branch_gain_mean", trace.branch_gain_mean[p], 2, by_branch);
            table(pop.get(), "branch_gain_std", object + "/branch_gain_std", trace.branch_gain_std[p], 2, by_branch);
            if (R > 0) {
                table(pop.get(), "branch_gain", object + "/branch_gain", trace.branch_gain[p], 3, by_neuron);
                s.collective([&] { s.write_from_rank0(pop.get(), "branch_gain_ids", object + "/branch_gain_ids", b.record); });
            }
        }
        series(pop.get(), "gain_ex_std", object + "/gain_ex_std", trace.gain_ex_std[p], "1");
        series(pop.get(), "gain_in_std", object + "/gain_in_std", trace.gain_in_std[p], "1");
        if (conductance_based(spec.populations[p].model)) {
            series(pop.get(), "E_in", object + "/E_in", trace.E_in[p], "mV");
            series(pop.get(), "E_in_std", object + "/E_in_std", trace.E_in_std[p], "mV");
        }
        if (spec.populations[p].metaplasticity.enabled && p < trace.theta.size()) {
            series(pop.get(), "theta", object + "/theta", trace.theta[p], "Hz^2");
            series(pop.get(), "theta_std", object + "/theta_std", trace.theta_std[p], "Hz^2");
        }
        if (spec.populations[p].model != model::neuron_kind::poisson_source) {
            const char* per_ms = conductance_based(spec.populations[p].model) ? "nS/ms"
                                 : spec.populations[p].model == model::neuron_kind::lif_curr_exp ? "pA/ms" : "mV/ms";
            series(pop.get(), "input_ex", object + "/input_ex", trace.input_ex[p], per_ms);
            series(pop.get(), "input_in", object + "/input_in", trace.input_in[p], per_ms);
            series(pop.get(), "ei_ratio", object + "/ei_ratio", trace.ei_ratio[p], "1");
        }
    }
    // Chosen neurons: [sample, neuron] matrices, written whole by rank 0.
    const auto matrix = [&](hid_t parent, const std::string& name, const std::string& object, const std::vector<float>& values,
                            std::size_t columns, const char* units) {
        s.collective([&] {
            const hsize_t dims[2] = {trace.times.size(), columns};
            h5::handle dataset = s.create_dataset(parent, name, H5T_IEEE_F32LE, 2, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "units", units, s.where(object));
            h5::handle file_space(h5::check_id(H5Dget_space(dataset.get()), s.where(object), "reading the dataspace"));
            if (s.rank != 0) h5::check(H5Sselect_none(file_space.get()), s.where(object), "selecting nothing");
            h5::handle memory_space(h5::check_id(H5Scopy(file_space.get()), s.where(object), "copying the dataspace"));
            static const float nothing = 0;
            h5::check(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), s.dxpl(),
                               s.rank == 0 && !values.empty() ? values.data() : &nothing),
                      s.where(object), "writing the dataset");
        });
    };
    for (const auto& rec : trace.recorded) {
        const std::string& name = spec.populations[rec.population].name;
        const std::string object = "/homeostasis/" + name + "/neurons";
        h5::handle group_n;
        s.collective([&] {
            h5::handle pop(h5::check_id(H5Gopen2(group.get(), name.c_str(), H5P_DEFAULT), s.where(object), "opening the group"));
            group_n = s.open_or_create_group(pop.get(), "neurons", object);
            const hsize_t dims[1] = {rec.ids.size()};
            h5::handle ids = s.create_dataset(group_n.get(), "node_ids", H5T_STD_U64LE, 1, dims, nullptr, object + "/node_ids");
            s.write_1d(ids.get(), object + "/node_ids", H5T_NATIVE_UINT64, rec.ids.data(), s.rank == 0 ? rec.ids.size() : 0, 0);
        });
        matrix(group_n.get(), "gain_ex", object + "/gain_ex", rec.gain_ex, rec.ids.size(), "1");
        matrix(group_n.get(), "gain_in", object + "/gain_in", rec.gain_in, rec.ids.size(), "1");
        if (conductance_based(spec.populations[rec.population].model))
            matrix(group_n.get(), "E_in", object + "/E_in", rec.E_in, rec.ids.size(), "mV");
        if (spec.populations[rec.population].metaplasticity.enabled)
            matrix(group_n.get(), "theta", object + "/theta", rec.theta, rec.ids.size(), "Hz^2");
    }
    for (std::size_t j = 0; j < spec.projections.size(); ++j) {
        if (j >= trace.plastic.size() || !trace.plastic[j]) continue;
        const std::string& name = spec.projections[j].name;
        check_name(name, "projection");
        const std::string object = "/homeostasis/" + name;
        h5::handle proj;
        s.collective([&] { proj = s.open_or_create_group(group.get(), name, object); });
        series(proj.get(), "w_mean", object + "/w_mean", trace.w_mean[j], "weight unit");
        series(proj.get(), "w_std", object + "/w_std", trace.w_std[j], "weight unit");
        series(proj.get(), "w_at_min", object + "/w_at_min", trace.w_at_min[j], "1");
        series(proj.get(), "w_at_max", object + "/w_at_max", trace.w_at_max[j], "1");
        constexpr std::size_t levels = std::size(engine::homeostasis_trace::quantile_levels);
        for (std::size_t l = 0; l < levels; ++l) {
            std::vector<double> q;
            for (std::size_t k = l; k < trace.w_quantiles[j].size(); k += levels) q.push_back(trace.w_quantiles[j][k]);
            char key[16];
            std::snprintf(key, sizeof key, "w_q%02d", static_cast<int>(std::lround(engine::homeostasis_trace::quantile_levels[l] * 100)));
            series(proj.get(), key, object + "/" + key, q, "weight unit");
        }
    }
}

void output_file::write_phases(const model::model_spec& spec, const std::vector<engine::phase_record>& phases,
                               const engine::phase_trace& weight) {
    auto& s = *impl_;
    s.require_open("write_phases");
    if (phases.empty()) return;  // the same on every rank
    const auto column = [&](hid_t parent, const std::string& name, const std::string& object, const std::vector<double>& values,
                            const char* units) {
        s.collective([&] {
            const hsize_t dims[1] = {values.size()};
            h5::handle dataset = s.create_dataset(parent, name, H5T_IEEE_F64LE, 1, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "units", units, s.where(object));
            s.write_1d(dataset.get(), object, H5T_NATIVE_DOUBLE, values.data(), s.rank == 0 ? values.size() : 0, 0);
        });
    };
    static const char* const kinds[] = {"wake", "nrem", "rem", "custom"};
    std::vector<std::string> names, kind;
    const auto field = [&](auto member) {
        std::vector<double> v;
        for (const auto& row : phases) v.push_back(static_cast<double>(row.*member));
        return v;
    };
    for (const auto& row : phases) {
        names.push_back(row.name);
        kind.push_back(kinds[row.kind < 4 ? row.kind : 3]);
    }
    h5::handle group;
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "phases", "/phases");
        h5::write_attribute(group.get(), "name", names, s.where("/phases"));
        h5::write_attribute(group.get(), "kind", kind, s.where("/phases"));
    });
    using row_t = engine::phase_record;
    column(group.get(), "cycle", "/phases/cycle", field(&row_t::cycle), "1");
    column(group.get(), "skipped", "/phases/skipped", field(&row_t::skipped), "1");
    column(group.get(), "start", "/phases/start", field(&row_t::start), "ms");
    column(group.get(), "end", "/phases/end", field(&row_t::end), "ms");
    column(group.get(), "weight_start", "/phases/weight_start", field(&row_t::weight_start), "weight unit");
    column(group.get(), "weight_end", "/phases/weight_end", field(&row_t::weight_end), "weight unit");
    column(group.get(), "set_point", "/phases/set_point", field(&row_t::set_point), "weight unit");
    column(group.get(), "renormalization", "/phases/renormalization", field(&row_t::renormalization), "1");
    if (spec.schedule.renormalization.mode == model::renormalization_spec::selectivity::selective)
        column(group.get(), "weight_spared", "/phases/weight_spared", field(&row_t::weight_spared), "weight unit");
    column(group.get(), "pruned", "/phases/pruned", field(&row_t::pruned), "1");
    column(group.get(), "wall", "/phases/wall", field(&row_t::wall), "s");
    if (!weight.times.empty()) {
        column(group.get(), "time", "/phases/time", weight.times, "ms");
        column(group.get(), "weight", "/phases/weight", weight.weight, "weight unit");
        column(group.get(), "gain", "/phases/gain", weight.gain, "1");
    }
    for (std::size_t p = 0; p < spec.populations.size(); ++p) {
        const std::string& name = spec.populations[p].name;
        check_name(name, "population");
        const std::string object = "/phases/" + name;
        h5::handle pop;
        s.collective([&] { pop = s.open_or_create_group(group.get(), name, object); });
        std::vector<double> rate, swa;
        for (const auto& row : phases) {
            rate.push_back(row.rate[p]);
            swa.push_back(row.swa[p]);
        }
        column(pop.get(), "rate", object + "/rate", rate, "Hz");
        column(pop.get(), "swa", object + "/swa", swa, "Hz^2");
    }
    for (std::size_t j = 0; j < spec.projections.size(); ++j) {
        if (spec.projections[j].plasticity.rule == model::stdp_rule::none) continue;
        const std::string& name = spec.projections[j].name;
        check_name(name, "projection");
        const std::string object = "/phases/" + name;
        h5::handle proj;
        s.collective([&] { proj = s.open_or_create_group(group.get(), name, object); });
        std::vector<double> start, end;
        for (const auto& row : phases) {
            start.push_back(j < row.projection_start.size() ? row.projection_start[j] : NAN);
            end.push_back(j < row.projection_end.size() ? row.projection_end[j] : NAN);
        }
        column(proj.get(), "weight_start", object + "/weight_start", start, "weight unit");
        column(proj.get(), "weight_end", object + "/weight_end", end, "weight unit");
    }
}

void output_file::write_patterns(const model::model_spec& spec, const std::vector<engine::pattern_record>& patterns) {
    auto& s = *impl_;
    s.require_open("write_patterns");
    if (patterns.empty()) return;  // the same on every rank
    h5::handle group;
    std::vector<std::string> names;
    for (std::size_t k = 0; k < patterns.size() && k < spec.patterns.size(); ++k) names.push_back(spec.patterns[k].name);
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "patterns", "/patterns");
        h5::write_attribute(group.get(), "names", names, s.where("/patterns"));
    });
    for (std::size_t k = 0; k < patterns.size() && k < spec.patterns.size(); ++k) {
        const auto& p = spec.patterns[k];
        const auto& r = patterns[k];
        check_name(p.name, "pattern");
        const std::string object = "/patterns/" + p.name;
        const std::uint64_t cued = p.probe_times.empty() ? 0 : p.cue_size();
        const auto group_size = static_cast<double>(p.group.size()), rest = static_cast<double>(spec.populations[p.population].size) - group_size;
        const double window_s = p.window * 1e-3;
        std::vector<double> uncued_rate, cued_rate, rest_rate;
        std::vector<std::int64_t> uncued_spikes, cued_spikes, rest_spikes;
        for (std::size_t m = 0; m < r.probe_times.size(); ++m) {
            const std::int64_t* c = r.probe_spikes.data() + 3 * m;
            rest_spikes.push_back(c[0]);
            uncued_spikes.push_back(c[1]);
            cued_spikes.push_back(c[2]);
            rest_rate.push_back(rest > 0 ? static_cast<double>(c[0]) / rest / window_s : NAN);
            uncued_rate.push_back(static_cast<double>(c[1]) / (group_size - static_cast<double>(cued)) / window_s);
            cued_rate.push_back(static_cast<double>(c[2]) / static_cast<double>(cued) / window_s);
        }
        std::vector<std::uint64_t> cue_ids(p.group.begin(), p.group.begin() + static_cast<std::ptrdiff_t>(cued));
        s.collective([&] {
            h5::handle pg = s.open_or_create_group(group.get(), p.name, object);
            h5::write_attribute(pg.get(), "population", spec.populations[p.population].name, s.where(object));
            h5::write_attribute(pg.get(), "duration", p.duration, s.where(object));
            h5::write_attribute(pg.get(), "window", p.window, s.where(object));
            s.write_from_rank0(pg.get(), "node_ids", object + "/node_ids", p.group);
            s.write_from_rank0(pg.get(), "cue_ids", object + "/cue_ids", cue_ids);
            s.write_from_rank0(pg.get(), "onsets", object + "/onsets", r.onsets, "ms");
            s.write_from_rank0(pg.get(), "probe_time", object + "/probe_time", r.probe_times, "ms");
            s.write_from_rank0(pg.get(), "uncued_rate", object + "/uncued_rate", uncued_rate, "Hz");
            s.write_from_rank0(pg.get(), "cued_rate", object + "/cued_rate", cued_rate, "Hz");
            s.write_from_rank0(pg.get(), "rest_rate", object + "/rest_rate", rest_rate, "Hz");
            s.write_from_rank0(pg.get(), "uncued_spikes", object + "/uncued_spikes", uncued_spikes, "1");
            s.write_from_rank0(pg.get(), "cued_spikes", object + "/cued_spikes", cued_spikes, "1");
            s.write_from_rank0(pg.get(), "rest_spikes", object + "/rest_spikes", rest_spikes, "1");
            s.write_from_rank0(pg.get(), "weight_time", object + "/weight_time", r.weight_times, "ms");
            const std::size_t J = r.projections.size();
            std::vector<std::string> measured;
            for (const auto j : r.projections) measured.push_back(spec.projections[j].name);
            h5::write_attribute(pg.get(), "projections", measured, s.where(object));
            for (std::size_t q = 0; q < J; ++q) {
                const std::string& name = spec.projections[r.projections[q]].name;
                check_name(name, "projection");
                h5::handle proj = s.open_or_create_group(pg.get(), name, object + "/" + name);
                std::vector<double> in, out;
                for (std::size_t t = 0; t < r.weight_times.size(); ++t) {
                    in.push_back(r.w_group[t * J + q]);
                    out.push_back(r.w_rest[t * J + q]);
                }
                s.write_from_rank0(proj.get(), "w_group", object + "/" + name + "/w_group", in, "weight unit");
                s.write_from_rank0(proj.get(), "w_rest", object + "/" + name + "/w_rest", out, "weight unit");
            }
        });
    }
}

void output_file::write_pruning(const model::model_spec& spec, const std::vector<engine::pruning_record>& records) {
    auto& s = *impl_;
    s.require_open("write_pruning");
    if (records.empty()) return;  // the same on every rank
    h5::handle group;
    std::vector<std::string> names;
    for (const auto& proj : spec.projections)
        if (proj.pruning.enabled) names.push_back(proj.name);
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "pruning", "/pruning");
        h5::write_attribute(group.get(), "projections", names, s.where("/pruning"));
    });
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto& proj = spec.projections[j];
        if (!proj.pruning.enabled) continue;
        check_name(proj.name, "projection");
        const std::string object = "/pruning/" + proj.name;
        std::vector<double> time;
        std::vector<std::uint64_t> below, tagged, removed, synapses, bytes_before, bytes_after;
        for (const auto& r : records) {
            if (r.projection != j) continue;
            time.push_back(r.time);
            below.push_back(r.below);
            tagged.push_back(r.tagged);
            removed.push_back(r.removed);
            synapses.push_back(r.synapses);
            bytes_before.push_back(r.bytes_before);
            bytes_after.push_back(r.bytes_after);
        }
        s.collective([&] {
            h5::handle g = s.open_or_create_group(group.get(), proj.name, object);
            h5::write_attribute(g.get(), "threshold", proj.pruning.threshold, s.where(object));
            h5::write_attribute(g.get(), "tagging_time", proj.pruning.tagging_time, s.where(object));
            h5::write_attribute(g.get(), "depleted", proj.pruning.depleted ? 1.0 : 0.0, s.where(object));
            s.write_from_rank0(g.get(), "time", object + "/time", time);
            s.write_from_rank0(g.get(), "below", object + "/below", below);
            s.write_from_rank0(g.get(), "tagged", object + "/tagged", tagged);
            s.write_from_rank0(g.get(), "removed", object + "/removed", removed);
            s.write_from_rank0(g.get(), "synapses", object + "/synapses", synapses);
            s.write_from_rank0(g.get(), "bytes_before", object + "/bytes_before", bytes_before);
            s.write_from_rank0(g.get(), "bytes_after", object + "/bytes_after", bytes_after);
        });
    }
}

void output_file::write_state(const model::model_spec& spec, const engine::state_trace& trace) {
    auto& s = *impl_;
    s.require_open("write_state");
    s.ensure_layout(spec);

    // Local: this rank's columns (positions of its neurons among the recorder's ids, ascending, as
    // runs of consecutive columns) and one [samples × neurons] buffer per variable.
    std::vector<std::pair<hsize_t, hsize_t>> runs;  // (first column, length)
    std::vector<std::vector<float>> buffers;
    const std::uint64_t samples = trace.times.size();
    s.collective([&] {
        if (trace.recorder >= s.recordings.size())
            throw io_error(s.where("/recordings") + ": state trace of recorder " + std::to_string(trace.recorder) +
                           " but the model has " + std::to_string(s.recordings.size()) + " recorders");
        const auto& recorder = spec.recording.state[trace.recorder];
        const auto& sink = s.recordings[trace.recorder];
        const std::uint64_t first = gid_bounds(spec)[recorder.population];
        const std::size_t neurons = trace.gids.size(), variables = recorder.variables.size();
        if (trace.values.size() != samples * variables * neurons)
            throw io_error(s.where(sink.object) + ": state trace has " + std::to_string(trace.values.size()) +
                           " values, expected samples × variables × neurons = " + std::to_string(samples) + " × " +
                           std::to_string(variables) + " × " + std::to_string(neurons));
        hsize_t previous = 0;
        for (std::size_t j = 0; j < neurons; ++j) {
            const std::uint64_t gid = trace.gids[j];
            const auto at = std::lower_bound(sink.ids.begin(), sink.ids.end(), gid - first);
            if (gid < first || at == sink.ids.end() || *at != gid - first)
                throw io_error(s.where(sink.object) + ": gid " + std::to_string(gid) + " is not recorded by '" +
                               recorder.name + "'");
            const auto column = static_cast<hsize_t>(at - sink.ids.begin());
            if (j > 0 && column <= previous)
                throw io_error(s.where(sink.object) + ": state trace gids are not ascending");
            if (!runs.empty() && column == previous + 1) ++runs.back().second;
            else runs.emplace_back(column, 1);
            previous = column;
        }
        buffers.assign(variables, std::vector<float>(samples * neurons));
        for (std::uint64_t t = 0; t < samples; ++t)
            for (std::size_t v = 0; v < variables; ++v)
                std::copy_n(trace.values.begin() + static_cast<std::ptrdiff_t>((t * variables + v) * neurons), neurons,
                            buffers[v].begin() + static_cast<std::ptrdiff_t>(t * neurons));
    });

    auto& sink = s.recordings[trace.recorder];
    if (s.comm.min(static_cast<std::int64_t>(samples)) != s.comm.max(static_cast<std::int64_t>(samples)))
        throw io_error(s.where(sink.object) + ": ranks hold different numbers of samples for one write_state call");
    if (samples == 0) return;

    // Sample times are the same on every rank: rank 0 writes them.
    s.append_segment(sink.times.get(), sink.object + "/times", trace.times.data(), s.rank == 0 ? samples : 0, sink.rows,
                     0, samples);
    const std::size_t neurons = trace.gids.size();
    for (std::size_t v = 0; v < sink.variables.size(); ++v) {
        const std::string object = sink.object + "/" + spec.recording.state[trace.recorder].variables[v];
        s.collective([&] {
            const std::string here = s.where(object);
            const hid_t dataset = sink.variables[v].get();
            const hsize_t size[2] = {sink.rows + samples, sink.ids.size()};
            h5::check(H5Dset_extent(dataset, size), here, "extending the dataset");
            h5::handle file_space(h5::check_id(H5Dget_space(dataset), here, "reading the dataspace"));
            const hsize_t memory_dims[2] = {samples, std::max<std::size_t>(neurons, 1)};
            h5::handle memory_space(h5::check_id(H5Screate_simple(2, memory_dims, nullptr), here, "creating the memory dataspace"));
            if (runs.empty()) {
                h5::check(H5Sselect_none(file_space.get()), here, "selecting nothing");
                h5::check(H5Sselect_none(memory_space.get()), here, "selecting nothing");
            }
            for (std::size_t k = 0; k < runs.size(); ++k) {
                const hsize_t start[2] = {sink.rows, runs[k].first}, count[2] = {samples, runs[k].second};
                h5::check(H5Sselect_hyperslab(file_space.get(), k == 0 ? H5S_SELECT_SET : H5S_SELECT_OR, start, nullptr,
                                              count, nullptr),
                          here, "selecting this rank's columns");
            }
            static const float nothing = 0.0f;
            h5::check(H5Dwrite(dataset, H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), s.dxpl(),
                               runs.empty() ? &nothing : buffers[v].data()),
                      here, "writing the dataset");
        });
    }
    sink.rows += samples;
}

void output_file::write_weights(const model::model_spec& spec, const engine::weight_snapshot& snapshot, int index,
                                const std::string& group_name) {
    auto& s = *impl_;
    s.require_open("write_weights");
    if (snapshot.projection >= spec.projections.size())
        throw io_error(s.where("/" + group_name) + ": weight snapshot of projection index " + std::to_string(snapshot.projection) +
                       " but the model has " + std::to_string(spec.projections.size()) + " projections");
    if (index < 0) throw io_error(s.where("/" + group_name) + ": negative snapshot index " + std::to_string(index));
    const std::string& name = spec.projections[snapshot.projection].name;
    const std::string object = "/" + group_name + "/" + name + "/" + std::to_string(index);
    s.collective([&] {
        if (snapshot.sources.size() != snapshot.weights.size() || snapshot.targets.size() != snapshot.weights.size())
            throw io_error(s.where(object) + ": weight snapshot has " + std::to_string(snapshot.sources.size()) +
                           " sources, " + std::to_string(snapshot.targets.size()) + " targets and " +
                           std::to_string(snapshot.weights.size()) + " weights");
    });
    std::int64_t total = static_cast<std::int64_t>(snapshot.weights.size());
    s.comm.sum(std::span<std::int64_t>(&total, 1));
    const std::uint64_t offset = s.comm.exclusive_prefix_sum(snapshot.weights.size());

    h5::handle group;
    s.collective([&] {
        check_name(name, "projection");
        h5::handle weights = s.open_or_create_group(s.file.get(), group_name, "/" + group_name);
        h5::handle projection = s.open_or_create_group(weights.get(), name, "/" + group_name + "/" + name);
        group = s.create_group(projection.get(), std::to_string(index), object);
        h5::write_attribute(group.get(), "time", snapshot.time, s.where(object));
    });
    const auto n = static_cast<std::uint64_t>(total);
    s.write_segments(group.get(), "source", object + "/source", snapshot.sources, offset, n);
    s.write_segments(group.get(), "target", object + "/target", snapshot.targets, offset, n);
    s.write_segments(group.get(), "weight", object + "/weight", snapshot.weights, offset, n);
}

void output_file::write_final_state(const model::model_spec& spec, const engine::final_state& state) {
    auto& s = *impl_;
    s.require_open("write_final_state");
    if (state.population >= spec.populations.size())
        throw io_error(s.where("/final_state") + ": final state of population index " + std::to_string(state.population) +
                       " but the model has " + std::to_string(spec.populations.size()) + " populations");
    const auto& population = spec.populations[state.population];
    const std::string object = "/final_state/" + population.name;
    std::vector<std::uint64_t> node_ids;
    s.collective([&] {
        if (state.gids.size() != state.V_m.size())
            throw io_error(s.where(object) + ": final state has " + std::to_string(state.gids.size()) + " gids but " +
                           std::to_string(state.V_m.size()) + " values");
        const std::uint64_t first = gid_bounds(spec)[state.population];
        node_ids.reserve(state.gids.size());
        for (std::uint64_t gid : state.gids) {
            if (gid < first || gid - first >= population.size)
                throw io_error(s.where(object) + ": gid " + std::to_string(gid) + " is not in population '" +
                               population.name + "'");
            node_ids.push_back(gid - first);
        }
    });
    std::int64_t total = static_cast<std::int64_t>(node_ids.size());
    s.comm.sum(std::span<std::int64_t>(&total, 1));
    const std::uint64_t offset = s.comm.exclusive_prefix_sum(node_ids.size());

    h5::handle group;
    s.collective([&] {
        check_name(population.name, "population");
        h5::handle parent = s.open_or_create_group(s.file.get(), "final_state", "/final_state");
        group = s.create_group(parent.get(), population.name, object);
    });
    const auto n = static_cast<std::uint64_t>(total);
    s.write_segments(group.get(), "node_ids", object + "/node_ids", node_ids, offset, n);
    s.write_segments(group.get(), "V_m", object + "/V_m", state.V_m, offset, n, "mV");
}

void output_file::write_provenance(const provenance& p) {
    auto& s = *impl_;
    s.require_open("write_provenance");
    // Attributes are metadata and must be identical on every rank; fields such as host and the
    // timers differ between ranks, so rank 0's provenance is the one written.
    packer pack;
    for_each_field(p, pack);
    s.comm.broadcast(pack.bytes, 0);
    provenance agreed;
    s.collective([&] {
        unpacker unpack{pack.bytes};
        for_each_field(agreed, unpack);
    });
    s.collective([&] {
        const std::string here = s.where("/provenance");
        h5::handle group = s.open_or_create_group(s.file.get(), "provenance", "/provenance");
        for_each_field(agreed, [&](const char* name, const auto& value) { h5::write_attribute(group.get(), name, value, here); });
        s.flush("writing the provenance");
    });
}

void output_file::set_status(const std::string& status) {
    auto& s = *impl_;
    s.require_open("set_status");
    // The status of the lowest rank that does not report "complete" wins, so a failure seen by one
    // rank is what the file says.
    std::string agreed = status;
    const auto root = s.comm.min(status != "complete" ? s.rank : no_rank);
    s.comm.broadcast(agreed, root == no_rank ? 0 : static_cast<int>(root));
    s.collective([&] {
        h5::write_attribute(s.file.get(), "status", agreed, s.where("/"));
        s.flush("setting the status");
    });
}

void output_file::close() { impl_->close(); }

}  // namespace synorm::io
