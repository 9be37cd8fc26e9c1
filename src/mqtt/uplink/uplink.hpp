// The uplink's sender (docs/uplink-format.md): publishes the outbox's points
// oldest first as JSON batches with QoS 1, one batch in flight at a time,
// and removes them from the outbox only when the broker acknowledged them.
//
// Wiring (the owner's job): the client has one handler of each kind, so the
// owner fans them out and calls handle_ack() from the client's ack handler
// and handle_connection() from its connect handler. The Uplink never sets the
// client's handlers itself.
//
// Threads: start() runs the sender on its own thread. handle_ack(),
// handle_connection(), notify() and status() may be called from any thread
// and return at once (they only record and wake). The outbox and the client
// must outlive the Uplink (or at least its stop()).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "mqtt/client.hpp"
#include "mqtt/uplink/outbox.hpp"

namespace kirchhoff::mqtt::uplink {

struct UplinkOptions {
  std::string topic;              // "<prefix>/uplink"
  std::string site_slug;          // the payload's "site"
  std::size_t max_points = 1000;  // points per batch
  // Batches per second at most; 0: no limit (the next batch leaves as soon
  // as the previous one is acknowledged). A batch smaller than max_points
  // still waits a second after the previous send.
  int batches_per_s = 1;
  // A batch not acknowledged within this time is forgotten and sent again.
  std::chrono::milliseconds ack_timeout{30'000};
};

struct UplinkStatus {
  bool connected = false;
  std::int64_t outbox_points = 0;     // unsent points
  std::int64_t oldest_unsent_ms = 0;  // the oldest unsent point's time, 0 when none
  std::int64_t sent_batches = 0;      // since start(), resends included
  std::int64_t resent_batches = 0;    // batches sent again (lost connection or no ack)
  std::int64_t acked_points = 0;      // acknowledged and removed from the outbox
  std::int64_t dropped_points = 0;    // dropped by the outbox's bound (see OutboxStats)
  std::string last_error;             // the last failure (publish, outbox), "" if none
};

// The JSON of one batch: {"site": ..., "points": [{"series", "t", "v"}...]}.
std::string batch_json(const std::string& site_slug, const Batch& batch);

class Uplink {
 public:
  Uplink(Outbox& outbox, Client& client, UplinkOptions options);
  ~Uplink();  // stops
  Uplink(const Uplink&) = delete;
  Uplink& operator=(const Uplink&) = delete;

  // Starts the sender thread. The connection state starts from
  // client.connected(); handle_connection() keeps it current. Fails
  // (kInvalidArgument) without a topic or slug, with max_points < 1 or
  // batches_per_s < 0, or when already started.
  common::Status start();
  // Joins the sender thread. A batch still in flight stays in the outbox
  // and is sent again by the next Uplink (a duplicate).
  void stop();

  // From the client's handlers.
  void handle_ack(int message_id);
  void handle_connection(bool connected);
  // Points were appended: send now if the rate allows (optional; without
  // it the sender looks at the outbox every second).
  void notify();

  UplinkStatus status() const;

 private:
  void run();
  // One step of the sender, with mutex_ held through `lock`.
  void step(std::unique_lock<std::mutex>& lock);

  struct InFlight {
    int message_id = 0;
    Position end;
    std::int64_t points = 0;
    std::uint64_t connection = 0;  // connection_ when sent
    std::chrono::steady_clock::time_point sent_at;
  };

  Outbox& outbox_;
  Client& client_;
  const UplinkOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool running_ = false;
  bool connected_ = false;
  std::uint64_t connection_ =
      0;                  // counts connections lost: in-flight batches of older ones are void
  std::deque<int> acks_;  // acknowledged ids not yet matched
  std::optional<InFlight> in_flight_;
  bool resend_ = false;  // the next batch repeats one that was not acknowledged
  std::chrono::steady_clock::time_point last_send_{};
  // A batch smaller than max_points waits for this (a second after the
  // previous send).
  std::chrono::steady_clock::time_point not_before_{};
  UplinkStatus status_;
};

}  // namespace kirchhoff::mqtt::uplink
