#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/demo_installation.hpp"
#include "app/options.hpp"
#include "common/text.hpp"
#include "daemon/daemon.hpp"
#include "devices/modbus/maps/map_driver.hpp"
#include "devices/mqtt/mqtt_driver.hpp"
#include "devices/p1/p1_driver.hpp"
#include "devices/sunspec/sunspec_driver.hpp"
#include "model/loader.hpp"
#include "sim/miswire.hpp"

namespace kirchhoff::app {

namespace {

// Signal handlers can only reach static storage; this flag is the one piece
// of global state, written by the handler and read by the daemon loop.
std::atomic<bool> g_stop_requested{false};
std::chrono::steady_clock::time_point g_process_start = std::chrono::steady_clock::now();

extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }

// The dashboard's built files, in this order: --web DIR; beside an installed
// binary (<prefix>/bin/kirchhoff → <prefix>/share/kirchhoff/web, where `make
// install` and the package put them); in the source tree of a build
// directory (<source>/build/kirchhoff → <source>/web/dist, `make web`). The
// first that has an index.html wins; `looked` lists every place tried.
struct WebRoot {
  std::string root;  // empty: no dashboard
  std::vector<std::string> looked;
};

WebRoot find_web_root(const std::optional<std::string>& option) {
  WebRoot found;
  std::vector<std::filesystem::path> candidates;
  if (option) {
    candidates.emplace_back(*option);
  } else {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      const auto prefix = exe.parent_path().parent_path();
      candidates.push_back(prefix / "share" / "kirchhoff" / "web");
      candidates.push_back(prefix / "web" / "dist");
    }
  }
  for (const auto& dir : candidates) {
    std::error_code ec;
    const auto normal = dir.lexically_normal();
    found.looked.push_back(normal.string());
    if (found.root.empty() && std::filesystem::exists(normal / "index.html", ec)) {
      found.root = normal.string();
    }
  }
  return found;
}

// Many clients (and later many devices) need descriptors; systemd's default
// soft limit is 1024 while the hard one is far higher. Raise the soft limit
// to the hard one (at most 65536) where the system allows it.
void raise_descriptor_limit(common::Logger& log) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) {
    return;
  }
  const rlim_t wanted =
      files.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(files.rlim_max, 65536);
  if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < wanted) {
    const rlim_t before = files.rlim_cur;
    files.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &files) == 0) {
      log.info("descriptor limit raised",
               {{"from", std::to_string(before)}, {"to", std::to_string(wanted)}});
    }
  }
}

}  // namespace

std::string default_data_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
    return std::string(state) + "/kirchhoff";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.local/state/kirchhoff";
  }
  return "kirchhoff-data";
}

void mark_process_start() { g_process_start = std::chrono::steady_clock::now(); }

int run_command(const CommandContext& ctx) {
  constexpr std::array<std::string_view, 13> kKnown = {
      "config",  "data",         "listen", "cycle-ms", "seconds",   "web",           "tls-cert",
      "tls-key", "modbus-meter", "mqtt",   "miswire",  "log-level", "initial-config"};
  constexpr std::array<std::string_view, 1> kFlags = {"local-only"};
  const auto options = Options::parse(ctx.args, kKnown, kFlags);
  if (!options) {
    ctx.err << "kirchhoff run: " << options.error().message
            << "\nusage: kirchhoff run [--config FILE] [--data DIR] [--listen ADDR:PORT] "
               "[--cycle-ms 100..1000] [--seconds N] [--web DIR] [--tls-cert PEM --tls-key PEM] "
               "[--local-only] [--modbus-meter HOST:PORT] [--mqtt mqtt://HOST:PORT] "
               "[--miswire hub1/2=L3,hub2/1=reversed,...] [--log-level debug|info|warning|error]\n";
    return kExitUnreadable;
  }
  const auto log_level = common::parse_log_level(options->get("log-level").value_or("info"));
  if (!log_level) {
    ctx.err << "kirchhoff run: --log-level must be debug, info, warning or error, not '"
            << *options->get("log-level") << "'\n";
    return kExitUnreadable;
  }
  const std::string data_dir = options->get("data").value_or(default_data_dir());
  // The installation: --config, else the one an installer saved over the API
  // into the data directory, else --initial-config (a service's packaged
  // file: what runs until an installer saves one, so that "Save and apply"
  // outlives a restart), else the demo house.
  const std::string saved = data_dir + "/installation.yaml";
  std::optional<std::string> config = options->get("config");
  const auto initial = options->get("initial-config");
  if (config && initial) {
    ctx.err << "kirchhoff run: --config and --initial-config exclude each other (--config "
               "always runs its file; --initial-config only until an installation is saved)\n";
    return kExitUnreadable;
  }
  const bool use_saved = !config && std::filesystem::exists(saved);
  if (use_saved) {
    config = saved;
  } else if (initial) {
    config = initial;
  }
  const std::string yaml =
      config ? common::read_file(*config).value_or("") : std::string(kDemoInstallationYaml);
  auto installation = config ? model::load_installation_file(*config)
                             : model::load_installation_text(kDemoInstallationYaml,
                                                             "examples/demo.yaml (built in)");
  // A saved installation that cannot run (damaged, or accepted by an older
  // version) must not make the daemon exit at every start: it starts with
  // nothing to measure or control, a critical alarm, and the API up so an
  // installer can fix the installation. A --config given by hand is the
  // person's own mistake to see at once.
  std::string installation_error;
  if (!installation && (use_saved || initial)) {
    installation_error = installation.error().message;
    installation = model::Installation{};
  }
  if (!installation) {
    return report_installation_error(ctx, installation.error());
  }
  // The control cycle: --cycle-ms, else the installation's control.cycle_ms.
  const auto cycle_ms = options->integer("cycle-ms", installation->control.cycle_ms, 100, 1000);
  const auto seconds = options->integer("seconds", 0, 0, 1LL << 40);
  if (!cycle_ms || !seconds) {
    ctx.err << "kirchhoff run: " << (!cycle_ms ? cycle_ms.error() : seconds.error()).message
            << "\n";
    return kExitUnreadable;
  }
  daemon::DaemonOptions daemon_options;
  // Mis-wired CTs exist only in the simulator's samples (waveform mode, the
  // one `run` uses for a site without devices).
  if (const auto spec = options->get("miswire")) {
    if (!installation->devices.empty()) {
      ctx.err << "kirchhoff run: --miswire needs the simulator's waveform mode, but this "
                 "installation has real devices (its 'devices:' section)\n";
      return kExitUnreadable;
    }
    if (installation_error.empty()) {
      if (auto parsed = sim::parse_miswire(*spec, *installation); !parsed) {
        ctx.err << "kirchhoff run: --miswire: " << parsed.error().message << "\n";
        return kExitUnreadable;
      }
    }
    daemon_options.miswire = *spec;
  }
  daemon_options.data_dir = data_dir;
  // HTTPS and local-only: the command line, else the installation's server section.
  daemon_options.tls_certificate =
      options->get("tls-cert").value_or(installation->server.tls_certificate);
  daemon_options.tls_key = options->get("tls-key").value_or(installation->server.tls_key);
  if (daemon_options.tls_certificate.empty() != daemon_options.tls_key.empty()) {
    ctx.err << "kirchhoff run: HTTPS needs both --tls-cert and --tls-key (PEM files)\n";
    return kExitUnreadable;
  }
  daemon_options.local_only = options->flag("local-only") || installation->server.local_only;
  daemon_options.installation_yaml = yaml;
  daemon_options.installation_error = installation_error;
  daemon_options.listen = options->get("listen").value_or("127.0.0.1:8080");
  daemon_options.cycle_ms = *cycle_ms;
  daemon_options.process_start = g_process_start;
  daemon_options.demo = !options->get("config") && !initial;
  const WebRoot web = find_web_root(options->get("web"));
  daemon_options.web_root = web.root;
  daemon_options.terminal = &ctx.out;
  // The drivers of real devices: one registration per driver folder.
  static const devices::DriverRegistry drivers = [] {
    devices::DriverRegistry registry;
    devices::p1::register_p1_driver(registry);
    devices::sunspec::register_sunspec_driver(registry);
    devices::maps::register_map_driver(registry);
    devices::mqtt::register_mqtt_driver(registry);
    return registry;
  }();
  daemon_options.drivers = &drivers;
  daemon_options.modbus_meter =
      options->get("modbus-meter").value_or(installation->server.modbus_meter);
  daemon_options.config_dir =
      config ? std::filesystem::path(*config).parent_path().string() : std::string();
  // MQTT: the installation's server.mqtt block; --mqtt sets (or overrides)
  // its broker and keeps the block's other settings.
  daemon_options.mqtt = installation->server.mqtt;
  if (const auto url = options->get("mqtt")) {
    if (url->rfind("mqtt://", 0) != 0 && url->rfind("mqtts://", 0) != 0) {
      ctx.err << "kirchhoff run: --mqtt must be mqtt://HOST[:PORT] or mqtts://HOST[:PORT], not '"
              << *url << "'\n";
      return kExitUnreadable;
    }
    if (!daemon_options.mqtt) {
      daemon_options.mqtt.emplace();
    }
    daemon_options.mqtt->url = *url;
  }
  if (*seconds > 0) {
    daemon_options.stop_after_cycles = *seconds * 1000 / *cycle_ms;
  }
  // Argon2 works in 12 MiB blocks (every login). glibc raises its mmap
  // threshold after the first such block is freed, and later ones then stay
  // in the heap for good; a fixed threshold keeps them mmapped, so each is
  // returned to the system at once and the daemon stays small.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // Under systemd the journal gets each line's priority and stamps the time.
  const bool journal = &ctx.err == &std::cerr &&
                       common::is_journal_stream(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
  common::Logger log(ctx.err, *log_level,
                     journal ? common::LogFormat::kJournal : common::LogFormat::kPlain);
  if (!installation_error.empty()) {
    log.error("the installation cannot run: starting with nothing to control",
              {{"file", use_saved ? saved : *initial}, {"reason", installation_error}});
  } else if (use_saved) {
    log.info("running the installation saved over the API", {{"file", saved}});
    if (initial) {
      log.info("--initial-config not used: an installation was saved over the API",
               {{"initial_config", *initial}});
    }
  } else if (initial) {
    log.info("running the initial installation until one is saved over the API",
             {{"file", *initial}});
  } else if (!config) {
    log.info("no --config: running the demo house on the simulator");
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit(log);
  if (web.root.empty()) {
    std::string looked;
    for (const auto& place : web.looked) {
      looked += (looked.empty() ? "" : ", ") + place;
    }
    log.warning("no dashboard: serving the API only",
                {{"looked_in", looked.empty() ? "nowhere (the binary's place is unknown)" : looked},
                 {"hint", "build it with 'make web', or pass --web DIR"}});
  }
  daemon::Daemon daemon(*installation, daemon_options, log);
  return daemon.run(g_stop_requested);
}

}  // namespace kirchhoff::app
