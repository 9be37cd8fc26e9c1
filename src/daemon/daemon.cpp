#include "daemon/daemon.hpp"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/auth_api.hpp"
#include "api/history_api.hpp"
#include "api/http_server.hpp"
#include "api/openapi_json.hpp"
#include "api/static_files.hpp"
#include "auth/password.hpp"
#include "common/json_text.hpp"
#include "common/service_notify.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"
#include "control/site_input.hpp"
#include "daemon/alarms.hpp"
#include "daemon/choice_memory.hpp"
#include "daemon/data_dir.hpp"
#include "daemon/device_source.hpp"
#include "daemon/diagnostics_window.hpp"
#include "daemon/energy_summary.hpp"
#include "daemon/history_guard.hpp"
#include "daemon/history_writer.hpp"
#include "daemon/installation_api.hpp"
#include "daemon/live_diagnostics.hpp"
#include "daemon/mqtt_link.hpp"
#include "daemon/planning_service.hpp"
#include "daemon/price_feed.hpp"
#include "daemon/price_fetcher.hpp"
#include "daemon/relay_memory.hpp"
#include "daemon/site_config.hpp"
#include "daemon/whatif_service.hpp"
#include "devices/modbus/meter_server.hpp"
#include "model/describe.hpp"
#include "whatif/report/report.hpp"

namespace kirchhoff::daemon {

namespace {

// Connection caps within the descriptors this process may open: half of
// them for HTTP clients, the rest for the history, devices and the streams.
api::ServerLimits server_limits() {
  api::ServerLimits limits;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const auto budget = static_cast<std::size_t>(files.rlim_cur / 2);
    limits.max_connections = std::clamp<std::size_t>(budget, 16, limits.max_connections);
    limits.max_websockets = std::min(limits.max_websockets, limits.max_connections / 4);
  }
  return limits;
}

// The source while no installation can run: nothing to measure.
class NoInstallationSource : public SnapshotSource {
 public:
  common::Result<snapshot::SiteSnapshot> next(std::int64_t) override {
    return common::make_error(common::ErrorKind::kNotFound,
                              "no installation in force: the saved one cannot run");
  }
};

// A source that cannot run (its devices cannot be driven): says why each cycle.
class FailedSource : public SnapshotSource {
 public:
  explicit FailedSource(std::string why) : why_(std::move(why)) {}
  common::Result<snapshot::SiteSnapshot> next(std::int64_t) override {
    return common::make_error(common::ErrorKind::kUnsupported, why_);
  }

 private:
  std::string why_;
};

// The grid connection of a snapshot as a meter reading, for the Modbus meter
// server (+ import, per phase, the registers).
devices::Reading grid_reading(const snapshot::SiteSnapshot& snap) {
  devices::Reading r;
  r.unix_ms = snap.unix_ms;
  r.frequency_hz = snap.frequency_hz;
  for (const auto& v : snap.voltages) {
    r.phase_voltage_v[static_cast<int>(v.phase)] = v.v_ln;
  }
  for (const auto& load : snap.loads) {
    if (load.kind != model::LoadKind::kGrid) {
      continue;
    }
    r.power_w = r.power_w.value_or(0.0) + load.p_w;
    r.reactive_power_var = r.reactive_power_var.value_or(0.0) + load.q_var;
    r.energy_import_wh = r.energy_import_wh.value_or(0.0) + load.energy_import_wh;
    r.energy_export_wh = r.energy_export_wh.value_or(0.0) + load.energy_export_wh;
    for (const auto& ph : load.phases) {
      const int k = static_cast<int>(ph.phase);
      r.phase_power_w[k] = r.phase_power_w[k].value_or(0.0) + ph.p_w;
      r.phase_current_a[k] = r.phase_current_a[k].value_or(0.0) + (ph.p_w < 0 ? -ph.i_a : ph.i_a);
    }
  }
  return r;
}

}  // namespace

void EnergyRegisters::restore(std::size_t load, double import_wh, double export_wh) {
  if (registers_.size() <= load) {
    registers_.resize(load + 1);
    source_last_.resize(load + 1);
  }
  registers_[load] = {import_wh, export_wh};
}

void EnergyRegisters::update(snapshot::SiteSnapshot& snap, double dt_s) {
  if (registers_.size() < snap.loads.size()) {
    registers_.resize(snap.loads.size());
    source_last_.resize(snap.loads.size());
  }
  for (std::size_t i = 0; i < snap.loads.size(); ++i) {
    if (snap.loads[i].metered_energy) {
      // A meter's own registers: taken as they are, never backwards.
      registers_[i].import_wh = std::max(registers_[i].import_wh, snap.loads[i].energy_import_wh);
      registers_[i].export_wh = std::max(registers_[i].export_wh, snap.loads[i].energy_export_wh);
    } else if (snap.has_energy) {
      // The source's counters are exact per cycle; add what they grew by.
      const double imp = snap.loads[i].energy_import_wh;
      const double exp = snap.loads[i].energy_export_wh;
      registers_[i].import_wh += std::max(0.0, imp - source_last_[i].import_wh);
      registers_[i].export_wh += std::max(0.0, exp - source_last_[i].export_wh);
      source_last_[i] = {imp, exp};
    } else {
      const double wh = snap.loads[i].p_w * dt_s / 3600.0;
      if (wh > 0.0) {
        registers_[i].import_wh += wh;
      } else if (wh < 0.0) {
        registers_[i].export_wh -= wh;
      }
    }
    snap.loads[i].energy_import_wh = registers_[i].import_wh;
    snap.loads[i].energy_export_wh = registers_[i].export_wh;
  }
}

Daemon::Daemon(model::Installation installation, DaemonOptions options, common::Logger& log)
    : installation_(std::move(installation)), options_(std::move(options)), log_(log) {}

std::shared_ptr<const snapshot::SiteSnapshot> Daemon::latest() const {
  std::lock_guard lock(latest_mutex_);
  return latest_;
}

std::shared_ptr<const std::string> Daemon::latest_json() const {
  std::lock_guard lock(latest_mutex_);
  return latest_json_;
}

int Daemon::run(const std::atomic<bool>& stop) {
  const auto started = std::chrono::steady_clock::now();
  auto data_dir = DataDir::open(options_.data_dir);
  if (!data_dir) {
    log_.error("cannot start", {{"reason", data_dir.error().message}});
    return 1;
  }
  const auto address = api::parse_listen_address(options_.listen);
  if (!address) {
    log_.error("cannot start", {{"reason", address.error().message}});
    return 1;
  }
  // The history is checked first; a damaged one is moved aside and a new
  // one starts (docs/storage-faults.md).
  const model::ServerConfig::History history_settings = installation_.server.history;
  auto opened_history = open_history(data_dir->file("history.db"), data_dir->file("registers.json"),
                                     store_options(history_settings), common::unix_ms_now());
  if (!opened_history) {
    log_.error("cannot start", {{"reason", opened_history.error().message}});
    return 1;
  }
  for (const auto& warning : opened_history->warnings) {
    log_.warning("history", {{"reason", warning}});
  }
  HistoryGuard history_guard({data_dir->path(), "history.db", data_dir->file("registers.json"),
                              history_settings.min_free_mb * 1'000'000, file_system_space},
                             log_);
  if (!opened_history->damage.empty()) {
    log_.error("history damaged, moved aside",
               {{"reason", opened_history->damage}, {"moved_to", opened_history->moved_to}});
    history_guard.set_damaged(opened_history->damage, opened_history->moved_to);
  }
  common::Result<std::unique_ptr<store::Store>> history(std::move(opened_history->store));
  auto created_writer = HistoryWriter::create(**history, installation_);
  if (!created_writer) {
    log_.error("cannot start", {{"reason", created_writer.error().message}});
    return 1;
  }
  std::optional<HistoryWriter> writer(std::move(*created_writer));
  SiteConfig site_config(installation_, options_.installation_yaml,
                         data_dir->file("installation.yaml"));
  auto users = auth::UserStore::open(data_dir->file("users.json"));
  if (!users) {
    log_.error("cannot start", {{"reason", users.error().message}});
    return 1;
  }
  const bool no_accounts = users->empty();
  std::ostream& terminal = options_.terminal != nullptr ? *options_.terminal : std::cout;
  if (no_accounts && options_.demo) {
    terminal << "Demo accounts for http://" << options_.listen << " (shown once; saved hashed in "
             << users->path() << "):\n";
    for (auth::Role role : {auth::Role::kInstaller, auth::Role::kOwner, auth::Role::kViewer}) {
      const auto password = auth::random_hex(8);
      const auto hash = password ? auth::hash_password(*password) : password;
      if (!hash ||
          !users->add({std::string(auth::role_name(role)), role, *hash, common::unix_ms_now()})) {
        log_.error("cannot start", {{"reason", "cannot create the demo accounts"}});
        return 1;
      }
      terminal << "  " << auth::role_name(role) << " / " << *password << "\n";
    }
    if (auto saved = users->save(); !saved) {
      log_.error("cannot start", {{"reason", saved.error().message}});
      return 1;
    }
    terminal << std::flush;
  }
  api::AuthApi auth_api(std::move(*users), log_);
  if (no_accounts && !options_.demo) {
    const auto code = auth::random_hex(4);
    if (!code) {
      log_.error("cannot start", {{"reason", code.error().message}});
      return 1;
    }
    auth_api.arm_setup_code(*code);
    terminal << "No accounts yet. Create the installer account with the one-time setup code "
             << *code << ":\n  POST /api/v1/setup {\"code\", \"username\", \"password\"}, or stop "
             << "the daemon and run: kirchhoff user add NAME --role installer --data "
             << data_dir->path() << "\n"
             << std::flush;
  }
  api::Router router;
  router.set_log(log_);
  auth_api.add_routes(router);
  router.add("GET", "/api/v1/live",
             auth_api.guarded(auth::Role::kViewer, false,
                              [this](const api::HttpRequest&, const auth::Session&) {
                                const auto json = latest_json();
                                return json ? api::json_body(200, *json)
                                            : api::json_error(503, "no measurement yet");
                              }));
  router.add("GET", "/api/v1/devices",
             auth_api.guarded(
                 auth::Role::kViewer, false, [this](const api::HttpRequest&, const auth::Session&) {
                   std::vector<snapshot::DeviceValues> values;
                   {
                     std::lock_guard lock(latest_mutex_);
                     values = device_values_;
                   }
                   return api::json_body(
                       200, common::json_text({{"devices", snapshot::devices_to_json(
                                                               values, common::unix_ms_now())}}));
                 }));
  router.add("GET", "/api/v1/openapi.json",
             [](const api::HttpRequest&) { return api::json_body(200, api::kOpenApiJson); });
  api::HistoryApi history_api(data_dir->file("history.db"), auth_api);
  history_api.set_usage_context([&history_settings, &data_dir, &history_guard] {
    return usage_context(history_settings, data_dir->path(), history_guard.min_free_bytes());
  });
  history_api.add_routes(router);
  // People's commands: relays, chargers' modes, the heat pump's SG Ready
  // state (checked against the installation in force now).
  add_command_routes(router, auth_api, site_config, commands_);
  add_installation_routes(router, auth_api, site_config);
  // What if (installers): the history replayed with changes, in the background.
  WhatIfService::Options whatif_options;
  whatif_options.history_path = data_dir->file("history.db");
  whatif_options.installation_dir = options_.config_dir;
  whatif_options.saved_path = data_dir->file("whatif-last.json");
  WhatIfService whatif(std::move(whatif_options));
  add_whatif_routes(
      router, auth_api, whatif, [&site_config] { return site_config.yaml(); },
      [](const nlohmann::json& result) { return whatif::render_report(result); });
  // The installation diagnostics: the phasors of the last minutes, diagnosed
  // on request and every 10 s for the wiring alarms (docs/daemon.md).
  DiagnosticsWindow diagnostics_window;
  WiringAlarms wiring_alarms;
  add_diagnostics_routes(router, auth_api, site_config, diagnostics_window,
                         [this] { return latest(); });
  // The planner: re-plans each quarter hour on its own thread; the control
  // loop puts its plan into the energy manager's input (docs/planner.md).
  PlanningService planning(installation_);
  const std::size_t seeded = planning.seed_from_history(**history, common::unix_ms_now() / 1000);
  log_.info("planner", {{"forecasts_from_history", std::to_string(seeded) + " quarter hours"}});
  router.add("GET", "/api/v1/plan",
             auth_api.guarded(auth::Role::kViewer, false,
                              [&planning](const api::HttpRequest&, const auth::Session&) {
                                return api::json_body(200, common::json_text(planning.json()));
                              }));
  api::Broadcaster stream;
  AlarmBook alarms;
  router.add("GET", "/api/v1/alarms",
             auth_api.guarded(auth::Role::kViewer, false,
                              [&alarms](const api::HttpRequest&, const auth::Session&) {
                                return api::json_body(
                                    200,
                                    common::json_text(snapshot::alarms_to_json(alarms.active())));
                              }));
  // Raised and cleared alarms are events; a change also goes to the stream
  // at once (a source that delivers nothing publishes no snapshot).
  auto record_alarms = [&](const std::vector<AlarmBook::Transition>& transitions) {
    for (const auto& t : transitions) {
      (void)(*history)->add_event({common::unix_ms_now(), "alarm", "", alarm_event_text(t)});
      log_.warning("alarm", {{"id", t.alarm.id},
                             {"state", t.raised ? "raised" : "cleared"},
                             {"message", t.alarm.message}});
    }
    if (!transitions.empty() && stream.clients() > 0) {
      stream.publish(common::json_text(
          nlohmann::json{{"type", "alarms"}, {"data", snapshot::alarms_to_json(alarms.active())}}));
    }
  };
  router.add_websocket(
      "/api/v1/stream",
      [&auth_api](const api::HttpRequest& r) { return auth_api.check_websocket(r); }, stream);
  api::StaticFiles web(options_.web_root);
  if (!options_.web_root.empty()) {
    router.set_fallback([&web](const api::HttpRequest& r) { return web.serve(r); });
  }
  // MQTT: started before the HTTP thread, since a wrong configuration stops
  // the start like a wrong TLS file does.
  std::unique_ptr<MqttLink> mqtt_link;
  if (options_.mqtt) {
    auto link = MqttLink::start(
        {*options_.mqtt, options_.config_dir, data_dir->file("uplink.db"), options_.local_only},
        installation_, commands_, log_);
    if (!link) {
      log_.error("cannot start", {{"reason", "MQTT: " + link.error().message}});
      return 1;
    }
    mqtt_link = std::move(*link);
  }
  // Day-ahead prices: the installation's file under what a URL or an MQTT
  // topic delivers (docs/control.md); the control loop takes the merged
  // series each cycle.
  PriceFeed price_feed;
  price_feed.set_file(installation_.control.tariff.prices, common::unix_ms_now() / 1000);
  router.add(
      "GET", "/api/v1/prices",
      auth_api.guarded(auth::Role::kViewer, false,
                       [&price_feed, &site_config](const api::HttpRequest&, const auth::Session&) {
                         const std::int64_t now_s = common::unix_ms_now() / 1000;
                         const auto inst = site_config.installation();
                         return api::json_body(
                             200, common::json_text(price_feed.to_json(inst->control.tariff, now_s,
                                                                       local_utc_offset_s(now_s))));
                       }));
  // Today's and this month's energy, cost and capacity peak, from the
  // history (docs/energy-summary.md).
  EnergySummary energy_summary(data_dir->file("history.db"), [&site_config, &price_feed] {
    return EnergySummary::Inputs{site_config.installation(), price_feed.current()};
  });
  energy_summary.add_route(router, auth_api);
  std::unique_ptr<PriceFetcher> price_fetcher;
  std::string fetching_url;
  int fetching_refresh_min = 0;
  // (Re)starts the price sources an installation names; an unchanged URL
  // keeps its fetcher (and its schedule).
  auto start_price_sources = [&](const model::Installation& inst) {
    const model::TariffConfig& tariff = inst.control.tariff;
    if (tariff.prices_url != fetching_url || tariff.prices_refresh_min != fetching_refresh_min) {
      price_fetcher.reset();
      fetching_url = tariff.prices_url;
      fetching_refresh_min = tariff.prices_refresh_min;
      if (!fetching_url.empty()) {
        PriceFetcherOptions fetch;
        fetch.url = fetching_url;
        fetch.refresh = std::chrono::minutes(fetching_refresh_min);
        fetch.http.local_only = options_.local_only;
        price_fetcher = std::make_unique<PriceFetcher>(fetch, price_feed, log_);
      }
    }
    if (mqtt_link) {
      const std::string topic = tariff.prices_topic;
      mqtt_link->set_price_topic(topic, [this, &price_feed, topic](const std::string& payload) {
        const auto added =
            price_feed.add_json(PriceSource::kMqtt, payload, "MQTT " + common::log_safe(topic, 200),
                                common::unix_ms_now() / 1000);
        if (!added) {
          log_.warning("day-ahead prices not taken",
                       {{"reason", common::log_safe(added.error().message, 300)}});
        } else {
          log_.info("day-ahead prices received", {{"topic", common::log_safe(topic, 200)}});
        }
      });
    } else if (!tariff.prices_topic.empty()) {
      log_.warning("day-ahead price topic ignored",
                   {{"reason", "control.tariff.prices_topic needs server.mqtt"}});
    }
  };
  router.add(
      "GET", "/api/v1/health",
      [this, started, &mqtt_link, &history_guard](const api::HttpRequest&) {
        const auto snap = latest();
        const double uptime_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        nlohmann::json body = {
            {"status", snap ? "ok" : "starting"},
            {"version", "0.1.0"},
            {"local_only", options_.local_only},
            {"tls", !options_.tls_certificate.empty()},
            {"uptime_s", std::round(uptime_s * 10) / 10},
            {"dashboard", options_.web_root.empty() ? "none" : options_.web_root}};
        if (snap) {
          body["snapshot_age_ms"] = common::unix_ms_now() - snap->unix_ms;
        }
        body["history"] = history_guard.state();
        if (mqtt_link) {
          body["mqtt"] = mqtt_link->status();
        }
        return api::json_body(200, common::json_text(body));
      });
  if (options_.local_only) {
    router.set_gate([](const api::HttpRequest& r) -> std::optional<api::HttpResponse> {
      if (api::is_local_address(r.remote)) {
        return std::nullopt;
      }
      return api::json_error(403, "local-only mode: this box serves its local network only");
    });
  }
  routes_ = router.routes();
  boost::asio::io_context io;
  const api::TlsFiles tls{options_.tls_certificate, options_.tls_key};
  const bool use_tls = !tls.certificate.empty();
  auto server =
      api::HttpServer::start(io, *address, router, log_, use_tls ? &tls : nullptr, server_limits());
  if (!server) {
    log_.error("cannot start", {{"reason", server.error().message}});
    return 1;
  }

  std::string installation_error = options_.installation_error;
  auto make_source = [this, &installation_error, &mqtt_link](
                         const model::Installation& inst) -> std::unique_ptr<SnapshotSource> {
    if (!installation_error.empty()) {
      return std::make_unique<NoInstallationSource>();
    }
    if (!inst.devices.empty()) {
      // A real house: its devices, polled on their own threads.
      if (options_.drivers == nullptr) {
        return std::make_unique<FailedSource>("this daemon has no device drivers");
      }
      devices::DriverContext context{options_.config_dir};
      if (mqtt_link) {
        context.default_mqtt_broker = mqtt_link->device_broker();
      }
      auto devices = make_device_source(inst, *options_.drivers, context);
      if (!devices) {
        log_.error("devices not started", {{"reason", devices.error().message}});
        return std::make_unique<FailedSource>(devices.error().message);
      }
      return std::move(*devices);
    }
    return options_.waveform
               ? make_simulated_waveform_source(inst, options_.seed, common::unix_ms_now() / 1000,
                                                miswiring_for(options_.miswire, inst, log_))
               : make_simulated_power_source(inst, options_.seed, common::unix_ms_now() / 1000);
  };
  auto source = make_source(installation_);
  diagnostics_window.set_source(source->phasors() != nullptr, phasor_layout_key(installation_));
  EnergyRegisters registers;
  if (auto restored = writer->restore(registers, opened_history->floor); !restored) {
    log_.error("cannot start", {{"reason", restored.error().message}});
    return 1;
  }
  // Kirchhoff as a meter for others (an inverter's or charger's export
  // control): read-only Modbus TCP, off unless asked for.
  devices::modbus::MeterServer meter_server;
  if (!options_.modbus_meter.empty()) {
    const auto where = api::parse_listen_address(options_.modbus_meter);
    common::Status serving = where ? meter_server.start({where->host, where->port, "kirchhoff"})
                                   : common::Status(where.error());
    if (!serving) {
      log_.error("cannot start", {{"reason", "Modbus meter server " + options_.modbus_meter + ": " +
                                                 serving.error().message}});
      return 1;
    }
    log_.info("Modbus meter server",
              {{"listen", where->host + ":" + std::to_string(meter_server.port())}});
  }
  // The HTTP thread starts once nothing can fail any more: a return after it
  // would destroy a joinable thread.
  std::thread http_thread([&io] { io.run(); });
  start_price_sources(installation_);
  (void)(*history)->add_event({common::unix_ms_now(), "start", "", "kirchhoff started"});
  if (!opened_history->damage.empty()) {
    (void)(*history)->add_event({common::unix_ms_now(), "history", "",
                                 opened_history->damage + "; moved aside to " +
                                     opened_history->moved_to + "; a new history started"});
  }
  log_.info("started", {{"site", installation_.site.name},
                        {"data", data_dir->path()},
                        {"listen", address->host + ":" + std::to_string((*server)->port())},
                        {"cycle_ms", std::to_string(options_.cycle_ms)},
                        {"source", !installation_.devices.empty()
                                       ? std::to_string(installation_.devices.size()) + " devices"
                                   : options_.waveform ? "simulator, waveform mode at 4 kHz"
                                                       : "simulator, power mode"},
                        {"dashboard", options_.web_root.empty() ? "none" : options_.web_root},
                        {"tls", use_tls ? "on" : "off"},
                        {"local_only", options_.local_only ? "on" : "off"}});
  // systemd (Type=notify): started once serving; the watchdog is kept alive
  // by the cycle loop itself, so a hung loop gets the service restarted.
  common::ServiceNotifier service = common::ServiceNotifier::from_environment();
  if (auto ready = service.ready(); !ready) {
    log_.warning("service manager not told", {{"reason", ready.error().message}});
  }
  const auto cycle = std::chrono::milliseconds(options_.cycle_ms);
  auto deadline = std::chrono::steady_clock::now();
  std::int64_t cycles = 0;
  std::int64_t failures = 0;
  control::EnergyManager manager = control::make_default_manager(installation_);
  PersonChoices choices;
  // People's relay choices, kept in the data directory and restored onto
  // each new source (docs/daemon.md, "Relay choices that last").
  RelayMemory relay_memory(data_dir->file("relays.json"));
  if (auto loaded = relay_memory.load(); !loaded) {
    log_.warning("relay choices not restored", {{"reason", loaded.error().message}});
  }
  auto record_relay_events = [&](const std::vector<RelayEvent>& events) {
    for (const auto& e : events) {
      (void)(*history)->add_event({common::unix_ms_now(), "relay", e.user, e.message});
      log_.info("relay", {{"what", e.message}, {"user", e.user}});
    }
  };
  auto restore_relays = [&](const std::string& when) {
    // An installation that cannot run has no outputs: its emptiness must
    // not make people's choices go.
    if (!installation_error.empty()) {
      return;
    }
    const auto kept = relay_memory.keep_only(installation_);
    for (const auto& gone : kept.dropped) {
      log_.warning("relay choice dropped",
                   {{"relay", gone.module + "/" + std::to_string(gone.output)},
                    {"name", gone.name},
                    {"reason", "the installation has no such output any more"}});
    }
    if (!kept.saved) {
      log_.warning("relay choices not saved", {{"reason", kept.saved.error().message}});
    }
    record_relay_events(relay_memory.restore(source->devices(), manager, when));
  };
  restore_relays("at start");
  // People's charger modes, SG Ready hold and battery reserve, kept in the
  // data directory like relays (docs/daemon.md, "Other choices that last").
  ChoiceMemory choice_memory(data_dir->file("choices.json"));
  if (auto loaded = choice_memory.load(); !loaded) {
    log_.warning("choices not restored", {{"reason", loaded.error().message}});
  }
  auto restore_choices = [&](const std::string& when) {
    if (!installation_error.empty()) {
      return;  // as for relays: nothing is dropped for an installation that cannot run
    }
    auto kept = choice_memory.keep_only(installation_);
    if (!kept.saved) {
      log_.warning("choices not saved", {{"reason", kept.saved.error().message}});
    }
    for (const auto& gone : kept.dropped) {
      log_.warning("choice dropped", {{"what", gone.message}});
    }
    auto events = std::move(kept.dropped);
    for (auto& e : choice_memory.restore(choices, manager, when)) {
      events.push_back(std::move(e));
    }
    for (const auto& e : events) {
      (void)(*history)->add_event({common::unix_ms_now(), "command", e.user, e.message});
    }
  };
  restore_choices("at start");
  std::optional<int> sg_ready_now;  // the SG Ready state set this cycle
  control::SiteMeasurements measured;
  control::ControlInput input;
  common::LocalClock clock;
  const double cycle_s = static_cast<double>(options_.cycle_ms) / 1000.0;
  ModuleWatch module_watch;  // which B-bus modules answered, per installation
  // The stages of one cycle, in order. Each is a step a reader can follow:
  // take a new installation, people's switches, steer the devices on what
  // was measured, measure anew, then registers, alarms, publish, history.
  auto take_installation_change = [&] {
    auto change = site_config.take_change();
    if (!change) {
      return;
    }
    // Between two cycles: new source, history series, energy registers and
    // manager. Loads that keep their name keep their history and registers.
    auto new_writer = HistoryWriter::create(**history, *change->installation);
    EnergyRegisters new_registers;
    // The registers in force are a floor too: the history may be behind
    // them while its writes fail.
    const auto in_force = latest();
    common::Status restored =
        new_writer ? new_writer->restore(new_registers,
                                         in_force ? register_values(*in_force) : RegisterValues{})
                   : common::Status(new_writer.error());
    if (!new_writer || !restored) {
      log_.error("installation not applied",
                 {{"reason", new_writer ? restored.error().message : new_writer.error().message}});
      return;
    }
    installation_ = *change->installation;
    installation_error.clear();
    source.reset();  // its devices' connections close before new ones open
    source = make_source(installation_);
    wiring_alarms.installation_changed(diagnostics_window.set_source(
        source->phasors() != nullptr, phasor_layout_key(installation_)));
    module_watch = ModuleWatch{};  // the new source may not read modules at all
    writer.emplace(std::move(*new_writer));
    registers = std::move(new_registers);
    manager = control::make_default_manager(installation_);
    choices.keep_only(installation_);
    restore_relays("after the installation changed");
    restore_choices("after the installation changed");
    planning.set_installation(installation_);
    if (mqtt_link) {
      mqtt_link->set_installation(installation_);
    }
    price_feed.set_file(installation_.control.tariff.prices, common::unix_ms_now() / 1000);
    start_price_sources(installation_);
    const std::string what = "installation changed: " + installation_.site.name + ", " +
                             std::to_string(installation_.loads.size()) + " loads";
    (void)(*history)->add_event({common::unix_ms_now(), "config", change->user, what});
    log_.info("installation applied",
              {{"user", change->user}, {"loads", std::to_string(installation_.loads.size())}});
  };

  // People's commands since the last cycle, each an event with its user.
  auto apply_people_commands = [&] {
    // Accounts changed over the API (the HTTP thread cannot write the history).
    for (const auto& e : auth_api.take_events()) {
      (void)(*history)->add_event({e.t_ms, "account", e.user, e.message});
      log_.info("account", {{"what", e.message}, {"user", e.user}});
    }
    for (const auto& e : whatif.take_events()) {
      (void)(*history)->add_event({e.t_ms, "whatif", e.user, e.message});
    }
    const devices::SiteDevices* site_devices = source->devices();
    for (auto& c : commands_.take()) {
      // Checked when it was asked for; checked again here, since a new
      // installation may have come in between.
      if (auto valid = control::validate(c.command, installation_); !valid) {
        log_.warning("command dropped", {{"user", c.user}, {"reason", valid.error().message}});
        continue;
      }
      if (const auto* relay_command = std::get_if<control::RelayCommand>(&c.command)) {
        devices::Relay* relay = site_devices != nullptr ? site_devices->relay(relay_command->module,
                                                                              relay_command->output)
                                                        : nullptr;
        if (relay == nullptr) {
          continue;
        }
        relay->set_energised(relay_command->on);
        // A managed relay keeps the person's choice until they switch it
        // again, and so does every relay across restarts and edits.
        if (auto index = manager.relay_index(relay_command->module, relay_command->output)) {
          manager.set_manual(*index, relay_command->on);
        }
        const std::string name =
            output_name(installation_, relay_command->module, relay_command->output).value_or("");
        if (auto saved = relay_memory.record({relay_command->module, relay_command->output, name,
                                              relay_command->on, c.user, common::unix_ms_now()});
            !saved) {
          log_.warning("relay choice not saved", {{"reason", saved.error().message}});
        }
        record_relay_events({{c.user, relay_event_text(relay_command->module, relay_command->output,
                                                       name, relay_command->on,
                                                       c.user + "'s choice, held until switched "
                                                                "again")}});
        continue;
      } else if (const auto* ev = std::get_if<control::EvModeCommand>(&c.command)) {
        choices.set_ev_mode(ev->load, ev->mode);
      } else if (const auto* sg = std::get_if<control::SgReadyCommand>(&c.command)) {
        manager.set_sg_ready_manual(sg->state);
      } else if (const auto* session = std::get_if<control::EvSessionCommand>(&c.command)) {
        choices.set_ev_session(session->load, session->session);
      } else if (const auto* reserve = std::get_if<control::BatteryReserveCommand>(&c.command)) {
        choices.set_battery_reserve(reserve->reserve_pct);
      }
      if (auto saved =
              choice_memory.remember(c.command, installation_, c.user, common::unix_ms_now());
          !saved) {
        log_.warning("choice not saved", {{"reason", saved.error().message}});
      }
      const std::string what = control::describe(c.command);
      (void)(*history)->add_event({common::unix_ms_now(), "command", c.user, what});
      log_.info("command", {{"what", what}, {"user", c.user}});
    }
  };

  // The energy manager decides on what was measured (the last snapshot) and
  // what the devices report now, and sets them; a source that measured
  // nothing yet gives the fail-safe "no measurements".
  auto steer_devices = [&]() -> std::vector<snapshot::ControlDecision> {
    std::vector<snapshot::ControlDecision> decisions;
    const devices::SiteDevices* site_devices = source->devices();
    if (site_devices == nullptr || cycles == 0) {
      return decisions;
    }
    const std::int64_t now_ms = common::unix_ms_now();
    if (const auto last = latest()) {
      control::measurements_from_snapshot(*last, installation_, measured);
    } else {
      measured = {};
    }
    // The day-ahead prices as they stand: a new immutable series when a
    // source delivered, taken whole (the fetcher and MQTT threads never
    // touch this copy of the installation).
    installation_.control.tariff.prices = price_feed.current();
    control::fill_input(installation_, measured, *site_devices, now_ms, cycle_s, clock, input);
    // Declared sessions: energy charged since, and cleared when the car
    // leaves or its departure passes (each an event).
    for (const auto& gone : choices.update_sessions(input, now_ms / 1000, cycle_s)) {
      const std::string what = "charger '" + gone.load + "' session cleared: " + gone.why;
      (void)(*history)->add_event({now_ms, "command", "", what});
      log_.info("session cleared", {{"load", gone.load}, {"why", gone.why}});
    }
    choices.track_plugs(input, now_ms, cycle_s);
    choices.apply(input);
    source->declared_sessions(input);
    planning.on_cycle(input, installation_.control.tariff);
    if (auto report = planning.take_day_report()) {
      (void)(*history)->add_event({now_ms, "forecast", "", *report});
    }
    const control::ControlResult result = manager.cycle(input);
    sg_ready_now = result.setpoints.sg_ready;
    std::vector<std::optional<bool>> relays_were;
    for (const auto& r : installation_.control.relays) {
      const devices::Relay* relay = site_devices->relay(r.module, r.number);
      relays_were.push_back(relay != nullptr ? std::optional<bool>(relay->energised())
                                             : std::nullopt);
    }
    control::apply(installation_, *site_devices, result.setpoints);
    record_relay_events(
        manager_relay_events(installation_, relays_were, result, relay_memory.choices()));
    for (const auto& d : result.decisions) {
      decisions.push_back({d.controller, d.reason, d.alarm});
    }
    // Limits engaging and releasing are part of the history.
    for (const auto& d : result.engaged) {
      (void)(*history)->add_event({now_ms, "control", "", d.controller + ": " + d.reason});
    }
    for (const auto& name : result.released) {
      (void)(*history)->add_event({now_ms, "control", "", name + ": released"});
    }
    return decisions;
  };

  // The source's snapshot of this cycle, and its devices' states (kept for
  // GET /api/v1/devices even when no snapshot can be built).
  auto measure = [&] {
    auto snap = source->next(common::unix_ms_now());
    if (const metering::WindowPhasors* phasors = source->phasors(); snap && phasors != nullptr) {
      diagnostics_window.add(*phasors);
    }
    // A snapshot carries its devices' states already; ask the source only
    // when there is none.
    auto values = snap ? snap->devices : source->device_values();
    std::lock_guard lock(latest_mutex_);
    device_values_ = std::move(values);
    return snap;
  };

  // The simulator's waveform mode is the source of samples (a Power Box's
  // stand-in).
  auto raise_alarms = [&](const snapshot::SiteSnapshot* snap, const std::string& source_error) {
    const bool samples =
        installation_error.empty() && installation_.devices.empty() && options_.waveform;
    auto checks = check_alarms(snap, installation_, {samples, source_error});
    checks.push_back(installation_alarm(installation_error));
    if (snap != nullptr) {
      auto module_checks = module_watch.check(*snap, installation_);
      checks.insert(checks.end(), module_checks.begin(), module_checks.end());
      auto wiring = wiring_alarms.check(diagnostics_window, installation_);
      checks.insert(checks.end(), wiring.begin(), wiring.end());
    }
    if (mqtt_link) {
      auto link_checks = mqtt_link->alarms(common::unix_ms_now());
      checks.insert(checks.end(), link_checks.begin(), link_checks.end());
    }
    const auto& tariff = installation_.control.tariff;
    checks.push_back(price_feed.alarm(
        !tariff.prices_url.empty() || (!tariff.prices_topic.empty() && mqtt_link != nullptr),
        common::unix_ms_now() / 1000));
    checks.push_back(planning.alarm(common::unix_ms_now() / 1000));
    const auto history_checks = history_guard.alarms();
    checks.insert(checks.end(), history_checks.begin(), history_checks.end());
    record_alarms(alarms.apply(checks, snap != nullptr ? snap->unix_ms : common::unix_ms_now()));
  };

  // Serialised once per cycle, then served to every /live request and
  // stream client as it is.
  auto publish = [&](snapshot::SiteSnapshot snap) {
    if (meter_server.running()) {
      meter_server.update(grid_reading(snap));
    }
    auto json = std::make_shared<const std::string>(common::json_text(snapshot::to_json(snap)));
    {
      std::lock_guard lock(latest_mutex_);
      latest_ = std::make_shared<const snapshot::SiteSnapshot>(std::move(snap));
      latest_json_ = json;
    }
    if (stream.clients() > 0) {
      stream.publish(R"({"type":"snapshot","data":)" + *json + "}");
    }
    if (mqtt_link) {
      mqtt_link->publish(*latest());
    }
  };

  // Without a snapshot the devices' states still reach the dashboard: they
  // say why there is none.
  auto publish_devices_only = [&] {
    std::vector<snapshot::DeviceValues> values;
    {
      std::lock_guard lock(latest_mutex_);
      values = device_values_;
    }
    if (!values.empty() && stream.clients() > 0) {
      stream.publish(
          common::json_text({{"type", "devices"},
                             {"data", snapshot::devices_to_json(values, common::unix_ms_now())}}));
    }
  };

  // History after publishing, so its fsync does not delay live values: every
  // snapshot, committed each cycle (a crash loses at most one).
  auto record_history = [&] {
    const auto recorded = latest();
    const auto appended = writer->append(*recorded);
    if (mqtt_link) {
      mqtt_link->record(recorded->unix_ms, writer->last_points());
    }
    if (auto s = appended; !s) {
      log_.warning("snapshot not recorded", {{"reason", s.error().message}});
    } else {
      // A failure is an alarm (and one log line when it begins).
      history_guard.flushed((*history)->flush(), common::unix_ms_now(),
                            (*history)->dropped_points());
    }
    for (const auto& event :
         history_guard.maintain(**history, recorded.get(), common::unix_ms_now())) {
      (void)(*history)->add_event(event);
    }
  };

  std::int64_t internal_errors = 0;
  while (!stop.load()) {
    try {
      take_installation_change();
      apply_people_commands();
      std::vector<snapshot::ControlDecision> decisions = steer_devices();
      auto snap = measure();
      if (snap) {
        snap->control = std::move(decisions);
        if (source->devices() != nullptr && cycles > 0) {
          choices.describe(installation_, input, sg_ready_now,
                           manager.sg_ready_manual().has_value(), *snap);
        }
        registers.update(*snap, cycle_s);
        raise_alarms(&*snap, "");
        snap->alarms = alarms.active();
        publish(std::move(*snap));
        record_history();
        if (cycles == 0) {
          const double ms = std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - options_.process_start)
                                .count();
          log_.info("first snapshot", {{"after_ms", std::to_string(static_cast<int>(ms))}});
        }
      } else {
        publish_devices_only();
        if (++failures % 60 == 1) {
          log_.warning("no measurement this cycle", {{"reason", snap.error().message}});
        }
        raise_alarms(nullptr, snap.error().message);
      }
    } catch (const std::exception& e) {
      // A bug in one cycle must not end the daemon (and with it the API an
      // installer needs to see what is wrong): say so, try the next cycle.
      if (++internal_errors % 60 == 1) {
        log_.error("cycle failed", {{"error", common::log_safe(e.what(), 300)}});
      }
    }
    ++cycles;
    (void)service.keep_alive(std::chrono::steady_clock::now());
    if (options_.stop_after_cycles && cycles >= *options_.stop_after_cycles) {
      break;
    }
    deadline += cycle;
    const auto now = std::chrono::steady_clock::now();
    if (now > deadline + cycle) {
      log_.warning(
          "cycle overran",
          {{"late_ms",
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(now - deadline).count())}});
      deadline = now;
    }
    // Sleep in short slices so a stop request is seen within 50 ms.
    while (!stop.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(50), deadline - std::chrono::steady_clock::now()));
    }
  }
  log_.info("stopping", {{"cycles", std::to_string(cycles)}});
  (void)service.stopping();
  price_fetcher.reset();
  (void)(*history)->add_event({common::unix_ms_now(), "stop", "", "kirchhoff stopped"});
  if (auto saved = history_guard.save_now(latest().get(), common::unix_ms_now()); !saved) {
    log_.warning("registers not saved", {{"reason", saved.error().message}});
  }
  if (mqtt_link) {
    mqtt_link->stop();
  }
  auth_api.shutdown();
  io.stop();
  http_thread.join();
  log_.info("stopped");
  return 0;
}

}  // namespace kirchhoff::daemon
