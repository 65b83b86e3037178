// Checkpoints: the engine's state as plain data keyed by gid (synorm/engine/checkpoint.hpp), and the
// engine rebuilt from it on any layout.
#include "synorm/engine/checkpoint.hpp"

#include <bit>
#include <string>
#include <utility>

#include "engine_state.hpp"

namespace synorm::engine {

namespace {

// The registry of per-neuron state. A new per-neuron variable is one more entry: its name, unit,
// whether this run has it, and how to read and write it for thread-local neuron i. Float and integer
// variables are kept apart so that every value round-trips exactly.
// What the run has, the same on every rank: which optional state exists.
struct run_flags {
    bool homeostasis_loop, scaling, adapting;
    std::uint32_t branches;  // branches per neuron in the thread arrays (impl::branch_stride); 0: none
    bool integral = false, additive = false, e_gaba = false, input = false,
         meta = false;   // plasticity/scaling.hpp's extensions
    bool alpha = false;  // some population has alpha currents (lif_curr_alpha)
};

struct field_access {
    const char* name;
    const char* unit;
    bool (*present)(const run_flags&);
    float (*get_f)(const thread_state&, std::uint32_t);
    void (*set_f)(thread_state&, std::uint32_t, float);
    std::int64_t (*get_i)(const thread_state&, std::uint32_t);
    void (*set_i)(thread_state&, std::uint32_t, std::int64_t);
};

bool always(const run_flags&) { return true; }
bool homeostasis_loop(const run_flags& f) { return f.homeostasis_loop; }
bool scaling(const run_flags& f) { return f.homeostasis_loop && f.scaling; }
bool adapting(const run_flags& f) { return f.adapting; }
bool alpha(const run_flags& f) { return f.alpha; }
bool integral(const run_flags& f) { return f.homeostasis_loop && f.integral; }
bool additive(const run_flags& f) { return f.homeostasis_loop && f.additive; }
bool e_gaba(const run_flags& f) { return f.homeostasis_loop && f.e_gaba; }
bool input(const run_flags& f) { return f.homeostasis_loop && f.input; }
bool meta(const run_flags& f) { return f.homeostasis_loop && f.meta; }

const field_access base_registry[] = {
    {"V", "mV", always, [](const thread_state& ts, std::uint32_t i) { return ts.V[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.V[i] = v; }, nullptr, nullptr},
    {"x_ex", "receptor unit", always, [](const thread_state& ts, std::uint32_t i) { return ts.x_ex[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.x_ex[i] = v; }, nullptr, nullptr},
    {"x_in", "receptor unit", always, [](const thread_state& ts, std::uint32_t i) { return ts.x_in[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.x_in[i] = v; }, nullptr, nullptr},
    {"I_dc", "pA", always, [](const thread_state& ts, std::uint32_t i) { return ts.I_dc[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.I_dc[i] = v; }, nullptr, nullptr},
    {"refractory", "steps", always, nullptr, nullptr,
     [](const thread_state& ts, std::uint32_t i) { return std::int64_t{ts.refractory[i]}; },
     [](thread_state& ts, std::uint32_t i, std::int64_t v) { ts.refractory[i] = static_cast<std::int32_t>(v); }},
    {"w", "pA", adapting, [](const thread_state& ts, std::uint32_t i) { return ts.w[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.w[i] = v; }, nullptr, nullptr},
    {"dx_ex", "pA/ms", alpha, [](const thread_state& ts, std::uint32_t i) { return ts.dx_ex[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.dx_ex[i] = v; }, nullptr, nullptr},
    {"dx_in", "pA/ms", alpha, [](const thread_state& ts, std::uint32_t i) { return ts.dx_in[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.dx_in[i] = v; }, nullptr, nullptr},
    {"calcium", "1", homeostasis_loop, [](const thread_state& ts, std::uint32_t i) { return ts.calcium[i].c; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.calcium[i].c = v; }, nullptr, nullptr},
    {"calcium_step", "steps", homeostasis_loop, nullptr, nullptr,
     [](const thread_state& ts, std::uint32_t i) { return ts.calcium[i].step; },
     [](thread_state& ts, std::uint32_t i, std::int64_t v) { ts.calcium[i].step = v; }},
    {"gain_ex", "1", scaling, [](const thread_state& ts, std::uint32_t i) { return ts.gain_ex[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.gain_ex[i] = v; }, nullptr, nullptr},
    {"gain_in", "1", scaling, [](const thread_state& ts, std::uint32_t i) { return ts.gain_in[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.gain_in[i] = v; }, nullptr, nullptr},
    {"scaling_integral", "1", integral, [](const thread_state& ts, std::uint32_t i) { return ts.integral[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.integral[i] = v; }, nullptr, nullptr},
    // w̄ is the mean excitatory weight as built, which the weights restored from a checkpoint no longer are.
    {"offset_ex", "receptor unit", additive, [](const thread_state& ts, std::uint32_t i) { return ts.offset_ex[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.offset_ex[i] = v; }, nullptr, nullptr},
    {"mean_w_ex", "receptor unit", additive, [](const thread_state& ts, std::uint32_t i) { return ts.mean_w_ex[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.mean_w_ex[i] = v; }, nullptr, nullptr},
    {"E_in", "mV", e_gaba, [](const thread_state& ts, std::uint32_t i) { return ts.E_in[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.E_in[i] = v; }, nullptr, nullptr},
    // Metaplasticity: θ and the factor it gave at the last homeostasis boundary (kept rather than
    // recomputed, so that a restored run reads the same bits).
    {"theta", "Hz^2", meta, [](const thread_state& ts, std::uint32_t i) { return ts.theta[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.theta[i] = v; }, nullptr, nullptr},
    {"potentiation_factor", "1", meta, [](const thread_state& ts, std::uint32_t i) { return ts.potentiation[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.potentiation[i] = v; }, nullptr, nullptr},
    {"period_input_ex", "receptor unit", input, [](const thread_state& ts, std::uint32_t i) { return ts.input_ex[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.input_ex[i] = v; }, nullptr, nullptr},
    {"period_input_in", "receptor unit", input, [](const thread_state& ts, std::uint32_t i) { return ts.input_in[i]; },
     [](thread_state& ts, std::uint32_t i, float v) { ts.input_in[i] = v; }, nullptr, nullptr},
};

// Branch-local homeostasis: per neuron and branch K, the gain, the drive trace and the period's
// arrivals (a checkpoint may fall inside a homeostasis period), as one field each.
template <std::uint32_t K>
bool has_branch(const run_flags& f) {
    return f.homeostasis_loop && K < f.branches;
}
template <std::uint32_t K>
std::uint32_t branch_index(const thread_state& ts, std::uint32_t i) {
    return i * static_cast<std::uint32_t>(ts.branch_gain.size() / std::max<std::size_t>(1, ts.n)) + K;
}
template <std::uint32_t K>
void add_branch_fields(std::vector<field_access>& out) {
    static const std::string gain = "branch_gain_" + std::to_string(K),
                             activity = "branch_activity_" + std::to_string(K),
                             arrivals = "branch_arrivals_" + std::to_string(K);
    out.push_back({gain.c_str(), "1", has_branch<K>,
                   [](const thread_state& ts, std::uint32_t i) { return ts.branch_gain[branch_index<K>(ts, i)]; },
                   [](thread_state& ts, std::uint32_t i, float v) { ts.branch_gain[branch_index<K>(ts, i)] = v; },
                   nullptr, nullptr});
    out.push_back({activity.c_str(), "1", has_branch<K>,
                   [](const thread_state& ts, std::uint32_t i) { return ts.branch_activity[branch_index<K>(ts, i)]; },
                   [](thread_state& ts, std::uint32_t i, float v) { ts.branch_activity[branch_index<K>(ts, i)] = v; },
                   nullptr, nullptr});
    out.push_back({arrivals.c_str(), "spikes", has_branch<K>, nullptr, nullptr,
                   [](const thread_state& ts, std::uint32_t i) {
        return std::int64_t{ts.branch_arrivals[branch_index<K>(ts, i)]};
                   },
                   [](thread_state& ts, std::uint32_t i, std::int64_t v) {
        ts.branch_arrivals[branch_index<K>(ts, i)] = static_cast<std::uint32_t>(v);
    }});
}
template <std::uint32_t... K>
void add_all_branch_fields(std::vector<field_access>& out, std::integer_sequence<std::uint32_t, K...>) {
    (add_branch_fields<K>(out), ...);
}

const std::vector<field_access>& registry() {
    static const std::vector<field_access> all = [] {
        std::vector<field_access> r(std::begin(base_registry), std::end(base_registry));
        add_all_branch_fields(r, std::make_integer_sequence<std::uint32_t, model::branch_spec::max_branches>{});
        return r;
    }();
    return all;
}

run_flags flags_of(const model::model_spec& spec, bool loop, bool scaling, run_flags extensions) {
    const bool adapt = std::any_of(spec.populations.begin(), spec.populations.end(),
                                   [](const auto& pop) { return model::adapts(pop.model); });
    std::uint32_t branches = 0;
    for (const auto& pop : spec.populations)
        if (pop.branches.enabled) branches = std::max(branches, pop.branches.count);
    extensions.homeostasis_loop = loop;
    extensions.scaling = scaling;
    extensions.adapting = adapt;
    extensions.alpha = std::any_of(spec.populations.begin(), spec.populations.end(),
                                   [](const auto& pop) { return pop.model == model::neuron_kind::lif_curr_alpha; });
    extensions.branches = branches;
    return extensions;
}

// Calls f(thread, local index, rank index) for every neuron of the rank, in gid order.
template <class F>
void for_each_neuron(const std::vector<thread_state>& threads, F&& f) {
    struct at {
        std::uint64_t gid;
        std::uint32_t thread, index;
    };
    std::vector<at> all;
    for (std::uint32_t t = 0; t < threads.size(); ++t)
        for (std::uint32_t i = 0; i < threads[t].n; ++i) all.push_back({threads[t].layout->gids[i], t, i});
    std::sort(all.begin(), all.end(), [](const at& a, const at& b) { return a.gid < b.gid; });
    for (std::size_t k = 0; k < all.size(); ++k) f(all[k].thread, all[k].index, k);
}

void save_pending(ring_buffer& ring, std::uint32_t i, std::uint64_t gid, std::int64_t step, pending_input& out) {
    for (std::uint64_t lag = 0; lag < ring.slots(); ++lag) {
        const float v = ring.row(step + static_cast<std::int64_t>(lag))[i];
        if (std::bit_cast<std::uint32_t>(v) == 0) continue;
        out.gids.push_back(gid);
        out.lags.push_back(static_cast<std::uint32_t>(lag));
        out.values.push_back(v);
    }
}

void load_pending(std::vector<thread_state>& threads, const network::partition& part, const pending_input& in,
                  std::int64_t step, bool excitatory) {
    for (std::size_t k = 0; k < in.gids.size(); ++k) {
        int t = 0;
        std::uint32_t i = 0;
        if (!part.locate(in.gids[k], t, i)) continue;
        auto& ring =
            excitatory ? threads[static_cast<std::size_t>(t)].ring_ex : threads[static_cast<std::size_t>(t)].ring_in;
        if (in.lags[k] >= ring.slots())
            throw checkpoint_mismatch("the checkpoint holds input for neuron " + std::to_string(in.gids[k]) + " " +
                                      std::to_string(in.lags[k]) + " steps ahead, beyond its longest delay");
        ring.row(step + static_cast<std::int64_t>(in.lags[k]))[i] = in.values[k];
    }
}

}  // namespace

state_trace simulation::impl::gather_trace(std::size_t k, std::size_t samples) const {
    const auto& rec = spec.recording.state[k];
    state_trace trace;
    trace.recorder = static_cast<std::uint32_t>(k);
    struct column {
        std::uint64_t gid;
        std::size_t thread, index;
    };
    std::vector<column> cols;
    for (std::size_t t = 0; t < threads.size(); ++t)
        for (std::size_t i = 0; i < threads[t].recorders[k].neurons.size(); ++i)
            cols.push_back({threads[t].layout->gids[threads[t].recorders[k].neurons[i]], t, i});
    std::sort(cols.begin(), cols.end(), [](const column& a, const column& b) { return a.gid < b.gid; });
    const std::int64_t every = std::max<std::int64_t>(1, to_step(rec.interval, spec.simulation.dt));
    for (std::size_t s = 0; s < samples; ++s)
        trace.times.push_back(static_cast<double>(static_cast<std::int64_t>(s) * every) * spec.simulation.dt);
    for (const auto& c : cols) trace.gids.push_back(c.gid);
    const std::size_t vars = rec.variables.size();
    trace.values.resize(samples * vars * cols.size());
    for (std::size_t sample = 0; sample < samples; ++sample)
        for (std::size_t v = 0; v < vars; ++v)
            for (std::size_t c = 0; c < cols.size(); ++c) {
                const auto& part_of_thread = threads[cols[c].thread].recorders[k];
                const std::size_t n = part_of_thread.neurons.size();
                trace.values[(sample * vars + v) * cols.size() + c] =
                    part_of_thread.values[(sample * vars + v) * n + cols[c].index];
            }
    return trace;
}

// A row's state is the same on every thread and rank that holds the row (each applies every spike of its
// source), and the checkpoint keeps it once per source (row_record): every rank that holds one sends it
// once, with the values as integers (the step + 1, 0 for
// none; the traces' bits), so that one exact sum and a division give them back. Sources that no rank
// holds a row of keep none and 0: no synapse can read them. Collective.
row_record simulation::impl::gather_rows(std::uint32_t j) {
    const std::uint64_t sources = spec.populations[spec.projections[j].source].size;
    const bool slow = rules[j].slow_traces;
    const std::size_t fields = slow ? 4 : 3;  // holders, last_pre + 1, x, x2
    std::vector<std::int64_t> sum(sources * fields, 0);
    const row_source_lists row_source = row_sources_of(j);
    for (const auto& ts : threads) {
        const auto& rs = ts.rows[j];
        const auto& table = ts.tables[j];
        const auto& source_of = row_source[static_cast<std::size_t>(&ts - threads.data())][j];
        for (std::uint64_t row = 0; row < table.rows(); ++row) {
            std::int64_t* const v = sum.data() + source_of[row] * fields;
            if (v[0] != 0) continue;  // another thread of this rank holds the same state
            v[0] = 1;
            SYNORM_ASSERT(rs.last_pre[row] == plasticity::row_state::none || rs.last_pre[row] >= 0,
                          "presynaptic spikes have steps ≥ 0");
            v[1] = rs.last_pre[row] == plasticity::row_state::none ? 0 : rs.last_pre[row] + 1;
            v[2] = std::bit_cast<std::uint32_t>(rs.x[row]);
            if (slow) v[3] = std::bit_cast<std::uint32_t>(rs.x2[row]);
        }
    }
    comm.sum(sum);
    row_record r;
    r.last_pre.assign(sources, plasticity::row_state::none);
    r.x.assign(sources, 0.0f);
    if (slow) r.x2.assign(sources, 0.0f);
    for (std::uint64_t s = 0; s < sources; ++s) {
        const std::int64_t* const v = sum.data() + s * fields;
        if (v[0] == 0) continue;
        if (v[1] != 0) r.last_pre[s] = v[1] / v[0] - 1;
        r.x[s] = std::bit_cast<float>(static_cast<std::uint32_t>(v[2] / v[0]));
        if (slow) r.x2[s] = std::bit_cast<float>(static_cast<std::uint32_t>(v[3] / v[0]));
    }
    return r;
}

checkpoint_state simulation::impl::capture(std::int64_t step, const results& so_far) {
    if (D + network::max_delay_offset > UINT16_MAX)
        throw std::runtime_error("checkpoints store delays as 16-bit step counts; this network's minimum delay is " +
                                 std::to_string(D) + " steps");
    SYNORM_ASSERT(weights_current(step), "a checkpoint holds weights current at its step");
    checkpoint_state c;
    c.step = step;
    c.total_steps = total_steps;
    for_each_neuron(
        threads, [&](std::uint32_t t, std::uint32_t i, std::size_t) { c.gids.push_back(threads[t].layout->gids[i]); });
    for (const auto& f : registry()) {
        if (!f.present(
                flags_of(spec, H > 0, any_scaling || any_normalization,
                         {false, false, false, 0, any_integral, any_additive, any_e_gaba, track_input, any_meta})))
            continue;
        neuron_field field{f.name, f.unit, {}, {}};
        for_each_neuron(threads, [&](std::uint32_t t, std::uint32_t i, std::size_t) {
            if (f.get_f) field.f32.push_back(f.get_f(threads[t], i));
            else
                field.i64.push_back(f.get_i(threads[t], i));
        });
        c.fields.push_back(std::move(field));
    }
    for_each_neuron(threads, [&](std::uint32_t t, std::uint32_t i, std::size_t) {
        auto& ts = threads[t];
        const std::uint64_t gid = ts.layout->gids[i];
        save_pending(ts.ring_ex, i, gid, step, c.pending_ex);
        save_pending(ts.ring_in, i, gid, step, c.pending_in);
        if (H > 0 && ts.history.enabled(i)) {
            const auto& h = ts.history.of(i);
            c.history.gids.push_back(gid);
            c.history.counts.push_back(static_cast<std::uint32_t>(h.size()));
            for (const auto& spike : h) {
                c.history.steps.push_back(spike.step);
                c.history.y.push_back(spike.y);
                c.history.o2.push_back(spike.o2);
            }
        }
    });
    // Synapses: every thread's, by target. Threads own ascending blocks of each population, so
    // appending them in thread order keeps the targets ascending.
    c.synapses.resize(spec.projections.size());
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        c.synapses[j].tagged = pruned[j] != 0;  // the pruning tags travel with the synapses
    {
        row_source_lists begins;
        const row_source_lists sources =
            row_sources(std::vector<std::uint8_t>(spec.projections.size(), 1), all_threads, &begins);
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
            for (std::size_t t = 0; t < threads.size(); ++t) {
                const auto& table = threads[t].tables[j];
                network::append_to_list(table, sources[t][j], table.spans() ? begins[t][j] : table.row_begin,
                                        *threads[t].layout, static_cast<std::uint64_t>(D), c.synapses[j]);
            }
    }
    c.rows.resize(spec.projections.size());
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j)
        if (plastic[j]) c.rows[j] = gather_rows(j);
    c.period_spikes.assign(spec.populations.size(), 0);
    if (rate_bins) {  // the window, after the flush at `step`: the bins up to its last begun one, by population
        const std::size_t populations = spec.populations.size();
        const std::int64_t open = std::min((step + rate_bin_steps - 1) / rate_bin_steps, rate_bins);
        const auto bins = static_cast<std::size_t>(std::max<std::int64_t>(0, open - rate_first));
        SYNORM_ASSERT(rate_counts.size() <= bins * populations, "no spike counted at or after the checkpoint");
        c.rate_counts.assign(populations * bins, 0);
        for (std::size_t k = 0; k * populations < rate_counts.size(); ++k)
            for (std::size_t p = 0; p < populations; ++p)
                c.rate_counts[p * bins + k] = rate_counts[k * populations + p];
        c.rate_first = rate_first;
        c.rate_totals = rate_totals;
        c.rate_sums = rate_sums;
    }
    for (const auto& ts : threads) {
        for (std::size_t p = 0; p < ts.period_spikes.size(); ++p) c.period_spikes[p] += ts.period_spikes[p];
        c.spikes += ts.spikes;
        c.events += ts.events;
    }
    c.homeostasis = so_far.homeostasis;
    c.snapshots = so_far.snapshots;
    for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
        const std::int64_t every =
            std::max<std::int64_t>(1, to_step(spec.recording.state[k].interval, spec.simulation.dt));
        c.traces.push_back(gather_trace(k, static_cast<std::size_t>((step + every - 1) / every)));
    }
    c.schedule = capture_schedule(so_far);
    c.pruning = so_far.pruning;
    c.patterns = so_far.patterns;
    c.probe_spikes = probe_spikes;
    return c;
}

void simulation::impl::restore(const checkpoint_state& from) {
    const auto fail = [](const std::string& what) {
        throw checkpoint_mismatch("the checkpoint does not fit the configuration: " + what);
    };
    if (from.total_steps != total_steps)
        fail("its run has " + std::to_string(from.total_steps) + " steps, this one " + std::to_string(total_steps));
    if (from.step <= 0 || from.step >= total_steps || from.step % D != 0)
        fail("step " + std::to_string(from.step) + " is not inside the run at an interval start");
    if (from.synapses.size() != spec.projections.size() || from.rows.size() != spec.projections.size())
        fail("another number of projections");
    start_step = from.step;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> where;
    for_each_neuron(threads, [&](std::uint32_t t, std::uint32_t i, std::size_t) { where.emplace_back(t, i); });
    if (from.gids.size() != where.size())
        fail("it holds " + std::to_string(from.gids.size()) + " neurons for this rank, which owns " +
             std::to_string(where.size()));
    for (std::size_t k = 0; k < where.size(); ++k)
        if (from.gids[k] != threads[where[k].first].layout->gids[where[k].second])
            fail("its neurons are not this rank's");
    for (const auto& f : registry()) {
        if (!f.present(
                flags_of(spec, H > 0, any_scaling || any_normalization,
                         {false, false, false, 0, any_integral, any_additive, any_e_gaba, track_input, any_meta})))
            continue;
        const auto it = std::find_if(from.fields.begin(), from.fields.end(),
                                     [&](const neuron_field& x) { return x.name == f.name; });
        if (it == from.fields.end()) fail(std::string("it has no per-neuron field '") + f.name + "'");
        if ((f.get_f ? it->f32.size() : it->i64.size()) != where.size())
            fail(std::string("field '") + f.name + "' has the wrong size");
        for (std::size_t k = 0; k < where.size(); ++k) {
            auto& ts = threads[where[k].first];
            if (f.set_f) f.set_f(ts, where[k].second, it->f32[k]);
            else
                f.set_i(ts, where[k].second, it->i64[k]);
        }
    }
    load_pending(threads, part, from.pending_ex, start_step, true);
    load_pending(threads, part, from.pending_in, start_step, false);
    if (H > 0) {
        std::size_t at = 0;
        for (std::size_t n = 0; n < from.history.gids.size(); ++n) {
            int t = 0;
            std::uint32_t i = 0;
            const std::size_t count = from.history.counts[n];
            if (part.locate(from.history.gids[n], t, i)) {
                auto& ts = threads[static_cast<std::size_t>(t)];
                if (!ts.history.enabled(i))
                    fail("a spike history for neuron " + std::to_string(from.history.gids[n]) + ", which keeps none");
                std::vector<plasticity::post_spike> spikes;
                for (std::size_t m = at; m < at + count; ++m)
                    spikes.push_back({from.history.steps[m], from.history.y[m], from.history.o2[m]});
                ts.history.restore(i, std::move(spikes));
            }
            at += count;
        }
        // The spikes still on their way to plastic synapses are in the histories (pruning keeps every
        // spike after the last boundary − the longest delay); the log takes them all, by step, then
        // neuron, and only their arrivals after the checkpoint's step are applied.
        for (auto& ts : threads) {
            ts.post_log.clear();
            ts.post_log_head = 0;
            for (std::uint32_t i = 0; i < ts.n; ++i)
                if (ts.history.enabled(i))
                    for (const auto& spike : ts.history.of(i)) ts.post_log.push_back({spike.step, i, spike.o2});
            std::sort(ts.post_log.begin(), ts.post_log.end(), [](const post_event& a, const post_event& b) {
                return std::tie(a.step, a.neuron) < std::tie(b.step, b.neuron);
            });
            ts.arrived = start_step;
        }
        for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
            if (!plastic[j]) continue;
            const auto& r = from.rows[j];
            const std::uint64_t sources = spec.populations[spec.projections[j].source].size;
            if (r.last_pre.size() != sources || r.x.size() != sources)
                fail("projection " + spec.projections[j].name + ": another number of rows");
            if (r.x2.size() != (rules[j].slow_traces ? sources : 0))
                fail("projection " + spec.projections[j].name + ": another plasticity rule");
            const row_source_lists row_source = row_sources_of(j);
            for (auto& ts : threads) {  // each row takes its source's state
                auto& rs = ts.rows[j];
                const auto& table = ts.tables[j];
                const auto& source_of = row_source[static_cast<std::size_t>(&ts - threads.data())][j];
                for (std::uint64_t row = 0; row < table.rows(); ++row) {
                    const std::uint32_t s = source_of[row];
                    rs.last_pre[row] = r.last_pre[s];
                    rs.x[row] = r.x[s];
                    if (!rs.x2.empty()) rs.x2[row] = r.x2[s];
                }
            }
        }
        if (!from.period_spikes.empty()) {
            if (from.period_spikes.size() != spec.populations.size()) fail("another number of populations");
            threads.front().period_spikes = from.period_spikes;
        }
    }
    if (rate_bins) {  // a format-3 checkpoint: every bin from 0, the window of its first flush here
        const std::size_t populations = spec.populations.size();
        if (from.rate_first < 0 || from.rate_first > rate_bins || from.rate_counts.size() % populations != 0 ||
            static_cast<std::int64_t>(from.rate_counts.size() / populations) > rate_bins - from.rate_first)
            fail("another number of rate bins");
        if (!from.rate_totals.empty() &&
            (from.rate_totals.size() != populations || from.rate_sums.size() != populations))
            fail("another number of populations");
        const std::size_t bins = from.rate_counts.size() / populations;
        rate_first = from.rate_first;
        rate_counts.assign(bins * populations, 0);
        for (std::size_t p = 0; p < populations; ++p)
            for (std::size_t k = 0; k < bins; ++k) rate_counts[k * populations + p] = from.rate_counts[p * bins + k];
        if (!from.rate_totals.empty()) {
            rate_totals = from.rate_totals;
            rate_sums = from.rate_sums;
        }
    }
    threads.front().spikes = from.spikes;
    threads.front().events = from.events;
    // State recorders: each thread's part of the samples so far, from the rank's columns by gid.
    if (from.traces.size() != spec.recording.state.size()) fail("another number of state recorders");
    for (std::size_t k = 0; k < from.traces.size(); ++k) {
        const auto& trace = from.traces[k];
        const std::size_t vars = spec.recording.state[k].variables.size(), samples = trace.times.size();
        if (trace.values.size() != samples * vars * trace.gids.size())
            fail("recorder " + spec.recording.state[k].name + " has the wrong size");
        for (auto& ts : threads) {
            auto& part_of_thread = ts.recorders[k];
            std::vector<std::size_t> column;
            for (const auto i : part_of_thread.neurons) {
                const auto it = std::lower_bound(trace.gids.begin(), trace.gids.end(), ts.layout->gids[i]);
                if (it == trace.gids.end() || *it != ts.layout->gids[i])
                    fail("recorder " + spec.recording.state[k].name + " lacks a neuron");
                column.push_back(static_cast<std::size_t>(it - trace.gids.begin()));
            }
            part_of_thread.values.clear();
            for (std::size_t s = 0; s < samples; ++s)
                for (std::size_t v = 0; v < vars; ++v)
                    for (const auto c : column)
                        part_of_thread.values.push_back(trace.values[(s * vars + v) * trace.gids.size() + c]);
        }
    }
    restored.homeostasis = from.homeostasis;
    restored.snapshots = from.snapshots;
    restored.pruning = from.pruning;
    if (from.patterns.size() != patterns.size() && !from.patterns.empty()) fail("another number of stimulus patterns");
    if (from.probe_spikes.size() != probe_spikes.size()) fail("another number of recall probes");
    restored.patterns = from.patterns;
    probe_spikes = from.probe_spikes;
    // The glial boost follows the last period's rate; the chosen neurons' records carry their ids.
    for (std::size_t p = 0; p < spec.populations.size(); ++p)
        if (spec.populations[p].scaling.enabled && p < restored.homeostasis.rate.size() &&
            !restored.homeostasis.rate[p].empty())
            glia[p] = plasticity::glial_boost(spec.populations[p].scaling, restored.homeostasis.rate[p].back());
    auto& recorded = restored.homeostasis.recorded;
    if (!restored.homeostasis.times.empty()) {
        if (recorded.size() != spec.recording.homeostasis.size()) fail("another number of homeostasis recorders");
        for (std::size_t k = 0; k < recorded.size(); ++k) {
            recorded[k].population = spec.recording.homeostasis[k].population;
            recorded[k].ids = spec.recording.homeostasis[k].ids;
        }
    }
    restore_schedule(from.schedule);
}

}  // namespace synorm::engine
