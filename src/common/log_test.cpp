#include "common/log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace kirchhoff::common {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(Logfmt, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(logfmt_value("ok"), "ok");
  EXPECT_EQ(logfmt_value("two words"), "\"two words\"");
  EXPECT_EQ(logfmt_value("a=b"), "\"a=b\"");
  EXPECT_EQ(logfmt_value("say \"hi\"\n"), "\"say \\\"hi\\\"\\x0a\"");
  EXPECT_EQ(logfmt_value(""), "\"\"");
}

TEST(Logger, OneLinePerEventAboveTheLevel) {
  std::ostringstream sink;
  Logger log(sink, LogLevel::kInfo);
  log.debug("hidden");
  log.info("started", {{"site", "Demo house"}, {"port", "8080"}});
  const std::string out = sink.str();
  EXPECT_THAT(out, MatchesRegex("time=[0-9-]+T[0-9:.]+Z level=info msg=started "
                                "site=\"Demo house\" port=8080\n"));
}

}  // namespace
}  // namespace kirchhoff::common
