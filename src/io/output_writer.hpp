// Private to src/io: the state behind io::output_file (the open file and the datasets it appends
// to) and the collective steps through which output_file.cpp and the output_*.cpp files next to it
// write.
//
// Failure protocol: every HDF5 call that may fail sits inside one `collective` step that ends with an
// agreement (comm.max of an error flag), so a rank that fails never leaves the others waiting in the
// next collective, and every rank throws the same io_error. A step holds at most one collective HDF5
// write, and all purely local work (classifying spikes, checking sizes) is done in a step of its own
// before any collective I/O starts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "hdf5_util.hpp"
#include "synorm/io/output_file.hpp"

namespace synorm::io {
namespace detail {

constexpr std::int64_t no_rank = std::numeric_limits<std::int32_t>::max();

constexpr hsize_t rate_chunk = 1024;  // bins per chunk of a rate dataset, at most (a flush of 1 ms bins: 1000)
// Bytes of chunk cache per rate dataset: an append touches the last chunk or two. HDF5's default, 1 MiB
// per open dataset, would hold 128 chunks of each of the multi-area model's 286 rate datasets.
constexpr std::size_t rate_cache = 2 * rate_chunk * sizeof(double);

// bounds[p] = first gid of population p, bounds[P] = number of neurons. Computed here from the sizes
// (gids are assigned in population order) so io does not depend on model_spec's member functions.
inline std::vector<std::uint64_t> gid_bounds(const model::model_spec& spec) {
    std::vector<std::uint64_t> bounds(spec.populations.size() + 1, 0);
    for (std::size_t p = 0; p < spec.populations.size(); ++p) bounds[p + 1] = bounds[p] + spec.populations[p].size;
    return bounds;
}

// Names become HDF5 link names: one non-empty path component.
// The groups of populations (model::population_spec::group) in order of their first population, as
// engine::results::group_rates lists them.
inline std::vector<std::string> rate_groups(const model::model_spec& spec) {
    std::vector<std::string> names;
    for (const auto& pop : spec.populations)
        if (!pop.group.empty() && std::find(names.begin(), names.end(), pop.group) == names.end())
            names.push_back(pop.group);
    return names;
}

inline void check_name(const std::string& name, const char* what) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw io_error(std::string("invalid ") + what + " name '" + name +
                       "' for the output file (must be non-empty and contain no '/')");
}

}  // namespace detail

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
        std::string object;              // "/recordings/<name>"
        std::vector<std::uint64_t> ids;  // population-local, ascending: the dataset's columns
        h5::handle times;
        std::vector<h5::handle> variables;
        std::uint64_t rows = 0;
    };
    bool layout_created = false;
    std::vector<int> spike_slot;
    std::vector<spike_sink> spikes;
    std::vector<recording_sink> recordings;
    // /rates/<population> then /rates_by_group/<group>, appended at each flush of the run's rate bins
    // (created at the first); rate_size bins in each so far, -1 before they exist.
    struct rate_sink {
        std::string object;
        h5::handle dataset;
    };
    std::vector<rate_sink> rates;
    std::int64_t rate_size = -1;
    void create_rates(const model::model_spec& spec, double bin_ms, const std::vector<engine::group_rate>& groups);

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
        const auto root = static_cast<int>(comm.min(failed ? rank : detail::no_rank));
        comm.broadcast(error, root);
        if (comm.size() > 1) error += " [rank " + std::to_string(root) + "]";
        throw io_error(error);
    }

    // Rank 0: a message when the file system holding the file has less than `room_kept_free`
    // bytes free, else empty. In a parallel file, chunks carry a checksum (Fletcher32), so HDF5
    // writes them when it allocates them, inside a collective call that ends in a barrier: a rank
    // whose write fails (a full disk) leaves that call early and the others wait forever. So a
    // parallel step does not start on an almost full disk (once the file exists: creating it
    // allocates no chunk).
    static constexpr double room_kept_free = 8.0 * 1024 * 1024;  // bytes
    std::string room_problem() const;

    template <class F>
    void collective(F&& body) {
        if (parallel && is_open) agree(rank == 0 ? room_problem() : std::string());
        std::string error;
        try {
            body();
        } catch (const std::exception& e) {
            error = e.what();
            if (error.empty()) error = path + ": unknown error";
        }
        agree(std::move(error));
    }

    h5::handle access_properties();
    void create();
    void flush(std::string_view after);
    h5::handle open_or_create_group(hid_t parent, const std::string& name, const std::string& object);
    h5::handle create_group(hid_t parent, const std::string& name, const std::string& object);
    h5::handle create_dataset(hid_t location, const std::string& name, hid_t type, int rank_, const hsize_t* dims,
                              const hsize_t* chunk, const std::string& object, hid_t access = H5P_DEFAULT);
    // Dataset access properties with a chunk cache of `bytes` (HDF5's default is 1 MiB per open dataset).
    h5::handle small_chunk_cache(std::size_t bytes, const std::string& object);
    void write_1d(hid_t dataset, const std::string& object, hid_t memory_type, const void* data, std::uint64_t count,
                  std::uint64_t offset);
    template <class T>
    void write_segments(hid_t location, const std::string& name, const std::string& object, const std::vector<T>& local,
                        std::uint64_t offset, std::uint64_t total, const char* units = nullptr);
    template <class T>
    void append_segment(hid_t dataset, const std::string& object, const T* local, std::uint64_t count,
                        std::uint64_t old_size, std::uint64_t offset, std::uint64_t total);
    // A collective step of its own: a new float64 column with its `units`, identical on every rank;
    // rank 0 writes it.
    void write_column(hid_t parent, const std::string& name, const std::string& object,
                      const std::vector<double>& values, const char* units);
    template <class T>
    void write_from_rank0(hid_t location, const std::string& name, const std::string& object,
                          const std::vector<T>& values, const char* units = nullptr);
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
            throw io_error(where(object) +
                           ": written on one rank by an older synorm (chunks allocated incrementally), so it can be "
                           "continued on one rank only: resume without mpirun or with -np 1 (any --threads)");
    }
};

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

}  // namespace synorm::io
