// `kirchhoff p1 [FILE|-]`: one DSMR / e-MUCS P1 telegram from a file or
// stdin, printed as JSON (docs/p1.md). Exit 1 when the text is no telegram or
// its CRC does not match (the JSON is still printed then), 2 when the file
// cannot be read.
#include <fstream>
#include <iostream>
#include <ostream>
#include <string>

#include "app/cli.hpp"
#include "devices/p1/telegram.hpp"
#include "devices/p1/telegram_json.hpp"

namespace kirchhoff::app {

namespace {

// Reads at most `limit` bytes; more would not be a telegram anyway.
std::string read_at_most(std::istream& in, std::size_t limit) {
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace

int p1_command(const CommandContext& ctx) {
  const char* usage = "usage: kirchhoff p1 [FILE|-]\n";
  if (ctx.args.size() > 1 ||
      (ctx.args.size() == 1 && ctx.args[0].size() > 1 && ctx.args[0][0] == '-')) {
    ctx.err << "kirchhoff p1: "
            << (ctx.args.size() > 1 ? "one telegram file at most"
                                    : "unknown option '" + ctx.args[0] + "'")
            << "\n"
            << usage;
    return kExitUnreadable;
  }
  const std::string path = ctx.args.empty() ? "-" : ctx.args[0];
  const std::string name = path == "-" ? "<stdin>" : path;
  constexpr std::size_t kLimit = devices::p1::kMaxTelegramBytes;
  std::string text;
  if (path == "-") {
    text = read_at_most(std::cin, kLimit + 1);
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      ctx.err << "kirchhoff p1: " << name << ": cannot read the file\n";
      return kExitUnreadable;
    }
    text = read_at_most(file, kLimit + 1);
  }
  if (text.size() > kLimit) {
    ctx.err << "kirchhoff p1: " << name << ": more than " << kLimit
            << " bytes; a P1 telegram is at most that long\n";
    return kExitInvalid;
  }
  const auto telegram = devices::p1::parse_telegram(text, {.require_crc_match = false});
  if (!telegram) {
    ctx.err << "kirchhoff p1: " << name << ": " << telegram.error().message << "\n";
    return kExitInvalid;
  }
  ctx.out << devices::p1::to_json(*telegram).dump(2) << "\n";
  if (telegram->crc_ok == false) {
    ctx.err << "kirchhoff p1: " << name << ": CRC mismatch: the telegram says "
            << devices::p1::crc_hex(*telegram->crc_sent) << ", its bytes give "
            << devices::p1::crc_hex(telegram->crc_computed) << " (damaged or edited?)\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace kirchhoff::app
