// evtxhunt timeline: every event of every record read, in time order across
// hosts, each row with its Details, its normalized columns and the findings
// it is evidence of.
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
#include "cli/messages.h"
#include "cli/options.h"
#include "cli/report_output.h"
#include "cli/rule_options.h"
#include "cli/run_summary.h"
#include "cli/tuning_report.h"
#include "output/output_file.h"
#include "output/timeline_run.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"
#include "rules/time_format.h"

namespace po = boost::program_options;

namespace cli {

int run_timeline(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt timeline [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively) and\n"
      "writes one row per event of every record read (any provider, any event\n"
      "id), in time order across hosts: Timestamp, DeviceName, Channel, Provider,\n"
      "EventID, Level, Details (the record's data as 'Name: value ¦ ...'), the\n"
      "normalized columns where a mapper applies, SourceFile, EventRecordID, and\n"
      "the findings of the rules the event is evidence of.\n\noptions");
  RuleOptions rule_opts;
  ReadingOptions reading;
  FilterOptions filters;
  FindingOptions finding_opts;
  OutputOptions output;
  ReportOptions report;
  std::string context;
  bool findings_only = false;
  opts.add_options()("help,h", "show this help")(
      "context", po::value(&context),
      "keep only events within this time of a finding's evidence on the same host (e.g. 10m, 2h, 30s)")(
      "findings-only", po::bool_switch(&findings_only), "keep only the events that are evidence of a finding");
  rule_opts.add_to(opts);
  output.add_to(opts, output::kEventFormats);
  report.add_to(opts);
  reading.add_to(opts);
  filters.add_to(opts);
  finding_opts.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"timeline", "input"}, args, opts, vm, paths)) return *done;

  output::TimelineOptions topts;
  std::optional<std::string> bad = reading.check();
  if (!bad) bad = filters.build(topts.filter.events);
  if (!bad) bad = finding_opts.build(topts.filter.findings);
  topts.filter.all_fields = finding_opts.all_fields;
  if (!bad && !context.empty()) {
    topts.context = rules::parse_timespan(context);
    if (!topts.context || *topts.context < 0) bad = "--context: not a duration: " + context;
  }
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (bad) {
    message(stderr, "evtxhunt timeline: %s\n", bad->c_str());
    return kUsage;
  }
  rule_opts.runs_kql = false;
  if (auto code = rule_opts.load("timeline")) return *code;
  if (auto code = prepare_tuning("timeline", rule_opts, finding_opts)) return *code;
  topts.filter.findings.rules = rule_opts.patterns;
  topts.format = *format;
  topts.findings_only = findings_only;
  topts.threads = reading.threads;
  topts.memory_bytes = reading.memory_mib << 20;

  EvidenceRun run{"timeline", paths};
  if (auto code = run.open(output, reading)) return *code;
  if (auto code = report.open("timeline", run.inputs.all(paths), output.output)) return *code;
  output::OutputFile* out = run.out.get();
  topts.style = {output::terminal_width(), output::use_colour(out->is_terminal()), finding_opts.rule_ids};
  pipeline::ReadOptions read_opts = reading.read_options(true);  // every record is a row
  read_opts.matcher = rule_opts.matcher.get();
  read_opts.observer = report.integrity_observer();
  run.read(read_opts, output.quiet);
  pipeline::Evidence* ev = run.evidence.get();
  if (auto code = anchor_times("timeline", topts.filter.events, *ev, output.quiet)) return *code;
  std::vector<std::string> host_lines =
      host_filter_lines("timeline", *ev, topts.filter.events.hosts, finding_opts.tuning);
  output::TimelineResult result;
  try {
    result = output::write_timeline(*ev, rule_opts.selected, topts, *out, rule_opts.sigma.get());
    out->commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt timeline: %s\n", e.what());
    return kCannotWrite;
  }
  if (auto code = report.write("timeline", paths, *ev, result.findings, rule_opts, output.quiet)) return *code;
  if (!output.quiet) {
    std::vector<std::string> lines = {std::to_string(result.rows) + " rows on " + std::to_string(result.hosts) +
                                          " hosts; " + std::to_string(result.duplicates_dropped) +
                                          " duplicate events dropped",
                                      rule_opts.summary()};
    if (std::string note = rule_opts.default_rules_note(); !note.empty()) lines.push_back(note);
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
    for (std::string& l : tuning_lines(finding_opts.tuning, result.tuning, rule_opts)) lines.push_back(std::move(l));
    lines.push_back(findings_line(replay::FindingVector(result.findings), finding_opts.rule_ids));
    report_summary(*ev, {"timeline", start, lines});
  }
  return run.exit_code;
}

}  // namespace cli
