// io::output_file written by one process, read back with the HDF5 C API; io::describe on complete,
// crashed and invalid files; path errors.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "synorm/io/output_file.hpp"

namespace synorm {
namespace {

namespace fs = std::filesystem;

// E (gids 0–7), I (8–11), X (12–14); spikes recorded for E and I only; a recorder of I's V_m and
// I_syn_ex; one projection E → I.
model::model_spec small_spec() {
    model::model_spec spec;
    spec.simulation.dt = 0.1;
    spec.simulation.duration = 100.0;
    spec.simulation.seed = 7;
    auto population = [](std::string name, std::uint64_t size, model::neuron_kind kind, model::cell_type type) {
        model::population_spec p;
        p.name = std::move(name);
        p.size = size;
        p.model = kind;
        p.type = type;
        return p;
    };
    spec.populations = {population("E", 8, model::neuron_kind::lif_curr_exp, model::cell_type::excitatory),
                        population("I", 4, model::neuron_kind::lif_cond_exp, model::cell_type::inhibitory),
                        population("X", 3, model::neuron_kind::lif_delta, model::cell_type::excitatory)};
    model::projection_spec projection;
    projection.name = "E_to_I";
    projection.source = 0;
    projection.target = 1;
    projection.rule = model::connection_rule::fixed_indegree;
    projection.indegree = 2;
    spec.projections = {projection};
    spec.recording.spike_populations = {0, 1};
    model::state_recorder_spec recorder;
    recorder.name = "vm";
    recorder.population = 1;
    recorder.ids = {0, 1, 2, 3};
    recorder.variables = {"V_m", "I_syn_ex"};
    recorder.interval = 0.5;
    spec.recording.state = {recorder};
    return spec;
}

// --- reading back with the C API -------------------------------------------------------------------

struct h5_id {
    hid_t id;
    explicit h5_id(hid_t i) : id(i) {}
    ~h5_id() {
        if (id >= 0) H5Oclose(id);
    }
};

template <class T>
hid_t memory_type();
template <>
hid_t memory_type<std::uint64_t>() {
    return H5T_NATIVE_UINT64;
}
template <>
hid_t memory_type<std::int64_t>() {
    return H5T_NATIVE_INT64;
}
template <>
hid_t memory_type<std::int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
hid_t memory_type<double>() {
    return H5T_NATIVE_DOUBLE;
}
template <>
hid_t memory_type<float>() {
    return H5T_NATIVE_FLOAT;
}

bool has_link(hid_t file, const std::string& path) {
    std::string prefix;
    std::size_t at = 1;
    while (at <= path.size()) {
        const std::size_t next = path.find('/', at);
        prefix = path.substr(0, next);
        if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (next == std::string::npos) break;
        at = next + 1;
    }
    return true;
}

template <class T>
std::vector<T> read_dataset(hid_t file, const std::string& path, std::vector<hsize_t>* shape = nullptr) {
    h5_id dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    EXPECT_GE(dataset.id, 0) << path;
    if (dataset.id < 0) return {};
    const hid_t space = H5Dget_space(dataset.id);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Sclose(space);
    if (!values.empty()) {
        EXPECT_GE(H5Dread(dataset.id, memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0) << path;
    }
    if (shape) *shape = dims;
    return values;
}

std::vector<std::string> read_strings(hid_t attribute) {
    const hid_t type = H5Aget_type(attribute);
    const std::size_t size = H5Tget_size(type);
    EXPECT_EQ(H5Tget_class(type), H5T_STRING);
    EXPECT_LE(H5Tis_variable_str(type), 0) << "strings are fixed-size (parallel HDF5 writes no variable-length data)";
    const hid_t space = H5Aget_space(attribute);
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<char> buffer(n * size);
    if (n) {
        EXPECT_GE(H5Aread(attribute, type, buffer.data()), 0);
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i)
        out.emplace_back(buffer.data() + i * size, strnlen(buffer.data() + i * size, size));
    H5Sclose(space);
    H5Tclose(type);
    return out;
}

std::vector<std::string> string_attributes(hid_t file, const std::string& object, const char* name) {
    const hid_t attribute = H5Aopen_by_name(file, object.c_str(), name, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(attribute, 0) << object << " @" << name;
    if (attribute < 0) return {};
    auto values = read_strings(attribute);
    H5Aclose(attribute);
    return values;
}

std::string string_attribute(hid_t file, const std::string& object, const char* name) {
    auto values = string_attributes(file, object, name);
    return values.size() == 1 ? values[0] : "<" + std::to_string(values.size()) + " strings>";
}

template <class T>
std::vector<T> array_attribute(hid_t file, const std::string& object, const char* name) {
    const hid_t attribute = H5Aopen_by_name(file, object.c_str(), name, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(attribute, 0) << object << " @" << name;
    if (attribute < 0) return {};
    const hid_t space = H5Aget_space(attribute);
    std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Sclose(space);
    if (!values.empty()) {
        EXPECT_GE(H5Aread(attribute, memory_type<T>(), values.data()), 0);
    }
    H5Aclose(attribute);
    return values;
}

template <class T>
T attribute(hid_t file, const std::string& object, const char* name) {
    auto values = array_attribute<T>(file, object, name);
    EXPECT_EQ(values.size(), 1u) << object << " @" << name;
    return values.empty() ? T{} : values[0];
}

// --- fixture ---------------------------------------------------------------------------------------

class output_file_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "synorm_io_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string path(const char* name) const { return (dir_ / name).string(); }

    hid_t open_read(const std::string& file) {
        const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        EXPECT_GE(id, 0) << file;
        return id;
    }

    fs::path dir_;
    std::unique_ptr<comm::communicator> comm_ = comm::make_serial();
};

// A whole run: every writer, then every dataset and attribute read back.
void write_run(const std::string& file, comm::communicator& comm, const model::model_spec& spec) {
    io::output_file out(file, comm);
    out.write_config("simulation:\n  dt: 0.1 ms\n");
    out.write_populations(spec);

    engine::spike_batch first;  // sorted by (step, gid); gid 13 is in X, which is not recorded
    first.gids = {1, 13, 3, 1};
    first.steps = {5, 5, 12, 40};
    out.append_spikes(spec, first);
    engine::spike_batch second;
    second.gids = {0, 7};
    second.steps = {510, 990};
    out.append_spikes(spec, second);
    out.append_spikes(spec, engine::spike_batch{});  // nothing anywhere: no change

    out.write_rates(spec, 25.0, {{1, 2, 3, 4}, {0, 0, 0, 0}, {5, 5, 5, 5}});

    // This rank holds I's neurons 0, 2 and 3 (gids 8, 10, 11) of the recorder's 0–3: columns 0, 2, 3.
    engine::state_trace trace;
    trace.recorder = 0;
    trace.gids = {8, 10, 11};
    trace.times = {0.0, 0.5};
    // values[(sample · variables + variable) · neurons + neuron]
    trace.values = {-65, -64, -63, /**/ 1, 2, 3,   // t = 0:   V_m, I_syn_ex
                    -60, -59, -58, /**/ 4, 5, 6};  // t = 0.5
    out.write_state(spec, trace);
    trace.times = {1.0};
    trace.values = {-50, -49, -48, /**/ 7, 8, 9};
    out.write_state(spec, trace);

    engine::weight_snapshot weights;
    weights.projection = 0;
    weights.time = 50.0;
    weights.sources = {0, 1, 2};
    weights.targets = {8, 8, 9};
    weights.weights = {0.5f, 0.25f, 1.0f};
    out.write_weights(spec, weights, 0);

    engine::final_state state;
    state.population = 1;
    state.gids = {8, 9, 10, 11};
    state.V_m = {-70.f, -69.f, -68.f, -67.f};
    out.write_final_state(spec, state);

    io::provenance p;
    p.version = "0.1.0";
    p.git_revision = "abcdef123456";
    p.host = "testhost";
    p.start_time = "2024-01-01T00:00:00Z";
    p.end_time = "2024-01-01T00:00:01Z";
    p.seed = 7;
    p.wall_time = 1.5;
    p.simulated_time = 100.0;
    p.real_time_factor = 0.25;
    p.synapses = 8;
    p.spikes = 6;
    p.peak_rss_bytes = {100 * 1024 * 1024};
    p.synapse_bytes = {4096};
    p.time_build = {0.1};
    p.time_update = {0.2};
    p.time_deliver = {0.3};
    p.time_exchange = {0.01};
    p.time_record = {0.02};
    p.min_delay_steps = 10;
    p.exchange = "allgather";
    out.write_provenance(p);
    out.set_status("complete");
    out.close();
}

TEST_F(output_file_test, writes_every_part_of_a_run) {
    const auto spec = small_spec();
    const std::string file = path("run.h5");
    write_run(file, *comm_, spec);

    const hid_t f = open_read(file);
    ASSERT_GE(f, 0);
    EXPECT_EQ(string_attribute(f, "/", "format"), "synorm-output");
    EXPECT_EQ(attribute<std::int32_t>(f, "/", "format_version"), 2);
    EXPECT_EQ(string_attribute(f, "/", "status"), "complete");

    {  // /config
        h5_id config(H5Dopen2(f, "/config", H5P_DEFAULT));
        ASSERT_GE(config.id, 0);
        const hid_t type = H5Dget_type(config.id);
        std::vector<char> text(H5Tget_size(type));
        ASSERT_GE(H5Dread(config.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), 0);
        H5Tclose(type);
        EXPECT_EQ(std::string(text.data(), strnlen(text.data(), text.size())), "simulation:\n  dt: 0.1 ms\n");
    }

    EXPECT_EQ(string_attributes(f, "/populations", "order"), (std::vector<std::string>{"E", "I", "X"}));
    EXPECT_EQ(attribute<std::uint64_t>(f, "/populations/I", "size"), 4u);
    EXPECT_EQ(attribute<std::uint64_t>(f, "/populations/I", "first_gid"), 8u);
    EXPECT_EQ(attribute<std::uint64_t>(f, "/populations/X", "first_gid"), 12u);
    EXPECT_EQ(string_attribute(f, "/populations/I", "model"), "lif_cond_exp");
    EXPECT_EQ(string_attribute(f, "/populations/I", "type"), "inhibitory");
    EXPECT_EQ(string_attribute(f, "/populations/E", "model"), "lif_curr_exp");
    EXPECT_EQ(string_attribute(f, "/projections/E_to_I", "source"), "E");
    EXPECT_EQ(string_attribute(f, "/projections/E_to_I", "target"), "I");
    EXPECT_EQ(string_attribute(f, "/projections/E_to_I", "rule"), "fixed_indegree");
    EXPECT_DOUBLE_EQ(attribute<double>(f, "/simulation", "dt"), 0.1);

    // Spikes: E's in append order, population-local ids, ms; I recorded but silent; X not recorded.
    EXPECT_EQ(read_dataset<std::uint64_t>(f, "/spikes/E/node_ids"), (std::vector<std::uint64_t>{1, 3, 1, 0, 7}));
    const auto times = read_dataset<double>(f, "/spikes/E/timestamps");
    ASSERT_EQ(times.size(), 5u);
    const double expected_times[] = {5 * 0.1, 12 * 0.1, 40 * 0.1, 510 * 0.1, 990 * 0.1};
    for (std::size_t i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(times[i], expected_times[i]);
    EXPECT_EQ(string_attribute(f, "/spikes/E", "sorting"), "none");
    EXPECT_EQ(string_attribute(f, "/spikes/E/timestamps", "units"), "ms");
    EXPECT_TRUE(has_link(f, "/spikes/I/node_ids"));
    EXPECT_TRUE(read_dataset<std::uint64_t>(f, "/spikes/I/node_ids").empty());
    EXPECT_TRUE(read_dataset<double>(f, "/spikes/I/timestamps").empty());
    EXPECT_FALSE(has_link(f, "/spikes/X"));

    EXPECT_EQ(read_dataset<double>(f, "/rates/E"), (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(read_dataset<double>(f, "/rates/X"), (std::vector<double>{5, 5, 5, 5}));
    EXPECT_DOUBLE_EQ(attribute<double>(f, "/rates/E", "bin"), 25.0);

    // Recording: 3 samples (two calls) × 4 columns; this rank wrote columns 0, 2, 3.
    EXPECT_EQ(read_dataset<std::uint64_t>(f, "/recordings/vm/node_ids"), (std::vector<std::uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(read_dataset<double>(f, "/recordings/vm/times"), (std::vector<double>{0.0, 0.5, 1.0}));
    EXPECT_EQ(string_attribute(f, "/recordings/vm", "population"), "I");
    EXPECT_DOUBLE_EQ(attribute<double>(f, "/recordings/vm", "interval"), 0.5);
    std::vector<hsize_t> shape;
    const auto vm = read_dataset<float>(f, "/recordings/vm/V_m", &shape);
    ASSERT_EQ(shape, (std::vector<hsize_t>{3, 4}));
    const auto isyn = read_dataset<float>(f, "/recordings/vm/I_syn_ex", &shape);
    ASSERT_EQ(shape, (std::vector<hsize_t>{3, 4}));
    const int columns[] = {0, 2, 3};
    const float expected_vm[3][3] = {{-65, -64, -63}, {-60, -59, -58}, {-50, -49, -48}};
    const float expected_isyn[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    for (int t = 0; t < 3; ++t)
        for (int j = 0; j < 3; ++j) {
            EXPECT_EQ(vm[t * 4 + columns[j]], expected_vm[t][j]) << "sample " << t << " column " << columns[j];
            EXPECT_EQ(isyn[t * 4 + columns[j]], expected_isyn[t][j]) << "sample " << t << " column " << columns[j];
        }
    EXPECT_EQ(string_attribute(f, "/recordings/vm/V_m", "units"), "mV");

    EXPECT_DOUBLE_EQ(attribute<double>(f, "/weights/E_to_I/0", "time"), 50.0);
    EXPECT_EQ(read_dataset<std::uint64_t>(f, "/weights/E_to_I/0/source"), (std::vector<std::uint64_t>{0, 1, 2}));
    EXPECT_EQ(read_dataset<std::uint64_t>(f, "/weights/E_to_I/0/target"), (std::vector<std::uint64_t>{8, 8, 9}));
    EXPECT_EQ(read_dataset<float>(f, "/weights/E_to_I/0/weight"), (std::vector<float>{0.5f, 0.25f, 1.0f}));

    EXPECT_EQ(read_dataset<std::uint64_t>(f, "/final_state/I/node_ids"), (std::vector<std::uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(read_dataset<float>(f, "/final_state/I/V_m"), (std::vector<float>{-70.f, -69.f, -68.f, -67.f}));

    EXPECT_EQ(string_attribute(f, "/provenance", "host"), "testhost");
    EXPECT_EQ(string_attribute(f, "/provenance", "exchange"), "allgather");
    EXPECT_EQ(attribute<std::int32_t>(f, "/provenance", "ranks"), 1);
    EXPECT_EQ(attribute<std::uint64_t>(f, "/provenance", "seed"), 7u);
    EXPECT_DOUBLE_EQ(attribute<double>(f, "/provenance", "real_time_factor"), 0.25);
    EXPECT_EQ(array_attribute<std::int64_t>(f, "/provenance", "peak_rss_bytes"),
              (std::vector<std::int64_t>{100 * 1024 * 1024}));
    EXPECT_EQ(array_attribute<double>(f, "/provenance", "time_update"), (std::vector<double>{0.2}));
    H5Fclose(f);
}

TEST_F(output_file_test, describe_summarises_a_complete_run) {
    const std::string file = path("run.h5");
    write_run(file, *comm_, small_spec());
    const std::string text = io::describe(file);
    EXPECT_NE(text.find("status:      complete"), std::string::npos) << text;
    EXPECT_EQ(text.find("WARNING"), std::string::npos) << text;
    EXPECT_NE(text.find("1 ranks × 1 threads"), std::string::npos) << text;
    EXPECT_NE(text.find("seed:        7"), std::string::npos) << text;
    EXPECT_NE(text.find("real-time factor: 0.250"), std::string::npos) << text;
    EXPECT_NE(text.find("synapses:    8"), std::string::npos) << text;
    // Mean rates over 100 ms: E 5 spikes / 8 neurons = 6.25 Hz; I silent; X not recorded.
    auto row = [&](const std::string& name) {
        const auto at = text.find("\n  " + name + " ");
        return at == std::string::npos ? std::string() : text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    };
    EXPECT_NE(row("E").find("lif_curr_exp"), std::string::npos) << text;
    EXPECT_NE(row("E").find("6.250"), std::string::npos) << text;
    EXPECT_NE(row("I").find("0.000"), std::string::npos) << text;
    EXPECT_NE(row("X").find(" - "), std::string::npos) << text;
    EXPECT_NE(text.find("peak RSS per rank (MiB):       100.0"), std::string::npos) << text;
    EXPECT_NE(text.find("update"), std::string::npos) << text;
}

// A process that dies after creating its file leaves a readable file that says "running".
TEST_F(output_file_test, a_crashed_run_reads_as_running) {
    const std::string file = path("crashed.h5");
    const auto spec = small_spec();
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto serial = comm::make_serial();
        io::output_file out(file, *serial);
        out.write_populations(spec);
        engine::spike_batch batch;
        batch.gids = {1};
        batch.steps = {3};
        out.append_spikes(spec, batch);
        std::_Exit(0);  // no close, no destructor: as if killed
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const std::string text = io::describe(file);
    EXPECT_NE(text.find("status:      running"), std::string::npos) << text;
    EXPECT_NE(text.find("WARNING: THIS RUN DID NOT COMPLETE"), std::string::npos) << text;
    EXPECT_NE(text.find("provenance:  none"), std::string::npos) << text;
    EXPECT_NE(text.find("  E "), std::string::npos) << text;
}

TEST_F(output_file_test, status_can_be_rewritten_with_a_longer_reason) {
    const std::string file = path("failed.h5");
    {
        io::output_file out(file, *comm_);
        out.set_status("complete");
        out.set_status("failed: rate blow-up in population E at t = 1234.5 ms (mean rate 812 Hz)");
    }  // closed by the destructor
    const hid_t f = open_read(file);
    ASSERT_GE(f, 0);
    EXPECT_EQ(string_attribute(f, "/", "status"),
              "failed: rate blow-up in population E at t = 1234.5 ms (mean rate 812 Hz)");
    H5Fclose(f);
    const std::string text = io::describe(file);
    EXPECT_NE(text.find("WARNING"), std::string::npos) << text;
}

// Per-rank provenance arrays of a large job exceed HDF5's 64 KiB compact attribute limit.
TEST_F(output_file_test, provenance_of_many_ranks_fits) {
    const std::string file = path("big.h5");
    io::provenance p;
    p.ranks = 20000;
    p.peak_rss_bytes.assign(20000, 1 << 20);
    p.time_update.assign(20000, 0.5);
    p.time_update[19999] = 2.0;
    {
        io::output_file out(file, *comm_);
        out.write_config("simulation: {}\n");  // a complete file has these (info refuses one without)
        out.write_populations(small_spec());
        out.write_provenance(p);
        out.set_status("complete");
        out.close();
    }
    const hid_t f = open_read(file);
    ASSERT_GE(f, 0);
    EXPECT_EQ(array_attribute<std::int64_t>(f, "/provenance", "peak_rss_bytes").size(), 20000u);
    H5Fclose(f);
    const std::string text = io::describe(file);
    EXPECT_NE(text.find("min 1.0 / mean 1.0 / max 1.0"), std::string::npos) << text;
    EXPECT_NE(text.find("max 2.000"), std::string::npos) << text;
}

TEST_F(output_file_test, bad_records_throw_io_error_and_leave_the_file_usable) {
    const auto spec = small_spec();
    const std::string file = path("bad.h5");
    io::output_file out(file, *comm_);
    out.write_populations(spec);
    engine::spike_batch batch;
    batch.gids = {15};  // the network has 15 neurons
    batch.steps = {1};
    try {
        out.append_spikes(spec, batch);
        ADD_FAILURE() << "no io_error";
    } catch (const io::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("gid 15"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
    batch.steps.clear();
    EXPECT_THROW(out.append_spikes(spec, batch), io::io_error);

    engine::state_trace trace;
    trace.gids = {0};  // in E, not in the recorder of I
    trace.times = {0.0};
    trace.values = {1, 2};
    try {
        out.write_state(spec, trace);
        ADD_FAILURE() << "no io_error";
    } catch (const io::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("/recordings/vm"), std::string::npos) << e.what();
    }
    EXPECT_THROW(out.write_rates(spec, 1.0, {{1.0}}), io::io_error);                       // one population of three
    EXPECT_THROW(out.write_rates(spec, 1.0, {{1.0}, {1.0}, {1.0}}, {1.0}), io::io_error);  // one mean of three

    out.set_status("failed: bad records");
    out.close();
    EXPECT_THROW(out.set_status("complete"), io::io_error);
    const hid_t f = open_read(file);
    ASSERT_GE(f, 0);
    EXPECT_EQ(string_attribute(f, "/", "status"), "failed: bad records");
    EXPECT_TRUE(read_dataset<std::uint64_t>(f, "/spikes/E/node_ids").empty());
    H5Fclose(f);
}

TEST_F(output_file_test, an_unwritable_path_is_refused_with_its_name) {
    for (const std::string& bad : {std::string("/proc/nonexistent/x.h5"), path("missing-dir/run.h5"), dir_.string()}) {
        try {
            io::output_file out(bad, *comm_);
            ADD_FAILURE() << "no io_error for " << bad;
        } catch (const io::io_error& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find("'" + bad + "'"), std::string::npos) << message;
            EXPECT_NE(message.find("cannot create output file"), std::string::npos) << message;
        }
    }
    try {
        io::output_file out(path("missing-dir/run.h5"), *comm_);
    } catch (const io::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    }
}

TEST_F(output_file_test, describe_refuses_what_is_not_a_synorm_file) {
    auto message_of = [](const std::string& file) {
        try {
            io::describe(file);
        } catch (const io::io_error& e) {
            return std::string(e.what());
        }
        return std::string("<no io_error>");
    };
    const std::string missing = path("missing.h5");
    EXPECT_NE(message_of(missing).find("'" + missing + "': no such file"), std::string::npos) << message_of(missing);

    const std::string text = path("notes.txt");
    std::ofstream(text) << "not hdf5\n";
    EXPECT_NE(message_of(text).find("not an HDF5 file"), std::string::npos) << message_of(text);

    const std::string other = path("other.h5");
    const hid_t f = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    H5Fclose(f);
    EXPECT_NE(message_of(other).find("not a synorm output file"), std::string::npos) << message_of(other);
}

}  // namespace
}  // namespace synorm
