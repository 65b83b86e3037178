// model_spec → the resolved configuration: YAML that states every value (defaults filled in) in
// internal units, and that loads back to the same model_spec.
#pragma once

#include <string>

#include "synorm/model/model_spec.hpp"

namespace synorm::config::detail {

// `applied_scale` is the network.scale already folded into the spec's sizes and counts; the text
// says so in a comment and writes scale 1, so loading it does not scale twice.
std::string resolved_yaml(const model::model_spec& spec, double applied_scale);

}  // namespace synorm::config::detail
