// evtxhunt scan: reads the inputs, replays each host's events in time order
// through the rules and writes the findings, each with its chain of evidence.
#include <boost/program_options.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "batch/shard.h"
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
#include "output/finding_writer.h"
#include "output/output_file.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"
#include "pivot/pivot_writer.h"
#include "replay/scan.h"
#include "tables/kql_findings.h"

namespace po = boost::program_options;

namespace cli {
namespace {

// Output is written in pieces of about this size (findings are read back one by one).
constexpr size_t kOutputChunk = 4 << 20;

void say_kql_warnings(const char* command, const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) message(stderr, "evtxhunt %s: KQL rule: %s\n", command, w);
}

int write_shard(EvidenceRun& run, const replay::ScanFilter& filter, const ReadingOptions& reading,
                const RuleOptions& rule_opts, bool quiet, std::chrono::steady_clock::time_point start) {
  const pipeline::Evidence& ev = *run.evidence;
  tables::KqlRuleScan kql(ev, rule_opts.kql_selected, filter, reading.threads,
                          tables::spill_options(*run.evidence, reading.memory_mib << 20));
  replay::HostsReplayed replayed =
      replay::replay_hosts(ev, rule_opts.selected, reading.threads, filter, rule_opts.sigma.get(), kql.sinks());
  say_kql_warnings("scan", kql.add_findings(replayed));
  size_t hosts = replayed.hosts.size();
  batch::Shard shard =
      batch::make_shard(ev, std::move(replayed), {EVTXHUNT_VERSION, rule_opts.summary(), warning_lines(ev)});
  size_t findings = 0;
  for (const batch::ShardHost& h : shard.hosts) findings += h.findings.size();
  if (auto code = run.finish(batch::write_shard(shard))) return *code;
  if (!quiet)
    report_summary(ev, {"scan",
                        start,
                        {"shard of " + std::to_string(hosts) + " hosts: " + std::to_string(findings) +
                         " findings before the cross-host pass"}});
  return run.exit_code;
}

}  // namespace

namespace {

// scan, and pivot: the same run, whose findings pivot writes as the list of
// what they touch (pivot/pivots.h).
int run_findings(const std::vector<std::string>& args, bool pivot) {
  auto start = std::chrono::steady_clock::now();
  const char* command = pivot ? "pivot" : "scan";
  po::options_description opts(pivot ? "usage: evtxhunt pivot [options] PATH...\n\n"
                                       "Runs the rules as scan does and writes what the findings at or above\n"
                                       "--min-level (default high) touch: the accounts, hosts, addresses,\n"
                                       "processes, command lines, hashes, services and scheduled tasks their\n"
                                       "records name, each with its number of findings, rules, hosts and first and\n"
                                       "last time: the list to grep the rest of the evidence with.\n\noptions"
                                     : "usage: evtxhunt scan [options] PATH...\n\n"
                                       "Reads EVTX files and XML event exports (files or folders, recursively),\n"
                                       "replays each host's events in time order through the rules and writes the\n"
                                       "findings, sorted by host then time (--sort time: by time across hosts), each\n"
                                       "with the file and record of every piece of evidence and the key fields of\n"
                                       "its records (who, what, from where).\n\noptions");
  RuleOptions rule_opts;
  replay::ScanFilter filter;
  ReadingOptions reading;
  FilterOptions filters;
  FindingOptions finding_opts;
  OutputOptions output;
  ReportOptions report;
  opts.add_options()("help,h", "show this help");
  rule_opts.add_to(opts);
  if (pivot) {
    output.add_to(opts, output::kSummaryFormats);
    finding_opts.min_level = "high";
  } else {
    output.add_to(opts, output::kEventFormats, {"shard"});
    report.add_to(opts);
  }
  reading.add_to(opts);
  filters.add_to(opts);
  finding_opts.add_to(opts);
  std::vector<std::string> shard_hosts, shard_host_lists;
  std::string sort = "host";
  if (!pivot)
    opts.add_options()("sort", po::value(&sort)->value_name("ORDER"),
                       "host: by host, then time (default); time: by time across hosts, then host")(
        "shard-host", po::value(&shard_hosts)->value_name("NAME"),
        "batch scans (scripts/evtxhunt-dask): replay only the hosts with this computer name, exactly "
        "as written (repeatable; with --format shard)")(
        "shard-hosts-from", po::value(&shard_host_lists)->value_name("FILE"),
        "the same for every name FILE lists (each name ends with a NUL, so \"\" is a lone NUL; \\\\ is a backslash "
        "and \\0 a NUL inside a name; an empty file: no host)");
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({command, "input"}, args, opts, vm, paths)) return *done;

  std::optional<std::string> bad = reading.check();
  for (const std::string& list : shard_host_lists)
    if (!bad && !read_name_list_file(list, shard_hosts))
      bad = "--shard-hosts-from " + list + ": cannot read it, or not a list of NUL-terminated names";
  if (vm.count("shard-host") || vm.count("shard-hosts-from")) filter.shard_hosts = shard_hosts;
  if (!bad) bad = filters.build(filter.events);
  if (!bad) bad = finding_opts.build(filter.findings);
  if (!bad && sort != "host" && sort != "time") bad = "--sort: '" + sort + "' is not host or time";
  filter.all_fields = finding_opts.all_fields;
  // A shard of a batch scan (batch/shard.h): the hosts' findings before the
  // cross-host pass, for evtxhunt merge.
  const bool shard = !pivot && output.wants_kind("shard");
  if (!bad && shard && report.wanted())
    bad = "--report is not written for a shard (evtxhunt merge writes the findings)";
  if (!bad && !shard && filter.shard_hosts) bad = "--shard-host is for --format shard";
  if (!bad && shard && filter.events.relative())
    bad = "--since/--until -N count back from the evidence's last event, which a shard does not know: give a time";
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (bad) {
    message(stderr, "evtxhunt %s: %s\n", command, bad->c_str());
    return kUsage;
  }
  if (auto code = rule_opts.load(command)) return *code;
  if (auto code = prepare_tuning(command, rule_opts, finding_opts)) return *code;
  filter.findings.rules = rule_opts.patterns;

  EvidenceRun run{command, paths};
  if (auto code = run.open(output, reading)) return *code;
  if (auto code = report.open(command, run.inputs.all(paths), output.output)) return *code;
  // The project's rules read only mapped events: the others are skipped from
  // their template, unless Sigma rules read them too (matched where read) or
  // the report charts every record's time.
  const bool every_record = tables::kql_reads_every_record(rule_opts.kql_selected);
  pipeline::ReadOptions read_opts = reading.read_options(rule_opts.sigma != nullptr || report.wanted() || every_record);
  read_opts.matcher = rule_opts.matcher.get();
  // Findings rest on mapped or matched records only, and on every record where
  // a KQL rule reads SecurityEvent.
  read_opts.store_unmatched = every_record;
  read_opts.tables |= tables::kql_tables_read(rule_opts.kql_selected);
  read_opts.observer = report.integrity_observer();
  // A shard keeps only its hosts' events: a collector's log of many hosts is
  // read by every shard owning one of them, each normalizing and matching only its own.
  std::unordered_set<std::string> shard_names;
  if (filter.shard_hosts) {
    shard_names.insert(filter.shard_hosts->begin(), filter.shard_hosts->end());
    read_opts.only_computers = &shard_names;
  }
  run.read(read_opts, output.quiet);
  const pipeline::Evidence& ev = *run.evidence;
  if (auto code = anchor_times(command, filter.events, ev, output.quiet)) return *code;
  std::vector<std::string> host_lines = host_filter_lines(command, ev, filter.events.hosts, finding_opts.tuning);
  if (shard) return write_shard(run, filter, reading, rule_opts, output.quiet, start);
  tables::KqlRuleScan kql(ev, rule_opts.kql_selected, filter, reading.threads,
                          tables::spill_options(*run.evidence, reading.memory_mib << 20));
  // Each host's findings leave memory once replayed: kept encoded within a
  // quarter of --memory (the event store holds the rest), past it in files.
  auto store = std::make_shared<replay::FindingStore>((reading.memory_mib << 20) / 4,
                                                      [&run] { return run.evidence->store.temp_dir().new_file(); });
  replay::HostsReplayed replayed =
      replay::replay_hosts(ev, rule_opts.selected, reading.threads, filter, rule_opts.sigma.get(), kql.sinks(), store);
  say_kql_warnings(command, kql.add_findings(replayed));
  replay::ScanResult result = replay::link_hosts(std::move(replayed));

  output::TableStyle style{output::terminal_width(), output::use_colour(run.out->is_terminal()), finding_opts.rule_ids};
  size_t pivots = 0;
  std::string text;
  try {
    if (pivot) {
      std::vector<pivot::Pivot> list = pivot::collect(result.findings);
      pivots = list.size();
      text = pivot::pivots_text(list, *format, style);
    } else {
      // Written as they are read, a few MiB at a time.
      text = output::findings_header(*format, style);
      auto add = [&](const replay::Finding& f) {
        output::append_finding(text, f, *format, style);
        if (text.size() >= kOutputChunk) {
          run.out->write(text);
          text.clear();
        }
      };
      if (sort == "time")
        result.findings.for_each_by_time(add);
      else
        result.findings.for_each(add);
    }
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt %s: %s\n", command, e.what());
    return kCannotWrite;
  }
  if (auto code = run.finish(text)) return *code;
  if (report.wanted()) {  // the page orders every finding: they are read into memory
    std::vector<replay::Finding> all = result.findings.all();
    if (auto code = report.write(command, paths, ev, all, rule_opts, output.quiet)) return *code;
  }
  if (!output.quiet) {
    std::vector<std::string> lines = {
        rule_opts.summary(),
        std::to_string(result.duplicates_dropped) + " duplicate events dropped, " +
            std::to_string(result.merged_processes) +
            " process creations of a run already seen merged (Sysmon and Security, or two copies of a log)"};
    if (std::string note = rule_opts.patterns_note(); !note.empty()) lines.push_back(note);
    if (std::string note = rule_opts.default_rules_note(); !note.empty()) lines.push_back(note);
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
    for (std::string& l : tuning_lines(finding_opts.tuning, result.tuning, rule_opts)) lines.push_back(std::move(l));
    lines.push_back(findings_line(result.findings, finding_opts.rule_ids));
    if (uint64_t spilled = result.findings.spilled_bytes())
      lines.push_back("findings past memory: " + std::to_string((spilled + (1 << 20) - 1) >> 20) +
                      " MiB of them kept in a temporary file and read back in order (--memory)");
    if (pivot)
      lines.push_back(std::to_string(pivots) +
                      " pivots (accounts, hosts, addresses, processes, command lines, hashes, "
                      "services, tasks) from the findings at or above " +
                      finding_opts.min_level);
    report_summary(ev, {command, start, lines});
  }
  rule_opts.keep_until_exit();
  return run.exit_code;
}

}  // namespace

int run_scan(const std::vector<std::string>& args) { return run_findings(args, false); }
int run_pivot(const std::vector<std::string>& args) { return run_findings(args, true); }

}  // namespace cli
