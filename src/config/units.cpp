#include "synorm/config/units.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

namespace synorm::config {
namespace {

struct unit_def {
    std::string_view symbol;
    dimension dim;
    int power10;  // value in the internal unit = number · 10^power10
};

// "u" stands for micro; the micro sign and the Greek mu are read as "u" (see micro_as_u).
constexpr std::array units{
    unit_def{"s", dimension::time, 3},         unit_def{"ms", dimension::time, 0},
    unit_def{"us", dimension::time, -3},       unit_def{"V", dimension::voltage, 3},
    unit_def{"mV", dimension::voltage, 0},     unit_def{"uV", dimension::voltage, -3},
    unit_def{"pF", dimension::capacitance, 0}, unit_def{"nF", dimension::capacitance, 3},
    unit_def{"uF", dimension::capacitance, 6}, unit_def{"pS", dimension::conductance, -3},
    unit_def{"nS", dimension::conductance, 0}, unit_def{"uS", dimension::conductance, 3},
    unit_def{"mS", dimension::conductance, 6}, unit_def{"pA", dimension::current, 0},
    unit_def{"nA", dimension::current, 3},     unit_def{"uA", dimension::current, 6},
    unit_def{"Hz", dimension::rate, 0},        unit_def{"kHz", dimension::rate, 3},
};

struct dimension_info {
    std::string_view name, unit, example;
};

// Indexed by `dimension`, in the order of its enumerators.
constexpr dimension_info dimension_table[] = {
    {"time", "ms", "20 ms"},       {"voltage", "mV", "-65 mV"}, {"capacitance", "pF", "250 pF"},
    {"conductance", "nS", "6 nS"}, {"current", "pA", "100 pA"}, {"rate", "Hz", "5 Hz"},
    {"plain number", "", "1.5"},
};
static_assert(std::size(dimension_table) == static_cast<std::size_t>(dimension::dimensionless) + 1);

// Multiplying by 1e-3 is not exact ("800 us" would become 0.8000000000000002 ms); dividing by the
// exactly representable 1e3 is correctly rounded, so "800 us" and "0.8 ms" give the same double.
double scale_by_power10(double v, int power10) {
    double factor = 1.0;
    for (int i = 0; i < std::abs(power10); ++i) factor *= 10.0;
    return power10 >= 0 ? v * factor : v / factor;
}

// Editors produce either the micro sign (U+00B5) or the Greek mu (U+03BC) for "µ"; both mean "u".
std::string micro_as_u(std::string_view unit) {
    for (std::string_view micro : {"\u00b5", "\u03bc"}) {
        if (unit.starts_with(micro)) {
            std::string symbol = "u";
            symbol += unit.substr(micro.size());
            return symbol;
        }
    }
    return std::string(unit);
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

struct leading_number {
    bool ok = false;
    double value = 0.0;
    std::string_view rest;  // what follows the number
    std::string error;
};

// The finite number at the start of `s` (already trimmed). from_chars takes no leading '+', but
// "+5 mV" is a reasonable thing to write.
leading_number parse_leading_number(std::string_view s) {
    leading_number n;
    std::string_view digits = s;
    if (!digits.empty() && digits.front() == '+') {
        digits.remove_prefix(1);
        if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits = {};
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n.value);
    if (ec == std::errc::result_out_of_range) {
        n.error = "number out of range";
    } else if (ec != std::errc{} || digits.empty()) {
        n.error = "not a number followed by a unit";
    } else if (!std::isfinite(n.value)) {
        n.error = "not a finite number";
    } else {
        n.ok = true;
        n.rest = digits.substr(static_cast<std::size_t>(end - digits.data()));
    }
    return n;
}

void set_why(std::string* why, std::string text) {
    if (why) *why = std::move(text);
}

}  // namespace

std::string_view dimension_name(dimension d) { return dimension_table[static_cast<std::size_t>(d)].name; }
std::string_view internal_unit(dimension d) { return dimension_table[static_cast<std::size_t>(d)].unit; }
std::string_view example_quantity(dimension d) { return dimension_table[static_cast<std::size_t>(d)].example; }

std::optional<double> parse_number(std::string_view text) {
    const leading_number n = parse_leading_number(trim(text));
    if (!n.ok || !n.rest.empty()) return std::nullopt;
    return n.value;
}

std::optional<quantity> parse_quantity(std::string_view text, std::string* why) {
    const std::string_view s = trim(text);
    const leading_number n = parse_leading_number(s);
    if (!n.ok) {
        set_why(why, n.error);
        return std::nullopt;
    }
    const double number = n.value;
    const std::string_view unit = trim(n.rest);
    if (unit.empty()) {
        set_why(why, "missing unit");
        return std::nullopt;
    }
    const std::string symbol = micro_as_u(unit);
    for (const unit_def& u : units) {
        if (u.symbol != symbol) continue;
        const double value = scale_by_power10(number, u.power10);
        // State and weights are single precision: a value beyond this would become inf in float and
        // fail only at run time (a health check), so it is refused here, where the line is known.
        if (std::abs(value) > max_magnitude) {
            set_why(why, "magnitude beyond " + format_number(max_magnitude) + " " + std::string(internal_unit(u.dim)) +
                             " (state is single precision)");
            return std::nullopt;
        }
        return quantity{value, u.dim};
    }
    std::string message = "unknown unit \"" + std::string(unit) + "\"";
    // Units are case-sensitive ("MV" would be megavolts), but a case slip deserves a hint.
    for (const unit_def& u : units) {
        if (ascii_lower(u.symbol) == ascii_lower(unit)) {
            message += "; did you mean \"" + std::string(u.symbol) + "\"?";
            break;
        }
    }
    set_why(why, std::move(message));
    return std::nullopt;
}

std::string format_number(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string format_quantity(double value, dimension d) {
    std::string text = format_number(value);
    if (d != dimension::dimensionless) {
        text += ' ';
        text += internal_unit(d);
    }
    return text;
}

}  // namespace synorm::config
