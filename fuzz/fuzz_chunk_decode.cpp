// Fuzz target: the history chunk decoder on arbitrary bytes. It must report
// corruption, never crash, read out of bounds or allocate without limit; and
// whatever it decodes must encode back to a chunk that decodes the same. The
// same bytes as a journal row (a sequence of chunks) must be as safe.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto points =
      kirchhoff::store::decode_chunk(std::string_view(reinterpret_cast<const char*>(data), size));
  if (points) {
    const auto again = kirchhoff::store::decode_chunk(kirchhoff::store::encode_chunk(*points));
    if (!again || *again != *points) {
      std::abort();  // the codec does not round-trip what it accepted
    }
  }
  const std::string_view row(reinterpret_cast<const char*>(data), size);
  if (const auto segments = kirchhoff::store::journal_segments(row)) {
    for (const auto& [id, chunk] : *segments) {
      (void)kirchhoff::store::decode_journal(row, id);
    }
  }
  return 0;
}
