// model_spec → the resolved configuration: YAML that states every value (defaults filled in) in
// internal units, and that loads back to the same model_spec.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "synorm/model/model_spec.hpp"

namespace synorm::config::detail {

// What network.scale, network.indegree_scale and network.compensation did to the spec. The spec
// already holds the scaled sizes and counts, the compensated weights and the compensating I_e; the
// text says so in comments and writes both factors as 1, so loading it does not scale twice.
struct applied_scaling {
    double scale = 1.0;
    double indegree_scale = 1.0;
    // network.compensation.mean_rates as given (population name, Hz); empty without compensation.
    std::vector<std::pair<std::string, double>> mean_rates;
    bool compensation = false;       // network.compensation was given
    bool compensate_inputs = false;  // network.compensation.inputs: the Poisson inputs too
    bool weights_scaled = false;     // it changed some projection's weights
    std::vector<double> added_I_e;   // pA by population: the compensating current folded into I_e
};

std::string resolved_yaml(const model::model_spec& spec, const applied_scaling& scaling);

}  // namespace synorm::config::detail
