// Serving the dashboard's built files (web/dist) from a directory.
// Only plain relative paths under the root are served: anything with "..",
// a backslash, a NUL or a leading dot-segment is refused, and symbolic links
// are not followed out of the root.
#pragma once

#include <string>

#include "api/http_server.hpp"

namespace kirchhoff::api {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}

  // "/" serves index.html. Files under /assets/ (content-hashed names from
  // the build) may be cached for a year; everything else is revalidated.
  HttpResponse serve(const HttpRequest& request) const;

 private:
  std::string root_;
};

// The content type for a file name's extension.
std::string content_type_for(const std::string& path);

}  // namespace kirchhoff::api
