// evtxhunt scan: reads the inputs, replays each host's events in time order
// through the rules and writes the findings, each with its chain of evidence.
#include <boost/program_options.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/evidence_run.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/report_output.h"
#include "cli/rule_options.h"
#include "cli/run_report.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"
#include "replay/scan.h"
#include "timeline/finding_writer.h"
#include "timeline/output_file.h"

namespace po = boost::program_options;

namespace cli {

int run_scan(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt scan [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively),\n"
      "replays each host's events in time order through the rules and writes the\n"
      "findings, sorted by host then time, each with the file and record of every\n"
      "piece of evidence.\n\noptions");
  RuleOptions rule_opts;
  ReadingOptions reading;
  FilterOptions filters;
  FindingOptions finding_opts;
  OutputOptions output;
  ReportOptions report;
  opts.add_options()("help,h", "show this help");
  rule_opts.add_to(opts);
  output.add_to(opts, {"jsonl", "csv", "timesketch", "table"});
  report.add_to(opts);
  reading.add_to(opts);
  filters.add_to(opts);
  finding_opts.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"scan", "input", kExitCodesHelp}, args, opts, vm, paths)) return *done;

  replay::ScanFilter filter;
  std::optional<std::string> bad = reading.check();
  if (!bad) bad = filters.build(filter.events);
  if (!bad) bad = finding_opts.build(filter.findings);
  std::optional<timeline::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (bad) {
    std::fprintf(stderr, "evtxhunt scan: %s\n", bad->c_str());
    return kUsage;
  }
  if (auto code = rule_opts.load("scan")) return *code;
  filter.findings.rules = rule_opts.patterns;

  EvidenceRun run{"scan", paths};
  if (auto code = run.open(output)) return *code;
  if (auto code = report.open("scan", run.inputs.all(paths), output.output)) return *code;
  // The project's rules read only mapped events: the others are skipped from
  // their template, unless Sigma rules read them too (matched where read) or
  // the report charts every record's time.
  pipeline::ReadOptions read_opts = reading.read_options(rule_opts.sigma != nullptr || report.wanted());
  read_opts.matcher = rule_opts.matcher.get();
  read_opts.store_unmatched = false;  // findings rest on mapped or matched records only
  run.read(read_opts, output.quiet);
  const pipeline::Evidence& ev = *run.evidence;
  replay::ScanResult result =
      replay::scan_evidence(ev, rule_opts.selected, reading.threads, filter, rule_opts.sigma.get());

  timeline::TableStyle style{timeline::terminal_width(), timeline::use_colour(run.out->is_terminal())};
  std::string text = timeline::findings_header(*format, style);
  for (const replay::Finding& f : result.findings) timeline::append_finding(text, f, *format, style);
  if (auto code = run.finish(text)) return *code;
  if (auto code = report.write("scan", paths, ev, result.findings, rule_opts, output.quiet)) return *code;
  if (!output.quiet)
    report_summary(ev,
                   {"scan",
                    start,
                    {rule_opts.summary(),
                     std::to_string(result.duplicates_dropped) + " duplicate events dropped, " +
                         std::to_string(result.merged_processes) + " processes seen in both Sysmon and Security merged",
                     findings_line(result.findings)}});
  return run.exit_code;
}

}  // namespace cli
