// Private to src/io: what the checkpoint's writer (checkpoint_write.cpp), reader (checkpoint_read.cpp)
// and describer (checkpoint_info.cpp) share: the format version, one open file with serial HDF5 and
// its datasets by path, the phase table's columns, the homeostasis record's series, and opening a
// checkpoint for reading.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "hdf5_util.hpp"
#include "synorm/engine/checkpoint.hpp"
#include "synorm/io/checkpoint_file.hpp"

namespace synorm::io::detail {

// 3: checksums (src/io/README.md, "Checksums"); 2 and older have none and are refused.
inline constexpr std::int32_t checkpoint_version = 4;
inline constexpr hsize_t chunk_elements = hsize_t{1} << 18;

h5::handle file_access(const std::string& where);

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
            const hid_t next = h5::exists(at.get(), part)
                                   ? H5Gopen2(at.get(), part.c_str(), H5P_DEFAULT)
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
        const hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED},
                      chunk[1] = {std::clamp<hsize_t>(hint, 256, chunk_elements)};
        h5::handle space(h5::check_id(H5Screate_simple(1, dims, maxdims), where(name), "creating the dataspace"));
        h5::handle dcpl(h5::check_id(H5Pcreate(H5P_DATASET_CREATE), where(name), "creating dataset properties"));
        h5::check(H5Pset_chunk(dcpl.get(), 1, chunk), where(name), "setting the chunk size");
        h5::check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), where(name), "setting the fill time");
        h5::add_checksum_filter(dcpl.get(), where(name));
        h5::handle d(h5::check_id(H5Dcreate2(parent.get(), name.substr(slash + 1).c_str(), h5::type_of<T>::file(),
                                             space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                                  where(name), "creating the dataset"));
        if (units) h5::write_attribute(d.get(), "units", units, where(name));
        h5::write_attribute(d.get(), "checksum", std::uint64_t{0}, where(name));
    }

    // The content checksum of a dataset (attribute `checksum`, h5::content_sum of its elements):
    // each rank adds the sum of the part it appends.
    std::uint64_t stored_checksum(hid_t d, const std::string& name) const {
        const auto sum = h5::read_attribute<std::uint64_t>(d, "checksum", where(name));
        if (!sum) throw damaged_file_error(where(name) + ": has no checksum");
        return *sum;
    }
    std::uint64_t stored_checksum(const std::string& name) const {
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        return stored_checksum(d.get(), name);
    }
    void verify(const std::string& name, std::uint64_t sum) const {
        if (sum != stored_checksum(name))
            throw damaged_file_error(where(name) + ": its data do not match their checksum (damaged or edited)");
    }

    template <class T>
    void append(const std::string& name, const T* data, std::uint64_t count) {
        if (count == 0) return;
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        const std::uint64_t old = h5::dataset_size(d.get(), where(name));
        const hsize_t size[1] = {old + count}, start[1] = {old}, n[1] = {count};
        h5::check(H5Dset_extent(d.get(), size), where(name), "extending the dataset");
        h5::handle space(h5::check_id(H5Dget_space(d.get()), where(name), "reading the dataspace"));
        h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), where(name),
                  "selecting");
        h5::handle memory(h5::check_id(H5Screate_simple(1, n, nullptr), where(name), "creating the memory dataspace"));
        h5::check(H5Dwrite(d.get(), h5::type_of<T>::memory(), memory.get(), space.get(), H5P_DEFAULT, data),
                  where(name), "writing the dataset");
        const std::uint64_t sum = stored_checksum(d.get(), name) + h5::content_sum(data, count, old);
        h5::write_attribute(d.get(), "checksum", sum, where(name));
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
        h5::handle d(h5::check_id(
            H5Dcreate2(id.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            where(name), "creating the dataset"));
        h5::check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), where(name),
                  "writing the dataset");
        h5::write_attribute(d.get(), "checksum", h5::content_sum(buffer.data(), buffer.size(), 0), where(name));
    }

    // `verified`: against the dataset's checksum (every checkpoint's; an output file's from format 2).
    std::string get_text(const std::string& name, bool verified = true) const {
        h5::handle d(h5::check_id(H5Dopen2(id.get(), name.c_str(), H5P_DEFAULT), where(name), "opening the dataset"));
        h5::handle type(h5::check_id(H5Dget_type(d.get()), where(name), "reading the type"));
        const std::size_t size = H5Tget_size(type.get());
        std::string text(size, '\0');
        h5::handle memory = h5::string_type(size);
        h5::check(H5Dread(d.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), where(name),
                  "reading the dataset");
        if (verified) verify(name, h5::content_sum(text.data(), text.size(), 0));
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
        h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), where(name),
                  "selecting");
        h5::handle memory(h5::check_id(H5Screate_simple(1, n, nullptr), where(name), "creating the memory dataspace"));
        h5::check(H5Dread(d.get(), h5::type_of<T>::memory(), memory.get(), space.get(), H5P_DEFAULT, out), where(name),
                  "reading the dataset");
    }
    template <class T>
    std::vector<T> get(const std::string& name) const {
        std::vector<T> v(size_of(name));
        read(name, 0, v.size(), v.data());
        verify(name, h5::content_sum(v.data(), v.size(), 0));
        return v;
    }
};

// The float64 columns of the phase table /schedule/phases, in the order they are written: one list for
// the writer and the reader, so that the two cannot drift apart.
inline constexpr std::pair<const char*, double engine::phase_record::*> phase_columns[] = {
    {"start", &engine::phase_record::start},
    {"end", &engine::phase_record::end},
    {"weight_start", &engine::phase_record::weight_start},
    {"weight_end", &engine::phase_record::weight_end},
    {"set_point", &engine::phase_record::set_point},
    {"renormalization", &engine::phase_record::renormalization},
    {"weight_spared", &engine::phase_record::weight_spared}};

// The homeostasis record's series, by name: one dataset each (and one of row lengths) under
// /records/homeostasis.
extern const std::vector<std::string> homeostasis_series;
extern const std::vector<std::string> recorded_series;
std::vector<float>& recorded(engine::homeostasis_trace::neurons& n, const std::string& name);
std::vector<std::vector<double>>& series(engine::homeostasis_trace& h, const std::string& name);

// A complete synorm checkpoint of this format whose attributes and structure match their checksums
// (write_manifest), opened read-only; throws checkpoint_error otherwise.
file open_for_reading(const std::string& path);

// Rank 0, last: the checksum of every object's attributes (datasets' content checksums among them)
// and of the objects themselves, as the root attributes `checksummed` (what), `checksums` (FNV-1a 64
// of each) and `checksum` (of those two).
void write_manifest(file& f);

// Any failure while reading a complete file is damage: one error type for the caller.
template <class F>
auto reading(const std::string& path, F&& body) {
    try {
        return body();
    } catch (const checkpoint_error&) {
        throw;
    } catch (const std::exception& e) {
        throw checkpoint_error("cannot read checkpoint '" + path + "' (damaged): " + e.what());
    }
}

}  // namespace synorm::io::detail
