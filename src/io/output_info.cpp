// `synorm info`: a plain-text summary of an output file, read with the default (serial) HDF5 driver
// by one process. It first reads every dataset and attribute (verify: HDF5 checks each checksum), so
// it takes as long as reading the file once, and describes only a file that passes; the summary itself
// needs only attributes and dataset shapes.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <numeric>
#include <optional>
#include <sstream>

#include "hdf5_util.hpp"
#include "synorm/io/output_file.hpp"

namespace synorm::io {
namespace {

constexpr int max_ranks_listed = 8;  // beyond this, per-rank figures are shown as min / mean / max

std::string fixed(double value, int digits) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << value;
    return out.str();
}

std::string mebibytes(std::int64_t bytes) { return fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 1); }

// Per-rank values as "a b c" (few ranks) or "min a / mean b / max c" (many).
template <class T, class F>
std::string per_rank(const std::vector<T>& values, F&& format) {
    std::string out;
    if (values.size() <= static_cast<std::size_t>(max_ranks_listed)) {
        for (std::size_t r = 0; r < values.size(); ++r) out += (r ? "  " : "") + format(static_cast<double>(values[r]));
        return out;
    }
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    return "min " + format(static_cast<double>(*low)) + " / mean " + format(mean) + " / max " +
           format(static_cast<double>(*high));
}

// The load of each rank (provenance rank_*): the values, and max/mean, the load imbalance.
void describe_load(std::ostream& out, hid_t p, const std::string& here) {
    const auto placement = h5::read_string_attribute(p, "placement", here);
    if (!placement) return;  // written before the placement was recorded
    out << "load per rank (placement " << *placement << "; max/mean is the imbalance):\n";
    auto count = [](double v) { return fixed(v, v == static_cast<double>(static_cast<std::int64_t>(v)) ? 0 : 1); };
    for (const char* name : {"neurons", "synapses", "spikes", "events"}) {
        const std::string attribute = std::string("rank_") + name;
        const auto values = h5::read_array_attribute<std::int64_t>(p, attribute.c_str(), here);
        if (!values || values->empty()) continue;
        const double mean = std::accumulate(values->begin(), values->end(), 0.0) / static_cast<double>(values->size());
        const auto high = *std::max_element(values->begin(), values->end());
        out << "  " << std::left << std::setw(10) << name << std::right << per_rank(*values, count) << "  (max/mean "
            << (mean > 0 ? fixed(static_cast<double>(high) / mean, 3) : std::string("-")) << ")\n";
    }
}

class reader {
public:
    explicit reader(const std::string& path) : path_(path) { open(); }

    std::string describe();
    // Reads every dataset and attribute (src/io/README.md, "Checksums"); throws damaged_file_error.
    void verify() const;

private:
    std::string path_;
    h5::handle file_;

    std::string where(std::string_view object) const { return path_ + ":" + std::string(object); }
    void open();
    std::optional<h5::handle> group(hid_t parent, const std::string& name, const std::string& object) const {
        if (!h5::exists(parent, name)) return std::nullopt;
        return h5::handle(
            h5::check_id(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), where(object), "opening the group"));
    }
    // Calls f(name, object, group) for each name in `parent`'s string-array attribute `list` that is a
    // group under `parent` (the object `at`), in the attribute's order; names without a group are skipped.
    template <class F>
    void for_each_named_group(hid_t parent, const std::string& at, const char* list, F&& f) const {
        for (const auto& name :
             h5::read_strings_attribute(parent, list, where(at)).value_or(std::vector<std::string>{})) {
            const std::string object = at + "/" + name;
            if (auto g = group(parent, name, object)) f(name, object, *g);
        }
    }
    std::optional<std::uint64_t> spike_count(const std::string& population) const;
    void verify_dataset(const std::string& object, hid_t dataset, bool checksummed) const;
    void verify_spikes() const;
    [[noreturn]] void damaged(const std::string& object, const std::string& what) const {
        const std::string detail = h5::error_detail();
        throw damaged_file_error("output file '" + path_ + "' is damaged: " + object + ": " + what +
                                 (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    std::vector<double> column(hid_t parent, const std::string& name, const std::string& object) const;
    void describe_phases(std::ostringstream& out, hid_t phases, hid_t populations) const;
    void describe_patterns(std::ostringstream& out, hid_t patterns) const;
    void describe_pruning(std::ostringstream& out, hid_t pruning) const;
};

std::vector<double> reader::column(hid_t parent, const std::string& name, const std::string& object) const {
    if (!h5::exists(parent, name)) return {};
    h5::handle d(h5::check_id(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), where(object), "opening the dataset"));
    std::vector<double> v(h5::dataset_size(d.get(), where(object)));
    if (!v.empty())
        h5::check(H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), where(object),
                  "reading");
    return v;
}

// The phase table: one line per phase, with the first population's rate and SWA.
void reader::describe_phases(std::ostringstream& out, hid_t phases, hid_t populations) const {
    const std::string here = where("/phases");
    const auto names = h5::read_strings_attribute(phases, "name", here).value_or(std::vector<std::string>{});
    const auto kinds = h5::read_strings_attribute(phases, "kind", here).value_or(std::vector<std::string>{});
    const auto cycle = column(phases, "cycle", "/phases/cycle"), skipped = column(phases, "skipped", "/phases/skipped");
    const auto start = column(phases, "start", "/phases/start"), end = column(phases, "end", "/phases/end");
    const auto w0 = column(phases, "weight_start", "/phases/weight_start"),
               w1 = column(phases, "weight_end", "/phases/weight_end");
    const auto factor = column(phases, "renormalization", "/phases/renormalization");
    const auto pruned = column(phases, "pruned", "/phases/pruned");
    const auto wall = h5::exists(phases, "wall") ? column(phases, "wall", "/phases/wall") : std::vector<double>{};
    std::vector<std::string> order;
    if (populations >= 0)
        order = h5::read_strings_attribute(populations, "order", where("/populations")).value_or(order);
    std::vector<double> rate, swa;
    std::string pop;
    if (!order.empty() && h5::exists(phases, order.front())) {
        pop = order.front();
        h5::handle g(
            h5::check_id(H5Gopen2(phases, pop.c_str(), H5P_DEFAULT), where("/phases/" + pop), "opening the group"));
        rate = column(g.get(), "rate", "/phases/" + pop + "/rate");
        swa = column(g.get(), "swa", "/phases/" + pop + "/swa");
    }
    out << "\nphases (" << names.size() << "; total excitatory plastic weight W, SHY factor G, real-time factor RTF"
        << (pop.empty() ? "" : ", population " + pop + "'s rate and slow-wave activity") << "):\n";
    out << "  " << std::left << std::setw(14) << "name" << std::setw(8) << "kind" << std::right << std::setw(6)
        << "cycle" << std::setw(12) << "start (s)" << std::setw(12) << "end (s)" << std::setw(14) << "W start"
        << std::setw(14) << "W end" << std::setw(10) << "G" << std::setw(11) << "rate (Hz)" << std::setw(12)
        << "SWA (Hz^2)" << std::setw(10) << "pruned" << std::setw(8) << "RTF" << '\n';
    const auto at = [](const std::vector<double>& v, std::size_t i) { return i < v.size() ? v[i] : std::nan(""); };
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::string name = names[i] + (at(skipped, i) > 0 ? " (skipped)" : "");
        out << "  " << std::left << std::setw(14) << name << std::setw(8) << (i < kinds.size() ? kinds[i] : "?")
            << std::right << std::setw(6) << static_cast<long long>(at(cycle, i)) << std::setw(12)
            << fixed(at(start, i) / 1000.0, 3) << std::setw(12) << fixed(at(end, i) / 1000.0, 3) << std::setw(14)
            << fixed(at(w0, i), 1) << std::setw(14) << fixed(at(w1, i), 1) << std::setw(10) << fixed(at(factor, i), 5)
            << std::setw(11) << fixed(at(rate, i), 3) << std::setw(12) << fixed(at(swa, i), 3) << std::setw(10)
            << (i < pruned.size() ? std::to_string(static_cast<long long>(pruned[i])) : std::string("-"))
            << std::setw(8) << fixed(at(wall, i) / ((at(end, i) - at(start, i)) * 1e-3), 3) << '\n';
    }
    if (!h5::exists(phases, "weight_by_group")) return;
    // Per group (area): W_g at the last homeostasis sample of each phase, over its set point W*_g.
    h5::handle by(h5::check_id(H5Gopen2(phases, "weight_by_group", H5P_DEFAULT), where("/phases/weight_by_group"),
                               "opening the group"));
    const auto groups = h5::read_strings_attribute(by.get(), "order", where("/phases/weight_by_group"))
                            .value_or(std::vector<std::string>{});
    const auto time = column(phases, "time", "/phases/time");
    out << "W by group at each phase end, over its set point W*_g (W at the end when not taken):\n";
    for (const auto& g : groups) {
        const std::string object = "/phases/weight_by_group/" + g;
        const auto W = column(by.get(), g, object);
        h5::handle d(h5::check_id(H5Dopen2(by.get(), g.c_str(), H5P_DEFAULT), where(object), "opening the dataset"));
        const double ref =
            h5::read_attribute<double>(d.get(), "set_point", where(object)).value_or(W.empty() ? NAN : W.back());
        out << "  " << std::left << std::setw(12) << g << std::right << " W* " << fixed(ref, 1) << ':';
        for (std::size_t i = 0; i < names.size(); ++i) {
            std::size_t k = 0;
            while (k < time.size() && k < W.size() && time[k] <= at(end, i)) ++k;
            out << ' ' << (k > 0 ? fixed(W[k - 1] / ref, 4) : std::string("-"));
        }
        out << '\n';
    }
}

// One line per stimulus pattern: its group, presentations, and each recall probe's response (the
// uncued members' rate over the rest of the population's), then the engram's weight ratio.
void reader::describe_patterns(std::ostringstream& out, hid_t patterns) const {
    for_each_named_group(patterns, "/patterns", "names",
                         [&](const std::string& name, const std::string& object, const h5::handle& g) {
        const auto population = h5::read_string_attribute(g.get(), "population", where(object)).value_or("?");
        const auto members = column(g.get(), "node_ids", object + "/node_ids"),
                   onsets = column(g.get(), "onsets", object + "/onsets");
        out << "\npattern " << name << " (" << members.size() << " neurons of " << population << ", " << onsets.size()
            << " presentations";
        if (!onsets.empty())
            out << " from " << fixed(onsets.front() / 1000.0, 3) << " s to " << fixed(onsets.back() / 1000.0, 3)
                << " s";
        out << "):\n";
        const auto probes = column(g.get(), "probe_time", object + "/probe_time");
        const auto uncued = column(g.get(), "uncued_rate", object + "/uncued_rate"),
                   cued = column(g.get(), "cued_rate", object + "/cued_rate");
        const auto rest = column(g.get(), "rest_rate", object + "/rest_rate");
        for (std::size_t m = 0; m < probes.size() && m < uncued.size() && m < cued.size() && m < rest.size(); ++m)
            out << "  probe at " << fixed(probes[m] / 1000.0, 3) << " s: cued " << fixed(cued[m], 2) << " Hz, uncued "
                << fixed(uncued[m], 2) << " Hz, rest " << fixed(rest[m], 2) << " Hz (recall "
                << fixed(uncued[m] / rest[m], 2) << "x)\n";
        const auto times = column(g.get(), "weight_time", object + "/weight_time");
        for_each_named_group(g.get(), object, "projections",
                             [&](const std::string& proj, const std::string& at, const h5::handle& pg) {
            const auto in = column(pg.get(), "w_group", at + "/w_group"),
                       others = column(pg.get(), "w_rest", at + "/w_rest");
            out << "  engram in " << proj << " (mean weight within the group / of the rest):";
            for (std::size_t t = 0; t < in.size() && t < others.size() && t < times.size(); ++t)
                out << ' ' << fixed(times[t] / 1000.0, 1) << " s " << fixed(in[t] / others[t], 3);
            out << '\n';
        });
    });
}

// One line per pruning point of each pruned projection.
void reader::describe_pruning(std::ostringstream& out, hid_t pruning) const {
    for_each_named_group(pruning, "/pruning", "projections",
                         [&](const std::string& name, const std::string& object, const h5::handle& g) {
        const auto time = column(g.get(), "time", object + "/time"),
                   synapses = column(g.get(), "synapses", object + "/synapses");
        const auto below = column(g.get(), "below", object + "/below"),
                   tagged = column(g.get(), "tagged", object + "/tagged");
        const auto removed = column(g.get(), "removed", object + "/removed");
        const auto b0 = column(g.get(), "bytes_before", object + "/bytes_before"),
                   b1 = column(g.get(), "bytes_after", object + "/bytes_after");
        out << "\npruning of " << name << " (" << time.size()
            << " points; synapses before, weak, tagged, removed, table KiB before -> after):\n";
        out << "  " << std::right << std::setw(10) << "time (s)" << std::setw(12) << "synapses" << std::setw(10)
            << "weak" << std::setw(10) << "tagged" << std::setw(10) << "removed" << std::setw(24) << "KiB" << '\n';
        const auto n = [](const std::vector<double>& v, std::size_t i) {
            return i < v.size() ? static_cast<long long>(v[i]) : -1LL;
        };
        for (std::size_t i = 0; i < time.size(); ++i) {
            const std::string kib = fixed(static_cast<double>(n(b0, i)) / 1024.0, 1) + " -> " +
                                    fixed(static_cast<double>(n(b1, i)) / 1024.0, 1);
            out << "  " << std::setw(10) << fixed(time[i] / 1000.0, 3) << std::setw(12) << n(synapses, i)
                << std::setw(10) << n(below, i) << std::setw(10) << n(tagged, i) << std::setw(10) << n(removed, i)
                << std::setw(24) << kib << '\n';
        }
    });
}

void reader::open() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string prefix = "cannot read output file '" + path_ + "': ";
    if (!fs::exists(path_, ec)) throw io_error(prefix + "no such file");
    if (fs::is_directory(path_, ec)) throw io_error(prefix + "it is a directory");
    // A FIFO or a device would block HDF5's open forever.
    if (!fs::is_regular_file(path_, ec)) throw io_error(prefix + "not a regular file");
    const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
    if (is_hdf5 < 0) {
        const std::string detail = h5::error_detail();
        throw damaged_file_error(prefix + "cannot open it: truncated or damaged" +
                                 (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    if (is_hdf5 == 0)
        throw damaged_file_error(prefix + "not an HDF5 file (truncated or damaged, or another kind of file)");

    h5::handle fapl(h5::check_id(H5Pcreate(H5P_FILE_ACCESS), path_, "creating file access properties"));
#if H5_VERSION_GE(1, 10, 7)
    // Read a file that a running (or crashed) synorm still holds: no lock needed to read attributes.
    h5::check(H5Pset_file_locking(fapl.get(), false, true), path_, "disabling file locking");
#endif
    const hid_t id = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
        const std::string detail = h5::error_detail();
        throw damaged_file_error(prefix + "HDF5 cannot open it: truncated or damaged" +
                                 (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    file_ = h5::handle(id);
    std::optional<std::string> format;
    try {
        format = h5::read_string_attribute(file_.get(), "format", where("/"));
    } catch (const std::exception& e) {
        throw damaged_file_error(prefix + "damaged: " + e.what());
    }
    if (!format || *format != "synorm-output")
        throw io_error(prefix + "not a synorm output file (root attribute 'format' is " +
                       (format ? "'" + *format + "'" : std::string("missing")) + ", expected 'synorm-output')");
}

std::optional<std::uint64_t> reader::spike_count(const std::string& population) const {
    auto spikes = group(file_.get(), "spikes", "/spikes");
    if (!spikes) return std::nullopt;
    auto sink = group(spikes->get(), population, "/spikes/" + population);
    if (!sink || !h5::exists(sink->get(), "node_ids")) return std::nullopt;
    const std::string object = "/spikes/" + population + "/node_ids";
    h5::handle dataset(
        h5::check_id(H5Dopen2(sink->get(), "node_ids", H5P_DEFAULT), where(object), "opening the dataset"));
    return h5::dataset_size(dataset.get(), where(object));
}


// Slices of at most this many bytes along the first dimension: a file of any size is read in
// bounded memory.
constexpr std::uint64_t verify_slice_bytes = std::uint64_t{16} << 20;

void reader::verify_dataset(const std::string& object, hid_t dataset, bool checksummed) const {
    h5::handle type(H5Dget_type(dataset));
    h5::handle space(H5Dget_space(dataset));
    h5::handle dcpl(H5Dget_create_plist(dataset));
    if (!type.valid() || !space.valid() || !dcpl.valid()) damaged(object, "reading its type and shape failed");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    constexpr int max_rank = 3;  // what the writer makes (output_file.cpp, create_dataset)
    if (rank < 0 || rank > max_rank) damaged(object, "has " + std::to_string(rank) + " dimensions");
    hsize_t dims[max_rank] = {1, 1, 1};
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    std::uint64_t elements = 1;
    for (int k = 0; k < rank; ++k) elements *= dims[k];
    if (elements == 0) return;
    // Every chunk of the extent exists (they are allocated early) with its checksum applied: a chunk
    // index whose key was damaged would otherwise read as fill values.
    if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
        hsize_t chunk[max_rank] = {1, 1, 1};
        if (H5Pget_chunk(dcpl.get(), max_rank, chunk) != rank) damaged(object, "reading its chunk size failed");
        if (checksummed) {
            bool fletcher = false;
            for (int k = 0, n = H5Pget_nfilters(dcpl.get()); k < n; ++k) {
                unsigned flags = 0;
                std::size_t cd = 0;
                if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(k), &flags, &cd, nullptr, 0, nullptr, nullptr) ==
                    H5Z_FILTER_FLETCHER32)
                    fletcher = true;
            }
            if (!fletcher) damaged(object, "has no checksum filter");
        }
        hsize_t expected = 1, count[max_rank] = {1, 1, 1};
        for (int k = 0; k < rank; ++k) {
            if (chunk[k] == 0) damaged(object, "has a chunk size of 0");
            count[k] = (dims[k] + chunk[k] - 1) / chunk[k];
            expected *= count[k];
        }
        hsize_t found = 0;
        if (H5Dget_num_chunks(dataset, space.get(), &found) < 0) damaged(object, "counting its chunks failed");
        if (found != expected)
            damaged(object, "holds " + std::to_string(found) + " chunks, its extent " + std::to_string(expected));
        for (hsize_t c = 0; c < expected; ++c) {  // every chunk, by its index in the grid of chunks
            hsize_t offset[max_rank] = {0, 0, 0};
            std::string at;
            for (int k = rank - 1; k >= 0; --k) {
                hsize_t index = c;
                for (int m = k + 1; m < rank; ++m) index /= count[m];
                offset[k] = (index % count[k]) * chunk[k];
            }
            for (int k = 0; k < rank; ++k) at += (k ? "," : "") + std::to_string(offset[k]);
            unsigned mask = 0;
            haddr_t address = HADDR_UNDEF;
            hsize_t bytes = 0;
            if (H5Dget_chunk_info_by_coord(dataset, offset, &mask, &address, &bytes) < 0 || address == HADDR_UNDEF)
                damaged(object, "its chunk at " + at + " is missing");
            if (checksummed && mask != 0) damaged(object, "a chunk was stored without its checksum");
        }
    }
    h5::handle memory_type(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
    if (!memory_type.valid()) damaged(object, "reading its type failed");
    const std::size_t element = H5Tget_size(memory_type.get());
    const std::uint64_t row = dims[1] * dims[2] * element;  // bytes per index of the first dimension
    const hsize_t rows_per_slice = std::max<std::uint64_t>(1, verify_slice_bytes / std::max<std::uint64_t>(row, 1));
    std::vector<unsigned char> buffer;
    if (rank == 0) {
        buffer.resize(element);
        if (H5Dread(dataset, memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
            damaged(object, "reading it failed");
        return;
    }
    for (hsize_t first = 0; first < dims[0]; first += rows_per_slice) {
        const hsize_t n = std::min<hsize_t>(rows_per_slice, dims[0] - first);
        const hsize_t start[max_rank] = {first, 0, 0}, counts[max_rank] = {n, dims[1], dims[2]};
        h5::handle file_space(H5Dget_space(dataset));
        h5::handle memory(H5Screate_simple(rank, counts, nullptr));
        buffer.resize(n * row);
        if (!file_space.valid() || !memory.valid() ||
            H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, counts, nullptr) < 0 ||
            H5Dread(dataset, memory_type.get(), memory.get(), file_space.get(), H5P_DEFAULT, buffer.data()) < 0)
            damaged(object, "reading it failed (its checksum does not match: damaged)");
    }
}

// Spike ids inside their population, spike times inside the run: what a checksum cannot tell of a
// file edited with another tool.
void reader::verify_spikes() const {
    auto spikes = group(file_.get(), "spikes", "/spikes");
    if (!spikes) return;
    auto simulation = group(file_.get(), "simulation", "/simulation");
    const double end =
        simulation ? h5::read_attribute<double>(simulation->get(), "duration", where("/simulation")).value_or(INFINITY)
                   : INFINITY;
    auto populations = group(file_.get(), "populations", "/populations");
    for (const auto& name :
         h5::read_strings_attribute(populations ? populations->get() : file_.get(), "order", where("/populations"))
             .value_or(std::vector<std::string>{})) {
        auto sink = group(spikes->get(), name, "/spikes/" + name);
        auto population = group(populations->get(), name, "/populations/" + name);
        if (!sink || !population || !h5::exists(sink->get(), "node_ids") || !h5::exists(sink->get(), "timestamps"))
            continue;
        const auto size = h5::read_attribute<std::uint64_t>(population->get(), "size", where("/populations/" + name));
        if (!size) damaged("/populations/" + name, "has no size");
        h5::handle ids(H5Dopen2(sink->get(), "node_ids", H5P_DEFAULT)),
            times(H5Dopen2(sink->get(), "timestamps", H5P_DEFAULT));
        if (!ids.valid() || !times.valid()) damaged("/spikes/" + name, "opening its datasets failed");
        const std::uint64_t n = h5::dataset_size(ids.get(), where("/spikes/" + name + "/node_ids"));
        if (h5::dataset_size(times.get(), where("/spikes/" + name + "/timestamps")) != n)
            damaged("/spikes/" + name, "node_ids and timestamps differ in length");
        constexpr std::uint64_t slice = std::uint64_t{1} << 20;
        std::vector<std::uint64_t> id(slice);
        std::vector<double> t(slice);
        for (std::uint64_t first = 0; first < n; first += slice) {
            const hsize_t start[1] = {first}, count[1] = {std::min(slice, n - first)};
            h5::handle memory(H5Screate_simple(1, count, nullptr));
            for (auto* d : {&ids, &times}) {
                h5::handle space(H5Dget_space(d->get()));
                if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
                    H5Dread(d->get(), d == &ids ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE, memory.get(), space.get(),
                            H5P_DEFAULT, d == &ids ? static_cast<void*>(id.data()) : static_cast<void*>(t.data())) < 0)
                    damaged("/spikes/" + name, "reading it failed");
            }
            for (std::uint64_t k = 0; k < count[0]; ++k) {
                if (id[k] >= *size)
                    damaged("/spikes/" + name + "/node_ids",
                            "element " + std::to_string(first + k) + " = " + std::to_string(id[k]) +
                                " is outside the population (size " + std::to_string(*size) + ")");
                if (!(t[k] >= 0.0 && t[k] <= end))
                    damaged("/spikes/" + name + "/timestamps", "element " + std::to_string(first + k) + " = " +
                                                                   fixed(t[k], 3) + " ms is outside the run [0, " +
                                                                   fixed(end, 3) + "] ms");
            }
        }
    }
}

void reader::verify() const {
    const auto version = h5::read_attribute<std::int32_t>(file_.get(), "format_version", where("/"));
    const bool checksummed = version && *version >= 2;
    // A synorm output holds these from its first moments (output_file::write_config and
    // write_populations): a file without them that says it is complete is not one, or lost them. (A
    // run that crashed or failed before writing them says so in its status: it is described.)
    const std::string status = h5::read_string_attribute(file_.get(), "status", where("/")).value_or("");
    const bool unfinished = status == "running" || status.rfind("failed", 0) == 0 || status.rfind("stopped", 0) == 0;
    for (const char* part : {"config", "simulation", "populations"})
        if (!unfinished && !h5::exists(file_.get(), part))
            throw damaged_file_error("cannot read output file '" + path_ +
                                     "': not a complete synorm output (its status is '" + status +
                                     "', but it has no /" + part + "; damaged, or not written by synorm)");
    h5::visit_objects(
        file_.get(),
        [&](const std::string& object, hid_t id) {
        h5::attribute_bytes(id, where(object));
        if (H5Iget_type(id) == H5I_DATASET) verify_dataset(object, id, checksummed && object != "/config");
        },
        "output file '" + path_ + "' is damaged");
    if (checksummed && h5::exists(file_.get(), "config")) {
        h5::handle config(H5Dopen2(file_.get(), "config", H5P_DEFAULT));
        h5::handle type(H5Dget_type(config.get()));
        if (!config.valid() || !type.valid()) damaged("/config", "opening it failed");
        std::string text(H5Tget_size(type.get()), '\0');
        const auto sum = h5::read_attribute<std::uint64_t>(config.get(), "checksum", where("/config"));
        if (!sum) damaged("/config", "has no checksum");
        if (H5Dread(config.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
            damaged("/config", "reading it failed");
        if (h5::content_sum(text.data(), text.size(), 0) != *sum)
            damaged("/config", "its text does not match its checksum (damaged or edited)");
    }
    verify_spikes();
}

std::string reader::describe() {
    const hid_t root = file_.get();
    const std::string here = where("/");
    std::ostringstream out;
    const std::string status = h5::read_string_attribute(root, "status", here).value_or("unknown");
    const auto version = h5::read_attribute<std::int32_t>(root, "format_version", here);

    out << "file:        " << path_ << '\n';
    out << "status:      " << status << '\n';
    if (status != "complete")
        out << "WARNING: THIS RUN DID NOT COMPLETE (status: " << status
            << "); the file may hold only part of the run\n";
    out << "format:      synorm-output " << (version ? std::to_string(*version) : "?")
        << (version && *version >= 2 ? ", every dataset read and its checksums verified"
                                     : ", no checksums (written before format 2): data not verified")
        << '\n';

    auto provenance = group(root, "provenance", "/provenance");
    const std::string prov_here = where("/provenance");
    std::optional<double> simulated;
    if (provenance) {
        const hid_t p = provenance->get();
        auto str = [&](const char* name) { return h5::read_string_attribute(p, name, prov_here).value_or("?"); };
        auto i64 = [&](const char* name) {
            const auto v = h5::read_attribute<std::int64_t>(p, name, prov_here);
            return v ? std::to_string(*v) : std::string("?");
        };
        auto u64 = [&](const char* name) {
            const auto v = h5::read_attribute<std::uint64_t>(p, name, prov_here);
            return v ? std::to_string(*v) : std::string("?");
        };
        simulated = h5::read_attribute<double>(p, "simulated_time", prov_here);
        const auto wall = h5::read_attribute<double>(p, "wall_time", prov_here);
        const auto factor = h5::read_attribute<double>(p, "real_time_factor", prov_here);
        out << "version:     synorm " << str("version") << " (git " << str("git_revision") << ")\n";
        const auto overlap = h5::read_string_attribute(p, "overlap", prov_here);
        out << "layout:      " << i64("ranks") << " ranks × " << i64("threads") << " threads, exchange "
            << str("exchange") << (overlap && *overlap == "on" ? " overlapped" : "") << " (comm.overlap "
            << str("overlap_setting") << "), min delay " << u64("min_delay_steps") << " steps\n";
        if (const auto structure = h5::read_string_attribute(p, "exchange_structure", prov_here);
            structure && *structure != "flat")
            out << "structure:   " << *structure << " (comm.structure)\n";
        if (const auto dry = h5::read_string_attribute(p, "dry_run", prov_here); dry && !dry->empty())
            out << "dry run:     " << *dry << " (README \"Dry run\": per-rank figures are this rank's)\n";
        out << "host:        " << str("host") << ", " << str("start_time") << " to " << str("end_time") << '\n';
        out << "seed:        " << u64("seed") << '\n';
        out << "simulated:   " << (simulated ? fixed(*simulated, 1) + " ms" : "?") << '\n';
        out << "wall time:   " << (wall ? fixed(*wall, 2) + " s" : "?") << '\n';
        out << "real-time factor: " << (factor ? fixed(*factor, 3) : "?")
            << " (wall seconds of the loop per simulated second)\n";
        out << "synapses:    " << u64("synapses") << '\n';
        out << "spikes:      " << u64("spikes") << '\n';
        const auto events = h5::read_attribute<std::uint64_t>(p, "synaptic_events", prov_here);
        const auto loop = h5::read_attribute<double>(p, "loop_time", prov_here);
        const auto ranks = h5::read_attribute<std::int64_t>(p, "ranks", prov_here);
        const auto threads = h5::read_attribute<std::int64_t>(p, "threads", prov_here);
        if (events && loop && *loop > 0 && ranks && threads)
            out << "synaptic events: " << *events << " (" << fixed(static_cast<double>(*events) / *loop / 1e6, 1)
                << " M/s, "
                << fixed(static_cast<double>(*events) / *loop / 1e6 / static_cast<double>(*ranks * *threads), 1)
                << " M/s per core)\n";
    } else {
        out << "provenance:  none (the run ended before writing it)\n";
    }

    // Duration for mean rates: the simulated time, else the planned duration.
    auto simulation = group(root, "simulation", "/simulation");
    std::optional<double> duration = simulated;
    std::string duration_note;
    if (!duration && simulation) {
        duration = h5::read_attribute<double>(simulation->get(), "duration", where("/simulation"));
        if (duration) duration_note = " (over the planned " + fixed(*duration, 1) + " ms)";
    }

    auto populations = group(root, "populations", "/populations");
    if (!populations) {
        out << "\npopulations: none written\n";
    } else {
        const auto order = h5::read_strings_attribute(populations->get(), "order", where("/populations"))
                               .value_or(std::vector<std::string>{});
        out << "\npopulations (gid order):" << duration_note << '\n';
        out << "  " << std::left << std::setw(16) << "name" << std::right << std::setw(12) << "size"
            << "  " << std::left << std::setw(20) << "model" << std::setw(12) << "type" << std::right << std::setw(12)
            << "spikes" << std::setw(12) << "rate (Hz)" << '\n';
        for (const auto& name : order) {
            const std::string object = "/populations/" + name;
            auto g = group(populations->get(), name, object);
            if (!g) throw io_error(where(object) + ": population listed in /populations 'order' is missing");
            const auto size = h5::read_attribute<std::uint64_t>(g->get(), "size", where(object)).value_or(0);
            const auto model = h5::read_string_attribute(g->get(), "model", where(object)).value_or("?");
            const auto type = h5::read_string_attribute(g->get(), "type", where(object)).value_or("?");
            const auto spikes = spike_count(name);
            std::string count = "-", rate = "-";
            if (spikes) {
                count = std::to_string(*spikes);
                if (size > 0 && duration && *duration > 0)
                    rate = fixed(static_cast<double>(*spikes) / static_cast<double>(size) / (*duration / 1000.0), 3);
            }
            out << "  " << std::left << std::setw(16) << name << std::right << std::setw(12) << size << "  "
                << std::left << std::setw(20) << model << std::setw(12) << type << std::right << std::setw(12) << count
                << std::setw(12) << rate << '\n';
        }
        out << "  (spikes '-': not recorded)\n";
    }

    if (auto phases = group(root, "phases", "/phases"))
        describe_phases(out, phases->get(), populations ? populations->get() : -1);
    if (auto pruning = group(root, "pruning", "/pruning")) describe_pruning(out, pruning->get());
    if (auto patterns = group(root, "patterns", "/patterns")) describe_patterns(out, patterns->get());

    if (provenance) {
        const hid_t p = provenance->get();
        const auto rss = h5::read_array_attribute<std::int64_t>(p, "peak_rss_bytes", prov_here);
        const auto synapse_bytes = h5::read_array_attribute<std::int64_t>(p, "synapse_bytes", prov_here);
        auto mib = [](double bytes) { return mebibytes(static_cast<std::int64_t>(bytes)); };
        out << '\n';
        if (rss && !rss->empty()) out << "peak RSS per rank (MiB):       " << per_rank(*rss, mib) << '\n';
        if (synapse_bytes && !synapse_bytes->empty())
            out << "synapse memory per rank (MiB): " << per_rank(*synapse_bytes, mib) << '\n';

        describe_load(out, p, prov_here);

        const auto sent = h5::read_array_attribute<double>(p, "exchange_bytes_sent", prov_here);
        const auto received = h5::read_array_attribute<double>(p, "exchange_bytes_received", prov_here);
        auto bytes = [](double b) { return fixed(b, 0); };
        if (sent && !sent->empty()) out << "exchange bytes per interval, sent:     " << per_rank(*sent, bytes) << '\n';
        if (received && !received->empty())
            out << "exchange bytes per interval, received: " << per_rank(*received, bytes) << '\n';
        const auto fraction = h5::read_attribute<double>(p, "exchange_fraction", prov_here);
        const auto targets_time = h5::read_array_attribute<double>(p, "targets_time", prov_here);
        const auto targets_bytes = h5::read_array_attribute<std::int64_t>(p, "targets_bytes", prov_here);
        if (fraction && *fraction >= 0 && targets_time && targets_bytes)
            out << "exchange targets: largest need " << fixed(100 * *fraction, 1) << " % of the neurons; built in "
                << per_rank(*targets_time, [](double s) { return fixed(s, 4); }) << " s, "
                << per_rank(*targets_bytes, bytes) << " bytes per rank\n";

        const char* phases[] = {"build", "update", "deliver", "wait", "exchange", "record"};
        bool header = false;
        auto seconds = [](double s) { return fixed(s, 3); };
        for (const char* phase : phases) {
            const std::string name = std::string("time_") + phase;
            const auto times = h5::read_array_attribute<double>(p, name.c_str(), prov_here);
            if (!times || times->empty()) continue;
            if (!header) {
                out << "time per rank (s):\n";
                header = true;
            }
            out << "  " << std::left << std::setw(10) << phase << std::right << per_rank(*times, seconds) << '\n';
        }
    }
    return out.str();
}

}  // namespace

std::string describe(const std::string& path) {
    h5::silence_hdf5_errors();
    reader r(path);
    r.verify();
    return r.describe();
}

void verify_output(const std::string& path) {
    h5::silence_hdf5_errors();
    reader(path).verify();
}

}  // namespace synorm::io
