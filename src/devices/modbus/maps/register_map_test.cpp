// Decoding and encoding of register values and the planning of read blocks.
#include "devices/modbus/maps/register_map.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kirchhoff::devices::maps {
namespace {

using modbus::RegisterKind;
using Words = std::vector<std::uint16_t>;

double decode(const Words& words, ValueType type, WordOrder order = WordOrder::kBig) {
  return decode_value(words, type, order);
}

TEST(Codec, DecodesEveryType) {
  EXPECT_EQ(decode({0xFFFF}, ValueType::kInt16), -1.0);
  EXPECT_EQ(decode({0xFFFF}, ValueType::kUint16), 65535.0);
  EXPECT_EQ(decode({0xFFFF, 0xFC18}, ValueType::kInt32), -1000.0);  // 0xFFFFFC18
  EXPECT_EQ(decode({0xFC18, 0xFFFF}, ValueType::kInt32, WordOrder::kLittle), -1000.0);
  EXPECT_EQ(decode({0x0001, 0xE240}, ValueType::kUint32), 123456.0);
  EXPECT_EQ(decode({0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}, ValueType::kInt64), -2.0);
  EXPECT_EQ(decode({0x0000, 0x0000, 0x0012, 0xD687}, ValueType::kUint64), 1234567.0);
  EXPECT_EQ(decode({0xD687, 0x0012, 0x0000, 0x0000}, ValueType::kUint64, WordOrder::kLittle),
            1234567.0);
  // 230.1 as float32 0x4366199A (1.79765625 x 2^7).
  EXPECT_FLOAT_EQ(static_cast<float>(decode({0x4366, 0x199A}, ValueType::kFloat32)), 230.1f);
  EXPECT_EQ(decode({0x199A, 0x4366}, ValueType::kFloat32, WordOrder::kLittle),
            decode({0x4366, 0x199A}, ValueType::kFloat32));
  // 1234567.0 as float64 0x4132D68700000000.
  EXPECT_EQ(decode({0x4132, 0xD687, 0x0000, 0x0000}, ValueType::kFloat64), 1234567.0);
  EXPECT_TRUE(std::isnan(decode({0x7FC0, 0x0000}, ValueType::kFloat32)));
}

TEST(Codec, EncodesRoundedAndSaturated) {
  EXPECT_EQ(encode_value(-1000.0, ValueType::kInt32, WordOrder::kBig), (Words{0xFFFF, 0xFC18}));
  EXPECT_EQ(encode_value(-1000.0, ValueType::kInt32, WordOrder::kLittle), (Words{0xFC18, 0xFFFF}));
  EXPECT_EQ(encode_value(554.6, ValueType::kUint16, WordOrder::kBig), (Words{555}));
  EXPECT_EQ(encode_value(70000.0, ValueType::kUint16, WordOrder::kBig), (Words{0xFFFF}));
  EXPECT_EQ(encode_value(-5.0, ValueType::kUint32, WordOrder::kBig), (Words{0, 0}));
  EXPECT_EQ(encode_value(1e30, ValueType::kInt64, WordOrder::kBig),
            (Words{0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  EXPECT_EQ(encode_value(1e30, ValueType::kUint64, WordOrder::kBig),
            (Words{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  EXPECT_EQ(encode_value(16.0, ValueType::kFloat32, WordOrder::kBig), (Words{0x4180, 0x0000}));
  EXPECT_EQ(encode_value(1234567.0, ValueType::kFloat64, WordOrder::kLittle),
            (Words{0x0000, 0x0000, 0xD687, 0x4132}));
}

TEST(PlanBlocks, MergesAcrossSmallGapsOnlyWithinOneFunctionAndAt125Registers) {
  std::vector<Point> points;
  const auto add = [&](RegisterKind f, std::uint16_t address, ValueType type, int part = 0) {
    Point p;
    p.function = f;
    p.address = address;
    p.type = type;
    p.part = part;
    points.push_back(p);
  };
  add(RegisterKind::kInput, 0, ValueType::kFloat32);        // 0..1
  add(RegisterKind::kInput, 6, ValueType::kFloat32);        // gap 2..5 = 4: merged
  add(RegisterKind::kInput, 13, ValueType::kUint16);        // gap 8..12 = 5: new block
  add(RegisterKind::kHolding, 2, ValueType::kUint16);       // other function
  add(RegisterKind::kHolding, 100, ValueType::kUint64);     // 100..103
  add(RegisterKind::kHolding, 220, ValueType::kUint16);     // gap 104..219: new block
  add(RegisterKind::kHolding, 225, ValueType::kUint16);     // gap 221..224 = 4: merged
  add(RegisterKind::kHolding, 500, ValueType::kUint16, 1);  // another part
  Point with_sf;
  with_sf.function = RegisterKind::kHolding;
  with_sf.address = 300;
  with_sf.type = ValueType::kInt16;
  with_sf.scale_factor = ScaleFactorRegister{RegisterKind::kHolding, 302, ValueType::kInt16};
  points.push_back(with_sf);
  EXPECT_EQ(plan_blocks(points, 0, 4), (std::vector<ReadBlock>{
                                           {RegisterKind::kHolding, 2, 1},
                                           {RegisterKind::kHolding, 100, 4},
                                           {RegisterKind::kHolding, 220, 6},
                                           {RegisterKind::kHolding, 300, 3},
                                           {RegisterKind::kInput, 0, 8},
                                           {RegisterKind::kInput, 13, 1},
                                       }));
  EXPECT_EQ(plan_blocks(points, 1, 4), (std::vector<ReadBlock>{{RegisterKind::kHolding, 500, 1}}));
  // With gaps of up to 125 allowed, 2..103 is one block; 2..220 would be 219
  // registers, so 220 starts the next one, which takes 225 and 300..302 in.
  const auto wide = plan_blocks(points, 0, 125);
  EXPECT_EQ(wide[0], (ReadBlock{RegisterKind::kHolding, 2, 102}));   // 2..103
  EXPECT_EQ(wide[1], (ReadBlock{RegisterKind::kHolding, 220, 83}));  // 220..302
}

TEST(PlanBlocks, ABlockHoldsAtMost125Registers) {
  std::vector<Point> points(2);
  points[0].address = 0;
  points[1].address = 124;  // 0..124 is 125 registers: one block
  EXPECT_EQ(plan_blocks(points, 0, 125),
            (std::vector<ReadBlock>{{RegisterKind::kHolding, 0, 125}}));
  points[1].address = 125;  // 0..125 would be 126: two blocks
  EXPECT_EQ(
      plan_blocks(points, 0, 125),
      (std::vector<ReadBlock>{{RegisterKind::kHolding, 0, 1}, {RegisterKind::kHolding, 125, 1}}));
}

}  // namespace
}  // namespace kirchhoff::devices::maps
