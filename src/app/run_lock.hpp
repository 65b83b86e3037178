// The claim of one run on a path (its output file, its checkpoint directory): a lock file that rank 0
// holds with flock() for the whole run. A second run on the same path is refused before it touches
// anything, and told who holds it. A lock file whose holder died holds no lock: the next run takes it.
#pragma once

#include <optional>
#include <string>

namespace synorm::app {

class run_lock {
public:
    // Takes the lock at `lock_path` (creating the file, never truncating it) and writes "host pid
    // start-time" into it. Returns nullopt and sets `problem` when another process holds it ("in use
    // by another synorm run (host H, pid P, since T)") or the file cannot be made (the reason).
    // On a file system without locks, returns an unlocked claim and says so in `warning`.
    static std::optional<run_lock> take(const std::string& lock_path, const std::string& start_time,
                                        std::string& problem, std::string& warning);

    run_lock(run_lock&& other) noexcept;
    run_lock& operator=(run_lock&& other) noexcept;
    run_lock(const run_lock&) = delete;
    // Removes the lock file (while still holding it), then releases it.
    ~run_lock();
    // Releases every lock this process holds, for a process that ends with std::_Exit (no destructors).
    static void release_all();

private:
    void release();
    void enlist();
    run_lock(std::string path, int fd);
    void release_quietly();  // forgets the descriptor (moved away or closed)
    std::string path_;
    int fd_ = -1;
};

}  // namespace synorm::app
