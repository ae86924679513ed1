// The forensic timeline of a run: every event of every kept host, in time
// order across hosts, each row tagged with the findings it is evidence of.
// Per host (in parallel): the rules replay first, to know the findings; then
// a second replay (process table, boots: the columns a row shows) renders the
// rows the filters keep into the host's spool; the spools are merged.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output/format.h"
#include "output/output_file.h"
#include "output/table.h"
#include "pipeline/evidence.h"
#include "replay/scan.h"

namespace output {

struct TimelineOptions {
  Format format = Format::Jsonl;
  TableStyle style;
  replay::ScanFilter filter;                // rows: hosts, time, event ids, channels; tags: findings
  std::optional<normalize::Ticks> context;  // keep rows within this of a kept finding's evidence (same host)
  bool findings_only = false;               // keep only rows that are evidence of a kept finding
  int threads = 0;
  size_t memory_bytes = 128u << 20;  // for the row spools
  // evtxhunt search: the rows are the events the rules matched, each with
  // the fields that matched (this function's answer) in place of findings;
  // count_only counts them by host, channel and event id instead.
  std::function<std::vector<std::string>(const store::EventView&)> matched;
  bool count_only = false;
};

// Rows of one (host, channel, provider, event id): search --count.
struct RowCount {
  std::string host, channel, provider;
  uint16_t event_id = 0;
  uint64_t rows = 0;
  normalize::Ticks first = 0, last = 0;
};

struct TimelineResult {
  uint64_t rows = 0;
  uint64_t hosts = 0;
  uint64_t hosts_with_rows = 0;
  uint64_t duplicates_dropped = 0;
  std::vector<replay::Finding> findings;  // kept ones, sorted by host then time
  replay::TuningCounts tuning;            // what the tuning matched
  std::vector<RowCount> counts;           // count_only: by host, then channel, provider, event id
};

// Writes the header and every row through `write`, in order.
TimelineResult write_timeline(pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules,
                              const TimelineOptions& options, const std::function<void(std::string_view)>& write,
                              const sigma::RuleSet* sigma = nullptr);
// The same, written to `out` a MiB at a time (not committed: the caller may
// add to it). Throws OutputError.
TimelineResult write_timeline(pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules,
                              const TimelineOptions& options, OutputFile& out, const sigma::RuleSet* sigma = nullptr);

}  // namespace output
