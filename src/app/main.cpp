// The `synorm` command line: run, validate, info. Exit codes are part of the interface (README,
// "Exit codes"); every rank exits with the same one.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "progress.hpp"
#include "synorm/comm/mpi_communicator.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/io/output_file.hpp"
#include "synorm/version.hpp"

namespace po = boost::program_options;

namespace synorm::app {

enum exit_code : int {
    ok = 0,
    runtime_failure = 1,  // the simulation or an internal check failed
    input_error = 2,      // bad command line or configuration
    io_failure = 3,       // output (or checkpoint) could not be written or read
};

namespace {

const char* usage_text =
    "synorm — spiking networks with Hebbian plasticity and synaptic normalization\n"
    "\n"
    "usage:\n"
    "  synorm run CONFIG [-o OUT.h5] [--set key.path=value ...] [--threads N] [--seed S] [--duration \"T\"]\n"
    "  synorm validate CONFIG [--set key.path=value ...]\n"
    "  synorm info OUT.h5\n"
    "  synorm --help | --version\n"
    "\n"
    "Start under mpirun or srun for several ranks. Exit codes: 0 ok, 1 runtime failure,\n"
    "2 bad command line or configuration, 3 output could not be written or read.\n";

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::int64_t peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

std::string host_name() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

struct run_options {
    std::string config, output;
    std::vector<std::string> overrides;
    int threads = 0;
    std::optional<std::uint64_t> seed;
    std::optional<std::string> duration;
    bool quiet = false;
};

// Agrees on the worst outcome of a step that every rank took on its own: every rank returns the same
// code, and rank 0 prints a message (its own, or that another rank failed).
int agree(comm::communicator& comm, int code, const std::string& message) {
    const int worst = static_cast<int>(comm.max(code));
    if (code != ok) std::cerr << (comm.size() > 1 ? "synorm (rank " + std::to_string(comm.rank()) + "): " : "synorm: ") << message << "\n";
    else if (worst != ok && comm.rank() == 0) std::cerr << "synorm: stopped because another rank failed (see its message)\n";
    return worst;
}

int run(const run_options& opt, comm::communicator& comm, double process_start) {
    const bool root = comm.rank() == 0;
    const std::string start_time = utc_now();

    // 1. Configuration: every rank reads it; any error stops all before anything is allocated.
    std::vector<std::string> overrides = opt.overrides;
    if (opt.seed) overrides.push_back("simulation.seed=" + std::to_string(*opt.seed));
    if (opt.duration) overrides.push_back("simulation.duration=" + *opt.duration);
    config::loaded_config cfg;
    {
        int code = ok;
        std::string message;
        try {
            cfg = config::load(opt.config, overrides);
        } catch (const config::config_error& e) {
            code = input_error;
            message = e.what();
        } catch (const std::exception& e) {
            code = input_error;
            message = opt.config + ": " + e.what();
        }
        if (const int agreed = agree(comm, code, message); agreed != ok) return agreed;
    }
    const auto& spec = cfg.spec;
    int threads = opt.threads;
    if (threads <= 0) {
        const char* env = std::getenv("OMP_NUM_THREADS");
        threads = env ? std::max(1, std::atoi(env)) : 1;
    }

    // 2. The output file: created (and so checked) before any simulation time is spent.
    std::string output = opt.output;
    if (output.empty()) {
        output = "out/" + std::filesystem::path(opt.config).stem().string() + ".h5";
        if (root) std::filesystem::create_directories("out");
        comm.barrier();
    }
    std::unique_ptr<io::output_file> out;
    try {
        out = std::make_unique<io::output_file>(output, comm);
        out->write_config(cfg.resolved_yaml);
        out->write_populations(spec);
    } catch (const std::exception& e) {
        if (root) std::cerr << "synorm: " << e.what() << "\n";
        return io_failure;
    }

    // 3. Build, agreed: a rank that cannot build must not leave the others waiting in the first exchange.
    std::unique_ptr<engine::simulation> sim;
    {
        int code = ok;
        std::string message;
        try {
            sim = std::make_unique<engine::simulation>(spec, comm, threads);
        } catch (const std::exception& e) {
            code = runtime_failure;
            message = std::string("building the network failed: ") + e.what();
        }
        if (const int agreed = agree(comm, code, message); agreed != ok) {
            try { out->set_status("failed: building the network failed"); out->close(); } catch (...) {}
            return agreed;
        }
    }
    std::vector<std::int64_t> synapse_counts{static_cast<std::int64_t>(sim->local_synapses())};
    comm.sum(synapse_counts);
    if (root && !opt.quiet)
        std::cerr << "synorm: " << spec.total_neurons() << " neurons, " << synapse_counts[0] << " synapses on " << comm.size()
                  << " rank(s) x " << threads << " thread(s), built in " << sim->build_seconds() << " s; simulating "
                  << spec.simulation.duration << " ms\n";

    // 4. Run.
    progress_reporter progress(root && !opt.quiet, spec.simulation.dt);
    engine::hooks hooks;
    hooks.on_spikes = [&](const engine::spike_batch& batch) { out->append_spikes(spec, batch); };
    hooks.on_progress = [&](std::int64_t done, std::int64_t total) { progress(done, total); };
    engine::results res;
    try {
        res = sim->run(hooks);
    } catch (const std::exception& e) {
        progress.finish();
        const bool io = dynamic_cast<const io::io_error*>(&e) != nullptr;
        std::cerr << "synorm" << (comm.size() > 1 ? " (rank " + std::to_string(comm.rank()) + ")" : "") << ": " << e.what() << "\n";
        if (!io) {
            try { out->set_status(std::string("failed: ") + e.what()); out->close(); } catch (...) {}
        }
        return io ? io_failure : runtime_failure;
    }
    progress.finish();

    // 5. Records and provenance; the status is the last write.
    try {
        const double t_record = now_seconds();
        if (spec.recording.rate_bin > 0) out->write_rates(spec, spec.recording.rate_bin, res.rates);
        for (const auto& trace : res.traces) out->write_state(spec, trace);
        std::vector<int> index_of(spec.projections.size(), 0);
        for (const auto& snap : res.snapshots) out->write_weights(spec, snap, index_of[snap.projection]++);
        for (const auto& fs : res.final_states) out->write_final_state(spec, fs);
        res.time.record += now_seconds() - t_record;

        io::provenance p;
        p.version = synorm::version;
        p.git_revision = synorm::git_revision;
        p.host = host_name();
        p.start_time = start_time;
        p.ranks = comm.size();
        p.threads = threads;
        p.seed = spec.simulation.seed;
        p.simulated_time = spec.simulation.duration;
        p.synapses = static_cast<std::uint64_t>(synapse_counts[0]);
        std::vector<std::int64_t> counts{static_cast<std::int64_t>(res.local_spikes), static_cast<std::int64_t>(res.local_events)};
        comm.sum(counts);
        p.spikes = static_cast<std::uint64_t>(counts[0]);
        p.synaptic_events = static_cast<std::uint64_t>(counts[1]);
        p.loop_time = static_cast<double>(comm.max(static_cast<std::int64_t>(res.time.total * 1e9))) * 1e-9;
        p.real_time_factor = p.loop_time / (spec.simulation.duration * 1e-3);  // the slowest rank
        p.peak_rss_bytes = comm.all_gather(peak_rss_bytes());
        p.synapse_bytes = comm.all_gather(static_cast<std::int64_t>(sim->synapse_bytes()));
        const auto gather_seconds = [&](double s) {
            std::vector<double> all(static_cast<std::size_t>(comm.size()), 0.0);
            all[static_cast<std::size_t>(comm.rank())] = s;
            comm.sum(all);
            return all;
        };
        p.time_build = gather_seconds(res.time.build);
        p.time_update = gather_seconds(res.time.update);
        p.time_deliver = gather_seconds(res.time.deliver);
        p.time_exchange = gather_seconds(res.time.exchange);
        p.time_record = gather_seconds(res.time.record);
        p.min_delay_steps = static_cast<std::uint64_t>(sim->min_delay_steps());
        p.exchange = "allgather";
        p.end_time = utc_now();
        p.wall_time = now_seconds() - process_start;
        out->write_provenance(p);
        out->set_status("complete");
        out->close();

        if (root && !opt.quiet) {
            std::ostringstream s;
            s.precision(4);
            s << "synorm: simulated " << spec.simulation.duration << " ms in " << res.time.total << " s (real-time factor "
              << p.real_time_factor << "), " << p.spikes << " spikes\n";
            for (std::size_t i = 0; i < res.rates.size(); ++i) {
                double mean = 0;
                for (const double r : res.rates[i]) mean += r;
                if (!res.rates[i].empty()) mean /= static_cast<double>(res.rates[i].size());
                s << "  " << spec.populations[i].name << ": " << spec.populations[i].size << " neurons, mean rate " << mean << " Hz\n";
            }
            s << "synorm: output written to " << output << "  (inspect: synorm info " << output << ")\n";
            std::cout << s.str() << std::flush;
        }
    } catch (const std::exception& e) {
        if (root) std::cerr << "synorm: " << e.what() << "\n";
        return io_failure;
    }
    return ok;
}

int validate(const std::string& path, const std::vector<std::string>& overrides) {
    try {
        const auto cfg = config::load(path, overrides);
        const auto& spec = cfg.spec;
        std::cout << path << ": valid. " << spec.populations.size() << " populations, " << spec.total_neurons() << " neurons, "
                  << spec.projections.size() << " projections; dt " << spec.simulation.dt << " ms, duration "
                  << spec.simulation.duration << " ms, minimum delay " << spec.min_delay_steps() << " steps\n";
        return ok;
    } catch (const std::exception& e) {
        std::cerr << "synorm: " << e.what() << "\n";
        return input_error;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const double process_start = now_seconds();
    if (argc < 2) {
        std::cerr << usage_text;
        return input_error;
    }
    const std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << usage_text;
        return ok;
    }
    if (command == "--version") {
        std::cout << "synorm " << synorm::version << " (" << synorm::git_revision << ")\n";
        return ok;
    }

    po::options_description options("options");
    options.add_options()
        ("output,o", po::value<std::string>(), "output file (default out/<config name>.h5)")
        ("set", po::value<std::vector<std::string>>()->composing(), "override a configuration value: key.path=value")
        ("threads", po::value<int>(), "OpenMP threads per rank (default OMP_NUM_THREADS, else 1)")
        ("seed", po::value<std::uint64_t>(), "random seed (overrides simulation.seed)")
        ("duration", po::value<std::string>(), "biological time to simulate, e.g. \"10 s\" (overrides simulation.duration)")
        ("quiet,q", "no progress or summary")
        ("help,h", "this help");
    po::options_description hidden;
    hidden.add_options()("file", po::value<std::string>(), "CONFIG or OUT.h5");
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("file", 1);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "synorm " << command << ": " << e.what() << "\n" << usage_text;
        return input_error;
    }
    if (vm.count("help")) {
        std::cout << usage_text << "\n" << options;
        return ok;
    }
    if (command != "run" && command != "validate" && command != "info") {
        std::cerr << "synorm: unknown command '" << command << "'\n" << usage_text;
        return input_error;
    }
    if (!vm.count("file")) {
        std::cerr << "synorm " << command << ": missing " << (command == "info" ? "OUT.h5" : "CONFIG") << "\n" << usage_text;
        return input_error;
    }
    const std::string file = vm["file"].as<std::string>();
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};

    if (command == "info") {
        try {
            std::cout << io::describe(file);
            return ok;
        } catch (const std::exception& e) {
            std::cerr << "synorm info: " << e.what() << "\n";
            return io_failure;
        }
    }
    if (command == "validate") return validate(file, overrides);

    run_options opt;
    opt.config = file;
    opt.overrides = overrides;
    if (vm.count("output")) opt.output = vm["output"].as<std::string>();
    if (vm.count("threads")) {
        opt.threads = vm["threads"].as<int>();
        if (opt.threads < 1) {
            std::cerr << "synorm run: --threads must be at least 1\n";
            return input_error;
        }
    }
    if (vm.count("seed")) opt.seed = vm["seed"].as<std::uint64_t>();
    if (vm.count("duration")) opt.duration = vm["duration"].as<std::string>();
    opt.quiet = vm.count("quiet") > 0;

    // Under a launcher, MPI; alone, the serial communicator (no MPI start-up cost).
    if (comm::launched_by_mpi()) {
        comm::mpi_session mpi(argc, argv);
        auto world = mpi.world();
        return run(opt, *world, process_start);
    }
    auto serial = comm::make_serial();
    return run(opt, *serial, process_start);
}

}  // namespace synorm::app

int main(int argc, char** argv) { return synorm::app::main(argc, argv); }
