// The metrics in each format. jsonl: one object per row, "kind" first:
// "count" (host, channel, provider, event_id, name, count, first_time,
// last_time), "sequence" (a log of an EVTX file: file, host, channel,
// records, first/last EventRecordID, missing records, issues of each kind) and one per issue (record_gap,
// record_id_order, time_order, time_gap, or an integrity event: file, host,
// channel, record_id, time, the record before, details). csv: one header for
// all (Kind,Host,Channel,Provider,EventID,Name,Count,FirstTime,LastTime,File,
// RecordID,Details). table: the counts, then the logs' sequences and the issues.
#pragma once

#include <string>

#include "metrics/record_metrics.h"
#include "output/format.h"
#include "output/table.h"

namespace metrics {

struct WriteParts {
  bool counts = true, integrity = true;
};

std::string metrics_text(const Metrics& m, WriteParts parts, output::Format format, const output::TableStyle& style);

// "records #1-#5000 (4988 read), 12 missing in 2 gaps, 3 records out of time
// order, 1 time gaps": a log's sequence in one line.
std::string sequence_summary(const Sequence& s);

}  // namespace metrics
