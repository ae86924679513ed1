// What a command says on stderr about the evidence it read: one line per
// input skipped (with the reason), per damaged spot in a file and per other
// warning, always; then, unless --quiet, a closing summary: files read /
// skipped / damaged, chunks, records, events, hosts, and the command's own
// counts (rules, findings by level and by rule, rows), and the elapsed time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "pipeline/evidence.h"
#include "replay/finding.h"
#include "replay/finding_list.h"

namespace cli {

// The warning lines (no newline): skipped inputs, damage in files, others.
std::vector<std::string> warning_lines(const pipeline::Evidence& ev);
void report_warnings(const pipeline::Evidence& ev);

// What the summary counts of the evidence read (or of merged shards).
struct RunCounts {
  pipeline::ReadStats stats;
  size_t damaged_files = 0;
  uint64_t spills = 0, spilled_bytes = 0;
};
RunCounts run_counts(const pipeline::Evidence& ev);

struct Summary {
  const char* command;
  std::chrono::steady_clock::time_point start;
  std::vector<std::string> lines;  // the command's own counts, one line each
};
void report_summary(const RunCounts& counts, const Summary& s);
void report_summary(const pipeline::Evidence& ev, const Summary& s);

// "3 findings: 1 high, 2 medium; by rule: a 2, b 1" (or "0 findings").
// rule_ids: rules named "title [id]".
std::string findings_line(const replay::FindingList& findings, bool rule_ids = false);

// kCannotOpen if a path named on the command line does not exist, else
// kNoEvidence if nothing readable was found, else kOk.
int input_exit_code(const std::vector<std::string>& paths, const pipeline::Evidence& ev);
// kCannotOpen if a path named on the command line does not exist, else kOk.
int missing_paths_exit_code(const std::vector<std::string>& paths);

}  // namespace cli
