#include <gtest/gtest.h>

#include "synorm/engine/ring_buffer.hpp"

using synorm::engine::ring_buffer;

TEST(ring_buffer, has_a_slot_for_every_step_up_to_the_longest_delay) {
    for (std::uint64_t longest : {1u, 7u, 8u, 15u, 100u}) {
        ring_buffer rb(longest, 3);
        EXPECT_GE(rb.slots(), longest);
        EXPECT_LT(rb.slots(), 2 * longest) << "the smallest power of two that holds them";
        EXPECT_EQ(rb.slots() & (rb.slots() - 1), 0u) << "power of two";
        // Steps now .. now + longest − 1, all that a delivery at now reaches, map to distinct rows.
        for (std::int64_t now : {0, 5, 1000}) {
            for (std::int64_t a = now; a < now + static_cast<std::int64_t>(longest); ++a)
                for (std::int64_t b = a + 1; b < now + static_cast<std::int64_t>(longest); ++b)
                    ASSERT_NE(rb.row(a), rb.row(b));
        }
    }
}

TEST(ring_buffer, input_arrives_at_its_step_and_wraps) {
    ring_buffer rb(4, 2);
    rb.add(3, 1, 0.5f);
    rb.add(3, 1, 0.25f);
    rb.add(5, 0, 2.0f);
    EXPECT_FLOAT_EQ(rb.row(3)[1], 0.75f);
    EXPECT_FLOAT_EQ(rb.row(3)[0], 0.0f);
    EXPECT_FLOAT_EQ(rb.row(5)[0], 2.0f);
    rb.row(3)[1] = 0.0f;                                         // read and cleared
    rb.add(3 + static_cast<std::int64_t>(rb.slots()), 1, 1.0f);  // one turn later, same row
    EXPECT_FLOAT_EQ(rb.row(3)[1], 1.0f);
}
