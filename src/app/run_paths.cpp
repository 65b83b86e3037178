#include "run_paths.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "agreement.hpp"
#include "synorm/io/checkpoint_file.hpp"

namespace synorm::app {

namespace fs = std::filesystem;

std::string checkpoint_name(std::int64_t step) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "ckpt_%012lld.h5", static_cast<long long>(step));
    return buf;
}

std::vector<fs::path> checkpoints_in(const fs::path& dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("ckpt_", 0) == 0 && entry.path().extension() == ".h5") found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::string default_checkpoint_dir(const std::string& output) {
    fs::path p(output);
    if (p.extension() == ".h5") p.replace_extension("");
    return p.string() + ".checkpoints";
}

namespace {

std::string quoted(const fs::path& p) {
    std::string q(1, '\'');  // built by appending: GCC 12 warns (-Wrestrict) about "'" + std::string&&
    q += p.string();
    q += '\'';
    return q;
}

// Whether this rank can write `path`, checked before parallel HDF5 tries: a rank that fails inside
// H5Fcreate can leave the others waiting in MPI-IO. Ranks may see different file systems, so each
// checks. Rank 0 (`probe`) also opens the file for writing, creating it if needed (without
// truncating: nothing is lost if the run stops here), which proves the directory accepts it;
// `created` says that the file did not exist before. Returns what is wrong, or "".
std::string output_problem(const std::string& path, const std::string& config_path, bool probe, bool& created) {
    created = false;
    const fs::path file(path);
    const fs::path directory = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::error_code ec;
    if (fs::is_symlink(file, ec) && !fs::exists(file, ec))
        return "it is a dangling symbolic link to " + quoted(fs::read_symlink(file, ec)) +
               " (remove the link, or create what it points to)";
    if (!fs::exists(directory, ec)) return "directory " + quoted(directory) + " does not exist";
    if (!fs::is_directory(directory, ec)) return quoted(directory) + " is not a directory";
    if (fs::exists(file, ec)) {
        if (fs::is_directory(file, ec)) return "it is a directory";
        if (!fs::is_regular_file(file, ec)) return "it exists and is not a regular file";
        if (fs::equivalent(file, config_path, ec)) return "it is the configuration file";
    }
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
        return "directory " + quoted(directory) + " is not writable (" + std::strerror(errno) + ")";
    if (probe) {
        const bool existed = fs::exists(file, ec);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            const int error = errno;
            if (error == ENOENT)  // the directory exists: it takes no new files (/proc, /sys)
                return "directory " + quoted(directory) + " does not accept new files (" + std::strerror(error) + ")";
            return std::string("cannot open it for writing (") + std::strerror(error) + ")";
        }
        ::close(fd);
        created = !existed;
    }
    return "";
}

// Rank 0, holding the output's lock: what stops the run from replacing an existing file at `path`,
// or "". A complete, resumable or unknown file is kept unless --overwrite; the file of a failed run
// is replaced (a resubmitted batch job starts again), and `note` says so.
std::string existing_output_problem(const std::string& path, bool overwrite, std::string& note) {
    std::error_code ec;
    if (!fs::exists(path, ec) || fs::file_size(path, ec) == 0 || overwrite) return "";
    const std::string what = "output file " + quoted(fs::path(path));
    const std::string choices = "give --overwrite to replace it, or choose another file with -o";
    std::string status;
    try {
        status = io::read_output_summary(path, false).status;
    } catch (const std::exception& e) {
        return what + " exists and is not a synorm output (" + e.what() + "); " + choices;
    }
    if (status.starts_with("failed: ")) {
        note = "replacing " + what + ", the output of a failed run (status \"" + status + "\")";
        return "";
    }
    if (status == "complete") return what + " already holds a complete run; " + choices;
    if (status.starts_with("checkpointed at "))
        return what + " is a run stopped at a checkpoint (status \"" + status +
               "\"): continue it with synorm resume, " + choices;
    if (status == "running")
        return what +
               " has status \"running\": a run that was killed or crashed before it ended, or one still running "
               "without its lock file. If it left checkpoints, continue it with synorm resume " +
               default_checkpoint_dir(path) + "; else " + choices;
    if (status == "unknown") return what + " exists and is not a synorm output (it has no status); " + choices;
    return what + " already exists (status \"" + status + "\"); " + choices;
}

}  // namespace

int claim(comm::communicator& comm, const std::string& lock_path, const std::string& what,
          const std::string& start_time, std::optional<run_lock>& lock) {
    outcome claimed;
    if (comm.rank() == 0) {
        std::string problem, warning;
        lock = run_lock::take(lock_path, start_time, problem, warning);
        if (!warning.empty()) std::cerr << "synorm: warning: " << warning << "\n";
        if (!lock)
            claimed.fail(io_failure,
                         what + " is " + (problem.starts_with("in use") ? problem : "not usable: " + problem));
    }
    return agree(comm, claimed).code;
}

int prepare_output(const run_options& opt, comm::communicator& comm, std::string& output, bool& probe_created,
                   std::optional<run_lock>& lock, const std::string& start_time) {
    const bool root = comm.rank() == 0;
    if (output.empty()) {
        const fs::path directory("out");
        output = (directory / (fs::path(opt.config).stem().string() + ".h5")).string();
        outcome made;
        if (root) {
            std::error_code ec;
            if (fs::exists(directory, ec) && !fs::is_directory(directory, ec))
                made.fail(io_failure,
                          "cannot create the default output file " + output +
                              ": 'out' exists and is not a directory (remove it, or choose a file with -o)");
            else if (fs::create_directories(directory, ec); ec)  // tolerates a concurrent creator
                made.fail(io_failure, "cannot create the directory 'out' for the default output file " + output + ": " +
                                          ec.message() + " (choose a file with -o)");
        }
        if (const auto a = agree(comm, made); a.code != ok) return a.code;
    }
    {
        outcome checked;
        const std::string problem = output_problem(output, opt.config, false, probe_created);
        if (!problem.empty()) checked.fail(io_failure, "cannot create output file '" + output + "': " + problem);
        if (const auto a = agree(comm, checked); a.code != ok) return a.code;
    }
    // Nothing is touched before the lock is held: a second run on this output stops here. A lock file
    // that cannot be made (a directory that takes no new files) is reported as the output would be.
    {
        outcome claimed;
        if (root) {
            std::string problem, warning;
            lock = run_lock::take(output + ".lock", start_time, problem, warning);
            if (!warning.empty()) std::cerr << "synorm: warning: " << warning << "\n";
            if (!lock && problem.starts_with("in use")) {
                claimed.fail(io_failure, "output '" + output + "' is " + problem);
            } else if (!lock) {
                const std::string why = output_problem(output, opt.config, true, probe_created);
                std::error_code ec;
                if (probe_created) fs::remove(output, ec);
                claimed.fail(io_failure,
                             "cannot create output file '" + output + "': " + (why.empty() ? problem : why));
            }
        }
        if (const auto a = agree(comm, claimed); a.code != ok) return a.code;
    }
    {
        outcome kept;
        if (root) {
            std::string note;
            const std::string problem = existing_output_problem(output, opt.overwrite, note);
            if (!problem.empty()) kept.fail(io_failure, problem);
            else if (!note.empty())
                std::cerr << "synorm: " << note << "\n";
        }
        if (const auto a = agree(comm, kept); a.code != ok) return a.code;
    }
    outcome checked;
    if (root) {
        const std::string problem = output_problem(output, opt.config, true, probe_created);
        if (!problem.empty()) checked.fail(io_failure, "cannot create output file '" + output + "': " + problem);
    }
    const auto a = agree(comm, checked);
    if (a.code != ok && probe_created) {
        std::error_code ec;
        fs::remove(output, ec);  // the empty file rank 0's probe left
    }
    return a.code;
}

int prepare_checkpoint_directory(comm::communicator& comm, checkpoint_directory& dir, const std::string& start_time,
                                 std::uint64_t checkpoint_bytes) {
    const bool root = comm.rank() == 0;
    const std::string named = "checkpoint directory '" + dir.path + "'";
    {
        outcome made;
        if (root) {
            std::error_code ec;
            const bool existed = fs::exists(dir.path, ec);
            if (fs::is_symlink(dir.path, ec) && !existed)
                made.fail(io_failure,
                          named + " is a dangling symbolic link to '" + fs::read_symlink(dir.path, ec).string() + "'");
            else if (existed && !fs::is_directory(dir.path, ec))
                made.fail(io_failure, named + " exists and is not a directory (choose another with --checkpoint-dir)");
            else if (!existed && (fs::create_directories(dir.path, ec), ec))
                made.fail(io_failure, "cannot create the " + named + ": " + ec.message() +
                                          " (choose another with --checkpoint-dir)");
            dir.made = !existed && made.code == ok;
        }
        if (const auto a = agree(comm, made); a.code != ok) return a.code;
    }
    const std::string lock_path = (fs::path(dir.path) / "synorm.lock").string();
    if (const int code = claim(comm, lock_path, named, start_time, dir.lock); code != ok) return code;
    outcome usable;
    std::error_code ec;
    if (!fs::is_directory(dir.path, ec)) usable.fail(io_failure, named + " does not exist on this node");
    else if (::access(dir.path.c_str(), W_OK | X_OK) != 0)
        usable.fail(io_failure, named + " is not writable (" + std::strerror(errno) + ")");
    if (root && usable.code == ok) {
        for (const auto& entry : fs::directory_iterator(dir.path, ec)) {
            const std::string name = entry.path().filename().string();
            if (!name.starts_with("ckpt_") || !name.ends_with(".h5.tmp") || !entry.is_regular_file(ec)) continue;
            std::error_code removed;
            fs::remove(entry.path(), removed);
            std::cerr << "synorm: " << (removed ? "could not remove " : "removed ") << entry.path().string()
                      << ", the unfinished checkpoint of a run that was killed while writing it\n";
        }
        struct statvfs fsinfo {};
        const double need = static_cast<double>(checkpoint_bytes) * 1.05 + 1048576.0;
        if (checkpoint_bytes > 0 && ::statvfs(dir.path.c_str(), &fsinfo) == 0) {
            const double free_bytes = static_cast<double>(fsinfo.f_bavail) * static_cast<double>(fsinfo.f_frsize);
            if (free_bytes < need) {
                char buf[160];
                std::snprintf(buf, sizeof buf,
                              " has %.0f MiB free, and a checkpoint of this run needs about %.0f MiB (estimate)",
                              free_bytes / 1048576.0, need / 1048576.0);
                usable.fail(io_failure, named + buf + ": free space there, or choose another with --checkpoint-dir");
            }
        }
    }
    return agree(comm, usable).code;
}

}  // namespace synorm::app
