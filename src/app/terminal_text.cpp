#include "terminal_text.hpp"

#include <cstdio>
#include <iostream>

namespace synorm::app {
namespace {

std::string hex_escape(unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    return buf;
}

// Length of the UTF-8 sequence that starts with `lead` (0: not a lead byte).
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) return 2;
    if (lead >= 0xe0 && lead <= 0xef) return 3;
    if (lead >= 0xf0 && lead <= 0xf4) return 4;
    return 0;
}

// Whether s[0..n) is one well-formed UTF-8 sequence (no overlong forms, no surrogates, <= U+10FFFF).
bool well_formed(std::string_view s, std::size_t n) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    for (std::size_t i = 1; i < n; ++i)
        if ((b(i) & 0xc0) != 0x80) return false;
    if (n == 3 && b(0) == 0xe0 && b(1) < 0xa0) return false;
    if (n == 3 && b(0) == 0xed && b(1) >= 0xa0) return false;
    if (n == 4 && b(0) == 0xf0 && b(1) < 0x90) return false;
    if (n == 4 && b(0) == 0xf4 && b(1) >= 0x90) return false;
    return true;
}

// Appends the printable form of the complete text `s` to `out`; returns how many bytes of `s` it
// used: fewer than s.size() only when `s` ends inside a UTF-8 sequence that may still be completed.
std::size_t append_printable(std::string_view s, std::string& out, bool final_piece) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) out += hex_escape(c);
            else
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        const std::size_t n = sequence_length(c);
        if (n == 0) {
            out += hex_escape(c);
            ++i;
            continue;
        }
        if (i + n > s.size()) {
            bool may_complete = !final_piece;
            for (std::size_t k = i + 1; k < s.size(); ++k)
                may_complete = may_complete && (static_cast<unsigned char>(s[k]) & 0xc0) == 0x80;
            if (may_complete) return i;
            out += hex_escape(c);
            ++i;
            continue;
        }
        if (!well_formed(s.substr(i), n)) {
            out += hex_escape(c);
            ++i;
            continue;
        }
        const auto second = static_cast<unsigned char>(s[i + 1]);
        if (c == 0xc2 && second < 0xa0) {  // C1 control U+0080..U+009F
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", second);
            out += buf;
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    return i;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_printable(text, out, true);
    return out;
}

printable_buffer::int_type printable_buffer::overflow(int_type c) {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    pending_ += traits_type::to_char_type(c);
    std::string out;
    const std::size_t used = append_printable(pending_, out, false);
    pending_.erase(0, used);
    if (!out.empty()) emit(out);
    return c;
}

int printable_buffer::sync() { return target_->pubsync(); }

void make_standard_streams_printable() {
    // Never destroyed: the streams are flushed at exit, after static objects are gone.
    std::cout.rdbuf(new printable_buffer(std::cout.rdbuf()));
    std::cerr.rdbuf(new printable_buffer(std::cerr.rdbuf()));
}

}  // namespace synorm::app
