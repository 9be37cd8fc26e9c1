// The Modbus transport for real devices: libmodbus's TCP and RTU backends
// behind the Transport seam (docs/modbus.md).
//
// Connects lazily on the first call. Any failure on the link (refused, lost,
// timeout, a reply that does not match the request) closes the connection, so
// a late answer is never taken for the next request's; the next call connects
// again. It never sleeps and never retries: back-off is the caller's
// scheduler's business, with connected() and last_error() to decide on.
//
// Errors name the device (Options::name and the endpoint), the unit, the
// register and the reason. A Modbus exception 2 or 3 is ErrorKind::kNotFound,
// any other exception kUnsupported, every link failure kIoError.
//
// Not thread-safe: one poller owns a transport. Movable, not copyable.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "devices/modbus/endpoint.hpp"
#include "devices/modbus/transport.hpp"

struct _modbus;  // libmodbus's context (modbus_t); kept out of this header

namespace kirchhoff::devices::modbus {

// What went wrong in the last call, as a value the poller can branch on.
struct TransportError {
  enum class Reason {
    kTimeout,            // no (whole) answer within the response timeout
    kException,          // the device answered with a Modbus exception
    kConnectionRefused,  // connect failed (refused, unreachable, no such serial device)
    kConnectionLost,     // the peer closed or reset the connection
    kBadReply,           // an answer that does not fit the request (transaction id, CRC, length)
    kInvalidRequest,     // the caller's request was out of range (count, unit)
  };
  Reason reason = Reason::kTimeout;
  int exception_code = 0;  // with kException
  std::string message;     // the same text as the returned error's
};

// The name of a Modbus exception code ("illegal data address"), or
// "unknown exception" for codes the standard does not define.
const char* exception_name(int code);

class LibmodbusTransport final : public Transport {
 public:
  struct Options {
    std::string name;  // the device's name in the installation, used in every error
    Endpoint endpoint;
    std::chrono::milliseconds response_timeout{1000};
  };

  explicit LibmodbusTransport(Options options);
  ~LibmodbusTransport() override;
  LibmodbusTransport(LibmodbusTransport&& other) noexcept;
  LibmodbusTransport& operator=(LibmodbusTransport&& other) noexcept;
  LibmodbusTransport(const LibmodbusTransport&) = delete;
  LibmodbusTransport& operator=(const LibmodbusTransport&) = delete;

  common::Result<std::vector<std::uint16_t>> read_registers(int unit, RegisterKind kind,
                                                            std::uint16_t address,
                                                            std::uint16_t count) override;
  common::Status write_registers(int unit, std::uint16_t address,
                                 std::span<const std::uint16_t> values) override;

  // True while a connection is open (after a successful call, before a
  // link failure or disconnect()).
  bool connected() const { return context_ != nullptr; }
  // The last call's failure; empty after a call that succeeded.
  const std::optional<TransportError>& last_error() const { return last_error_; }
  // Takes effect from the next call (the poller may lengthen it for a slow
  // device).
  void set_response_timeout(std::chrono::milliseconds timeout);
  // Closes the connection; the next call opens it again.
  void disconnect();
  const Options& options() const { return options_; }
  // "name (endpoint)", the prefix of every error message.
  const std::string& label() const { return label_; }

 private:
  void apply_timeout();
  common::Status ensure_connected(int unit, std::uint16_t address);
  common::Error fail(int unit, std::uint16_t address, int error_number);
  common::Error invalid(int unit, std::uint16_t address, const std::string& why);

  Options options_;
  std::string label_;
  _modbus* context_ = nullptr;
  std::optional<TransportError> last_error_;
};

}  // namespace kirchhoff::devices::modbus
