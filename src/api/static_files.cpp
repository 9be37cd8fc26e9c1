#include "api/static_files.hpp"

#include <filesystem>

#include "common/text.hpp"

namespace kirchhoff::api {

std::string content_type_for(const std::string& path) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  return "application/octet-stream";
}

HttpResponse StaticFiles::serve(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return json_error(405, "method " + request.method + " not allowed on " + request.path);
  }
  std::string path = request.path == "/" ? "/index.html" : request.path;
  const bool unsafe = path.find("..") != std::string::npos ||
                      path.find('\\') != std::string::npos ||
                      path.find('\0') != std::string::npos || path.find("/.") != std::string::npos;
  if (unsafe || path.empty() || path[0] != '/') {
    return json_error(404, "no such resource: " + request.path);
  }
  std::error_code ec;
  const auto root = std::filesystem::canonical(root_, ec);
  const auto file = std::filesystem::canonical(root_ + path, ec);
  if (ec || !std::filesystem::is_regular_file(file, ec)) {
    return json_error(404, "no such resource: " + request.path);
  }
  // Refuse what resolves outside the root (a symbolic link pointing away).
  const auto rel = file.lexically_relative(root).string();
  if (rel.empty() || rel.rfind("..", 0) == 0) {
    return json_error(404, "no such resource: " + request.path);
  }
  const auto body = common::read_file(file.string());
  if (!body) {
    return json_error(404, "no such resource: " + request.path);
  }
  HttpResponse response;
  response.body = request.method == "HEAD" ? "" : *body;
  response.content_type = content_type_for(path);
  response.headers.emplace_back("Cache-Control", path.rfind("/assets/", 0) == 0
                                                     ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
  return response;
}

}  // namespace kirchhoff::api
