// The smallest network the engine's unit tests build: one population of n neurons connected to
// itself pairwise with probability p, a constant weight of 0.1 and a constant delay.
#pragma once

#include <cstdint>

#include "synorm/model/model_spec.hpp"

namespace synorm::network_test {

inline model::model_spec one_population(std::uint64_t n, double p, double duration_ms, double delay_ms) {
    model::model_spec spec;
    spec.simulation.duration = duration_ms;
    model::population_spec e;
    e.name = "E";
    e.size = n;
    spec.populations = {e};
    model::projection_spec ee;
    ee.name = "EE";
    ee.rule = model::connection_rule::pairwise_bernoulli;
    ee.probability = p;
    ee.weight = model::distribution::constant_value(0.1);
    ee.delay = model::distribution::constant_value(delay_ms);
    spec.projections = {ee};
    return spec;
}

}  // namespace synorm::network_test
