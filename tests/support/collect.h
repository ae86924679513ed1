// Reads inputs the way normalize and scan do, and keeps every decided
// normalized event in memory, for assertions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pipeline/evidence.h"
#include "pipeline/host_stream.h"
#include "pipeline/inputs.h"

namespace support {

struct Collected {
  std::unique_ptr<pipeline::Evidence> evidence;
  std::vector<normalize::NormalizedEvent> events;  // host by host, in time order
  pipeline::ReadStats stats;
  std::vector<std::string> warnings;
};

inline Collected collect(const std::vector<std::string>& paths, int threads = 2, size_t memory_mib = 64,
                         bool every_record = false, normalize::TableSet tables = normalize::kReplayTables) {
  Collected c;
  pipeline::ReadOptions o;
  o.threads = threads;
  o.every_record = every_record;
  o.tables = tables;
  o.store.memory_bytes = memory_mib << 20;
  c.evidence = pipeline::read_evidence(pipeline::discover_inputs(paths), o);
  c.events = pipeline::normalized_events(*c.evidence);
  c.stats = c.evidence->stats;
  c.warnings = c.evidence->warnings;
  return c;
}

}  // namespace support
