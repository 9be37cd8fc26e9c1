#include "common/log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <string>

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

// sd-daemon(3): SD_ERR "<3>", SD_WARNING "<4>", SD_INFO "<6>", SD_DEBUG "<7>";
// no time (the journal stamps lines itself).
TEST(Logger, JournalLinesStartWithTheSyslogPriority) {
  std::ostringstream sink;
  Logger log(sink, LogLevel::kDebug, LogFormat::kJournal);
  log.debug("d");
  log.info("started", {{"port", "8080"}});
  log.warning("w");
  log.error("e", {{"reason", "disk full"}});
  EXPECT_EQ(sink.str(),
            "<7>level=debug msg=d\n"
            "<6>level=info msg=started port=8080\n"
            "<4>level=warning msg=w\n"
            "<3>level=error msg=e reason=\"disk full\"\n");
}

TEST(Logger, MinimumLevel) {
  std::ostringstream sink;
  Logger log(sink, LogLevel::kWarning, LogFormat::kJournal);
  log.debug("d");
  log.info("i");
  log.warning("w");
  log.error("e");
  EXPECT_EQ(sink.str(), "<4>level=warning msg=w\n<3>level=error msg=e\n");
}

TEST(LogLevel, ParsesTheFourNames) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::kInfo);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::kWarning);
  EXPECT_EQ(parse_log_level("error"), LogLevel::kError);
  EXPECT_EQ(parse_log_level("warn"), std::nullopt);
  EXPECT_EQ(parse_log_level("INFO"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
}

// JOURNAL_STREAM is "DEVICE:INODE" of the journal's stream (systemd.exec(5));
// a file's own fstat() gives the values it must match.
TEST(JournalStream, MatchesOnlyTheSameDeviceAndInode) {
  char path[] = "/tmp/kirchhoff-log-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  struct stat info {};
  ASSERT_EQ(::fstat(fd, &info), 0);
  const std::string dev = std::to_string(info.st_dev);
  const std::string ino = std::to_string(info.st_ino);
  EXPECT_TRUE(is_journal_stream((dev + ":" + ino).c_str(), fd));
  EXPECT_FALSE(is_journal_stream((dev + ":" + std::to_string(info.st_ino + 1)).c_str(), fd));
  EXPECT_FALSE(is_journal_stream((std::to_string(info.st_dev + 1) + ":" + ino).c_str(), fd));
  EXPECT_FALSE(is_journal_stream(nullptr, fd));
  EXPECT_FALSE(is_journal_stream("", fd));
  EXPECT_FALSE(is_journal_stream((dev + ino).c_str(), fd));
  EXPECT_FALSE(is_journal_stream((dev + ":" + ino + "x").c_str(), fd));
  EXPECT_FALSE(is_journal_stream((":" + ino).c_str(), fd));
  ::close(fd);
  ::unlink(path);
  EXPECT_FALSE(is_journal_stream((dev + ":" + ino).c_str(), fd));  // closed: no stream
}

}  // namespace
}  // namespace kirchhoff::common
