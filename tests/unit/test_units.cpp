// Units in configuration text: every accepted unit, conversion to internal units, and the errors.
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "synorm/config/units.hpp"

namespace synorm::config {
namespace {

struct unit_case {
    const char* text;
    double value;  // in the internal unit
    dimension dim;
};

void PrintTo(const unit_case& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class every_unit : public ::testing::TestWithParam<unit_case> {};

TEST_P(every_unit, converts_to_internal_units) {
    const unit_case& c = GetParam();
    std::string why;
    const auto q = parse_quantity(c.text, &why);
    ASSERT_TRUE(q.has_value()) << c.text << ": " << why;
    EXPECT_EQ(q->dim, c.dim);
    EXPECT_DOUBLE_EQ(q->value, c.value);
}

INSTANTIATE_TEST_SUITE_P(
    units, every_unit,
    ::testing::Values(
        unit_case{"2 s", 2000.0, dimension::time}, unit_case{"20 ms", 20.0, dimension::time},
        unit_case{"500 us", 0.5, dimension::time}, unit_case{"500 \u00b5s", 0.5, dimension::time},
        unit_case{"500 \u03bcs", 0.5, dimension::time}, unit_case{"-0.065 V", -65.0, dimension::voltage},
        unit_case{"-65 mV", -65.0, dimension::voltage}, unit_case{"250 uV", 0.25, dimension::voltage},
        unit_case{"250 \u00b5V", 0.25, dimension::voltage}, unit_case{"250 pF", 250.0, dimension::capacitance},
        unit_case{"0.25 nF", 250.0, dimension::capacitance}, unit_case{"0.001 uF", 1000.0, dimension::capacitance},
        unit_case{"0.001 \u00b5F", 1000.0, dimension::capacitance}, unit_case{"500 pS", 0.5, dimension::conductance},
        unit_case{"6 nS", 6.0, dimension::conductance}, unit_case{"0.01 uS", 10.0, dimension::conductance},
        unit_case{"0.01 \u00b5S", 10.0, dimension::conductance}, unit_case{"0.001 mS", 1000.0, dimension::conductance},
        unit_case{"100 pA", 100.0, dimension::current}, unit_case{"0.1 nA", 100.0, dimension::current},
        unit_case{"0.002 uA", 2000.0, dimension::current}, unit_case{"0.002 \u00b5A", 2000.0, dimension::current},
        unit_case{"5 Hz", 5.0, dimension::rate}, unit_case{"1.5 kHz", 1500.0, dimension::rate}));

TEST(parse_quantity, space_between_number_and_unit_is_optional) {
    const auto spaced = parse_quantity("20 ms");
    const auto tight = parse_quantity("20ms");
    const auto padded = parse_quantity("  20 \t ms ");
    ASSERT_TRUE(spaced && tight && padded);
    EXPECT_EQ(spaced->value, tight->value);
    EXPECT_EQ(spaced->value, padded->value);
}

TEST(parse_quantity, accepts_signs_decimals_and_exponents) {
    EXPECT_EQ(parse_quantity("+5 mV")->value, 5.0);
    EXPECT_EQ(parse_quantity("-70.5 mV")->value, -70.5);
    EXPECT_EQ(parse_quantity(".5 ms")->value, 0.5);
    EXPECT_EQ(parse_quantity("1e-3 s")->value, 1.0);
    EXPECT_EQ(parse_quantity("2.5E2 pA")->value, 250.0);
}

TEST(parse_quantity, submultiples_convert_exactly) {
    // Dividing by 1000 (not multiplying by 0.001) keeps "800 us" and "0.8 ms" the same double.
    EXPECT_EQ(parse_quantity("800 us")->value, 0.8);
    EXPECT_EQ(parse_quantity("100 us")->value, 0.1);
    EXPECT_EQ(parse_quantity("300 pS")->value, 0.3);
    EXPECT_EQ(parse_quantity("0.1 s")->value, 100.0);
}

TEST(parse_quantity, missing_unit) {
    std::string why;
    EXPECT_FALSE(parse_quantity("20", &why));
    EXPECT_EQ(why, "missing unit");
}

TEST(parse_quantity, unknown_unit_suggests_the_right_case) {
    std::string why;
    EXPECT_FALSE(parse_quantity("-65 mv", &why));
    EXPECT_EQ(why, "unknown unit \"mv\"; did you mean \"mV\"?");
    EXPECT_FALSE(parse_quantity("5 furlongs", &why));
    EXPECT_EQ(why, "unknown unit \"furlongs\"");
    // Units are case-sensitive: "MS" is not a millisecond.
    EXPECT_FALSE(parse_quantity("5 MS", &why));
    EXPECT_EQ(why, "unknown unit \"MS\"; did you mean \"ms\"?");
}

TEST(parse_quantity, rejects_text_that_is_not_a_number) {
    std::string why;
    for (const char* text : {"", "ms", "fast", "- 5 mV", "+-5 mV", "x5 ms"}) {
        EXPECT_FALSE(parse_quantity(text, &why)) << text;
        EXPECT_EQ(why, "not a number followed by a unit") << text;
    }
}

TEST(parse_quantity, rejects_non_finite_numbers) {
    std::string why;
    EXPECT_FALSE(parse_quantity("inf ms", &why));
    EXPECT_EQ(why, "not a finite number");
    EXPECT_FALSE(parse_quantity("nan mV", &why));
    EXPECT_EQ(why, "not a finite number");
    EXPECT_FALSE(parse_quantity("1e400 ms", &why));
    EXPECT_EQ(why, "number out of range");
}

TEST(parse_quantity, rejects_magnitudes_single_precision_cannot_hold) {
    std::string why;
    EXPECT_FALSE(parse_quantity("1e40 pA", &why));
    EXPECT_EQ(why, "magnitude beyond 1e+30 pA (state is single precision)");
    EXPECT_FALSE(parse_quantity("-2e27 nA", &why));  // −2e30 pA
    EXPECT_TRUE(parse_quantity("1e30 pA"));
}

TEST(parse_quantity, why_is_optional) { EXPECT_FALSE(parse_quantity("20")); }

TEST(parse_number, whole_text_must_be_a_finite_number) {
    EXPECT_EQ(parse_number("0.02"), 0.02);
    EXPECT_EQ(parse_number(" -3 "), -3.0);
    EXPECT_EQ(parse_number("1e4"), 1e4);
    EXPECT_FALSE(parse_number("5 ms"));
    EXPECT_FALSE(parse_number("five"));
    EXPECT_FALSE(parse_number(""));
    EXPECT_FALSE(parse_number("inf"));
}

TEST(format_quantity, reads_back_exactly) {
    for (double v : {0.1, -65.0, 1e-7, 1.0 / 3.0, 123456.789, 0.0, 2.5e12}) {
        for (dimension d : {dimension::time, dimension::voltage, dimension::capacitance, dimension::conductance,
                            dimension::current, dimension::rate}) {
            const std::string text = format_quantity(v, d);
            const auto q = parse_quantity(text);
            ASSERT_TRUE(q) << text;
            EXPECT_EQ(q->value, v) << text;
            EXPECT_EQ(q->dim, d) << text;
        }
    }
}

TEST(format_quantity, uses_the_shortest_text_and_the_internal_unit) {
    EXPECT_EQ(format_quantity(0.1, dimension::time), "0.1 ms");
    EXPECT_EQ(format_quantity(-65.0, dimension::voltage), "-65 mV");
    EXPECT_EQ(format_quantity(6.0, dimension::conductance), "6 nS");
    EXPECT_EQ(format_quantity(2.0, dimension::dimensionless), "2");
    EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
}

TEST(dimension, names_units_and_examples) {
    EXPECT_EQ(dimension_name(dimension::time), "time");
    EXPECT_EQ(dimension_name(dimension::conductance), "conductance");
    EXPECT_EQ(internal_unit(dimension::time), "ms");
    EXPECT_EQ(internal_unit(dimension::voltage), "mV");
    EXPECT_EQ(internal_unit(dimension::capacitance), "pF");
    EXPECT_EQ(internal_unit(dimension::conductance), "nS");
    EXPECT_EQ(internal_unit(dimension::current), "pA");
    EXPECT_EQ(internal_unit(dimension::rate), "Hz");
    EXPECT_EQ(internal_unit(dimension::dimensionless), "");
    // Every example parses to its own dimension, since messages offer them as the thing to write.
    for (dimension d : {dimension::time, dimension::voltage, dimension::capacitance, dimension::conductance,
                        dimension::current, dimension::rate}) {
        const auto q = parse_quantity(example_quantity(d));
        ASSERT_TRUE(q);
        EXPECT_EQ(q->dim, d);
    }
}

}  // namespace
}  // namespace synorm::config
