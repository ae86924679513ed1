// What a command keeps of the evidence it reads: a time range, hosts (globs
// on DeviceName), event ids and channels. Filters select what is written; the
// replay of a kept host still sees all its events, so a chain that reaches
// into the filtered-out time is still found (its rows outside are not written).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"

namespace pipeline {

struct EventFilter {
  std::optional<normalize::Ticks> since, until;  // inclusive
  // --since -2d: a time before the evidence's last event, known once it is read (anchor).
  std::optional<normalize::Ticks> since_before_last, until_before_last;
  std::vector<std::string> hosts;  // globs (text/glob.h) on DeviceName (any name of the host)
  std::vector<uint16_t> event_ids;
  std::vector<std::string> channels;  // case-insensitive equality or glob

  bool active() const { return since || until || !hosts.empty() || !event_ids.empty() || !channels.empty(); }
  // A host is kept when one of its computer names matches a host glob.
  bool keeps_host(const std::vector<std::string_view>& names) const;
  bool keeps_time(normalize::Ticks t) const { return (!since || t >= *since) && (!until || t <= *until); }
  bool keeps_event(normalize::Ticks t, uint16_t event_id, std::string_view channel) const;
  bool relative() const { return since_before_last || until_before_last; }
  // Sets the relative bounds from the evidence's last event time; a usage
  // error when they leave --since after --until.
  std::optional<std::string> anchor(normalize::Ticks last_event);
};

}  // namespace pipeline
