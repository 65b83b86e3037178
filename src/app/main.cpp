// The `synorm` command line: run, validate, info. Exit codes are part of the interface (exit_code.hpp,
// README "Exit codes"); every rank exits with the same one, and a message is printed once, by rank 0.
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <optional>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "exit_code.hpp"
#include "run_command.hpp"
#include "terminal_text.hpp"
#include "synorm/comm/dry_run_communicator.hpp"
#include "synorm/comm/mpi_communicator.hpp"
#include "memory_check.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/config/units.hpp"
#include "synorm/engine/memory_estimate.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/io/checkpoint_file.hpp"
#include "synorm/io/output_file.hpp"
#include "synorm/version.hpp"

namespace po = boost::program_options;

namespace synorm::app {

namespace {

const char* usage_text =
    "synorm — spiking networks with Hebbian plasticity and synaptic normalization\n"
    "\n"
    "usage:\n"
    "  synorm run CONFIG [-o OUT.h5] [--set key.path=value ...] [--threads N] [--seed S] [--duration \"T\"] [-q]\n"
    "             [--checkpoint-every \"500 ms\"] [--checkpoint-wall \"30 min\"] [--checkpoint-dir DIR] "
    "[--checkpoint-keep K]\n"
    "             [--stop-after \"55 min\"] [--overwrite] [--dry-run P[xT][:r] [--dry-run-rates EARLIER.h5]]\n"
    "  synorm resume CHECKPOINT|DIR [-o OUT.h5] [--threads N] [--placement round_robin|blocks|groups] [--force]\n"
    "             [--stop-after ...] [--checkpoint-every ...] [...]\n"
    "             [--set comm.exchange=allgather|alltoall|auto] [--set comm.overlap=on|off|auto]\n"
    "  synorm validate CONFIG [--set key.path=value ...] [--estimate [--ranks N] [--threads N] [--checkpoint-every T] "
    "[--dry-run P[xT][:r]]] [--memory-limit SIZE]\n"
    "  synorm info OUT.h5|CHECKPOINT.h5\n"
    "  synorm --help | --version\n"
    "\n"
    "Start under mpirun or srun for several ranks. Exit codes: 0 ok, 1 runtime failure,\n"
    "2 bad command line, configuration or checkpoint, 3 output or checkpoint could not be written or read,\n"
    "4 not enough memory, 5 stopped by a health check, 6 stopped after a checkpoint (resume it).\n";

// The rank a launcher gave this process, read from its environment (0 when started alone). Errors
// found before MPI starts (command line, validate, info) are the same on every rank: only rank 0
// prints them, so a message under mpirun appears once instead of once per rank.
int launcher_rank() {
    for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
        if (const char* value = std::getenv(name)) return std::atoi(value);
    return 0;
}

const bool speaker = launcher_rank() == 0;

int command_line_error(const std::string& command, const std::string& message) {
    if (speaker)
        std::cerr << "synorm" << (command.empty() ? "" : " " + command) << ": " << message << "\n\n" << usage_text;
    return input_error;
}

// The options each command accepts (run accepts them all).
struct option_use {
    const char* name;      // as in the variables map
    const char* spelling;  // as the user may have typed it
    bool run, validate, info, resume;
};
constexpr option_use option_uses[] = {
    {"output", "-o/--output", true, false, false, true},
    {"threads", "--threads", true, true, false, true},
    {"estimate", "--estimate", false, true, false, false},
    {"ranks", "--ranks", false, true, false, false},
    {"memory-limit", "--memory-limit", true, true, false, true},
    {"seed", "--seed", true, false, false, false},
    {"duration", "--duration", true, false, false, false},
    {"quiet", "-q/--quiet", true, false, false, true},
    {"set", "--set", true, true, false, true},
    {"checkpoint-every", "--checkpoint-every", true, true, false, true},
    {"checkpoint-wall", "--checkpoint-wall", true, false, false, true},
    {"checkpoint-dir", "--checkpoint-dir", true, false, false, true},
    {"checkpoint-keep", "--checkpoint-keep", true, false, false, true},
    {"stop-after", "--stop-after", true, false, false, true},
    {"force", "--force", false, false, false, true},
    {"placement", "--placement", false, false, false, true},
    {"overwrite", "--overwrite", true, false, false, false},
    {"dry-run", "--dry-run", true, true, false, false},
    {"dry-run-rates", "--dry-run-rates", true, false, false, false},
};

// --dry-run P[xT][:r]: rank r (default 0) of P ranks × T threads (T: 0, the run's usual).
struct dry_run_layout {
    int ranks = 0, threads = 0, rank = 0;
};

// A positive decimal that fits an int, the whole of `text`; nullopt otherwise.
std::optional<int> parse_count(const std::string& text) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoi(text);
}

// The layout of --dry-run, or the reason it is not one.
std::optional<dry_run_layout> parse_dry_run(const std::string& text, std::string& why) {
    why = "--dry-run '" + text + "': expected P[xT][:r], e.g. 4096x8:17 (rank 17 of 4096 ranks × 8 threads)";
    dry_run_layout d;
    std::string ranks = text, threads, rank;
    if (const auto colon = ranks.find(':'); colon != std::string::npos) {
        rank = ranks.substr(colon + 1);
        ranks.resize(colon);
        if (rank.empty()) return std::nullopt;
    }
    if (const auto x = ranks.find('x'); x != std::string::npos) {
        threads = ranks.substr(x + 1);
        ranks.resize(x);
        if (threads.empty()) return std::nullopt;
    }
    const auto p = parse_count(ranks), t = threads.empty() ? std::optional<int>(0) : parse_count(threads),
               r = rank.empty() ? std::optional<int>(0) : parse_count(rank);
    if (!p || !t || !r) return std::nullopt;
    if (*p < 1 || (!threads.empty() && *t < 1)) {
        why = "--dry-run '" + text + "': the ranks and threads must be at least 1";
        return std::nullopt;
    }
    if (*r >= *p) {
        why = "--dry-run '" + text + "': rank " + std::to_string(*r) + " is not one of the " + std::to_string(*p) +
              " ranks (0 to " + std::to_string(*p - 1) + ")";
        return std::nullopt;
    }
    d.ranks = *p;
    d.threads = *t;
    d.rank = *r;
    return d;
}

// A wall-clock duration: "<number> <s|min|h>", > 0; nullopt otherwise.
std::optional<double> parse_wall_seconds(const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    std::string unit = text.substr(used);
    unit.erase(0, unit.find_first_not_of(' '));
    const double scale = unit == "s" ? 1.0 : unit == "min" ? 60.0 : unit == "h" ? 3600.0 : 0.0;
    if (scale == 0.0 || !(value > 0) || !std::isfinite(value)) return std::nullopt;
    return value * scale;
}

struct estimate_options {
    bool print = false;
    int ranks = 1, threads = 1;
    bool checkpointing = false;  // --checkpoint-every: count the copy a checkpoint makes
    double checkpoint_every_ms = 0;
    std::optional<std::uint64_t> limit;
    std::optional<int> dry_run_rank;  // --dry-run: build this rank's share and measure it
};

std::string mebibytes(std::uint64_t bytes) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(1);
    s << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
    return s.str();
}

// validate --estimate --dry-run: rank r's share built as a run would build it, its measured memory
// next to the estimate (the estimate is for the most loaded rank).
void measure_dry_run(const model::model_spec& spec, const estimate_options& est) {
    const engine::memory_estimate e = engine::estimate_memory(spec, est.ranks, est.threads, est.checkpointing);
    comm::dry_run_communicator dry(*est.dry_run_rank, est.ranks);
    const engine::simulation sim(spec, dry, est.threads);
    char checksum[24];
    std::snprintf(checksum, sizeof checksum, "%016llx", static_cast<unsigned long long>(sim.synapse_checksum()));
    std::cout << "dry run: rank " << *est.dry_run_rank << " of " << est.ranks << " x " << est.threads
              << " thread(s), built in " << sim.build_seconds() << " s:\n"
              << "  neurons         " << sim.local_neurons() << "\n"
              << "  synapses        " << sim.local_synapses() << " (estimate " << e.expected_synapses << "), checksum "
              << checksum << "\n"
              << "  synapse tables  " << mebibytes(sim.synapse_bytes()) << " (estimate " << mebibytes(e.synapses)
              << ")\n"
              << "  peak memory     " << mebibytes(static_cast<std::uint64_t>(peak_rss_bytes())) << " (estimate "
              << mebibytes(e.peak()) << ")\n";
}

int validate(const std::string& path, const std::vector<std::string>& overrides, const estimate_options& est) {
    try {
        const auto cfg = config::load(path, overrides);
        const auto& spec = cfg.spec;
        if (est.checkpointing) {
            const std::string problem = checkpoint_problem(spec, est.checkpoint_every_ms);
            if (!problem.empty()) {
                if (speaker) std::cerr << "synorm: " << problem << "\n";
                return input_error;
            }
        }
        if (speaker)
            for (const std::string& warning : cfg.warnings) std::cerr << "synorm: warning: " << warning << "\n";
        if (speaker)
            std::cout << path << ": valid. " << spec.populations.size() << " populations, " << spec.total_neurons()
                      << " neurons, " << spec.projections.size() << " projections; dt " << spec.simulation.dt
                      << " ms, duration " << spec.simulation.duration << " ms, minimum delay " << spec.min_delay_steps()
                      << " steps\n";
        if (est.print) {  // the layout is known only with --estimate (--ranks, --threads)
            const std::string problem = layout_problem(spec, est.ranks, est.threads);
            if (!problem.empty()) {
                if (speaker) std::cerr << "synorm: " << problem << "\n";
                return input_error;
            }
        }
        if (est.print && speaker)
            std::cout << "estimated memory per rank on " << est.ranks << " rank(s) x " << est.threads << " thread(s):\n"
                      << engine::estimate_memory(spec, est.ranks, est.threads, est.checkpointing).describe();
        if (est.dry_run_rank) {
            const std::string problem =
                memory_problem(spec, est.ranks, est.threads, est.limit ? *est.limit : available_bytes_per_rank(1),
                               est.limit ? "--memory-limit" : "the memory available on this node");
            if (!problem.empty()) {
                if (speaker) std::cerr << "synorm: --dry-run: " << problem << "\n";
                return not_enough_memory;
            }
            if (speaker) measure_dry_run(spec, est);
        }
        if (est.limit) {
            const std::string problem =
                memory_problem(spec, est.ranks, est.threads, *est.limit, "--memory-limit", est.checkpointing);
            if (!problem.empty()) {
                if (speaker) std::cerr << "synorm: " << problem << "\n";
                return not_enough_memory;
            }
        }
        return ok;
    } catch (const config::config_error& e) {
        if (speaker) std::cerr << "synorm: " << e.what() << "\n";
    } catch (const std::exception& e) {
        if (speaker) std::cerr << "synorm: " << path << ": " << e.what() << "\n";
    }
    return input_error;
}

int info(const std::string& path) {
    try {
        const std::string text = io::is_checkpoint_file(path) ? io::describe_checkpoint(path) : io::describe(path);
        if (speaker) std::cout << text;
        return ok;
    } catch (const std::exception& e) {
        if (speaker) std::cerr << "synorm info: " << e.what() << "\n";
        return io_failure;
    }
}

// A batch script says how many ranks it launched (jobs/lib.sh sets SYNORM_EXPECTED_RANKS to SLURM_NTASKS).
// When srun's MPI plug-in does not match the MPI library, every task starts as rank 0 of its own
// one-rank world: N copies of the run, all writing one file. Checked before anything is read or written.
int check_expected_ranks(int ranks) {
    const char* expected = std::getenv("SYNORM_EXPECTED_RANKS");
    if (!expected || std::to_string(ranks) == expected) return ok;
    if (speaker)
        std::cerr << "synorm: started as " << ranks << " MPI rank(s), but SYNORM_EXPECTED_RANKS is '" << expected
                  << "' (the tasks the job launched): the launcher did not join them into one MPI job. Under srun, "
                     "use --mpi=pmix (srun --mpi=list shows the plug-ins) with an MPI built for PMIx\n";
    return input_error;
}

}  // namespace

int main(int argc, char** argv) {
    const double process_start =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    // Messages quote the user's input (keys, paths, values): no control character reaches the terminal.
    make_standard_streams_printable();
    if (argc < 2) return command_line_error("", "missing command");
    const std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        if (speaker) std::cout << usage_text;
        return ok;
    }
    if (command == "--version") {
        if (speaker) std::cout << "synorm " << synorm::version << " (" << synorm::git_revision << ")\n";
        return ok;
    }
    if (command != "run" && command != "validate" && command != "info" && command != "resume")
        return command_line_error("", "unknown command '" + command + "'; expected run, resume, validate or info");
    if (command == "run" || command == "resume") install_stop_signals();

    po::options_description options("options");
    options.add_options()("output,o", po::value<std::string>(), "run: output file (default out/<config name>.h5)")(
        "set", po::value<std::vector<std::string>>()->composing(),
        "run, validate: override a configuration value: key.path=value")(
        "threads", po::value<int>(), "run: OpenMP threads per rank (default OMP_NUM_THREADS, else 1)")(
        "seed", po::value<std::string>(), "run: random seed (overrides simulation.seed)")(
        "duration", po::value<std::string>(),
        "run: biological time to simulate, e.g. \"10 s\" (overrides simulation.duration)")(
        "quiet,q", "run: no progress or summary")(
        "memory-limit", po::value<std::string>(),
        "run, validate: memory per rank, e.g. \"4 GiB\" (default: the node's available memory / its ranks)")(
        "estimate", "validate: print the memory estimate per rank")(
        "ranks", po::value<int>(), "validate --estimate: the number of ranks to estimate for (default 1)")(
        "dry-run", po::value<std::string>(),
        "run: build and run only rank r of a P-rank × T-thread job, modelling the others; validate --estimate: "
        "build rank r's share and compare its memory with the estimate (P[xT][:r]; README \"Dry run\")")(
        "dry-run-rates", po::value<std::string>(),
        "run --dry-run: the other ranks' neurons spike at the mean rates of this earlier run's output "
        "(default: dry_run.rates of the configuration)")(
        "checkpoint-every", po::value<std::string>(),
        "run, resume: a checkpoint every this much biological time, e.g. \"500 ms\"")(
        "checkpoint-wall", po::value<std::string>(),
        "run, resume: a checkpoint every this much wall time, e.g. \"30 min\" (s, min, h)")(
        "checkpoint-dir", po::value<std::string>(),
        "run, resume: where checkpoints go (default <OUT without .h5>.checkpoints; resume: the checkpoint's)")(
        "checkpoint-keep", po::value<int>(), "run, resume: complete checkpoints kept (default 2)")(
        "stop-after", po::value<std::string>(),
        "run, resume: checkpoint and stop (exit 6) after this much wall time, e.g. \"55 min\"")(
        "force", "resume: continue an output file whose configuration differs from the checkpoint's")(
        "placement", po::value<std::string>(),
        "resume: round_robin, blocks or groups, which rank owns which neuron from here on (default: the checkpoint's "
        "network.placement; results do not change)")(
        "overwrite",
        "run: replace an existing output file that holds a complete run, a run stopped at a "
        "checkpoint or a crashed one, or that is no synorm output (without it, refused: exit 3). A "
        "failed run's file is always replaced; a file that another run is writing never is")("help,h", "this help");
    po::options_description hidden;
    hidden.add_options()("file", po::value<std::string>(), "CONFIG, OUT.h5 or CHECKPOINT");
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("file", 1);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        return command_line_error(command, e.what());
    }
    if (vm.count("help")) {
        if (speaker) std::cout << usage_text << "\n" << options;
        return ok;
    }
    for (const auto& use : option_uses) {
        const bool accepted = (command == "run" && use.run) || (command == "validate" && use.validate) ||
                              (command == "info" && use.info) || (command == "resume" && use.resume);
        if (!accepted && vm.count(use.name)) {
            std::string where;
            for (const auto& [ok_for, name] :
                 {std::pair{use.run, "run"}, std::pair{use.resume, "resume"}, std::pair{use.validate, "validate"}})
                if (ok_for) where += std::string(where.empty() ? "'synorm " : " and 'synorm ") + name + "'";
            return command_line_error(command, std::string("option ") + use.spelling + " does not apply to 'synorm " +
                                                   command + "' (only to " + where + ")");
        }
    }
    if (!vm.count("file"))
        return command_line_error(command, std::string("missing ") + (command == "info"     ? "OUT.h5"
                                                                      : command == "resume" ? "CHECKPOINT"
                                                                                            : "CONFIG"));
    const std::string file = vm["file"].as<std::string>();
    const auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};

    if (command == "info") return info(file);
    std::optional<std::uint64_t> memory_limit;
    if (vm.count("memory-limit")) {
        memory_limit = parse_bytes(vm["memory-limit"].as<std::string>());
        if (!memory_limit || *memory_limit == 0)
            return command_line_error(command, "--memory-limit '" + vm["memory-limit"].as<std::string>() +
                                                   "': expected a size like \"4 GiB\" or \"512 MiB\"");
    }
    if (command == "validate") {
        estimate_options est;
        est.print = vm.count("estimate") > 0;
        est.limit = memory_limit;
        if (vm.count("ranks")) {
            est.ranks = vm["ranks"].as<int>();
            if (est.ranks < 1) return command_line_error(command, "--ranks must be at least 1");
        }
        if (vm.count("threads")) {
            est.threads = vm["threads"].as<int>();
            if (est.threads < 1) return command_line_error(command, "--threads must be at least 1");
        }
        if (vm.count("dry-run")) {
            std::string why;
            const auto d = parse_dry_run(vm["dry-run"].as<std::string>(), why);
            if (!d) return command_line_error(command, why);
            if (!est.print)
                return command_line_error(command,
                                          "option --dry-run does not apply to 'synorm validate' without "
                                          "--estimate");
            if (vm.count("ranks") && est.ranks != d->ranks)
                return command_line_error(command, "--ranks " + std::to_string(est.ranks) + " and --dry-run " +
                                                       vm["dry-run"].as<std::string>() + " name different rank counts");
            if (vm.count("threads") && d->threads && est.threads != d->threads)
                return command_line_error(command, "--threads " + std::to_string(est.threads) + " and --dry-run " +
                                                       vm["dry-run"].as<std::string>() +
                                                       " name different thread counts");
            est.ranks = d->ranks;
            if (d->threads) est.threads = d->threads;
            est.dry_run_rank = d->rank;
        }
        est.checkpointing = vm.count("checkpoint-every") > 0;
        if (est.checkpointing) {
            const std::string text = vm["checkpoint-every"].as<std::string>();
            const auto q = config::parse_quantity(text);
            if (!q || q->dim != config::dimension::time || !(q->value > 0))
                return command_line_error(command, "--checkpoint-every '" + text +
                                                       "': expected a biological time > 0 like \"500 ms\" or \"2 s\"");
            est.checkpoint_every_ms = q->value;
        }
        for (const char* option : {"ranks", "threads", "checkpoint-every"})
            if (vm.count(option) && !est.print && !est.limit)
                return command_line_error(
                    command, std::string("option --") + option +
                                 " does not apply to 'synorm validate' without --estimate or --memory-limit");
        return validate(file, overrides, est);
    }

    run_options opt;
    if (command == "resume") opt.resume = file;
    else
        opt.config = file;
    opt.force = vm.count("force") > 0;
    opt.overwrite = vm.count("overwrite") > 0;
    if (vm.count("checkpoint-every")) {
        const std::string text = vm["checkpoint-every"].as<std::string>();
        std::string why;
        const auto q = config::parse_quantity(text, &why);
        if (!q || q->dim != config::dimension::time || !(q->value > 0))
            return command_line_error(command, "--checkpoint-every '" + text +
                                                   "': expected a biological time > 0 like \"500 ms\" or \"2 s\"");
        opt.checkpoint_every_ms = q->value;
    }
    for (const auto& [name, target] :
         {std::pair{"checkpoint-wall", &opt.checkpoint_wall_s}, std::pair{"stop-after", &opt.stop_after_s}}) {
        if (!vm.count(name)) continue;
        const std::string text = vm[name].as<std::string>();
        const auto seconds = parse_wall_seconds(text);
        if (!seconds)
            return command_line_error(command, std::string("--") + name + " '" + text +
                                                   "': expected a wall time > 0 like \"30 min\" (s, min or h)");
        *target = *seconds;
    }
    if (vm.count("checkpoint-dir")) {
        opt.checkpoint_dir = vm["checkpoint-dir"].as<std::string>();
        if (opt.checkpoint_dir.empty()) return command_line_error(command, "--checkpoint-dir needs a directory name");
    }
    if (vm.count("checkpoint-keep")) {
        opt.checkpoint_keep = vm["checkpoint-keep"].as<int>();
        if (opt.checkpoint_keep < 1)
            return command_line_error(command, "--checkpoint-keep must be at least 1, got " +
                                                   std::to_string(opt.checkpoint_keep));
    }
    opt.overrides = overrides;
    if (vm.count("placement")) {
        const std::string word = vm["placement"].as<std::string>();
        if (word != "round_robin" && word != "blocks" && word != "groups")
            return command_line_error(command, "--placement '" + word + "': expected round_robin, blocks or groups");
        opt.placement = word == "blocks"   ? model::placement_kind::blocks
                        : word == "groups" ? model::placement_kind::groups
                                           : model::placement_kind::round_robin;
    }
    if (vm.count("output")) {
        opt.output = vm["output"].as<std::string>();
        if (opt.output.empty()) return command_line_error(command, "-o/--output needs a file name");
    }
    if (vm.count("threads")) {
        opt.threads = vm["threads"].as<int>();
        if (opt.threads < 1)
            return command_line_error(command, "--threads must be at least 1, got " + std::to_string(opt.threads));
    }
    if (vm.count("seed")) opt.seed = vm["seed"].as<std::string>();
    if (vm.count("duration")) opt.duration = vm["duration"].as<std::string>();
    opt.quiet = vm.count("quiet") > 0;
    opt.memory_limit = memory_limit;

    // A dry run is one process that reports rank r of P (README "Dry run").
    if (vm.count("dry-run-rates") && !vm.count("dry-run"))
        return command_line_error(command, "option --dry-run-rates applies only with --dry-run");
    if (vm.count("dry-run")) {
        const std::string text = vm["dry-run"].as<std::string>();
        std::string why;
        const auto d = parse_dry_run(text, why);
        if (!d) return command_line_error(command, why);
        if (vm.count("threads") && d->threads && opt.threads != d->threads)
            return command_line_error(command, "--threads " + std::to_string(opt.threads) + " and --dry-run " + text +
                                                   " name different thread counts");
        for (const char* option : {"checkpoint-every", "checkpoint-wall", "stop-after", "checkpoint-dir"})
            if (vm.count(option))
                return command_line_error(command, std::string("option --") + option +
                                                       " does not apply to a dry run (--dry-run): it takes no "
                                                       "checkpoints");
        if (comm::launched_by_mpi())
            return command_line_error(command,
                                      "--dry-run runs as one process on its own; start it without mpirun "
                                      "or srun");
        if (d->threads) opt.threads = d->threads;
        if (vm.count("dry-run-rates")) {
            opt.dry_run_rates = vm["dry-run-rates"].as<std::string>();
            if (opt.dry_run_rates.empty()) return command_line_error(command, "--dry-run-rates needs a file name");
        }
        if (const int rc = check_expected_ranks(1); rc != ok) return rc;
        comm::dry_run_communicator dry(d->rank, d->ranks);
        opt.dry_run = &dry;
        auto serial = comm::make_serial();
        return run_command(opt, *serial, process_start);
    }

    // Under a launcher, MPI; alone, the serial communicator (no MPI start-up cost).
    if (comm::launched_by_mpi()) {
        comm::mpi_session mpi(argc, argv);
        if (const std::string problem = comm::thread_support_problem(mpi.provided()); !problem.empty()) {
            if (speaker) std::cerr << "synorm: " << problem << "\n";
            return runtime_failure;
        }
        auto world = mpi.world();
        if (const int rc = check_expected_ranks(world->size()); rc != ok) return rc;
        return run_command(opt, *world, process_start);
    }
    if (const int rc = check_expected_ranks(1); rc != ok) return rc;
    auto serial = comm::make_serial();
    return run_command(opt, *serial, process_start);
}

}  // namespace synorm::app

int main(int argc, char** argv) { return synorm::app::main(argc, argv); }
