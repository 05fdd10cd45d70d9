// Suggestions for misspelt keys (controlplane/spelling): what both strict
// YAML loaders (topology, scenario) use for "did you mean ...?".

#include <gtest/gtest.h>

#include <string>

#include "controlplane/spelling.hpp"

using namespace l2vpn::cp;

TEST(Spelling, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("routers", "routers"), 0u);
  EXPECT_EQ(edit_distance("rotuers", "routers"), 2u);  // a swap is two edits
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Spelling, ClosestMatchPicksTheNearestWithinTheBound) {
  EXPECT_EQ(closest_match("routres", {"links", "routers", "services"}, 3), "routers");
  EXPECT_EQ(closest_match("link", {"links", "sites"}, 3), "links");
  // Ties: the first candidate.
  EXPECT_EQ(closest_match("ab", {"ax", "xb"}, 3), "ax");
  // Nothing near enough.
  EXPECT_EQ(closest_match("bandwidth", {"links", "routers"}, 3), "");
  EXPECT_EQ(closest_match("mtu", {}, 3), "");
}

TEST(Spelling, ClosestMatchSkipsCandidatesTooDifferentInLength) {
  // Length alone rules these out; the answer is the same as comparing all.
  const std::string garbage(100000, 'x');
  EXPECT_EQ(closest_match(garbage, {"links", "routers"}, 3), "");
  EXPECT_EQ(closest_match("ab", {"abcde", "abc"}, 2), "abc");
  EXPECT_EQ(closest_match("abcdefgh", {"ab", "abcdefg"}, 3), "abcdefg");
}
