#include "devices/p1/p1_driver.hpp"

#include "devices/p1/meter.hpp"

namespace kirchhoff::devices::p1 {

namespace {

class P1Driver : public Driver {
 public:
  P1Driver(MeterOptions options, int wait_ms) : meter_(std::move(options)), wait_ms_(wait_ms) {}

  // Waits up to the poll interval for a telegram. None in that time is an
  // error (the connection stays open: the meter may only be slow, as DSMR 4
  // meters sending every 10 s are; give those poll_ms: 10000).
  common::Result<Reading> poll(std::int64_t now_unix_ms) override {
    auto update = meter_.poll(wait_ms_, now_unix_ms);
    if (!update) {
      return update.error();
    }
    if (!*update) {
      return common::make_error(
          common::ErrorKind::kNotFound,
          "no telegram from " + meter_.endpoint() + " within " + std::to_string(wait_ms_) + " ms");
    }
    return (*update)->reading;
  }

 private:
  Meter meter_;
  int wait_ms_;
};

}  // namespace

void register_p1_driver(DriverRegistry& registry) {
  registry.add(
      "p1",
      [](const model::DeviceConfig& config,
         const DriverContext&) -> common::Result<std::unique_ptr<Driver>> {
        if (!config.p1) {
          return common::make_error(common::ErrorKind::kInvalidArgument,
                                    "device '" + config.name + "' has no p1 endpoint");
        }
        MeterOptions options;
        options.address = config.p1->tcp.empty() ? config.p1->serial : config.p1->tcp;
        if (config.p1->baud == 9600) {
          options.serial = SerialSettings::dsmr22();
        }
        return std::unique_ptr<Driver>(std::make_unique<P1Driver>(options, config.poll_ms));
      });
}

}  // namespace kirchhoff::devices::p1
