// Connection rules: the presynaptic partners of one postsynaptic neuron, drawn from that neuron's own
// stream (seed, projection, post gid), so the network is the same for every decomposition.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "synorm/model/model_spec.hpp"
#include "synorm/model/random_stream.hpp"

namespace synorm::network {

// Appends to `sources` the source-population-local indices of the synapses onto one target neuron,
// in drawing order (ascending for the Bernoulli and all-to-all rules). `self` is the target's index
// within the source population when source and target are the same population (autapses are
// excluded unless allowed), otherwise -1. `count` is the number of
// synapses for fixed_total_number (from total_number_counts), ignored by the other rules.
void draw_sources(const model::projection_spec& proj, std::uint64_t n_source, std::int64_t self,
                  std::uint64_t post_index, std::uint64_t count, model::random_stream& rng,
                  std::vector<std::uint64_t>& sources);

// fixed_total_number: how many of the projection's synapses land on each target neuron, a multinomial
// split of the total drawn as a binary tree of binomials over the target range, each node from its own
// stream (seed, projection, node), so every rank draws the same counts. O(targets).
std::vector<std::uint64_t> total_number_counts(const model::projection_spec& proj, std::uint64_t n_target,
                                               std::uint64_t seed, std::uint32_t projection_index);
// The same split, target by target in ascending order without storing it: f(target, count) for each
// target with at least one synapse among `wanted` (sorted target indices; null: all). Only the subtrees
// holding a wanted target are drawn: O(wanted · log(targets / wanted)), so a rank's cost falls with
// the ranks instead of staying O(targets) on each of them.
void for_each_total_number_count(const model::projection_spec& proj, std::uint64_t n_target, std::uint64_t seed,
                                 std::uint32_t projection_index, const std::vector<std::uint64_t>* wanted,
                                 const std::function<void(std::uint64_t, std::uint64_t)>& f);

}  // namespace synorm::network
