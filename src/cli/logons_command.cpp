// evtxhunt logons: who logged on where, from where, how, and which logons
// failed (logons/logon_summary.h), one row per group with its count, first and
// last time.
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
#include "logons/logon_summary.h"
#include "logons/logon_writer.h"
#include "normalize/normalized_event.h"
#include "output/output_file.h"
#include "output/table.h"

namespace po = boost::program_options;

namespace cli {
namespace {

// Event ids of --event-id that no logon event has: said, not a silent empty summary.
std::optional<std::string> check_event_ids(const std::vector<uint16_t>& ids) {
  for (uint16_t id : ids) {
    bool known = logons::is_logon_event(normalize::kSecurityProvider, id) ||
                 logons::is_logon_event("Microsoft-Windows-TerminalServices-LocalSessionManager", id) ||
                 logons::is_logon_event("Microsoft-Windows-TerminalServices-RemoteConnectionManager", id);
    if (!known)
      return "--event-id " + std::to_string(id) +
             " is not a logon event (Security 4624 4625 4634 4647 4648 4672 4768 4769 4771 4776, Remote Desktop 21-25 "
             "1149)";
  }
  return std::nullopt;
}

}  // namespace

int run_logons(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt logons [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively) and\n"
      "summarizes their logons: Security 4624 (logon), 4625 (failed, with the reason\n"
      "from Status/SubStatus), 4634/4647 (logoff), 4648 (explicit credentials), 4672\n"
      "(admin logon), 4768/4769/4771 (Kerberos), 4776 (NTLM), Remote Desktop 21-25\n"
      "(LocalSessionManager) and 1149 (RemoteConnectionManager). One row per host,\n"
      "event, account, logon type, source address, source workstation,\n"
      "authentication package, target, result and failure reason, with the count,\n"
      "first and last time and the record of the first; highest count first. A\n"
      "record read from two copies of a log counts once.\n\noptions");
  logons::SummaryOptions summary;
  ReadingOptions reading;
  FilterOptions filters;
  OutputOptions output;
  opts.add_options()("help,h", "show this help")("failed", po::bool_switch(&summary.failed_only),
                                                 "only failures (4625, 4771, failed Kerberos and NTLM checks)")(
      "successful", po::bool_switch(&summary.successful_only),
      "only successes (no failures, no logoffs or disconnects)");
  output.add_to(opts, output::kSummaryFormats);
  reading.add_to(opts);
  filters.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"logons", "input"}, args, opts, vm, paths)) return *done;

  std::optional<std::string> bad = reading.check();
  if (!bad) bad = filters.build(summary.filter);
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (!bad && summary.failed_only && summary.successful_only) bad = "--failed and --successful exclude each other";
  if (!bad) bad = check_event_ids(summary.filter.event_ids);
  if (bad) {
    message(stderr, "evtxhunt logons: %s\n", *bad);
    return kUsage;
  }
  summary.threads = reading.threads;

  EvidenceRun run{"logons", paths};
  if (auto code = run.open(output, reading)) return *code;
  pipeline::ReadOptions read_opts = reading.read_options(false);
  read_opts.wanted = [](std::string_view provider, uint16_t id) { return logons::is_logon_event(provider, id); };
  run.read(read_opts, output.quiet);
  pipeline::Evidence* ev = run.evidence.get();
  if (auto code = anchor_times("logons", summary.filter, *ev, output.quiet)) return *code;
  std::vector<std::string> host_lines = host_filter_lines("logons", *ev, summary.filter.hosts, {});
  std::vector<logons::LogonRow> rows = logons::summarize_logons(*ev, summary);
  output::TableStyle style{output::terminal_width(), output::use_colour(run.out->is_terminal())};
  if (auto code = run.finish(logons::logons_text(rows, *format, style))) return *code;
  if (!output.quiet) {
    uint64_t events = 0, failed = 0;
    for (const logons::LogonRow& r : rows) {
      events += r.count;
      if (r.facts.result == logons::Result::Failure) failed += r.count;
    }
    std::vector<std::string> lines = {std::to_string(events) + " logon events (" + std::to_string(failed) +
                                      " failures) in " + std::to_string(rows.size()) + " rows"};
    if (ev->stats.events == 0)
      lines.push_back("no logon event among the records read (Security auditing, Remote Desktop logs)");
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
    report_summary(*ev, {"logons", start, lines});
  }
  return run.exit_code;
}

}  // namespace cli
