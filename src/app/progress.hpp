// Progress of a long run on rank 0's stderr: a live bar on a terminal, a line every few seconds in a
// batch log.
#pragma once

#include <chrono>
#include <cstdint>

namespace synorm::app {

class progress_reporter {
public:
    progress_reporter(bool enabled, double dt_ms);
    // Called after every interval: cheap unless it is time to print.
    void operator()(std::int64_t steps_done, std::int64_t steps_total);
    void finish();

private:
    void print(std::int64_t done, std::int64_t total, bool final_line);
    bool enabled_, terminal_;
    double dt_ms_;
    double every_s_;
    std::chrono::steady_clock::time_point start_, last_;
    std::int64_t done_ = 0, total_ = 0;
    bool printed_ = false;
};

}  // namespace synorm::app
