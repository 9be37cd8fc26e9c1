#include "common/result.hpp"

namespace kirchhoff::common {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kIoError:
      return "I/O error";
    case ErrorKind::kCorruption:
      return "corruption";
    case ErrorKind::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

}  // namespace kirchhoff::common
