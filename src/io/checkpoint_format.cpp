// Checkpoint files (layout: src/io/README.md, "Checkpoint files"): the pieces the writer, the reader
// and the describer share.
#include "checkpoint_format.hpp"

#include <filesystem>

namespace synorm::io::detail {

namespace fs = std::filesystem;

h5::handle file_access(const std::string& where) {
    h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), where, "creating file access properties"));
    h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), where, "setting the format version");
#if H5_VERSION_GE(1, 10, 7)
    h5::check(H5Pset_file_locking(fapl.get(), false, true), where, "setting file locking");
#endif
    return fapl;
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

}  // namespace synorm::io::detail
