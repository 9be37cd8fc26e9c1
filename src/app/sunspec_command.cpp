// `kirchhoff sunspec HOST:PORT [--unit N] [--timeout-ms N]`: discovers a
// SunSpec device and prints its models with scaled points as JSON
// (docs/modbus.md). Errors (no marker, refused, timeout) exit 1 naming the
// device's address.
#include <array>
#include <chrono>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "devices/modbus/libmodbus_transport.hpp"
#include "devices/sunspec/sunspec.hpp"
#include "devices/sunspec/sunspec_json.hpp"

namespace kirchhoff::app {

namespace {

constexpr const char* kUsage =
    "usage: kirchhoff sunspec HOST:PORT [--unit N] [--timeout-ms N]\n"
    "       (or a serial device: /dev/ttyUSB0[:BAUD[:8N1]])\n";

}  // namespace

int sunspec_command(const CommandContext& ctx) {
  if (ctx.args.empty() || ctx.args[0].starts_with("--")) {
    ctx.err << "kirchhoff sunspec: the device's address is required\n" << kUsage;
    return kExitUnreadable;
  }
  const std::string& address = ctx.args[0];
  constexpr std::array<std::string_view, 2> kKnown = {"unit", "timeout-ms"};
  const auto options = Options::parse(ctx.args.subspan(1), kKnown);
  if (!options) {
    ctx.err << "kirchhoff sunspec: " << options.error().message << "\n" << kUsage;
    return kExitUnreadable;
  }
  const auto unit = options->integer("unit", 1, 0, 255);
  const auto timeout_ms = options->integer("timeout-ms", 2000, 1, 60000);
  auto endpoint = devices::modbus::parse_endpoint(address);
  for (const common::Error* error :
       {unit ? nullptr : &unit.error(), timeout_ms ? nullptr : &timeout_ms.error(),
        endpoint ? nullptr : &endpoint.error()}) {
    if (error != nullptr) {
      ctx.err << "kirchhoff sunspec: " << error->message << "\n" << kUsage;
      return kExitUnreadable;
    }
  }
  devices::modbus::LibmodbusTransport transport(
      {"kirchhoff sunspec", *endpoint, std::chrono::milliseconds(*timeout_ms)});
  const int unit_id = static_cast<int>(*unit);
  auto fail = [&](const common::Error& error) {
    // Transport errors start with "kirchhoff sunspec (ADDRESS)"; discovery's
    // own (no marker) get the address in front.
    if (!error.message.starts_with("kirchhoff sunspec (")) {
      ctx.err << "kirchhoff sunspec " << address << ": " << error.message << "\n";
    } else {
      ctx.err << error.message << "\n";
    }
    return kExitInvalid;
  };
  auto discovery = devices::sunspec::discover(transport, unit_id);
  if (!discovery) {
    return fail(discovery.error());
  }
  nlohmann::ordered_json out;
  out["base"] = discovery->base;
  out["unit"] = unit_id;
  out["end_marker"] = discovery->end_marker;
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const devices::sunspec::ModelInstance& instance : discovery->models) {
    auto model = devices::sunspec::read_model(transport, unit_id, instance);
    if (model) {
      models.push_back(devices::sunspec::to_json(*model));
      continue;
    }
    if (model.error().kind == common::ErrorKind::kIoError) {
      return fail(model.error());  // the link is gone; the rest would fail the same way
    }
    nlohmann::ordered_json entry;
    entry["id"] = instance.id;
    entry["address"] = instance.address;
    entry["length"] = instance.length;
    entry["points"] = nlohmann::ordered_json::object();
    entry["error"] = model.error().message;
    models.push_back(std::move(entry));
  }
  out["models"] = std::move(models);
  ctx.out << out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
