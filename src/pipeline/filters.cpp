#include "pipeline/filters.h"

#include <algorithm>
#include <cctype>

namespace pipeline {
namespace {

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
      continue;
    }
    if (pi < p.size()) {
      char pc = p[pi];
      size_t step = 1;
      if (pc == '\\' && pi + 1 < p.size()) {
        pc = p[pi + 1];
        step = 2;
      } else if (pc == '?') {
        pi += 1;
        ++ti;
        continue;
      }
      if (fold(pc) == fold(t[ti])) {
        pi += step;
        ++ti;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    ti = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool EventFilter::keeps_host(const std::vector<std::string_view>& names) const {
  if (hosts.empty()) return true;
  for (const std::string& g : hosts)
    for (std::string_view n : names)
      if (glob_match(g, n)) return true;
  return false;
}

bool EventFilter::keeps_event(norm::Ticks t, uint16_t event_id, std::string_view channel) const {
  if (!keeps_time(t)) return false;
  if (!event_ids.empty() && std::find(event_ids.begin(), event_ids.end(), event_id) == event_ids.end()) return false;
  if (!channels.empty() &&
      std::none_of(channels.begin(), channels.end(), [&](const std::string& c) { return glob_match(c, channel); }))
    return false;
  return true;
}

std::optional<std::string> EventFilter::anchor(norm::Ticks last_event) {
  if (since_before_last) since = last_event - *since_before_last;
  if (until_before_last) until = last_event - *until_before_last;
  if (since && until && *since > *until) return "--since is after --until";
  return std::nullopt;
}

}  // namespace pipeline
