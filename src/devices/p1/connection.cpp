#include "devices/p1/connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace kirchhoff::devices::p1 {

namespace {

using common::ErrorKind;
using common::make_error;

// One read_some returns at most this much; the rest waits for the next call.
constexpr std::size_t kMaxReadBytes = 65536;

common::Error io_error(const std::string& endpoint, const std::string& what, int error_number) {
  return make_error(ErrorKind::kIoError,
                    "P1 " + endpoint + ": " + what + ": " + std::strerror(error_number));
}

// Waits for `events` on `fd`; 1 ready, 0 timed out, -1 failed (errno set).
int wait_for(int fd, short events, int timeout_ms, short& revents) {
  pollfd p{fd, events, 0};
  const int n = ::poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
  revents = p.revents;
  if (n < 0 && errno == EINTR) {
    return 0;
  }
  return n;
}

// Drains what `fd` has now, after poll said it is readable. EOF with nothing
// read is "closed".
common::Result<std::string> drain(int fd, const std::string& endpoint, bool seven_bits,
                                  const char* closed_message) {
  std::string out;
  char buffer[4096];
  while (out.size() < kMaxReadBytes) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      if (out.empty()) {
        return make_error(ErrorKind::kIoError, "P1 " + endpoint + ": " + closed_message);
      }
      break;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    }
    return io_error(endpoint, "read failed", errno);
  }
  if (seven_bits) {
    // 7E1: the eighth bit on the wire is parity, not data.
    for (char& c : out) {
      c = static_cast<char>(static_cast<unsigned char>(c) & 0x7f);
    }
  }
  return out;
}

common::Result<std::string> read_fd(int fd, const std::string& endpoint, bool seven_bits,
                                    int timeout_ms, const char* closed_message) {
  short revents = 0;
  const int ready = wait_for(fd, POLLIN, timeout_ms, revents);
  if (ready < 0) {
    return io_error(endpoint, "poll failed", errno);
  }
  if (ready == 0) {
    return std::string();
  }
  if ((revents & POLLIN) == 0) {
    if ((revents & POLLNVAL) != 0) {
      return make_error(ErrorKind::kIoError, "P1 " + endpoint + ": not open");
    }
    return make_error(ErrorKind::kIoError, "P1 " + endpoint + ": " + closed_message);
  }
  return drain(fd, endpoint, seven_bits, closed_message);
}

struct HostPort {
  std::string host;
  std::string port;
};

common::Result<HostPort> split_host_port(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidArgument,
                      "P1 address '" + std::string(text) + "': " + why + " (expected HOST:PORT)");
  };
  HostPort out;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("an IPv6 address needs the form [ADDRESS]:PORT");
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return bad("no port");
    }
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    return bad("no host");
  }
  long value = 0;
  if (port.empty() || port.size() > 5) {
    return bad("the port must be 1 to 65535");
  }
  for (char c : port) {
    if (c < '0' || c > '9') {
      return bad("the port must be a number");
    }
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) {
    return bad("the port must be 1 to 65535");
  }
  out.port = std::string(port);
  return out;
}

speed_t baud_constant(int baud) {
  switch (baud) {
    case 1200:
      return B1200;
    case 2400:
      return B2400;
    case 4800:
      return B4800;
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    case 230400:
      return B230400;
    default:
      return B0;
  }
}

}  // namespace

// --- TCP -------------------------------------------------------------------

common::Result<std::unique_ptr<TcpConnection>> TcpConnection::connect(std::string_view host_port,
                                                                      int timeout_ms) {
  auto address = split_host_port(host_port);
  if (!address) {
    return address.error();
  }
  const std::string endpoint(host_port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int resolved = ::getaddrinfo(address->host.c_str(), address->port.c_str(), &hints, &found);
  if (resolved != 0) {
    return make_error(ErrorKind::kIoError, "P1 " + endpoint + ": cannot resolve '" + address->host +
                                               "': " + ::gai_strerror(resolved));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  common::Error last = make_error(ErrorKind::kIoError, "P1 " + endpoint + ": no address");
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = io_error(endpoint, "cannot create a socket", errno);
      continue;
    }
    int error_number = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      error_number = errno;
      if (error_number == EINPROGRESS) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        short revents = 0;
        const int ready = wait_for(fd, POLLOUT, static_cast<int>(left < 0 ? 0 : left), revents);
        if (ready <= 0) {
          ::close(fd);
          last = make_error(ErrorKind::kIoError, "P1 " + endpoint + ": no connection within " +
                                                     std::to_string(timeout_ms) + " ms");
          continue;
        }
        socklen_t length = sizeof error_number;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error_number, &length) != 0) {
          error_number = errno;
        }
      }
    }
    if (error_number != 0) {
      ::close(fd);
      last = io_error(endpoint, "cannot connect", error_number);
      continue;
    }
    ::freeaddrinfo(found);
    return std::unique_ptr<TcpConnection>(new TcpConnection(fd, endpoint));
  }
  ::freeaddrinfo(found);
  return last;
}

TcpConnection::~TcpConnection() { ::close(fd_); }

common::Result<std::string> TcpConnection::read_some(int timeout_ms) {
  return read_fd(fd_, endpoint_, false, timeout_ms, "the connection was closed by the peer");
}

// --- Serial ----------------------------------------------------------------

common::Result<SerialSettings> parse_serial_settings(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidArgument,
                      "serial settings '" + std::string(text) + "': " + why +
                          " (expected e.g. '115200 8N1' or '9600 7E1')");
  };
  const std::size_t gap = text.find_first_of(" ,");
  if (gap == std::string_view::npos) {
    return bad("two parts needed");
  }
  const std::string_view baud = text.substr(0, gap);
  const std::string_view frame = text.substr(gap + 1);
  SerialSettings out;
  out.baud = 0;
  if (baud.empty() || baud.size() > 6) {
    return bad("unknown baud rate");
  }
  for (char c : baud) {
    if (c < '0' || c > '9') {
      return bad("the baud rate must be a number");
    }
    out.baud = out.baud * 10 + (c - '0');
  }
  if (baud_constant(out.baud) == B0) {
    return bad("baud rate " + std::string(baud) + " is not supported");
  }
  if (frame.size() != 3 || (frame[0] != '7' && frame[0] != '8') ||
      (frame[2] != '1' && frame[2] != '2')) {
    return bad("the frame must be data bits, parity, stop bits");
  }
  out.data_bits = frame[0] - '0';
  out.stop_bits = frame[2] - '0';
  switch (frame[1]) {
    case 'N':
    case 'n':
      out.parity = 'N';
      break;
    case 'E':
    case 'e':
      out.parity = 'E';
      break;
    case 'O':
    case 'o':
      out.parity = 'O';
      break;
    default:
      return bad("parity must be N, E or O");
  }
  return out;
}

common::Result<std::unique_ptr<SerialPort>> SerialPort::open(const std::string& device,
                                                             const SerialSettings& settings) {
  const speed_t speed = baud_constant(settings.baud);
  if (speed == B0 || (settings.data_bits != 7 && settings.data_bits != 8) ||
      (settings.parity != 'N' && settings.parity != 'E' && settings.parity != 'O') ||
      (settings.stop_bits != 1 && settings.stop_bits != 2)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "P1 " + device + ": unsupported serial settings " +
                          std::to_string(settings.baud) + " " + std::to_string(settings.data_bits) +
                          settings.parity + std::to_string(settings.stop_bits));
  }
  const int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return io_error(device, "cannot open", errno);
  }
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    const int error_number = errno;
    ::close(fd);
    return io_error(device, "not a serial port", error_number);
  }
  ::cfmakeraw(&tio);
  tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tio.c_cflag |= CLOCAL | CREAD | (settings.data_bits == 7 ? CS7 : CS8);
  if (settings.parity != 'N') {
    tio.c_cflag |= PARENB | (settings.parity == 'O' ? PARODD : 0);
  }
  if (settings.stop_bits == 2) {
    tio.c_cflag |= CSTOPB;
  }
  tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, speed);
  ::cfsetospeed(&tio, speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    const int error_number = errno;
    ::close(fd);
    return io_error(device, "cannot set " + std::to_string(settings.baud) + " baud", error_number);
  }
  ::tcflush(fd, TCIFLUSH);
  // The data request line; some adapters (and pseudo-terminals) have none.
  int lines = TIOCM_DTR | TIOCM_RTS;
  (void)::ioctl(fd, TIOCMBIS, &lines);
  return std::unique_ptr<SerialPort>(new SerialPort(fd, device, settings.data_bits == 7));
}

SerialPort::~SerialPort() { ::close(fd_); }

common::Result<std::string> SerialPort::read_some(int timeout_ms) {
  return read_fd(fd_, endpoint_, seven_bits_, timeout_ms, "the device went away (unplugged?)");
}

common::Result<std::unique_ptr<ByteSource>> open_source(std::string_view address,
                                                        const SerialSettings& serial,
                                                        int timeout_ms) {
  if (!address.empty() && address[0] == '/') {
    auto port = SerialPort::open(std::string(address), serial);
    if (!port) {
      return port.error();
    }
    return std::unique_ptr<ByteSource>(std::move(*port));
  }
  auto connection = TcpConnection::connect(address, timeout_ms);
  if (!connection) {
    return connection.error();
  }
  return std::unique_ptr<ByteSource>(std::move(*connection));
}

}  // namespace kirchhoff::devices::p1
