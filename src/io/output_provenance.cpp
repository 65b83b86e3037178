// io::output_file, /provenance: how, where and how fast the run ran, rank 0's values.
#include "synorm/io/output_file.hpp"

#include <cstring>
#include <type_traits>

#include "output_writer.hpp"

namespace synorm::io {

namespace {

// Calls f(name, field) for every provenance field, in a fixed order: the attribute names of
// /provenance, and the wire order when rank 0's provenance is broadcast.
template <class P, class F>
void for_each_field(P& p, F&& f) {
    f("version", p.version);
    f("git_revision", p.git_revision);
    f("host", p.host);
    f("start_time", p.start_time);
    f("end_time", p.end_time);
    f("ranks", p.ranks);
    f("threads", p.threads);
    f("seed", p.seed);
    f("wall_time", p.wall_time);
    f("simulated_time", p.simulated_time);
    f("real_time_factor", p.real_time_factor);
    f("synapses", p.synapses);
    f("spikes", p.spikes);
    f("synaptic_events", p.synaptic_events);
    f("loop_time", p.loop_time);
    f("peak_rss_bytes", p.peak_rss_bytes);
    f("synapse_bytes", p.synapse_bytes);
    f("time_build", p.time_build);
    f("time_update", p.time_update);
    f("time_deliver", p.time_deliver);
    f("time_exchange", p.time_exchange);
    f("time_record", p.time_record);
    f("min_delay_steps", p.min_delay_steps);
    f("exchange", p.exchange);
    f("exchange_setting", p.exchange_setting);
    f("exchange_fraction", p.exchange_fraction);
    f("overlap", p.overlap);
    f("overlap_setting", p.overlap_setting);
    f("exchange_structure", p.structure);
    f("time_wait", p.time_wait);
    f("exchange_bytes_sent", p.exchange_bytes_sent);
    f("exchange_bytes_received", p.exchange_bytes_received);
    f("targets_time", p.targets_time);
    f("targets_bytes", p.targets_bytes);
    f("placement", p.placement);
    f("rank_neurons", p.rank_neurons);
    f("rank_synapses", p.rank_synapses);
    f("rank_spikes", p.rank_spikes);
    f("rank_events", p.rank_events);
    f("rank_received", p.rank_received);
    f("rank_rows", p.rank_rows);
    f("synapses_per_rank", p.synapses_per_rank);
    f("synapse_checksum", p.synapse_checksum);
    f("dry_run", p.dry_run);
    if (!p.dry_run.empty()) {  // read before this line: the same on the packing and unpacking side
        f("dry_run_counts", p.dry_run_counts);
        f("dry_run_exchange", p.dry_run_exchange);
    }
    f("phase_work_columns", p.phase_work_columns);
    if (p.phase_work_columns.empty()) return;  // as dry_run
    f("phase_work", p.phase_work);
    f("phase_cpu", p.phase_cpu);
}

// Byte packing of provenance fields for comm.broadcast (same process image on every rank).
struct packer {
    std::string bytes;
    template <class T>
    requires std::is_trivially_copyable_v<T>
    void operator()(const char*, const T& value) { bytes.append(reinterpret_cast<const char*>(&value), sizeof value); }
    void operator()(const char* name, const std::string& value) {
        (*this)(name, static_cast<std::uint64_t>(value.size()));
        bytes += value;
    }
    template <class T>
    void operator()(const char* name, const std::vector<T>& values) {
        (*this)(name, static_cast<std::uint64_t>(values.size()));
        bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    }
};

struct unpacker {
    const std::string& bytes;
    std::size_t at = 0;
    void take(void* out, std::size_t n) {
        if (at + n > bytes.size()) throw io_error("provenance broadcast from rank 0 is truncated");
        if (n) std::memcpy(out, bytes.data() + at, n);
        at += n;
    }
    template <class T>
    requires std::is_trivially_copyable_v<T>
    void operator()(const char*, T& value) { take(&value, sizeof value); }
    void operator()(const char* name, std::string& value) {
        std::uint64_t n = 0;
        (*this)(name, n);
        value.resize(n);
        take(value.data(), n);
    }
    template <class T>
    void operator()(const char* name, std::vector<T>& values) {
        std::uint64_t n = 0;
        (*this)(name, n);
        values.resize(n);
        take(values.data(), n * sizeof(T));
    }
};

}  // namespace

void output_file::write_provenance(const provenance& p) {
    auto& s = *impl_;
    s.require_open("write_provenance");
    // Attributes are metadata and must be identical on every rank; fields such as host and the
    // timers differ between ranks, so rank 0's provenance is the one written.
    packer pack;
    for_each_field(p, pack);
    s.comm.broadcast(pack.bytes, 0);
    provenance agreed;
    s.collective([&] {
        unpacker unpack{pack.bytes};
        for_each_field(agreed, unpack);
    });
    s.collective([&] {
        const std::string here = s.where("/provenance");
        h5::handle group = s.open_or_create_group(s.file.get(), "provenance", "/provenance");
        for_each_field(
            agreed, [&](const char* name, const auto& value) { h5::write_attribute(group.get(), name, value, here); });
        s.flush("writing the provenance");
    });
}

}  // namespace synorm::io
