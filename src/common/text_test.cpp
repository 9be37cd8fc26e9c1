#include "common/text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace kirchhoff::common {
namespace {

TEST(EditDistance, ClassicExamples) {
  // kitten -> sitting: substitute k/s, substitute e/i, insert g = 3 (textbook example).
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  // A swap of neighbours is one edit, not two.
  EXPECT_EQ(edit_distance("gird", "grid"), 1u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
}

TEST(ClosestMatch, FindsTyposAndIgnoresFarWords) {
  constexpr std::array<std::string_view, 4> keys = {"name", "topology", "frequency",
                                                    "main_breaker_a"};
  EXPECT_EQ(closest_match("topolgy", keys), "topology");
  EXPECT_EQ(closest_match("Frequency", keys), "frequency");
  EXPECT_EQ(closest_match("main_breaker", keys), "main_breaker_a");
  EXPECT_FALSE(closest_match("colour", keys).has_value());
}

TEST(DidYouMean, FormatsHintOrNothing) {
  constexpr std::array<std::string_view, 2> kinds = {"pulse", "status"};
  EXPECT_EQ(did_you_mean("puls", kinds), " (did you mean 'pulse'?)");
  EXPECT_EQ(did_you_mean("analog", kinds), "");
}

TEST(JoinAlternatives, ListsWithOr) {
  constexpr std::array<std::string_view, 3> v = {"NO", "NC", "CO"};
  EXPECT_EQ(join_alternatives(v), "NO, NC or CO");
  EXPECT_EQ(join_alternatives(std::span(v).first(1)), "NO");
}

}  // namespace
}  // namespace kirchhoff::common

#include "common/compensated_sum.hpp"

namespace kirchhoff::common {
namespace {

TEST(CompensatedSum, TenMillionTenthsAddUpExactly) {
  // 0.1 is not representable; a plain double sum of 1e7 of them drifts by
  // about 1.6e-4, the compensated one stays within one ulp of 1e6.
  CompensatedSum sum;
  double naive = 0.0;
  for (int i = 0; i < 10'000'000; ++i) {
    sum.add(0.1);
    naive += 0.1;
  }
  EXPECT_NEAR(sum.value(), 1e6, 1e-9);
  EXPECT_GT(std::abs(naive - 1e6), 1e-6);
}

}  // namespace
}  // namespace kirchhoff::common

#include "common/time.hpp"

namespace kirchhoff::common {
namespace {

TEST(UtcTime, ParsesDatesTimesAndUnixSeconds) {
  // 2026-01-01T00:00:00Z is 1767225600 (days since 1970 * 86400).
  EXPECT_EQ(parse_utc_time("2026-01-01"), 1767225600);
  EXPECT_EQ(parse_utc_time("2026-01-01T01:02:03Z"), 1767225600 + 3723);
  EXPECT_EQ(parse_utc_time("1767225600"), 1767225600);
  EXPECT_FALSE(parse_utc_time("yesterday").has_value());
  EXPECT_FALSE(parse_utc_time("2026-13-01").has_value());
  EXPECT_EQ(format_utc_time(1767225600000 + 3723000), "2026-01-01T01:02:03Z");
}

}  // namespace
}  // namespace kirchhoff::common
