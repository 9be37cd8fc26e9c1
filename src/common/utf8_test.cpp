#include "common/utf8.hpp"
#include "common/json_text.hpp"

#include <gtest/gtest.h>

namespace kirchhoff::common {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Garden lights"));
  EXPECT_TRUE(is_valid_utf8("W\xC3\xA4rmepumpe"));      // ä: C3 A4
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC 0.30/kWh"));  // €: E2 82 AC
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x94\x8C"));       // U+1F50C: F0 9F 94 8C
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));       // U+10FFFF, the last code point
}

TEST(Utf8, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(first_invalid_utf8("/\xff"), 1u);
  EXPECT_EQ(first_invalid_utf8("ab\xC3"), 2u);            // truncated sequence
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);     // U+D800, a surrogate
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok\x80"), 2u);            // lone continuation byte
}

TEST(Utf8, ReplacesEachIllFormedByteWithTheReplacementCharacter) {
  EXPECT_EQ(to_valid_utf8("a\xff"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(to_valid_utf8("\xC3\xA4"), "\xC3\xA4");
}

TEST(Utf8, LogSafeBoundsTheLengthAtACharacterBoundary) {
  EXPECT_EQ(log_safe("olga"), "olga");
  const std::string long_name(1000, 'x');
  EXPECT_EQ(log_safe(long_name, 8), "xxxxxxxx...(1000 bytes)");
  // "ääää" is 8 bytes; a cut at 3 falls inside the second ä and backs up to 2.
  EXPECT_EQ(log_safe("\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4", 3), "\xC3\xA4...(8 bytes)");
}

TEST(JsonText, NeverThrows) {
  const nlohmann::json bad = {{"error", std::string("no WebSocket at /\xff")}};
  EXPECT_THROW((void)bad.dump(), nlohmann::json::type_error);
  EXPECT_EQ(json_text(bad), "{\"error\":\"no WebSocket at /\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace kirchhoff::common
