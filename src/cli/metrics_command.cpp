// evtxhunt metrics: what the evidence holds (records per host, channel,
// provider and event id) and whether its logs are whole (record-id gaps,
// records out of time order, silences, cleared logs, stopped services,
// reconfigured auditing or Sysmon): metrics/record_metrics.h.
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
#include "cli/run_summary.h"
#include "cli/tuning_report.h"
#include "metrics/metrics_writer.h"
#include "metrics/record_metrics.h"
#include "output/output_file.h"
#include "output/table.h"
#include "rules/time_format.h"

namespace po = boost::program_options;

namespace cli {

int run_metrics(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt metrics [options] PATH...\n\n"
      "Reads every record of EVTX files and XML event exports (files or folders,\n"
      "recursively) and writes what they hold and whether the logs are whole:\n"
      "  counts     records per host, channel, provider and event id, with the\n"
      "             event's name and the first and last time\n"
      "  integrity  per EVTX file its records in record-id order (the chunks of a\n"
      "             log that wrapped around put back in order): record ids missing\n"
      "             between consecutive records (with the records around the gap),\n"
      "             ids going back, records dated before the one written before them,\n"
      "             no record for longer than --gap; and every record that speaks of\n"
      "             the log itself: cleared (Security 1102, System 104), event log\n"
      "             service shut down (1100), events dropped (1101), log full (1104),\n"
      "             audit policy changed (4719), clean (6006) and unexpected (6008)\n"
      "             shutdowns, Sysmon state (4) and configuration (16) changes;\n"
      "             each naming file and record.\n"
      "Counts are of records read (a log collected twice counts twice; the\n"
      "integrity of each copy is its own). XML exports are counted and their\n"
      "integrity events listed; their order is the exporter's, not checked.\n\noptions");
  ReadingOptions reading;
  FilterOptions filters;
  OutputOptions output;
  std::string gap = "1h";
  bool counts_only = false, integrity_only = false;
  opts.add_options()("help,h", "show this help")("counts", po::bool_switch(&counts_only), "only the counts")(
      "integrity", po::bool_switch(&integrity_only), "only the integrity checks")(
      "gap", po::value(&gap)->value_name("SPAN"),
      "a silence longer than this between consecutive records is a time gap (default 1h; 30m, 6h, 2d)");
  output.add_to(opts, output::kSummaryFormats);
  reading.add_to(opts);
  filters.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"metrics", "input"}, args, opts, vm, paths)) return *done;

  metrics::MetricsOptions mopts;
  std::optional<std::string> bad = reading.check();
  if (!bad) bad = filters.build(mopts.filter);
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (!bad && counts_only && integrity_only) bad = "--counts and --integrity exclude each other";
  if (!bad && mopts.filter.relative())
    bad = "--since/--until as an offset (-2d) needs the evidence's last time before counting: give a time";
  if (!bad) {
    std::optional<normalize::Ticks> span = rules::parse_timespan(gap);
    if (!span || *span <= 0)
      bad = "--gap: not a time span: " + gap + " (30s, 90min, 1h, 2d)";
    else
      mopts.gap = *span;
  }
  if (bad) {
    message(stderr, "evtxhunt metrics: %s\n", *bad);
    return kUsage;
  }

  EvidenceRun run{"metrics", paths};
  if (auto code = run.open(output, reading)) return *code;
  metrics::MetricsObserver observer(mopts);
  pipeline::ReadOptions read_opts = reading.read_options(true);
  read_opts.keep_events = false;  // counted where read, not kept
  read_opts.observer = &observer;
  run.read(read_opts, output.quiet);
  pipeline::Evidence* ev = run.evidence.get();
  std::vector<std::string> host_lines = host_filter_lines("metrics", *ev, mopts.filter.hosts, {});
  metrics::Metrics m = observer.finish(ev->files);
  output::TableStyle style{output::terminal_width(), output::use_colour(run.out->is_terminal())};
  if (auto code = run.finish(metrics::metrics_text(m, {!integrity_only, !counts_only}, *format, style))) return *code;
  if (!output.quiet) {
    uint64_t gaps = 0, missing = 0, events = 0;
    for (const metrics::Sequence& s : m.sequences) {
      gaps += s.gaps;
      missing += s.missing;
    }
    for (const metrics::Issue& i : m.issues) events += i.kind == metrics::IssueKind::Event;
    std::vector<std::string> lines = {
        std::to_string(m.counts.size()) + " (host, channel, provider, event id) counts; " +
        std::to_string(m.sequences.size()) + " logs checked: " + std::to_string(missing) + " record ids missing in " +
        std::to_string(gaps) + " gaps; " + std::to_string(events) + " integrity events"};
    if (m.unlisted)
      lines.push_back(std::to_string(m.unlisted) + " issues counted but not listed (past " +
                      std::to_string(mopts.list_cap) + " of a kind in one file)");
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
    report_summary(*ev, {"metrics", start, lines});
  }
  return run.exit_code;
}

}  // namespace cli
