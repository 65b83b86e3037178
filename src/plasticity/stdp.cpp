#include "synorm/plasticity/stdp.hpp"

#include <algorithm>
#include <cmath>

namespace synorm::plasticity {

decay_table::decay_table(double tau_steps) : tau_(tau_steps) {
    const auto exact = static_cast<std::size_t>(std::min(65536.0, std::ceil(16.0 * tau_steps)) + 1);
    const auto n = static_cast<std::size_t>(std::min(1048576.0, std::max(std::ceil(88.0 * tau_steps) + 1, static_cast<double>(exact))));
    values_.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        values_[k] = k < exact ? static_cast<float>(std::exp(-static_cast<double>(k) / tau_steps))
                               : model::fast_exp(static_cast<float>(-static_cast<double>(k) / tau_));
}

stdp_rule stdp_rule::make(const model::plasticity_spec& p, double dt) {
    stdp_rule r;
    r.kind = p.rule;
    r.dependence = p.dependence;
    r.nearest = p.pairing == model::spike_pairing::nearest;
    r.tau_plus_steps = p.tau_plus / dt;
    r.tau_minus_steps = p.tau_minus / dt;
    if (p.rule != model::stdp_rule::none) {
        r.plus_decay = decay_table(r.tau_plus_steps);
        r.minus_decay = decay_table(r.tau_minus_steps);
    }
    r.A_plus = static_cast<float>(p.A_plus);
    r.A_minus = static_cast<float>(p.A_minus);
    r.w_min = static_cast<float>(p.w_min);
    r.w_max = static_cast<float>(p.w_max);
    r.w_0 = static_cast<float>(p.w_0);
    r.mu = static_cast<float>(p.mu);
    if (p.rule == model::stdp_rule::vogels) {
        // Weights ≤ 0 (current or voltage) have w_max ≤ 0; conductances have w_max > 0 (the loader checks).
        r.eta = static_cast<float>(p.w_max > 0.0 ? p.eta : -p.eta);
        r.alpha = static_cast<float>(p.alpha());
    }
    if (p.rule == model::stdp_rule::triplet) {
        r.A3_plus = static_cast<float>(p.A3_plus);
        r.A3_minus = static_cast<float>(p.A3_minus);
        r.x_decay = decay_table(p.tau_x / dt);
        r.y_decay = decay_table(p.tau_y / dt);
    }
    return r;
}

void post_history::resize(std::uint32_t neurons) {
    spikes_.resize(neurons);
    newest_.resize(neurons);
    decay_.resize(neurons, nullptr);
    slow_decay_.resize(neurons, nullptr);
    nearest_.resize(neurons, 0);
}

void post_history::enable(std::uint32_t begin, std::uint32_t end, const decay_table* decay, bool nearest, const decay_table* slow) {
    for (std::uint32_t i = begin; i < end; ++i) {
        decay_[i] = decay;
        slow_decay_[i] = slow;
        nearest_[i] = nearest;
    }
}

const post_spike& post_history::record(std::uint32_t neuron, std::int64_t step) {
    auto& h = spikes_[neuron];
    float y = 1.0f, o2 = 0.0f;
    if (!h.empty() && !nearest_[neuron])
        y += h.back().y * (*decay_[neuron])(step - h.back().step);
    // o2 jumps by 1 right after each spike; the history keeps its value just before.
    if (!h.empty() && slow_decay_[neuron]) o2 = (h.back().o2 + 1.0f) * (*slow_decay_[neuron])(step - h.back().step);
    h.push_back({step, y, o2});
    auto& n = newest_[neuron];
    n = {{step, n.step[0]}, {y, n.y[0]}};
    return h.back();
}

void post_history::restore(std::uint32_t neuron, std::vector<post_spike> spikes) {
    // Pruning keeps a neuron's newest spike, so the list ends with the newest; an older one pruned
    // away is not needed for the traces (the scan finds nothing older either).
    auto& n = newest_[neuron];
    n = {};
    for (std::size_t k = 0; k < 2 && k < spikes.size(); ++k) {
        n.step[k] = spikes[spikes.size() - 1 - k].step;
        n.y[k] = spikes[spikes.size() - 1 - k].y;
    }
    spikes_[neuron] = std::move(spikes);
}

void post_history::prune(std::int64_t before) {
    for (auto& h : spikes_) {
        std::size_t k = 0;
        while (k + 1 < h.size() && h[k + 1].step < before) ++k;
        if (k > 0) h.erase(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(k));
    }
}

float post_history::trace_before_scan(std::uint32_t neuron, std::int64_t step) const {
    const auto& h = spikes_[neuron];
    std::size_t k = h.size();
    while (k > 0 && h[k - 1].step >= step) --k;
    if (k == 0) return 0.0f;
    const float decay = (*decay_[neuron])(step - h[k - 1].step);  // the same table the callers pass
    return nearest_[neuron] ? decay : h[k - 1].y * decay;
}

}  // namespace synorm::plasticity
