// Checkpoint files (layout: src/io/README.md, "Checkpoint files"): the pieces the writer, the reader
// and the describer share.
#include "checkpoint_format.hpp"

#include <algorithm>
#include <filesystem>

namespace synorm::io::detail {

namespace fs = std::filesystem;

h5::handle file_access(const std::string& where) {
    h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), where, "creating file access properties"));
    h5::set_file_format(fapl.get(), where);
#if H5_VERSION_GE(1, 10, 7)
    h5::check(H5Pset_file_locking(fapl.get(), false, true), where, "setting file locking");
#endif
    return fapl;
}

const std::vector<std::string> homeostasis_series = {
    "rate",        "sensed_rate", "gain_ex",          "gain_in",
    "w_mean",      "w_std",       "branch_gain_mean", "branch_gain_std",
    "branch_gain", "gain_ex_std", "gain_in_std",      "E_in",
    "E_in_std",    "input_ex",    "input_in",         "ei_ratio",
    "w_at_min",    "w_at_max",    "w_quantiles",      "theta",
    "theta_std"};
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

namespace {

constexpr const char* manifest_attributes[] = {"checksummed", "checksums", "checksum"};

// What the manifest covers, in a fixed order: each object (its kind, and a dataset's element type and
// rank) and each of its attributes, with the FNV-1a 64 of each.
std::vector<std::pair<std::string, std::uint64_t>> manifest_of(const file& f) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    h5::visit_objects(
        f.id.get(),
        [&](const std::string& path, hid_t object) {
        std::string kind = H5Iget_type(object) == H5I_DATASET ? "dataset" : "group";
        if (kind == "dataset") {
            h5::handle type(h5::check_id(H5Dget_type(object), f.where(path), "reading the type"));
            h5::handle space(h5::check_id(H5Dget_space(object), f.where(path), "reading the dataspace"));
            kind += ":" + std::to_string(H5Tget_class(type.get())) + ":" + std::to_string(H5Tget_size(type.get())) +
                    ":" + std::to_string(H5Sget_simple_extent_ndims(space.get()));
        }
        out.emplace_back(path, h5::fnv1a(kind.data(), kind.size()));
        for (const auto& [name, bytes] : h5::attribute_bytes(object, f.where(path))) {
            if (path == "/" && std::find(std::begin(manifest_attributes), std::end(manifest_attributes), name) !=
                                   std::end(manifest_attributes))
                continue;
            out.emplace_back(path + "@" + name, h5::fnv1a(bytes.data(), bytes.size()));
        }
        },
        f.where("/"));
    return out;
}

std::uint64_t manifest_checksum(const std::vector<std::string>& names, const std::vector<std::uint64_t>& sums) {
    std::uint64_t h = h5::fnv1a(sums.data(), sums.size() * sizeof(std::uint64_t));
    for (const auto& n : names) h = h5::fnv1a(n.c_str(), n.size() + 1, h);
    return h;
}

std::string what_of(const std::string& entry) {
    const auto at = entry.find('@');
    if (at == std::string::npos) return "object " + entry;
    return "attribute '" + entry.substr(at + 1) + "' of " + entry.substr(0, at);
}

void verify_manifest(const file& f) {
    const hid_t r = f.id.get();
    const auto names = h5::read_strings_attribute(r, "checksummed", f.where("/"));
    const auto sums = h5::read_array_attribute<std::uint64_t>(r, "checksums", f.where("/"));
    const auto sum = h5::read_attribute<std::uint64_t>(r, "checksum", f.where("/"));
    if (!names || !sums || !sum || names->size() != sums->size())
        throw damaged_file_error(f.where("/") + ": the checksums of its attributes are missing (damaged or edited)");
    if (manifest_checksum(*names, *sums) != *sum)
        throw damaged_file_error(f.where("/") +
                                 ": the list of checksums does not match its own checksum (damaged or edited)");
    const auto found = manifest_of(f);
    std::size_t k = 0;
    for (; k < found.size() && k < names->size(); ++k) {
        if (found[k].first != (*names)[k]) {
            // An object or attribute added or removed: name the one that is out of place.
            const bool missing = std::find_if(found.begin(), found.end(),
                                              [&](const auto& e) { return e.first == (*names)[k]; }) == found.end();
            throw damaged_file_error(f.where("/") + ": " +
                                     (missing ? what_of((*names)[k]) + " is missing"
                                              : what_of(found[k].first) + " is not in its checksums") +
                                     " (damaged or edited)");
        }
        if (found[k].second != (*sums)[k])
            throw damaged_file_error(f.where("/") + ": " + what_of(found[k].first) +
                                     " does not match its checksum (damaged or edited)");
    }
    if (k < names->size())
        throw damaged_file_error(f.where("/") + ": " + what_of((*names)[k]) + " is missing (damaged or edited)");
    if (k < found.size())
        throw damaged_file_error(f.where("/") + ": " + what_of(found[k].first) +
                                 " is not in its checksums (damaged or edited)");
}

}  // namespace

void write_manifest(file& f) {
    std::vector<std::string> names;
    std::vector<std::uint64_t> sums;
    for (auto& [name, sum] : manifest_of(f)) {
        names.push_back(std::move(name));
        sums.push_back(sum);
    }
    const hid_t r = f.id.get();
    h5::write_attribute(r, "checksummed", names, f.where("/"));
    h5::write_attribute(r, "checksums", sums, f.where("/"));
    h5::write_attribute(r, "checksum", manifest_checksum(names, sums), f.where("/"));
}

file open_for_reading(const std::string& path) {
    h5::silence_hdf5_errors();
    std::error_code ec;
    if (!fs::exists(path, ec)) throw checkpoint_error("cannot read checkpoint '" + path + "': no such file");
    if (fs::is_directory(path, ec)) throw checkpoint_error("cannot read checkpoint '" + path + "': it is a directory");
    // A FIFO or a device would block the open below forever, or stream something that is no file.
    if (!fs::is_regular_file(path, ec))
        throw checkpoint_error("cannot read checkpoint '" + path + "': not a regular file");
    h5::handle fapl = file_access(path);
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        const std::string detail = h5::error_detail();
        throw checkpoint_error("cannot read checkpoint '" + path + "': not an HDF5 file, or truncated or damaged" +
                               (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
        const std::string detail = h5::error_detail();
        throw checkpoint_error("cannot read checkpoint '" + path + "': truncated or damaged" +
                               (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    file f{path, h5::handle(id)};
    return reading(path, [&] {
        const hid_t r = f.id.get();
        const auto format = h5::read_string_attribute(r, "format", f.where("/"));
        if (!format || *format != "synorm-checkpoint")
            throw checkpoint_error(
                "cannot read checkpoint '" + path +
                "': not a synorm checkpoint (an output file? resume takes a file from the run's checkpoint directory)");
        const auto complete = h5::read_attribute<std::int32_t>(r, "complete", f.where("/"));
        if (!complete || *complete != 1)
            throw checkpoint_error("cannot read checkpoint '" + path +
                                   "': incomplete (its writer stopped before the completion mark); use an older one");
        const auto version = h5::read_attribute<std::int32_t>(r, "format_version", f.where("/"));
        if (!version)
            throw checkpoint_error("cannot read checkpoint '" + path + "': attribute 'format_version' is missing");
        // Format 3 differs only in its rate bins (every bin of the run, none in the output): it resumes.
        if (*version != checkpoint_version && *version != 3) {
            // Format 1 held plastic synapses with deferred potentiation, which this synorm no longer
            // computes; formats 1 and 2 carry no checksums, so damage in them could not be told.
            const auto writer = h5::read_string_attribute(r, "version", f.where("/"));
            throw checkpoint_error("cannot read checkpoint '" + path + "': format version " + std::to_string(*version) +
                                   ", this synorm reads " + std::to_string(checkpoint_version) +
                                   (*version < 3 ? " (format " + std::to_string(*version) +
                                                       " has no checksums, so damage in it could not be detected)"
                                                 : "") +
                                   "; resume it with the synorm that wrote it (" +
                                   (writer ? "synorm " + *writer : "version unknown") + ")");
        }
        verify_manifest(f);
        return std::move(f);
    });
}

}  // namespace synorm::io::detail
