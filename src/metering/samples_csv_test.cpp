#include "metering/samples_csv.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "model/loader.hpp"

namespace kirchhoff::metering {
namespace {

using ::testing::HasSubstr;

ChannelLayout layout() {
  auto r = model::check_installation(
      "site: {name: t, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\nbus:\n"
      "  - ct_hub: hub1\n    inputs: {3: {ct: split-50A}}\n"
      "loads:\n  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/3]}\n");
  return channel_layout(*r.installation);
}

// Reads all rows; returns the first error message, or "" when all are good.
std::string read_all(const std::string& csv, int* rows = nullptr) {
  std::istringstream in(csv);
  auto reader = SamplesCsvReader::open(in, layout(), "s.csv");
  if (!reader) {
    return reader.error().message;
  }
  std::vector<float> v(1), i(1);
  double t = 0;
  int count = 0;
  while (true) {
    auto more = reader->next(t, v, i);
    if (!more) {
      return more.error().message;
    }
    if (!*more) {
      break;
    }
    ++count;
  }
  if (rows) *rows = count;
  return "";
}

TEST(SamplesCsv, ColumnsInAnyOrderExtrasIgnoredCrLfAndBlankLines) {
  int rows = 0;
  EXPECT_EQ(read_all("hub1/3, extra ,t,v1\r\n1.5,9,0,230\r\n\r\n-1.5,9,0.001,-230\n", &rows), "");
  EXPECT_EQ(rows, 2);
  std::istringstream in("hub1/3,t,v1\n2.25,0.5,+231.5\n");
  auto reader = SamplesCsvReader::open(in, layout(), "s.csv");
  ASSERT_TRUE(reader.ok());
  std::vector<float> v(1), i(1);
  double t = 0;
  ASSERT_TRUE(*reader->next(t, v, i));
  EXPECT_DOUBLE_EQ(t, 0.5);
  EXPECT_FLOAT_EQ(v[0], 231.5f);
  EXPECT_FLOAT_EQ(i[0], 2.25f);
}

TEST(SamplesCsv, ErrorsNameRowAndColumn) {
  EXPECT_EQ(read_all(""), "s.csv:1:1: the file is empty; it needs a header row");
  EXPECT_THAT(read_all("t,v1\n0,1\n"),
              HasSubstr("s.csv:1:1: missing column 'hub1/3' (the CT of load 'Grid' (L1))"));
  EXPECT_THAT(read_all("t,hub1/3\n"), HasSubstr("missing column 'v1'"));
  EXPECT_EQ(read_all("t,v1,hub1/3\n0,230,1\n0.001,abc,1\n"),
            "s.csv:3:2: 'abc' in column 'v1' is not a number");
  EXPECT_EQ(read_all("t,v1,hub1/3\n0,230,1\n0,230,1\n"),
            "s.csv:3:1: t = 0 is not after the previous row's t = 0");
  EXPECT_EQ(read_all("t,v1,hub1/3\n0,230\n"), "s.csv:2:3: this row has 2 cells, the header 3");
  EXPECT_EQ(read_all("t,v1,v1,hub1/3\n"), "s.csv:1:3: column 'v1' appears twice in the header");
  EXPECT_EQ(read_all("t,v1,hub1/3\n0,nan,1\n"), "s.csv:2:2: 'nan' in column 'v1' is not a number");
}

}  // namespace
}  // namespace kirchhoff::metering
