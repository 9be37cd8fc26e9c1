#include "metering/samples_csv.hpp"

#include <charconv>
#include <cmath>
#include <map>

namespace kirchhoff::metering {

using common::ErrorKind;
using common::make_error;

void split_csv_line(const std::string& line, std::vector<std::string_view>& cells) {
  cells.clear();
  std::string_view rest(line);
  if (!rest.empty() && rest.back() == '\r') {
    rest.remove_suffix(1);
  }
  while (true) {
    const auto comma = rest.find(',');
    std::string_view cell = rest.substr(0, comma);
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
    cells.push_back(cell);
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
}

common::Error SamplesCsvReader::error_at(std::size_t column, const std::string& message) const {
  return make_error(ErrorKind::kInvalidArgument, name_ + ":" + std::to_string(row_) + ":" +
                                                     std::to_string(column + 1) + ": " + message);
}

common::Result<SamplesCsvReader> SamplesCsvReader::open(std::istream& in,
                                                        const ChannelLayout& layout,
                                                        std::string name) {
  SamplesCsvReader reader(in, std::move(name));
  if (!std::getline(in, reader.line_)) {
    return make_error(ErrorKind::kInvalidArgument,
                      reader.name_ + ":1:1: the file is empty; it needs a header row");
  }
  split_csv_line(reader.line_, reader.cells_);
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t c = 0; c < reader.cells_.size(); ++c) {
    const std::string cell(reader.cells_[c]);
    reader.header_.push_back(cell);
    if (!index.emplace(cell, c).second) {
      return reader.error_at(c, "column '" + cell + "' appears twice in the header");
    }
  }
  reader.column_count_ = reader.cells_.size();
  auto find = [&](const std::string& column,
                  const std::string& why) -> common::Result<std::size_t> {
    const auto it = index.find(column);
    if (it == index.end()) {
      return make_error(ErrorKind::kInvalidArgument,
                        reader.name_ + ":1:1: missing column '" + column + "' (" + why + ")");
    }
    return it->second;
  };
  auto t = find("t", "the time of each sample in seconds");
  if (!t) {
    return t.error();
  }
  reader.t_column_ = *t;
  for (const auto& v : layout.voltages) {
    auto column = find(v, "a voltage this topology measures");
    if (!column) {
      return column.error();
    }
    reader.voltage_columns_.push_back(*column);
  }
  for (std::size_t i = 0; i < layout.currents.size(); ++i) {
    auto column = find(layout.currents[i].to_string(), "the CT of " + layout.current_users[i]);
    if (!column) {
      return column.error();
    }
    reader.current_columns_.push_back(*column);
  }
  return reader;
}

common::Result<bool> SamplesCsvReader::next(double& t_s, std::vector<float>& voltages,
                                            std::vector<float>& currents) {
  while (true) {
    if (!std::getline(*in_, line_)) {
      return false;
    }
    ++row_;
    if (!line_.empty() && line_ != "\r") {
      break;  // blank lines are skipped
    }
  }
  split_csv_line(line_, cells_);
  if (cells_.size() != column_count_) {
    return error_at(std::min(cells_.size(), column_count_),
                    "this row has " + std::to_string(cells_.size()) + " cells, the header " +
                        std::to_string(column_count_));
  }
  auto number = [&](std::size_t column, double& out) -> common::Status {
    const std::string_view cell = cells_[column];
    const char* begin = cell.data();
    const char* end = begin + cell.size();
    if (begin != end && *begin == '+') {
      ++begin;
    }
    const auto [stop, ec] = std::from_chars(begin, end, out);
    if (cell.empty() || ec != std::errc() || stop != end || !std::isfinite(out)) {
      return error_at(column, "'" + std::string(cell) + "' in column '" + header_[column] +
                                  "' is not a number");
    }
    return common::Status::success();
  };
  if (auto status = number(t_column_, t_s); !status) {
    return status.error();
  }
  if (have_previous_t_ && !(t_s > previous_t_)) {
    char buffer[120];
    std::snprintf(buffer, sizeof buffer, "t = %.9g is not after the previous row's t = %.9g", t_s,
                  previous_t_);
    return error_at(t_column_, buffer);
  }
  have_previous_t_ = true;
  previous_t_ = t_s;
  double value = 0.0;
  for (std::size_t v = 0; v < voltage_columns_.size(); ++v) {
    if (auto status = number(voltage_columns_[v], value); !status) {
      return status.error();
    }
    voltages[v] = static_cast<float>(value);
  }
  for (std::size_t c = 0; c < current_columns_.size(); ++c) {
    if (auto status = number(current_columns_[c], value); !status) {
      return status.error();
    }
    currents[c] = static_cast<float>(value);
  }
  return true;
}

}  // namespace kirchhoff::metering
