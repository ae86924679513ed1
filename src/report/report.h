// The HTML report of a scan: one self-contained file (styles, script and data
// inline, nothing fetched) showing what was read, the findings by level, rule
// and host, a time chart per host, the lateral movement between hosts and each
// finding's evidence chain as a process tree.
//
// The data travels as one JSON document inside the page; the page's script
// builds every element from it with textContent, so text from the logs is
// never parsed as HTML.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pipeline/evidence.h"
#include "replay/finding.h"
#include "rules/level.h"

namespace report {

// What the report says of a rule (project rule or Sigma rule).
struct RuleInfo {
  std::string id, title, description;
  std::string source;  // "evtxhunt" or "sigma"
  rules::Level level = rules::Level::Medium;
  std::vector<std::string> techniques, tactics;  // ATT&CK
  std::vector<std::string> false_positives, references;
};

struct ReportInput {
  std::string command;              // "scan", "timeline"
  std::string version;              // evtxhunt's
  std::vector<std::string> inputs;  // the paths given
  const pipeline::Evidence* evidence = nullptr;
  const std::vector<replay::Finding>* findings = nullptr;  // sorted by host, then time
  std::vector<RuleInfo> rules;                             // of the rules that ran
};

// Past these the report summarizes and says so: every finding is counted in
// the tables; the first kMarkedFindings are marked on the time chart; the
// kDetailedFindings highest-level ones (then earliest) carry their chain.
constexpr size_t kDetailedFindings = 500;
constexpr size_t kMarkedFindings = 100000;
constexpr size_t kListedProblems = 1000;
constexpr size_t kListedFiles = 20000;
// Hosts drawn (a row of the time chart each): those with findings first (the
// highest level, then the most), then the busiest; the others are counted.
constexpr size_t kListedHosts = 1000;
// Computer names listed per file (a WEC log may hold thousands).
constexpr size_t kListedComputers = 100;

// The data document the page reads (JSON, safe inside a <script> element:
// '<', '>' and '&' are written as \u escapes).
std::string report_json(const ReportInput& in);

// The whole page.
std::string render_html(const ReportInput& in);

}  // namespace report
