#include "synorm/model/phase_schedule.hpp"

#include <algorithm>

#include "synorm/model/time_steps.hpp"

namespace synorm::model {

std::vector<phase_run> expand(const schedule_spec& schedule, double dt) {
    std::vector<phase_run> runs;
    std::int64_t t = 0;
    for (std::uint64_t c = 0; c < schedule.cycles; ++c)
        for (std::uint32_t k = 0; k < schedule.phases.size(); ++k) {
            const auto& p = schedule.phases[k];
            phase_run r;
            r.phase = r.settings = k;
            r.cycle = c;
            r.start = t;
            t += to_steps(p.duration, dt);
            r.end = t;
            r.skipped = std::find(p.skip.begin(), p.skip.end(), c) != p.skip.end();
            // The loader refuses a skipped first phase of the first cycle: there is no previous one.
            if (r.skipped && !runs.empty()) r.settings = runs.back().settings;
            runs.push_back(r);
        }
    return runs;
}

}  // namespace synorm::model
