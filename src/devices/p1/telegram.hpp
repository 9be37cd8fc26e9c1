// One DSMR / e-MUCS P1 telegram, parsed (docs/p1.md): the header, the CRC
// verdict and the objects keyed by OBIS reference. The parser works on text
// only; it never touches a socket or a file, never throws and refuses input
// over kMaxTelegramBytes. Plain values, safe to copy between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::devices::p1 {

// The largest telegram accepted, header to CRC line. Real ones stay under 3 KiB.
inline constexpr std::size_t kMaxTelegramBytes = 8192;

// CRC-16/ARC (poly 0xA001 reflected, init 0, no final XOR) of `bytes`.
std::uint16_t crc16(std::string_view bytes);

// A meter's local time, YYMMDDhhmmss[S|W], read as Central European Time.
struct Timestamp {
  std::string text;                     // as sent, e.g. "101209113020W"
  std::optional<std::int64_t> unix_ms;  // empty when the fields are not a valid time
  std::string iso;                      // "2010-12-09T11:30:20+01:00"; empty when unix_ms is
};

// Reads YYMMDDhhmmssX (X = S summer +02:00, W winter +01:00) or, DSMR 2.2/3,
// YYMMDDhhmmss (offset by the EU summer-time rule). Empty when `text` has
// neither shape; a Timestamp without unix_ms when it has the shape but a
// field is out of range (Fluvius sends "632525252525W" for "no value").
std::optional<Timestamp> parse_timestamp(std::string_view text);

// One entry of a log object: a power failure of 1-0:99.97.0 (timestamp = its
// end, value = duration in s) or a past month of e-MUCS 0-0:98.1.0
// (timestamp = the month's start, peak_timestamp = when the peak was, value
// = the peak in kW).
struct LogEntry {
  Timestamp timestamp;
  std::optional<Timestamp> peak_timestamp;
  double value = 0.0;
  std::string unit;
};

// One COSEM object: an OBIS reference and its fields, with what they mean.
struct CosemObject {
  std::string obis;                 // "1-0:1.8.1", "0-1:24.2.1" ("*255" dropped)
  std::size_t line = 0;             // 1-based line of the telegram it starts on
  std::vector<std::string> fields;  // the texts between ( and ), in order, as sent

  // Interpretation (at most one of value / text is set):
  std::optional<double> value;         // a number, in `unit`
  std::string unit;                    // after '*' ("kWh", "m3"); empty when none
  std::optional<std::string> text;     // ids, messages, versions, tariff indicator
  std::optional<Timestamp> timestamp;  // own time, or the time a value was captured
  bool is_log = false;                 // 1-0:99.97.0 and e-MUCS 0-0:98.1.0
  std::vector<LogEntry> entries;       // of a log; value holds their count
};

struct Telegram {
  std::string header;          // after '/', e.g. "ISk5\2MT382-1000"
  std::optional<bool> crc_ok;  // empty when the telegram carries no CRC
  std::optional<std::uint16_t> crc_sent;
  std::uint16_t crc_computed = 0;    // over '/' .. '!' inclusive
  std::vector<CosemObject> objects;  // in telegram order, each OBIS once

  // The object with this OBIS reference, or nullptr.
  const CosemObject* find(std::string_view obis) const;
  // Its numeric value when it has one.
  std::optional<double> number(std::string_view obis) const;
};

struct ParseOptions {
  // When true, a CRC that does not match is an error (kCorruption). The
  // daemon wants that; `kirchhoff p1` turns it off to show what it read.
  bool require_crc_match = true;
};

// Parses one telegram: optional leading whitespace, the header line, data
// lines, the end line '!' with an optional CRC, optional trailing whitespace.
// Errors (kInvalidArgument, kCorruption for a CRC mismatch) name the line and
// the reason: "P1 telegram line 7: 1-0:1.8.1: unclosed '('".
common::Result<Telegram> parse_telegram(std::string_view text, const ParseOptions& options = {});

// "6796": four upper-case hex digits, for messages and the JSON.
std::string crc_hex(std::uint16_t crc);

}  // namespace kirchhoff::devices::p1
