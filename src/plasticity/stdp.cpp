#include "synorm/plasticity/stdp.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

namespace synorm::plasticity {

namespace {

std::vector<float> decay_values(double tau_steps) {
    const auto exact = static_cast<std::size_t>(std::min(65536.0, std::ceil(16.0 * tau_steps)) + 1);
    const auto n = static_cast<std::size_t>(
        std::min(1048576.0, std::max(std::ceil(88.0 * tau_steps) + 1, static_cast<double>(exact))));
    std::vector<float> values(n);
    for (std::size_t k = 0; k < n; ++k)
        values[k] = k < exact ? static_cast<float>(std::exp(-static_cast<double>(k) / tau_steps))
                              : model::fast_exp(static_cast<float>(-static_cast<double>(k) / tau_steps));
    return values;
}

}  // namespace

decay_table::decay_table(double tau_steps) : tau_(tau_steps) {
    if (std::isnan(tau_steps)) {  // no key to share it under
        values_ = std::make_shared<const std::vector<float>>(decay_values(tau_steps));
    } else {  // the tables in use, by τ: a new table of a τ in use shares its values
        static std::mutex lock;
        static std::map<double, std::weak_ptr<const std::vector<float>>> in_use;
        const std::lock_guard<std::mutex> hold(lock);
        auto& slot = in_use[tau_steps];
        values_ = slot.lock();
        if (!values_) {
            values_ = std::make_shared<const std::vector<float>>(decay_values(tau_steps));
            slot = values_;
        }
    }
    data_ = values_->data();
    size_ = values_->size();
}

void post_history::resize(std::uint32_t neurons) {
    spikes_.resize(neurons);
    newest_.resize(neurons);
    decay_.resize(neurons, nullptr);
    slow_decay_.resize(neurons, nullptr);
    nearest_.resize(neurons, 0);
}

void post_history::enable(std::uint32_t begin, std::uint32_t end, const decay_table* decay, bool nearest,
                          const decay_table* slow) {
    for (std::uint32_t i = begin; i < end; ++i) {
        decay_[i] = decay;
        slow_decay_[i] = slow;
        nearest_[i] = nearest;
    }
}

post_spike post_history::record(std::uint32_t neuron, std::int64_t step) {
    auto& h = spikes_[neuron];
    auto& n = newest_[neuron];
    float y = 1.0f, o2 = 0.0f;
    // The newest spike from newest_ (the same as h.back()): that line is in cache more often than h's end.
    if (n.step[0] != none && !nearest_[neuron]) y += n.y[0] * (*decay_[neuron])(step - n.step[0]);
    // o2 jumps by 1 right after each spike; the history keeps its value just before.
    if (!h.empty() && slow_decay_[neuron]) o2 = (h.back().o2 + 1.0f) * (*slow_decay_[neuron])(step - h.back().step);
    const post_spike spike{step, y, o2};
    h.push_back(spike);
    n = {{step, n.step[0]}, {y, n.y[0]}};
    return spike;
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
