// The run's HDF5 file (layout: src/io/README.md). Parallel runs open it with the MPI-IO driver on the
// communicator's MPI_Comm and write the large datasets collectively; a serial run uses the default
// driver. No MPI call is made here: counts and offsets come from the communicator.
//
// This file: creating or reopening the file, the layout of the datasets appended to during a run, the
// configuration and the populations, the status, flushing and closing. What a run writes later is in
// output_activity.cpp, output_homeostasis.cpp, output_snapshots.cpp, output_records.cpp and
// output_provenance.cpp.
#include "synorm/io/output_file.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "output_writer.hpp"

namespace synorm::io {
using namespace detail;

namespace {

// 2: Fletcher32 on every non-empty dataset and a checksum on /config (src/io/README.md, "Checksums").
constexpr std::int32_t format_version = 2;
constexpr hsize_t fixed_chunk_elements = hsize_t{1} << 18;  // per chunk of a dataset written once
constexpr hsize_t largest_spike_chunk = 64 * 1024;          // elements per chunk of the spike datasets, at most
constexpr hsize_t smallest_spike_chunk = 1024;              // and at least
constexpr hsize_t times_chunk = 4 * 1024;                   // elements per chunk of recording sample times
constexpr hsize_t trace_chunk = 64 * 1024;                  // elements per chunk of recorded state (rows × columns)

const char* model_name(model::neuron_kind kind) {
    switch (kind) {
    case model::neuron_kind::lif_delta: return "lif_delta";
    case model::neuron_kind::lif_curr_exp: return "lif_curr_exp";
    case model::neuron_kind::lif_cond_exp: return "lif_cond_exp";
    case model::neuron_kind::lif_cond_exp_adapt: return "lif_cond_exp_adapt";
    case model::neuron_kind::lif_curr_exp_adapt: return "lif_curr_exp_adapt";
    case model::neuron_kind::lif_curr_alpha: return "lif_curr_alpha";
    case model::neuron_kind::poisson_source: return "poisson_source";
    }
    return "unknown";
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
    else if (!fs::is_directory(directory, ec))
        reason = "'" + directory.string() + "' is not a directory";
    else if (fs::is_directory(file, ec))
        reason = "it is a directory";
    else if (::access(directory.c_str(), W_OK) != 0)
        reason = "directory '" + directory.string() + "' is not writable";
    std::string message = "cannot create output file '" + path + "'";
    if (!reason.empty()) message += ": " + reason;
    if (!detail.empty()) message += " (HDF5: " + detail + ")";
    return message;
}

}  // namespace

// File access properties for creating or reopening the file, and (in parallel) the collective
// transfer properties the datasets are written with.
h5::handle output_file::impl::access_properties() {
    const std::string here = where("/");
    h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), here, "creating file access properties"));
    // 1.8 object format: attributes larger than 64 KiB (per-rank provenance arrays at scale), a
    // superblock and object headers with checksums (version 2), and no 1.10 "open for writing"
    // mark in the superblock, so a crashed run's file stays readable. Its chunk index has no
    // checksum: the reader checks that every chunk is there instead (output_info.cpp).
    h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), here, "setting the file format");
    // The metadata cache holds at most 256 KiB of entries (HDF5's default grows to 32 MiB): a run
    // writes its metadata once, in order, and hardly reads it back, so a larger cache only costs
    // memory. The size counts entries as on disk; in memory an object header with its attributes
    // takes about 5 times that. With thousands of projections the default cache filled with their
    // groups' headers (33 MiB in memory) and stayed full for the whole run (README "Networks from
    // tables").
    H5AC_cache_config_t cache{};
    cache.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    h5::check(H5Pget_mdc_config(fapl.get(), &cache), here, "reading the metadata cache configuration");
    cache.set_initial_size = true;
    cache.initial_size = std::size_t{128} << 10;
    cache.min_size = std::size_t{64} << 10;
    cache.max_size = std::size_t{256} << 10;
    // In parallel, an entry can leave the cache only once written, which the ranks do together at a
    // sync point each time this much new metadata has been made (HDF5's default: 256 KiB).
    cache.dirty_bytes_threshold = std::size_t{64} << 10;
    h5::check(H5Pset_mdc_config(fapl.get(), &cache), here, "limiting the metadata cache");
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
    return fapl;
}

void output_file::impl::create() {
    h5::silence_hdf5_errors();
    collective([&] {
        const std::string here = where("/");
        const h5::handle fapl = access_properties();
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

std::string output_file::impl::room_problem() const {
    namespace fs = std::filesystem;
    const fs::path parent = fs::path(path).parent_path();
    struct statvfs info {};
    if (::statvfs(parent.empty() ? "." : parent.c_str(), &info) != 0) return {};  // unknown: the write will tell
    const double free_bytes = static_cast<double>(info.f_bavail) * static_cast<double>(info.f_frsize);
    if (free_bytes >= room_kept_free) return {};
    return path + ": writing failed: " + std::to_string(static_cast<long long>(free_bytes / 1024)) +
           " KiB are free on its file system, and a parallel run keeps " +
           std::to_string(static_cast<long long>(room_kept_free / 1048576)) +
           " MiB free (HDF5 that runs out of space inside a collective write cannot stop cleanly)";
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

// A dataset of `rank_` dimensions, chunked, with a Fletcher32 checksum on every chunk (src/io/README.md,
// "Checksums"). With `chunk`, extendible in every dimension (appends); without, fixed, in chunks of
// at most fixed_chunk_elements (an empty one, which holds nothing to check, is contiguous). Fill
// values are never written: every element is written by a rank.
h5::handle output_file::impl::create_dataset(hid_t location, const std::string& name, hid_t type, int rank_,
                                             const hsize_t* dims, const hsize_t* chunk, const std::string& object,
                                             hid_t access) {
    const std::string here = where(object);
    constexpr int max_rank = 3;  // the output's datasets have at most three dimensions
    if (rank_ < 1 || rank_ > max_rank) throw io_error(here + ": a dataset of " + std::to_string(rank_) + " dimensions");
    const hsize_t unlimited[max_rank] = {H5S_UNLIMITED, H5S_UNLIMITED, H5S_UNLIMITED};
    h5::handle space(
        h5::check_id(H5Screate_simple(rank_, dims, chunk ? unlimited : nullptr), here, "creating the dataspace"));
    h5::handle dcpl(h5::check_id(H5Pcreate(H5P_DATASET_CREATE), here, "creating dataset properties"));
    h5::check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), here, "setting the fill time");
    // A dataset written once is chunked too, for its checksums: at most fixed_chunk_elements per
    // chunk, the last dimension first.
    hsize_t fixed_chunk[max_rank] = {0, 0, 0};
    if (!chunk && std::all_of(dims, dims + rank_, [](hsize_t d) { return d > 0; })) {
        hsize_t inner = 1;
        for (int d = rank_ - 1; d >= 0; --d) {
            fixed_chunk[d] = std::min<hsize_t>(dims[d], std::max<hsize_t>(1, fixed_chunk_elements / inner));
            inner *= fixed_chunk[d];
        }
        chunk = fixed_chunk;
    }
    if (chunk) {
        h5::check(H5Pset_chunk(dcpl.get(), rank_, chunk), here, "setting the chunk size");
        h5::add_checksum_filter(dcpl.get(), here);
        // Chunks allocated when the extent grows, as parallel HDF5 does by default, also in a file
        // written on one rank: a run continued on several ranks (synorm resume) appends to these
        // datasets collectively, and with incremental allocation (serial HDF5's default) the first
        // append allocates a chunk inside H5Dwrite on one rank only, which then waits forever in an
        // MPI_File_set_view that the other ranks never enter. Every chunk of the extent therefore
        // exists, which the verification of a file read back relies on (output_info.cpp).
        h5::check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), here, "setting the allocation time");
    }
    return h5::handle(
        h5::check_id(H5Dcreate2(location, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), access), here,
                     "creating the dataset"));
}

h5::handle output_file::impl::small_chunk_cache(std::size_t bytes, const std::string& object) {
    h5::handle dapl(h5::check_id(H5Pcreate(H5P_DATASET_ACCESS), where(object), "creating dataset access properties"));
    h5::check(H5Pset_chunk_cache(dapl.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, bytes, H5D_CHUNK_CACHE_W0_DEFAULT),
              where(object), "setting the chunk cache");
    return dapl;
}

// Collective: this rank writes `count` elements at `offset` of a 1-D dataset (possibly none).
void output_file::impl::write_1d(hid_t dataset, const std::string& object, hid_t memory_type, const void* data,
                                 std::uint64_t count, std::uint64_t offset) {
    const std::string here = where(object);
    h5::handle file_space(h5::check_id(H5Dget_space(dataset), here, "reading the dataspace"));
    const hsize_t memory_dims[1] = {std::max<hsize_t>(count, 1)};
    h5::handle memory_space(
        h5::check_id(H5Screate_simple(1, memory_dims, nullptr), here, "creating the memory dataspace"));
    if (count == 0) {
        h5::check(H5Sselect_none(file_space.get()), here, "selecting nothing");
        h5::check(H5Sselect_none(memory_space.get()), here, "selecting nothing");
    } else {
        const hsize_t start[1] = {offset}, counts[1] = {count};
        h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, counts, nullptr), here,
                  "selecting this rank's elements");
    }
    static const std::uint64_t nothing = 0;  // HDF5 wants a buffer even for an empty selection
    h5::check(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), dxpl(), count ? data : &nothing),
              here, "writing the dataset");
}

void output_file::impl::write_column(hid_t parent, const std::string& name, const std::string& object,
                                     const std::vector<double>& values, const char* units) {
    collective([&] {
        const hsize_t dims[1] = {values.size()};
        h5::handle dataset = create_dataset(parent, name, H5T_IEEE_F64LE, 1, dims, nullptr, object);
        h5::write_attribute(dataset.get(), "units", units, where(object));
        write_1d(dataset.get(), object, H5T_NATIVE_DOUBLE, values.data(), rank == 0 ? values.size() : 0, 0);
    });
}

namespace {

// Elements per chunk of a population's spike datasets: its expected spikes over the run, at its
// expected rate (network.compensation) or else 10 Hz, as a power of two within [smallest_spike_chunk,
// largest_spike_chunk]. Every chunk of a dataset's extent is allocated (and buffered while written)
// whole, so 254 populations of a few hundred neurons in 64 Ki chunks held 254 MiB for a few kB of
// spikes. A chunk's size changes where the spikes sit in the file, not the datasets' content.
hsize_t spike_chunk_elements(const model::model_spec& spec, const model::population_spec& pop) {
    const double rate = pop.expected_rate > 0 ? pop.expected_rate : 10.0;  // Hz
    const double spikes = static_cast<double>(pop.size) * rate * spec.simulation.duration * 1e-3;
    hsize_t chunk = smallest_spike_chunk;
    while (chunk < largest_spike_chunk && static_cast<double>(chunk) < spikes) chunk *= 2;
    return chunk;
}

}  // namespace

// The groups and appendable datasets of spikes and state recordings, created once, before the first
// append, so that a recorded population without a single spike still has its (empty) datasets.
void output_file::impl::create_layout(const model::model_spec& spec) {
    const auto populations = spec.populations.size();
    spike_slot.assign(populations, -1);
    for (std::uint32_t p : spec.recording.spike_populations) {
        if (p >= populations)
            throw io_error(path + ": recording.spike_populations names population index " + std::to_string(p) + " of " +
                           std::to_string(populations));
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
            const hsize_t dims[1] = {0}, chunk[1] = {spike_chunk_elements(spec, spec.populations[sink.population])};
            sink.node_ids =
                create_dataset(population.get(), "node_ids", H5T_STD_U64LE, 1, dims, chunk, sink.object + "/node_ids");
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
            const hsize_t dims[2] = {0, columns},
                          chunk[2] = {std::max<hsize_t>(trace_chunk / column_chunk, 1), column_chunk};
            for (const auto& variable : recorder.variables) {
                check_name(variable, "recorded variable");
                const std::string object = sink.object + "/" + variable;
                sink.variables.push_back(
                    create_dataset(recording.get(), variable, H5T_IEEE_F32LE, 2, dims, chunk, object));
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
        rates.clear();
        transfer.reset();
        if (H5Fclose(file.release()) < 0) h5::fail(where("/"), "closing the file");
    });
}

output_file::output_file(const std::string& path, comm::communicator& comm)
    : impl_(std::make_unique<impl>(path, comm)) {
    impl_->create();
}

output_file::output_file(const std::string& path, comm::communicator& comm, const model::model_spec& spec,
                         const std::vector<std::int64_t>& spike_counts, std::int64_t rate_bins)
    : impl_(std::make_unique<impl>(path, comm)) {
    auto& s = *impl_;
    h5::silence_hdf5_errors();
    s.collective([&] {
        const std::string here = s.where("/");
        const h5::handle fapl = s.access_properties();
        const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
        if (id < 0) h5::fail(here, "opening the output file to continue it");
        s.file = h5::handle(id);
        const auto format = h5::read_string_attribute(id, "format", here);
        if (!format || *format != "synorm-output") throw io_error(here + ": not a synorm output file");
        // Everything written at the end of a run goes: a file continued from an earlier checkpoint
        // than its last (marked unfinished by hand) holds it already.
        for (const char* end_only :
             {"homeostasis", "weights", "phases", "phase_weights", "patterns", "pruning", "final_state", "provenance"})
            if (h5::exists(id, end_only))
                h5::check(H5Ldelete(id, end_only, H5P_DEFAULT), here, std::string("removing /") + end_only);
        // The rates, appended during the run, stay when the checkpoint counts bins in them (format 3
        // wrote them at the end).
        if (rate_bins < 0)
            for (const char* end_only : {"rates", "rates_by_group"})
                if (h5::exists(id, end_only))
                    h5::check(H5Ldelete(id, end_only, H5P_DEFAULT), here, std::string("removing /") + end_only);
        h5::write_attribute(id, "status", "running", here);
    });
    s.is_open = true;
    // The appendable datasets, opened instead of created, spikes and rates cut back to the checkpoint's counts.
    if (rate_bins >= 0)
        s.collective([&] {
            const h5::handle access = s.small_chunk_cache(detail::rate_cache, "/rates");
            std::vector<std::string> objects;
            for (const auto& pop : spec.populations) objects.push_back("/rates/" + pop.name);
            for (const auto& group : detail::rate_groups(spec)) objects.push_back("/rates_by_group/" + group);
            for (const auto& object : objects) {
                h5::handle dataset(
                    h5::check_id(H5Dopen2(s.file.get(), object.c_str(), access.get()), s.where(object), "opening"));
                const std::uint64_t have = h5::dataset_size(dataset.get(), s.where(object));
                if (static_cast<std::uint64_t>(rate_bins) > have)
                    throw io_error(s.where(object) + ": holds " + std::to_string(have) +
                                   " rate bins, fewer than the checkpoint's " + std::to_string(rate_bins) +
                                   " (another run's file?)");
                const hsize_t size[1] = {static_cast<hsize_t>(rate_bins)};
                h5::check(H5Dset_extent(dataset.get(), size), s.where(object), "cutting back to the checkpoint");
                if (H5Aexists(dataset.get(), "mean") > 0)
                    h5::check(H5Adelete(dataset.get(), "mean"), s.where(object), "removing the mean");
                s.require_early_allocation(dataset.get(), object);
                s.rates.push_back({object, std::move(dataset)});
            }
            s.rate_size = rate_bins;
        });
    s.collective([&] {
        const auto populations = spec.populations.size();
        s.spike_slot.assign(populations, -1);
        for (std::uint32_t p : spec.recording.spike_populations) {
            if (p >= populations || s.spike_slot[p] >= 0) continue;
            const std::string object = "/spikes/" + spec.populations[p].name;
            impl::spike_sink sink{p, object, {}, {}, 0};
            sink.node_ids = h5::handle(h5::check_id(H5Dopen2(s.file.get(), (object + "/node_ids").c_str(), H5P_DEFAULT),
                                                    s.where(object), "opening"));
            sink.timestamps = h5::handle(h5::check_id(
                H5Dopen2(s.file.get(), (object + "/timestamps").c_str(), H5P_DEFAULT), s.where(object), "opening"));
            const std::int64_t count = p < spike_counts.size() ? spike_counts[p] : -1;
            const std::uint64_t have = h5::dataset_size(sink.node_ids.get(), s.where(object));
            if (count < 0 || static_cast<std::uint64_t>(count) > have)
                throw io_error(s.where(object) + ": holds " + std::to_string(have) +
                               " spikes, fewer than the checkpoint's " + std::to_string(count) +
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
            sink.times = h5::handle(h5::check_id(H5Dopen2(s.file.get(), (sink.object + "/times").c_str(), H5P_DEFAULT),
                                                 s.where(sink.object), "opening"));
            for (const auto& variable : recorder.variables)
                sink.variables.push_back(
                    h5::handle(h5::check_id(H5Dopen2(s.file.get(), (sink.object + "/" + variable).c_str(), H5P_DEFAULT),
                                            s.where(sink.object), "opening")));
            for (const auto& variable : sink.variables) s.require_early_allocation(variable.get(), sink.object);
            // State is written at the end of a run (the checkpoint holds the samples so far): cut back.
            const hsize_t none[1] = {0};
            h5::check(H5Dset_extent(sink.times.get(), none), s.where(sink.object), "cutting back to the checkpoint");
            const hsize_t no_rows[2] = {0, static_cast<hsize_t>(sink.ids.size())};  // [samples × neurons]
            for (const auto& variable : sink.variables)
                h5::check(H5Dset_extent(variable.get(), no_rows), s.where(sink.object),
                          "cutting back to the checkpoint");
            sink.rows = 0;
        }
        s.layout_created = true;
    });
    // Apart: a rank that failed above is agreed on before any rank enters the flush's barrier.
    s.collective([&] { s.flush("reopening the file"); });
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
        h5::handle dataset(h5::check_id(
            H5Dcreate2(s.file.get(), "config", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), here,
            "creating the dataset"));
        h5::write_attribute(dataset.get(), "format", "yaml", here);
        // Scalar, so not chunked: the content checksum of checkpoint files instead (h5::content_sum
        // over the stored bytes), verified wherever /config is read.
        h5::write_attribute(dataset.get(), "checksum", h5::content_sum(text.data(), text.size(), 0), here);
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

std::string output_file::read_config() {
    auto& s = *impl_;
    s.require_open("read_config");
    std::string text;
    s.collective([&] {
        const std::string here = s.where("/config");
        h5::handle dataset(h5::check_id(H5Dopen2(s.file.get(), "config", H5P_DEFAULT), here, "opening the dataset"));
        h5::handle stored(h5::check_id(H5Dget_type(dataset.get()), here, "reading the type"));
        const std::size_t size = H5Tget_size(stored.get());
        h5::handle type = h5::string_type(size);
        h5::handle selection(h5::check_id(H5Screate(H5S_SCALAR), here, "creating the dataspace"));
        h5::handle memory(h5::check_id(H5Screate(H5S_SCALAR), here, "creating the dataspace"));
        if (s.rank != 0) {
            h5::check(H5Sselect_none(selection.get()), here, "selecting nothing");
            h5::check(H5Sselect_none(memory.get()), here, "selecting nothing");
        }
        text.assign(s.rank == 0 ? size : 1, '\0');
        h5::check(H5Dread(dataset.get(), type.get(), memory.get(), selection.get(), s.dxpl(), text.data()), here,
                  "reading the dataset");
        if (s.rank != 0) {
            text.clear();
            return;
        }
        const auto sum = h5::read_attribute<std::uint64_t>(dataset.get(), "checksum", here);
        if (!sum || *sum != h5::content_sum(text.data(), text.size(), 0))
            throw io_error(here + ": the configuration read back does not match its checksum");
        text.resize(std::strlen(text.c_str()));
    });
    return text;
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
            if (!population.group.empty()) h5::write_attribute(group.get(), "group", population.group, here);
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
    // HDF5 keeps what it freed on its own free lists: give the groups' memory back.
    H5garbage_collect();
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
