// Replacing a small file so that a crash or power cut leaves either the old
// or the new content, never a mix: write a temporary file beside it, fsync,
// rename over the old one, fsync the directory.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::common {

// `mode` is the new file's permission bits (0600 for secrets).
Status write_file_atomically(const std::string& path, std::string_view text, mode_t mode);

}  // namespace kirchhoff::common
