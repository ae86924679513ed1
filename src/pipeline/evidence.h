// Reading a run's inputs: every EVTX file (chunks in parallel) and XML event
// export becomes events in an event store (store/event_store.h), each with its
// normalized columns where a mapper applies; then the computer names are
// resolved into hosts (normalize/hosts.h). What was read, skipped or damaged
// is counted and named.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "evtx/problem.h"
#include "normalize/normalized_event.h"
#include "pipeline/inputs.h"
#include "pipeline/record_matcher.h"
#include "store/event_store.h"

namespace pipeline {

constexpr normalize::Ticks kTicksPerHour = 3600 * normalize::kTicksPerSecond;

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

// What was read of one input file: the responder's proof (evtxhunt inventory).
struct FileInfo {
  std::string path;
  const char* kind = "evtx";  // "evtx" or "xml"
  uint64_t bytes = 0;
  uint64_t records = 0;          // records read (EVTX) or events (XML)
  uint64_t damaged_records = 0;  // skipped as unreadable
  uint64_t chunks = 0, chunks_skipped = 0;
  uint64_t problems = 0;                           // damage reported inside the file (header, chunks, records)
  normalize::Ticks first_time = 0, last_time = 0;  // System/TimeCreated range of its records (0: none)
  struct Computer {
    std::string name;  // as written
    uint64_t records = 0;
    normalize::Ticks first_time = 0, last_time = 0;
    // Records per hour of TimeCreated: hour (Ticks / kTicksPerHour) -> records
    // (the report's volume chart); records without a time are not in it.
    std::map<int64_t, uint64_t> hours;
  };
  std::vector<Computer> computers;  // in order of first appearance
  std::vector<std::string> channels;
};

struct SkippedInput {
  std::string path, reason;
};

// A host: the computer names (store partitions) that are one machine.
struct Host {
  std::string key;  // lower case; the FQDN where one is known
  std::vector<uint32_t> computer_ids;
};

// Something computed from every record where it is read (the logon summary,
// the metrics): each chunk of an EVTX file, and each XML file, fills its own
// part in a worker thread; the parts are then handed over serially, in file
// and chunk order, so the result is the same for any thread count.
class RecordObserver {
 public:
  virtual ~RecordObserver() = default;
  struct Part {
    virtual ~Part() = default;
  };
  virtual std::unique_ptr<Part> part() const = 0;
  // header_record_id: the record header's id (0 in an XML export); position:
  // the record's offset in its file (EVTX) or its index (XML).
  virtual void observe(Part& part, const normalize::RecordAccess& rec, uint64_t header_record_id,
                       uint64_t position) const = 0;
  // A chunk's (or XML file's) part of the file at `file` (index in Evidence::files).
  virtual void take(uint32_t file, std::unique_ptr<Part> part) = 0;
};

struct ReadOptions {
  int threads = 0;           // <= 0: all cores
  bool every_record = true;  // false: only records a mapper wants (skipped from their template)
  // The normalized tables mapped (normalize::TableSet): records of other tables are
  // stored raw (every_record) or skipped.
  normalize::TableSet tables = normalize::kReplayTables;
  // With every_record false: the records wanted instead of a mapper's (provider, event id).
  std::function<bool(std::string_view provider, uint16_t event_id)> wanted;
  bool keep_events = true;  // false: only count what is read (inventory); the store stays empty
  // false: a record read (every_record) but neither mapped nor matched by the
  // matcher is counted, not stored (scan with Sigma rules needs no others).
  bool store_unmatched = true;
  store::StoreOptions store;
  // Rules tested on every record where it is read (Sigma); null: none.
  const RecordMatcher* matcher = nullptr;
  // Shown every record read (that the filter lets through); null: none.
  RecordObserver* observer = nullptr;
  // A batch scan's shard: only records of these computer names (exactly as
  // written) become events; the others are read and counted, not normalized,
  // matched or stored. Null: every computer.
  const std::unordered_set<std::string>* only_computers = nullptr;
  // Called (serially, often) as reading goes on: input bytes and files done.
  std::function<void(uint64_t bytes, uint64_t files)> progress;
};

struct Evidence {
  explicit Evidence(const store::StoreOptions& o) : store(o) {}
  store::EventStore store;
  std::vector<Host> hosts;  // sorted by key
  ReadStats stats;
  std::vector<FileProblem> problems;  // damage inside files, in file order
  std::vector<FileInfo> files;        // every input read: EVTX files, then XML exports (index = store file id)
  // Computer name (as written) -> where it appears: (index in files, index in its computers).
  std::unordered_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> files_of_computer;
  std::vector<SkippedInput> skipped;  // inputs not read at all, with the reason
  std::vector<std::string> warnings;  // other warnings (ambiguous host names, cut-short XML exports)
};

// The result is the same for any thread count and memory budget.
std::unique_ptr<Evidence> read_evidence(const Inputs& inputs, const ReadOptions& options);

}  // namespace pipeline
