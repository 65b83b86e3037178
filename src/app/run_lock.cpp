#include "run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

namespace synorm::app {
namespace {

// The locks held, for release_all(). Only the main thread takes and releases locks.
std::vector<run_lock*>& held_locks() {
    static std::vector<run_lock*> held;
    return held;
}

std::string read_holder(int fd) {
    // The holder writes its line right after it takes the lock: give it a moment.
    for (int attempt = 0; attempt < 20; ++attempt) {
        char buf[512] = {0};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            std::istringstream line(std::string(buf, static_cast<std::size_t>(n)));
            std::string host, pid, since;
            line >> host >> pid >> since;
            if (!since.empty()) return "host " + host + ", pid " + pid + ", since " + since;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return "holder unknown";
}

}  // namespace

std::optional<run_lock> run_lock::take(const std::string& lock_path, const std::string& start_time,
                                       std::string& problem, std::string& warning) {
    // A holder removes the file while it still holds it: a lock taken on a file that is no longer at
    // `lock_path` is void, and taken again on the file that is.
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            problem = "cannot create the lock file '" + lock_path + "' (" + std::strerror(errno) + ")";
            return std::nullopt;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            if (error == ENOSYS || error == EOPNOTSUPP || error == ENOLCK) {
                // A file system without locks (Lustre mounted without flock): the run goes on, as
                // HDF5's own locking does (H5Pset_file_locking's ignore_when_disabled), unprotected.
                warning = "the file system of '" + lock_path + "' does not support locks (" + std::strerror(error) +
                          "): nothing stops another run from using the same path at the same time";
                std::optional<run_lock> taken{run_lock(lock_path, fd)};
                return taken;
            }
            if (error == EWOULDBLOCK) problem = "in use by another synorm run (" + read_holder(fd) + ")";
            else
                problem = "cannot lock '" + lock_path + "' (" + std::strerror(error) + ")";
            ::close(fd);
            return std::nullopt;
        }
        struct stat held {
        }, named{};
        if (::fstat(fd, &held) != 0 || ::stat(lock_path.c_str(), &named) != 0 || held.st_dev != named.st_dev ||
            held.st_ino != named.st_ino) {
            ::close(fd);
            continue;
        }
        char host[256] = {0};
        ::gethostname(host, sizeof host - 1);
        const std::string line = std::string(host) + " " + std::to_string(::getpid()) + " " + start_time + "\n";
        if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
            problem = "cannot write the lock file '" + lock_path + "' (" + std::strerror(errno) + ")";
            ::unlink(lock_path.c_str());
            ::close(fd);
            return std::nullopt;
        }
        std::optional<run_lock> taken{run_lock(lock_path, fd)};
        return taken;
    }
    problem = "cannot lock '" + lock_path + "': it keeps being replaced";
    return std::nullopt;
}

run_lock::run_lock(std::string path, int fd) : path_(std::move(path)), fd_(fd) { enlist(); }

run_lock::run_lock(run_lock&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
    other.release_quietly();
    enlist();
}

void run_lock::enlist() {
    if (fd_ >= 0) held_locks().push_back(this);
}

void run_lock::release_all() {
    for (run_lock* lock : std::vector<run_lock*>(held_locks())) lock->release();
}

run_lock& run_lock::operator=(run_lock&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        fd_ = other.fd_;
        other.release_quietly();
        enlist();
    }
    return *this;
}

run_lock::~run_lock() { release(); }

void run_lock::release() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());
    ::close(fd_);
    release_quietly();
}

void run_lock::release_quietly() {
    fd_ = -1;
    auto& held = held_locks();
    std::erase(held, this);
}

}  // namespace synorm::app
