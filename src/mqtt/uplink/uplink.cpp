#include "mqtt/uplink/uplink.hpp"

#include <algorithm>

#include "common/json_text.hpp"

namespace kirchhoff::mqtt::uplink {

using common::ErrorKind;
using common::make_error;
using Clock = std::chrono::steady_clock;

namespace {

// How long the sender sleeps when there is nothing to do and nobody wakes
// it: it looks at the outbox (and the ack timeout) at least this often.
constexpr auto kIdle = std::chrono::milliseconds(1000);
// A batch smaller than max_points leaves at most this often.
constexpr auto kPartialInterval = std::chrono::milliseconds(1000);
// Acknowledged ids kept for matching: the client's other QoS 1 publishes
// (the site's topics) come through the same handler.
constexpr std::size_t kMaxPendingAcks = 256;

}  // namespace

std::string batch_json(const std::string& site_slug, const Batch& batch) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : batch.points) {
    points.push_back({{"series", p.series}, {"t", p.t_ms}, {"v", p.value}});
  }
  // nlohmann writes doubles with the shortest digits that read back to the
  // same value (docs/uplink-format.md).
  return common::json_text({{"site", site_slug}, {"points", std::move(points)}});
}

Uplink::Uplink(Outbox& outbox, Client& client, UplinkOptions options)
    : outbox_(outbox), client_(client), options_(std::move(options)) {}

Uplink::~Uplink() { stop(); }

common::Status Uplink::start() {
  if (options_.topic.empty() || options_.site_slug.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "uplink: a topic and a site slug are needed");
  }
  if (options_.max_points < 1 || options_.batches_per_s < 0) {
    return make_error(ErrorKind::kInvalidArgument,
                      "uplink: max_points must be at least 1 and batches_per_s at least 0 (got " +
                          std::to_string(options_.max_points) + " and " +
                          std::to_string(options_.batches_per_s) + ")");
  }
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) {
    return make_error(ErrorKind::kInvalidArgument, "uplink: already started");
  }
  running_ = true;
  connected_ = connected_ || client_.connected();
  thread_ = std::thread([this] { run(); });
  return common::Status::success();
}

void Uplink::stop() {
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Uplink::handle_ack(int message_id) {
  {
    std::lock_guard lock(mutex_);
    acks_.push_back(message_id);
    if (acks_.size() > kMaxPendingAcks) {
      acks_.pop_front();
    }
  }
  wake_.notify_all();
}

void Uplink::handle_connection(bool connected) {
  {
    std::lock_guard lock(mutex_);
    if (connected_ && !connected) {
      // A batch in flight on the lost connection may never be acknowledged
      // on the next one: it is sent again (a duplicate if it did arrive).
      ++connection_;
    }
    connected_ = connected;
  }
  wake_.notify_all();
}

void Uplink::notify() { wake_.notify_all(); }

UplinkStatus Uplink::status() const {
  UplinkStatus status;
  {
    std::lock_guard lock(mutex_);
    status = status_;
    status.connected = connected_;
  }
  const auto stats = outbox_.stats();
  status.outbox_points = stats.points;
  status.oldest_unsent_ms = stats.oldest_ms;
  status.dropped_points = stats.dropped_points;
  return status;
}

void Uplink::run() {
  std::unique_lock lock(mutex_);
  while (running_) {
    step(lock);
  }
}

void Uplink::step(std::unique_lock<std::mutex>& lock) {
  const auto now = Clock::now();
  if (in_flight_) {
    const bool acked = std::find(acks_.begin(), acks_.end(), in_flight_->message_id) != acks_.end();
    if (acked && in_flight_->connection == connection_) {
      const InFlight done = *in_flight_;
      lock.unlock();
      auto removed = outbox_.remove_through(done.end);
      lock.lock();
      if (!removed) {
        // The points stay in the outbox and go again: a duplicate, no loss.
        status_.last_error = removed.error().message;
      } else {
        status_.acked_points += done.points;
      }
      in_flight_.reset();
      acks_.clear();
      return;
    }
    if (in_flight_->connection != connection_ ||
        now - in_flight_->sent_at >= options_.ack_timeout) {
      in_flight_.reset();
      ++status_.resent_batches;
      return;
    }
    wake_.wait_until(lock, std::min(in_flight_->sent_at + options_.ack_timeout, now + kIdle));
    return;
  }
  if (!connected_) {
    wake_.wait_for(lock, kIdle);
    return;
  }
  auto not_before = not_before_;
  if (options_.batches_per_s > 0) {
    not_before = std::max(
        not_before, last_send_ + std::chrono::microseconds(1'000'000) / options_.batches_per_s);
  }
  if (now < not_before) {
    wake_.wait_until(lock, not_before);
    return;
  }
  lock.unlock();
  auto batch = outbox_.peek(options_.max_points);
  lock.lock();
  // The connection may have been lost while the outbox was read: nothing
  // leaves after handle_connection(false) has returned.
  if (!running_ || !connected_) {
    return;
  }
  if (!batch) {
    status_.last_error = batch.error().message;
    wake_.wait_for(lock, kIdle);
    return;
  }
  if (!batch->has_value()) {
    wake_.wait_for(lock, kIdle);
    return;
  }
  if ((*batch)->points.size() < options_.max_points && now < last_send_ + kPartialInterval) {
    // Less than a full batch: wait for more points, a second at most.
    not_before_ = last_send_ + kPartialInterval;
    return;
  }
  not_before_ = {};
  const std::string payload = batch_json(options_.site_slug, **batch);
  const std::uint64_t connection = connection_;
  acks_.clear();
  lock.unlock();
  auto id = client_.publish(Message{options_.topic, payload, 1, false});
  lock.lock();
  if (!id) {
    status_.last_error = "publish to " + options_.topic + ": " + id.error().message;
    // Not connected after all, or the client refused: look again later.
    wake_.wait_for(lock, kIdle);
    return;
  }
  in_flight_ = InFlight{*id, (*batch)->end, static_cast<std::int64_t>((*batch)->points.size()),
                        connection, now};
  last_send_ = now;
  ++status_.sent_batches;
}

}  // namespace kirchhoff::mqtt::uplink
