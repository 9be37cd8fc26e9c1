// Commands from MQTT (docs/mqtt.md, "Commands"): a command topic and its
// payload → a control::Command checked with control::validate(), the same
// rules as the HTTP API. Pure and total: any bytes give a command or an
// error naming the topic and the reason; never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "control/commands.hpp"
#include "model/installation.hpp"
#include "mqtt/site/topics.hpp"

namespace kirchhoff::mqtt::site {

// "<prefix>/relay/<module>/<n>/set" ON/OFF, "<prefix>/ev/<load>/mode/set"
// off|now|min+pv|min_pv|pv, "<prefix>/ev/<load>/session/set" the JSON of
// control::parse_ev_session (empty clears), "<prefix>/heat_pump/sg_ready/set"
// auto|blocked|normal|recommended|forced|1..4. With config.read_only every
// command is refused (kUnsupported). `at` is the time of arrival (a session's
// departure is judged against it).
common::Result<control::Command> parse_command(std::string_view topic, std::string_view payload,
                                               const model::Installation& installation,
                                               const TopicConfig& config,
                                               const control::CommandTime& at = {});

// The filters the daemon subscribes to for commands; empty when read_only.
std::vector<std::string> command_filters(const TopicConfig& config);

}  // namespace kirchhoff::mqtt::site
