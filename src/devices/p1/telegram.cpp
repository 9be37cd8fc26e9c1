#include "devices/p1/telegram.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <map>
#include <utility>

#include "common/time.hpp"

namespace kirchhoff::devices::p1 {

namespace {

using common::ErrorKind;
using common::make_error;

constexpr std::size_t kMaxFields = 64;
constexpr std::size_t kMaxLogEntries = 32;
constexpr std::size_t kMaxNumberChars = 32;
constexpr std::size_t kMaxUnitChars = 16;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int hex_digit(char c) {
  if (is_digit(c)) {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A short, printable excerpt of `text` for a message.
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 24)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", byte);
      out += hex;
    }
  }
  if (text.size() > 24) {
    out += "...";
  }
  return out;
}

common::Error line_error(std::size_t line, const std::string& reason,
                         ErrorKind kind = ErrorKind::kInvalidArgument) {
  return make_error(kind, "P1 telegram line " + std::to_string(line) + ": " + reason);
}

// Unix seconds of the last Sunday of `month` at 01:00 UTC: when EU summer
// time starts (March) and ends (October).
std::int64_t eu_switch_utc(int year, int month) {
  const std::int64_t last_day = common::days_from_civil(year, month, 31);
  const std::int64_t weekday = ((last_day % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday
  return (last_day - weekday) * 86400 + 3600;
}

bool parse_decimal(std::string_view text, double& out) {
  if (text.empty() || text.size() > kMaxNumberChars) {
    return false;
  }
  std::size_t i = text[0] == '-' ? 1 : 0;
  std::size_t digits = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    if (is_digit(text[i])) {
      ++digits;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (digits == 0) {
    return false;
  }
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// "001234.567*kWh" -> 1234.567, "kWh"; "00004" -> 4, "".
bool parse_number_field(std::string_view field, double& value, std::string& unit) {
  const std::size_t star = field.find('*');
  if (star != std::string_view::npos) {
    const std::string_view u = field.substr(star + 1);
    if (u.empty() || u.size() > kMaxUnitChars) {
      return false;
    }
    for (char c : u) {
      if (!is_alnum(c)) {
        return false;
      }
    }
    if (!parse_decimal(field.substr(0, star), value)) {
      return false;
    }
    unit = std::string(u);
    return true;
  }
  unit.clear();
  return parse_decimal(field, value);
}

// "A-B:C.D.E" with each part 1..3 digits; `rest` gets what follows it.
bool parse_obis(std::string_view line, std::string& obis, std::string_view& rest) {
  static constexpr std::array<char, 4> kSeparators = {'-', ':', '.', '.'};
  std::size_t i = 0;
  for (std::size_t part = 0; part < 5; ++part) {
    const std::size_t start = i;
    while (i < line.size() && is_digit(line[i]) && i - start < 3) {
      ++i;
    }
    if (i == start) {
      return false;
    }
    if (part < 4) {
      if (i >= line.size() || line[i] != kSeparators[part]) {
        return false;
      }
      ++i;
    }
  }
  obis = std::string(line.substr(0, i));
  // EasyMeter writes the F group too ("1-0:1.8.0*255"); the key drops it.
  if (i < line.size() && line[i] == '*') {
    ++i;
    const std::size_t start = i;
    while (i < line.size() && is_digit(line[i]) && i - start < 3) {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  rest = line.substr(i);
  return true;
}

bool looks_like_obis(std::string_view text) {
  std::string obis;
  std::string_view rest;
  return parse_obis(text, obis, rest) && rest.empty();
}

// Appends the "(..)(..)" fields of `rest` to `object`.
common::Status parse_fields(std::string_view rest, std::size_t line, CosemObject& object) {
  std::size_t i = 0;
  while (i < rest.size()) {
    if (rest[i] == ' ' || rest[i] == '\t') {
      ++i;
      continue;
    }
    if (rest[i] != '(') {
      return line_error(line, object.obis + ": unexpected '" + excerpt(rest.substr(i)) +
                                  "' where a '(' or the end of the line should be");
    }
    const std::size_t close = rest.find(')', i + 1);
    const std::size_t open = rest.find('(', i + 1);
    if (close == std::string_view::npos || (open != std::string_view::npos && open < close)) {
      return line_error(line, object.obis + ": unclosed '(' in '" + excerpt(rest.substr(i)) + "'");
    }
    if (object.fields.size() >= kMaxFields) {
      return line_error(line, object.obis + ": more than " + std::to_string(kMaxFields) +
                                  " values in one object");
    }
    object.fields.emplace_back(rest.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  return common::Status::success();
}

bool text_object(std::string_view obis) {
  const std::size_t colon = obis.find(':');
  const std::string_view cde = obis.substr(colon + 1);
  // Ids, messages, versions and the tariff indicator: leading zeros matter
  // and an all-digit id is still an id.
  return cde.starts_with("96.1.") || cde.starts_with("96.13.") || cde == "96.14.0" ||
         cde == "0.2.8" || cde == "42.0.0" || cde == "0.0.0";
}

common::Status interpret_power_failure_log(CosemObject& object) {
  const auto& f = object.fields;
  object.is_log = true;
  double count = 0;
  std::string unit;
  if (!f[0].empty() && (!parse_number_field(f[0], count, unit) || !unit.empty() || count < 0)) {
    return line_error(object.line, object.obis + ": the number of failures '" + excerpt(f[0]) +
                                       "' is not a whole number");
  }
  if (f.size() > 1 && !looks_like_obis(f[1])) {
    return line_error(object.line, object.obis +
                                       ": expected the OBIS reference of the entries "
                                       "(0-0:96.7.19) as second value, found '" +
                                       excerpt(f[1]) + "'");
  }
  const std::size_t rest = f.size() > 2 ? f.size() - 2 : 0;
  if (rest % 2 != 0) {
    return line_error(object.line,
                      object.obis + ": each failure needs two values, (end time)(duration*s)");
  }
  if (static_cast<double>(rest / 2) != count) {
    return line_error(object.line, object.obis + ": says " +
                                       std::to_string(static_cast<long>(count)) +
                                       " failures but lists " + std::to_string(rest / 2));
  }
  if (rest / 2 > kMaxLogEntries) {
    return line_error(object.line,
                      object.obis + ": more than " + std::to_string(kMaxLogEntries) + " entries");
  }
  for (std::size_t i = 2; i + 1 < f.size(); i += 2) {
    LogEntry entry;
    auto time = parse_timestamp(f[i]);
    if (!time) {
      return line_error(object.line,
                        object.obis + ": '" + excerpt(f[i]) + "' is not a time YYMMDDhhmmssX");
    }
    entry.timestamp = std::move(*time);
    if (!parse_number_field(f[i + 1], entry.value, entry.unit)) {
      return line_error(object.line,
                        object.obis + ": '" + excerpt(f[i + 1]) + "' is not a duration");
    }
    object.entries.push_back(std::move(entry));
  }
  object.value = count;
  return common::Status::success();
}

// e-MUCS 0-0:98.1.0: (count)(1-0:1.6.0)(1-0:1.6.0) then per month
// (month start)(time of the peak)(peak*kW).
common::Status interpret_peak_history(CosemObject& object) {
  const auto& f = object.fields;
  object.is_log = true;
  double count = 0;
  std::string unit;
  parse_number_field(f[0], count, unit);
  std::size_t i = 1;
  while (i < f.size() && i < 3 && looks_like_obis(f[i])) {
    ++i;
  }
  const std::size_t rest = f.size() - i;
  if (rest % 3 != 0) {
    return line_error(object.line, object.obis +
                                       ": each month needs three values, "
                                       "(month start)(time of the peak)(peak*kW)");
  }
  if (static_cast<double>(rest / 3) != count) {
    return line_error(object.line, object.obis + ": says " +
                                       std::to_string(static_cast<long>(count)) +
                                       " months but lists " + std::to_string(rest / 3));
  }
  if (rest / 3 > kMaxLogEntries) {
    return line_error(object.line,
                      object.obis + ": more than " + std::to_string(kMaxLogEntries) + " entries");
  }
  for (; i + 2 < f.size(); i += 3) {
    LogEntry entry;
    auto start = parse_timestamp(f[i]);
    auto peak = parse_timestamp(f[i + 1]);
    if (!start || !peak) {
      return line_error(object.line, object.obis + ": '" + excerpt(!start ? f[i] : f[i + 1]) +
                                         "' is not a time YYMMDDhhmmssX");
    }
    entry.timestamp = std::move(*start);
    entry.peak_timestamp = std::move(*peak);
    if (!parse_number_field(f[i + 2], entry.value, entry.unit)) {
      return line_error(object.line,
                        object.obis + ": '" + excerpt(f[i + 2]) + "' is not a peak demand");
    }
    object.entries.push_back(std::move(entry));
  }
  object.value = count;
  return common::Status::success();
}

bool is_whole_count(std::string_view field) {
  if (field.empty() || field.size() > 4) {
    return false;
  }
  for (char c : field) {
    if (!is_digit(c)) {
      return false;
    }
  }
  return true;
}

common::Status interpret(CosemObject& object) {
  const auto& f = object.fields;
  const std::string_view obis = object.obis;
  const std::string_view cde = obis.substr(obis.find(':') + 1);
  if (cde == "99.97.0") {
    return interpret_power_failure_log(object);
  }
  if (obis == "0-0:98.1.0" && is_whole_count(f[0]) && (f.size() == 1 || looks_like_obis(f[1]))) {
    return interpret_peak_history(object);
  }
  if (cde == "24.3.0") {
    // DSMR 2.2/3 gas: (time)(00)(60)(1)(0-n:24.2.1)(m3) and (value) on the next line.
    if (f.size() < 7) {
      return line_error(object.line, object.obis +
                                         ": the register value is missing (it comes "
                                         "on the next line, as '(00123.456)')");
    }
    auto time = parse_timestamp(f[0]);
    std::string unit;
    double value = 0;
    if (!time || !parse_number_field(f.back(), value, unit)) {
      return line_error(object.line,
                        object.obis + ": expected (time)(..)(..)(..)(OBIS)(unit) and (value)");
    }
    object.timestamp = std::move(*time);
    object.value = value;
    object.unit = unit.empty() ? f[5] : unit;
    return common::Status::success();
  }
  if (obis == "0-0:1.0.0") {
    auto time = f.size() == 1 ? parse_timestamp(f[0]) : std::nullopt;
    if (!time) {
      return line_error(object.line, object.obis + ": expected one time YYMMDDhhmmssX, found '" +
                                         excerpt(f[0]) + "'");
    }
    object.text = f[0];
    object.timestamp = std::move(*time);
    return common::Status::success();
  }
  if (f.size() == 1) {
    double value = 0;
    std::string unit;
    if (!text_object(obis) && parse_number_field(f[0], value, unit)) {
      object.value = value;
      object.unit = std::move(unit);
    } else {
      object.text = f[0];
    }
    return common::Status::success();
  }
  if (f.size() == 2) {
    auto time = parse_timestamp(f[0]);
    double value = 0;
    std::string unit;
    if (time && parse_number_field(f[1], value, unit)) {
      object.timestamp = std::move(*time);
      object.value = value;
      object.unit = std::move(unit);
    }
  }
  // Anything else keeps its fields as sent.
  return common::Status::success();
}

}  // namespace

std::uint16_t crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (char c : bytes) {
    crc = static_cast<std::uint16_t>(crc ^ static_cast<unsigned char>(c));
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001U)
                            : static_cast<std::uint16_t>(crc >> 1);
    }
  }
  return crc;
}

std::string crc_hex(std::uint16_t crc) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", static_cast<unsigned>(crc));
  return text;
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  if (text.size() != 12 && text.size() != 13) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < 12; ++i) {
    if (!is_digit(text[i])) {
      return std::nullopt;
    }
  }
  const char flag = text.size() == 13 ? text[12] : '\0';
  if (text.size() == 13 && flag != 'S' && flag != 'W') {
    return std::nullopt;
  }
  Timestamp out;
  out.text = std::string(text);
  const auto two = [&](std::size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
  const int year = 2000 + two(0);
  const int month = two(2);
  const int day = two(4);
  const int hour = two(6);
  const int minute = two(8);
  const int second = two(10);
  if (month < 1 || month > 12 || day < 1 || day > common::days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return out;
  }
  const std::int64_t local_s =
      common::days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  int offset_h = 1;
  if (flag == 'S') {
    offset_h = 2;
  } else if (flag == '\0') {
    const std::int64_t as_summer = local_s - 7200;
    if (as_summer >= eu_switch_utc(year, 3) && as_summer < eu_switch_utc(year, 10)) {
      offset_h = 2;
    }
  }
  out.unix_ms = (local_s - offset_h * 3600) * 1000;
  char iso[40];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", year, month, day, hour,
                minute, second, offset_h);
  out.iso = iso;
  return out;
}

const CosemObject* Telegram::find(std::string_view obis) const {
  for (const CosemObject& object : objects) {
    if (object.obis == obis) {
      return &object;
    }
  }
  return nullptr;
}

std::optional<double> Telegram::number(std::string_view obis) const {
  const CosemObject* object = find(obis);
  return object != nullptr ? object->value : std::nullopt;
}

common::Result<Telegram> parse_telegram(std::string_view text, const ParseOptions& options) {
  if (text.size() > kMaxTelegramBytes) {
    return make_error(ErrorKind::kInvalidArgument,
                      "P1 telegram: " + std::to_string(text.size()) + " bytes, more than the " +
                          std::to_string(kMaxTelegramBytes) + " a telegram may have");
  }
  std::size_t pos = 0;
  std::size_t line = 1;
  while (pos < text.size() && is_space(text[pos])) {
    line += text[pos] == '\n' ? 1 : 0;
    ++pos;
  }
  if (pos == text.size()) {
    return make_error(ErrorKind::kInvalidArgument, "P1 telegram: the input is empty");
  }
  if (text[pos] != '/') {
    return line_error(line, "not a P1 telegram: expected the header line '/XXX5...', found '" +
                                excerpt(text.substr(pos, text.find('\n', pos) - pos)) + "'");
  }
  const std::size_t start = pos;
  // A telegram cut short is reported as such, not by the line it broke in.
  const std::size_t end_line = text.find("\n!", start);
  if (end_line == std::string_view::npos) {
    std::size_t last_line = line;
    for (std::size_t i = start; i < text.size(); ++i) {
      last_line += text[i] == '\n' && i + 1 < text.size() ? 1 : 0;
    }
    return line_error(last_line, "the telegram ends without its end line '!' (cut short?)");
  }
  Telegram telegram;
  std::map<std::string, std::size_t, std::less<>> seen;  // OBIS -> line
  bool header = true;
  bool ended = false;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view content = text.substr(pos, next - pos);
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
      content.remove_suffix(1);
    }
    for (char c : content) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && c != '\t') || byte >= 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", byte);
        return line_error(line, std::string("byte ") + hex + " is not printable ASCII");
      }
    }
    if (header) {
      if (content.size() < 5) {
        return line_error(line, "the header '" + excerpt(content) +
                                    "' is too short (expected '/XXX5' and an identifier)");
      }
      telegram.header = std::string(content.substr(1));
      header = false;
    } else if (!content.empty() && content[0] == '!') {
      const std::string_view crc_text = content.substr(1);
      telegram.crc_computed = crc16(text.substr(start, pos + 1 - start));
      if (!crc_text.empty()) {
        unsigned value = 0;
        if (crc_text.size() > 4) {
          return line_error(line, "the CRC '" + excerpt(crc_text) + "' has more than 4 hex digits");
        }
        for (char c : crc_text) {
          const int digit = hex_digit(c);
          if (digit < 0) {
            return line_error(line, "the CRC '" + excerpt(crc_text) + "' is not hexadecimal");
          }
          value = value * 16 + static_cast<unsigned>(digit);
        }
        telegram.crc_sent = static_cast<std::uint16_t>(value);
        telegram.crc_ok = telegram.crc_sent == telegram.crc_computed;
      }
      pos = next;
      ++line;
      ended = true;
      break;
    } else if (content.find_first_not_of(" \t") == std::string_view::npos) {
      // An empty line: the one after the header, or padding.
    } else if (content[0] == '(') {
      if (telegram.objects.empty()) {
        return line_error(line, "a value line '" + excerpt(content) + "' with no object before it");
      }
      auto status = parse_fields(content, line, telegram.objects.back());
      if (!status) {
        return status.error();
      }
    } else {
      CosemObject object;
      std::string_view rest;
      if (!parse_obis(content, object.obis, rest)) {
        return line_error(
            line, "'" + excerpt(content) + "' does not start with an OBIS reference (A-B:C.D.E)");
      }
      object.line = line;
      auto status = parse_fields(rest, line, object);
      if (!status) {
        return status.error();
      }
      if (object.fields.empty()) {
        return line_error(line, object.obis + " has no value '(...)'");
      }
      auto [it, inserted] = seen.emplace(object.obis, line);
      if (!inserted) {
        return line_error(line, object.obis + " appears twice (first on line " +
                                    std::to_string(it->second) + "); two telegrams run together?");
      }
      telegram.objects.push_back(std::move(object));
    }
    pos = next;
    ++line;
  }
  if (!ended) {
    return line_error(line - 1, "the telegram ends without its end line '!' (cut short?)");
  }
  for (; pos < text.size(); ++pos) {
    if (!is_space(text[pos])) {
      return line_error(line, "text after the end line: '" + excerpt(text.substr(pos)) + "'");
    }
    line += text[pos] == '\n' ? 1 : 0;
  }
  // A damaged telegram is reported as damaged, not by what the damage broke.
  if (options.require_crc_match && telegram.crc_ok == false) {
    return make_error(ErrorKind::kCorruption,
                      "P1 telegram: CRC mismatch: the telegram says " +
                          crc_hex(*telegram.crc_sent) + ", its bytes give " +
                          crc_hex(telegram.crc_computed) + " (damaged in transit?)");
  }
  for (CosemObject& object : telegram.objects) {
    auto status = interpret(object);
    if (!status) {
      return status.error();
    }
  }
  return telegram;
}

}  // namespace kirchhoff::devices::p1
