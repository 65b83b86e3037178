// Learning in wake: a stimulus protocol that presents a pattern, extra Poisson drive into a group of
// neurons of one population, at fixed onsets, so that the group's recurrent synapses potentiate (an
// engram); and recall probes, the same drive into part of the group only (a partial cue), whose
// response is the firing of the group's uncued part. Plain structs in internal units, as
// model_spec.hpp, and the rules that say which neurons and steps a presentation covers.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace synorm::model {

struct schedule_spec;
struct phase_run;

struct pattern_spec {
    std::string name;
    std::uint32_t population = 0;
    // The group, population-local ids, ascending: [first, first + count), or `count` ids drawn
    // without replacement from the population by the stream (group_seed, pattern_group, pattern
    // index), or a list.
    enum class selection { range, random, list } chosen = selection::range;
    std::uint64_t first = 0, count = 0;
    std::uint64_t group_seed = 0;
    std::vector<std::uint64_t> group;
    // Onsets at start + k·period for k = 0, 1, … while before stop and the end of the run; with a
    // schedule, only those falling in a phase that presents the pattern (phase_spec::patterns).
    double start = 0.0;                                     // ms
    double period = 1000.0;                                 // ms, ≥ duration + jitter (presentations never overlap)
    double duration = 100.0;                                // ms
    double stop = std::numeric_limits<double>::infinity();  // ms
    // Member i of presentation k is driven during [onset + δ, onset + δ + duration), δ uniform on
    // {0, dt, …, jitter}, from the stream (seed, pattern_jitter, pattern, gid), counter k.
    double jitter = 0.0;  // ms, a multiple of dt
    // The drive: `sources` Poisson sources of `rate` each per member, events of `weight` on the
    // receptor `type` (as poisson_input_spec); counts from (seed, pattern_input, pattern, gid, step/4).
    double rate = 0.0;  // Hz
    std::uint64_t sources = 1;
    double weight = 0.0;      // receptor unit
    bool inhibitory = false;  // which receptor it feeds
    // Recall probes: at each time, the first cue_size() members (in id order) get the drive for
    // probe_duration (from the stream pattern_cue, counter step/4, and no jitter); the response is
    // counted over [time, time + window).
    std::vector<double> probe_times;  // ms, ascending, time + window ≤ the run's duration
    double cue = 0.5;                 // fraction of the group cued, the cue has 1 … size − 1 members
    double probe_duration = 100.0;    // ms
    double window = 100.0;            // ms

    std::uint64_t cue_size() const;
};

// `count` distinct ids of [0, size), ascending: a partial Fisher–Yates shuffle driven by the stream
// (seed, pattern_group, index, gid 0), so every rank and every reader draws the same group.
std::vector<std::uint64_t> random_group(std::uint64_t seed, std::uint32_t index, std::uint64_t size,
                                        std::uint64_t count);

// One presentation in steps: member drives start at onset + δ (δ ≤ jitter_steps) and last
// `duration` steps. Probes are listed with probe = true and k their index among the probes.
struct presentation {
    std::int64_t onset = 0;
    std::uint64_t k = 0;  // onset index (counting every onset of the period, presented or not)
    bool probe = false;
};

// The presentations of pattern `index` over a run of `total_steps` (ascending onsets; probes not
// included). `runs` is the expanded schedule (empty without one): an onset is presented when the
// phase in force at that step (its settings) lists the pattern.
std::vector<presentation> presentations(const pattern_spec& p, std::uint32_t index, const schedule_spec& schedule,
                                        const std::vector<phase_run>& runs, double dt, std::int64_t total_steps);

// δ of one member in presentation k, in steps, uniform on {0, …, jitter_steps}.
std::int64_t jitter_offset(std::uint64_t seed, std::uint32_t index, std::uint64_t gid, std::uint64_t k,
                           std::int64_t jitter_steps);

}  // namespace synorm::model
