// Reads every input (EVTX in parallel chunks, XML exports), maps the records
// into normalized events, decides the direction of inbound connections per
// host, and sorts the events by host, then time, then source and record.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evtx/problem.h"
#include "normalize/normalized_event.h"
#include "pipeline/inputs.h"

namespace pipeline {

struct ReadStats {
  uint64_t evtx_files = 0;
  uint64_t xml_files = 0;
  uint64_t inputs_skipped = 0;  // not EVTX / XML, unreadable, or failed to open
  uint64_t chunks = 0;
  uint64_t chunks_skipped = 0;  // bad magic
  uint64_t records = 0;
  uint64_t records_damaged = 0;  // skipped: unreadable
  uint64_t events = 0;           // normalized events
  uint64_t hosts = 0;
};

struct FileProblem {
  std::string file;
  evtx::Problem problem;
};

struct Collected {
  std::vector<norm::NormalizedEvent> events;
  ReadStats stats;
  std::vector<FileProblem> problems;  // damage inside files, in file order
  std::vector<std::string> warnings;  // "path: reason" for inputs skipped whole
};

// threads <= 0: all cores. The result is the same for any thread count.
Collected collect_events(const Inputs& inputs, int threads);

// Sort order of the normalized stream: host key, Timestamp, SourceFile, EventRecordID.
bool event_order(const norm::NormalizedEvent& a, const norm::NormalizedEvent& b);

}  // namespace pipeline
