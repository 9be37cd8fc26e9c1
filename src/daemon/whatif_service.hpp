// The what-if replay (docs/whatif.md) in the daemon: an installer starts it
// over the API on the live site's history and installation; it runs on its
// own thread, one at a time, and the API reports its progress and, when it is
// done, its result (docs/api.md, "What if").
//
// States: idle (nothing run yet), running (phase, replayed seconds of all
// runs, percent, who started it and when), done (the engine's JSON), failed
// (the engine's message) and cancelled. The last finished result is kept in
// memory and in `saved_path` (whatif-last.json in the data directory), so it
// survives a restart.
//
// Thread-safety: every public member may be called from any thread (the
// HTTP thread starts, cancels and reads; the run's thread reports).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "common/result.hpp"
#include "whatif/whatif.hpp"

namespace kirchhoff::daemon {

class WhatIfService {
 public:
  // The engine; tests give one of their own.
  using Runner =
      std::function<common::Result<nlohmann::json>(const whatif::Request&, whatif::Progress*)>;

  struct Options {
    std::string history_path;      // the data directory's history.db
    std::string installation_dir;  // where relative paths in the installation are read from
    std::string saved_path;        // whatif-last.json; empty: kept in memory only
    // Threads for the runs. One by default: the box has few cores, and the
    // control loop must meet its cycle deadline and the HTTP thread answer
    // while a year is replayed; one core for the replay leaves them the rest.
    int jobs = 1;
    Runner runner;  // empty: whatif::run
  };

  explicit WhatIfService(Options options);
  // Cancels a run in progress and waits for it to stop.
  ~WhatIfService();
  WhatIfService(const WhatIfService&) = delete;
  WhatIfService& operator=(const WhatIfService&) = delete;

  // Why start() refused.
  enum class Refusal {
    kInvalid,  // the body or a key or value in it (400, the message says which)
    kBusy,     // a run is going (409)
  };
  struct Refused {
    Refusal reason = Refusal::kInvalid;
    std::string message;
  };

  // Starts a run of the body of POST /api/v1/whatif ({"from", "to", "vary",
  // "capex", "report"}, all optional) on `installation_text` (the
  // installation in force), started by `user`. Returns the status (running),
  // or why not.
  std::variant<nlohmann::json, Refused> start(const std::string& body,
                                              const std::string& installation_text,
                                              const std::string& user);

  // Asks the run in progress to stop (at its next day of replay). False when
  // nothing runs.
  bool cancel(const std::string& user);

  // GET /api/v1/whatif: {"state", ...}; `with_result` adds the last result
  // ("result") when the state is done.
  nlohmann::json status(bool with_result = true) const;

  // The last finished run's result (null when there is none), with the
  // body it was asked with ("request").
  struct Last {
    nlohmann::json result;
    nlohmann::json request;
  };
  std::optional<Last> last() const;

  // Events for the history ("what-if started: {...}"), oldest first, since
  // the last call; the control loop records them (the history is not this
  // thread's to write).
  struct Event {
    std::int64_t t_ms = 0;
    std::string user;  // who started or cancelled it; empty for its end
    std::string message;
  };
  std::vector<Event> take_events();

 private:
  enum class State { kIdle, kRunning, kDone, kFailed, kCancelled };
  void work(whatif::Request request, whatif::Progress* progress);
  nlohmann::json status_locked(bool with_result) const;  // mutex_ held
  void save_last();
  void load_last();

  Options options_;
  std::mutex start_mutex_;
  mutable std::mutex mutex_;
  State state_ = State::kIdle;
  std::string user_;
  nlohmann::json request_json_;  // the body of the run shown (running or last)
  std::int64_t started_ms_ = 0;
  std::int64_t finished_ms_ = 0;
  std::string error_;
  nlohmann::json result_;  // the last done run's result (kept through later failures)
  nlohmann::json result_request_;
  std::int64_t result_finished_ms_ = 0;
  std::vector<Event> events_;
  // One per run; the previous run's thread is joined before a new one starts,
  // so the progress it writes outlives it.
  std::unique_ptr<whatif::Progress> progress_;
  std::thread thread_;
};

// GET, POST and DELETE /api/v1/whatif (installer), and GET
// /api/v1/whatif/report when `render_report` is given (the last result as one
// HTML page). `installation_text` gives the installation in force at each
// start. `service` must outlive the router.
void add_whatif_routes(api::Router& router, api::AuthApi& auth, WhatIfService& service,
                       std::function<std::string()> installation_text,
                       std::function<std::string(const nlohmann::json&)> render_report = {});

// The body of POST /api/v1/whatif as the engine's request (without the
// installation and history, which the service fills in). Errors name the
// field and the reason; --vary and --capex are checked by the engine's own
// parse_vary, parse_capex and check_request.
common::Result<whatif::Request> parse_whatif_body(const nlohmann::json& body);

}  // namespace kirchhoff::daemon
