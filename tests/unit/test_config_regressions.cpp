// Inputs on which the configuration fuzzer (tests/fuzz/) once found a bug, kept byte for byte in
// tests/fuzz/regressions/. Each must now load cleanly: a config_error, or a configuration whose
// resolved YAML loads back to itself. Leading "#set KEY=VALUE" lines are overrides, as in the fuzzer.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "synorm/config/loader.hpp"

#include "../fuzz/fuzz_input.hpp"

namespace synorm::config {
namespace {

const std::filesystem::path regressions = SYNORM_FUZZ_REGRESSIONS;

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(config_regressions, every_input_loads_cleanly) {
    ASSERT_TRUE(std::filesystem::is_directory(regressions)) << regressions;
    int inputs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(regressions)) {
        if (!entry.is_regular_file() || entry.path().filename().string().front() == '.') continue;
        ++inputs;
        const std::string name = entry.path().filename().string();
        SCOPED_TRACE(name);
        const std::string text = read(entry.path());
        try {
            const loaded_config first = load_text(text, name, fuzz::leading_overrides(text));
            EXPECT_NO_THROW(load_text(first.resolved_yaml, "resolved.yaml"));
        } catch (const config_error&) {
            // the expected answer to a bad configuration
        }
        // Any other exception fails the test case (GoogleTest reports it).
    }
    if (inputs == 0) GTEST_SKIP() << "no regression inputs in " << regressions;
}

}  // namespace
}  // namespace synorm::config
