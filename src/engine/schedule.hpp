// The phase schedule (engine/phases.cpp; model/phase_schedule.hpp) and SHY renormalization's state.
// Phases begin and end at interval starts that are homeostasis boundaries when the loop runs: every
// weight is up to date there. Private to src/engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "synorm/engine/records.hpp"
#include "synorm/model/model_spec.hpp"
#include "synorm/model/phase_schedule.hpp"
#include "synorm/plasticity/rules.hpp"

#include "rule_list.hpp"

namespace synorm::engine::detail {

struct schedule_state {
    model::model_spec configured;              // the parameters as written, which every phase starts from
    rule_list configured_rules;                // by projection: learning-rate factors scale their rates
    std::vector<model::phase_run> phase_runs;  // the expanded schedule; empty without one
    std::size_t phase_next = 0;                // the next phase to begin
    bool phase_open = false;                   // phase_next − 1 is running
    double phase_wall0 = 0.0;                  // omp_get_wtime() when the open phase began (as if, after a resume)
    phase_work phase_work0;                    // this rank's counters when the open phase began (or this process)
    std::vector<float> shy_gain;  // by projection: SHY gain G on transmitted weights (1 unless renormalizing)
    double shy_G = 1.0;           // the network's SHY gain, which shy_gain holds for renormalized projections
    // by projection: selective renormalization's spare threshold θ (w ≥ θ: G does not apply); +inf
    // outside a selective renormalizing phase, so that G applies to every synapse.
    std::vector<float> shy_spare;
    std::vector<std::uint8_t> renormalized;  // by projection: excitatory and plastic, so under SHY
    double set_point = -1.0;                 // total excitatory plastic weight W*; < 0 until it is taken
    std::vector<double> synapse_count;       // by projection: global synapse counts (renormalized ones)
    // Groups of populations (population_spec::group, the areas), in order of their first population:
    // W per group is Σ over the renormalized projections onto its populations, from the same
    // per-projection sums of the global reduction as the network's W.
    std::vector<std::string> group_names;
    std::vector<std::int32_t> weight_group;  // by projection: its target's group (renormalized ones), −1: none
    std::vector<double> group_set_point;     // by group: W_g when W* is taken; < 0 until then
    std::vector<double> group_G;             // by group: the SHY gain G_g of scope group (1 otherwise)
    bool phase_due(std::int64_t t0) const {
        return phase_next < phase_runs.size() && phase_runs[phase_next].start <= t0;
    }
    // Σw over renormalized projections: `scaled` below the spare threshold (every synapse outside
    // selective mode), `spared` at or above it.
    struct weight_split {
        double scaled = 0.0, spared = 0.0;
        std::vector<double> group_scaled, group_spared;  // by group: the same over its projections
    };
};

}  // namespace synorm::engine::detail
