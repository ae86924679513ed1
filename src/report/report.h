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

#include "metrics/record_metrics.h"
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
  const std::vector<replay::Finding>* findings = nullptr;  // as the scan writes them (host, then time)
  std::vector<RuleInfo> rules;                             // of the rules that ran
  // The logs' integrity (evtxhunt metrics' checks), measured as they were read; null: not measured.
  const metrics::Metrics* integrity = nullptr;
};

// Past these the report summarizes and says so: every finding is counted in
// the tables; the first kMarkedFindings of the list's order (level, critical
// first, then time) are listed and marked on the time chart.
constexpr size_t kMarkedFindings = 100000;
// Evidence chains embedded in the page (each with every step's key fields):
// every high and critical finding's, then the others' (level, then time) while
// the chains written so far (their JSON and the strings they add) stay under
// kChainBytes. A finding past that says where its chain is (the scan's jsonl
// output, evtxhunt timeline). kUrgentChainBytes only guards against a
// pathological run (a chain is about 0.3 to 2 KB, so tens of thousands of
// them fit): past it high and critical findings say the same.
constexpr size_t kChainBytes = size_t{4} << 20;
constexpr size_t kUrgentChainBytes = size_t{48} << 20;
// The list collapses a rule that fires more than kGroupFindings times on one
// host into one row ("RULE on HOST: N findings (first .. last)") that expands
// on a click.
constexpr size_t kGroupFindings = 50;
// Records per hour per host travel with the page when the listed hosts have
// at most kHourlyVolume (host, hour) pairs with records, so that the zoomed
// time chart shows volume per hour; past it the volume stays in the chart's
// coarse bins (the finding marks are placed to the minute either way).
constexpr size_t kHourlyVolume = 200000;
constexpr size_t kListedProblems = 1000;
// Log-integrity issues listed (the logs' sequences with an issue are all
// listed): integrity events and record-id issues first, then time order, then
// silences; each group in time order.
constexpr size_t kListedIntegrity = 2000;
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
