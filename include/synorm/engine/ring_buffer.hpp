// Input waiting to arrive: one slot per future step, each slot a row over a thread's neurons.
// Layout [slot][neuron]; slot = step mod slots, with slots a power of two ≥ the longest delay d, so
// that every step from now to now + d − 1 has its own slot. That is all a delivery can reach: it comes
// at the first step not yet read, after the spikes it delivers, so a spike emitted at step now − 1 or
// before lands by now + d − 1; and the neuron update zeroes each slot as it reads it. Not one more
// slot: coba_stdp (d = D = 8 steps) then keeps 8 slots in cache instead of 16.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace synorm::engine {

class ring_buffer {
public:
    ring_buffer() = default;
    ring_buffer(std::uint64_t longest_delay_steps, std::uint32_t neurons)
        : mask_(std::bit_ceil(std::max<std::uint64_t>(longest_delay_steps, 1)) - 1),
          neurons_(neurons),
          data_((mask_ + 1) * neurons, 0.0f) {}

    std::uint64_t slots() const { return mask_ + 1; }
    std::uint64_t mask() const { return mask_; }
    std::uint32_t neurons() const { return neurons_; }
    float* data() { return data_.data(); }
    // The row of input arriving at `step`. The reader zeroes it after use.
    float* row(std::int64_t step) { return data_.data() + (static_cast<std::uint64_t>(step) & mask_) * neurons_; }
    void add(std::int64_t step, std::uint32_t neuron, float value) { row(step)[neuron] += value; }
    std::uint64_t bytes() const { return data_.capacity() * sizeof(float); }

private:
    std::uint64_t mask_ = 0;
    std::uint32_t neurons_ = 0;
    std::vector<float> data_;  // by slot, then neuron; receptor unit
};

}  // namespace synorm::engine
