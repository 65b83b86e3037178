// What a run holds of its plastic projections only, by projection: their rules (rule_list) and each thread's
// presynaptic row state (row_state_list). Private to src/engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "synorm/model/assert.hpp"
#include "synorm/plasticity/rules.hpp"

namespace synorm::engine::detail {

// The plasticity rule of each projection. A rule is 248 B, and with thousands of projections (README
// "Networks from tables") nearly all are static: only plastic rules are held, a static projection
// costs its 4 B slot and reads as the rule none.
class rule_list {
public:
    // Appends the next projection's rule.
    void push_back(plasticity::projection_rule&& rule) {
        if (!rule.plastic()) {
            slot_.push_back(none);
            return;
        }
        slot_.push_back(static_cast<std::uint32_t>(held_.size()));
        held_.push_back(std::move(rule));
    }
    void reserve(std::size_t projections) { slot_.reserve(projections); }
    void shrink() { held_.shrink_to_fit(); }  // once every projection is in
    std::size_t size() const { return slot_.size(); }
    const plasticity::projection_rule& operator[](std::size_t j) const {
        return slot_[j] == none ? static_ : held_[slot_[j]];
    }
    // Plastic projection j's rule, to change (a phase's learning rates).
    plasticity::projection_rule& plastic(std::size_t j) {
        SYNORM_ASSERT(slot_[j] != none, "only a plastic projection has a rule to change");
        return held_[slot_[j]];
    }
    std::uint64_t bytes() const {
        return slot_.capacity() * sizeof(std::uint32_t) + held_.capacity() * sizeof(plasticity::projection_rule);
    }

private:
    static constexpr std::uint32_t none = ~0u;
    std::vector<std::uint32_t> slot_;                // by projection: its place in held_, or none
    std::vector<plasticity::projection_rule> held_;  // the plastic projections' rules, by ascending projection
    plasticity::projection_rule static_;             // what a static projection reads as
};

// One thread's presynaptic row state (plasticity::row_state, 72 B before its rows) by projection, held
// for the plastic projections only: with thousands of projections and many threads a state per
// projection and thread would cost megabytes. Any other projection reads as a state without rows.
class row_state_list {
public:
    // A state for each projection marked in `plastic` (by projection), without rows yet.
    void assign(const std::vector<std::uint8_t>& plastic) {
        slot_.assign(plastic.size(), none);
        std::uint32_t held = 0;
        for (std::size_t j = 0; j < plastic.size(); ++j)
            if (plastic[j]) slot_[j] = held++;
        held_.assign(held, {});
    }
    std::size_t size() const { return slot_.size(); }  // projections
    const plasticity::row_state& operator[](std::size_t j) const { return slot_[j] == none ? empty_ : held_[slot_[j]]; }
    plasticity::row_state& operator[](std::size_t j) { return slot_[j] == none ? empty_ : held_[slot_[j]]; }
    // The held states, by ascending projection.
    std::vector<plasticity::row_state>::const_iterator begin() const { return held_.begin(); }
    std::vector<plasticity::row_state>::const_iterator end() const { return held_.end(); }

private:
    static constexpr std::uint32_t none = ~0u;
    std::vector<std::uint32_t> slot_;          // by projection: its place in held_, or none
    std::vector<plasticity::row_state> held_;  // the plastic projections', by ascending projection
    plasticity::row_state empty_;              // what a static projection reads as; never written
};

}  // namespace synorm::engine::detail
