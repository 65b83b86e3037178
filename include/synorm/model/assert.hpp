// SYNORM_ASSERT(condition, message): checks an internal invariant, i.e. a bug if it fails. User input
// has config_error and runtime health has the checkers; neither is an assertion (src/README.md
// decision 10).
//
// With CMake's SYNORM_ENABLE_ASSERTIONS (on in the sanitizer build that tools/test runs), a failed
// assertion prints "file:line: assertion failed: condition: message" on stderr and aborts; under
// mpirun the abort ends the job. Without it the condition is not evaluated, only type-checked, so it
// costs nothing and may be as expensive as needed. `message` is a C string, e.g. a string literal.
#pragma once

#ifdef SYNORM_ENABLE_ASSERTIONS

#include <cstdio>
#include <cstdlib>

namespace synorm::detail {

[[noreturn]] inline void assertion_failed(const char* file, int line, const char* condition,
                                          const char* message) noexcept {
    std::fprintf(stderr, "%s:%d: assertion failed: %s: %s\n", file, line, condition, message);
    std::fflush(stderr);
    std::abort();
}

}  // namespace synorm::detail

#define SYNORM_ASSERT(condition, message)                \
    (static_cast<bool>(condition) ? static_cast<void>(0) \
                                  : ::synorm::detail::assertion_failed(__FILE__, __LINE__, #condition, message))

#else

#define SYNORM_ASSERT(condition, message) static_cast<void>(sizeof(static_cast<bool>(condition)) + sizeof(message))

#endif
