#include "memory_check.hpp"

#include <sys/resource.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "synorm/engine/memory_estimate.hpp"
#include "synorm/network/partition.hpp"
#include "synorm/network/synapse_table.hpp"

namespace synorm::app {

namespace {

std::string mib(std::uint64_t bytes) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(1);
    s << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
    return s.str();
}

}  // namespace

// This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: the latter keeps the peak
// of the process before exec (a launcher's or a Python parent's forked copy), the former starts anew.
std::int64_t peak_rss_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

std::optional<std::uint64_t> parse_bytes(const std::string& text) {
    std::istringstream in(text);
    double value = 0;
    std::string unit;
    if (!(in >> value) || value < 0 || !std::isfinite(value)) return std::nullopt;
    in >> unit;
    std::string rest;
    if (in >> rest) return std::nullopt;
    double scale = 0;
    if (unit == "B" || unit.empty()) scale = 1;
    else if (unit == "KiB")
        scale = 1024.0;
    else if (unit == "MiB")
        scale = 1024.0 * 1024;
    else if (unit == "GiB")
        scale = 1024.0 * 1024 * 1024;
    else if (unit == "TiB")
        scale = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "kB" || unit == "KB")
        scale = 1e3;
    else if (unit == "MB")
        scale = 1e6;
    else if (unit == "GB")
        scale = 1e9;
    else if (unit == "TB")
        scale = 1e12;
    else
        return std::nullopt;
    return static_cast<std::uint64_t>(value * scale);
}

std::uint64_t available_bytes_per_rank(int ranks) {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0, available = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit)
        if (key == "MemAvailable:") available = kib * 1024;
    if (available == 0) return 0;
    long local = ranks;
    for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"})
        if (const char* s = std::getenv(v); s && std::atol(s) > 0) {
            local = std::atol(s);
            break;
        }
    return available / static_cast<std::uint64_t>(std::max(1L, local));
}

std::string memory_problem(const model::model_spec& spec, int ranks, int threads, std::uint64_t limit,
                           const std::string& limit_source, bool checkpointing) {
    const auto need = engine::estimate_memory(spec, ranks, threads, checkpointing).peak();
    if (limit == 0 || need <= limit) return {};
    // The smallest rank count whose per-rank estimate fits, if any does.
    std::string fit = "no number of ranks brings it under that (the fixed part alone is larger)";
    for (long p = ranks; p <= (1L << 24); p = p < 8 ? p + 1 : p * 5 / 4) {
        if (engine::estimate_memory(spec, static_cast<int>(p), threads, checkpointing).peak() <= limit) {
            fit = "about " + std::to_string(p) + " ranks with that much memory each would fit it";
            break;
        }
    }
    return "the network needs an estimated " + mib(need) + " per rank on " + std::to_string(ranks) + " rank(s) x " +
           std::to_string(threads) + " thread(s), but " + limit_source + " allows " + mib(limit) + "; " + fit +
           " (see `synorm validate CONFIG --estimate --ranks N`)";
}

std::string layout_problem(const model::model_spec& spec, int ranks, int threads) {
    constexpr std::uint64_t most = std::uint64_t{network::synapse_target_mask} + 1;
    const std::uint64_t bound = network::partition::thread_neuron_bound(spec, ranks, threads);
    if (bound <= most) return {};
    std::string fit;
    for (long t = threads; t <= (1L << 20); t = t < 8 ? t + 1 : t * 5 / 4)
        if (network::partition::thread_neuron_bound(spec, ranks, static_cast<int>(t)) <= most) {
            fit = "; " + std::to_string(t) + " threads per rank (or more ranks) would do";
            break;
        }
    return "on " + std::to_string(ranks) + " rank(s) x " + std::to_string(threads) +
           " thread(s) a thread would own up to " + std::to_string(bound) +
           " neurons, more than a synapse's 22-bit target index can address (" + std::to_string(most) + ")" + fit;
}

}  // namespace synorm::app
