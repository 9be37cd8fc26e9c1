// A Modbus TCP server for tests, on libmodbus's own server API: it serves
// three SunSpec devices on 127.0.0.1 and can misbehave on purpose
// (docs/modbus.md, "The test peer").
//
//   modbus_peer [--port N] [--delay-ms N] [--exception N] [--drop-every N]
//               [--wrong-tid] [--silent] [--misbehave-first N]
//
// --misbehave-first N limits --delay-ms, --exception, --wrong-tid and
// --silent to the first N requests (over all connections), so a test can see
// a client recover on the next call. --drop-every always applies.
//
// Prints the port it listens on (a free one for --port 0, the default) on
// stdout once it accepts connections, then serves any number of clients at
// once (select) until its standard input closes or it is killed.
//
// Units and the values they serve (the tests' expected numbers come from here):
//   unit 1, a PV inverter: models 1, 103, 120, 123, 160 from 40000.
//     1:   Mn "Kirchhoff", Md "Peer inverter", SN "INV-0001".
//     103: A 183 (A_SF -1: 18.3 A), AphA..C 61 (6.1 A), PPVph* not implemented,
//          PhVphA..C 2301, 2299, 2310 (V_SF -1: 230.1, 229.9, 231.0 V),
//          W = min(4200, limit) with W_SF 0, Hz 5001 (Hz_SF -2: 50.01 Hz),
//          VA and VA_SF not implemented, WH 100000 (WH_SF 1: 1 000 000 Wh), St 4.
//     120: DERTyp 4 (PV), WRtg 6000 (WRtg_SF 0: 6000 W).
//     123: WMaxLimPct 1000 (WMaxLimPct_SF -1: 100.0 %), WMaxLim_Ena 0. Writable;
//          when enabled, W becomes min(4200, 6000 x WMaxLimPct / 100).
//     160: DCA_SF -2, DCV_SF -1, two modules: "PV1" 850 / 3500 / 2975
//          (8.5 A, 350.0 V, 2975 W) and "PV2" 425 / 2880 / 1225 (4.25 A, 288.0 V, 1225 W).
//   unit 2, a battery: models 1, 124, 802.
//     124: WChaMax 5000 (SF 0), ChaState 655 (ChaState_SF -1: 65.5 %), InOutWRte_SF -2.
//     802: SoC 655 (SoC_SF -1: 65.5 %), W -1200 (W_SF 0: charging 1200 W),
//          WChaRteMax 5000, WDisChaRteMax 4000 (WChaDisChaMax_SF 0), V 512 (V_SF -1: 51.2 V).
//   unit 3, a three-phase meter: models 1, 203.
//     203: W 850 (W_SF 0: importing 850 W), WphA..C 300, 250, 300, AphA..C 13, 11, 13
//          (A_SF -1), PhVphA..C 2300, 2310, 2290 (V_SF -1), Hz 5000 (Hz_SF -2: 50.00 Hz),
//          TotWhImp 123456 and TotWhExp 65432 (TotWh_SF 0, Wh).
//   Any other unit answers exception 11 (gateway target failed to respond).
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::uint16_t kBase = 40000;

struct Settings {
  int port = 0;
  int delay_ms = 0;
  int exception = 0;
  int drop_every = 0;
  bool wrong_tid = false;
  bool silent = false;
  int misbehave_first = -1;  // -1: every request
};

std::uint16_t neg(int value) {
  return static_cast<std::uint16_t>(static_cast<std::int16_t>(value));
}

// Builds a SunSpec register image from 40000: "SunS", models, end marker.
class Image {
 public:
  Image() : regs_{0x5375, 0x6E53} {}
  // Adds model `id` with `length` registers after ID and L (all zero) and
  // returns the index of its ID register.
  std::size_t add(std::uint16_t id, std::uint16_t length) {
    const std::size_t at = regs_.size();
    regs_.push_back(id);
    regs_.push_back(length);
    regs_.resize(regs_.size() + length, 0);
    return at;
  }
  void text(std::size_t at, const std::string& value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto byte = static_cast<std::uint16_t>(static_cast<unsigned char>(value[i]));
      regs_[at + i / 2] =
          static_cast<std::uint16_t>(regs_[at + i / 2] | (i % 2 == 0 ? byte << 8 : byte));
    }
  }
  std::uint16_t& operator[](std::size_t i) { return regs_[i]; }
  std::vector<std::uint16_t> finish() {
    regs_.push_back(0xFFFF);
    regs_.push_back(0);
    return regs_;
  }

 private:
  std::vector<std::uint16_t> regs_;
};

void common_model(Image& image, const std::string& model, const std::string& serial) {
  const std::size_t m = image.add(1, 66);
  image.text(m + 2, "Kirchhoff");
  image.text(m + 18, model);
  image.text(m + 42, "1.0");
  image.text(m + 50, serial);
}

struct Unit {
  modbus_mapping_t* mapping = nullptr;
  std::size_t w_index = 0;       // 103's W (inverter only)
  std::size_t limit_index = 0;   // 123's WMaxLimPct
  std::size_t enable_index = 0;  // 123's WMaxLim_Ena
};

modbus_mapping_t* map_image(const std::vector<std::uint16_t>& regs) {
  modbus_mapping_t* mapping =
      modbus_mapping_new_start_address(0, 0, 0, 0, kBase, static_cast<unsigned>(regs.size()), 0, 0);
  if (mapping == nullptr) {
    std::perror("modbus_mapping_new_start_address");
    std::exit(1);
  }
  std::copy(regs.begin(), regs.end(), mapping->tab_registers);
  return mapping;
}

Unit inverter() {
  Image image;
  common_model(image, "Peer inverter", "INV-0001");
  const std::size_t m = image.add(103, 50);
  image[m + 2] = 183;
  image[m + 3] = 61;
  image[m + 4] = 61;
  image[m + 5] = 61;
  image[m + 6] = neg(-1);
  image[m + 7] = 0xFFFF;
  image[m + 8] = 0xFFFF;
  image[m + 9] = 0xFFFF;
  image[m + 10] = 2301;
  image[m + 11] = 2299;
  image[m + 12] = 2310;
  image[m + 13] = neg(-1);
  image[m + 14] = 4200;
  image[m + 16] = 5001;
  image[m + 17] = neg(-2);
  image[m + 18] = 0x8000;
  image[m + 19] = 0x8000;
  image[m + 24] = 0x0001;  // WH = 0x000186A0 = 100000
  image[m + 25] = 0x86A0;
  image[m + 26] = 1;
  image[m + 38] = 4;
  const std::size_t n = image.add(120, 26);
  image[n + 2] = 4;
  image[n + 3] = 6000;
  const std::size_t c = image.add(123, 24);
  image[c + 5] = 1000;
  image[c + 23] = neg(-1);
  const std::size_t p = image.add(160, 48);
  image[p + 2] = neg(-2);
  image[p + 3] = neg(-1);
  image[p + 8] = 2;
  const std::uint16_t modules[2][3] = {{850, 3500, 2975}, {425, 2880, 1225}};
  for (std::size_t i = 0; i < 2; ++i) {
    const std::size_t b = p + 10 + i * 20;
    image[b] = static_cast<std::uint16_t>(i + 1);
    image.text(b + 1, "PV" + std::to_string(i + 1));
    image[b + 9] = modules[i][0];
    image[b + 10] = modules[i][1];
    image[b + 11] = modules[i][2];
  }
  return Unit{map_image(image.finish()), m + 14, c + 5, c + 9};
}

Unit battery() {
  Image image;
  common_model(image, "Peer battery", "BAT-0001");
  const std::size_t s = image.add(124, 24);
  image[s + 2] = 5000;
  image[s + 8] = 655;
  image[s + 22] = neg(-1);
  image[s + 25] = neg(-2);
  const std::size_t b = image.add(802, 62);
  image[b + 4] = 5000;
  image[b + 5] = 4000;
  image[b + 11] = 655;
  image[b + 34] = 512;
  image[b + 47] = neg(-1200);
  image[b + 56] = neg(-1);
  image[b + 59] = neg(-1);
  return Unit{map_image(image.finish())};
}

Unit meter() {
  Image image;
  common_model(image, "Peer meter", "MTR-0001");
  const std::size_t m = image.add(203, 105);
  image[m + 3] = 13;
  image[m + 4] = 11;
  image[m + 5] = 13;
  image[m + 6] = neg(-1);
  image[m + 8] = 2300;
  image[m + 9] = 2310;
  image[m + 10] = 2290;
  image[m + 15] = neg(-1);
  image[m + 16] = 5000;
  image[m + 17] = neg(-2);
  image[m + 18] = 850;
  image[m + 19] = 300;
  image[m + 20] = 250;
  image[m + 21] = 300;
  image[m + 39] = 65432;   // TotWhExp (low word; high word 0)
  image[m + 47] = 0xE240;  // TotWhImp = 0x0001E240 = 123456
  image[m + 46] = 0x0001;
  return Unit{map_image(image.finish())};
}

// The inverter's output follows its limit: min(4200 W available, 6000 W x limit).
void follow_limit(Unit& unit) {
  std::uint16_t* regs = unit.mapping->tab_registers;
  double watts = 4200.0;
  if (regs[unit.enable_index] == 1) {
    watts = std::min(watts, 6000.0 * regs[unit.limit_index] / 1000.0);
  }
  regs[unit.w_index] = static_cast<std::uint16_t>(watts);
}

bool parse(int argc, char** argv, Settings& settings) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto number = [&](int& out) {
      if (i + 1 >= argc) {
        return false;
      }
      out = std::atoi(argv[++i]);
      return true;
    };
    if (arg == "--port"              ? !number(settings.port)
        : arg == "--delay-ms"        ? !number(settings.delay_ms)
        : arg == "--exception"       ? !number(settings.exception)
        : arg == "--drop-every"      ? !number(settings.drop_every)
        : arg == "--wrong-tid"       ? (settings.wrong_tid = true, false)
        : arg == "--silent"          ? (settings.silent = true, false)
        : arg == "--misbehave-first" ? !number(settings.misbehave_first)
                                     : true) {
      std::fprintf(stderr,
                   "usage: modbus_peer [--port N] [--delay-ms N] [--exception N] "
                   "[--drop-every N] [--wrong-tid] [--silent] [--misbehave-first N]\n");
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!parse(argc, argv, settings)) {
    return 2;
  }
  std::map<int, Unit> units = {{1, inverter()}, {2, battery()}, {3, meter()}};
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", settings.port);
  const int server = ctx != nullptr ? modbus_tcp_listen(ctx, 8) : -1;
  if (server == -1) {
    std::fprintf(stderr, "modbus_peer: cannot listen: %s\n", modbus_strerror(errno));
    return 1;
  }
  sockaddr_in bound{};
  socklen_t bound_length = sizeof bound;
  getsockname(server, reinterpret_cast<sockaddr*>(&bound), &bound_length);
  std::printf("%d\n", ntohs(bound.sin_port));
  std::fflush(stdout);

  std::map<int, int> requests;  // per client socket: requests received
  int total = 0;                // requests received on all connections
  std::vector<std::uint8_t> query(MODBUS_TCP_MAX_ADU_LENGTH);
  while (true) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(STDIN_FILENO, &readable);
    FD_SET(server, &readable);
    int highest = server;
    for (const auto& [fd, count] : requests) {
      FD_SET(fd, &readable);
      highest = std::max(highest, fd);
    }
    if (select(highest + 1, &readable, nullptr, nullptr, nullptr) == -1) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (FD_ISSET(STDIN_FILENO, &readable)) {
      char byte = 0;
      if (read(STDIN_FILENO, &byte, 1) <= 0) {
        break;  // the test that started us is gone
      }
    }
    if (FD_ISSET(server, &readable)) {
      const int client = accept(server, nullptr, nullptr);
      if (client != -1) {
        requests[client] = 0;
      }
    }
    std::vector<int> closed;
    for (auto& [fd, count] : requests) {
      if (!FD_ISSET(fd, &readable)) {
        continue;
      }
      modbus_set_socket(ctx, fd);
      const int length = modbus_receive(ctx, query.data());
      if (length <= 0) {
        closed.push_back(fd);  // -1: the client closed; 0: not for us
        continue;
      }
      ++count;
      ++total;
      const bool misbehave = settings.misbehave_first < 0 || total <= settings.misbehave_first;
      if (settings.drop_every > 0 && count % settings.drop_every == 0) {
        closed.push_back(fd);
      }
      if (misbehave && settings.silent) {
        continue;
      }
      if (misbehave && settings.delay_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(settings.delay_ms));
      }
      std::vector<std::uint8_t> request(query.begin(), query.begin() + length);
      if (misbehave && settings.wrong_tid) {
        // The reply copies the request's transaction id; shift it by one.
        const auto tid = static_cast<std::uint16_t>(((request[0] << 8) | request[1]) + 1);
        request[0] = static_cast<std::uint8_t>(tid >> 8);
        request[1] = static_cast<std::uint8_t>(tid & 0xFF);
      }
      const int unit_id = request[6];
      const int function = request[7];
      const auto found = units.find(unit_id);
      if (found == units.end()) {
        modbus_reply_exception(ctx, request.data(), MODBUS_EXCEPTION_GATEWAY_TARGET);
      } else if (misbehave && settings.exception > 0 && (function == 3 || function == 4)) {
        modbus_reply_exception(ctx, request.data(), static_cast<unsigned>(settings.exception));
      } else {
        modbus_reply(ctx, request.data(), length, found->second.mapping);
        if (unit_id == 1 && (function == 6 || function == 16)) {
          follow_limit(found->second);
        }
      }
    }
    for (int fd : closed) {
      close(fd);
      requests.erase(fd);
    }
  }
  for (auto& [id, unit] : units) {
    modbus_mapping_free(unit.mapping);
  }
  close(server);
  modbus_free(ctx);
  return 0;
}
