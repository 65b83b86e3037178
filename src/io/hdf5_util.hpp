// Private to src/io: owning HDF5 identifiers, error messages built from the HDF5 error stack, and
// attribute helpers shared by the writer (output_file.cpp and the output_*.cpp next to it), the reader
// (output_info.cpp) and the checkpoint files (checkpoint_*.cpp).
#pragma once

#include <hdf5.h>

#include <cstdint>
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
template <class T> struct type_of;
template <> struct type_of<std::uint64_t> {
    static hid_t file() { return H5T_STD_U64LE; }
    static hid_t memory() { return H5T_NATIVE_UINT64; }
};
template <> struct type_of<std::int64_t> {
    static hid_t file() { return H5T_STD_I64LE; }
    static hid_t memory() { return H5T_NATIVE_INT64; }
};
template <> struct type_of<std::uint32_t> {
    static hid_t file() { return H5T_STD_U32LE; }
    static hid_t memory() { return H5T_NATIVE_UINT32; }
};
template <> struct type_of<std::uint16_t> {
    static hid_t file() { return H5T_STD_U16LE; }
    static hid_t memory() { return H5T_NATIVE_UINT16; }
};
template <> struct type_of<std::int32_t> {
    static hid_t file() { return H5T_STD_I32LE; }
    static hid_t memory() { return H5T_NATIVE_INT32; }
};
template <> struct type_of<double> {
    static hid_t file() { return H5T_IEEE_F64LE; }
    static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};
template <> struct type_of<float> {
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
void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values,
                     std::string_view where);
template <class T>
void write_attribute(hid_t object, const char* name, T value, std::string_view where);
template <class T>
void write_attribute(hid_t object, const char* name, const std::vector<T>& values, std::string_view where);

// Attribute readers: nullopt when the attribute does not exist; io_error when it exists but cannot be
// read as the requested type. Strings may be fixed-size or variable-length.
std::optional<std::string> read_string_attribute(hid_t object, const char* name, std::string_view where);
std::optional<std::vector<std::string>> read_strings_attribute(hid_t object, const char* name,
                                                               std::string_view where);
template <class T>
std::optional<T> read_attribute(hid_t object, const char* name, std::string_view where);
template <class T>
std::optional<std::vector<T>> read_array_attribute(hid_t object, const char* name, std::string_view where);

// Number of elements of a dataset (product of its dimensions).
std::uint64_t dataset_size(hid_t dataset, std::string_view where);

}  // namespace synorm::io::h5
