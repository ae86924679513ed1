// evtxhunt scan: reads the inputs, replays each host's events in time order
// through the rules and prints the findings, each with its chain of evidence.
#include <boost/program_options.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/read_report.h"
#include "cli/evidence_options.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"
#include "replay/scan.h"
#include "rules/rule.h"
#include "timeline/finding_jsonl.h"

namespace po = boost::program_options;

namespace cli {
namespace {

std::string default_rules() {
  if (const char* env = std::getenv("EVTXHUNT_RULES")) return env;
  return EVTXHUNT_DEFAULT_RULES;
}

}  // namespace

int run_scan(const std::vector<std::string>& args) {
  po::options_description opts(
      "usage: evtxhunt scan [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively),\n"
      "replays each host's events in time order through the rules and prints one\n"
      "finding per line (JSON), sorted by host then time, each with the file and\n"
      "record of every piece of evidence.\n\noptions");
  std::string rules_path = default_rules(), format = "jsonl";
  std::vector<std::string> ids;
  EvidenceOptions evidence_opts;
  opts.add_options()("help,h", "show this help")(
      "rules", po::value(&rules_path)->default_value(rules_path), "rule file or folder of *.yml rules")(
      "rule", po::value(&ids), "run only this rule id (repeatable)")(
      "format,f", po::value(&format)->default_value("jsonl"), "jsonl");
  evidence_opts.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"scan", "input",
                                      "0 scanned (findings or not), 2 usage, 3 a named path does not exist, 7 invalid rule file or unknown rule id"},
                                     args, opts, vm, paths))
    return *done;
  if (auto bad = evidence_opts.check()) {
    std::fprintf(stderr, "evtxhunt scan: %s\n", bad->c_str());
    return kUsage;
  }
  if (format != "jsonl") {
    std::fprintf(stderr, "evtxhunt scan: unknown format '%s' (jsonl)\n", format.c_str());
    return kUsage;
  }

  rules::LoadResult loaded = rules::load_rules(rules_path);
  std::vector<rules::RuleError> errors = loaded.errors;
  std::vector<const rules::Rule*> selected = rules::select_rules(loaded.rules, ids, errors);
  if (!errors.empty()) {
    for (const rules::RuleError& e : errors) std::fprintf(stderr, "evtxhunt scan: %s\n", e.str().c_str());
    return kBadRules;
  }

  int exit_code = missing_paths_exit_code(paths);
  // The project's rules read only mapped events: the others are skipped from their template.
  std::unique_ptr<pipeline::Evidence> c =
      pipeline::read_evidence(pipeline::discover_inputs(paths), evidence_opts.read_options(false));
  replay::ScanResult result = replay::scan_evidence(*c, selected, evidence_opts.threads);
  std::string out;
  for (const replay::Finding& f : result.findings) {
    timeline::append_finding_json(out, f);
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  report_reading("scan", *c);
  std::fprintf(stderr,
               "evtxhunt scan: %zu rules; %llu duplicate events dropped, %llu processes seen in both Sysmon and "
               "Security merged; %zu findings\n",
               selected.size(), static_cast<unsigned long long>(result.duplicates_dropped),
               static_cast<unsigned long long>(result.merged_processes), result.findings.size());
  return exit_code;
}

}  // namespace cli
