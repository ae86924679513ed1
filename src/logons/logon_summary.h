// The logon summary: the logon records of the evidence (logon_events.h)
// grouped per (host, event, account, logon type, source address, source
// workstation, authentication package, target, result, failure reason), each
// group with its count, first and last time and the record of its first
// occurrence. Read host by host from the event store (bounded memory; a
// record read from two copies of a log counts once).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logons/logon_events.h"
#include "normalize/normalized_event.h"
#include "pipeline/evidence.h"
#include "pipeline/filters.h"

namespace logons {

struct LogonRow {
  std::string host;  // host key (pipeline::Host::key)
  uint16_t event_id = 0;
  LogonFacts facts;
  uint64_t count = 0;
  normalize::Ticks first = 0, last = 0;
  std::string first_file;  // where the first occurrence is
  uint64_t first_record = 0;
};

struct SummaryOptions {
  pipeline::EventFilter filter;  // time, hosts, event ids, channels
  bool failed_only = false;      // --failed
  bool successful_only = false;  // --successful
  int threads = 0;
};

// Rows by count (highest first), then host, event and account.
std::vector<LogonRow> summarize_logons(const pipeline::Evidence& evidence, const SummaryOptions& options);

}  // namespace logons
