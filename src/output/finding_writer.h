// Findings in every output format: one object / row per finding with rule id,
// title, level, confidence, DeviceName, Timestamp (first evidence), details
// (the matched record's key fields: who, what, from where), assumptions,
// evidence (stage, Timestamp, SourceFile, EventRecordID, EventID; a chain's
// steps each with its details), the fields the rule tested or summarized by,
// and the collected values.
#pragma once

#include <string>
#include <vector>

#include "output/format.h"
#include "output/table.h"
#include "replay/finding.h"

namespace output {

void append_finding_json(std::string& out, const replay::Finding& f);

// Timesketch tags of a finding: "rule:<title>", "level:<level>", then the
// rule's tags, each ATT&CK technique also as its id (attack.t1021.003: T1021.003).
std::vector<std::string> timesketch_tags(const std::string& title, rules::Level level,
                                         const std::vector<std::string>& tags);

// The CSV header or table heading (with its line break); "" for JSON formats.
std::string findings_header(Format f, const TableStyle& style);
// Appends one finding (with its line break).
void append_finding(std::string& out, const replay::Finding& f, Format format, const TableStyle& style);

}  // namespace output
