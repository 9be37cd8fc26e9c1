// Streaming reader of the samples CSV of `kirchhoff meter`: a header, then one
// row per sample with `t` (s), the voltage columns of the topology and one
// column per CT input ("hub1/3", primary amps). Columns may come in any order;
// extra columns are ignored. One row in memory at a time.
//
// Errors name the place as "NAME:ROW:COL: ..." (row 1 is the header).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "metering/engine.hpp"

namespace kirchhoff::metering {

class SamplesCsvReader {
 public:
  // Reads the header and finds the columns `layout` needs.
  static common::Result<SamplesCsvReader> open(std::istream& in, const ChannelLayout& layout,
                                               std::string name);

  // Reads the next row into the vectors (sized by the layout). Returns false
  // at the end of the file.
  common::Result<bool> next(double& t_s, std::vector<float>& voltages,
                            std::vector<float>& currents);

  std::int64_t row() const { return row_; }

 private:
  SamplesCsvReader(std::istream& in, std::string name) : in_(&in), name_(std::move(name)) {}
  common::Error error_at(std::size_t column, const std::string& message) const;

  std::istream* in_;
  std::string name_;
  std::int64_t row_ = 1;
  std::size_t column_count_ = 0;
  std::size_t t_column_ = 0;
  std::vector<std::size_t> voltage_columns_;
  std::vector<std::size_t> current_columns_;
  std::vector<std::string> header_;
  std::string line_;
  std::vector<std::string_view> cells_;
  bool have_previous_t_ = false;
  double previous_t_ = 0.0;
};

// Splits a CSV line at commas (no quoting: samples are numbers), trimming
// spaces and a trailing carriage return.
void split_csv_line(const std::string& line, std::vector<std::string_view>& cells);

}  // namespace kirchhoff::metering
