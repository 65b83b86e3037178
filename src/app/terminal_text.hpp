// Text from the user's input (YAML keys, paths, values a file holds) reaches the terminal inside
// synorm's messages. A configuration must not be able to retitle, recolour or clear the user's
// terminal with it, so every byte stream synorm writes messages to passes through this filter.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace synorm::app {

// `text` with every control character escaped: C0 controls except newline and tab as \xNN (ESC as
// \x1b), DEL as \x7f, C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) as \u0080..\u009f, and bytes
// that are not part of valid UTF-8 as \xNN. Printable UTF-8 passes unchanged.
std::string printable(std::string_view text);

// A stream buffer that writes printable(what it receives) to `target`, byte by byte: a UTF-8
// sequence split across writes is held until it is complete.
class printable_buffer : public std::streambuf {
public:
    explicit printable_buffer(std::streambuf* target) : target_(target) {}

protected:
    int_type overflow(int_type c) override;
    int sync() override;

private:
    void emit(std::string_view s) { target_->sputn(s.data(), static_cast<std::streamsize>(s.size())); }
    std::streambuf* target_;
    std::string pending_;  // the bytes of an unfinished UTF-8 sequence
};

// Routes std::cout and std::cerr through printable_buffer for the rest of the process.
void make_standard_streams_printable();

}  // namespace synorm::app
