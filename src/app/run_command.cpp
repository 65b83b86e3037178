// `synorm run`. Each step that a rank may fail on its own (reading the configuration, preparing and
// creating the output file, building, simulating, writing the records) ends in an agreement: every
// rank learns the worst exit code, rank 0 prints the one message that explains it, and all ranks stop
// together. No rank is ever left waiting in a collective that another has abandoned, and a run that
// stops after the output file exists marks it "failed: <reason>" or, when that is not safe or fails,
// leaves it "running": never "complete".
#include "run_command.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>  // malloc_trim
#endif

#include <algorithm>
#include <csignal>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>

#include "agreement.hpp"
#include "exit_code.hpp"
#include "memory_check.hpp"
#include "progress.hpp"
#include "run_lock.hpp"
#include "run_paths.hpp"
#include "run_report.hpp"
#include "synorm/comm/dry_run_communicator.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/engine/memory_estimate.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/io/checkpoint_file.hpp"
#include "synorm/io/output_file.hpp"
#include "synorm/model/time_steps.hpp"
#include "synorm/network/synapse_table.hpp"

namespace synorm::app {
namespace {

namespace fs = std::filesystem;

// Collective: ends a run that failed after the output file was created, returning the agreed code.
// It marks the file "failed: <reason>" and closes it. But after a failed write, HDF5's state may
// differ between ranks (each saw its own part of a collective write fail), and any further
// collective HDF5 call can deadlock or crash, including the close that HDF5 itself attempts at exit
// and in MPI_Finalize. So after an io failure in parallel, or a close that failed, the file is left
// as it is (status "running", never "complete") and every rank ends the process here, together,
// with the agreed code, skipping those clean-ups.
int stop_run(std::unique_ptr<io::output_file>& out, comm::communicator& comm, const agreement& failure,
             const std::string& path, bool output_intact = false) {
    const std::int64_t open = out ? 1 : 0;
    if (comm.max(open) == 0) return failure.code;
    if (comm.min(open) == 0) {  // io throws on every rank or on none: a bug, but never a hang
        std::cerr << "synorm (rank " << comm.rank()
                  << "): the output file is open on some ranks only; ending the job\n";
        comm.abort(failure.code);
    }
    bool closed = false;
    if (failure.code != io_failure || comm.size() == 1 || output_intact) {
        try {
            // "stopped: <the check's diagnostic>" (README "Exit codes"), without the console's preamble.
            const std::string preamble = "stopped by a health check: ";
            const std::string& m = failure.message;
            out->set_status(failure.code != health_stopped
                                ? "failed: " + m
                                : "stopped: " + (m.starts_with(preamble) ? m.substr(preamble.size()) : m));
        } catch (const std::exception& e) {  // the same on every rank
            if (comm.rank() == 0) std::cerr << "synorm: could not mark " << path << " as failed: " << e.what() << "\n";
        }
        try {
            out->close();
            closed = true;
        } catch (const std::exception&) {
        }
    }
    if (closed) {
        out.reset();
        return failure.code;
    }
    if (comm.rank() == 0) std::cerr << "synorm: " << path << " is incomplete (its status stays \"running\")\n";
    std::cout.flush();
    std::cerr.flush();
    comm.barrier();
    run_lock::release_all();
    std::_Exit(failure.code);
}

// The configuration with the command line's overrides. --seed and --duration are overrides
// underneath; a message about one of them names the option the user typed.
config::loaded_config load_config(const run_options& opt, outcome& result) {
    std::vector<std::string> overrides = opt.overrides;
    if (opt.seed) overrides.push_back("simulation.seed=" + *opt.seed);
    if (opt.duration) overrides.push_back("simulation.duration=" + *opt.duration);
    try {
        return config::load(opt.config, overrides);
    } catch (const config::config_error& e) {
        if (opt.seed && e.file() == "--set simulation.seed")
            result.fail(input_error, "--seed '" + *opt.seed + "': " + e.message());
        else if (opt.duration && e.file() == "--set simulation.duration")
            result.fail(input_error, "--duration '" + *opt.duration + "': " + e.message());
        else
            result.fail(input_error, e.what());
    } catch (const std::exception& e) {
        result.fail(input_error, opt.config + ": " + e.what());
    }
    return {};
}

// The rates (Hz, by population) at which a dry run's other ranks' neurons spike: an earlier run's
// mean rates (--dry-run-rates) and, where it recorded them, its rates over time (`traces`, Hz per bin
// of bin_ms, over the dry run's duration), else the configuration's dry_run.rates. "" when every
// source population of a projection has one; else what is missing.
std::string dry_run_rates(const run_options& opt, const model::model_spec& spec, std::vector<double>& rates,
                          std::vector<std::vector<double>>& traces, double& bin_ms) {
    rates.assign(spec.populations.size(), std::numeric_limits<double>::quiet_NaN());
    traces.assign(spec.populations.size(), {});
    bin_ms = 0;
    std::string from = "dry_run.rates of the configuration";
    if (!opt.dry_run_rates.empty()) {
        from = "--dry-run-rates " + opt.dry_run_rates;
        try {
            for (const auto& [name, hz] : io::read_mean_rates(opt.dry_run_rates))
                for (std::size_t i = 0; i < spec.populations.size(); ++i)
                    if (spec.populations[i].name == name) rates[i] = hz;
            io::rate_traces over_time = io::read_rate_traces(opt.dry_run_rates, spec.simulation.duration);
            bin_ms = over_time.bin_ms;
            for (auto& [name, hz] : over_time.rates)
                for (std::size_t i = 0; i < spec.populations.size(); ++i)
                    if (spec.populations[i].name == name) traces[i] = std::move(hz);
        } catch (const std::exception& e) {
            return "--dry-run-rates '" + opt.dry_run_rates + "': " + e.what();
        }
    } else if (!spec.dry_run.rates.empty()) {
        rates = spec.dry_run.rates;
    }
    for (const auto& proj : spec.projections)
        if (std::isnan(rates[proj.source]))
            return "--dry-run: no rate for population " + spec.populations[proj.source].name +
                   ", the source of projection " + proj.name + ", in " + from +
                   " (the other ranks' neurons spike at their population's rate: give every source population one "
                   "in dry_run.rates, or an earlier run's output with --dry-run-rates)";
    return "";
}

// An earlier run of the same network (--dry-run-rates): its spikes of the other ranks' neurons are
// replayed instead of the model while it lasts (comm::dry_run_communicator::replay). "" or what failed.
std::string replay_earlier_spikes(const run_options& opt, const model::model_spec& spec) {
    if (opt.dry_run_rates.empty()) return "";
    try {
        io::spike_train train = io::read_spike_train(opt.dry_run_rates, spec, spec.simulation.duration,
                                                     [&](std::uint64_t gid) { return opt.dry_run->remote(gid); });
        if (!train.same_network) return "";
        if (!opt.quiet)
            std::cout << "synorm: dry run: the other ranks' spikes replayed from " << opt.dry_run_rates
                      << " (the same network) for its first "
                      << static_cast<double>(train.end_step) * spec.simulation.dt << " ms (" << train.spikes.size()
                      << " spikes)"
                      << (train.end_step < model::to_steps(spec.simulation.duration, spec.simulation.dt)
                              ? ", then modelled\n"
                              : "\n");
        opt.dry_run->replay(std::move(train.spikes), train.end_step);
    } catch (const std::exception& e) {
        return "--dry-run-rates '" + opt.dry_run_rates + "': " + e.what();
    }
    return "";
}

bool is_remote_failure(const std::exception& e) { return dynamic_cast<const engine::remote_failure*>(&e) != nullptr; }

// A checkpoint that could not be written: the output file itself is intact (its writes are agreed
// separately), so the run can mark it failed and close it.
class checkpoint_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Set by SIGUSR1, SIGTERM, SIGINT and SIGHUP: the run checkpoints at the next interval start and
// stops (exit 6). A second signal only sets it again; nothing is cut short.
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signal_number) { stop_signal = signal_number; }

const char* signal_name(int number) {
    switch (number) {
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
    }
}

// Collective: why a run stopped at a checkpoint, the same on every rank: the signal and the ranks
// it reached ("SIGUSR1 on rank 1"), or --stop-after.
std::string stop_cause(comm::communicator& comm) {
    const int mine = stop_signal;
    const std::int64_t n = comm.size();
    std::vector<std::int64_t> count{mine != 0 ? 1 : 0};
    comm.sum(count);
    const std::int64_t reached = count[0];
    if (reached == 0) return "--stop-after";
    const std::int64_t first = comm.min(mine != 0 ? comm.rank() : n);
    const int number = static_cast<int>(comm.max(comm.rank() == first ? std::int64_t{mine} : std::int64_t{0}));
    std::string cause = std::string("signal ") + signal_name(number);
    if (n == 1) return cause;
    if (reached == n) return cause + " on every rank";
    cause += " on rank " + std::to_string(first);
    if (reached > 1) cause += " and " + std::to_string(reached - 1) + " other(s)";
    return cause;
}

// A step as a time for messages: "1600.8 ms" (ten significant digits hide dt's binary rounding).
std::string milliseconds(std::int64_t step, double dt) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g ms", static_cast<double>(step) * dt);
    return buf;
}

}  // namespace

void install_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (const int number : {SIGUSR1, SIGTERM, SIGINT, SIGHUP}) sigaction(number, &sa, nullptr);
    // A closed stdout or stderr (`synorm run ... | head`) must not end the run: writes to it fail
    // and are dropped (the streams' error state), the run goes on and completes its file.
    std::signal(SIGPIPE, SIG_IGN);
}

std::string resolve_checkpoint(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw std::runtime_error("checkpoint '" + path + "' does not exist");
    if (!fs::is_directory(path, ec)) return path;
    const auto found = checkpoints_in(path);
    std::string last_error;
    for (auto it = found.rbegin(); it != found.rend(); ++it) {  // newest first; skip damaged ones
        try {
            io::read_checkpoint_info(it->string());
            return it->string();
        } catch (const std::exception& e) {
            last_error = e.what();
        }
    }
    if (found.empty()) throw std::runtime_error("directory '" + path + "' holds no checkpoint (ckpt_*.h5)");
    throw std::runtime_error("directory '" + path + "' holds no complete checkpoint; the newest: " + last_error);
}

std::string checkpoint_problem(const model::model_spec& spec, double every_ms) {
    const double dt = spec.simulation.dt;
    char text[320];
    if (every_ms > 0 && !model::checked_steps(every_ms, dt)) {
        std::snprintf(text, sizeof text,
                      "--checkpoint-every: expected at most %.16g ms (2^53 steps of dt = %g ms), got %g ms",
                      static_cast<double>(model::max_steps) * dt, dt, every_ms);
        return text;
    }
    // engine/checkpoint.cpp: a checkpoint stores each delay, at most D + 1023 steps, in 16 bits.
    const std::uint64_t most = std::numeric_limits<std::uint16_t>::max() - network::max_delay_offset;
    const std::uint64_t D = spec.min_delay_steps();
    if (D > most) {
        std::snprintf(text, sizeof text,
                      "checkpoints store delays as 16-bit step counts: the minimum delay, %g ms (%llu steps of "
                      "dt = %g ms), must be at most %llu steps; run without checkpoints, or with a larger "
                      "simulation.dt",
                      static_cast<double>(D) * dt, static_cast<unsigned long long>(D), dt,
                      static_cast<unsigned long long>(most));
        return text;
    }
    return "";
}

int run_command(const run_options& opt, comm::communicator& comm, double process_start) {
    const bool root = comm.rank() == 0;
    const std::string start_time = utc_now();
    // The handler is installed before MPI starts (install_stop_signals, from main): a signal during
    // start-up (MPI, reading, creating the output, building) is kept and honoured at the first interval.

    // 1. Configuration: every rank reads it; any error stops all before anything is allocated. A
    // resume reads it from the checkpoint, and checks the output file it continues.
    outcome loaded;
    const bool resuming = !opt.resume.empty();
    std::string checkpoint_path;
    io::checkpoint_info resumed;
    config::loaded_config cfg;
    if (!resuming) {
        cfg = load_config(opt, loaded);
#ifdef __GLIBC__
        // Reading a configuration of thousands of projections frees megabytes of small YAML nodes that
        // the allocator would otherwise keep resident through the build (README "Networks from tables").
        malloc_trim(0);
#endif
    } else {
        try {
            checkpoint_path = resolve_checkpoint(opt.resume);
            resumed = io::read_checkpoint_info(checkpoint_path);
            // A resume may change the run settings of `comm` only: they never change results.
            for (const std::string& o : opt.overrides)
                if (o.rfind("comm.", 0) != 0)
                    throw std::runtime_error("resume --set " + o +
                                             ": a resume changes only comm.* settings; the "
                                             "rest of the configuration is the checkpoint's");
            cfg = config::load_text(resumed.config_yaml, checkpoint_path + ":/config", opt.overrides);
            // The placement changes no result either.
            if (opt.placement) cfg.spec.placement = *opt.placement;
        } catch (const std::exception& e) {
            loaded.fail(input_error, e.what());
        }
    }
    const bool checkpoints_asked = opt.checkpoint_every_ms > 0 || opt.checkpoint_wall_s > 0 || opt.stop_after_s > 0;
    if (loaded.code == ok && (resuming || checkpoints_asked)) {
        const std::string problem = checkpoint_problem(cfg.spec, opt.checkpoint_every_ms);
        if (!problem.empty()) loaded.fail(input_error, problem);
    }
    if (loaded.code == ok && opt.dry_run) {
        std::vector<double> rates;
        std::vector<std::vector<double>> traces;
        double bin_ms = 0;
        const std::string problem = dry_run_rates(opt, cfg.spec, rates, traces, bin_ms);
        if (!problem.empty()) loaded.fail(input_error, problem);
        else {
            opt.dry_run->prepare(cfg.spec, rates, traces, bin_ms);
            const std::string replay_problem = replay_earlier_spikes(opt, cfg.spec);
            if (!replay_problem.empty()) loaded.fail(input_error, replay_problem);
        }
    }
    if (const auto a = agree(comm, loaded); a.code != ok) return a.code;
    if (root)
        for (const std::string& warning : cfg.warnings) std::cerr << "synorm: warning: " << warning << "\n";
    std::string output = opt.output;
    std::optional<run_lock> output_lock;  // rank 0's, for the whole run
    if (resuming) {
        outcome checked;
        if (output.empty()) output = resumed.output;
        // The same lock as `run`: a resume never continues a file that another run is writing. (A
        // missing file or directory is reported by the check that follows.)
        std::error_code ec;
        if (fs::exists(output, ec))
            if (const int code = claim(comm, output + ".lock", "output '" + output + "'", start_time, output_lock);
                code != ok)
                return code;
        try {
            // Rank 0 reads the whole file to verify it; the others only its status and configuration.
            const auto summary = io::read_output_summary(output, root);
            if (summary.status == "complete" || resumed.finished)
                checked.fail(input_error, "the run of " + checkpoint_path + " is finished (" + output +
                                              " is complete); nothing to resume");
            else if (summary.config_yaml != resumed.config_yaml && !opt.force) {
                std::string keys;
                try {
                    for (const auto& k : config::differing_keys(resumed.config_yaml, summary.config_yaml))
                        keys += (keys.empty() ? "" : ", ") + k;
                } catch (const std::exception&) {
                    keys = "(unreadable)";
                }
                checked.fail(input_error,
                             "checkpoint " + checkpoint_path + " (configuration " + resumed.config_hash +
                                 ") is of another configuration than " + output + " (" +
                                 io::config_hash(summary.config_yaml) + "); they differ in: " + keys +
                                 ". Give the run's own output with -o, or --force to continue this file anyway");
            }
        } catch (const io::damaged_file_error& e) {
            checked.fail(io_failure, e.what());
        } catch (const std::exception& e) {
            checked.fail(input_error,
                         std::string(e.what()) + " (resume " + checkpoint_path + " -o OUT.h5 says where it is)");
        }
        if (const auto a = agree(comm, checked); a.code != ok) return a.code;
    }
    const auto& spec = cfg.spec;
    int threads = opt.threads;
    if (threads <= 0) {
        const char* env = std::getenv("OMP_NUM_THREADS");
        threads = env ? std::max(1, std::atoi(env)) : 1;
    }

    // The job's ranks: a dry run's P, this process being one of them.
    const int ranks = opt.dry_run ? opt.dry_run->size() : comm.size();

    // 2. Memory: the estimate against what a rank has, before anything is allocated.
    {
        outcome fits;
        // A dry run is one process on this node, whatever the P it reports.
        const std::uint64_t limit = opt.memory_limit ? *opt.memory_limit : available_bytes_per_rank(comm.size());
        // A signal can ask any run for a checkpoint; counted only when checkpoints are asked for.
        const bool checkpointing =
            resuming || opt.checkpoint_every_ms > 0 || opt.checkpoint_wall_s > 0 || opt.stop_after_s > 0;
        const std::string problem =
            memory_problem(spec, ranks, threads, limit,
                           opt.memory_limit ? "--memory-limit" : "the memory available on this node", checkpointing);
        if (!problem.empty()) fits.fail(not_enough_memory, problem);
        // The layout's own limit (a thread's neurons), as validate --estimate checks it.
        else if (const std::string layout = layout_problem(spec, ranks, threads); !layout.empty())
            fits.fail(input_error, layout);
        if (const auto a = agree(comm, fits); a.code != ok) return a.code;
        if (root && !opt.quiet)
            std::cerr << "synorm: estimated peak memory "
                      << engine::estimate_memory(spec, ranks, threads, checkpointing).peak() / (1024 * 1024)
                      << " MiB per rank\n";
    }

    // 3. The output file and the checkpoint directory: checked, claimed and created (or, resuming,
    // reopened) before any simulation time is spent.
    bool probe_created = false;
    if (!resuming)
        if (const int code = prepare_output(opt, comm, output, probe_created, output_lock, start_time); code != ok)
            return code;
    // Checkpoints: into the directory given, else next to the output (run) or the checkpoint (resume).
    checkpoint_directory claimed_dir;
    claimed_dir.path = !opt.checkpoint_dir.empty() ? opt.checkpoint_dir
                       : resuming                  ? fs::path(checkpoint_path).parent_path().string()
                                                   : default_checkpoint_dir(output);
    if (claimed_dir.path.empty()) claimed_dir.path = ".";  // resuming from a checkpoint in the current directory
    const std::string& checkpoint_dir = claimed_dir.path;
    {
        // Room is asked for when checkpoints are (a resume that takes none only restores one).
        const bool checkpointing = opt.checkpoint_every_ms > 0 || opt.checkpoint_wall_s > 0 || opt.stop_after_s > 0;
        const std::uint64_t checkpoint_bytes =
            checkpointing ? engine::estimate_memory(spec, comm.size(), threads, true).checkpoint *
                                static_cast<std::uint64_t>(comm.size())
                          : 0;
        if (const int code = prepare_checkpoint_directory(comm, claimed_dir, start_time, checkpoint_bytes);
            code != ok) {
            if (probe_created && root) {
                std::error_code ec;
                fs::remove(output, ec);  // the empty file of rank 0's probe
            }
            return code;
        }
    }
    std::unique_ptr<io::output_file> out;
    struct stat written {};  // rank 0: the output file as created, to find it replaced or removed at the end
    {
        outcome created;
        try {
            if (resuming) {
                out = std::make_unique<io::output_file>(output, comm, spec, resumed.output_spikes,
                                                        resumed.output_rate_bins);
            } else {
                out = std::make_unique<io::output_file>(output, comm);
                out->write_config(cfg.resolved_yaml);
                out->write_populations(spec);
            }
        } catch (const std::exception& e) {  // io_error, the same on every rank; or this rank's own failure
            created.fail(io_failure, e.what());
        }
        if (const auto a = agree(comm, created); a.code != ok) {
            const bool never_opened = comm.max(out ? 1 : 0) == 0;
            stop_run(out, comm, a, output);
            if (never_opened && probe_created && root) {
                std::error_code ec;
                fs::remove(output, ec);  // the empty file of rank 0's probe
            }
            return a.code;
        }
        if (root) ::stat(output.c_str(), &written);
        // A checkpoint reads the resolved configuration back from the output (read_config), or has a
        // resumed run's: about 300 B per projection that the run need not keep (README "Networks from
        // tables").
        std::string().swap(cfg.resolved_yaml);
    }
    // Collective, after the output is closed: whether `output` still names the file the run wrote. A
    // file (or directory) removed or replaced during the run took what was written with it.
    const auto output_lost = [&]() -> int {
        outcome found;
        if (root) {
            struct stat now {};
            if (::stat(output.c_str(), &now) != 0 || now.st_dev != written.st_dev || now.st_ino != written.st_ino)
                found.fail(io_failure, "the output file '" + output +
                                           "' was removed or replaced during the run (or its directory was): "
                                           "what the run wrote is lost");
        }
        return agree(comm, found).code;
    };

    // 4. Build, agreed: a rank that cannot build must not leave the others waiting in the first exchange.
    std::unique_ptr<engine::simulation> sim;
    {
        outcome built;
        try {
            if (resuming)
                sim = std::make_unique<engine::simulation>(
                    spec, comm, threads, io::read_checkpoint(checkpoint_path, spec, comm.rank(), comm.size()));
            else
                sim = std::make_unique<engine::simulation>(spec, opt.dry_run ? *opt.dry_run : comm, threads);
        } catch (const io::checkpoint_error& e) {
            built.fail(input_error, e.what());
        } catch (const engine::checkpoint_mismatch& e) {
            built.fail(input_error, "checkpoint '" + checkpoint_path + "': " + e.what());
        } catch (const std::exception& e) {
            built.fail(runtime_failure,
                       std::string(resuming ? "restoring the network from the checkpoint failed: "
                                            : "building the network failed: ") +
                           e.what(),
                       is_remote_failure(e));
        }
        if (const auto a = agree(comm, built); a.code != ok) {
            return stop_run(out, comm, a, output);
        }
    }
#ifdef __GLIBC__
    // The build frees the rows' sources once the source index holds them (4 B per row) and its scratch:
    // give the pages back, so that what the run allocates later does not add to the build's peak.
    malloc_trim(0);
#endif
    // Before the run: plastic weights change, and the checksum is of the network as built.
    const std::uint64_t checksum = sim->synapse_checksum();
    std::vector<std::int64_t> synapse_counts{static_cast<std::int64_t>(sim->local_synapses())};
    comm.sum(synapse_counts);
    if (root && !opt.quiet)
        std::cerr << "synorm: " << spec.total_neurons() << " neurons, " << synapse_counts[0] << " synapses on "
                  << (opt.dry_run ? "rank " + std::to_string(opt.dry_run->rank()) + " (dry run) of " : std::string())
                  << ranks << " rank(s) x " << threads << " thread(s), built in " << sim->build_seconds()
                  << " s; simulating " << spec.simulation.duration << " ms"
                  << (resuming
                          ? " from " + milliseconds(resumed.step, spec.simulation.dt) + " (" + checkpoint_path + ")"
                          : std::string())
                  << "\n";

    // 5. Run. The engine stops every rank in the same interval when one fails, and the io layer throws
    // on every rank at once, so every rank arrives at the agreement.
    progress_reporter progress(root && !opt.quiet, spec.simulation.dt);
    engine::hooks hooks;
    hooks.on_spikes = [&](const engine::spike_batch& batch) { out->append_spikes(spec, batch); };
    hooks.on_rates = [&](const engine::rate_batch& batch) { out->append_rates(spec, spec.recording.rate_bin, batch); };
    hooks.on_progress = [&](std::int64_t done, std::int64_t total) { progress(done, total); };
    std::string last_checkpoint;
    double last_write_s = 0;
    std::uint64_t last_bytes = 0;
    const std::string absolute_output = fs::absolute(output).lexically_normal().string();
    hooks.checkpoint_every_ms = opt.checkpoint_every_ms;
    hooks.on_checkpoint = [&](const engine::checkpoint_state& state) {
        const double t0 = now_seconds();
        try {
            out->flush();  // the spikes the checkpoint counts are on disk
            std::string made;
            if (root) {
                std::error_code ec;
                fs::create_directories(checkpoint_dir, ec);
                if (ec) made = "cannot create the checkpoint directory '" + checkpoint_dir + "': " + ec.message();
            }
            comm.broadcast(made, 0);
            if (!made.empty()) throw io::io_error(made);
            io::checkpoint_info info;
            info.config_yaml = resuming ? resumed.config_yaml : out->read_config();
            info.config_hash = io::config_hash(info.config_yaml);
            info.output = absolute_output;
            info.output_spikes = out->spike_counts(spec);
            info.output_rate_bins = out->rate_bins();
            info.step = state.step;
            info.total_steps = state.total_steps;
            info.time_ms = static_cast<double>(state.step) * spec.simulation.dt;
            info.dt = spec.simulation.dt;
            info.ranks = comm.size();
            info.threads = threads;
            const std::string path = (fs::path(checkpoint_dir) / checkpoint_name(state.step)).string();
            last_bytes = io::write_checkpoint(path, state, info, comm);
            last_checkpoint = path;
            if (root) {  // keep the newest K
                const auto all = checkpoints_in(checkpoint_dir);
                for (std::size_t k = 0; k + static_cast<std::size_t>(std::max(1, opt.checkpoint_keep)) < all.size();
                     ++k) {
                    std::error_code ec;
                    fs::remove(all[k], ec);
                }
            }
        } catch (const std::exception& e) {
            throw checkpoint_failure(std::string("writing a checkpoint failed: ") + e.what() +
                                     " (the previous checkpoint, if any, is intact)");
        }
        last_write_s = now_seconds() - t0;
        if (root && !opt.quiet)
            std::cerr << "synorm: checkpoint at " << milliseconds(state.step, spec.simulation.dt) << ": "
                      << last_checkpoint << " (" << last_bytes / (1024 * 1024) << " MiB, " << last_write_s << " s)\n";
    };
    const double loop_start = now_seconds();
    double next_wall_checkpoint = opt.checkpoint_wall_s > 0 ? loop_start + opt.checkpoint_wall_s : 0;
    hooks.checkpoint_requested = [&] {
        if (next_wall_checkpoint == 0 || now_seconds() < next_wall_checkpoint) return false;
        next_wall_checkpoint = now_seconds() + opt.checkpoint_wall_s;
        return true;
    };
    hooks.stop_requested = [&] {
        return stop_signal != 0 || (opt.stop_after_s > 0 && now_seconds() - process_start >= opt.stop_after_s);
    };
    // A dry run's state is one rank's of P: no checkpoint could resume it, so a signal ends it (exit 1).
    if (opt.dry_run)
        hooks.on_checkpoint = [](const engine::checkpoint_state&) {
            throw std::runtime_error(std::string("stopped by ") + signal_name(stop_signal) +
                                     ": a dry run takes no checkpoints");
        };
    engine::results res;
    {
        outcome simulated;
        bool output_intact = false;
        try {
            res = sim->run(hooks);
        } catch (const checkpoint_failure& e) {
            simulated.fail(io_failure, e.what());
            output_intact = true;
        } catch (const io::io_error& e) {
            simulated.fail(io_failure, e.what());
        } catch (const engine::health_stop& e) {
            simulated.fail(health_stopped, std::string("stopped by a health check: ") + e.what());
        } catch (const std::exception& e) {
            simulated.fail(runtime_failure, e.what(), is_remote_failure(e));
        }
        progress.finish();
        if (const auto a = agree(comm, simulated); a.code != ok) {
            const bool checkpoint_failed = comm.max(output_intact ? 1 : 0) != 0;
            const int code = stop_run(out, comm, a, output, checkpoint_failed);
            if (checkpoint_failed) {
                // The output is closed. A checkpoint file whose write failed half-way (a disk that
                // filled up after the free-space check) may still be open inside HDF5, which then
                // crashes while it shuts down at exit: end here, together, with the agreed code.
                std::cout.flush();
                std::cerr.flush();
                comm.barrier();
                run_lock::release_all();
                std::_Exit(code);
            }
            return code;
        }
    }
    if (res.stopped_at >= 0) {  // on request, after a checkpoint: the output is consistent up to it
        outcome closed;
        const std::string at = milliseconds(res.stopped_at, spec.simulation.dt);
        try {
            out->set_status("checkpointed at " + at + ": resume with synorm resume " + checkpoint_dir);
            out->close();
        } catch (const std::exception& e) {
            closed.fail(io_failure, e.what());
        }
        if (const auto a = agree(comm, closed); a.code != ok) return stop_run(out, comm, a, output);
        const std::string cause = stop_cause(comm);
        if (const int code = output_lost(); code != ok) return code;
        if (root)
            std::cerr << "synorm: stopped at " << at << " after checkpoint " << last_checkpoint << " (" << cause
                      << "); continue with: synorm resume " << checkpoint_dir << "\n";
        return checkpointed;
    }

    // 6. Records and provenance; the status is the last write.
    outcome recorded;
    io::provenance p;
    try {
        const double t_record = now_seconds();
        if (spec.recording.rate_bin > 0) {  // the bins went to the file during the run
            out->finish_rates(spec, spec.recording.rate_bin, res.mean_rates, res.group_rates);
            engine::phase_rates(spec, res, [&](std::uint32_t p, std::int64_t first, std::int64_t count) {
                return out->read_rates(p, first, count);
            });
        }
        out->write_homeostasis(spec, res.homeostasis);
        for (const auto& trace : res.traces) out->write_state(spec, trace);
        std::vector<int> index_of(spec.projections.size(), 0);
        for (const auto& snap : res.snapshots) out->write_weights(spec, snap, index_of[snap.projection]++);
        out->write_phases(spec, res.phases, res.phase_weight);
        out->write_patterns(spec, res.patterns);
        out->write_pruning(spec, res.pruning);
        std::vector<int> phase_index(spec.projections.size(), 0);
        for (const auto& snap : res.phase_snapshots)
            out->write_weights(spec, snap, phase_index[snap.projection]++, "phase_weights");
        for (const auto& fs : res.final_states) out->write_final_state(spec, fs);
        res.time.record += now_seconds() - t_record;
        p = make_provenance(comm, opt.dry_run, spec, *sim, res, threads, static_cast<std::uint64_t>(synapse_counts[0]),
                            checksum, start_time, process_start);
        out->write_provenance(p);
        out->set_status("complete");
        out->close();
    } catch (const io::io_error& e) {
        recorded.fail(io_failure, e.what());
    } catch (const std::exception& e) {
        recorded.fail(runtime_failure, std::string("writing the records failed: ") + e.what());
    }
    if (const auto a = agree(comm, recorded); a.code != ok) {
        return stop_run(out, comm, a, output);
    }
    if (const int code = output_lost(); code != ok) return code;
    if (root && !opt.quiet) std::cout << summary(spec, res, p, output) << std::flush;
    if (opt.dry_run && !opt.quiet) std::cout << dry_run_report(res, p, threads) << std::flush;
    return ok;
}

}  // namespace synorm::app
