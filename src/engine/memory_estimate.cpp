#include "synorm/engine/memory_estimate.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "synorm/model/time_steps.hpp"
#include "synorm/network/partition.hpp"

namespace synorm::engine {

namespace {

constexpr double mib = 1024.0 * 1024.0;

// Bytes as a count, saturating at 2^64 - 1: a configuration far beyond any machine must read as
// huge, never wrap to a small number (a double beyond 2^64 converted to uint64 is undefined).
std::uint64_t bytes(double b) {
    if (!(b < 18446744073709551616.0)) return std::numeric_limits<std::uint64_t>::max();  // 2^64; also NaN
    return b > 0 ? static_cast<std::uint64_t>(b) : 0;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

// Mean synapses of a projection over the whole network.
double expected_total(const model::projection_spec& p, double n_source, double n_target) {
    switch (p.rule) {
    case model::connection_rule::fixed_indegree: return static_cast<double>(p.indegree) * n_target;
    case model::connection_rule::pairwise_bernoulli: return p.probability * n_source * n_target;
    case model::connection_rule::fixed_total_number: return static_cast<double>(p.total_number);
    case model::connection_rule::one_to_one: return n_target;
    case model::connection_rule::all_to_all: return n_source * n_target;
    }
    return 0.0;
}

// The neurons of each population that the estimated rank holds. Round robin: ⌈N/P⌉ of each, on every
// rank. Blocks (network/partition.hpp, rank_bounds): each rank one gid range, so the ranks differ;
// the memory check asks for the largest rank's peak, so this is the rank with the most expected
// synapses (in-degree per neuron of each population times its neurons there). O(P + populations).
std::vector<double> held_neurons(const model::model_spec& spec, int ranks) {
    const std::size_t n = spec.populations.size();
    std::vector<double> held(n, 0.0);
    if (spec.placement == model::placement_kind::round_robin) {
        for (std::size_t q = 0; q < n; ++q) held[q] = std::ceil(static_cast<double>(spec.populations[q].size) / ranks);
        return held;
    }
    std::vector<double> indegree(n, 0.0);
    for (const auto& p : spec.projections) {
        const double size = static_cast<double>(spec.populations[p.target].size);
        if (size > 0)
            indegree[p.target] += expected_total(p, static_cast<double>(spec.populations[p.source].size), size) / size;
    }
    const std::vector<std::uint64_t> bounds = network::rank_bounds(spec, ranks);
    const auto overlap = [&](std::size_t r, std::size_t q) {
        const std::uint64_t lo = std::max(bounds[r], spec.first_gid(static_cast<std::uint32_t>(q)));
        const std::uint64_t hi = std::min(bounds[r + 1], spec.first_gid(static_cast<std::uint32_t>(q + 1)));
        return hi > lo ? static_cast<double>(hi - lo) : 0.0;
    };
    double most = -1.0;
    std::size_t heaviest = 0, first = 0;  // the first population that rank r's range can overlap
    for (std::size_t r = 0; r + 1 < bounds.size(); ++r) {
        while (first + 1 < n && spec.first_gid(static_cast<std::uint32_t>(first + 1)) <= bounds[r]) ++first;
        double synapses = 0.0;
        for (std::size_t q = first; q < n && spec.first_gid(static_cast<std::uint32_t>(q)) < bounds[r + 1]; ++q)
            synapses += overlap(r, q) * indegree[q];
        if (synapses > most) {
            most = synapses;
            heaviest = r;
        }
    }
    for (std::size_t q = 0; q < n; ++q) held[q] = overlap(heaviest, q);
    return held;
}

}  // namespace

std::uint64_t memory_estimate::peak() const {
    std::uint64_t sum = std::max(build, saturating_add(recorders, checkpoint));
    for (const std::uint64_t part : {baseline, neurons, synapses, ring_buffers, configuration})
        sum = saturating_add(sum, part);
    return sum;
}

std::string memory_estimate::describe() const {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "  neurons        %9.1f MiB\n  synapses       %9.1f MiB  (%llu expected on this rank)\n"
                  "  ring buffers   %9.1f MiB\n  build (temp.)  %9.1f MiB\n  recorders      %9.1f MiB\n"
                  "  configuration  %9.1f MiB\n  checkpoint     %9.1f MiB%s\n  libraries      %9.1f MiB\n"
                  "  peak           %9.1f MiB\n",
                  neurons / mib, synapses / mib, static_cast<unsigned long long>(expected_synapses), ring_buffers / mib,
                  build / mib, recorders / mib, configuration / mib, checkpoint / mib,
                  checkpoint ? "  (the state copied while one is written)" : "  (no checkpoints)", baseline / mib,
                  peak() / mib);
    return buf;
}

memory_estimate estimate_memory(const model::model_spec& spec, int ranks, int threads, bool checkpointing) {
    memory_estimate m;
    const double P = ranks, T = threads;
    // Summed in double: sizes the loader would refuse must still not wrap in a 64-bit sum.
    double total_neurons = 0.0;
    for (const auto& pop : spec.populations) total_neurons += static_cast<double>(pop.size);
    const std::vector<double> held = held_neurons(spec, ranks);  // by population, on the estimated rank
    const double local_neurons = spec.placement != model::placement_kind::round_robin
                                     ? std::accumulate(held.begin(), held.end(), 0.0)
                                     : std::ceil(total_neurons / P);
    // Per neuron: V, x_ex, x_in, I_dc, refractory, spike scratch (4 B each) and the gid (8 B).
    // An adaptation current (4 B) for every neuron of the thread when any population adapts, and the
    // drives of two alpha currents (8 B) when any population has them.
    const auto any_model = [&](auto&& has) {
        return std::any_of(spec.populations.begin(), spec.populations.end(), has);
    };
    const double extra =
        (any_model([](const auto& pop) { return model::adapts(pop.model); }) ? 4.0 : 0.0) +
        (any_model([](const auto& pop) { return pop.model == model::neuron_kind::lif_curr_alpha; }) ? 8.0 : 0.0);
    m.neurons = bytes(local_neurons * (32.0 + extra));

    // Synapse tables (network/synapse_table.hpp): 8 B per synapse, and per thread and projection a
    // compressed row (its offset, 4 B) for each source with a synapse on the thread: expected
    // N_src·(1 − e^(−s/N_src)) rows for s synapses drawn over N_src sources. Plastic tables add the
    // incoming index (4 B per synapse, 4 per neuron of the thread) and the row state (last spike 8 B,
    // trace 4 B, triplet's slow trace 4 B more) per row. The rank's source index (engine_state.hpp):
    // a word per row, or per span of a span row (below), packed at the width of its fields, and the
    // map of the distinct source gids.
    const auto rows_of = [](double sources, double drawn) {
        return sources > 0 ? -sources * std::expm1(-drawn / sources) : 0.0;
    };
    const double thread_neurons = std::ceil(local_neurons / T);
    double synapses = 0.0, table_bytes = 0.0, rows = 0.0, thread_temp = 0.0, longest_table = 1.0;
    double widest_span = 1.0;                         // synapses of the largest table with span rows
    double span_rows = 0.0;                           // rows of tables with span rows, on the rank
    double numbered_rows = 0.0;                       // and of the others
    double gap_bytes = 0.0;                           // the rows' sources as gaps (LEB128), while the build lasts
    constexpr int most_b = 8;                         // span length fields of 0 to 8 bits (build.cpp, index_sources)
    std::vector<double> span_words(most_b + 1, 0.0);  // by length field: the span rows' words
    std::vector<double> from_population(spec.populations.size(), 0.0);  // synapses on the rank, by source
    for (const auto& p : spec.projections) {
        const double n_source = static_cast<double>(spec.populations[p.source].size);
        const double n_target = static_cast<double>(spec.populations[p.target].size);
        const double s = spec.placement != model::placement_kind::round_robin
                             ? (n_target > 0 ? expected_total(p, n_source, n_target) * held[p.target] / n_target : 0.0)
                             : expected_total(p, n_source, n_target) / P;
        const double per_thread = s / T, thread_rows = rows_of(n_source, per_thread);
        synapses += s;
        from_population[p.source] += s;
        rows += thread_rows * T;
        // A gap between sources of rows is about geometric with the rows' share of the sources: it
        // takes a byte, and one more at each 2^7, 2^14, ... it reaches.
        if (thread_rows > 0) {
            double per_row = 1.0;
            for (double at = 128.0; at < n_source; at *= 128.0) per_row += std::exp(-thread_rows / n_source * at);
            gap_bytes += thread_rows * T * per_row;
        }
        // Span rows (build.cpp, index_sources): a static table of two synapses a row or fewer keeps no
        // row offsets; its words then name a synapse and a length of up to 2^b, so that a row of L
        // synapses takes ⌈L / 2^b⌉ words: L is Poisson with the mean per source, given L ≥ 1.
        const bool spans = p.plasticity.rule == model::stdp_rule::none && per_thread <= 2.0 * thread_rows;
        if (spans && thread_rows > 0) {
            widest_span = std::max(widest_span, per_thread + 1.0);
            const double lambda = per_thread / n_source, present = -std::expm1(-lambda);
            double term = std::exp(-lambda);  // P(L = l)
            for (int l = 1; l <= 255; ++l) {
                term *= lambda / l;
                for (int b = 0; b <= most_b; ++b)
                    span_words[static_cast<std::size_t>(b)] +=
                        T * thread_rows * term / present * std::ceil(l / std::exp2(b));
                if (l > lambda + 1.0 && term < 1e-12) break;
            }
            span_rows += thread_rows * T;
        } else {
            longest_table = std::max(longest_table, std::ceil(thread_rows));
            numbered_rows += thread_rows * T;
        }
        table_bytes += s * 8.0 + T * ((spans ? 0.0 : thread_rows * 4.0) + 4.0);
        if (p.plasticity.rule != model::stdp_rule::none) {
            const double row_state = p.plasticity.rule == model::stdp_rule::triplet ? 16.0 : 12.0;
            table_bytes += s * 4.0 + T * ((thread_neurons + 1.0) * 4.0 + thread_rows * row_state);
        }
        // While one projection is sorted into rows, a thread holds its unsorted copy, reserved with 5 %
        // slack: a 4 B source per synapse, with a 2 B delay and a 4 B weight unless every synapse shares
        // them (network.cpp). Then either a counter per source (4 B, when they are no more than the
        // synapses) or a sort key and a target per synapse (12 B); all threads build at once.
        const double unsorted = 4.0 + (p.delay.shape == model::distribution::kind::constant ? 0.0 : 2.0) +
                                (p.weight.shape == model::distribution::kind::constant ? 0.0 : 4.0);
        const double sorting = n_source <= per_thread ? n_source * 4.0 : per_thread * 12.0;
        thread_temp = std::max(thread_temp, per_thread * unsorted * 1.05 + sorting);
    }
    double distinct = 0.0;
    for (std::size_t q = 0; q < spec.populations.size(); ++q)
        distinct += rows_of(static_cast<double>(spec.populations[q].size), from_population[q]);
    const auto width = [](double count) {  // bits to name 0 .. count − 1
        return count > 1.0 ? std::ceil(std::log2(count)) : 0.0;
    };
    // The words: a thread, a projection's place among those from its source population, and a row
    // number or span; the span's length field of the fewest bits in all, as the build chooses it.
    std::vector<double> from_count(spec.populations.size(), 0.0);
    for (const auto& p : spec.projections) ++from_count[p.source];
    const double fields = width(T) + width(std::max(1.0, *std::max_element(from_count.begin(), from_count.end())));
    double words = rows, row_field = width(longest_table);
    if (span_rows > 0) {
        double best = INFINITY;
        for (int b = 0; b <= most_b; ++b) {
            const double bits = fields + std::max(width(longest_table), width(widest_span) + b);
            const double all = numbered_rows + span_words[static_cast<std::size_t>(b)];
            if (all * bits < best) {
                best = all * bits;
                words = all;
                row_field = bits - fields;
            }
        }
    }
    const double word_bits = fields + row_field > 57.0 ? 64.0 : fields + row_field;
    // The gids' map (network/source_map.hpp), its form chosen as the build does, over a range taken
    // as the whole network: dense, a bit and a 4 B count per 64 gids, and then per source its words
    // in 4 bits (no source with 16; the count of a gid's words Poisson) or 1 B (with 4 B per 64 gids),
    // or its first word in 4 B; sparse, its gid and first word.
    const double words64 = std::ceil(total_neurons / 64.0);
    const bool dense = distinct > 0 && words64 * 12.0 <= distinct * 4.0;
    const bool counts = words < 16.0 * distinct;
    double sixteen = 0.0;  // P(a gid has 16 words or more)
    {
        const double lambda = total_neurons > 0 ? words / total_neurons : 0.0;
        double term = std::exp(-lambda), below = 0.0;
        for (int k = 0; k < 16; ++k) {
            below += term;
            term *= lambda / (k + 1);
        }
        sixteen = std::max(0.0, 1.0 - below);
    }
    const bool nibbles = counts && sixteen * total_neurons < 0.5;
    const double gid = total_neurons <= 4294967296.0 ? 4.0 : 8.0;
    const double source_map = !dense    ? distinct * (gid + 4.0)
                              : nibbles ? words64 * 16.0 + std::ceil(distinct / 2.0)
                              : counts  ? words64 * 16.0 + distinct
                                        : words64 * 12.0 + distinct * 4.0;
    const double index = std::ceil(words * word_bits / 8.0) + 8.0 + source_map;
    m.expected_synapses = bytes(synapses);
    m.synapses = bytes(table_bytes + index);
    // The build's peak beyond the synapse memory of the run: while the threads build, each row's
    // source (as a gap, 1 to 2 B) and every thread sorting its largest projection, with that
    // projection's fixed_total_number split over the thread's targets (16 B per target neuron;
    // network.hpp, total_number_split); while the source index is merged from the tables (into its
    // final arrays, counted above), the rows' sources and the lengths of span rows (1 B), which the
    // tables free as it goes but the allocator may keep.
    double split = 0.0;
    for (const auto& p : spec.projections)
        if (p.rule == model::connection_rule::fixed_total_number)
            split = std::max(split, std::ceil(held[p.target] / T) * 16.0);
    const double row_temp = gap_bytes + span_rows;  // the rows' sources; span rows' lengths until indexed
    m.build = bytes(std::max(row_temp + T * (thread_temp + split) - index, row_temp));

    // Ring buffers: slots = the power of two at or above the longest delay drawn (ring_buffer.hpp), two
    // receptors, 4 B per neuron. A normal or lognormal delay is bounded by its max (the loader sets one
    // at the delay field's limit) but is expected to stay within six standard deviations of its mean.
    std::uint64_t longest = spec.min_delay_steps();
    for (const auto& p : spec.projections) {
        const model::distribution& d = p.delay;
        double high = d.upper_bound();  // ms
        if (d.shape == model::distribution::kind::normal || d.shape == model::distribution::kind::lognormal)
            high = std::min(high, d.mean + 6.0 * d.sd);
        if (!std::isfinite(high)) continue;
        const std::int64_t steps = model::to_steps(high, spec.simulation.dt);
        longest = std::max<std::uint64_t>(longest, static_cast<std::uint64_t>(std::max<std::int64_t>(0, steps)));
    }
    const double slots = longest < (std::uint64_t{1} << 62)
                             ? static_cast<double>(std::bit_ceil(std::max<std::uint64_t>(longest, 1)))
                             : std::exp2(std::ceil(std::log2(static_cast<double>(longest))));
    m.ring_buffers = bytes(2.0 * slots * local_neurons * 4.0);

    // Recorders: spikes between flushes (every simulated second: 16 B per spike at a generous 50 Hz),
    // state traces, weight snapshots, rate bins.
    double rec = local_neurons * 50.0 * 16.0;
    for (const auto& r : spec.recording.state) {
        const double samples = spec.simulation.duration / std::max(r.interval, spec.simulation.dt);
        rec += samples * static_cast<double>(r.ids.size() * r.variables.size()) * 4.0 * 2.0 / P;
    }
    for (const auto& w : spec.recording.weights) {
        const auto& p = spec.projections[w.projection];
        rec += static_cast<double>(w.times.size()) * 20.0 *
               expected_total(p, static_cast<double>(spec.populations[p.source].size),
                              static_cast<double>(spec.populations[p.target].size)) /
               P;
    }
    // Rate bins, streamed: the rank keeps the bins of one spike flush (engine::hooks::flush_every_ms,
    // every simulated second) and an interval, whatever the duration. Per population and bin its count
    // (8 B, reduced over ranks in place at the flush) and its rate for the writer (8 B); per group its
    // rates (8 B). At the end the phases' rate and slow-wave activity (engine::phase_rates) read the
    // bins back in pieces of up to 2^16 (8 B each) and keep two sums per frequency in 0.5–4 Hz (16 B,
    // 3.5 per second of the longest phase).
    if (spec.recording.rate_bin > 0) {
        constexpr double flush_ms = 1000.0;
        const double bin = std::max(spec.recording.rate_bin, spec.simulation.dt);
        const double d_min = static_cast<double>(spec.min_delay_steps()) * spec.simulation.dt;
        const double window =
            std::min(std::ceil((flush_ms + d_min) / bin) + 1.0, std::ceil(spec.simulation.duration / bin));
        std::vector<std::string> groups;
        for (const auto& pop : spec.populations)
            if (!pop.group.empty() && std::find(groups.begin(), groups.end(), pop.group) == groups.end())
                groups.push_back(pop.group);
        rec +=
            window * (16.0 * static_cast<double>(spec.populations.size()) + 8.0 * static_cast<double>(groups.size()));
        double longest_phase = 0.0;
        for (const auto& phase : spec.schedule.phases) longest_phase = std::max(longest_phase, phase.duration);
        longest_phase = std::min(longest_phase, spec.simulation.duration);
        if (longest_phase > 0)
            rec += 8.0 * std::min(std::ceil(longest_phase / bin), 65536.0) + 16.0 * (3.5e-3 * longest_phase + 1.0);
    }
    m.recorders = bytes(rec);
    // The model's description, measured with thousands of projections (README "Networks from tables"):
    // per projection its spec (one copy, which the engine and the schedule share; its name beyond the
    // 15 characters kept inline) and the engine's entries (slots and flags, 40 B, and 1 B per thread);
    // a plastic one's rule (248 B, twice under a schedule). The resolved YAML (about 320 B per
    // projection) is not kept: a checkpoint reads it back from the output while it is written.
    double described = 0.0;
    for (const auto& p : spec.projections) {
        described += static_cast<double>(sizeof(model::projection_spec)) + 40.0 + T +
                     (p.name.size() > 15 ? static_cast<double>(p.name.size()) + 1.0 : 0.0);
        if (p.plasticity.rule != model::stdp_rule::none) described += spec.schedule.enabled() ? 496.0 : 248.0;
    }
    m.configuration = bytes(described);
    // engine::checkpoint_state: synapse lists, ~20 per-neuron words, pending input as (gid, lag, value);
    // and the resolved YAML read back (about 320 B per projection).
    if (checkpointing)
        m.checkpoint =
            bytes(synapses * 10.0 + local_neurons * (12.0 * static_cast<double>(spec.projections.size()) + 160.0) +
                  static_cast<double>(m.ring_buffers) * 4.0 + 320.0 * static_cast<double>(spec.projections.size()));
    // The libraries' floor: the peak resident size of a run of a few hundred neurons (coba at scale
    // 0.05), the largest rank's (rank 0, which also writes the output's metadata), with Open MPI 4.1,
    // parallel HDF5 and libgomp, 1 or 2 threads alike. About 23 MiB of it are the libraries' code
    // pages (shared with the other ranks on the node, but counted in each one's resident size), the
    // rest MPI's private buffers. A process started without mpirun (P = 1) initialises MPI as a
    // singleton and loads fewer components: 19 MiB; a rank under mpirun: 27 MiB with 2 ranks, and
    // 30 MiB from 3 ranks on (measured flat from 3 to 8 ranks, with the shared-memory or the TCP
    // transport: the step is not the transport's segments, which stay below 1 MiB at 8 ranks).
    // Beyond that floor, HDF5's objects for each population of the output (its groups and the spike
    // datasets that stay open): 78 KB each, measured at the build's peak with 92 populations (README
    // "Networks from tables"); a cost per population, not per synapse, as the libraries' is per rank.
    m.baseline = (ranks <= 1   ? 19ull << 20
                  : ranks == 2 ? 27ull << 20
                               : 30ull << 20) +
                 bytes(80000.0 * static_cast<double>(spec.populations.size()));
    return m;
}

}  // namespace synorm::engine
