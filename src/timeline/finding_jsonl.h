// Findings as JSON lines: rule_id, title, level, confidence, DeviceName,
// Timestamp (first evidence), assumptions, evidence
// [{stage, Timestamp, SourceFile, EventRecordID, EventID}], fields (the
// summarize-by columns named as in the rule) and collected values.
#pragma once

#include <string>

#include "replay/finding.h"

namespace timeline {

void append_finding_json(std::string& out, const replay::Finding& f);

}  // namespace timeline
