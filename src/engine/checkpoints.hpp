// Checkpoints (engine/checkpoint.cpp): where this rank's run starts and what it was rebuilt from.
// Private to src/engine.
#pragma once

#include <cstdint>

#include "synorm/engine/checkpoint.hpp"
#include "synorm/engine/simulation.hpp"

namespace synorm::engine::detail {

struct restart_state {
    std::int64_t start_step = 0;                  // 0, or the step of the checkpoint this rank was rebuilt from
    const checkpoint_state* restoring = nullptr;  // during construction only
    results restored;                             // records of the checkpoint, continued by run()
};

}  // namespace synorm::engine::detail
