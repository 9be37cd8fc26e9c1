#include "devices/p1/reader.hpp"

#include <utility>

namespace kirchhoff::devices::p1 {

namespace {
// Completed telegrams kept when nobody calls next(): a stalled consumer must
// not grow memory without bound. The oldest go first.
constexpr std::size_t kMaxReady = 8;
// "!" then at most 4 CRC digits and CR: more means the end line is damaged.
constexpr std::size_t kMaxEndLineChars = 6;
}  // namespace

TelegramReader::TelegramReader(std::size_t max_telegram_bytes) : max_(max_telegram_bytes) {}

void TelegramReader::feed(std::string_view bytes) {
  for (char c : bytes) {
    push(c);
  }
}

std::optional<std::string> TelegramReader::next() {
  if (ready_.empty()) {
    return std::nullopt;
  }
  std::string out = std::move(ready_.front());
  ready_.pop_front();
  return out;
}

void TelegramReader::reset() { drop_partial(); }

void TelegramReader::drop_partial() {
  dropped_ += partial_.size();
  partial_.clear();
  state_ = State::kIdle;
  end_line_chars_ = 0;
  past_header_ = false;
}

void TelegramReader::push(char c) {
  switch (state_) {
    case State::kIdle:
      if (c == '/') {
        partial_.assign(1, c);
        state_ = State::kBody;
        past_header_ = false;
      } else {
        ++dropped_;
      }
      return;
    case State::kBody:
      if (c == '/' && past_header_) {
        // A new header before this telegram's end: it was cut short. No
        // data line holds a '/' (values are numbers, times and hex text).
        drop_partial();
        partial_.assign(1, c);
        state_ = State::kBody;
        past_header_ = false;
        return;
      }
      if (partial_.size() >= max_) {
        drop_partial();
        ++dropped_;
        return;
      }
      partial_ += c;
      past_header_ = past_header_ || c == '\n';
      if (c == '!' && partial_.size() >= 2 && partial_[partial_.size() - 2] == '\n') {
        state_ = State::kEndLine;
        end_line_chars_ = 1;
      }
      return;
    case State::kEndLine:
      if (c == '/') {
        // No line end after the CRC: the telegram ends before the new header.
        ready_.push_back(std::move(partial_));
        partial_.assign(1, c);
        state_ = State::kBody;
        past_header_ = false;
        break;
      }
      partial_ += c;
      ++end_line_chars_;
      if (c == '\n' || end_line_chars_ > kMaxEndLineChars) {
        ready_.push_back(std::move(partial_));
        partial_.clear();
        state_ = State::kIdle;
        end_line_chars_ = 0;
        past_header_ = false;
      }
      break;
  }
  while (ready_.size() > kMaxReady) {
    dropped_ += ready_.front().size();
    ready_.pop_front();
  }
}

}  // namespace kirchhoff::devices::p1
