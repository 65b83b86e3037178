// Runs a configuration on one process (serial communicator, no output file) and lists every spike,
// sorted by (step, gid): the same spikes `synorm run` writes, for comparing two builds of synorm
// (tests/arch/CMakeLists.txt: the aarch64 build against the x86 one).
//
//   spike_list CONFIG [--set KEY=VALUE]... [--threads N] [--write FILE | --compare FILE]
//
// --write FILE: the list, one "step gid" line per spike. --compare FILE: compares with such a list
// and exits 1 at the first spike that differs, naming it. Neither: the list on standard output.
// Exit codes: 0 the same (or listed), 1 different, 2 bad arguments, configuration or run.
#include <algorithm>
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

using spike = std::pair<std::int64_t, std::uint64_t>;  // (step, gid)

std::vector<spike> run(const std::string& config, const std::vector<std::string>& overrides, int threads) {
    const auto loaded = synorm::config::load(config, overrides);
    const auto comm = synorm::comm::make_serial();
    synorm::engine::simulation sim(loaded.spec, *comm, threads);
    std::vector<spike> spikes;
    synorm::engine::hooks hooks;
    hooks.on_spikes = [&](const synorm::engine::spike_batch& batch) {
        for (std::size_t k = 0; k < batch.gids.size(); ++k) spikes.emplace_back(batch.steps[k], batch.gids[k]);
    };
    sim.run(hooks);
    std::sort(spikes.begin(), spikes.end());
    return spikes;
}

std::string text(const spike& s) { return "step " + std::to_string(s.first) + " gid " + std::to_string(s.second); }

// The first spike where the two lists differ, reported as both sides see it.
int compare(const std::vector<spike>& spikes, const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::cerr << "spike_list: cannot read " << path << "\n";
        return 2;
    }
    std::vector<spike> expected;
    spike s;
    while (in >> s.first >> s.second) expected.push_back(s);
    const auto [a, b] = std::mismatch(spikes.begin(), spikes.end(), expected.begin(), expected.end());
    std::cout << "spike_list: " << spikes.size() << " spikes here, " << expected.size() << " in " << path << "\n";
    if (a == spikes.end() && b == expected.end()) {
        std::cout << "spike_list: the same spikes\n";
        return 0;
    }
    std::cout << "spike_list: the lists differ at spike " << (a - spikes.begin()) << ": here "
              << (a == spikes.end() ? "none" : text(*a)) << ", in " << path << " " << (b == expected.end() ? "none" : text(*b))
              << "\n";
    return 1;
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
        else if (arg == "--threads" && has_value) threads = std::max(1, std::stoi(argv[++k]));
        else if (arg == "--write" && has_value) write_path = argv[++k];
        else if (arg == "--compare" && has_value) compare_path = argv[++k];
        else if (config.empty() && !arg.starts_with("--")) config = arg;
        else {
            std::cerr << "usage: spike_list CONFIG [--set KEY=VALUE]... [--threads N] [--write FILE | --compare FILE]\n";
            return 2;
        }
    }
    if (config.empty()) {
        std::cerr << "spike_list: no configuration given\n";
        return 2;
    }
    std::vector<spike> spikes;
    try {
        spikes = run(config, overrides, threads);
    } catch (const std::exception& e) {
        std::cerr << "spike_list: " << e.what() << "\n";
        return 2;
    }
    if (!compare_path.empty()) return compare(spikes, compare_path);
    std::ofstream file;
    if (!write_path.empty()) file.open(write_path);
    std::ostream& out = write_path.empty() ? std::cout : file;
    for (const auto& [step, gid] : spikes) out << step << ' ' << gid << '\n';
    if (!out.flush()) {
        std::cerr << "spike_list: cannot write " << (write_path.empty() ? "the list" : write_path) << "\n";
        return 2;
    }
    if (!write_path.empty()) std::cout << "spike_list: " << spikes.size() << " spikes in " << write_path << "\n";
    return 0;
}
