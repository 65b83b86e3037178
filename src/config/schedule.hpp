// The `schedule` section: phases, cycles and SHY renormalization (model/phase_schedule.hpp), read
// after everything it refers to (populations, projections, inputs, the homeostasis period), and
// written back into the resolved configuration.
#pragma once

#include <yaml-cpp/yaml.h>

#include "synorm/model/model_spec.hpp"
#include "yaml_reader.hpp"

namespace synorm::config::detail {

// `root` is the whole document: the schedule's total duration is checked against simulation.duration.
void read_schedule(const node_at& root, const node_at& at, model::model_spec& spec);
void put_schedule(YAML::Emitter& out, const model::model_spec& spec);

}  // namespace synorm::config::detail
