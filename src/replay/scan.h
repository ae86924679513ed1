// Replays every host of the evidence through the rules: hosts in parallel
// (TBB), each host sequential; findings sorted by host, then Timestamp, then
// rule: identical for any thread count and memory budget.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/evidence.h"
#include "replay/finding.h"
#include "rules/rule.h"

namespace replay {

struct ScanResult {
  std::vector<Finding> findings;
  uint64_t hosts = 0;
  uint64_t duplicates_dropped = 0;
  uint64_t merged_processes = 0;
};

ScanResult scan_evidence(const pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules, int threads);

}  // namespace replay
