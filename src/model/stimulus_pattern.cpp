#include "synorm/model/stimulus_pattern.hpp"

#include <algorithm>
#include <cmath>

#include "synorm/model/phase_schedule.hpp"
#include "synorm/model/random_stream.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::model {

std::uint64_t pattern_spec::cue_size() const {
    const auto n = static_cast<double>(group.size());
    return static_cast<std::uint64_t>(std::llround(cue * n));
}

std::vector<std::uint64_t> random_group(std::uint64_t seed, std::uint32_t index, std::uint64_t size,
                                        std::uint64_t count) {
    // Sparse Fisher–Yates: only the positions the first `count` swaps touched are stored.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> moved;  // (position, id now there), sorted by position
    const auto at = [&](std::uint64_t pos) {
        const auto it = std::lower_bound(moved.begin(), moved.end(), std::make_pair(pos, std::uint64_t{0}),
                                         [](const auto& a, const auto& b) { return a.first < b.first; });
        return it != moved.end() && it->first == pos ? it->second : pos;
    };
    const auto put = [&](std::uint64_t pos, std::uint64_t id) {
        const auto it = std::lower_bound(moved.begin(), moved.end(), std::make_pair(pos, std::uint64_t{0}),
                                         [](const auto& a, const auto& b) { return a.first < b.first; });
        if (it != moved.end() && it->first == pos) it->second = id;
        else
            moved.insert(it, {pos, id});
    };
    random_stream r(seed, stream_kind::pattern_group, index, 0);
    std::vector<std::uint64_t> group;
    group.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t j = i + r.below(size - i);
        const std::uint64_t chosen = at(j);
        put(j, at(i));
        group.push_back(chosen);
    }
    std::sort(group.begin(), group.end());
    return group;
}

std::vector<presentation> presentations(const pattern_spec& p, std::uint32_t index, const schedule_spec& schedule,
                                        const std::vector<phase_run>& runs, double dt, std::int64_t total_steps) {
    std::vector<presentation> out;
    const auto step = [dt](double t) { return to_steps(t, dt); };
    const std::int64_t stop = std::isfinite(p.stop) ? std::min(step(p.stop), total_steps) : total_steps;
    std::size_t r = 0;
    for (std::uint64_t k = 0;; ++k) {
        const std::int64_t onset = step(p.start + static_cast<double>(k) * p.period);
        if (onset >= stop) break;
        if (!runs.empty()) {
            while (r + 1 < runs.size() && runs[r].end <= onset) ++r;
            const auto& on = schedule.phases[runs[r].settings].patterns;
            if (index >= on.size() || !on[index]) continue;
        }
        out.push_back({onset, k, false});
    }
    return out;
}

std::int64_t jitter_offset(std::uint64_t seed, std::uint32_t index, std::uint64_t gid, std::uint64_t k,
                           std::int64_t jitter_steps) {
    if (jitter_steps <= 0) return 0;
    const std::uint32_t u = random_block(seed, stream_kind::pattern_jitter, index, gid, k)[0];
    // Multiply-shift: bias below (jitter_steps + 1) / 2^32, far below anything a run can see.
    return static_cast<std::int64_t>((std::uint64_t{u} * static_cast<std::uint64_t>(jitter_steps + 1)) >> 32);
}

}  // namespace synorm::model
