// Runs a configuration on one process (serial communicator, no output file) and lists every spike,
// sorted by (step, gid), and every neuron's membrane potential at the end, bit for bit: the spikes
// `synorm run` writes, and the state that shows a difference of one rounding long before the spikes
// do (a leaky neuron forgets it unless a spike moves by a step). For comparing two builds of synorm
// (tests/arch/CMakeLists.txt: the aarch64 build against the x86 one).
//
//   spike_list CONFIG [--set KEY=VALUE]... [--threads N] [--write FILE | --compare FILE]
//
// --write FILE: the lists ("spikes N", then N lines "step gid"; "final_V M", then M lines "gid bits",
// bits the float's as an integer). --compare FILE: compares with such a file and exits 1 at the first
// spike or potential that differs, naming it. Neither: the lists on standard output.
// Exit codes: 0 the same (or listed), 1 different, 2 bad arguments, configuration or run.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "synorm/comm/communicator.hpp"
#include "synorm/config/loader.hpp"
#include "synorm/engine/simulation.hpp"

namespace {

using entry = std::pair<std::int64_t, std::uint64_t>;  // spikes: (step, gid); final_V: (gid, bits)

struct lists {
    std::vector<entry> spikes, final_V;
};

lists run(const std::string& config, const std::vector<std::string>& overrides, int threads) {
    auto loaded = synorm::config::load(config, overrides);
    loaded.spec.recording.final_state = true;
    const auto comm = synorm::comm::make_serial();
    synorm::engine::simulation sim(loaded.spec, *comm, threads);
    lists out;
    synorm::engine::hooks hooks;
    hooks.on_spikes = [&](const synorm::engine::spike_batch& batch) {
        for (std::size_t k = 0; k < batch.gids.size(); ++k) out.spikes.emplace_back(batch.steps[k], batch.gids[k]);
    };
    const auto results = sim.run(hooks);
    std::sort(out.spikes.begin(), out.spikes.end());
    for (const auto& population : results.final_states)
        for (std::size_t k = 0; k < population.gids.size(); ++k)
            out.final_V.emplace_back(static_cast<std::int64_t>(population.gids[k]),
                                     std::bit_cast<std::uint32_t>(population.V_m[k]));
    std::sort(out.final_V.begin(), out.final_V.end());
    return out;
}

void write(std::ostream& out, const lists& l) {
    out << "spikes " << l.spikes.size() << '\n';
    for (const auto& [step, gid] : l.spikes) out << step << ' ' << gid << '\n';
    out << "final_V " << l.final_V.size() << '\n';
    for (const auto& [gid, bits] : l.final_V) out << gid << ' ' << bits << '\n';
}

bool read(std::istream& in, const std::string& name, std::vector<entry>& list) {
    std::string word;
    std::size_t n = 0;
    if (!(in >> word >> n) || word != name) return false;
    list.resize(n);
    for (auto& [a, b] : list)
        if (!(in >> a >> b)) return false;
    return true;
}

std::string spike_text(const entry& e) {
    return "step " + std::to_string(e.first) + " gid " + std::to_string(e.second);
}
std::string potential_text(const entry& e) {
    return "gid " + std::to_string(e.first) + " V " +
           std::to_string(std::bit_cast<float>(static_cast<std::uint32_t>(e.second))) + " mV (bits " +
           std::to_string(e.second) + ")";
}

// The first entry where two lists differ, reported as both sides see it; true when they are equal.
bool same(const char* what, const std::vector<entry>& here, const std::vector<entry>& there, const std::string& path,
          std::string (*text)(const entry&)) {
    const auto [a, b] = std::mismatch(here.begin(), here.end(), there.begin(), there.end());
    std::cout << "spike_list: " << here.size() << " " << what << " here, " << there.size() << " in " << path << "\n";
    if (a == here.end() && b == there.end()) return true;
    std::cout << "spike_list: the " << what << " differ at " << (a - here.begin()) << ": here "
              << (a == here.end() ? "none" : text(*a)) << ", in " << path << " "
              << (b == there.end() ? "none" : text(*b)) << "\n";
    return false;
}

int compare(const lists& here, const std::string& path) {
    std::ifstream in(path);
    lists there;
    if (!in || !read(in, "spikes", there.spikes) || !read(in, "final_V", there.final_V)) {
        std::cerr << "spike_list: cannot read " << path << " (written by spike_list --write)\n";
        return 2;
    }
    const bool spikes = same("spikes", here.spikes, there.spikes, path, spike_text);
    const bool potentials = same("final potentials", here.final_V, there.final_V, path, potential_text);
    if (!spikes || !potentials) return 1;
    std::cout << "spike_list: the same spikes and final potentials\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config, write_path, compare_path;
    std::vector<std::string> overrides;
    int threads = 1;
    for (int k = 1; k < argc; ++k) {
        const std::string arg = argv[k];
        const bool has_value = k + 1 < argc;
        if (arg == "--set" && has_value) overrides.emplace_back(argv[++k]);
        else if (arg == "--threads" && has_value)
            threads = std::max(1, std::stoi(argv[++k]));
        else if (arg == "--write" && has_value)
            write_path = argv[++k];
        else if (arg == "--compare" && has_value)
            compare_path = argv[++k];
        else if (config.empty() && !arg.starts_with("--"))
            config = arg;
        else {
            std::cerr
                << "usage: spike_list CONFIG [--set KEY=VALUE]... [--threads N] [--write FILE | --compare FILE]\n";
            return 2;
        }
    }
    if (config.empty()) {
        std::cerr << "spike_list: no configuration given\n";
        return 2;
    }
    lists result;
    try {
        result = run(config, overrides, threads);
    } catch (const std::exception& e) {
        std::cerr << "spike_list: " << e.what() << "\n";
        return 2;
    }
    if (!compare_path.empty()) return compare(result, compare_path);
    std::ofstream file;
    if (!write_path.empty()) file.open(write_path);
    std::ostream& out = write_path.empty() ? std::cout : file;
    write(out, result);
    if (!out.flush()) {
        std::cerr << "spike_list: cannot write " << (write_path.empty() ? "the lists" : write_path) << "\n";
        return 2;
    }
    if (!write_path.empty())
        std::cout << "spike_list: " << result.spikes.size() << " spikes, " << result.final_V.size()
                  << " final potentials in " << write_path << "\n";
    return 0;
}
