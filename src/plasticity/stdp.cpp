#include "synorm/plasticity/stdp.hpp"

namespace synorm::plasticity {

stdp_rule stdp_rule::make(const model::plasticity_spec& p, double dt) {
    stdp_rule r;
    r.dependence = p.dependence;
    r.nearest = p.pairing == model::spike_pairing::nearest;
    r.tau_plus_steps = p.tau_plus / dt;
    r.tau_minus_steps = p.tau_minus / dt;
    r.A_plus = static_cast<float>(p.A_plus);
    r.A_minus = static_cast<float>(p.A_minus);
    r.w_min = static_cast<float>(p.w_min);
    r.w_max = static_cast<float>(p.w_max);
    r.w_0 = static_cast<float>(p.w_0);
    r.mu = static_cast<float>(p.mu);
    return r;
}

void post_history::resize(std::uint32_t neurons) {
    spikes_.resize(neurons);
    tau_.resize(neurons, 0.0);
    nearest_.resize(neurons, 0);
}

void post_history::enable(std::uint32_t begin, std::uint32_t end, double tau_minus_steps, bool nearest) {
    for (std::uint32_t i = begin; i < end; ++i) {
        tau_[i] = tau_minus_steps;
        nearest_[i] = nearest;
    }
}

void post_history::record(std::uint32_t neuron, std::int64_t step) {
    auto& h = spikes_[neuron];
    float y = 1.0f;
    if (!h.empty() && !nearest_[neuron])
        y += h.back().y * static_cast<float>(std::exp(-static_cast<double>(step - h.back().step) / tau_[neuron]));
    h.push_back({step, y});
}

void post_history::prune(std::int64_t before) {
    for (auto& h : spikes_) {
        std::size_t k = 0;
        while (k + 1 < h.size() && h[k + 1].step < before) ++k;
        if (k > 0) h.erase(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(k));
    }
}

float post_history::trace_before(std::uint32_t neuron, std::int64_t step) const {
    const auto& h = spikes_[neuron];
    std::size_t k = h.size();
    while (k > 0 && h[k - 1].step >= step) --k;
    if (k == 0) return 0.0f;
    const float decay = static_cast<float>(std::exp(-static_cast<double>(step - h[k - 1].step) / tau_[neuron]));
    return nearest_[neuron] ? decay : h[k - 1].y * decay;
}

}  // namespace synorm::plasticity
