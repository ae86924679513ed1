// Reading a run's inputs: every EVTX file (chunks in parallel) and XML event
// export becomes events in an event store (store/event_store.h), each with its
// normalized columns where a mapper applies; then the computer names are
// resolved into hosts (normalize/hosts.h). What was read, skipped or damaged
// is counted and named.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evtx/problem.h"
#include "pipeline/inputs.h"
#include "store/event_store.h"

namespace pipeline {

struct ReadStats {
  uint64_t evtx_files = 0;
  uint64_t xml_files = 0;
  uint64_t inputs_skipped = 0;  // not EVTX / XML, unreadable, or failed to open
  uint64_t chunks = 0;
  uint64_t chunks_skipped = 0;  // bad magic
  uint64_t records = 0;
  uint64_t records_damaged = 0;  // skipped: unreadable
  uint64_t events = 0;           // events stored (records a consumer wanted)
  uint64_t hosts = 0;
};

struct FileProblem {
  std::string file;
  evtx::Problem problem;
};

// A host: the computer names (store partitions) that are one machine.
struct Host {
  std::string key;  // lower case; the FQDN where one is known
  std::vector<uint32_t> computer_ids;
};

struct ReadOptions {
  int threads = 0;           // <= 0: all cores
  bool every_record = true;  // false: only records a mapper wants (skipped from their template)
  store::StoreOptions store;
};

struct Evidence {
  explicit Evidence(const store::StoreOptions& o) : store(o) {}
  store::EventStore store;
  std::vector<Host> hosts;  // sorted by key
  ReadStats stats;
  std::vector<FileProblem> problems;  // damage inside files, in file order
  std::vector<std::string> warnings;  // "path: reason" for inputs skipped whole; ambiguous host names
};

// The result is the same for any thread count and memory budget.
std::unique_ptr<Evidence> read_evidence(const Inputs& inputs, const ReadOptions& options);

}  // namespace pipeline
