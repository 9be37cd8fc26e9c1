// Reading and checking an installation file.
//
// parse_installation() turns YAML text into an Installation, reporting every
// structural problem (syntax, unknown keys, wrong types, unknown values) with
// its line and column. validate_installation() then applies the installation
// rules of the manuals (bus limits, phases per topology, module rules, ...).
// check_installation() does both: it is what `kirchhoff check` runs.
// None of these throw on bad input; all are safe on arbitrary bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "model/installation.hpp"

namespace kirchhoff::model {

enum class Severity { kError, kWarning };

struct Diagnostic {
  SourcePos pos;
  Severity severity = Severity::kError;
  std::string message;
};

// "FILE:LINE:COL: error: message" (the `kirchhoff check` contract).
std::string format_diagnostic(std::string_view file, const Diagnostic& diagnostic);

struct CheckResult {
  std::optional<Installation> installation;  // present when the file could be read as a model
  std::vector<Diagnostic> diagnostics;       // sorted by position

  bool has_errors() const;
  int error_count() const;
  int warning_count() const;
};

CheckResult parse_installation(std::string_view yaml_text);
std::vector<Diagnostic> validate_installation(const Installation& installation);
CheckResult check_installation(std::string_view yaml_text);

// check_installation() plus the files the installation names that the model
// reads itself (today the tariff's price file), relative to `base_dir` ("" =
// the working directory). A file that cannot be read or is invalid is an
// error at its key's position.
CheckResult check_installation(std::string_view yaml_text, const std::string& base_dir);

// Reads `control.tariff.prices` (relative to `base_dir` unless absolute) into
// the installation; the diagnostics say why it could not be read.
std::vector<Diagnostic> load_tariff_prices(Installation& installation, const std::string& base_dir);

// Reads, parses and validates a file. On failure the error message holds every
// error as formatted diagnostics, one per line; warnings do not fail it.
common::Result<Installation> load_installation_file(const std::string& path);

// The same for text already in memory; `label` names it in messages.
common::Result<Installation> load_installation_text(std::string_view text,
                                                    const std::string& label);

}  // namespace kirchhoff::model
