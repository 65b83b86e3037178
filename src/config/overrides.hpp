// `--set key.path=value` overrides, applied to the YAML tree before it is validated.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "yaml_reader.hpp"

namespace synorm::config::detail {

// Applies the overrides in order: each value (parsed as YAML, so "[E, I]" is a list) replaces or
// adds the key at its path; maps missing along the path are created. Returns the parts of the tree
// each override wrote, so that validation errors can blame it.
std::vector<override_origin> apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides);

}  // namespace synorm::config::detail
