// Checkpoint files (layout: src/io/README.md, "Checkpoint files"). Written with serial HDF5 by one
// rank after the other into one temporary file, each appending its part to extendible datasets, so
// that no rank ever holds more than its own state and the file does not depend on parallel HDF5's
// collective rules; then completed and renamed by rank 0.
#include "synorm/io/checkpoint_file.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "checkpoint_format.hpp"
#include "synorm/version.hpp"

namespace synorm::io {
using namespace detail;

namespace {

namespace fs = std::filesystem;

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// fsync of a file or directory: the rename that publishes a checkpoint must not overtake its data.
void sync_path(const std::string& path, bool directory) {
    const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return;
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0 && !directory)
        throw io_error(path + ": syncing the checkpoint to disk failed (" + std::strerror(errno) + ")");
}

// Weight snapshots under `prefix` ("/records/snapshots"): one group each, to which every rank appends
// its part; read back (checkpoint_read.cpp) keeping the synapses onto the reader's neurons.
void create_snapshots(file& f, const std::string& prefix, const std::vector<engine::weight_snapshot>& snapshots) {
    for (std::size_t n = 0; n < snapshots.size(); ++n) {
        const std::string g = prefix + "/" + std::to_string(n);
        const std::uint64_t n_snap = snapshots[n].weights.size();
        f.create<std::uint64_t>(g + "/source", n_snap);
        f.create<std::uint64_t>(g + "/target", n_snap);
        f.create<float>(g + "/weight", n_snap);
        h5::handle group = f.group(g);
        h5::write_attribute(group.get(), "projection", static_cast<std::uint64_t>(snapshots[n].projection), f.where(g));
        h5::write_attribute(group.get(), "time", snapshots[n].time, f.where(g));
    }
}

void append_snapshots(file& f, const std::string& prefix, const std::vector<engine::weight_snapshot>& snapshots) {
    for (std::size_t n = 0; n < snapshots.size(); ++n) {
        const std::string g = prefix + "/" + std::to_string(n);
        f.append(g + "/source", snapshots[n].sources);
        f.append(g + "/target", snapshots[n].targets);
        f.append(g + "/weight", snapshots[n].weights);
    }
}

// The schedule's position and records (engine::schedule_record): global, written by rank 0; the
// phase snapshots are appended by every rank. A table of rows as one dataset per column.
void create_schedule(file& f, const engine::schedule_record& r) {
    if (!r.present) return;
    {
        h5::handle g = f.group("/schedule");
        const std::string at = f.where("/schedule");
        h5::write_attribute(g.get(), "phase_next", static_cast<std::uint64_t>(r.phase_next), at);
        h5::write_attribute(g.get(), "phase_open", static_cast<std::int32_t>(r.phase_open ? 1 : 0), at);
        h5::write_attribute(g.get(), "shy_G", r.shy_G, at);
        h5::write_attribute(g.get(), "set_point", r.set_point, at);
    }
    f.put("/schedule/shy_gain", r.shy_gain);
    f.put("/schedule/shy_spare", r.shy_spare);
    f.put("/schedule/synapse_count", r.synapse_count);
    std::string names;
    std::vector<std::uint32_t> kind, skipped;
    std::vector<std::uint64_t> cycle;
    std::vector<std::vector<double>> columns(std::size(phase_columns));  // [column][phase]
    // [phase][projection]: the per-projection totals; an open phase has no end yet (NaN).
    std::vector<double> projection_start, projection_end;
    std::vector<std::uint64_t> pruned;
    std::vector<double> wall;  // s; for the open phase, so far
    const std::size_t J = r.shy_gain.size();
    for (const auto& row : r.phases) {
        pruned.push_back(row.pruned);
        wall.push_back(row.wall);
        for (std::size_t j = 0; j < J; ++j) {
            projection_start.push_back(j < row.projection_start.size() ? row.projection_start[j] : NAN);
            projection_end.push_back(j < row.projection_end.size() ? row.projection_end[j] : NAN);
        }
        names += row.name + "\n";
        kind.push_back(row.kind);
        skipped.push_back(row.skipped ? 1 : 0);
        cycle.push_back(row.cycle);
        for (std::size_t c = 0; c < columns.size(); ++c) columns[c].push_back(row.*phase_columns[c].second);
    }
    f.group("/schedule/phases");
    f.put_text("/schedule/phases/names", names);
    f.put("/schedule/phases/kind", kind);
    f.put("/schedule/phases/skipped", skipped);
    f.put("/schedule/phases/cycle", cycle);
    for (std::size_t c = 0; c < columns.size(); ++c)
        f.put("/schedule/phases/" + std::string(phase_columns[c].first), columns[c]);
    f.put("/schedule/phases/projection_start", projection_start);
    f.put("/schedule/phases/projection_end", projection_end);
    f.put("/schedule/phases/pruned", pruned);
    f.put("/schedule/phases/wall", wall);
    f.put("/schedule/weight/times", r.weight.times);
    f.put("/schedule/weight/weight", r.weight.weight);
    f.put("/schedule/weight/gain", r.weight.gain);
    f.put("/schedule/weight/group_weight", r.weight.group_weight);
    f.put("/schedule/weight/group_gain", r.weight.group_gain);
    f.put("/schedule/weight/group_set_point", r.weight.group_set_point);
    f.put("/schedule/group_G", r.group_G);
    create_snapshots(f, "/schedule/snapshots", r.snapshots);
}

// Rank 0, first: the file, its metadata and the global parts, and every dataset the ranks append to.
void create_file(file& f, const engine::checkpoint_state& s, const checkpoint_info& info,
                 const std::vector<std::int64_t>& counters, const std::vector<std::int64_t>& period_spikes,
                 const std::vector<std::int64_t>& rate_counts, const std::vector<std::int64_t>& probe_spikes) {
    const std::string root = f.where("/");
    h5::handle fapl = file_access(root);
    const hid_t id = H5Fcreate(f.path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (id < 0) {
        const std::string detail = h5::error_detail();
        throw io_error("cannot create checkpoint file '" + f.path + "'" +
                       (detail.empty() ? "" : " (HDF5: " + detail + ")"));
    }
    f.id = h5::handle(id);
    const hid_t r = f.id.get();
    h5::write_attribute(r, "format", "synorm-checkpoint", root);
    h5::write_attribute(r, "format_version", checkpoint_version, root);
    h5::write_attribute(r, "step", s.step, root);
    h5::write_attribute(r, "total_steps", s.total_steps, root);
    h5::write_attribute(r, "time", info.time_ms, root);
    h5::write_attribute(r, "dt", info.dt, root);
    h5::write_attribute(r, "ranks", static_cast<std::int32_t>(info.ranks), root);
    h5::write_attribute(r, "threads", static_cast<std::int32_t>(info.threads), root);
    h5::write_attribute(r, "config_hash", info.config_hash, root);
    h5::write_attribute(r, "output", info.output, root);
    h5::write_attribute(r, "created", utc_now(), root);
    h5::write_attribute(r, "version", std::string(synorm::version) + " (" + synorm::git_revision + ")", root);
    h5::write_attribute(r, "finished", static_cast<std::int32_t>(info.finished ? 1 : 0), root);
    f.put_text("/config", info.config_yaml);
    f.put("/output_spikes", info.output_spikes);
    f.put("/output_rate_bins", std::vector<std::int64_t>{info.output_rate_bins});

    f.create<std::uint64_t>("/neurons/gid", s.gids.size());
    std::vector<std::string> names;
    // Rank 0 owns gid 0, so its fields tell the types: 64-bit integers or floats.
    std::vector<std::int32_t> integer;
    for (const auto& field : s.fields) {
        names.push_back(field.name);
        integer.push_back(field.i64.empty() ? 0 : 1);
        if (integer.back()) f.create<std::int64_t>("/neurons/" + field.name, s.gids.size(), field.unit.c_str());
        else
            f.create<float>("/neurons/" + field.name, s.gids.size(), field.unit.c_str());
    }
    {
        h5::handle g = f.group("/neurons");
        h5::write_attribute(g.get(), "fields", names, f.where("/neurons"));
        h5::write_attribute(g.get(), "integer", integer, f.where("/neurons"));
    }
    for (const char* port : {"excitatory", "inhibitory"}) {
        const std::string g = std::string("/pending/") + port;
        const std::uint64_t n = (std::string(port) == "excitatory" ? s.pending_ex : s.pending_in).gids.size();
        f.create<std::uint64_t>(g + "/gid", n);
        f.create<std::uint32_t>(g + "/lag", n);
        f.create<float>(g + "/value", n);
    }
    f.create<std::uint64_t>("/history/gid", s.history.gids.size());
    f.create<std::uint32_t>("/history/count", s.history.gids.size());
    f.create<std::int64_t>("/history/step", s.history.steps.size());
    f.create<float>("/history/y", s.history.steps.size());
    f.create<float>("/history/o2", s.history.steps.size());
    for (std::size_t j = 0; j < s.synapses.size(); ++j) {
        const std::string g = "/synapses/" + std::to_string(j);
        const auto& list = s.synapses[j];
        f.create<std::uint64_t>(g + "/target", list.targets.size());
        f.create<std::uint32_t>(g + "/count", list.targets.size());
        f.create<std::uint32_t>(g + "/source", list.size());
        f.create<std::uint16_t>(g + "/delay", list.size(), "steps");
        f.create<float>(g + "/weight", list.size());
        if (list.tagged) f.create<std::uint16_t>(g + "/tag", list.size(), "homeostasis checks");
    }
    for (std::size_t j = 0; j < s.rows.size(); ++j) {
        if (s.rows[j].last_pre.empty()) continue;
        const std::string g = "/rows/" + std::to_string(j);
        f.put(g + "/last_pre", s.rows[j].last_pre);
        f.put(g + "/x", s.rows[j].x);
        if (!s.rows[j].x2.empty()) f.put(g + "/x2", s.rows[j].x2);
    }
    f.put("/counters/period_spikes", period_spikes);
    f.put("/counters/rate_counts", rate_counts);
    f.put("/counters/rate_first", std::vector<std::int64_t>{s.rate_first});  // the same on every rank
    f.put("/counters/rate_totals", s.rate_totals);
    f.put("/counters/rate_sums", s.rate_sums);
    f.put("/counters/probe_spikes", probe_spikes);
    for (std::size_t k = 0; k < s.patterns.size(); ++k) {  // the engram samples so far
        const auto& p = s.patterns[k];
        const std::string g = "/records/patterns/" + std::to_string(k);
        f.put(g + "/projections", p.projections);
        f.put(g + "/weight_times", p.weight_times);
        f.put(g + "/w_group", p.w_group);
        f.put(g + "/w_rest", p.w_rest);
    }
    f.put("/counters/totals", counters);
    const auto& h = s.homeostasis;
    {  // pruning points so far: one column per field
        std::vector<std::uint32_t> projection;
        std::vector<double> time;
        std::vector<std::uint64_t> counts;  // [point][below, tagged, removed, synapses, bytes_before, bytes_after]
        for (const auto& p : s.pruning) {
            projection.push_back(p.projection);
            time.push_back(p.time);
            counts.insert(counts.end(), {p.below, p.tagged, p.removed, p.synapses, p.bytes_before, p.bytes_after});
        }
        f.put("/records/pruning/projection", projection);
        f.put("/records/pruning/time", time);
        f.put("/records/pruning/counts", counts);
    }
    f.put("/records/homeostasis/times", h.times);
    std::vector<std::uint32_t> plastic(h.plastic.begin(), h.plastic.end());
    f.put("/records/homeostasis/plastic", plastic);
    for (const auto& name : homeostasis_series) {
        auto& v = series(const_cast<engine::homeostasis_trace&>(h), name);
        std::vector<double> flat;
        std::vector<std::uint64_t> lengths;
        for (const auto& row : v) {
            lengths.push_back(row.size());
            flat.insert(flat.end(), row.begin(), row.end());
        }
        f.put("/records/homeostasis/" + name, flat);
        f.put("/records/homeostasis/" + name + "_lengths", lengths);
    }
    std::vector<std::uint64_t> recorders{h.recorded.size()};
    f.put("/records/homeostasis/recorders", recorders);
    for (std::size_t k = 0; k < h.recorded.size(); ++k)
        for (const auto& name : recorded_series)
            f.put("/records/homeostasis/neurons" + std::to_string(k) + "_" + name,
                  recorded(const_cast<engine::homeostasis_trace::neurons&>(h.recorded[k]), name));
    create_snapshots(f, "/records/snapshots", s.snapshots);
    create_schedule(f, s.schedule);
    for (std::size_t k = 0; k < s.traces.size(); ++k) {
        const std::string g = "/records/traces/" + std::to_string(k);
        f.create<std::uint64_t>(g + "/gid", s.traces[k].gids.size());
        f.create<float>(g + "/values", s.traces[k].values.size());
        h5::handle group = f.group(g);
        h5::write_attribute(group.get(), "samples", static_cast<std::uint64_t>(s.traces[k].times.size()), f.where(g));
        f.put(g + "/times", s.traces[k].times);
    }
}

// Each rank in turn: its part, appended.
void append_part(file& f, const engine::checkpoint_state& s) {
    f.append("/neurons/gid", s.gids);
    for (const auto& field : s.fields) {
        if (!field.i64.empty()) f.append("/neurons/" + field.name, field.i64);
        else
            f.append("/neurons/" + field.name, field.f32);
    }
    const auto pending = [&](const engine::pending_input& p, const std::string& g) {
        f.append(g + "/gid", p.gids);
        f.append(g + "/lag", p.lags);
        f.append(g + "/value", p.values);
    };
    pending(s.pending_ex, "/pending/excitatory");
    pending(s.pending_in, "/pending/inhibitory");
    f.append("/history/gid", s.history.gids);
    f.append("/history/count", s.history.counts);
    f.append("/history/step", s.history.steps);
    f.append("/history/y", s.history.y);
    f.append("/history/o2", s.history.o2);
    for (std::size_t j = 0; j < s.synapses.size(); ++j) {
        const std::string g = "/synapses/" + std::to_string(j);
        const auto& list = s.synapses[j];
        f.append(g + "/target", list.targets);
        f.append(g + "/count", list.counts);
        f.append(g + "/source", list.sources);
        f.append(g + "/delay", list.delays);
        f.append(g + "/weight", list.weights);
        if (list.tagged) f.append(g + "/tag", list.tags);
    }
    append_snapshots(f, "/records/snapshots", s.snapshots);
    append_snapshots(f, "/schedule/snapshots", s.schedule.snapshots);
    // State traces by neuron: [neuron][sample][variable], so that the ranks' parts concatenate.
    for (std::size_t k = 0; k < s.traces.size(); ++k) {
        const auto& t = s.traces[k];
        const std::string g = "/records/traces/" + std::to_string(k);
        const std::size_t cols = t.gids.size(), samples = t.times.size();
        const std::size_t vars = cols && samples ? t.values.size() / (cols * samples) : 0;
        std::vector<float> by_neuron;
        by_neuron.reserve(t.values.size());
        for (std::size_t c = 0; c < cols; ++c)
            for (std::size_t m = 0; m < samples; ++m)
                for (std::size_t v = 0; v < vars; ++v) by_neuron.push_back(t.values[(m * vars + v) * cols + c]);
        f.append(g + "/gid", t.gids);
        f.append(g + "/values", by_neuron);
    }
}

// Bytes of this rank's state as the checkpoint stores it (the file holds the same arrays).
std::uint64_t state_bytes(const engine::checkpoint_state& s) {
    std::uint64_t n = s.gids.size() * 8;
    for (const auto& f : s.fields) n += f.f32.size() * 4 + f.i64.size() * 8;
    for (const auto* p : {&s.pending_ex, &s.pending_in}) n += p->gids.size() * 16;
    n += s.history.gids.size() * 12 + s.history.steps.size() * 16;
    for (const auto& l : s.synapses) n += l.targets.size() * 12 + l.sources.size() * 10;
    for (const auto& r : s.rows) n += r.last_pre.size() * 8 + (r.x.size() + r.x2.size()) * 4;
    for (const auto* snaps : {&s.snapshots, &s.schedule.snapshots})
        for (const auto& w : *snaps) n += w.weights.size() * 20;
    for (const auto& t : s.traces) n += t.values.size() * 4 + t.gids.size() * 8;
    return n;
}

}  // namespace

std::uint64_t write_checkpoint(const std::string& path, const engine::checkpoint_state& state,
                               const checkpoint_info& info, comm::communicator& comm) {
    h5::silence_hdf5_errors();
    const std::string tmp = path + ".tmp";
    const int rank = comm.rank();
    // The counters every rank holds a part of: summed, so any later layout can take them whole.
    std::vector<std::int64_t> period_spikes = state.period_spikes, rate_counts = state.rate_counts,
                              probe_spikes = state.probe_spikes;
    std::vector<std::int64_t> totals{static_cast<std::int64_t>(state.spikes), static_cast<std::int64_t>(state.events)};
    comm.sum(period_spikes);
    comm.sum(rate_counts);
    comm.sum(probe_spikes);
    comm.sum(totals);

    // Each step ends in an agreement; on failure every rank throws the lowest failing rank's message
    // and the temporary file goes, so a complete checkpoint of that name is never replaced by a part.
    const auto step = [&](auto&& body) {
        std::string error;
        try {
            body();
        } catch (const std::exception& e) {
            error = e.what();
        }
        const bool failed = !error.empty();
        if (comm.max(failed ? 1 : 0) == 0) return;
        const auto root = static_cast<int>(comm.min(failed ? rank : INT_MAX));
        comm.broadcast(error, root);
        if (rank == 0) {
            std::error_code ec;
            fs::remove(tmp, ec);
        }
        throw io_error(error + (comm.size() > 1 && root != 0 ? " [rank " + std::to_string(root) + "]" : ""));
    };
    // Room for it, checked first: HDF5 that runs out of space half-way through a write can neither
    // close the file nor be shut down cleanly (it crashes at exit), so a full disk is caught here,
    // before the temporary file exists. The state's own size, plus a margin for HDF5's metadata.
    std::vector<std::int64_t> need{static_cast<std::int64_t>(state_bytes(state))};
    comm.sum(need);
    step([&] {
        if (rank != 0) return;
        const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
        struct statvfs fsinfo {};
        if (::statvfs(dir.c_str(), &fsinfo) != 0) return;  // unknown: the write itself will tell
        const auto free_bytes = static_cast<double>(fsinfo.f_bavail) * static_cast<double>(fsinfo.f_frsize);
        const double wanted = static_cast<double>(need[0]) * 1.05 + 1048576.0;
        if (free_bytes < wanted)
            throw io_error("no room for checkpoint '" + path + "': it needs about " +
                           std::to_string(static_cast<long long>(wanted / 1048576.0 + 1)) + " MiB and " +
                           std::to_string(static_cast<long long>(free_bytes / 1048576.0)) +
                           " MiB are free on its file system");
    });
    step([&] {
        if (rank != 0) return;
        file f{tmp, {}};
        create_file(f, state, info, totals, period_spikes, rate_counts, probe_spikes);
        if (H5Fclose(f.id.release()) < 0) h5::fail(f.where("/"), "closing the file");
    });
    for (int r = 0; r < comm.size(); ++r)
        step([&] {
            if (rank != r) return;
            h5::handle fapl = file_access(tmp);
            const hid_t id = H5Fopen(tmp.c_str(), H5F_ACC_RDWR, fapl.get());
            if (id < 0) h5::fail(tmp, "opening the checkpoint for this rank's part");
            file f{tmp, h5::handle(id)};
            append_part(f, state);
            if (H5Fclose(f.id.release()) < 0) h5::fail(f.where("/"), "closing the file");
        });
    std::uint64_t bytes = 0;
    step([&] {
        if (rank != 0) return;
        h5::handle fapl = file_access(tmp);
        const hid_t id = H5Fopen(tmp.c_str(), H5F_ACC_RDWR, fapl.get());
        if (id < 0) h5::fail(tmp, "opening the checkpoint to complete it");
        file f{tmp, h5::handle(id)};
        h5::write_attribute(f.id.get(), "complete", std::int32_t{1}, f.where("/"));
        write_manifest(f);
        h5::check(H5Fflush(f.id.get(), H5F_SCOPE_GLOBAL), f.where("/"), "flushing");
        if (H5Fclose(f.id.release()) < 0) h5::fail(f.where("/"), "closing the file");
        sync_path(tmp, false);
        std::error_code ec;
        fs::rename(tmp, path, ec);
        if (ec) throw io_error("cannot rename checkpoint '" + tmp + "' to '" + path + "': " + ec.message());
        const fs::path dir = fs::path(path).parent_path();
        sync_path(dir.empty() ? "." : dir.string(), true);
        bytes = fs::file_size(path, ec);
    });
    std::vector<std::int64_t> size{static_cast<std::int64_t>(bytes)};
    comm.sum(size);
    return static_cast<std::uint64_t>(size[0]);
}

}  // namespace synorm::io
