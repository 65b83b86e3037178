#include "hdf5_util.hpp"

#include <algorithm>
#include <cstring>

namespace synorm::io::h5 {

void handle::reset() {
    if (id_ < 0) return;
    switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: H5Idec_ref(id_); break;
    }
    id_ = H5I_INVALID_HID;
}

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {
herr_t innermost_message(unsigned, const H5E_error2_t* error, void* data) {
    auto* out = static_cast<std::string*>(data);
    if (out->empty()) {
        if (error->desc && *error->desc) *out = error->desc;
        else if (error->func_name)
            *out = std::string("in ") + error->func_name;
    }
    return 0;
}
}  // namespace

std::string error_detail() {
    std::string detail;
    // Upward: the most specific entry (e.g. the driver's errno message) comes first.
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_message, &detail);
    H5Eclear2(H5E_DEFAULT);
    return detail;
}

void fail(std::string_view where, std::string_view what) {
    std::string message;
    message.append(where).append(": ").append(what).append(" failed");
    const std::string detail = error_detail();
    if (!detail.empty()) message.append(" (HDF5: ").append(detail).append(")");
    throw io_error(message);
}

handle string_type(std::size_t size) {
    handle type(H5Tcopy(H5T_C_S1));
    if (!type.valid() || H5Tset_size(type.get(), std::max<std::size_t>(size, 1)) < 0 ||
        H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        fail("HDF5", "creating a string type");
    return type;
}

bool exists(hid_t location, const std::string& name) {
    const htri_t found = H5Lexists(location, name.c_str(), H5P_DEFAULT);
    if (found < 0) fail(name, "looking up the link");
    return found > 0;
}

namespace {

std::string attribute_what(std::string_view verb, const char* name) {
    return std::string(verb) + " attribute '" + name + "'";
}

// Creates attribute `name` on `object` (replacing an existing one) and writes `data` to it.
void create_and_write(hid_t object, const char* name, hid_t file_type, hid_t memory_type, hid_t space, const void* data,
                      std::string_view where) {
    const htri_t found = H5Aexists(object, name);
    check(found, where, attribute_what("looking up", name));
    if (found > 0) check(H5Adelete(object, name), where, attribute_what("replacing", name));
    handle attribute(check_id(H5Acreate2(object, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT), where,
                              attribute_what("creating", name)));
    if (data) check(H5Awrite(attribute.get(), memory_type, data), where, attribute_what("writing", name));
}

handle vector_space(std::size_t n, std::string_view where) {
    if (n == 0) return handle(check_id(H5Screate(H5S_NULL), where, "creating an empty dataspace"));
    const hsize_t dims[1] = {n};
    return handle(check_id(H5Screate_simple(1, dims, nullptr), where, "creating a dataspace"));
}

// Opens attribute `name` if it exists, with its dataspace's element count.
std::optional<handle> open_attribute(hid_t object, const char* name, std::string_view where) {
    const htri_t found = H5Aexists(object, name);
    check(found, where, attribute_what("looking up", name));
    if (found == 0) return std::nullopt;
    return handle(check_id(H5Aopen(object, name, H5P_DEFAULT), where, attribute_what("opening", name)));
}

std::uint64_t element_count(hid_t attribute, std::string_view where, const char* name) {
    handle space(check_id(H5Aget_space(attribute), where, attribute_what("reading the shape of", name)));
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) fail(where, attribute_what("reading the shape of", name));
    // Sizes read from a file are checked before anything is allocated for them: no attribute synorm
    // writes comes near this (per-rank arrays hold one value per rank).
    constexpr hssize_t most = hssize_t{1} << 24;
    if (n > most)
        throw io_error(std::string(where) + ": attribute '" + name + "' claims " + std::to_string(n) +
                       " elements, more than a synorm file holds (" + std::to_string(most) +
                       "); the file is damaged or not synorm's");
    return static_cast<std::uint64_t>(n);
}

// Reads a string attribute (scalar or array, fixed-size or variable-length) as a list of strings.
std::vector<std::string> read_strings(hid_t attribute, std::string_view where, const char* name) {
    handle file_type(check_id(H5Aget_type(attribute), where, attribute_what("reading the type of", name)));
    if (H5Tget_class(file_type.get()) != H5T_STRING)
        throw io_error(std::string(where) + ": attribute '" + name + "' is not a string");
    const std::uint64_t n = element_count(attribute, where, name);
    std::vector<std::string> values;
    if (n == 0) return values;
    values.reserve(n);
    if (H5Tis_variable_str(file_type.get()) > 0) {
        handle memory_type(H5Tcopy(H5T_C_S1));
        H5Tset_size(memory_type.get(), H5T_VARIABLE);
        H5Tset_cset(memory_type.get(), H5Tget_cset(file_type.get()));
        std::vector<char*> pointers(n, nullptr);
        check(H5Aread(attribute, memory_type.get(), pointers.data()), where, attribute_what("reading", name));
        for (char* p : pointers) values.emplace_back(p ? p : "");
        handle space(H5Aget_space(attribute));
        H5Dvlen_reclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
        return values;
    }
    const std::size_t size = H5Tget_size(file_type.get());
    if (size == 0 || n * size > (std::uint64_t{1} << 28))
        throw io_error(std::string(where) + ": string attribute '" + name + "' claims " + std::to_string(n) + " x " +
                       std::to_string(size) + " bytes; the file is damaged or not synorm's");
    handle memory_type = string_type(size);
    std::vector<char> buffer(n * size, '\0');
    check(H5Aread(attribute, memory_type.get(), buffer.data()), where, attribute_what("reading", name));
    for (std::uint64_t i = 0; i < n; ++i) {
        const char* begin = buffer.data() + i * size;
        values.emplace_back(begin, strnlen(begin, size));
    }
    return values;
}

}  // namespace

void write_attribute(hid_t object, const char* name, const std::string& value, std::string_view where) {
    std::string buffer = value;
    buffer.resize(std::max<std::size_t>(value.size(), 1), '\0');
    handle type = string_type(buffer.size());
    handle space(check_id(H5Screate(H5S_SCALAR), where, "creating a dataspace"));
    create_and_write(object, name, type.get(), type.get(), space.get(), buffer.data(), where);
}

void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values, std::string_view where) {
    std::size_t size = 1;
    for (const auto& v : values) size = std::max(size, v.size());
    std::vector<char> buffer(values.size() * size, '\0');
    for (std::size_t i = 0; i < values.size(); ++i)
        std::memcpy(buffer.data() + i * size, values[i].data(), values[i].size());
    handle type = string_type(size);
    handle space = vector_space(values.size(), where);
    create_and_write(object, name, type.get(), type.get(), space.get(), values.empty() ? nullptr : buffer.data(),
                     where);
}

template <class T>
void write_attribute(hid_t object, const char* name, T value, std::string_view where) {
    handle space(check_id(H5Screate(H5S_SCALAR), where, "creating a dataspace"));
    create_and_write(object, name, type_of<T>::file(), type_of<T>::memory(), space.get(), &value, where);
}

template <class T>
void write_attribute(hid_t object, const char* name, const std::vector<T>& values, std::string_view where) {
    handle space = vector_space(values.size(), where);
    create_and_write(object, name, type_of<T>::file(), type_of<T>::memory(), space.get(),
                     values.empty() ? nullptr : values.data(), where);
}

std::optional<std::string> read_string_attribute(hid_t object, const char* name, std::string_view where) {
    auto attribute = open_attribute(object, name, where);
    if (!attribute) return std::nullopt;
    auto values = read_strings(attribute->get(), where, name);
    if (values.size() != 1)
        throw io_error(std::string(where) + ": attribute '" + name + "' holds " + std::to_string(values.size()) +
                       " strings, expected one");
    return std::move(values.front());
}

std::optional<std::vector<std::string>> read_strings_attribute(hid_t object, const char* name, std::string_view where) {
    auto attribute = open_attribute(object, name, where);
    if (!attribute) return std::nullopt;
    return read_strings(attribute->get(), where, name);
}

template <class T>
std::optional<T> read_attribute(hid_t object, const char* name, std::string_view where) {
    auto values = read_array_attribute<T>(object, name, where);
    if (!values) return std::nullopt;
    if (values->size() != 1)
        throw io_error(std::string(where) + ": attribute '" + name + "' holds " + std::to_string(values->size()) +
                       " values, expected one");
    return values->front();
}

template <class T>
std::optional<std::vector<T>> read_array_attribute(hid_t object, const char* name, std::string_view where) {
    auto attribute = open_attribute(object, name, where);
    if (!attribute) return std::nullopt;
    handle file_type(check_id(H5Aget_type(attribute->get()), where, attribute_what("reading the type of", name)));
    const H5T_class_t type_class = H5Tget_class(file_type.get());
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT)
        throw io_error(std::string(where) + ": attribute '" + name + "' is not numeric");
    std::vector<T> values(element_count(attribute->get(), where, name));
    if (!values.empty())
        check(H5Aread(attribute->get(), type_of<T>::memory(), values.data()), where, attribute_what("reading", name));
    return values;
}

std::uint64_t dataset_size(hid_t dataset, std::string_view where) {
    handle space(check_id(H5Dget_space(dataset), where, "reading the dataset shape"));
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) fail(where, "reading the dataset shape");
    return static_cast<std::uint64_t>(n);
}

#define SYNORM_IO_INSTANTIATE(T)                                                                   \
    template void write_attribute<T>(hid_t, const char*, T, std::string_view);                     \
    template void write_attribute<T>(hid_t, const char*, const std::vector<T>&, std::string_view); \
    template std::optional<T> read_attribute<T>(hid_t, const char*, std::string_view);             \
    template std::optional<std::vector<T>> read_array_attribute<T>(hid_t, const char*, std::string_view);
SYNORM_IO_INSTANTIATE(std::uint64_t)
SYNORM_IO_INSTANTIATE(std::int64_t)
SYNORM_IO_INSTANTIATE(std::int32_t)
SYNORM_IO_INSTANTIATE(double)
SYNORM_IO_INSTANTIATE(float)
#undef SYNORM_IO_INSTANTIATE

}  // namespace synorm::io::h5

namespace synorm::io::h5 {

void set_file_format(hid_t fapl, std::string_view where) {
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110), where, "setting the file format");
}

void add_checksum_filter(hid_t dcpl, std::string_view where) {
    check(H5Pset_fletcher32(dcpl), where, "adding the Fletcher32 checksum filter");
}

std::uint64_t fnv1a(const void* data, std::size_t bytes, std::uint64_t h) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t k = 0; k < bytes; ++k) {
        h ^= p[k];
        h *= 1099511628211ull;
    }
    return h;
}

namespace {

struct visit_state {
    std::vector<std::string> paths;
    std::string last = "/";
};

herr_t visit_one(hid_t, const char* name, const H5O_info_t* info, void* data) {
    auto* s = static_cast<visit_state*>(data);
    const std::string path = std::strcmp(name, ".") == 0 ? "/" : "/" + std::string(name);
    s->last = path;
    if (info->type == H5O_TYPE_GROUP || info->type == H5O_TYPE_DATASET) s->paths.push_back(path);
    return 0;
}

}  // namespace

// The walk collects the paths in the index's native order and sorts them: HDF5 1.10.8 sorts a group's
// links in a table that it frees wrongly when a damaged B-tree node stops it half-way (a crash, not
// an error), while native order iterates the B-tree directly.
void visit_objects(hid_t file, const std::function<void(const std::string&, hid_t)>& f, std::string_view where) {
    visit_state s;
    if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit_one, &s, H5O_INFO_ALL) < 0) {
        const std::string detail = error_detail();
        throw damaged_file_error(std::string(where) + ": the objects after " + s.last + " cannot be read" +
                                 (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    std::sort(s.paths.begin(), s.paths.end());
    for (const auto& path : s.paths) {
        handle object(H5Oopen(file, path.c_str(), H5P_DEFAULT));
        if (!object.valid()) {
            const std::string detail = error_detail();
            throw damaged_file_error(std::string(where) + ": " + path + " cannot be opened" +
                                     (detail.empty() ? "" : " (HDF5: " + detail + ")"));
        }
        f(path, object.get());
    }
}

namespace {

herr_t collect_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
    auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(data);
    handle attribute(H5Aopen(object, name, H5P_DEFAULT));
    if (!attribute.valid()) return -1;
    handle type(H5Aget_type(attribute.get()));
    handle space(H5Aget_space(attribute.get()));
    if (!type.valid() || !space.valid()) return -1;
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) return -1;
    std::string bytes;
    if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
        std::vector<char*> values(static_cast<std::size_t>(n), nullptr);
        handle memory(H5Tcopy(H5T_C_S1));
        if (!memory.valid() || H5Tset_size(memory.get(), H5T_VARIABLE) < 0) return -1;
        if (H5Aread(attribute.get(), memory.get(), values.data()) < 0) return -1;
        for (char* v : values) bytes += std::string(v ? v : "") + '\0';
        H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, values.data());
    } else {
        const std::size_t size = H5Tget_size(type.get());
        bytes.assign(size * static_cast<std::size_t>(n), '\0');
        if (!bytes.empty() && H5Aread(attribute.get(), type.get(), bytes.data()) < 0) return -1;
        // The type, so that a value reinterpreted as another type does not pass.
        bytes += "|" + std::to_string(H5Tget_class(type.get())) + ":" + std::to_string(size) + ":" + std::to_string(n);
    }
    out->emplace_back(name, std::move(bytes));
    return 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> attribute_bytes(hid_t object, std::string_view where) {
    std::vector<std::pair<std::string, std::string>> out;
    hsize_t at = 0;
    // Native order, sorted below: as for links (visit_objects), HDF5's sorted iteration can crash on
    // a damaged index instead of failing.
    if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_NATIVE, &at, collect_attribute, &out) < 0) {
        const std::string detail = error_detail();
        throw damaged_file_error(std::string(where) + ": reading the attributes failed" +
                                 (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace synorm::io::h5
