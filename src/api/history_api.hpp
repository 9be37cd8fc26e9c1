// The history over HTTP, read from the daemon's history store through a
// read-only connection of the HTTP thread (SQLite WAL lets it read while the
// daemon writes):
//   GET /api/v1/history?series=KEY[&from=T][&to=T][&step=raw|1m|15m|1h|1d][&format=csv]
//   GET /api/v1/history/series      the series with their kinds and spans
//   GET /api/v1/events[?from=T][&to=T][&limit=N]
// T: unix seconds or a UTC date/time ("2026-06-21T12:00:00Z"). Without a step
// the coarsest that still gives detail is chosen from the range. Viewers may
// read all of it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "store/store.hpp"

namespace kirchhoff::api {

// "a=1&b=x%20y+z" -> {a: "1", b: "x y z"}; later duplicates win.
std::map<std::string, std::string> parse_query(std::string_view query);

class HistoryApi {
 public:
  HistoryApi(std::string db_path, AuthApi& auth) : db_path_(std::move(db_path)), auth_(auth) {}
  void add_routes(Router& router);

  HttpResponse history(const HttpRequest& request);
  HttpResponse series(const HttpRequest& request);
  HttpResponse events(const HttpRequest& request);

 private:
  common::Result<store::Store*> open();

  std::string db_path_;
  AuthApi& auth_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace kirchhoff::api
