// Microglial pruning (src/README.md, Models; model::pruning_spec): weak synapses are tagged, as complement
// tags a synapse for microglia, once their effective weight has stayed below a threshold for longer
// than a tagging time, and tagged synapses are removed at the next pruning point. The tag is a count
// of consecutive homeostasis checks below the threshold, 2 bytes per synapse of a pruned projection
// only (network::synapse_table::tag).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace synorm::plasticity {

// The count after one check: one more when |w_eff| < threshold, else 0. Saturates, so a synapse that
// stays weak for more than 65535 periods stays tagged.
inline std::uint16_t next_tag(std::uint16_t count, float w_eff, float threshold) {
    if (!(std::fabs(w_eff) < threshold)) return 0;
    return count == std::numeric_limits<std::uint16_t>::max() ? count : static_cast<std::uint16_t>(count + 1);
}

// Below the threshold at more than `checks` = tagging_time / H consecutive checks: longer than the
// tagging time, each check standing for the period that ends at it.
inline bool is_tagged(std::uint16_t count, std::uint32_t checks) { return count > checks; }

}  // namespace synorm::plasticity
