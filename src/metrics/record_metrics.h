// evtxhunt metrics: what the evidence holds and whether its logs are whole.
// Counted where each record is read (a pipeline::RecordObserver: one part per
// chunk, merged in file order), so memory does not grow with the records:
//   - records per host, channel, provider and event id, with the event's name
//     (details/key_fields/*.txt) and first / last time;
//   - per log of each EVTX file (its records of one host and channel), the
//     records in EventRecordID order (the chunks of a log that wrapped around
//     are put back in order): ids missing between consecutive records, ids
//     that repeat or go back, records dated a second or more before the one
//     written before them, and silences longer than the gap asked for;
//   - the records that speak of the log itself (integrity_events.h), each
//     with its file, record and key fields.
// XML exports are counted and their integrity events listed; their order is
// the exporter's, so their sequence is not checked.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "metrics/integrity_events.h"
#include "normalize/normalized_event.h"
#include "pipeline/evidence.h"
#include "pipeline/filters.h"

namespace metrics {

struct CountRow {
  std::string host;  // host key (pipeline::Host::key)
  std::string channel, provider;
  uint16_t event_id = 0;
  std::string name;  // what the event says; "" when the tables do not know it
  uint64_t count = 0;
  normalize::Ticks first = 0, last = 0;
};

enum class IssueKind : uint8_t {
  RecordGap,      // record ids missing between two consecutive records
  RecordIdOrder,  // a record id that repeats or goes back
  TimeOrder,      // a record dated before the one written before it
  TimeGap,        // no record for longer than the gap
  Event,          // an integrity event (IntegrityEvent)
};

struct Issue {
  IssueKind kind = IssueKind::Event;
  IntegrityEvent event{};  // kind Event
  uint16_t event_id = 0;   // kind Event: the record's event id
  std::string file, host, channel;
  uint64_t record = 0;  // the record that shows it (after a gap: the first one after it)
  normalize::Ticks time = 0;
  uint64_t before_record = 0;  // sequence issues: the record written before it
  normalize::Ticks before_time = 0;
  uint64_t missing = 0;  // RecordGap: how many ids are missing
  std::string details;
  const char* kind_name() const;  // "record_gap", ..., or the integrity event's name
};

// A log in an EVTX file (its records of one host and channel: a file
// forwarded from many hosts holds many) in EventRecordID order.
struct Sequence {
  std::string file, host, channel;
  uint64_t records = 0, first_record = 0, last_record = 0;
  uint64_t missing = 0;                                            // record ids missing in all its gaps
  uint64_t gaps = 0, id_order = 0, time_order = 0, time_gaps = 0;  // issues of each kind
};

struct Metrics {
  std::vector<CountRow> counts;     // by host, channel, then count (highest first)
  std::vector<Sequence> sequences;  // the logs of the EVTX files, in input order
  std::vector<Issue> issues;        // by time
  uint64_t unlisted = 0;            // issues counted in the sequences but not listed (MetricsOptions::list_cap)
};

struct MetricsOptions {
  normalize::Ticks gap = 3600 * normalize::kTicksPerSecond;  // a silence longer than this is a time gap
  // Issues listed per file and kind (more are counted): bounds memory on a
  // hostile file whose every record is out of order.
  size_t list_cap = 1000;
  // Rows kept: counts of the records in its time range, event ids and
  // channels; issues within them; both of its hosts. The sequence checks see
  // every record. Relative times (-2d) are not taken (counted as read).
  pipeline::EventFilter filter;
};

class MetricsObserver final : public pipeline::RecordObserver {
 public:
  explicit MetricsObserver(MetricsOptions options);
  ~MetricsObserver() override;
  std::unique_ptr<Part> part() const override;
  void observe(Part& part, const normalize::RecordAccess& rec, uint64_t header_record_id,
               uint64_t position) const override;
  void take(uint32_t file, std::unique_ptr<Part> part) override;
  // Once the evidence is read (files: Evidence::files): rows by host key, each file's sequence checked
  // across its chunks.
  Metrics finish(const std::vector<pipeline::FileInfo>& files);

  struct ChunkPart;
  struct FileState;

 private:
  MetricsOptions options_;
  // (computer as written, channel, provider, event id) -> count
  std::map<std::tuple<std::string, std::string, std::string, uint16_t>, CountRow> counts_;
  std::map<uint32_t, FileState> files_;  // by file index
};

}  // namespace metrics
