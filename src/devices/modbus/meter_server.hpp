// Kirchhoff as a meter for other systems: a read-only Modbus TCP server that
// serves the grid meter's latest reading (docs/modbus.md, "Meter server"):
//   - holding registers from 40000: SunSpec "SunS", model 1 (common) and
//     model 203 (three-phase wye meter), end marker;
//   - input registers from 0: an Eastron SDM630 map, float32 with the high
//     word first (voltages 0x0000, currents 0x0006, powers 0x000C, total power
//     0x0034, frequency 0x0046, import / export kWh 0x0048 / 0x004A).
// Any unit id is answered. Writes and every other function get exception 1
// (illegal function); addresses outside the maps exception 2.
//
// Off unless started. Runs its own thread (select on the listening socket,
// its clients and a wake-up pipe; no polling). update() may be called from
// any thread; start() and stop() from the owner's only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "devices/reading.hpp"

namespace kirchhoff::devices::modbus {

class MeterServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";  // IPv4 address to listen on; "0.0.0.0" for all
    std::uint16_t port = 502;           // 0: a free port, see port()
    std::string serial_number;          // model 1's SN
  };

  MeterServer();
  ~MeterServer();  // stops
  MeterServer(const MeterServer&) = delete;
  MeterServer& operator=(const MeterServer&) = delete;

  // Listens and starts serving. Fails (kIoError) when the address cannot be
  // bound; kInvalidArgument when already running.
  common::Status start(const Options& options);
  // Closes every connection and joins the thread. Idempotent.
  void stop();
  bool running() const;
  // The port it listens on (the chosen one for port 0); 0 when not running.
  std::uint16_t port() const;

  // The grid meter's reading to serve from now on (signs of
  // devices/reading.hpp: + import). Fields it lacks are served as "not
  // implemented" (SunSpec) or NaN (SDM630 map).
  void update(const Reading& reading);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The register images the server serves, for tests and other servers:
// holding registers from 40000 and input registers from 0.
std::vector<std::uint16_t> sunspec_meter_image(const Reading& reading,
                                               const std::string& serial_number);
std::vector<std::uint16_t> sdm630_image(const Reading& reading);

}  // namespace kirchhoff::devices::modbus
