// A real mosquitto broker for tests, on a free loopback port, with its
// configuration in a temporary folder. Start it once per suite; stop() and
// start() again (same port) make an outage. Optional: accounts (user and
// password, anonymous refused) and a TLS listener with the given PEM files.
// Header-only, for tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kirchhoff::tests {

class MosquittoBroker {
 public:
  struct Options {
    // user → password; empty: anonymous clients allowed.
    std::vector<std::pair<std::string, std::string>> accounts;
    // TLS listener: the server's certificate and key (PEM) and the CA.
    std::string tls_certificate;
    std::string tls_key;
    std::string tls_ca;
  };

  MosquittoBroker() : MosquittoBroker(Options{}) {}
  explicit MosquittoBroker(Options options) : options_(std::move(options)) {
    char templ[] = "/tmp/kirchhoff-broker-XXXXXX";
    if (mkdtemp(templ) == nullptr) {
      return;
    }
    dir_ = templ;
    // A free port can be taken by another test between our look and the
    // broker's bind (suites run in parallel): then the broker exits, and
    // another port is tried.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      write_config();
      if (port_ == 0 || start()) {
        break;
      }
    }
  }
  ~MosquittoBroker() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // Starts (again) on the same port; true once it accepts connections.
  bool start() {
    if (pid_ > 0 || port_ == 0) {
      return pid_ > 0;
    }
    pid_ = fork();
    if (pid_ == 0) {
      const std::string conf = dir_ + "/mosquitto.conf";
      execlp("mosquitto", "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (accepts()) {
        // Someone accepts: ours, unless another broker had the port and
        // ours exited at once on its failed bind.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return false;
        }
        return true;
      }
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // kill -9: no clean goodbye to anyone.
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string url() const {
    return (options_.tls_certificate.empty() ? "mqtt://127.0.0.1:" : "mqtts://127.0.0.1:") +
           std::to_string(port_);
  }
  const std::string& dir() const { return dir_; }

 private:
  static int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  bool accepts() const {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
  }

  void write_config() {
    std::ofstream conf(dir_ + "/mosquitto.conf");
    // Started as root, mosquitto drops to the user "mosquitto", which cannot
    // read our temporary folder (password file, TLS keys): stay who we are.
    if (const passwd* self = getpwuid(geteuid()); self != nullptr) {
      conf << "user " << self->pw_name << "\n";
    }
    conf << "per_listener_settings false\n"
         << "persistence false\n"
         << "log_dest none\n"
         << "listener " << port_ << " 127.0.0.1\n";
    if (!options_.tls_certificate.empty()) {
      conf << "certfile " << options_.tls_certificate << "\n"
           << "keyfile " << options_.tls_key << "\n";
      if (!options_.tls_ca.empty()) {
        conf << "cafile " << options_.tls_ca << "\n";
      }
    }
    if (options_.accounts.empty()) {
      conf << "allow_anonymous true\n";
      return;
    }
    conf << "allow_anonymous false\n"
         << "password_file " << dir_ << "/passwords\n";
    {
      std::ofstream passwords(dir_ + "/passwords");
      for (const auto& [user, password] : options_.accounts) {
        passwords << user << ":" << password << "\n";
      }
    }
    // mosquitto_passwd -U hashes the plain-text file in place.
    const std::string command = "mosquitto_passwd -U " + dir_ + "/passwords";
    if (std::system(command.c_str()) != 0) {
      port_ = 0;
    }
  }

  Options options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace kirchhoff::tests
