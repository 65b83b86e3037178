// Private to src/io: owning HDF5 identifiers, error messages built from the HDF5 error stack, and
// attribute helpers shared by the writer (output_file.cpp and the output_*.cpp next to it), the reader
// (output_info.cpp) and the checkpoint files (checkpoint_*.cpp).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synorm/io/output_file.hpp"

namespace synorm::io::h5 {

// Owns one HDF5 identifier of any kind (file, group, dataset, dataspace, datatype, attribute,
// property list) and closes it with the function matching its kind. Close errors in the destructor
// are ignored; code that must see them (the file) closes explicitly with release() + H5Fclose.
class handle {
public:
    handle() = default;
    explicit handle(hid_t id) : id_(id) {}
    ~handle() { reset(); }
    handle(handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    handle& operator=(handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
    void reset();

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Switches off HDF5's printing of its error stack to stderr (once per process): every failure is
// turned into an io_error whose message we build, with the HDF5 detail appended.
void silence_hdf5_errors();

// The most specific message on the current HDF5 error stack (e.g. "unable to open file: ... errno =
// 13, error message = 'Permission denied'"), then clears the stack. Empty when the stack is empty.
std::string error_detail();

// Throws io_error "<where>: <what> failed (<HDF5 detail>)".
[[noreturn]] void fail(std::string_view where, std::string_view what);

inline hid_t check_id(hid_t id, std::string_view where, std::string_view what) {
    if (id < 0) fail(where, what);
    return id;
}
inline void check(herr_t status, std::string_view where, std::string_view what) {
    if (status < 0) fail(where, what);
}

// File and memory types of the element types the output uses. File types are fixed little-endian,
// so files look the same from every machine.
template <class T>
struct type_of;
template <>
struct type_of<std::uint64_t> {
    static hid_t file() { return H5T_STD_U64LE; }
    static hid_t memory() { return H5T_NATIVE_UINT64; }
};
template <>
struct type_of<std::int64_t> {
    static hid_t file() { return H5T_STD_I64LE; }
    static hid_t memory() { return H5T_NATIVE_INT64; }
};
template <>
struct type_of<std::uint32_t> {
    static hid_t file() { return H5T_STD_U32LE; }
    static hid_t memory() { return H5T_NATIVE_UINT32; }
};
template <>
struct type_of<std::uint16_t> {
    static hid_t file() { return H5T_STD_U16LE; }
    static hid_t memory() { return H5T_NATIVE_UINT16; }
};
template <>
struct type_of<std::int32_t> {
    static hid_t file() { return H5T_STD_I32LE; }
    static hid_t memory() { return H5T_NATIVE_INT32; }
};
template <>
struct type_of<double> {
    static hid_t file() { return H5T_IEEE_F64LE; }
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct type_of<float> {
    static hid_t file() { return H5T_IEEE_F32LE; }
    static hid_t memory() { return H5T_NATIVE_FLOAT; }
};

// Fixed-size, NUL-padded UTF-8 string type of `size` bytes (at least 1). Fixed-size rather than
// variable-length because parallel HDF5 cannot write variable-length data collectively.
handle string_type(std::size_t size);

bool exists(hid_t location, const std::string& name);  // a link `name` (one path component)

// Attribute writers. Each replaces an attribute of the same name, so a value can be rewritten with
// another size (the run status). In a parallel file they are collective and every rank must pass
// the same value. `where` names the object in error messages ("run.h5:/populations/E").
void write_attribute(hid_t object, const char* name, const std::string& value, std::string_view where);
inline void write_attribute(hid_t object, const char* name, const char* value, std::string_view where) {
    write_attribute(object, name, std::string(value), where);
}
void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values, std::string_view where);
template <class T>
void write_attribute(hid_t object, const char* name, T value, std::string_view where);
template <class T>
void write_attribute(hid_t object, const char* name, const std::vector<T>& values, std::string_view where);

// Attribute readers: nullopt when the attribute does not exist; io_error when it exists but cannot be
// read as the requested type. Strings may be fixed-size or variable-length.
std::optional<std::string> read_string_attribute(hid_t object, const char* name, std::string_view where);
std::optional<std::vector<std::string>> read_strings_attribute(hid_t object, const char* name, std::string_view where);
template <class T>
std::optional<T> read_attribute(hid_t object, const char* name, std::string_view where);
template <class T>
std::optional<std::vector<T>> read_array_attribute(hid_t object, const char* name, std::string_view where);

// Number of elements of a dataset (product of its dimensions).
std::uint64_t dataset_size(hid_t dataset, std::string_view where);

// Integrity (src/io/README.md, "Checksums").
// The file format of checkpoints: HDF5 1.10's (superblock 3, object headers 2, and chunk indexes that
// carry checksums), the oldest in which every piece of metadata has a checksum. Sets the bounds on a
// file access property list. (Output files keep 1.8's: output_file.cpp says why.)
void set_file_format(hid_t fapl, std::string_view where);

// Dataset creation properties with HDF5's Fletcher32 filter on a chunked layout: every chunk carries
// a checksum that HDF5 verifies on every read.
void add_checksum_filter(hid_t dcpl, std::string_view where);

// FNV-1a (64 bit) over bytes, continuing from `h`.
std::uint64_t fnv1a(const void* data, std::size_t bytes, std::uint64_t h = 14695981039346656037ull);

// A checksum of a dataset's content that parts written apart can add up: the sum (mod 2^64) over
// elements of a mix of the element's index and its value's bits. So each rank adds the part it
// appends at its offset, and the sum does not depend on how the dataset was split. Changes with any
// element's value, any element's place, and the number of elements (in all but a 2^-64 chance).
template <class T>
std::uint64_t content_sum(const T* data, std::uint64_t count, std::uint64_t first) {
    static_assert(sizeof(T) <= 8);
    std::uint64_t sum = 0;
    for (std::uint64_t k = 0; k < count; ++k) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, data + k, sizeof(T));
        std::uint64_t z = (first + k) * 0x9E3779B97F4A7C15ull ^ (bits + 0x632BE59BD9B4E019ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        sum += z ^ (z >> 31);
    }
    return sum;
}

// Calls f(path, object) for every group and dataset under the file's root, root first, in name order.
void visit_objects(hid_t file, const std::function<void(const std::string&, hid_t)>& f, std::string_view where);

// The raw value of every attribute of `object`, by name in name order (variable-length strings as
// their text), for checksums.
std::vector<std::pair<std::string, std::string>> attribute_bytes(hid_t object, std::string_view where);

}  // namespace synorm::io::h5
