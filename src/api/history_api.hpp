// The history over HTTP, read from the daemon's history store through a
// read-only connection of the HTTP thread (SQLite WAL lets it read while the
// daemon writes):
//   GET /api/v1/history?series=KEY[&from=T][&to=T][&step=raw|1m|15m|1h|1d][&format=csv]
//   GET /api/v1/history/series      the series with their kinds and spans
//   GET /api/v1/events[?from=T][&to=T][&limit=N]
//   GET /api/v1/history/usage       bytes per level, retention, free space
// T: unix seconds or a UTC date/time ("2026-06-21T12:00:00Z"). Without a step
// the coarsest that still gives detail is chosen from the range. Viewers may
// read all of it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "store/store.hpp"

namespace kirchhoff::api {

// "a=1&b=x%20y+z" -> {a: "1", b: "x y z"}; later duplicates win.
std::map<std::string, std::string> parse_query(std::string_view query);

// What a usage report needs beside the store: the retention in force (ms,
// 0 for forever) and the data directory's file system (-1: unknown).
struct UsageContext {
  std::int64_t raw_retention_ms = 35LL * 86'400'000;
  std::int64_t rollup_retention_ms[4] = {0, 0, 0, 0};
  std::int64_t free_bytes = -1;
  std::int64_t total_bytes = -1;
  std::int64_t min_free_bytes = -1;
};
// The report of GET /api/v1/history/usage and `kirchhoff history stats`
// (docs/storage-faults.md): per level its rows, points, bytes, span, bytes
// per point, retention and the bytes the retention implies per year at the
// rate seen so far.
nlohmann::json usage_report(const store::StorageUsage& usage, const UsageContext& context);

class HistoryApi {
 public:
  HistoryApi(std::string db_path, AuthApi& auth) : db_path_(std::move(db_path)), auth_(auth) {}
  void add_routes(Router& router);

  HttpResponse history(const HttpRequest& request);
  HttpResponse series(const HttpRequest& request);
  HttpResponse events(const HttpRequest& request);
  HttpResponse usage(const HttpRequest& request);
  // The retention and free space for the usage report, asked per request.
  void set_usage_context(std::function<UsageContext()> context) {
    usage_context_ = std::move(context);
  }

 private:
  common::Result<store::Store*> open();

  std::string db_path_;
  AuthApi& auth_;
  std::unique_ptr<store::Store> store_;
  std::function<UsageContext()> usage_context_;
};

}  // namespace kirchhoff::api
