#include "devices/modbus/libmodbus_transport.hpp"

#include <modbus/modbus.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kirchhoff::devices::modbus {

const char* exception_name(int code) {
  // Modbus Application Protocol v1.1b3, section 7.
  switch (code) {
    case 1:
      return "illegal function";
    case 2:
      return "illegal data address";
    case 3:
      return "illegal data value";
    case 4:
      return "server device failure";
    case 5:
      return "acknowledge";
    case 6:
      return "server device busy";
    case 8:
      return "memory parity error";
    case 10:
      return "gateway path unavailable";
    case 11:
      return "gateway target device failed to respond";
    default:
      return "unknown exception";
  }
}

LibmodbusTransport::LibmodbusTransport(Options options)
    : options_(std::move(options)),
      label_(options_.name + " (" + to_string(options_.endpoint) + ")") {}

LibmodbusTransport::~LibmodbusTransport() { disconnect(); }

LibmodbusTransport::LibmodbusTransport(LibmodbusTransport&& other) noexcept
    : options_(std::move(other.options_)),
      label_(std::move(other.label_)),
      context_(std::exchange(other.context_, nullptr)),
      last_error_(std::move(other.last_error_)) {}

LibmodbusTransport& LibmodbusTransport::operator=(LibmodbusTransport&& other) noexcept {
  if (this != &other) {
    disconnect();
    options_ = std::move(other.options_);
    label_ = std::move(other.label_);
    context_ = std::exchange(other.context_, nullptr);
    last_error_ = std::move(other.last_error_);
  }
  return *this;
}

void LibmodbusTransport::disconnect() {
  if (context_ != nullptr) {
    modbus_close(context_);
    modbus_free(context_);
    context_ = nullptr;
  }
}

void LibmodbusTransport::set_response_timeout(std::chrono::milliseconds timeout) {
  options_.response_timeout = timeout;
  if (context_ != nullptr) {
    apply_timeout();
  }
}

void LibmodbusTransport::apply_timeout() {
  const auto timeout_ms = options_.response_timeout.count();
  modbus_set_response_timeout(context_, static_cast<std::uint32_t>(timeout_ms / 1000),
                              static_cast<std::uint32_t>((timeout_ms % 1000) * 1000));
}

common::Error LibmodbusTransport::invalid(int unit, std::uint16_t address, const std::string& why) {
  const std::string message = label_ + " unit " + std::to_string(unit) + " register " +
                              std::to_string(address) + ": " + why;
  last_error_ = TransportError{TransportError::Reason::kInvalidRequest, 0, message};
  return common::make_error(common::ErrorKind::kInvalidArgument, message);
}

common::Error LibmodbusTransport::fail(int unit, std::uint16_t address, int error_number) {
  TransportError error;
  common::ErrorKind kind = common::ErrorKind::kIoError;
  std::string why;
  if (error_number > MODBUS_ENOBASE && error_number <= EMBXGTAR) {
    error.reason = TransportError::Reason::kException;
    error.exception_code = error_number - MODBUS_ENOBASE;
    why = "exception " + std::to_string(error.exception_code) + " (" +
          exception_name(error.exception_code) + ")";
    kind = (error.exception_code == 2 || error.exception_code == 3)
               ? common::ErrorKind::kNotFound
               : common::ErrorKind::kUnsupported;
  } else if (error_number == ETIMEDOUT) {
    error.reason = TransportError::Reason::kTimeout;
    why = "timeout after " + std::to_string(options_.response_timeout.count()) + " ms";
  } else if (error_number == ECONNREFUSED || error_number == EHOSTUNREACH ||
             error_number == ENETUNREACH || error_number == ENOENT) {
    error.reason = TransportError::Reason::kConnectionRefused;
    why = error_number == ECONNREFUSED
              ? std::string("connection refused")
              : "cannot connect (" + std::string(std::strerror(error_number)) + ")";
  } else if (error_number == ECONNRESET || error_number == EPIPE || error_number == ENOTCONN ||
             error_number == EBADF) {
    error.reason = TransportError::Reason::kConnectionLost;
    why = "connection lost (" + std::string(std::strerror(error_number)) + ")";
  } else if (error_number >= EMBBADCRC && error_number <= EMBBADSLAVE) {
    error.reason = TransportError::Reason::kBadReply;
    switch (error_number) {
      case EMBBADDATA:
        // libmodbus: the transaction id, function, length or unit does not
        // match the request.
        why = "invalid reply (transaction id, function or length does not match the request)";
        break;
      case EMBBADCRC:
        why = "invalid reply (CRC error)";
        break;
      case EMBBADSLAVE:
        why = "invalid reply (from another unit)";
        break;
      default:
        why = "invalid reply (" + std::string(modbus_strerror(error_number)) + ")";
    }
  } else {
    error.reason = TransportError::Reason::kConnectionLost;
    why = std::string(modbus_strerror(error_number));
  }
  // Only an exception leaves the byte stream in step; after anything else a
  // late or stray answer could be read as the next request's, so start over.
  if (error.reason != TransportError::Reason::kException) {
    disconnect();
  }
  error.message = label_ + " unit " + std::to_string(unit) + " register " +
                  std::to_string(address) + ": " + why;
  last_error_ = error;
  return common::make_error(kind, error.message);
}

common::Status LibmodbusTransport::ensure_connected(int unit, std::uint16_t address) {
  if (context_ != nullptr) {
    return common::Status::success();
  }
  const Endpoint& endpoint = options_.endpoint;
  if (endpoint.kind == Endpoint::Kind::kTcp) {
    const std::string port = std::to_string(endpoint.tcp.port);
    context_ = modbus_new_tcp_pi(endpoint.tcp.host.c_str(), port.c_str());
  } else {
    const RtuSettings& rtu = endpoint.rtu;
    context_ =
        modbus_new_rtu(rtu.device.c_str(), rtu.baud, rtu.parity, rtu.data_bits, rtu.stop_bits);
  }
  if (context_ == nullptr) {
    return invalid(unit, address,
                   "cannot set up the connection (" + std::string(std::strerror(errno)) + ")");
  }
  apply_timeout();
  if (modbus_connect(context_) == -1) {
    const int error_number = errno;
    disconnect();
    // A failed connect is always "refused" for the poller, whatever errno says.
    TransportError error;
    error.reason = TransportError::Reason::kConnectionRefused;
    const std::string why =
        error_number == ECONNREFUSED
            ? std::string("connection refused")
            : "cannot connect (" +
                  std::string(error_number == ETIMEDOUT ? "timeout"
                                                        : modbus_strerror(error_number)) +
                  ")";
    error.message = label_ + " unit " + std::to_string(unit) + " register " +
                    std::to_string(address) + ": " + why;
    last_error_ = error;
    return common::make_error(common::ErrorKind::kIoError, error.message);
  }
  return common::Status::success();
}

common::Result<std::vector<std::uint16_t>> LibmodbusTransport::read_registers(int unit,
                                                                              RegisterKind kind,
                                                                              std::uint16_t address,
                                                                              std::uint16_t count) {
  if (count < 1 || count > MODBUS_MAX_READ_REGISTERS) {
    return invalid(unit, address,
                   "cannot read " + std::to_string(count) + " registers at once (1 to 125)");
  }
  if (address + count > 65536) {
    return invalid(unit, address, "the read runs past register 65535");
  }
  if (auto status = ensure_connected(unit, address); !status) {
    return status.error();
  }
  if (modbus_set_slave(context_, unit) == -1) {
    return invalid(unit, address, "unit id out of range");
  }
  std::vector<std::uint16_t> out(count);
  const int rc = kind == RegisterKind::kHolding
                     ? modbus_read_registers(context_, address, count, out.data())
                     : modbus_read_input_registers(context_, address, count, out.data());
  if (rc == -1) {
    return fail(unit, address, errno);
  }
  if (rc != count) {
    return fail(unit, address, EMBBADDATA);
  }
  last_error_.reset();
  return out;
}

common::Status LibmodbusTransport::write_registers(int unit, std::uint16_t address,
                                                   std::span<const std::uint16_t> values) {
  if (values.empty() || values.size() > MODBUS_MAX_WRITE_REGISTERS) {
    return invalid(
        unit, address,
        "cannot write " + std::to_string(values.size()) + " registers at once (1 to 123)");
  }
  if (address + values.size() > 65536) {
    return invalid(unit, address, "the write runs past register 65535");
  }
  if (auto status = ensure_connected(unit, address); !status) {
    return status;
  }
  if (modbus_set_slave(context_, unit) == -1) {
    return invalid(unit, address, "unit id out of range");
  }
  const int rc =
      modbus_write_registers(context_, address, static_cast<int>(values.size()), values.data());
  if (rc == -1) {
    return fail(unit, address, errno);
  }
  last_error_.reset();
  return common::Status::success();
}

}  // namespace kirchhoff::devices::modbus
