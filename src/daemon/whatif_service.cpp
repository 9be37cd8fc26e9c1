#include "daemon/whatif_service.hpp"

#include <cmath>
#include <utility>

#include "common/file.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"

namespace kirchhoff::daemon {

namespace {

using nlohmann::json;

common::Error invalid(std::string message) {
  return common::make_error(common::ErrorKind::kInvalidArgument, std::move(message));
}

// A time of the body: ISO 8601 / a date (UTC, as common::parse_utc_time
// reads it) or unix milliseconds.
common::Result<std::int64_t> time_ms_of(const json& value, const char* field) {
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  if (value.is_string()) {
    if (const auto s = common::parse_utc_time(value.get<std::string>())) {
      return *s * 1000;
    }
  }
  return invalid(std::string("\"") + field +
                 "\" must be a date (\"2026-01-01\"), a UTC time (\"2026-01-01T00:00:00Z\") or "
                 "unix milliseconds");
}

// One value of "vary" as the command line writes it: numbers as JSON writes
// them, yes/no for booleans, strings as they are.
common::Result<std::string> value_text(const json& value, const std::string& key) {
  std::string text;
  if (value.is_boolean()) {
    text = value.get<bool>() ? "yes" : "no";
  } else if (value.is_number()) {
    text = common::json_text(value);
  } else if (value.is_string()) {
    text = value.get<std::string>();
  } else {
    return invalid("\"vary\": the values of '" + common::log_safe(key, 80) +
                   "' must be numbers or strings");
  }
  if (text.empty() || text.find(',') != std::string::npos) {
    return invalid("\"vary\": a value of '" + common::log_safe(key, 80) +
                   "' is empty or holds a comma");
  }
  return text;
}

const char* phase_name(int phase) {
  switch (phase) {
    case 0:
      return "reading";
    case 1:
      return "replaying";
    default:
      return "finishing";
  }
}

}  // namespace

common::Result<whatif::Request> parse_whatif_body(const json& body) {
  whatif::Request request;
  if (body.is_null()) {
    return request;
  }
  if (!body.is_object()) {
    return invalid("the body must be a JSON object");
  }
  for (const auto& [field, value] : body.items()) {
    if (field == "from" || field == "to") {
      if (value.is_null()) {
        continue;
      }
      auto ms = time_ms_of(value, field.c_str());
      if (!ms) {
        return ms.error();
      }
      (field == "from" ? request.from_ms : request.to_ms) = *ms;
    } else if (field == "vary") {
      if (!value.is_object()) {
        return invalid("\"vary\" must be an object of key: [values]");
      }
      for (const auto& [key, values] : value.items()) {
        std::string text = key + "=";
        const json list = values.is_array() ? values : json::array({values});
        if (list.empty()) {
          return invalid("\"vary\": '" + common::log_safe(key, 80) + "' has no values");
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
          auto v = value_text(list[i], key);
          if (!v) {
            return v.error();
          }
          text += (i > 0 ? "," : "") + *v;
        }
        auto vary = whatif::parse_vary(text);
        if (!vary) {
          return vary.error();
        }
        request.vary.push_back(std::move(*vary));
      }
    } else if (field == "capex") {
      if (!value.is_object()) {
        return invalid("\"capex\" must be an object of key: price per unit");
      }
      for (const auto& [key, price] : value.items()) {
        if (!price.is_number() && !price.is_string()) {
          return invalid("\"capex\": the price of '" + common::log_safe(key, 80) +
                         "' must be a number");
        }
        auto capex = whatif::parse_capex(
            key + "=" + (price.is_string() ? price.get<std::string>() : common::json_text(price)));
        if (!capex) {
          return capex.error();
        }
        request.capex.push_back(std::move(*capex));
      }
    } else if (field == "strategy") {
      if (!value.is_string() || (value != "none" && value != "managed")) {
        return invalid("\"strategy\" must be \"none\" or \"managed\"");
      }
      request.strategy = value.get<std::string>();
    } else if (field == "report") {
      // The HTML report is made from the last result when asked for (GET
      // /api/v1/whatif/report); the flag is accepted for the CLI's symmetry.
      if (!value.is_boolean()) {
        return invalid("\"report\" must be true or false");
      }
    } else {
      return invalid("unknown field \"" + common::log_safe(field, 80) +
                     "\" (known: from, to, vary, capex, strategy, report)");
    }
  }
  if (request.from_ms != 0 && request.to_ms != 0 && request.to_ms <= request.from_ms) {
    return invalid("\"to\" must be after \"from\"");
  }
  if (auto checked = whatif::check_request(request); !checked) {
    return checked.error();
  }
  return request;
}

WhatIfService::WhatIfService(Options options) : options_(std::move(options)) {
  if (!options_.runner) {
    options_.runner = [](const whatif::Request& r, whatif::Progress* p) {
      return whatif::run(r, p);
    };
  }
  load_last();
}

WhatIfService::~WhatIfService() {
  {
    std::lock_guard lock(mutex_);
    if (progress_) {
      progress_->cancel = true;
    }
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::variant<json, WhatIfService::Refused> WhatIfService::start(
    const std::string& body, const std::string& installation_text, const std::string& user) {
  // One start at a time, so that only one caller ever joins the last thread.
  std::lock_guard starting(start_mutex_);
  const json parsed = body.empty() ? json() : json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    return Refused{Refusal::kInvalid, "the body is not JSON"};
  }
  auto request = parse_whatif_body(parsed);
  if (!request) {
    return Refused{Refusal::kInvalid, request.error().message};
  }
  request->installation_text = installation_text;
  request->installation_dir = options_.installation_dir.empty() ? "." : options_.installation_dir;
  request->history_path = options_.history_path;
  request->jobs = options_.jobs;
  {
    std::unique_lock lock(mutex_);
    if (state_ == State::kRunning) {
      return Refused{Refusal::kBusy,
                     "a what-if started by '" + user_ + "' is running (" +
                         std::to_string(std::llround(status_locked(false).value("percent", 0.0))) +
                         " %); cancel it first (DELETE /api/v1/whatif)"};
    }
    // The previous run's thread has finished its work (the state says so);
    // it only has its last instructions left.
    if (thread_.joinable()) {
      lock.unlock();
      thread_.join();
      lock.lock();
    }
    state_ = State::kRunning;
    user_ = user;
    request_json_ = parsed.is_null() ? json::object() : parsed;
    started_ms_ = common::unix_ms_now();
    finished_ms_ = 0;
    error_.clear();
    progress_ = std::make_unique<whatif::Progress>();
    events_.push_back({started_ms_, user, "what-if started: " + common::json_text(request_json_)});
    thread_ = std::thread(
        [this, r = std::move(*request), p = progress_.get()]() mutable { work(std::move(r), p); });
    return status_locked(false);
  }
}

void WhatIfService::work(whatif::Request request, whatif::Progress* progress) {
  common::Result<json> result = common::make_error(common::ErrorKind::kIoError, "not run");
  try {
    result = options_.runner(request, progress);
  } catch (const std::exception& e) {
    // The engine reports failures as values; this only keeps a bug in it
    // from ending the daemon.
    result = common::make_error(common::ErrorKind::kIoError, std::string("failed: ") + e.what());
  }
  std::lock_guard lock(mutex_);
  finished_ms_ = common::unix_ms_now();
  if (result) {
    state_ = State::kDone;
    result_ = std::move(*result);
    result_request_ = request_json_;
    result_finished_ms_ = finished_ms_;
    events_.push_back(
        {finished_ms_, "",
         "what-if finished (" + std::to_string(result_["variants"].size()) + " variant(s))"});
    save_last();
  } else if (progress->cancel) {
    state_ = State::kCancelled;
    events_.push_back({finished_ms_, "", "what-if cancelled"});
  } else {
    state_ = State::kFailed;
    error_ = result.error().message;
    events_.push_back({finished_ms_, "", "what-if failed: " + error_});
  }
}

bool WhatIfService::cancel(const std::string& user) {
  std::lock_guard lock(mutex_);
  if (state_ != State::kRunning || !progress_) {
    return false;
  }
  if (!progress_->cancel.exchange(true)) {
    events_.push_back({common::unix_ms_now(), user, "what-if cancel asked"});
  }
  return true;
}

json WhatIfService::status(bool with_result) const {
  std::lock_guard lock(mutex_);
  return status_locked(with_result);
}

json WhatIfService::status_locked(bool with_result) const {
  json out;
  static constexpr const char* kNames[] = {"idle", "running", "done", "failed", "cancelled"};
  out["state"] = kNames[static_cast<int>(state_)];
  out["has_result"] = !result_.is_null();
  if (state_ != State::kIdle) {
    out["user"] = user_;
    out["request"] = request_json_;
  }
  if (started_ms_ != 0) {
    out["started_at"] = common::format_utc_time(started_ms_);
    const std::int64_t end_ms = state_ == State::kRunning ? common::unix_ms_now() : finished_ms_;
    out["elapsed_s"] = std::round(static_cast<double>(end_ms - started_ms_) / 100.0) / 10.0;
  }
  if (state_ == State::kRunning && progress_) {
    const std::int64_t done = progress_->done_s.load();
    const std::int64_t total = progress_->total_s.load();
    out["phase"] = phase_name(progress_->phase.load());
    out["done_s"] = done;
    out["total_s"] = total;
    out["percent"] =
        total > 0
            ? std::round(1000.0 * static_cast<double>(done) / static_cast<double>(total)) / 10.0
            : 0.0;
    out["cancelling"] = progress_->cancel.load();
  }
  if (state_ != State::kRunning && state_ != State::kIdle) {
    out["finished_at"] = common::format_utc_time(finished_ms_);
  }
  if (state_ == State::kFailed) {
    out["error"] = error_;
  }
  if (state_ == State::kDone && with_result) {
    out["result"] = result_;
  }
  return out;
}

std::optional<WhatIfService::Last> WhatIfService::last() const {
  std::lock_guard lock(mutex_);
  if (result_.is_null()) {
    return std::nullopt;
  }
  return Last{result_, result_request_};
}

std::vector<WhatIfService::Event> WhatIfService::take_events() {
  std::lock_guard lock(mutex_);
  return std::exchange(events_, {});
}

void WhatIfService::save_last() {
  if (options_.saved_path.empty()) {
    return;
  }
  // A result that cannot be saved stays in memory; only a restart loses it.
  (void)common::write_file_atomically(options_.saved_path,
                                      common::json_text(json{{"user", user_},
                                                             {"started_ms", started_ms_},
                                                             {"finished_ms", result_finished_ms_},
                                                             {"request", result_request_},
                                                             {"result", result_}}),
                                      0640);
}

void WhatIfService::load_last() {
  if (options_.saved_path.empty()) {
    return;
  }
  const auto text = common::read_file(options_.saved_path);
  if (!text) {
    return;
  }
  const json saved = json::parse(*text, nullptr, false);
  // A damaged file is as if there were none: the next run writes it anew.
  if (!saved.is_object() || !saved.contains("result") || !saved["result"].is_object() ||
      !saved.value("finished_ms", json()).is_number_integer() ||
      !saved.value("started_ms", json()).is_number_integer()) {
    return;
  }
  state_ = State::kDone;
  user_ = saved.value("user", json("")).is_string() ? saved.value("user", std::string()) : "";
  started_ms_ = saved["started_ms"].get<std::int64_t>();
  finished_ms_ = result_finished_ms_ = saved["finished_ms"].get<std::int64_t>();
  request_json_ = result_request_ = saved.value("request", json::object());
  result_ = saved["result"];
}

}  // namespace kirchhoff::daemon

namespace kirchhoff::daemon {

void add_whatif_routes(api::Router& router, api::AuthApi& auth, WhatIfService& service,
                       std::function<std::string()> installation_text,
                       std::function<std::string(const nlohmann::json&)> render_report) {
  router.add("GET", "/api/v1/whatif",
             auth.guarded(auth::Role::kInstaller, false,
                          [&service](const api::HttpRequest&, const auth::Session&) {
                            return api::json_body(200, common::json_text(service.status()));
                          }));
  router.add("POST", "/api/v1/whatif",
             auth.guarded(auth::Role::kInstaller, true,
                          [&service, installation_text = std::move(installation_text)](
                              const api::HttpRequest& r, const auth::Session& session) {
                            auto started = service.start(r.body, installation_text(), session.user);
                            if (auto* refused = std::get_if<WhatIfService::Refused>(&started)) {
                              return api::json_error(
                                  refused->reason == WhatIfService::Refusal::kBusy ? 409 : 400,
                                  refused->message);
                            }
                            return api::json_body(
                                202, common::json_text(std::get<nlohmann::json>(started)));
                          }));
  router.add("DELETE", "/api/v1/whatif",
             auth.guarded(auth::Role::kInstaller, true,
                          [&service](const api::HttpRequest&, const auth::Session& session) {
                            if (!service.cancel(session.user)) {
                              return api::json_error(409, "no what-if is running");
                            }
                            return api::json_body(202, common::json_text(service.status(false)));
                          }));
  if (!render_report) {
    return;
  }
  router.add("GET", "/api/v1/whatif/report",
             auth.guarded(auth::Role::kInstaller, false,
                          [&service, render_report = std::move(render_report)](
                              const api::HttpRequest&, const auth::Session&) {
                            const auto last = service.last();
                            if (!last) {
                              return api::json_error(404, "no what-if has finished yet");
                            }
                            api::HttpResponse response;
                            response.status = 200;
                            response.content_type = "text/html; charset=utf-8";
                            response.body = render_report(last->result);
                            response.headers.emplace_back(
                                "Content-Disposition",
                                "attachment; filename=\"kirchhoff-whatif.html\"");
                            return response;
                          }));
}

}  // namespace kirchhoff::daemon
