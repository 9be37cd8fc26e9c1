#include "api/static_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kirchhoff::api {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ =
        std::filesystem::temp_directory_path() / ("kirchhoff_static_" + std::to_string(::getpid()));
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_ / "dist" / "assets");
    std::ofstream(base_ / "dist" / "index.html") << "<html>home</html>";
    std::ofstream(base_ / "dist" / "assets" / "app-1234.js") << "console.log(1)";
    std::ofstream(base_ / "secret.txt") << "outside the root";
    std::filesystem::create_symlink(base_ / "secret.txt", base_ / "dist" / "link.txt");
  }
  HttpResponse get(const std::string& path) {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    return StaticFiles((base_ / "dist").string()).serve(r);
  }
  std::filesystem::path base_;
};

TEST_F(StaticFilesTest, ServesIndexAndAssetsWithTypesAndCaching) {
  const auto index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>home</html>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  const auto js = get("/assets/app-1234.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers[0].second, "public, max-age=31536000, immutable");
}

TEST_F(StaticFilesTest, RefusesEscapesAndMissingFiles) {
  EXPECT_EQ(get("/../secret.txt").status, 404);
  EXPECT_EQ(get("/assets/../../secret.txt").status, 404);
  EXPECT_EQ(get("/link.txt").status, 404);  // a link pointing out of the root
  EXPECT_EQ(get("/.hidden").status, 404);
  EXPECT_EQ(get("/nope.js").status, 404);
  EXPECT_EQ(get("/assets").status, 404);  // a directory
}

}  // namespace
}  // namespace kirchhoff::api
