// The installation: what is wired where. Loaded from the YAML installation
// file (model/loader.hpp), checked by model/validator.hpp, read by metering,
// the simulator, control and the API. Plain values: cheap to copy, no
// ownership, safe to share read-only between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/catalog.hpp"
#include "model/control_config.hpp"
#include "model/device_config.hpp"
#include "model/source_pos.hpp"

namespace kirchhoff::model {

struct Site {
  std::string name;
  Topology topology = Topology::k3PN400;
  double frequency_hz = 50.0;
  double main_breaker_a = 25.0;  // rated current of the main breaker, per phase
  // Where the site is (degrees, north and east positive): the sun's path for
  // the simulator and, later, forecasts. Empty: not given.
  std::optional<double> latitude_deg;
  std::optional<double> longitude_deg;
  SourcePos pos;
  SourcePos topology_pos;
  SourcePos main_breaker_pos;
};

// One CT connected to an input of an A-bus device.
struct CtInput {
  int number = 0;  // 1-based input number on its device
  CtType ct = CtType::kSplit100A;
  // Calibration of this CT, when the installer measured one: a gain on the
  // current and a phase correction in degrees (positive advances the current).
  // Empty means the defaults of the CT type.
  std::optional<double> gain;
  std::optional<double> phase_deg;
  SourcePos pos;
};

struct BusDevice {
  BusDeviceKind kind = BusDeviceKind::kCtHub;
  std::string id;               // unique on the bus, e.g. "hub1"
  std::vector<CtInput> inputs;  // in ascending input number
  SourcePos pos;

  const CtInput* input(int number) const;
};

// A reference to a CT input, written "ID/N" in the file (e.g. "hub1/3").
struct InputRef {
  std::string device;
  int number = 0;

  std::string to_string() const;  // "hub1/3"
  // The same into `out`, reusing its memory (a snapshot every second).
  void write_to(std::string& out) const;
  friend bool operator==(const InputRef&, const InputRef&) = default;
  friend auto operator<=>(const InputRef&, const InputRef&) = default;
};

// Parses "ID/N"; empty when the text does not have that shape.
std::optional<InputRef> parse_input_ref(std::string_view text);

enum class LoadKind { kGrid, kSolar, kBattery, kEv, kHeatpump, kConsumer };
std::string_view load_kind_name(LoadKind kind);
std::optional<LoadKind> parse_load_kind(std::string_view text);

// One measured conductor of a load: the CT on it and the voltage it is
// measured against.
struct LoadChannel {
  Phase phase = Phase::kL1;  // on 3P-230 this names a line-to-line voltage, see the brief
  InputRef input;
  bool reversed = false;  // flips the sign of this input's P and Q
  SourcePos phase_pos;
  SourcePos input_pos;
  SourcePos reversed_pos;  // of its `reversed` entry; line 0 when the load has none
};

// A load: a circuit or device measured by one CT per phase conductor.
// Sign convention: P is positive in the CT arrow direction; for the grid that is
// import, for solar production, for a battery discharge, for consumers use.
struct Load {
  std::string name;
  LoadKind kind = LoadKind::kConsumer;
  std::vector<LoadChannel> channels;
  // The conductors of a load without CT inputs (measured by a device);
  // loads with inputs name their phases in `channels`.
  std::vector<Phase> device_phases;
  std::optional<double> breaker_a;  // rated current of the breaker feeding the load
  // Solar loads: the panels' tilt from horizontal and azimuth clockwise from
  // north (180 = south). Empty: not given.
  std::optional<double> tilt_deg;
  std::optional<double> azimuth_deg;
  // The equipment behind the load (docs/installation-file.md), each only on
  // its kind of load; empty when the file does not say (the simulator then
  // uses its defaults, a real device its own read-back).
  // Battery: usable energy content (kWh) and the most it charges or
  // discharges (AC kW, both directions).
  std::optional<double> capacity_kwh;
  std::optional<double> power_kw;
  // Solar: the panels' peak DC power (kWp) and the inverter's AC rating (kW).
  std::optional<double> kwp;
  std::optional<double> inverter_kw;
  // EV: the car's battery (kWh) and its on-board charger's power (AC kW).
  std::optional<double> car_battery_kwh;
  std::optional<double> car_charge_kw;
  SourcePos pos;
  SourcePos name_pos;
  SourcePos breaker_pos;
  SourcePos capacity_pos;
  SourcePos power_pos;
  SourcePos kwp_pos;
  SourcePos inverter_pos;
  SourcePos car_battery_pos;
  SourcePos car_charge_pos;
};

// A file's kW or kWh in W or Wh, rounded to the micro-unit so that a decimal
// such as 9.7152 becomes exactly the double nearest 9715.2 (a plain * 1000
// can land one ulp off). The simulator and the energy manager both use it,
// so they agree on the same equipment to the last bit.
double kilo_to_unit(double kilo);

enum class ModuleInputKind { kPulse, kStatus };

struct ModuleInput {
  int number = 0;  // 1..4
  ModuleInputKind kind = ModuleInputKind::kPulse;
  std::string name;
  std::string unit;              // e.g. "m3", "kWh", "l"; empty for status inputs
  double pulses_per_unit = 0.0;  // pulse inputs only
  SourcePos pos;
  SourcePos pulses_pos;
};

enum class Contact { kNormallyOpen, kNormallyClosed };

struct ModuleOutput {
  int number = 0;  // 1..2
  std::string name;
  Contact contact = Contact::kNormallyOpen;
  SourcePos pos;
};

enum class ModuleKind { kInput, kOutput };

// A module on the B-bus: an Input module (4 pulse/status inputs) or an
// Output module (2 relays).
struct Module {
  ModuleKind kind = ModuleKind::kInput;
  std::string id;
  std::vector<ModuleInput> inputs;    // Input module only
  std::vector<ModuleOutput> outputs;  // Output module only
  SourcePos pos;
};

// The site on an MQTT broker (docs/mqtt.md): live values, Home Assistant
// discovery, commands, and the store-and-forward uplink (docs/uplink-format.md).
struct MqttConfig {
  std::string url;  // mqtt://host[:port] or mqtts://host[:port]
  std::string username;
  std::string password_file;  // the password, read at start; relative to the installation file
  std::string ca_file;        // mqtts: the CA of the broker's certificate; empty: system CAs
  std::string topic_prefix;   // empty: kirchhoff/<site name as a slug>
  std::string discovery_prefix = "homeassistant";
  bool discovery = true;      // Home Assistant discovery configs
  bool read_only = false;     // publish only; commands are refused
  bool uplink = true;         // every history point to <prefix>/uplink, stored until acknowledged
  double uplink_days = 30.0;  // the outbox keeps at most this much; oldest dropped first
  int uplink_batches_per_s = 1;  // batches of up to 1000 points
  int protocol = 5;              // 4 = MQTT 3.1.1, 5 = MQTT 5
  int keepalive_s = 30;
  SourcePos pos;
};

// How the daemon serves this site: HTTPS with a certificate and key (PEM
// files), and the local-only promise (docs/api.md).
struct ServerConfig {
  std::string tls_certificate;
  std::string tls_key;
  bool local_only = false;
  // Serve the grid meter to other devices over Modbus TCP (SunSpec 1 + 203
  // and an SDM630 map), read-only, at "HOST:PORT"; empty: off.
  std::string modbus_meter;
  std::optional<MqttConfig> mqtt;
  SourcePos pos;
  // The history (docs/storage-faults.md): how long raw points and each
  // rollup level are kept, and the free space under which the oldest raw
  // points make room.
  struct History {
    std::int64_t raw_ms = 35LL * 86'400'000;   // 0: forever
    std::int64_t rollup_ms[4] = {0, 0, 0, 0};  // 1m, 15m, 1h, 1d; 0: forever
    std::int64_t min_free_mb = 200;
  } history;
};

struct Installation {
  Site site;
  Gateway gateway = Gateway::kGenius;
  SourcePos gateway_pos;
  std::vector<BusDevice> bus;  // A-bus, in cable order from the Power Box
  std::vector<Load> loads;
  std::vector<Module> modules;  // B-bus
  ControlConfig control;        // the energy manager's settings
  ServerConfig server;
  std::vector<DeviceConfig> devices;  // real devices: P1, Modbus, SunSpec

  const BusDevice* find_device(std::string_view id) const;
  const CtInput* find_input(const InputRef& ref) const;
  const Load* find_load(std::string_view name) const;
  // The device that measures or controls `load`, if any.
  const DeviceConfig* device_for_load(std::string_view load) const;
  int measurement_points() const;  // inputs the A-bus devices bring (hub 4, solid core 3)
};

}  // namespace kirchhoff::model
