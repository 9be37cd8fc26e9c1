// Bytes in from any stream (serial port, TCP, file), complete P1 telegrams
// out (docs/p1.md). The reader finds a telegram's ends and nothing more: a
// '/' starts one, the line after '!' ends it. It drops what comes before a
// '/', starts over when a '/' comes after the header line of an unfinished
// telegram (the previous one was cut short), and drops a telegram that grows past
// `max_telegram_bytes` without an end. Memory is bounded by that size.
// Not thread-safe: one reader per stream.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "devices/p1/telegram.hpp"

namespace kirchhoff::devices::p1 {

class TelegramReader {
 public:
  explicit TelegramReader(std::size_t max_telegram_bytes = kMaxTelegramBytes);

  // Appends bytes as they arrive, in pieces of any size (one byte is fine).
  void feed(std::string_view bytes);

  // The next complete telegram's text, from '/' to the end of the '!' line
  // (its CR LF included), in arrival order; empty when none is complete yet.
  std::optional<std::string> next();

  // Bytes thrown away so far: garbage between telegrams, cut-short and
  // oversized telegrams.
  std::size_t dropped_bytes() const { return dropped_; }
  // Bytes held for the telegram under way.
  std::size_t buffered_bytes() const { return partial_.size(); }

  // Forgets the telegram under way (after a reconnect: its rest is lost).
  void reset();

 private:
  void push(char c);
  void drop_partial();

  enum class State { kIdle, kBody, kEndLine };
  std::size_t max_;
  State state_ = State::kIdle;
  std::string partial_;
  std::size_t end_line_chars_ = 0;
  bool past_header_ = false;  // the telegram under way has a line end
  std::deque<std::string> ready_;
  std::size_t dropped_ = 0;
};

}  // namespace kirchhoff::devices::p1
