// Findings in every output format: one object / row per finding with rule id,
// title, level, confidence, DeviceName, Timestamp (first evidence),
// assumptions, evidence (stage, Timestamp, SourceFile, EventRecordID, EventID),
// the summarize-by fields named as in the rule, and the collected values.
#pragma once

#include <string>

#include "replay/finding.h"
#include "timeline/format.h"
#include "timeline/table.h"

namespace timeline {

void append_finding_json(std::string& out, const replay::Finding& f);

// The CSV header or table heading (with its line break); "" for JSON formats.
std::string findings_header(Format f, const TableStyle& style);
// Appends one finding (with its line break).
void append_finding(std::string& out, const replay::Finding& f, Format format, const TableStyle& style);

}  // namespace timeline
