// Checkpoint files (layout: src/io/README.md, "Checkpoint files"), read by every rank on its own,
// keeping the gids it owns in the new layout.
#include "synorm/io/checkpoint_file.hpp"

#include <algorithm>
#include <numeric>

#include "checkpoint_format.hpp"
#include "synorm/network/partition.hpp"

namespace synorm::io {
using namespace detail;

namespace {

constexpr std::uint64_t read_block = std::uint64_t{1} << 24;  // elements per read of the synapse arrays

// Range checks of the indices a checkpoint holds, against the configuration, before anything uses
// them (in every build type): a checksum catches damage, not an edit that recomputed it.
struct ranges {
    const file& f;
    void fail(const std::string& dataset, std::uint64_t k, const std::string& value, const std::string& range) const {
        throw checkpoint_error("cannot read checkpoint '" + f.path + "': " + dataset + "[" + std::to_string(k) +
                               "] = " + value + " is outside " + range + " (damaged or edited)");
    }
    // Every element in [low, high).
    template <class T>
    void within(const std::string& dataset, const std::vector<T>& v, std::uint64_t low, std::uint64_t high,
                const std::string& range) const {
        for (std::size_t k = 0; k < v.size(); ++k)
            if (static_cast<std::uint64_t>(v[k]) < low || static_cast<std::uint64_t>(v[k]) >= high)
                fail(dataset, k, std::to_string(v[k]), range);
    }
    void steps(const std::string& dataset, const std::vector<std::int64_t>& v, std::int64_t last) const {
        for (std::size_t k = 0; k < v.size(); ++k)
            if (v[k] < 0 || v[k] > last)
                fail(dataset, k, std::to_string(v[k]),
                     "the steps before the checkpoint [0, " + std::to_string(last) + "]");
    }
};

std::string gids_range(std::uint64_t first, std::uint64_t end) {
    return "the gids [" + std::to_string(first) + ", " + std::to_string(end) + ")";
}

// Weight snapshots under `prefix`, as checkpoint_write.cpp writes them, keeping the synapses onto the
// reader's neurons.
template <class Mine>
std::vector<engine::weight_snapshot> read_snapshots(const file& f, const std::string& prefix, Mine&& mine,
                                                    std::uint64_t neurons, std::size_t projections) {
    std::vector<engine::weight_snapshot> out;
    for (std::size_t n = 0;; ++n) {
        const std::string g = prefix + "/" + std::to_string(n);
        if (!f.has(prefix) || !f.has(g)) break;
        h5::handle group(h5::check_id(H5Gopen2(f.id.get(), g.c_str(), H5P_DEFAULT), f.where(g), "opening the group"));
        engine::weight_snapshot snap;
        snap.projection = static_cast<std::uint32_t>(
            h5::read_attribute<std::uint64_t>(group.get(), "projection", f.where(g)).value_or(0));
        snap.time = h5::read_attribute<double>(group.get(), "time", f.where(g)).value_or(0.0);
        const auto sources = f.get<std::uint64_t>(g + "/source");
        const auto tgts = f.get<std::uint64_t>(g + "/target");
        const auto weights = f.get<float>(g + "/weight");
        if (sources.size() != tgts.size() || weights.size() != tgts.size())
            throw checkpoint_error("cannot read checkpoint '" + f.path + "': " + g + " sizes disagree");
        if (snap.projection >= projections)
            ranges{f}.fail(g + "@projection", 0, std::to_string(snap.projection), "the projections");
        ranges{f}.within(g + "/source", sources, 0, neurons, gids_range(0, neurons));
        ranges{f}.within(g + "/target", tgts, 0, neurons, gids_range(0, neurons));
        for (std::size_t k = 0; k < tgts.size(); ++k)
            if (mine(tgts[k])) {
                snap.sources.push_back(sources[k]);
                snap.targets.push_back(tgts[k]);
                snap.weights.push_back(weights[k]);
            }
        out.push_back(std::move(snap));
    }
    return out;
}

// The schedule's position and records as checkpoint_write.cpp writes them, with the synapses of the
// phase snapshots onto the reader's neurons.
template <class Mine>
engine::schedule_record read_schedule(const file& f, Mine&& mine, std::uint64_t neurons, std::size_t projections) {
    engine::schedule_record r;
    if (!f.has("/schedule")) return r;
    r.present = true;
    const std::string at = f.where("/schedule");
    const auto bad = [&](const std::string& what) {
        return checkpoint_error("cannot read checkpoint '" + f.path + "': /schedule " + what);
    };
    h5::handle g(h5::check_id(H5Gopen2(f.id.get(), "/schedule", H5P_DEFAULT), at, "opening the group"));
    const auto phase_next = h5::read_attribute<std::uint64_t>(g.get(), "phase_next", at);
    const auto phase_open = h5::read_attribute<std::int32_t>(g.get(), "phase_open", at);
    const auto shy_G = h5::read_attribute<double>(g.get(), "shy_G", at);
    const auto set_point = h5::read_attribute<double>(g.get(), "set_point", at);
    if (!phase_next || !phase_open || !shy_G || !set_point) throw bad("lacks its position");
    r.phase_next = *phase_next;
    r.phase_open = *phase_open != 0;
    r.shy_G = *shy_G;
    r.set_point = *set_point;
    r.shy_gain = f.get<float>("/schedule/shy_gain");
    r.shy_spare = f.get<float>("/schedule/shy_spare");
    r.synapse_count = f.get<double>("/schedule/synapse_count");
    const std::string names = f.get_text("/schedule/phases/names");
    const auto kind = f.get<std::uint32_t>("/schedule/phases/kind");
    const auto skipped = f.get<std::uint32_t>("/schedule/phases/skipped");
    const auto cycle = f.get<std::uint64_t>("/schedule/phases/cycle");
    std::vector<std::vector<double>> columns;  // [column][phase]
    for (const auto& [name, member] : phase_columns)
        columns.push_back(f.get<double>("/schedule/phases/" + std::string(name)));
    const std::size_t rows = kind.size();
    const auto pruned = f.has("/schedule/phases/pruned") ? f.get<std::uint64_t>("/schedule/phases/pruned")
                                                         : std::vector<std::uint64_t>(rows, 0);
    if (pruned.size() != rows) throw bad("phase table columns disagree");
    const auto wall =
        f.has("/schedule/phases/wall") ? f.get<double>("/schedule/phases/wall") : std::vector<double>(rows, 0.0);
    if (wall.size() != rows) throw bad("phase table columns disagree");
    for (const auto& column : columns)
        if (column.size() != rows) throw bad("phase table columns disagree");
    if (skipped.size() != rows || cycle.size() != rows) throw bad("phase table columns disagree");
    const std::size_t J = r.shy_gain.size();
    const auto projection_start = f.get<double>("/schedule/phases/projection_start");
    const auto projection_end = f.get<double>("/schedule/phases/projection_end");
    if (projection_start.size() != rows * J || projection_end.size() != rows * J)
        throw bad("phase table columns disagree");
    std::size_t from = 0;
    for (std::size_t k = 0; k < rows; ++k) {
        const std::size_t to = names.find('\n', from);
        if (to == std::string::npos) throw bad("phase table names disagree");
        engine::phase_record row;
        row.name = names.substr(from, to - from);
        from = to + 1;
        row.kind = static_cast<std::uint8_t>(kind[k]);
        row.skipped = skipped[k] != 0;
        row.cycle = cycle[k];
        for (std::size_t c = 0; c < columns.size(); ++c) row.*phase_columns[c].second = columns[c][k];
        row.projection_start.assign(projection_start.begin() + static_cast<std::ptrdiff_t>(k * J),
                                    projection_start.begin() + static_cast<std::ptrdiff_t>((k + 1) * J));
        row.projection_end.assign(projection_end.begin() + static_cast<std::ptrdiff_t>(k * J),
                                  projection_end.begin() + static_cast<std::ptrdiff_t>((k + 1) * J));
        row.pruned = pruned[k];
        row.wall = wall[k];
        r.phases.push_back(std::move(row));
    }
    r.weight.times = f.get<double>("/schedule/weight/times");
    r.weight.weight = f.get<double>("/schedule/weight/weight");
    r.weight.gain = f.get<double>("/schedule/weight/gain");
    if (r.weight.weight.size() != r.weight.times.size() || r.weight.gain.size() != r.weight.times.size())
        throw bad("weight course sizes disagree");
    // By group (the areas); absent from checkpoints of versions before them, which had no groups' W.
    const auto optional = [&](const std::string& name) {
        return f.has(name) ? f.get<double>(name) : std::vector<double>{};
    };
    r.weight.group_weight = optional("/schedule/weight/group_weight");
    r.weight.group_gain = optional("/schedule/weight/group_gain");
    r.weight.group_set_point = optional("/schedule/weight/group_set_point");
    r.group_G = optional("/schedule/group_G");
    const std::size_t G = r.weight.group_set_point.size(), samples = r.weight.times.size();
    if ((G > 0 && r.weight.group_weight.size() != samples * G && !r.weight.group_weight.empty()) ||
        (!r.weight.group_gain.empty() && r.weight.group_gain.size() != r.weight.group_weight.size()))
        throw bad("weight course by group sizes disagree");
    r.snapshots = read_snapshots(f, "/schedule/snapshots", mine, neurons, projections);
    return r;
}

}  // namespace

engine::checkpoint_state read_checkpoint(const std::string& path, const model::model_spec& spec, int rank, int ranks) {
    file f = open_for_reading(path);
    return reading(path, [&] {
        engine::checkpoint_state s;
        const hid_t r = f.id.get();
        const auto need = [&](auto value, const char* name) {
            if (!value)
                throw checkpoint_error("cannot read checkpoint '" + path + "': attribute '" + name + "' is missing");
            return *value;
        };
        s.step = need(h5::read_attribute<std::int64_t>(r, "step", f.where("/")), "step");
        s.total_steps = need(h5::read_attribute<std::int64_t>(r, "total_steps", f.where("/")), "total_steps");
        const double time = need(h5::read_attribute<double>(r, "time", f.where("/")), "time");
        const double dt = need(h5::read_attribute<double>(r, "dt", f.where("/")), "dt");
        const std::uint64_t N = spec.total_neurons();
        const auto D = static_cast<std::int64_t>(spec.min_delay_steps());
        if (dt != spec.simulation.dt ||
            s.total_steps != static_cast<std::int64_t>(spec.steps(spec.simulation.duration)) || s.step <= 0 ||
            s.step >= s.total_steps || s.step % D != 0 || time != static_cast<double>(s.step) * dt)
            throw checkpoint_error("cannot read checkpoint '" + path + "': its attributes step = " +
                                   std::to_string(s.step) + ", total_steps = " + std::to_string(s.total_steps) +
                                   ", time = " + std::to_string(time) + " ms and dt = " + std::to_string(dt) +
                                   " ms do not agree with each other and its configuration (damaged or edited)");
        const ranges check{f};
        // The reader's placement, whatever the writer's: the state is keyed by gid.
        const auto bounds = network::rank_bounds(spec, ranks);
        const auto mine = [&](std::uint64_t gid) { return network::partition::owner_rank(gid, ranks, bounds) == rank; };

        // Neurons: this rank's, ascending by gid.
        const auto gids = f.get<std::uint64_t>("/neurons/gid");
        if (gids.size() != N)
            throw checkpoint_error("cannot read checkpoint '" + path + "': /neurons/gid holds " +
                                   std::to_string(gids.size()) + " neurons, the configuration " + std::to_string(N));
        check.within("/neurons/gid", gids, 0, N, gids_range(0, N));
        std::vector<std::size_t> pick;
        for (std::size_t k = 0; k < gids.size(); ++k)
            if (mine(gids[k])) pick.push_back(k);
        std::sort(pick.begin(), pick.end(), [&](std::size_t a, std::size_t b) { return gids[a] < gids[b]; });
        for (const auto k : pick) s.gids.push_back(gids[k]);
        h5::handle neurons(
            h5::check_id(H5Gopen2(r, "/neurons", H5P_DEFAULT), f.where("/neurons"), "opening the group"));
        const auto names = h5::read_strings_attribute(neurons.get(), "fields", f.where("/neurons"))
                               .value_or(std::vector<std::string>{});
        const auto integer = h5::read_array_attribute<std::int32_t>(neurons.get(), "integer", f.where("/neurons"))
                                 .value_or(std::vector<std::int32_t>{});
        if (integer.size() != names.size())
            throw checkpoint_error("cannot read checkpoint '" + path + "': /neurons attributes disagree");
        for (std::size_t n = 0; n < names.size(); ++n) {
            engine::neuron_field field{names[n], "", {}, {}};
            const std::string name = "/neurons/" + names[n];
            if (f.size_of(name) != gids.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + name + " has the wrong size");
            if (integer[n] == 1) {
                const auto all = f.get<std::int64_t>(name);
                for (const auto k : pick) field.i64.push_back(all[k]);
            } else {
                const auto all = f.get<float>(name);
                for (const auto k : pick) field.f32.push_back(all[k]);
            }
            s.fields.push_back(std::move(field));
        }
        for (const auto& [port, out] :
             {std::pair{"excitatory", &s.pending_ex}, std::pair{"inhibitory", &s.pending_in}}) {
            const std::string g = std::string("/pending/") + port;
            const auto pg = f.get<std::uint64_t>(g + "/gid");
            const auto lag = f.get<std::uint32_t>(g + "/lag");
            const auto value = f.get<float>(g + "/value");
            if (lag.size() != pg.size() || value.size() != pg.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            check.within(g + "/gid", pg, 0, N, gids_range(0, N));
            check.within(g + "/lag", lag, 0, spec.max_delay_steps() + network::max_delay_offset + 1, "the delays");
            for (std::size_t k = 0; k < pg.size(); ++k)
                if (mine(pg[k])) {
                    out->gids.push_back(pg[k]);
                    out->lags.push_back(lag[k]);
                    out->values.push_back(value[k]);
                }
        }
        {
            const auto hg = f.get<std::uint64_t>("/history/gid");
            const auto count = f.get<std::uint32_t>("/history/count");
            const auto step = f.get<std::int64_t>("/history/step");
            const auto y = f.get<float>("/history/y");
            const auto o2 = f.get<float>("/history/o2");
            if (count.size() != hg.size() || y.size() != step.size() || o2.size() != step.size() ||
                std::accumulate(count.begin(), count.end(), std::uint64_t{0}) != step.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': /history sizes disagree");
            check.within("/history/gid", hg, 0, N, gids_range(0, N));
            check.steps("/history/step", step, s.step);
            std::uint64_t at = 0;
            for (std::size_t n = 0; n < hg.size(); ++n) {
                if (mine(hg[n])) {
                    s.history.gids.push_back(hg[n]);
                    s.history.counts.push_back(count[n]);
                    s.history.steps.insert(s.history.steps.end(), step.begin() + static_cast<std::ptrdiff_t>(at),
                                           step.begin() + static_cast<std::ptrdiff_t>(at + count[n]));
                    s.history.y.insert(s.history.y.end(), y.begin() + static_cast<std::ptrdiff_t>(at),
                                       y.begin() + static_cast<std::ptrdiff_t>(at + count[n]));
                    s.history.o2.insert(s.history.o2.end(), o2.begin() + static_cast<std::ptrdiff_t>(at),
                                        o2.begin() + static_cast<std::ptrdiff_t>(at + count[n]));
                }
                at += count[n];
            }
        }
        // Synapses: the blocks of this rank's targets, read in large slices, then ordered by target.
        for (std::size_t j = 0; j < spec.projections.size(); ++j) {
            const std::string g = "/synapses/" + std::to_string(j);
            if (!f.has(g))
                throw checkpoint_error("cannot read checkpoint '" + path + "': no synapses of projection " +
                                       std::to_string(j) + " (" + spec.projections[j].name + ")");
            const auto targets = f.get<std::uint64_t>(g + "/target");
            const auto counts = f.get<std::uint32_t>(g + "/count");
            const std::uint64_t total = f.size_of(g + "/source");
            if (counts.size() != targets.size() ||
                std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}) != total ||
                f.size_of(g + "/delay") != total || f.size_of(g + "/weight") != total)
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            const auto& projection = spec.projections[j];
            const std::uint64_t first_target = spec.first_gid(projection.target),
                                targets_end = first_target + spec.populations[projection.target].size;
            check.within(g + "/target", targets, first_target, targets_end,
                         gids_range(first_target, targets_end) + " of population " +
                             spec.populations[projection.target].name);
            const std::uint64_t sources_end = spec.populations[projection.source].size;
            const std::uint64_t delay_low = spec.min_delay_steps(),
                                delay_end = delay_low + network::max_delay_offset + 1;
            const bool tagged = f.has(g + "/tag");  // pruned projections
            if (tagged && f.size_of(g + "/tag") != total)
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            struct block {
                std::uint64_t gid, file_at, local_at;
                std::uint32_t count;
            };
            std::vector<block> blocks;
            std::uint64_t at = 0, local = 0;
            for (std::size_t n = 0; n < targets.size(); ++n) {
                if (mine(targets[n])) {
                    blocks.push_back({targets[n], at, local, counts[n]});
                    local += counts[n];
                }
                at += counts[n];
            }
            std::vector<std::uint32_t> src(local);
            std::vector<std::uint16_t> delay(local);
            std::vector<float> weight(local);
            std::vector<std::uint16_t> tag(tagged ? local : 0);
            std::vector<std::uint32_t> src_buf;
            std::vector<std::uint16_t> delay_buf, tag_buf;
            std::vector<float> weight_buf;
            // The content checksums cover whole datasets: rank 0 reads every slice and verifies them
            // (a mismatch there stops every rank: the build is agreed), while every other rank reads
            // only the slices that hold synapses of its own, so a resume reads the synapses about
            // twice in all, not once per rank. Fletcher32 checks every chunk that any rank reads.
            const bool whole = rank == 0;
            std::uint64_t sum_src = 0, sum_delay = 0, sum_weight = 0, sum_tag = 0;
            std::size_t b = 0;
            for (std::uint64_t first = 0; first < total; first += read_block) {
                const std::uint64_t n = std::min(read_block, total - first);
                if (!whole && (b >= blocks.size() || blocks[b].file_at >= first + n)) continue;
                src_buf.resize(n);
                delay_buf.resize(n);
                weight_buf.resize(n);
                f.read(g + "/source", first, n, src_buf.data());
                f.read(g + "/delay", first, n, delay_buf.data());
                f.read(g + "/weight", first, n, weight_buf.data());
                if (tagged) {
                    tag_buf.resize(n);
                    f.read(g + "/tag", first, n, tag_buf.data());
                    sum_tag += h5::content_sum(tag_buf.data(), n, first);
                }
                sum_src += h5::content_sum(src_buf.data(), n, first);
                sum_delay += h5::content_sum(delay_buf.data(), n, first);
                sum_weight += h5::content_sum(weight_buf.data(), n, first);
                for (std::uint64_t k = 0; k < n; ++k) {
                    if (src_buf[k] >= sources_end)
                        check.fail(g + "/source", first + k, std::to_string(src_buf[k]),
                                   "the population " + spec.populations[projection.source].name + " [0, " +
                                       std::to_string(sources_end) + ")");
                    if (delay_buf[k] < delay_low || delay_buf[k] >= delay_end)
                        check.fail(g + "/delay", first + k, std::to_string(delay_buf[k]),
                                   "the delays [" + std::to_string(delay_low) + ", " + std::to_string(delay_end) +
                                       ") steps");
                }
                for (std::size_t c = b; c < blocks.size() && blocks[c].file_at < first + n; ++c) {
                    const std::uint64_t lo = std::max(blocks[c].file_at, first),
                                        hi = std::min(blocks[c].file_at + blocks[c].count, first + n);
                    for (std::uint64_t k = lo; k < hi; ++k) {
                        const std::uint64_t to = blocks[c].local_at + (k - blocks[c].file_at);
                        src[to] = src_buf[k - first];
                        delay[to] = delay_buf[k - first];
                        weight[to] = weight_buf[k - first];
                        if (tagged) tag[to] = tag_buf[k - first];
                    }
                    if (blocks[c].file_at + blocks[c].count <= first + n) b = c + 1;
                }
            }
            if (whole) {
                f.verify(g + "/source", sum_src);
                f.verify(g + "/delay", sum_delay);
                f.verify(g + "/weight", sum_weight);
                if (tagged) f.verify(g + "/tag", sum_tag);
            }
            std::sort(blocks.begin(), blocks.end(), [](const block& x, const block& y) { return x.gid < y.gid; });
            network::synapse_list list;
            list.tagged = tagged;
            list.sources.reserve(local);
            list.delays.reserve(local);
            list.weights.reserve(local);
            for (const auto& bl : blocks) {
                list.targets.push_back(bl.gid);
                list.counts.push_back(bl.count);
                const auto from = static_cast<std::ptrdiff_t>(bl.local_at),
                           to = static_cast<std::ptrdiff_t>(bl.local_at + bl.count);
                list.sources.insert(list.sources.end(), src.begin() + from, src.begin() + to);
                list.delays.insert(list.delays.end(), delay.begin() + from, delay.begin() + to);
                list.weights.insert(list.weights.end(), weight.begin() + from, weight.begin() + to);
                if (tagged) list.tags.insert(list.tags.end(), tag.begin() + from, tag.begin() + to);
            }
            s.synapses.push_back(std::move(list));
        }
        s.rows.resize(spec.projections.size());
        for (std::size_t j = 0; j < spec.projections.size(); ++j) {
            const std::string g = "/rows/" + std::to_string(j);
            if (!f.has(g)) continue;
            s.rows[j].last_pre = f.get<std::int64_t>(g + "/last_pre");
            s.rows[j].x = f.get<float>(g + "/x");
            if (f.has(g + "/x2")) s.rows[j].x2 = f.get<float>(g + "/x2");
        }
        s.period_spikes = f.get<std::int64_t>("/counters/period_spikes");
        s.rate_counts = f.get<std::int64_t>("/counters/rate_counts");
        if (f.has("/counters/rate_first")) {  // format 4 on: the window from rate_first (format 3: every bin)
            const auto first = f.get<std::int64_t>("/counters/rate_first");
            if (first.size() != 1)
                throw checkpoint_error("cannot read checkpoint '" + path + "': /counters/rate_first is not one value");
            s.rate_first = first[0];
            s.rate_totals = f.get<std::int64_t>("/counters/rate_totals");
            s.rate_sums = f.get<double>("/counters/rate_sums");
        }
        if (f.has("/counters/probe_spikes")) s.probe_spikes = f.get<std::int64_t>("/counters/probe_spikes");
        if (rank != 0) std::fill(s.probe_spikes.begin(), s.probe_spikes.end(), 0);
        for (std::size_t k = 0; f.has("/records/patterns/" + std::to_string(k)); ++k) {
            const std::string g = "/records/patterns/" + std::to_string(k);
            engine::pattern_record p;
            p.projections = f.get<std::uint32_t>(g + "/projections");
            check.within(g + "/projections", p.projections, 0, spec.projections.size(), "the projections");
            p.weight_times = f.get<double>(g + "/weight_times");
            p.w_group = f.get<double>(g + "/w_group");
            p.w_rest = f.get<double>(g + "/w_rest");
            if (p.w_group.size() != p.weight_times.size() * p.projections.size() || p.w_rest.size() != p.w_group.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            s.patterns.push_back(std::move(p));
        }
        const auto totals = f.get<std::int64_t>("/counters/totals");
        if (rank != 0) {
            std::fill(s.period_spikes.begin(), s.period_spikes.end(), 0);
            std::fill(s.rate_counts.begin(), s.rate_counts.end(), 0);
        } else if (totals.size() == 2) {
            s.spikes = static_cast<std::uint64_t>(totals[0]);
            s.events = static_cast<std::uint64_t>(totals[1]);
        }
        auto& h = s.homeostasis;
        if (f.has("/records/pruning")) {
            const auto projection = f.get<std::uint32_t>("/records/pruning/projection");
            const auto time = f.get<double>("/records/pruning/time");
            const auto counts = f.get<std::uint64_t>("/records/pruning/counts");
            if (time.size() != projection.size() || counts.size() != 6 * projection.size())
                throw checkpoint_error("cannot read checkpoint '" + path + "': /records/pruning sizes disagree");
            check.within("/records/pruning/projection", projection, 0, spec.projections.size(), "the projections");
            for (std::size_t k = 0; k < projection.size(); ++k) {
                const std::uint64_t* c = counts.data() + 6 * k;
                s.pruning.push_back({projection[k], time[k], c[0], c[1], c[2], c[3], c[4], c[5]});
            }
        }
        h.times = f.get<double>("/records/homeostasis/times");
        const auto plastic = f.get<std::uint32_t>("/records/homeostasis/plastic");
        h.plastic.assign(plastic.begin(), plastic.end());
        for (const auto& name : homeostasis_series) {
            const auto flat = f.get<double>("/records/homeostasis/" + name);
            const auto lengths = f.get<std::uint64_t>("/records/homeostasis/" + name + "_lengths");
            auto& v = series(h, name);
            std::uint64_t at = 0;
            for (const auto n : lengths) {
                if (at + n > flat.size())
                    throw checkpoint_error("cannot read checkpoint '" + path +
                                           "': /records/homeostasis sizes disagree");
                v.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(at),
                               flat.begin() + static_cast<std::ptrdiff_t>(at + n));
                at += n;
            }
        }
        // Population and ids of the chosen neurons come from the configuration (engine restore).
        const auto recorders = f.get<std::uint64_t>("/records/homeostasis/recorders");
        h.recorded.resize(recorders.empty() ? 0 : static_cast<std::size_t>(recorders.front()));
        for (std::size_t k = 0; k < h.recorded.size(); ++k)
            for (const auto& name : recorded_series)
                recorded(h.recorded[k], name) =
                    f.get<float>("/records/homeostasis/neurons" + std::to_string(k) + "_" + name);
        s.snapshots = read_snapshots(f, "/records/snapshots", mine, N, spec.projections.size());
        s.schedule = read_schedule(f, mine, N, spec.projections.size());
        for (std::size_t k = 0; k < spec.recording.state.size(); ++k) {
            const std::string g = "/records/traces/" + std::to_string(k);
            if (!f.has("/records/traces") || !f.has(g))
                throw checkpoint_error("cannot read checkpoint '" + path + "': no samples of recorder " +
                                       spec.recording.state[k].name);
            engine::state_trace t;
            t.recorder = static_cast<std::uint32_t>(k);
            t.times = f.get<double>(g + "/times");
            const auto tg = f.get<std::uint64_t>(g + "/gid");
            check.within(g + "/gid", tg, 0, N, gids_range(0, N));
            const auto values = f.get<float>(g + "/values");
            const std::size_t samples = t.times.size(), vars = spec.recording.state[k].variables.size(),
                              per = samples * vars;
            if (values.size() != tg.size() * per)
                throw checkpoint_error("cannot read checkpoint '" + path + "': " + g + " sizes disagree");
            std::vector<std::size_t> cols;
            for (std::size_t c = 0; c < tg.size(); ++c)
                if (mine(tg[c])) cols.push_back(c);
            std::sort(cols.begin(), cols.end(), [&](std::size_t a, std::size_t b2) { return tg[a] < tg[b2]; });
            for (const auto c : cols) t.gids.push_back(tg[c]);
            t.values.resize(per * cols.size());
            for (std::size_t c = 0; c < cols.size(); ++c)
                for (std::size_t m = 0; m < samples; ++m)
                    for (std::size_t v = 0; v < vars; ++v)
                        t.values[(m * vars + v) * cols.size() + c] = values[cols[c] * per + m * vars + v];
            s.traces.push_back(std::move(t));
        }
        return s;
    });
}

}  // namespace synorm::io
