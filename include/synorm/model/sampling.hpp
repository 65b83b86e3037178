// Drawing a value of a model::distribution from a random stream.
#pragma once

#include "synorm/model/model_spec.hpp"
#include "synorm/model/random_stream.hpp"

namespace synorm::model {

// One draw. Normal and lognormal draws outside [min, max] are redrawn (at most 1000 times, then
// clamped); every other shape is clamped to [min, max].
double draw(const distribution& d, random_stream& rng);

}  // namespace synorm::model
