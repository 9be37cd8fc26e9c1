// Where a value came from in the installation file.
#pragma once

namespace kirchhoff::model {

// 1-based line and column; 0 = unknown (e.g. an installation built in code).
struct SourcePos {
  int line = 0;
  int column = 0;
};

}  // namespace kirchhoff::model
