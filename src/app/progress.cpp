#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace synorm::app {

progress_reporter::progress_reporter(bool enabled, double dt_ms)
    : enabled_(enabled),
      terminal_(isatty(STDERR_FILENO) != 0),
      dt_ms_(dt_ms),
      every_s_(terminal_ ? 0.25 : 10.0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void progress_reporter::operator()(std::int64_t done, std::int64_t total) {
    done_ = done;
    total_ = total;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() < every_s_) return;
    last_ = now;
    print(done, total, false);
}

void progress_reporter::finish() {
    if (enabled_ && printed_) print(done_, total_, true);
}

void progress_reporter::print(std::int64_t done, std::int64_t total, bool final_line) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double bio_s = static_cast<double>(done) * dt_ms_ * 1e-3;
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    const double rtf = bio_s > 0 ? wall / bio_s : 0.0;
    const double left = fraction > 0 ? wall * (1.0 - fraction) / fraction : 0.0;
    if (terminal_) {
        char bar[31];
        const int filled = static_cast<int>(fraction * 30);
        for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
        bar[30] = 0;
        std::fprintf(stderr, "\r[%s] %5.1f%%  %.3f s simulated  real-time factor %.2f  %.0f s left   %s", bar,
                     100 * fraction, bio_s, rtf, left, final_line ? "\n" : "");
    } else {
        std::fprintf(stderr, "progress: %.1f%%  %.3f s simulated  real-time factor %.2f  %.0f s left\n", 100 * fraction,
                     bio_s, rtf, left);
    }
    std::fflush(stderr);
    printed_ = true;
}

}  // namespace synorm::app
