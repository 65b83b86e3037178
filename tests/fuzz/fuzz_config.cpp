// libFuzzer target: arbitrary bytes as a configuration for config::load_text. Leading lines of the form
// "#set KEY.PATH=VALUE" are also passed as --set overrides (to YAML they are comments, so the seeds stay
// valid configurations). A finding is anything but a clean outcome:
//   - load_text throws anything other than config_error, crashes, hangs or trips ASan/UBSan;
//   - a configuration that loads has a resolved YAML that does not load back to the same resolved YAML
//     (comment lines aside), which config::load promises (src/config/README.md).
// Seeds: config/*.yaml, tests/fuzz/seeds/ and tests/fuzz/regressions/ (tests/fuzz/run). How to run
// it: README.md, "Development".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "synorm/config/loader.hpp"

#include "fuzz_input.hpp"

namespace {

std::string without_comment_lines(const std::string& yaml) {
    std::string out;
    std::size_t begin = 0;
    while (begin < yaml.size()) {
        const std::size_t end = std::min(yaml.find('\n', begin), yaml.size());
        if (yaml[begin] != '#') out.append(yaml, begin, end - begin + 1);
        begin = end + 1;
    }
    return out;
}

[[noreturn]] void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_config: %s\n%s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    synorm::config::loaded_config first;
    try {
        first = synorm::config::load_text(text, "fuzz.yaml", synorm::fuzz::leading_overrides(text));
    } catch (const synorm::config::config_error&) {
        return 0;  // the expected answer to a bad configuration
    }
    // Any other exception escapes to std::terminate, which libFuzzer reports as a crash.
    std::string second;
    try {
        second = synorm::config::load_text(first.resolved_yaml, "resolved.yaml").resolved_yaml;
    } catch (const synorm::config::config_error& e) {
        finding("the resolved YAML of a valid configuration does not load back",
                e.what() + ("\n" + first.resolved_yaml));
    }
    if (without_comment_lines(second) != without_comment_lines(first.resolved_yaml)) {
        finding("the resolved YAML is not a fixed point", first.resolved_yaml + "\n--- loads back as ---\n" + second);
    }
    return 0;
}
