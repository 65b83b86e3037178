#include "synorm/engine/simulation.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

#include "synorm/engine/ring_buffer.hpp"
#include "synorm/model/lif.hpp"
#include "synorm/model/poisson_table.hpp"
#include "synorm/model/random_stream.hpp"
#include "synorm/model/sampling.hpp"
#include "synorm/network/network.hpp"
#include "synorm/network/partition.hpp"
#include "synorm/plasticity/scaling.hpp"
#include "synorm/plasticity/stdp.hpp"

namespace synorm::engine {

namespace {

// A spike word that no neuron can send: a rank that failed sends it so that every rank stops at the
// same interval.
constexpr std::uint64_t failure_word = ~std::uint64_t{0};

// One Poisson input as the threads see it: per-step constants and, per thread, the neurons it feeds.
struct poisson_source {
    model::poisson_table table;
    float weight = 0;           // receptor unit
    bool inhibitory = false;
    std::int64_t start = 0, stop = 0;  // steps [start, stop)
    std::uint32_t index = 0;    // input index: its random streams
};

struct dc_source {
    float amplitude = 0;  // pA
    std::int64_t start = 0, stop = 0;
};

// A run of a thread's neurons [begin, end) that an input feeds.
struct neuron_range {
    std::uint32_t input = 0;
    std::uint32_t begin = 0, end = 0;
};

struct recorder_part {  // this thread's share of one state recorder
    std::vector<std::uint32_t> neurons;  // thread-local indices
    std::vector<float> values;           // [sample][variable][neuron]
};

struct thread_state {
    const network::thread_layout* layout = nullptr;
    std::uint32_t n = 0;
    // Neuron state, by thread-local neuron.
    std::vector<float> V;        // mV
    std::vector<float> x_ex;     // pA or nS (receptor unit)
    std::vector<float> x_in;
    std::vector<float> I_dc;     // pA
    std::vector<std::int32_t> refractory;  // steps left
    std::vector<std::uint32_t> fired;   // scratch: block indices of the neurons that spiked in a step
    ring_buffer ring_ex, ring_in;
    std::vector<network::synapse_table> tables;  // by projection
    // Plasticity and homeostasis (empty when the run has none).
    std::vector<plasticity::row_state> rows;          // by projection; empty for static ones
    plasticity::post_history history;                 // by thread-local neuron
    std::vector<float> gain_ex, gain_in;              // by thread-local neuron: synaptic scaling
    std::vector<plasticity::calcium_trace> calcium;   // by thread-local neuron
    std::vector<std::int64_t> period_spikes;          // by population: spikes in this homeostasis period
    std::vector<std::int64_t> sums;                   // this thread's part of the global reduction
    std::int64_t longest_plastic_delay = 0;           // steps, over this thread's plastic synapses
    std::vector<neuron_range> poisson_ranges, dc_ranges;
    // Output of the current interval and of the current flush.
    std::vector<std::uint64_t> interval_spikes;  // packed (lag, gid)
    std::vector<std::uint64_t> flush_gids;
    std::vector<std::int64_t> flush_steps;
    std::vector<std::vector<std::int64_t>> rate_counts;  // [population][bin]
    std::vector<recorder_part> recorders;
    std::uint64_t spikes = 0;    // emitted by this thread's neurons
    std::uint64_t events = 0;    // spikes delivered to this thread's synapses
    double t_update = 0, t_deliver = 0;
    std::exception_ptr error;
};

std::int64_t to_step(double t_ms, double dt) {
    if (!std::isfinite(t_ms)) return INT64_MAX;
    return static_cast<std::int64_t>(std::llround(t_ms / dt));
}

// The thread-local neurons [begin, end) of a slice whose population-local ids lie in [first, first + count).
neuron_range range_in_slice(const network::thread_layout& layout, const network::population_slice& s,
                            std::uint64_t first_gid, std::uint64_t first, std::uint64_t count, std::uint32_t input) {
    const auto b = layout.gids.begin();
    const auto lo = std::lower_bound(b + s.begin, b + s.end, first_gid + first);
    const auto hi = std::lower_bound(b + s.begin, b + s.end, first_gid + first + count);
    return {input, static_cast<std::uint32_t>(lo - b), static_cast<std::uint32_t>(hi - b)};
}

}  // namespace

struct simulation::impl {
    const model::model_spec& spec;
    comm::communicator& comm;
    network::partition part;
    std::int64_t D = 1;          // steps per interval (the minimum delay)
    std::int64_t total_steps = 0;
    std::vector<std::uint64_t> first_gid;              // by population, plus the total
    std::vector<model::lif_constants> constants;       // by population
    std::vector<std::vector<std::uint32_t>> projections_from;  // by source population
    std::vector<poisson_source> poisson;
    std::vector<dc_source> dc;
    std::vector<std::int64_t> dc_changes;  // steps at which some DC input starts or stops, ascending
    std::vector<std::uint8_t> record_spikes;  // by population
    std::int64_t rate_bin_steps = 0, rate_bins = 0;
    std::vector<thread_state> threads;
    double build_time = 0;
    // Plasticity (DESIGN.md decisions 3, 4, 7).
    std::vector<plasticity::stdp_rule> rules;  // by projection
    std::vector<std::uint8_t> plastic;         // by projection
    bool any_plastic = false, any_scaling = false;
    std::int64_t H = 0;                        // homeostasis period, steps; 0: no homeostasis loop
    std::vector<double> tau_calcium_steps;     // by population
    std::vector<std::uint8_t> history_of;      // by population: keeps postsynaptic spike histories

    impl(const model::model_spec& s, comm::communicator& c, int n_threads)
        : spec(s), comm(c), part(s, c.rank(), c.size(), n_threads) {
        const double t0 = omp_get_wtime();
        const double dt = spec.simulation.dt;
        D = static_cast<std::int64_t>(spec.min_delay_steps());
        total_steps = to_step(spec.simulation.duration, dt);
        for (std::uint32_t p = 0; p <= spec.populations.size(); ++p) first_gid.push_back(spec.first_gid(p));
        for (const auto& pop : spec.populations) constants.push_back(model::lif_constants::make(pop.params, pop.model, dt));
        projections_from.resize(spec.populations.size());
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) projections_from[spec.projections[j].source].push_back(j);

        for (std::uint32_t i = 0; i < spec.poisson_inputs.size(); ++i) {
            const auto& in = spec.poisson_inputs[i];
            poisson.push_back({model::poisson_table(in.rate * static_cast<double>(in.sources) * dt * 1e-3),
                               static_cast<float>(in.weight), in.type == model::cell_type::inhibitory,
                               to_step(in.start, dt), to_step(in.stop, dt), i});
        }
        for (const auto& in : spec.dc_inputs) {
            dc.push_back({static_cast<float>(in.amplitude), to_step(in.start, dt), to_step(in.stop, dt)});
            dc_changes.push_back(dc.back().start);
            if (dc.back().stop != INT64_MAX) dc_changes.push_back(dc.back().stop);
        }
        std::sort(dc_changes.begin(), dc_changes.end());
        dc_changes.erase(std::unique(dc_changes.begin(), dc_changes.end()), dc_changes.end());

        record_spikes.assign(spec.populations.size(), 0);
        for (const auto p : spec.recording.spike_populations) record_spikes[p] = 1;
        if (spec.recording.rate_bin > 0) {
            rate_bin_steps = std::max<std::int64_t>(1, to_step(spec.recording.rate_bin, dt));
            rate_bins = (total_steps + rate_bin_steps - 1) / rate_bin_steps;
        }

        for (const auto& proj : spec.projections) {
            rules.push_back(plasticity::stdp_rule::make(proj.plasticity, dt));
            plastic.push_back(proj.plasticity.rule != model::stdp_rule::none);
            any_plastic = any_plastic || plastic.back();
        }
        history_of.assign(spec.populations.size(), 0);
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
            if (plastic[j]) history_of[spec.projections[j].target] = 1;
        for (const auto& pop : spec.populations) {
            tau_calcium_steps.push_back(pop.tau_calcium / dt);
            any_scaling = any_scaling || pop.scaling.enabled;
        }
        if (any_plastic || any_scaling) H = std::max<std::int64_t>(1, to_step(spec.homeostasis.period, dt));

        const auto splits = network::total_number_splits(spec);
        threads.resize(static_cast<std::size_t>(n_threads));
        std::vector<std::exception_ptr> errors(threads.size());
#pragma omp parallel num_threads(n_threads)
        {
            const int t = omp_get_thread_num();
            try {
                build_thread(t, splits);
            } catch (...) {
                errors[static_cast<std::size_t>(t)] = std::current_exception();
            }
        }
        for (auto& e : errors)
            if (e) std::rethrow_exception(e);
        build_time = omp_get_wtime() - t0;
    }

    // Everything a thread owns is allocated and first touched by that thread.
    void build_thread(int t, const std::vector<std::vector<std::uint64_t>>& splits) {
        auto& ts = threads[static_cast<std::size_t>(t)];
        ts.layout = &part.thread(t);
        const auto& layout = *ts.layout;
        ts.n = layout.size();
        ts.V.resize(ts.n);
        ts.x_ex.assign(ts.n, 0.0f);
        ts.x_in.assign(ts.n, 0.0f);
        ts.I_dc.assign(ts.n, 0.0f);
        ts.refractory.assign(ts.n, 0);
        ts.fired.assign(ts.n, 0);
        for (const auto& s : layout.slices) {
            const auto& pop = spec.populations[s.population];
            for (std::uint32_t i = s.begin; i < s.end; ++i) {
                model::random_stream rng(spec.simulation.seed, model::stream_kind::initial_state, s.population, layout.gids[i]);
                ts.V[i] = static_cast<float>(model::draw(pop.V_init, rng));
            }
        }
        ts.tables = network::build_synapses(spec, part, t, splits);
        std::uint64_t longest = static_cast<std::uint64_t>(D);
        for (const auto& table : ts.tables)
            for (const auto word : table.target_delay)
                longest = std::max<std::uint64_t>(longest, static_cast<std::uint64_t>(D) + network::synapse_delay_offset(word));
        ts.ring_ex = ring_buffer(longest, ts.n);
        ts.ring_in = ring_buffer(longest, ts.n);
        if (H > 0) {
            ts.rows.resize(spec.projections.size());
            for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
                if (plastic[j]) ts.rows[j].resize(ts.tables[j].row_begin.size() - 1);
            ts.history.resize(ts.n);
            for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
                if (plastic[j])
                    for (const auto word : ts.tables[j].target_delay)
                        ts.longest_plastic_delay = std::max<std::int64_t>(ts.longest_plastic_delay, D + network::synapse_delay_offset(word));
            for (const auto& s : layout.slices) {
                if (!history_of[s.population]) continue;
                for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
                    if (plastic[j] && spec.projections[j].target == s.population) {
                        ts.history.enable(s.begin, s.end, &rules[j].minus_decay, rules[j].nearest);
                        break;
                    }
            }
            ts.calcium.assign(ts.n, {});
            ts.period_spikes.assign(spec.populations.size(), 0);
            if (any_scaling) {
                ts.gain_ex.assign(ts.n, 1.0f);
                ts.gain_in.assign(ts.n, 1.0f);
            }
        }

        for (std::uint32_t i = 0; i < spec.poisson_inputs.size(); ++i) {
            const auto& in = spec.poisson_inputs[i];
            const auto r = range_in_slice(layout, layout.slices[in.population], first_gid[in.population], in.first, in.count, i);
            if (r.begin < r.end) ts.poisson_ranges.push_back(r);
        }
        for (std::uint32_t i = 0; i < spec.dc_inputs.size(); ++i) {
            const auto& in = spec.dc_inputs[i];
            const auto r = range_in_slice(layout, layout.slices[in.population], first_gid[in.population], in.first, in.count, i);
            if (r.begin < r.end) ts.dc_ranges.push_back(r);
        }
        ts.rate_counts.assign(spec.populations.size(), std::vector<std::int64_t>(static_cast<std::size_t>(rate_bins), 0));
        for (const auto& rec : spec.recording.state) {
            recorder_part part_of_thread;
            const auto& s = layout.slices[rec.population];
            for (const auto id : rec.ids) {
                const auto r = range_in_slice(layout, s, first_gid[rec.population], id, 1, 0);
                if (r.begin < r.end) part_of_thread.neurons.push_back(r.begin);
            }
            ts.recorders.push_back(std::move(part_of_thread));
        }
    }

    // ---- the steps of one interval -------------------------------------------------------------

    // Received spikes (sorted by lag, then gid) emitted in the interval that started at `t_emit0`
    // go into the ring buffers at emission step + delay. Each (slot, neuron) sees its additions in
    // the same order on every decomposition: spikes in canonical order, projections in order, each
    // row in drawing order.
    void deliver(thread_state& ts, const std::vector<std::uint64_t>& spikes, std::int64_t t_emit0) {
        const std::uint32_t n = ts.n;
        for (const std::uint64_t word : spikes) {
            const std::uint64_t gid = comm::spike_gid(word);
            const auto base = static_cast<std::uint64_t>(t_emit0 + static_cast<std::int64_t>(comm::spike_lag(word)) + D);
            const auto pop = static_cast<std::uint32_t>(std::upper_bound(first_gid.begin(), first_gid.end(), gid) - first_gid.begin() - 1);
            const std::uint64_t src = gid - first_gid[pop];
            for (const auto j : projections_from[pop]) {
                if (plastic[j]) {
                    deliver_plastic(ts, j, src, t_emit0 + static_cast<std::int64_t>(comm::spike_lag(word)));
                    continue;
                }
                const auto& table = ts.tables[j];
                auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
                float* const data = ring.data();
                const std::uint64_t mask = ring.mask();
                const std::uint32_t* const td = table.target_delay.data();
                const float* const w = table.weight.data();
                const std::uint64_t k0 = table.row_begin[src], k1 = table.row_begin[src + 1];
                ts.events += k1 - k0;
                if (table.uniform_delay) {  // one slot for the whole row
                    float* const row = data + ((base + table.delay_offset) & mask) * n;
                    for (std::uint64_t k = k0; k < k1; ++k) row[network::synapse_target(td[k])] += w[k];
                } else {
                    for (std::uint64_t k = k0; k < k1; ++k) {
                        const std::uint32_t word_k = td[k];
                        const std::uint64_t slot = (base + network::synapse_delay_offset(word_k)) & mask;
                        data[slot * n + network::synapse_target(word_k)] += w[k];
                    }
                }
            }
        }
    }

    // A presynaptic spike on a plastic row (DESIGN.md decision 3, deferred as NEST does): each synapse
    // first takes the potentiation owed to the postsynaptic spikes that reached it since the row was
    // last brought up to date, then the depression of this spike, then transmits its new weight.
    void deliver_plastic(thread_state& ts, std::uint32_t j, std::uint64_t src, std::int64_t t_pre) {
        auto& table = ts.tables[j];
        auto& rs = ts.rows[j];
        const plasticity::stdp_params rule = rules[j];  // a copy: the weight stores below cannot alias it
        const plasticity::decay_table &plus = rules[j].plus_decay, &minus = rules[j].minus_decay;
        auto& ring = table.port == network::receptor::excitatory ? ts.ring_ex : ts.ring_in;
        float* const data = ring.data();
        const std::uint64_t mask = ring.mask(), n = ts.n;
        const std::int64_t last = rs.last_pre[src], done = rs.done[src];
        const float x = rs.x[src];
        for (std::uint64_t k = table.row_begin[src], end = table.row_begin[src + 1]; k < end; ++k) {
            const std::uint32_t word = table.target_delay[k], i = network::synapse_target(word);
            const std::int64_t d = D + network::synapse_delay_offset(word);
            float w = plasticity::potentiate_until(rule, plus, table.weight[k], ts.history, i, d, last, x, done, t_pre);
            const float y = ts.history.trace_before(i, t_pre - d, minus, rule.nearest);
            if (y > 0.0f) w = rule.depress(w, y);
            table.weight[k] = w;
            data[(static_cast<std::uint64_t>(t_pre + d) & mask) * n + i] += w;
        }
        ts.events += table.row_begin[src + 1] - table.row_begin[src];
        rs.x[src] = (last == plasticity::row_state::none || rule.nearest) ? 1.0f : x * plus(t_pre - last) + 1.0f;
        rs.last_pre[src] = t_pre;
        rs.done[src] = t_pre;
    }

    // Brings every plastic synapse of the thread up to date with the postsynaptic spikes that reached
    // it by step T, so that its weight can be read (snapshots, statistics, the end of the run). Only
    // valid once every presynaptic spike emitted before T has been delivered.
    void settle(thread_state& ts, std::int64_t T) {
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
            if (!plastic[j]) continue;
            auto& table = ts.tables[j];
            auto& rs = ts.rows[j];
            for (std::uint64_t src = 0; src + 1 < table.row_begin.size(); ++src) {
                if (rs.last_pre[src] == plasticity::row_state::none || rs.done[src] >= T) continue;
                for (std::uint64_t k = table.row_begin[src]; k < table.row_begin[src + 1]; ++k) {
                    const std::uint32_t word = table.target_delay[k];
                    table.weight[k] = plasticity::potentiate_until(rules[j], rules[j].plus_decay, table.weight[k], ts.history, network::synapse_target(word),
                                                                   D + network::synapse_delay_offset(word), rs.last_pre[src], rs.x[src],
                                                                   rs.done[src], T);
                }
                rs.done[src] = T;
            }
        }
        // Every row is now up to date at T: no synapse needs a postsynaptic spike that reaches it at or
        // before T again, except as the trace carried by the latest one.
        ts.history.prune(T - ts.longest_plastic_delay);
    }

    // Poisson input for the steps [t0, t1) goes into the ring buffers before any spike of the interval
    // is delivered to them. Counts come from the stream (seed, input, gid), one word per step.
    void add_poisson(thread_state& ts, std::int64_t t0, std::int64_t t1) {
        for (const auto& r : ts.poisson_ranges) {
            const auto& src = poisson[r.input];
            const std::int64_t a = std::max(t0, src.start), b = std::min(t1, src.stop);
            if (a >= b) continue;
            auto& ring = src.inhibitory ? ts.ring_in : ts.ring_ex;
            for (std::uint32_t i = r.begin; i < r.end; ++i) {
                const std::uint64_t gid = ts.layout->gids[i];
                std::array<std::uint32_t, 4> block{};
                std::int64_t block_index = -1;
                for (std::int64_t s = a; s < b; ++s) {
                    if (s / 4 != block_index) {
                        block_index = s / 4;
                        block = model::random_block(spec.simulation.seed, model::stream_kind::poisson_input, src.index, gid,
                                                    static_cast<std::uint64_t>(block_index));
                    }
                    const std::uint32_t k = src.table.sample(block[static_cast<std::size_t>(s % 4)]);
                    if (k) ring.add(s, i, static_cast<float>(k) * src.weight);
                }
            }
        }
    }

    void apply_dc(thread_state& ts, std::int64_t step) {
        std::fill(ts.I_dc.begin(), ts.I_dc.end(), 0.0f);
        for (const auto& r : ts.dc_ranges) {
            const auto& src = dc[r.input];
            if (step < src.start || step >= src.stop) continue;
            for (std::uint32_t i = r.begin; i < r.end; ++i) ts.I_dc[i] += src.amplitude;
        }
    }

    void sample_state(thread_state& ts, std::int64_t step) {
        for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
            const auto& rec = spec.recording.state[k];
            const std::int64_t every = std::max<std::int64_t>(1, to_step(rec.interval, spec.simulation.dt));
            if (step % every != 0) continue;
            auto& part_of_thread = ts.recorders[k];
            for (const auto& var : rec.variables) {
                const std::vector<float>& source = var == "V_m" ? ts.V : (var == "I_syn_ex" || var == "g_ex") ? ts.x_ex : ts.x_in;
                for (const auto i : part_of_thread.neurons) part_of_thread.values.push_back(source[i]);
            }
        }
    }

    // Advances the thread's neurons through the steps [t0, t1); spikes go to the interval buffer
    // with their lag, and to the recorders.
    void update(thread_state& ts, std::int64_t t0, std::int64_t t1, std::size_t& dc_next) {
        const auto& layout = *ts.layout;
        for (std::int64_t s = t0; s < t1; ++s) {
            if (dc_next < dc_changes.size() && dc_changes[dc_next] == s) {
                apply_dc(ts, s);
                ++dc_next;
            }
            if (!spec.recording.state.empty()) sample_state(ts, s);
            float* const ex = ts.ring_ex.row(s);
            float* const in = ts.ring_in.row(s);
            for (const auto& slice : layout.slices) {
                if (slice.begin == slice.end) continue;
                const std::uint32_t b = slice.begin;
                const bool gains = !ts.gain_ex.empty() && spec.populations[slice.population].scaling.enabled;
                const std::size_t fired =
                    model::update(constants[slice.population],
                                  {ts.V.data() + b, ts.x_ex.data() + b, ts.x_in.data() + b, ts.refractory.data() + b,
                                   ts.I_dc.data() + b, ex + b, in + b, ts.fired.data(), slice.end - b,
                                   gains ? ts.gain_ex.data() + b : nullptr, gains ? ts.gain_in.data() + b : nullptr});
                for (std::size_t k = 0; k < fired; ++k) {
                    const std::uint32_t i = b + ts.fired[k];
                    const std::uint64_t gid = layout.gids[i];
                    ++ts.spikes;
                    if (H > 0) {
                        ts.calcium[i].spike(s, tau_calcium_steps[slice.population]);
                        ++ts.period_spikes[slice.population];
                        if (history_of[slice.population]) ts.history.record(i, s);
                    }
                    ts.interval_spikes.push_back(comm::pack_spike(gid, static_cast<std::uint64_t>(s - t0)));
                    if (record_spikes[slice.population]) {
                        ts.flush_gids.push_back(gid);
                        ts.flush_steps.push_back(s);
                    }
                    if (rate_bins) ++ts.rate_counts[slice.population][static_cast<std::size_t>(s / rate_bin_steps)];
                }
            }
        }
    }

    // The fixed-size vector of the global reduction: per population (spikes in the period, Σ calcium,
    // Σ excitatory gain, Σ inhibitory gain), per projection (Σ w/w_max, Σ (w/w_max)², synapses).
    // Integer fixed point, so that the sum is exact in any order (DESIGN.md decision 5).
    static constexpr double calcium_unit = 65536.0, gain_unit = 16777216.0, weight_unit = 16777216.0;
    // Non-negative values only (weights of excitatory plasticity, calcium, gains): rounding by +0.5.
    static std::int64_t to_fixed(double value, double unit) { return static_cast<std::int64_t>(value * unit + 0.5); }
    std::size_t reduction_size() const { return 4 * spec.populations.size() + 3 * spec.projections.size(); }

    // One thread's part of a homeostasis period ending at T: weights brought up to date, sensors
    // read, gains moved toward their targets, and this thread's sums.
    void homeostasis_local(thread_state& ts, std::int64_t T) {
        if (any_plastic) settle(ts, T);
        ts.sums.assign(reduction_size(), 0);
        const double H_ms = static_cast<double>(H) * spec.simulation.dt;
        for (const auto& slice : ts.layout->slices) {
            const auto p = slice.population;
            const auto& pop = spec.populations[p];
            std::int64_t* const sum = ts.sums.data() + 4 * p;
            sum[0] = ts.period_spikes[p];
            ts.period_spikes[p] = 0;
            for (std::uint32_t i = slice.begin; i < slice.end; ++i) {
                const float c = ts.calcium[i].at(T, tau_calcium_steps[p]);
                sum[1] += to_fixed(c, calcium_unit);
                if (pop.scaling.enabled) {
                    const double rate = plasticity::sensed_rate(c, pop.tau_calcium);
                    ts.gain_ex[i] = plasticity::scale_excitatory(pop.scaling, ts.gain_ex[i], rate, H_ms);
                    if (pop.scaling.inhibitory) ts.gain_in[i] = plasticity::scale_inhibitory(pop.scaling, ts.gain_in[i], rate, H_ms);
                }
                sum[2] += to_fixed(ts.gain_ex.empty() ? 1.0 : ts.gain_ex[i], gain_unit);
                sum[3] += to_fixed(ts.gain_in.empty() ? 1.0 : ts.gain_in[i], gain_unit);
            }
        }
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
            if (!plastic[j]) continue;
            std::int64_t* const sum = ts.sums.data() + 4 * spec.populations.size() + 3 * j;
            const double scale = 1.0 / rules[j].w_max;
            for (const float w : ts.tables[j].weight) {
                const double r = w * scale;
                sum[0] += to_fixed(r, weight_unit);
                sum[1] += to_fixed(r * r, weight_unit);
            }
            sum[2] += static_cast<std::int64_t>(ts.tables[j].weight.size());
        }
    }

    // The master's part: the global reduction (one collective) and one sample of the record.
    void homeostasis_global(std::int64_t T, homeostasis_trace& trace) {
        std::vector<std::int64_t> total(reduction_size(), 0);
        for (const auto& ts : threads)
            for (std::size_t k = 0; k < total.size(); ++k) total[k] += ts.sums[k];
        comm.sum(total);
        const std::size_t P = spec.populations.size(), J = spec.projections.size();
        if (trace.times.empty()) {
            trace.rate.resize(P);
            trace.sensed_rate.resize(P);
            trace.gain_ex.resize(P);
            trace.gain_in.resize(P);
            trace.w_mean.resize(J);
            trace.w_std.resize(J);
            trace.plastic = plastic;
        }
        trace.times.push_back(static_cast<double>(T) * spec.simulation.dt);
        const double H_s = static_cast<double>(H) * spec.simulation.dt * 1e-3;
        for (std::size_t p = 0; p < P; ++p) {
            const double n = static_cast<double>(spec.populations[p].size);
            trace.rate[p].push_back(static_cast<double>(total[4 * p]) / n / H_s);
            trace.sensed_rate[p].push_back(static_cast<double>(total[4 * p + 1]) / calcium_unit / n / (spec.populations[p].tau_calcium * 1e-3));
            trace.gain_ex[p].push_back(static_cast<double>(total[4 * p + 2]) / gain_unit / n);
            trace.gain_in[p].push_back(static_cast<double>(total[4 * p + 3]) / gain_unit / n);
        }
        for (std::size_t j = 0; j < J; ++j) {
            if (!plastic[j]) continue;
            const std::int64_t* sum = total.data() + 4 * P + 3 * j;
            const double count = std::max<double>(1.0, static_cast<double>(sum[2]));
            const double mean = static_cast<double>(sum[0]) / weight_unit / count, square = static_cast<double>(sum[1]) / weight_unit / count;
            trace.w_mean[j].push_back(mean * rules[j].w_max);
            trace.w_std[j].push_back(std::sqrt(std::max(0.0, square - mean * mean)) * rules[j].w_max);
        }
    }

    weight_snapshot snapshot(std::uint32_t projection, std::int64_t step) {
        weight_snapshot snap;
        snap.projection = projection;
        snap.time = static_cast<double>(step) * spec.simulation.dt;
        const auto& proj = spec.projections[projection];
        struct entry { std::uint64_t target, source; float w; };
        std::vector<entry> all;
        for (const auto& ts : threads) {
            const auto& table = ts.tables[projection];
            // Effective weights: w times the target's homeostatic gain (DESIGN.md decision 4).
            const std::vector<float>& gain = table.port == network::receptor::excitatory ? ts.gain_ex : ts.gain_in;
            const bool scaled = !gain.empty() && spec.populations[proj.target].scaling.enabled;
            for (std::uint64_t s = 0; s + 1 < table.row_begin.size(); ++s)
                for (std::uint64_t k = table.row_begin[s]; k < table.row_begin[s + 1]; ++k) {
                    const std::uint32_t i = network::synapse_target(table.target_delay[k]);
                    all.push_back({ts.layout->gids[i], first_gid[proj.source] + s, scaled ? table.weight[k] * gain[i] : table.weight[k]});
                }
        }
        std::stable_sort(all.begin(), all.end(), [](const entry& a, const entry& b) {
            return a.target != b.target ? a.target < b.target : a.source < b.source;
        });
        for (const auto& e : all) {
            snap.sources.push_back(e.source);
            snap.targets.push_back(e.target);
            snap.weights.push_back(e.w);
        }
        return snap;
    }

    // This rank's spikes since the last flush, sorted by (step, gid).
    spike_batch take_spikes() {
        spike_batch batch;
        std::vector<std::pair<std::int64_t, std::uint64_t>> all;
        for (auto& ts : threads) {
            for (std::size_t k = 0; k < ts.flush_gids.size(); ++k) all.emplace_back(ts.flush_steps[k], ts.flush_gids[k]);
            ts.flush_gids.clear();
            ts.flush_steps.clear();
        }
        std::sort(all.begin(), all.end());
        batch.gids.reserve(all.size());
        batch.steps.reserve(all.size());
        for (const auto& [s, g] : all) {
            batch.steps.push_back(s);
            batch.gids.push_back(g);
        }
        return batch;
    }

    results collect(results r) {
        // State traces: this rank's recorded neurons in gid order, samples in time order.
        for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
            const auto& rec = spec.recording.state[k];
            state_trace trace;
            trace.recorder = static_cast<std::uint32_t>(k);
            struct column { std::uint64_t gid; std::size_t thread, index; };
            std::vector<column> cols;
            for (std::size_t t = 0; t < threads.size(); ++t)
                for (std::size_t i = 0; i < threads[t].recorders[k].neurons.size(); ++i)
                    cols.push_back({threads[t].layout->gids[threads[t].recorders[k].neurons[i]], t, i});
            std::sort(cols.begin(), cols.end(), [](const column& a, const column& b) { return a.gid < b.gid; });
            const std::int64_t every = std::max<std::int64_t>(1, to_step(rec.interval, spec.simulation.dt));
            for (std::int64_t s = 0; s < total_steps; s += every) trace.times.push_back(static_cast<double>(s) * spec.simulation.dt);
            for (const auto& c : cols) trace.gids.push_back(c.gid);
            const std::size_t vars = rec.variables.size();
            trace.values.resize(trace.times.size() * vars * cols.size());
            for (std::size_t sample = 0; sample < trace.times.size(); ++sample)
                for (std::size_t v = 0; v < vars; ++v)
                    for (std::size_t c = 0; c < cols.size(); ++c) {
                        const auto& part_of_thread = threads[cols[c].thread].recorders[k];
                        const std::size_t n = part_of_thread.neurons.size();
                        trace.values[(sample * vars + v) * cols.size() + c] = part_of_thread.values[(sample * vars + v) * n + cols[c].index];
                    }
            r.traces.push_back(std::move(trace));
        }
        if (spec.recording.final_state) {
            for (std::uint32_t p = 0; p < spec.populations.size(); ++p) {
                final_state fs;
                fs.population = p;
                std::vector<std::pair<std::uint64_t, float>> all;
                for (const auto& ts : threads) {
                    const auto& s = ts.layout->slices[p];
                    for (std::uint32_t i = s.begin; i < s.end; ++i) all.emplace_back(ts.layout->gids[i], ts.V[i]);
                }
                std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
                for (const auto& [g, v] : all) {
                    fs.gids.push_back(g);
                    fs.V_m.push_back(v);
                }
                r.final_states.push_back(std::move(fs));
            }
        }
        if (rate_bins) {
            std::vector<std::int64_t> counts(spec.populations.size() * static_cast<std::size_t>(rate_bins), 0);
            for (const auto& ts : threads)
                for (std::size_t p = 0; p < spec.populations.size(); ++p)
                    for (std::size_t b = 0; b < static_cast<std::size_t>(rate_bins); ++b)
                        counts[p * static_cast<std::size_t>(rate_bins) + b] += ts.rate_counts[p][b];
            comm.sum(counts);
            const double bin_s = static_cast<double>(rate_bin_steps) * spec.simulation.dt * 1e-3;
            for (std::size_t p = 0; p < spec.populations.size(); ++p) {
                std::vector<double> rate(static_cast<std::size_t>(rate_bins));
                const auto size = static_cast<double>(spec.populations[p].size);
                for (std::size_t b = 0; b < rate.size(); ++b) {
                    // The last bin may be shorter than the others.
                    const std::int64_t steps_in_bin = std::min(rate_bin_steps, total_steps - static_cast<std::int64_t>(b) * rate_bin_steps);
                    const double width = static_cast<double>(steps_in_bin) * spec.simulation.dt * 1e-3;
                    rate[b] = static_cast<double>(counts[p * rate.size() + b]) / size / (width > 0 ? width : bin_s);
                }
                r.rates.push_back(std::move(rate));
            }
        }
        for (const auto& ts : threads) {
            r.time.update = std::max(r.time.update, ts.t_update);
            r.time.deliver = std::max(r.time.deliver, ts.t_deliver);
        }
        return r;
    }

    results run(const hooks& h) {
        results out;
        const double t_start = omp_get_wtime();
        // Weight snapshots due at or before a step, taken at interval boundaries (weights change only
        // there), in the order of the recorders.
        struct due_snapshot { std::int64_t step; std::uint32_t projection; };
        std::vector<due_snapshot> due;
        for (const auto& w : spec.recording.weights)
            for (const double t : w.times) due.push_back({to_step(t, spec.simulation.dt), w.projection});
        std::stable_sort(due.begin(), due.end(), [](const due_snapshot& a, const due_snapshot& b) { return a.step < b.step; });
        std::size_t next_due = 0;
        for (; next_due < due.size() && due[next_due].step <= 0; ++next_due) out.snapshots.push_back(snapshot(due[next_due].projection, 0));

        const std::int64_t flush_steps = std::max<std::int64_t>(1, to_step(h.flush_every_ms, spec.simulation.dt));
        std::int64_t next_flush = flush_steps;
        std::vector<std::uint64_t> received, local;
        std::int64_t received_t0 = 0;
        std::atomic<bool> failed{false};
        bool stop = false;
        bool remote = false;  // another rank sent the failure word
        std::exception_ptr master_error;
        const int n_threads = static_cast<int>(threads.size());
        std::vector<std::uint8_t> received_delivered(threads.size(), 0);  // by thread: this interval's delivery is done

        // Order of one interval [t0, t0 + D), and why it is safe: every delay is ≥ D steps, so the
        // spikes exchanged at the end of the previous interval arrive at t0 or later and none of this
        // interval's spikes is needed before the next one. Each thread (1) delivers the received
        // spikes into its own ring buffers, (2) adds Poisson input and (3) advances its neurons D
        // steps; then the master (4) exchanges the interval's spikes and runs the hooks.
#pragma omp parallel num_threads(n_threads)
        {
            auto& ts = threads[static_cast<std::size_t>(omp_get_thread_num())];
            std::size_t dc_next = 0;
            if (!dc_changes.empty() && dc_changes.front() <= 0) {
                apply_dc(ts, 0);
                dc_next = 1;
            }
            for (std::int64_t t0 = 0; t0 < total_steps && !stop; t0 += D) {
                const std::int64_t t1 = std::min(t0 + D, total_steps);
                // At a homeostasis boundary, or when a weight snapshot is due, the weights are read
                // between delivery and update: every spike emitted before t0 has been delivered then.
                const bool homeostasis_due = H > 0 && t0 > 0 && t0 % H == 0;
                const bool snapshot_due = next_due < due.size() && due[next_due].step <= t0;
                if (homeostasis_due || snapshot_due) {
                    if (!failed.load(std::memory_order_relaxed)) {
                        try {
                            const double w0 = omp_get_wtime();
                            deliver(ts, received, received_t0);
                            ts.t_deliver += omp_get_wtime() - w0;
                            received_delivered[static_cast<std::size_t>(omp_get_thread_num())] = 1;
                            if (homeostasis_due) homeostasis_local(ts, t0);
                            else if (any_plastic) settle(ts, t0);
                        } catch (...) {
                            ts.error = std::current_exception();
                            failed = true;
                        }
                    }
#pragma omp barrier
#pragma omp master
                    {
                        try {
                            if (!failed) {
                                if (homeostasis_due) homeostasis_global(t0, out.homeostasis);
                                for (; next_due < due.size() && due[next_due].step <= t0; ++next_due)
                                    out.snapshots.push_back(snapshot(due[next_due].projection, t0));
                            }
                        } catch (...) {
                            master_error = std::current_exception();
                            failed = true;
                        }
                    }
#pragma omp barrier
                }
                if (!failed.load(std::memory_order_relaxed)) {
                    try {
                        double w0 = omp_get_wtime();
                        if (!received_delivered[static_cast<std::size_t>(omp_get_thread_num())]) deliver(ts, received, received_t0);
                        received_delivered[static_cast<std::size_t>(omp_get_thread_num())] = 0;
                        double w1 = omp_get_wtime();
                        add_poisson(ts, t0, t1);
                        update(ts, t0, t1, dc_next);
                        ts.t_deliver += w1 - w0;
                        ts.t_update += omp_get_wtime() - w1;
                        if (h.on_thread_interval) h.on_thread_interval(omp_get_thread_num(), t1);
                    } catch (...) {
                        ts.error = std::current_exception();
                        failed = true;
                    }
                }
#pragma omp barrier
#pragma omp master
                {
                    try {
                        const double w0 = omp_get_wtime();
                        local.clear();
                        for (auto& other : threads) {
                            local.insert(local.end(), other.interval_spikes.begin(), other.interval_spikes.end());
                            other.interval_spikes.clear();
                        }
                        if (failed) local.push_back(failure_word);
                        comm.exchange_spikes(local, received);
                        std::sort(received.begin(), received.end());
                        if (!received.empty() && received.back() == failure_word) {
                            stop = true;
                            remote = !failed;
                        }
                        received_t0 = t0;
                        out.time.exchange += omp_get_wtime() - w0;
                        const double w1 = omp_get_wtime();
                        if (!stop && h.on_spikes && (t1 >= next_flush || t1 == total_steps)) {
                            h.on_spikes(take_spikes());
                            next_flush = t1 + flush_steps;
                        }
                        if (h.on_progress) h.on_progress(t1, total_steps);
                        out.time.record += omp_get_wtime() - w1;
                    } catch (...) {
                        // Not stopped here: the next exchange tells the other ranks, so that all stop
                        // at the same interval (or the agreement after the loop does, at the end).
                        master_error = std::current_exception();
                        failed = true;
                    }
                }
#pragma omp barrier
            }
        }
        // A failure in the last interval has had no exchange to travel with: agree once more.
        if (comm.max(failed ? 1 : 0) != 0 && !failed) remote = true;
        for (const auto& ts : threads)
            if (ts.error) std::rethrow_exception(ts.error);
        if (master_error) std::rethrow_exception(master_error);
        if (remote) throw remote_failure();
        // The end: the last interval's spikes change plastic weights too (they are never transmitted),
        // then every weight is brought up to date, and the records due at the end are taken.
        if (any_plastic || next_due < due.size() || (H > 0 && total_steps % H == 0)) {
            const bool homeostasis_due = H > 0 && total_steps > 0 && total_steps % H == 0;
            std::vector<std::exception_ptr> errors(threads.size());
#pragma omp parallel num_threads(n_threads)
            {
                const auto t = static_cast<std::size_t>(omp_get_thread_num());
                try {
                    deliver(threads[t], received, received_t0);
                    if (homeostasis_due) homeostasis_local(threads[t], total_steps);
                    else if (any_plastic) settle(threads[t], total_steps);
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            }
            const bool any_error = std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e != nullptr; });
            if (comm.max(any_error ? 1 : 0) != 0) {
                for (auto& e : errors)
                    if (e) std::rethrow_exception(e);
                throw remote_failure();
            }
            if (homeostasis_due) homeostasis_global(total_steps, out.homeostasis);
            for (; next_due < due.size() && due[next_due].step <= total_steps; ++next_due)
                out.snapshots.push_back(snapshot(due[next_due].projection, total_steps));
        }
        out.time.total = omp_get_wtime() - t_start;
        out.time.build = build_time;
        for (const auto& ts : threads) {
            out.local_spikes += ts.spikes;
            out.local_events += ts.events;
        }
        return collect(std::move(out));
    }
};

simulation::simulation(const model::model_spec& spec, comm::communicator& comm, int threads)
    : impl_(std::make_unique<impl>(spec, comm, threads)) {}
simulation::~simulation() = default;

std::uint64_t simulation::local_neurons() const { return impl_->part.local_neurons(); }

std::uint64_t simulation::local_synapses() const {
    std::uint64_t n = 0;
    for (const auto& ts : impl_->threads)
        for (const auto& t : ts.tables) n += t.size();
    return n;
}

std::uint64_t simulation::synapse_bytes() const {
    std::uint64_t n = 0;
    for (const auto& ts : impl_->threads)
        for (const auto& t : ts.tables) n += t.bytes();
    return n;
}

std::int64_t simulation::min_delay_steps() const { return impl_->D; }
double simulation::build_seconds() const { return impl_->build_time; }

results simulation::run(const hooks& h) { return impl_->run(h); }

}  // namespace synorm::engine
