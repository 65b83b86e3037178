// model::shared_list: the projections of a model_spec, whose copies share them until one changes.
#include <gtest/gtest.h>

#include <string>

#include "synorm/model/model_spec.hpp"
#include "synorm/model/shared_list.hpp"

using namespace synorm;

TEST(shared_list, copies_share_until_one_changes) {
    model::shared_list<std::string> a{"x", "y"};
    const model::shared_list<std::string> b = a;
    EXPECT_TRUE(a.shares(b));
    EXPECT_EQ(b.size(), 2u);
    // Reading through a const list keeps the sharing.
    const auto& read = a;
    EXPECT_EQ(read[1], "y");
    EXPECT_TRUE(a.shares(b));
    // Writing gives the writer its own elements: the copy keeps its value.
    a[0] = "z";
    EXPECT_FALSE(a.shares(b));
    EXPECT_EQ(a[0], "z");
    EXPECT_EQ(b[0], "x");
    model::shared_list<std::string> c = b;
    c.push_back("w");
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(c.size(), 3u);
    c.clear();
    EXPECT_TRUE(c.empty());
    EXPECT_EQ(b.size(), 2u);
    model::shared_list<std::string> empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_EQ(empty.begin(), empty.end());
}

// A copy of a model_spec (the engine's, the schedule's) costs nothing per projection.
TEST(shared_list, a_copy_of_a_spec_shares_its_projections) {
    model::model_spec spec;
    spec.projections.resize(3);
    spec.projections[2].name = "EE";
    const model::model_spec copy = spec;
    EXPECT_TRUE(copy.projections.shares(spec.projections));
    spec.projections[2].name = "EI";
    EXPECT_EQ(copy.projections[2].name, "EE");
    EXPECT_FALSE(copy.projections.shares(spec.projections));
}
