#include "daemon/data_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace kirchhoff::daemon {
namespace {

using ::testing::HasSubstr;

std::string fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kirchhoff_data_dir_test_" + name + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(DataDir, CreatesMissingDirectories) {
  const std::string dir = fresh_dir("create") + "/a/b";
  auto data = DataDir::open(dir);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(data->file("history.db"), dir + "/history.db");
}

TEST(DataDir, SecondOpenIsRefusedWhileTheFirstHoldsIt) {
  const std::string dir = fresh_dir("lock");
  auto first = DataDir::open(dir);
  ASSERT_TRUE(first.ok());
  auto second = DataDir::open(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr("in use by another kirchhoff"));
  EXPECT_THAT(second.error().message, HasSubstr("pid " + std::to_string(::getpid())));
}

TEST(DataDir, LockIsReleasedWithTheObject) {
  const std::string dir = fresh_dir("release");
  { auto first = DataDir::open(dir); }
  EXPECT_TRUE(DataDir::open(dir).ok());
}

TEST(DataDir, AFileInTheWayIsAClearError) {
  const std::string path = fresh_dir("file");
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fclose(f);
  auto data = DataDir::open(path);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.error().message, HasSubstr(path));
}

}  // namespace
}  // namespace kirchhoff::daemon
