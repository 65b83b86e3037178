// Branch-local homeostasis (model::branch_spec): which branch a synapse sits on, and the rule that
// moves each branch's gain. Like synaptic scaling, a gain per (neuron, branch), so O(neurons · branches)
// per update, never a sweep over synapses.
#pragma once

#include <algorithm>
#include <cstdint>

#include "synorm/model/model_spec.hpp"

namespace synorm::plasticity {

// SplitMix64's finalizer (Steele, Lea & Flood 2014): a bijective mix with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Random assignment without per-synapse storage: the branch is a hash of (seed, projection, source
// gid, target gid, occurrence), where occurrence counts the earlier synapses of the same pair in the
// row (multapses). All of these are the same on every decomposition. The first three are fixed for a
// row, so delivery hashes them once per spike and mixes once more per synapse.
constexpr std::uint64_t row_hash(std::uint64_t seed, std::uint32_t projection, std::uint64_t source_gid) {
    return mix64(mix64(seed ^ mix64(projection)) ^ source_gid);
}
constexpr std::uint32_t random_branch(std::uint64_t row, std::uint64_t target_gid, std::uint32_t occurrence,
                                      std::uint32_t count) {
    const std::uint64_t h = mix64(row ^ (target_gid + (static_cast<std::uint64_t>(occurrence) << 48)));
    return static_cast<std::uint32_t>(((h >> 32) * count) >> 32);  // in [0, count), without a division
}

// The input drive trace of one branch over one homeostasis period of H: the trace jumps by the gain at
// each arrival and decays with tau_activity. Arrival times within the period are not kept, so the
// period's arrivals count as spread evenly over it: each adds on average (1 − d)·tau_activity/H of
// its jump by the period's end, d = e^(−H/tau_activity) (`spread` = (1 − d)·tau_activity/H). Then a
// constant arrival rate ν gives a = g·ν·tau_activity exactly, with no bias of order H/tau_activity.
inline float branch_activity(float a, std::uint32_t arrivals, float gain, double decay, double spread) {
    return static_cast<float>(static_cast<double>(a) * decay + static_cast<double>(gain) * arrivals * spread);
}

// The drive a trace stands for, Hz: a / tau_activity.
inline double branch_rate(float a, double tau_activity_ms) { return static_cast<double>(a) / (tau_activity_ms * 1e-3); }

// One homeostasis period of H ms for a branch gain: proportional to the relative gap between the
// target drive and the sensed drive, clamped to the bounds.
inline float scale_branch(const model::branch_spec& s, float gain, double rate, double H_ms) {
    const double gap = (s.target_rate - rate) / s.target_rate;
    const double g = static_cast<double>(gain) * (1.0 + gap * H_ms / s.tau);
    return static_cast<float>(std::clamp(g, s.gain_min, s.gain_max));
}

}  // namespace synorm::plasticity
