// How the configuration fuzzer reads an input, shared with the regression test that replays its
// findings (tests/unit/test_config_regressions.cpp): the text is the YAML, and its leading lines of
// the form "#set KEY.PATH=VALUE" (comments to YAML) are also --set overrides.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace synorm::fuzz {

inline std::vector<std::string> leading_overrides(std::string_view text) {
    constexpr std::string_view prefix = "#set ";
    std::vector<std::string> overrides;
    while (text.substr(0, prefix.size()) == prefix) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        overrides.emplace_back(text.substr(prefix.size(), end - prefix.size()));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
    return overrides;
}

}  // namespace synorm::fuzz
