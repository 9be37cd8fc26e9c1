#include "devices/modbus/meter_server.hpp"

#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

namespace kirchhoff::devices::modbus {

namespace {

constexpr std::uint16_t kSunSpecBase = 40000;
constexpr std::uint16_t kNotImplementedInt16 = 0x8000;
constexpr std::size_t kSdm630Registers = 0x004C;  // through export kWh (0x004A, 2 registers)

std::uint16_t int16_bits(int value) {
  return static_cast<std::uint16_t>(static_cast<std::int16_t>(value));
}

void put_text(std::vector<std::uint16_t>& regs, std::size_t at, const std::string& text,
              std::size_t registers) {
  for (std::size_t i = 0; i < std::min(text.size(), registers * 2); ++i) {
    const auto byte = static_cast<std::uint16_t>(static_cast<unsigned char>(text[i]));
    regs[at + i / 2] =
        static_cast<std::uint16_t>(regs[at + i / 2] | (i % 2 == 0 ? byte << 8 : byte));
  }
}

// Values sharing one SunSpec scale factor: the smallest sf >= `min_sf` at
// which every present value fits an int16 (0x8000 stays "not implemented").
void put_scaled(std::vector<std::uint16_t>& regs, std::size_t sf_at,
                const std::vector<std::pair<std::size_t, std::optional<double>>>& values,
                int min_sf) {
  double largest = 0;
  for (const auto& [at, value] : values) {
    if (value && std::isfinite(*value)) {
      largest = std::max(largest, std::fabs(*value));
    }
  }
  int sf = min_sf;
  while (sf < 10 && largest * std::pow(10.0, -sf) > 32767.0) {
    ++sf;
  }
  regs[sf_at] = int16_bits(sf);
  for (const auto& [at, value] : values) {
    if (value && std::isfinite(*value)) {
      const double raw = std::clamp(std::round(*value * std::pow(10.0, -sf)), -32767.0, 32767.0);
      regs[at] = int16_bits(static_cast<int>(raw));
    } else {
      regs[at] = kNotImplementedInt16;
    }
  }
}

void put_acc32(std::vector<std::uint16_t>& regs, std::size_t at, std::optional<double> wh) {
  // acc32 0 means "not implemented"; a counter that wraps is what acc32 allows.
  std::uint32_t value = 0;
  if (wh && std::isfinite(*wh) && *wh >= 0) {
    value = static_cast<std::uint32_t>(std::fmod(std::floor(*wh), 4294967296.0));
  }
  regs[at] = static_cast<std::uint16_t>(value >> 16);
  regs[at + 1] = static_cast<std::uint16_t>(value & 0xFFFF);
}

void put_float(std::vector<std::uint16_t>& regs, std::size_t at, std::optional<double> value) {
  const float f = value ? static_cast<float>(*value) : std::numeric_limits<float>::quiet_NaN();
  const auto bits = std::bit_cast<std::uint32_t>(f);
  regs[at] = static_cast<std::uint16_t>(bits >> 16);
  regs[at + 1] = static_cast<std::uint16_t>(bits & 0xFFFF);
}

std::optional<double> sum(const PhaseArray& phases) {
  std::optional<double> total;
  for (const auto& phase : phases) {
    if (phase) {
      total = total.value_or(0.0) + *phase;
    }
  }
  return total;
}

std::optional<double> average(const PhaseArray& phases) {
  int count = 0;
  double total = 0;
  for (const auto& phase : phases) {
    if (phase) {
      total += *phase;
      ++count;
    }
  }
  return count > 0 ? std::optional<double>(total / count) : std::nullopt;
}

}  // namespace

std::vector<std::uint16_t> sunspec_meter_image(const Reading& reading,
                                               const std::string& serial_number) {
  // "SunS" (2) + model 1 (2 + 66) + model 203 (2 + 105) + end (2).
  std::vector<std::uint16_t> regs(2 + 68 + 107 + 2, 0);
  regs[0] = 0x5375;
  regs[1] = 0x6E53;
  const std::size_t c = 2;  // model 1, offsets as in sunspec/models.cpp
  regs[c] = 1;
  regs[c + 1] = 66;
  put_text(regs, c + 2, "Kirchhoff", 16);
  put_text(regs, c + 18, "Grid meter", 16);
  put_text(regs, c + 42, "0.1.0", 8);
  put_text(regs, c + 50, serial_number, 16);
  regs[c + 66] = 0xFFFF;         // DA: not implemented
  const std::size_t m = c + 68;  // model 203
  regs[m] = 203;
  regs[m + 1] = 105;
  put_scaled(regs, m + 6,
             {{m + 2, sum(reading.phase_current_a)},
              {m + 3, reading.phase_current_a[0]},
              {m + 4, reading.phase_current_a[1]},
              {m + 5, reading.phase_current_a[2]}},
             -2);
  put_scaled(regs, m + 15,
             {{m + 7, average(reading.phase_voltage_v)},
              {m + 8, reading.phase_voltage_v[0]},
              {m + 9, reading.phase_voltage_v[1]},
              {m + 10, reading.phase_voltage_v[2]},
              {m + 11, std::nullopt},
              {m + 12, std::nullopt},
              {m + 13, std::nullopt},
              {m + 14, std::nullopt}},
             -1);
  put_scaled(regs, m + 17, {{m + 16, reading.frequency_hz}}, -2);
  put_scaled(regs, m + 22,
             {{m + 18, reading.power_w},
              {m + 19, reading.phase_power_w[0]},
              {m + 20, reading.phase_power_w[1]},
              {m + 21, reading.phase_power_w[2]}},
             0);
  put_scaled(regs, m + 27,
             {{m + 23, std::nullopt},
              {m + 24, std::nullopt},
              {m + 25, std::nullopt},
              {m + 26, std::nullopt}},
             0);
  put_scaled(regs, m + 32,
             {{m + 28, reading.reactive_power_var},
              {m + 29, std::nullopt},
              {m + 30, std::nullopt},
              {m + 31, std::nullopt}},
             0);
  put_scaled(regs, m + 37,
             {{m + 33, std::nullopt},
              {m + 34, std::nullopt},
              {m + 35, std::nullopt},
              {m + 36, std::nullopt}},
             0);
  put_acc32(regs, m + 38, reading.energy_export_wh);  // TotWhExp
  put_acc32(regs, m + 46, reading.energy_import_wh);  // TotWhImp
  regs[m + 54] = 0;                                   // TotWh_SF: Wh
  regs[m + 71] = kNotImplementedInt16;                // TotVAh_SF
  regs[m + 104] = kNotImplementedInt16;               // TotVArh_SF
  const std::size_t end = m + 107;
  regs[end] = 0xFFFF;
  regs[end + 1] = 0;
  return regs;
}

std::vector<std::uint16_t> sdm630_image(const Reading& reading) {
  std::vector<std::uint16_t> regs(kSdm630Registers, 0);
  for (std::size_t phase = 0; phase < 3; ++phase) {
    put_float(regs, 0x0000 + 2 * phase, reading.phase_voltage_v[phase]);
    put_float(regs, 0x0006 + 2 * phase, reading.phase_current_a[phase]);
    put_float(regs, 0x000C + 2 * phase, reading.phase_power_w[phase]);
  }
  put_float(regs, 0x0034, reading.power_w);
  put_float(regs, 0x0046, reading.frequency_hz);
  const auto kwh = [](std::optional<double> wh) {
    return wh ? std::optional<double>(*wh / 1000.0) : std::nullopt;
  };
  put_float(regs, 0x0048, kwh(reading.energy_import_wh));
  put_float(regs, 0x004A, kwh(reading.energy_export_wh));
  return regs;
}

struct MeterServer::State {
  std::mutex mutex;  // guards `last` and the mapping's registers (update() vs replies)
  Reading last;      // served from start() on, so an update before start counts
  modbus_t* context = nullptr;
  modbus_mapping_t* mapping = nullptr;
  int listener = -1;
  int wake[2] = {-1, -1};  // stop() writes to wake[1]
  std::thread thread;
  std::atomic<std::uint16_t> port{0};
  std::string serial_number;

  void serve();
  void release() {
    const std::lock_guard lock(mutex);
    release_unlocked();
  }
  void release_unlocked() {
    for (int* fd : {&listener, &wake[0], &wake[1]}) {
      if (*fd >= 0) {
        close(*fd);
        *fd = -1;
      }
    }
    if (mapping != nullptr) {
      modbus_mapping_free(mapping);
      mapping = nullptr;
    }
    if (context != nullptr) {
      modbus_free(context);
      context = nullptr;
    }
  }
};

void MeterServer::State::serve() {
  std::set<int> clients;
  std::vector<std::uint8_t> query(MODBUS_TCP_MAX_ADU_LENGTH);
  while (true) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(wake[0], &readable);
    FD_SET(listener, &readable);
    int highest = std::max(wake[0], listener);
    for (int fd : clients) {
      FD_SET(fd, &readable);
      highest = std::max(highest, fd);
    }
    if (select(highest + 1, &readable, nullptr, nullptr, nullptr) == -1) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (FD_ISSET(wake[0], &readable)) {
      break;
    }
    if (FD_ISSET(listener, &readable)) {
      const int client = accept(listener, nullptr, nullptr);
      if (client >= 0 && client < FD_SETSIZE) {
        clients.insert(client);
      } else if (client >= 0) {
        close(client);  // beyond what select can watch
      }
    }
    std::vector<int> closed;
    for (int fd : clients) {
      if (!FD_ISSET(fd, &readable)) {
        continue;
      }
      modbus_set_socket(context, fd);
      const int length = modbus_receive(context, query.data());
      if (length == -1) {
        closed.push_back(fd);
        continue;
      }
      if (length == 0) {
        continue;
      }
      const int function = query[7];  // after the 7-byte MBAP header
      int rc = 0;
      if (function == MODBUS_FC_READ_HOLDING_REGISTERS ||
          function == MODBUS_FC_READ_INPUT_REGISTERS) {
        const std::lock_guard lock(mutex);
        rc = modbus_reply(context, query.data(), length, mapping);
      } else {
        rc = modbus_reply_exception(context, query.data(), MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
      }
      if (rc == -1) {
        closed.push_back(fd);
      }
    }
    for (int fd : closed) {
      close(fd);
      clients.erase(fd);
    }
  }
  for (int fd : clients) {
    close(fd);
  }
}

MeterServer::MeterServer() : state_(std::make_unique<State>()) {}

MeterServer::~MeterServer() { stop(); }

bool MeterServer::running() const { return state_->thread.joinable(); }

std::uint16_t MeterServer::port() const { return running() ? state_->port.load() : 0; }

common::Status MeterServer::start(const Options& options) {
  if (running()) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "Modbus meter server: already running");
  }
  State& s = *state_;
  const std::string where =
      "Modbus meter server on " + options.address + ":" + std::to_string(options.port);
  const std::lock_guard lock(s.mutex);
  s.serial_number = options.serial_number;
  const auto holding = sunspec_meter_image(s.last, s.serial_number);
  const auto input = sdm630_image(s.last);
  s.mapping = modbus_mapping_new_start_address(0, 0, 0, 0, kSunSpecBase,
                                               static_cast<unsigned>(holding.size()), 0,
                                               static_cast<unsigned>(input.size()));
  s.context = modbus_new_tcp(options.address.c_str(), options.port);
  if (s.mapping == nullptr || s.context == nullptr || pipe(s.wake) != 0) {
    const int error = errno;
    s.release_unlocked();
    return common::make_error(common::ErrorKind::kIoError,
                              where + ": cannot set up (" + std::strerror(error) + ")");
  }
  std::copy(holding.begin(), holding.end(), s.mapping->tab_registers);
  std::copy(input.begin(), input.end(), s.mapping->tab_input_registers);
  s.listener = modbus_tcp_listen(s.context, 16);
  if (s.listener == -1) {
    const int error = errno;
    s.release_unlocked();
    return common::make_error(common::ErrorKind::kIoError,
                              where + ": cannot listen (" + modbus_strerror(error) + ")");
  }
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  getsockname(s.listener, reinterpret_cast<sockaddr*>(&bound), &length);
  s.port = ntohs(bound.sin_port);
  s.thread = std::thread([&s] { s.serve(); });
  return common::Status::success();
}

void MeterServer::stop() {
  State& s = *state_;
  if (!s.thread.joinable()) {
    return;
  }
  const char byte = 0;
  (void)!write(s.wake[1], &byte, 1);
  s.thread.join();
  s.release();
  s.port = 0;
}

void MeterServer::update(const Reading& reading) {
  const std::lock_guard lock(state_->mutex);
  state_->last = reading;
  if (state_->mapping != nullptr) {
    const auto holding = sunspec_meter_image(reading, state_->serial_number);
    const auto input = sdm630_image(reading);
    std::copy(holding.begin(), holding.end(), state_->mapping->tab_registers);
    std::copy(input.begin(), input.end(), state_->mapping->tab_input_registers);
  }
}

}  // namespace kirchhoff::devices::modbus
