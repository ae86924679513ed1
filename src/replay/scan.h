// Replays every host of a normalized, sorted event stream through the rules:
// hosts in parallel (TBB), each host sequential; findings sorted by host,
// then Timestamp, then rule: identical for any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "normalize/normalized_event.h"
#include "replay/finding.h"
#include "rules/rule.h"

namespace replay {

struct ScanResult {
  std::vector<Finding> findings;
  uint64_t hosts = 0;
  uint64_t duplicates_dropped = 0;
  uint64_t merged_processes = 0;
};

// events: sorted by host then time (pipeline::collect_events); enriched in place.
// Findings point into `events`: keep it alive while using them.
ScanResult scan_events(std::vector<norm::NormalizedEvent>& events, const std::vector<const rules::Rule*>& rules, int threads);

}  // namespace replay
