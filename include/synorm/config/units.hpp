// Quantities with units in configuration text: "20 ms", "-65 mV", "250 pF", "0.5 nS", "5 Hz".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace synorm::config {

enum class dimension { time, voltage, capacitance, conductance, current, rate, dimensionless };

std::string_view dimension_name(dimension d);   // "time", "voltage", …
std::string_view internal_unit(dimension d);    // "ms", "mV", "pF", "nS", "pA", "Hz", ""

struct quantity {
    double value = 0.0;  // in the internal unit of `dim`
    dimension dim = dimension::dimensionless;
};

// Parses "<number> <unit>" (space optional). Returns nullopt with `why` set when the text is not a
// number followed by a known unit.
std::optional<quantity> parse_quantity(std::string_view text, std::string* why = nullptr);

}  // namespace synorm::config
