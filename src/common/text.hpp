// Small text helpers shared by parsers and the CLI.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kirchhoff::common {

// Edit distance (insert, delete, substitute, swap of neighbours: each costs 1),
// case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo:
// distance at most 1/3 of the longer length (at least 1), or equal ignoring case.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" or "" when nothing is close; ready to append to a message.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

// "a, b or c": for listing the allowed values in a message.
std::string join_alternatives(std::span<const std::string_view> values);

// Numbers in messages: the shortest form ("16", "0.2", "7.5") and a fixed
// number of decimals ("27.2" for 27.25 with one).
std::string shortest_number(double value);
std::string fixed_number(double value, int decimals);

// Reads a whole file. Empty optional when it cannot be opened or read.
std::optional<std::string> read_file(const std::string& path);

}  // namespace kirchhoff::common
