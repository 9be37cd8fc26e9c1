// The daemon's what-if service with a stand-in engine the test steps by
// hand: a run reports its progress, a second start while it runs is refused,
// cancel stops it, the result is kept and survives a restart, and the API's
// body becomes the engine's request.
#include "daemon/whatif_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace kirchhoff::daemon {
namespace {

using nlohmann::json;

// An engine whose run reports 50 of 200 s replayed, then waits until the
// test releases it (returning its result) or the service cancels it.
struct SteppedEngine {
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  bool fail = false;
  whatif::Request seen;

  WhatIfService::Runner runner() {
    return [this](const whatif::Request& request, whatif::Progress* progress) {
      progress->phase = 1;
      progress->total_s = 200;
      progress->done_s = 50;
      std::unique_lock lock(mutex);
      seen = request;
      while (!release && !progress->cancel) {
        changed.wait_for(lock, std::chrono::milliseconds(5));
      }
      if (progress->cancel) {
        return common::Result<json>(
            common::make_error(common::ErrorKind::kInvalidArgument, "cancelled"));
      }
      if (fail) {
        return common::Result<json>(
            common::make_error(common::ErrorKind::kNotFound, "no history in the period"));
      }
      return common::Result<json>(json{{"variants", json::array({json{{"set", {}}}})}});
    };
  }
  void finish() {
    std::lock_guard lock(mutex);
    release = true;
    changed.notify_all();
  }
};

json wait_until_not(const WhatIfService& service, const std::string& state) {
  for (int i = 0; i < 1000; ++i) {
    json s = service.status();
    if (s["state"] != state) {
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return service.status();
}

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kirchhoff-whatif-service-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(WhatIfService, RunsReportsRefusesASecondStartAndKeepsTheResult) {
  SteppedEngine engine;
  const std::string saved = temp_path("last.json");
  std::filesystem::remove(saved);
  WhatIfService service({"/data/history.db", "/etc/kirchhoff", saved, 1, engine.runner()});
  EXPECT_EQ(service.status()["state"], "idle");
  EXPECT_EQ(service.status()["has_result"], false);

  const auto started = service.start(R"({"vary": {"battery.capacity_kwh": [5, 15]}})",
                                     "site:\n  name: test\n", "ian");
  ASSERT_TRUE(std::holds_alternative<json>(started));
  EXPECT_EQ(std::get<json>(started)["state"], "running");
  EXPECT_EQ(std::get<json>(started)["user"], "ian");

  // 50 of 200 replayed seconds: 25 %.
  json running;
  for (int i = 0; i < 1000; ++i) {
    running = service.status();
    if (running.value("done_s", 0) == 50) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(running["state"], "running");
  EXPECT_EQ(running["phase"], "replaying");
  EXPECT_EQ(running["total_s"], 200);
  EXPECT_DOUBLE_EQ(running["percent"].get<double>(), 25.0);
  EXPECT_EQ(running["request"]["vary"]["battery.capacity_kwh"], json::array({5, 15}));

  const auto second = service.start("{}", "site: {}\n", "olga");
  ASSERT_TRUE(std::holds_alternative<WhatIfService::Refused>(second));
  EXPECT_EQ(std::get<WhatIfService::Refused>(second).reason, WhatIfService::Refusal::kBusy);
  EXPECT_NE(std::get<WhatIfService::Refused>(second).message.find("started by 'ian'"),
            std::string::npos);

  engine.finish();
  const json done = wait_until_not(service, "running");
  EXPECT_EQ(done["state"], "done");
  EXPECT_EQ(done["result"]["variants"].size(), 1u);
  EXPECT_TRUE(done.contains("finished_at"));
  // The engine got the live site's installation, history and one thread.
  EXPECT_EQ(engine.seen.installation_text, "site:\n  name: test\n");
  EXPECT_EQ(engine.seen.installation_dir, "/etc/kirchhoff");
  EXPECT_EQ(engine.seen.history_path, "/data/history.db");
  EXPECT_EQ(engine.seen.jobs, 1);
  ASSERT_EQ(engine.seen.vary.size(), 1u);
  EXPECT_EQ(engine.seen.vary[0].key, "battery.capacity_kwh");
  EXPECT_EQ(engine.seen.vary[0].values, (std::vector<std::string>{"5", "15"}));

  const auto events = service.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].user, "ian");
  EXPECT_EQ(events[1].message, "what-if finished (1 variant(s))");

  // A restart finds the last result in the data directory.
  WhatIfService restarted({"", "", saved, 1, engine.runner()});
  const json again = restarted.status();
  EXPECT_EQ(again["state"], "done");
  EXPECT_EQ(again["user"], "ian");
  EXPECT_EQ(again["result"], done["result"]);
  ASSERT_TRUE(restarted.last().has_value());
  EXPECT_EQ(restarted.last()->request["vary"]["battery.capacity_kwh"], json::array({5, 15}));
  std::filesystem::remove_all(std::filesystem::path(saved).parent_path());
}

TEST(WhatIfService, CancelStopsTheRunAndAFailureKeepsTheEnginesMessage) {
  SteppedEngine engine;
  WhatIfService service({"", "", "", 1, engine.runner()});
  EXPECT_FALSE(service.cancel("ian"));  // nothing runs

  ASSERT_TRUE(std::holds_alternative<json>(service.start("", "site: {}\n", "ian")));
  EXPECT_TRUE(service.cancel("ian"));
  const json cancelled = wait_until_not(service, "running");
  EXPECT_EQ(cancelled["state"], "cancelled");
  EXPECT_EQ(cancelled["has_result"], false);
  EXPECT_FALSE(cancelled.contains("result"));

  // After a cancel the next run starts.
  {
    std::lock_guard lock(engine.mutex);
    engine.fail = true;
    engine.release = true;
  }
  ASSERT_TRUE(std::holds_alternative<json>(service.start("{}", "site: {}\n", "ian")));
  const json failed = wait_until_not(service, "running");
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_EQ(failed["error"], "no history in the period");
}

TEST(WhatIfService, DestroyingTheServiceStopsARunningReplay) {
  SteppedEngine engine;
  auto service =
      std::make_unique<WhatIfService>(WhatIfService::Options{"", "", "", 1, engine.runner()});
  ASSERT_TRUE(std::holds_alternative<json>(service->start("{}", "site: {}\n", "ian")));
  service.reset();  // returns only once the run's thread has stopped
  SUCCEED();
}

TEST(WhatIfBody, BecomesTheEnginesRequest) {
  const auto request = parse_whatif_body(json::parse(R"({
      "from": "2026-01-01", "to": "2026-02-01T00:00:00Z",
      "vary": {"battery.capacity_kwh": [5, 10.5, "15"], "strategy": ["managed"]},
      "capex": {"battery.capacity_kwh": 450}, "report": false})"));
  ASSERT_TRUE(request.ok()) << request.error().message;
  // 2026-01-01T00:00Z = 1767225600 s; January has 31 days = 2678400 s.
  EXPECT_EQ(request->from_ms, 1767225600000);
  EXPECT_EQ(request->to_ms, (1767225600 + 2678400) * 1000LL);
  ASSERT_EQ(request->vary.size(), 2u);
  EXPECT_EQ(request->vary[0].key, "battery.capacity_kwh");
  EXPECT_EQ(request->vary[0].values, (std::vector<std::string>{"5", "10.5", "15"}));
  EXPECT_EQ(request->vary[1].key, "strategy");
  EXPECT_EQ(request->vary[1].values, (std::vector<std::string>{"managed"}));
  ASSERT_EQ(request->capex.size(), 1u);
  EXPECT_EQ(request->capex[0].key, "battery.capacity_kwh");
  EXPECT_DOUBLE_EQ(request->capex[0].price_per_unit, 450.0);

  // A heat pump's yes/no may be given as a boolean.
  const auto heat = parse_whatif_body(json::parse(R"({"vary": {"heatpump": [false, true]}})"));
  ASSERT_TRUE(heat.ok()) << heat.error().message;
  EXPECT_EQ(heat->vary[0].values, (std::vector<std::string>{"no", "yes"}));

  // An empty body replays the whole history as recorded.
  const auto empty = parse_whatif_body(json());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->from_ms, 0);
  EXPECT_TRUE(empty->vary.empty());
}

TEST(WhatIfBody, RefusesWhatIsWrongAndSaysWhere) {
  auto message = [](const char* body) {
    const auto r = parse_whatif_body(json::parse(body));
    return r.ok() ? std::string("accepted") : r.error().message;
  };
  EXPECT_NE(message(R"({"period": 3})").find("unknown field \"period\""), std::string::npos);
  EXPECT_NE(message(R"({"from": "yesterday"})").find("\"from\""), std::string::npos);
  EXPECT_EQ(message(R"({"from": "2026-02-01", "to": "2026-01-01"})"),
            "\"to\" must be after \"from\"");
  EXPECT_NE(message(R"({"vary": {"battery.capacity_kwh": ["5,10"]}})").find("comma"),
            std::string::npos);
  EXPECT_NE(message(R"({"vary": {"battery.capacity_kwh": [[5]]}})").find("numbers or strings"),
            std::string::npos);
  EXPECT_NE(message(R"({"vary": {"battery.capacity_kwh": []}})").find("no values"),
            std::string::npos);
  EXPECT_NE(message(R"({"capex": {"battery.capacity_kwh": null}})").find("must be a number"),
            std::string::npos);
  EXPECT_EQ(message(R"({"strategy": "smart"})"), "\"strategy\" must be \"none\" or \"managed\"");
  // The engine's own check names the key it does not know.
  EXPECT_NE(message(R"({"vary": {"battery.colour": ["red"]}})").find("battery.colour"),
            std::string::npos);
  EXPECT_EQ(message("[1]"), "the body must be a JSON object");
}

}  // namespace
}  // namespace kirchhoff::daemon
