// What `synorm run` reports when it ends (run_report.hpp).
#include "run_report.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <utility>
#include <vector>

#include "memory_check.hpp"
#include "synorm/version.hpp"

namespace synorm::app {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

namespace {

std::string host_name() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

// A hex word for messages: the synapse checksum.
std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

io::provenance make_provenance(comm::communicator& comm, const comm::dry_run_communicator* dry,
                               const model::model_spec& spec, const engine::simulation& sim, const engine::results& res,
                               int threads, std::uint64_t synapses, std::uint64_t checksum,
                               const std::string& start_time, double process_start) {
    const auto per_rank = [&](std::int64_t v) { return comm.all_gather(v); };
    io::provenance p;
    p.version = synorm::version;
    p.git_revision = synorm::git_revision;
    p.host = host_name();
    p.start_time = start_time;
    p.ranks = dry ? dry->size() : comm.size();
    p.threads = threads;
    p.seed = spec.simulation.seed;
    p.simulated_time = spec.simulation.duration;
    p.synapses = synapses;
    std::vector<std::int64_t> counts{static_cast<std::int64_t>(res.local_spikes),
                                     static_cast<std::int64_t>(res.local_events)};
    comm.sum(counts);
    p.spikes = static_cast<std::uint64_t>(counts[0]);
    p.synaptic_events = static_cast<std::uint64_t>(counts[1]);
    p.loop_time = static_cast<double>(comm.max(static_cast<std::int64_t>(res.time.total * 1e9))) * 1e-9;
    // The slowest rank, over the part this process simulated (a resumed run starts at its checkpoint).
    const double simulated_ms = spec.simulation.duration - static_cast<double>(res.first_step) * spec.simulation.dt;
    p.real_time_factor = p.loop_time / (std::max(simulated_ms, spec.simulation.dt) * 1e-3);
    p.peak_rss_bytes = per_rank(peak_rss_bytes());
    p.synapse_bytes = per_rank(static_cast<std::int64_t>(sim.synapse_bytes()));
    p.synapses_per_rank = per_rank(static_cast<std::int64_t>(sim.local_synapses()));
    p.synapse_checksum = per_rank(static_cast<std::int64_t>(checksum));
    const auto gather_seconds = [&](double s) {
        std::vector<double> all(static_cast<std::size_t>(comm.size()), 0.0);
        all[static_cast<std::size_t>(comm.rank())] = s;
        comm.sum(all);
        return all;
    };
    p.time_build = gather_seconds(res.time.build);
    p.time_update = gather_seconds(res.time.update);
    p.time_deliver = gather_seconds(res.time.deliver);
    p.time_exchange = gather_seconds(res.time.exchange);
    p.time_record = gather_seconds(res.time.record);
    p.min_delay_steps = static_cast<std::uint64_t>(sim.min_delay_steps());
    const engine::exchange_report& plan = sim.exchange();
    const auto word = [](model::exchange_strategy e) {
        return e == model::exchange_strategy::allgather  ? "allgather"
               : e == model::exchange_strategy::alltoall ? "alltoall"
                                                         : "auto";
    };
    p.exchange = word(plan.strategy);
    p.exchange_setting = word(plan.setting);
    p.exchange_fraction = plan.built ? plan.largest_fraction : -1.0;
    p.overlap = plan.overlap ? "on" : "off";
    p.overlap_setting = plan.overlap_setting == model::overlap_setting::on    ? "on"
                        : plan.overlap_setting == model::overlap_setting::off ? "off"
                                                                              : "auto";
    p.structure = plan.structured ? "groups: " + std::to_string(plan.clusters) + " clusters, all ranks every " +
                                        std::to_string(plan.outer_steps) + " steps"
                  : plan.structure_note.empty() ? "flat"
                                                : "flat (" + plan.structure_note + ")";
    p.time_wait = gather_seconds(res.time.wait);
    // Per interval: under overlap each interval is two exchanges (one per half).
    const double exchanges = std::max(1.0, static_cast<double>(res.exchanges) / (plan.overlap ? 2.0 : 1.0));
    p.exchange_bytes_sent = gather_seconds(static_cast<double>(res.bytes_sent) / exchanges);
    p.exchange_bytes_received = gather_seconds(static_cast<double>(res.bytes_received) / exchanges);
    p.targets_time = gather_seconds(plan.build_seconds);
    p.targets_bytes = comm.all_gather(static_cast<std::int64_t>(plan.build_bytes_sent + plan.build_bytes_received));
    if (dry) {
        p.dry_run = "rank " + std::to_string(dry->rank()) + " of " + std::to_string(dry->size());
        const comm::dry_run_counts& c = dry->counts();
        for (const std::uint64_t v :
             {c.intervals, c.local_spikes, c.remote_spikes, c.messages, c.bytes_sent, c.bytes_received})
            p.dry_run_counts.push_back(static_cast<std::int64_t>(v));
        p.dry_run_exchange = {spec.dry_run.latency * 1e-3, spec.dry_run.bandwidth * 1e9,
                              dry->modelled_exchange_seconds()};
    }
    if (!res.work_by_phase.empty()) {
        p.phase_work_columns = "spikes events plastic_pre plastic_post received rows exchanges bytes_received";
        for (const engine::phase_work& w : res.work_by_phase) {
            for (const std::uint64_t v :
                 {w.spikes, w.events, w.plastic_pre, w.plastic_post, w.received, w.rows, w.exchanges, w.bytes_received})
                p.phase_work.push_back(static_cast<std::int64_t>(v));
            p.phase_cpu.push_back(w.cpu);
        }
    }
    p.placement = spec.placement == model::placement_kind::blocks   ? "blocks"
                  : spec.placement == model::placement_kind::groups ? "groups"
                                                                    : "round_robin";
    p.rank_neurons = comm.all_gather(static_cast<std::int64_t>(sim.local_neurons()));
    p.rank_synapses = comm.all_gather(static_cast<std::int64_t>(sim.local_synapses()));
    p.rank_spikes = comm.all_gather(static_cast<std::int64_t>(res.local_spikes));
    p.rank_events = comm.all_gather(static_cast<std::int64_t>(res.local_events));
    p.rank_received = comm.all_gather(static_cast<std::int64_t>(res.local_received));
    p.rank_rows = comm.all_gather(static_cast<std::int64_t>(res.local_rows));
    p.end_time = utc_now();
    p.wall_time = now_seconds() - process_start;
    return p;
}

namespace {

// "load per rank (blocks): synapses min a / mean b / max c (rank r), ..." for neurons, synapses and
// events: max/mean is the load imbalance, the slowest rank sets the pace.
std::string load_line(const io::provenance& p) {
    std::ostringstream s;
    s << "  load per rank (" << p.placement << "):";
    const char* separator = " ";
    for (const auto& [name, values] : {std::pair{"neurons", &p.rank_neurons}, std::pair{"synapses", &p.rank_synapses},
                                       std::pair{"events", &p.rank_events}}) {
        if (values->empty()) continue;
        const auto low = std::min_element(values->begin(), values->end());
        const auto high = std::max_element(values->begin(), values->end());  // the first rank of the max
        double mean = 0;
        for (const auto v : *values) mean += static_cast<double>(v);
        mean /= static_cast<double>(values->size());
        s << separator << name << " min " << *low << " / mean " << std::fixed << std::setprecision(1) << mean
          << std::defaultfloat << " / max " << *high << " (rank " << high - values->begin() << ')';
        separator = ", ";
    }
    return s.str() + '\n';
}

}  // namespace

std::string summary(const model::model_spec& spec, const engine::results& res, const io::provenance& p,
                    const std::string& output) {
    std::ostringstream s;
    s.precision(4);
    s << "synorm: simulated " << spec.simulation.duration - static_cast<double>(res.first_step) * spec.simulation.dt
      << " ms in " << res.time.total << " s (real-time factor " << p.real_time_factor << "), " << p.spikes
      << " spikes\n";
    for (std::size_t i = 0; i < res.binned_rates.size(); ++i)
        s << "  " << spec.populations[i].name << ": " << spec.populations[i].size << " neurons, mean rate "
          << res.binned_rates[i] << " Hz\n";
    // With a schedule: the real-time factor of each phase kind (rank 0's loop time in its phases).
    static const char* const kinds[] = {"wake", "nrem", "rem", "custom"};
    double wall[4] = {}, bio[4] = {};
    for (const auto& row : res.phases) {
        wall[row.kind & 3] += row.wall;
        bio[row.kind & 3] += (row.end - row.start) * 1e-3;
    }
    const char* separator = "  real-time factor by phase kind: ";
    for (int k = 0; k < 4; ++k) {
        if (bio[k] <= 0.0) continue;
        s << separator << kinds[k] << ' ' << wall[k] / bio[k];
        separator = ", ";
    }
    if (separator[0] == ',') s << '\n';
    // The exchange: its strategy, the bytes each rank received per interval and the wait for the
    // slowest rank (mean over ranks; per rank in synorm info and /provenance).
    const auto mean = [](const std::vector<double>& v) {
        return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    };
    s << "  exchange " << p.exchange << (p.exchange_setting == "auto" ? " (auto)" : "");
    if (p.exchange_fraction >= 0) {
        s << ", largest need " << 100 * p.exchange_fraction << " % of the neurons, targets built in "
          << *std::max_element(p.targets_time.begin(), p.targets_time.end()) << " s";
    }
    // Overlap: whether the exchange ran under the update, and why not when it was asked for and cannot.
    s << (p.overlap == "on" ? ", overlapped" : ", not overlapped");
    if (p.overlap_setting != "off" && p.overlap == "off")
        s << (p.min_delay_steps < 2 ? " (an interval of one step has no half to overlap)" : " (auto: one rank)");
    s << " (comm.overlap " << p.overlap_setting << ")";
    // The structure when it runs, or was asked for (explicitly, or by auto under placement groups).
    if (p.structure != "flat") s << "; structure " << p.structure;
    s << "; per interval and rank " << mean(p.exchange_bytes_received) << " bytes received; wait " << mean(p.time_wait)
      << " s, exchange " << mean(p.time_exchange) << " s per rank\n";
    // What the received spikes cost: the rows each one reached on its rank (0 for a spike no synapse
    // of the rank needs, which only allgather sends).
    const auto total = [](const std::vector<std::int64_t>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
    if (total(p.rank_received) > 0)
        s << "  received spikes looked up " << total(p.rank_received)
          << " (all ranks), rows touched per received spike " << total(p.rank_rows) / total(p.rank_received) << '\n';
    // Per rank: the synapses built and their checksum (README "Dry run": a dry run of rank r agrees
    // with the real rank r on both).
    const std::size_t listed = std::min<std::size_t>(p.synapse_checksum.size(), 8);
    const int first_rank = p.dry_run.empty() ? 0 : std::atoi(p.dry_run.c_str() + 5);  // "rank r of P"
    for (std::size_t r = 0; r < listed; ++r)
        s << "  rank " << first_rank + static_cast<int>(r) << ": " << p.synapses_per_rank[r] << " synapses, checksum "
          << hex(static_cast<std::uint64_t>(p.synapse_checksum[r])) << "\n";
    if (listed < p.synapse_checksum.size())
        s << "  (" << p.synapse_checksum.size() - listed << " more ranks in /provenance)\n";
    if (p.ranks > 1) s << load_line(p);
    s << "synorm: output written to " << output << "  (inspect: synorm info " << output << ")\n";
    return s.str();
}

// What a dry run measured and modelled (README "Dry run"), per interval where a count is one.
std::string dry_run_report(const engine::results& res, const io::provenance& p, int threads) {
    const auto& c = p.dry_run_counts;
    const auto& x = p.dry_run_exchange;
    const double n = std::max<double>(1.0, static_cast<double>(c[0]));
    const double received = static_cast<double>(c[1] + c[2]);
    std::ostringstream s;
    s.precision(4);
    s << "synorm: dry run of " << p.dry_run << " x " << threads << " thread(s):\n"
      << "  peak memory " << static_cast<double>(p.peak_rss_bytes[0]) / (1024.0 * 1024.0) << " MiB, synapse tables "
      << static_cast<double>(p.synapse_bytes[0]) / (1024.0 * 1024.0) << " MiB\n"
      << "  time (s): build " << res.time.build << ", update " << res.time.update << ", delivery " << res.time.deliver
      << ", exchange " << res.time.exchange << " (here, without the others), loop " << res.time.total << "\n"
      << "  modelled exchange (s): " << x[2] << " = " << c[3] << " messages x " << x[0] << " s + " << c[5]
      << " bytes / " << x[1] << " bytes/s\n"
      << "  per interval (" << c[0] << " intervals): spikes sent " << static_cast<double>(c[1]) / n << ", received "
      << received / n << " (" << static_cast<double>(c[2]) / n << " from the others, modelled or replayed), bytes sent "
      << static_cast<double>(c[4]) / n << ", received " << static_cast<double>(c[5]) / n << ", synaptic events "
      << static_cast<double>(res.local_events) / n << " ("
      << static_cast<double>(res.local_events) / std::max(1.0, received) << " per received spike)\n";
    return s.str();
}

}  // namespace synorm::app
