// Quantities with units in configuration text: "20 ms", "-65 mV", "250 pF", "0.5 nS", "5 Hz".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace synorm::config {

enum class dimension { time, voltage, capacitance, conductance, current, rate, dimensionless };

std::string_view dimension_name(dimension d);    // "time", "voltage", …
std::string_view internal_unit(dimension d);     // "ms", "mV", "pF", "nS", "pA", "Hz", ""
std::string_view example_quantity(dimension d);  // "20 ms", "-65 mV", … (for messages)

struct quantity {
    double value = 0.0;  // in the internal unit of `dim`
    dimension dim = dimension::dimensionless;
};

// Parses a plain number that is the whole text ("0.02", "-3", "1e4"); nullopt otherwise, including
// for infinities and NaN.
std::optional<double> parse_number(std::string_view text);

// The largest magnitude a quantity may have in internal units: state and weights are floats.
inline constexpr double max_magnitude = 1e30;

// Parses "<number> <unit>" (space optional). Returns nullopt with `why` set when the text is not a
// number followed by a known unit, or its magnitude in internal units exceeds max_magnitude.
std::optional<quantity> parse_quantity(std::string_view text, std::string* why = nullptr);

// The shortest decimal text that reads back as exactly `value` ("0.1", "-65", "1e-07", "inf").
std::string format_number(double value);
// "<number> <internal unit>", e.g. "0.1 ms"; parse_quantity gives back exactly `value`.
std::string format_quantity(double value, dimension d);

}  // namespace synorm::config
