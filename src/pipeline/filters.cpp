#include "pipeline/filters.h"

#include <algorithm>

#include "text/glob.h"

namespace pipeline {

bool EventFilter::keeps_host(const std::vector<std::string_view>& names) const {
  if (hosts.empty()) return true;
  for (const std::string& g : hosts)
    for (std::string_view n : names)
      if (text::glob_match(g, n)) return true;
  return false;
}

bool EventFilter::keeps_event(normalize::Ticks t, uint16_t event_id, std::string_view channel) const {
  if (!keeps_time(t)) return false;
  if (!event_ids.empty() && std::find(event_ids.begin(), event_ids.end(), event_id) == event_ids.end()) return false;
  if (!channels.empty() && std::none_of(channels.begin(), channels.end(),
                                        [&](const std::string& c) { return text::glob_match(c, channel); }))
    return false;
  return true;
}

std::optional<std::string> EventFilter::anchor(normalize::Ticks last_event) {
  if (since_before_last) since = last_event - *since_before_last;
  if (until_before_last) until = last_event - *until_before_last;
  if (since && until && *since > *until) return "--since is after --until";
  return std::nullopt;
}

}  // namespace pipeline
