// Fuzz target: the rollup block decoder (docs/store-format.md, "Rollup block
// encoding") on arbitrary bytes. It must report corruption, never crash,
// read out of bounds or allocate without limit; and whatever it decodes must
// encode back to a block that decodes the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto block = kirchhoff::store::decode_rollup_block(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (block) {
    const auto again = kirchhoff::store::decode_rollup_block(
        kirchhoff::store::encode_rollup_block(block->level_ms, block->buckets));
    if (!again || again->level_ms != block->level_ms || again->buckets != block->buckets) {
      std::abort();  // the codec does not round-trip what it accepted
    }
  }
  return 0;
}
