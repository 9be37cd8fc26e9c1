#pragma once
// Reading a file of people's choices in the data directory (relays.json,
// choices.json): shared by relay_memory and choice_memory, so both treat a
// missing, unreadable or damaged file the same way.

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/file.hpp"
#include "common/result.hpp"

namespace kirchhoff::daemon {

// Fills `out` from `path` with `parse` (text -> Result<vector<T>>). No file
// is no choices. A file that cannot be read or parsed is moved aside to
// PATH.damaged (kept for a person to look at; the next choice writes a new
// file) and the error says so; `out` is then empty.
template <typename T, typename Parse>
common::Status read_choices_file(const std::string& path, Parse parse, std::vector<T>& out) {
  out.clear();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return common::Status::success();
  }
  const auto text = common::read_file(path);
  auto parsed = text ? parse(*text)
                     : common::Result<std::vector<T>>(common::make_error(
                           common::ErrorKind::kIoError, path + ": cannot be read"));
  if (parsed) {
    out = std::move(*parsed);
    return common::Status::success();
  }
  const std::string aside = path + ".damaged";
  std::filesystem::rename(path, aside, ec);
  return common::make_error(
      parsed.error().kind,
      path + ": " + parsed.error().message +
          (ec ? "; it could not be moved aside: " + ec.message() : "; moved aside to " + aside));
}

}  // namespace kirchhoff::daemon
