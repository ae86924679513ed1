// evtxhunt search: the records holding keywords, regular expressions or field
// values (search/search_query.h), as timeline rows naming the fields that
// matched, or counted by host, channel and event id (--count).
#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
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
#include "cli/rule_options.h"
#include "cli/run_summary.h"
#include "cli/tuning_report.h"
#include "evtx/value.h"
#include "output/output_file.h"
#include "output/table.h"
#include "output/timeline_run.h"
#include "pipeline/event_writer.h"
#include "search/search_query.h"
#include "sigma/sigma_loader.h"
#include "sigma/sigma_matcher.h"

namespace po = boost::program_options;

namespace cli {
namespace {

// The search as the one Sigma rule the read runs; nullopt and the reason if
// the engine refuses it (a pattern past its bounds).
std::optional<std::string> compile(const search::Search& s, RuleOptions& rules) {
  sigma::LoadResult loaded = sigma::load_sigma_text(s.sigma_text(), "search");
  if (!loaded.errors.empty() || loaded.rules.size() != 1)
    return loaded.errors.empty() ? "the search cannot be compiled" : loaded.errors.front().message;
  rules.sigma = sigma::RuleSet::build(std::move(loaded.rules), rules.sigma_report);
  if (!rules.sigma_report.skipped.empty() || rules.sigma->size() != 1)
    return rules.sigma_report.skipped.empty() ? "the search cannot be compiled"
                                              : rules.sigma_report.skipped.front().message;
  rules.matcher = std::make_unique<sigma::SigmaMatcher>(*rules.sigma);
  return std::nullopt;
}

std::string count_text(const std::vector<output::RowCount>& counts, output::Format format) {
  std::string out;
  if (format == output::Format::Csv) out = "DeviceName,Channel,Provider,EventID,Count,FirstTime,LastTime\n";
  output::TableStyle style{output::terminal_width(), false};
  if (format == output::Format::Table) {
    output::append_cell(out, "DeviceName", 30);
    output::append_cell(out, "EventID", 8);
    output::append_cell(out, "Count", 9);
    output::append_cell(out, "First", output::time_width());
    output::append_cell(out, "Last", output::time_width());
    output::append_cell(out, "Channel", 40, true);
    out += '\n';
  }
  for (const output::RowCount& c : counts) {
    switch (format) {
      case output::Format::Csv:
        for (const std::string* cell : {&c.host, &c.channel, &c.provider}) {
          pipeline::append_csv_cell(out, *cell);
          out += ',';
        }
        out += std::to_string(c.event_id) + "," + std::to_string(c.rows) + ",";
        output::append_time(out, c.first);
        out += ',';
        output::append_time(out, c.last);
        out += '\n';
        break;
      case output::Format::Table:
        output::append_cell(out, c.host, 30);
        output::append_cell(out, std::to_string(c.event_id), 8);
        output::append_cell(out, std::to_string(c.rows), 9);
        output::append_cell(out, output::format_time(c.first), output::time_width());
        output::append_cell(out, output::format_time(c.last), output::time_width());
        output::append_cell(out, c.channel, style.width > 110 ? style.width - 110 : 20, true);
        out += '\n';
        break;
      default:
        out += "{\"DeviceName\":";
        evtx::append_json_string(out, c.host);
        out += ",\"Channel\":";
        evtx::append_json_string(out, c.channel);
        out += ",\"Provider\":";
        evtx::append_json_string(out, c.provider);
        out +=
            ",\"EventID\":" + std::to_string(c.event_id) + ",\"Count\":" + std::to_string(c.rows) + ",\"FirstTime\":\"";
        output::append_time(out, c.first);
        out += "\",\"LastTime\":\"";
        output::append_time(out, c.last);
        out += "\"}\n";
    }
  }
  return out;
}

}  // namespace

int run_search(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt search [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively) and\n"
      "writes the events whose records hold what is asked, as timeline rows (the\n"
      "same columns) with a Matched column naming the fields that matched:\n"
      "  -k WORD          a literal keyword in any data field's value\n"
      "  -r RE            an RE2 regular expression matching in any data field's value\n"
      "  -F Field=value   a field's value (Sigma's equality: * and ? wildcards)\n"
      "  -F 'Field~RE'    a field's value matching an RE2 expression\n"
      "Every term must hold (--any: one is enough); letters' case is ignored\n"
      "unless --case. Field names as the timeline's Details writes them (spaces\n"
      "ignored, as Sigma ignores them) or System fields as Sigma names them\n"
      "(Computer, Channel, Provider_Name, EventID). The terms run as one Sigma\n"
      "detection in the engine that matches SigmaHQ's rules, where records are\n"
      "read. --count: counts per host, channel and event id instead.\n\noptions");
  search::Query query;
  bool count = false;
  ReadingOptions reading;
  FilterOptions filters;
  OutputOptions output;
  opts.add_options()("help,h", "show this help")("keyword,k", po::value(&query.keywords)->value_name("WORD"),
                                                 "a literal keyword (repeatable)")(
      "regex,r", po::value(&query.regexes)->value_name("RE"), "an RE2 regular expression (repeatable)")(
      "field,F", po::value(&query.fields)->value_name("FIELD=VALUE"),
      "Field=value (* and ? wildcards) or Field~RE (repeatable)")("any", po::bool_switch(&query.any),
                                                                  "one term is enough (default: every term must hold)")(
      "case", po::bool_switch(&query.cased), "letters' case counts (default: ignored)")(
      "count", po::bool_switch(&count), "count the matching events per host, channel and event id");
  output.add_to(opts, output::kEventFormats);
  reading.add_to(opts);
  filters.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"search", "input"}, args, opts, vm, paths)) return *done;

  output::TimelineOptions topts;
  std::optional<std::string> bad = reading.check();
  if (!bad) bad = filters.build(topts.filter.events);
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (!bad && count && (*format == output::Format::Timesketch || *format == output::Format::Ecs))
    bad = "--count writes jsonl, csv or table";
  std::unique_ptr<search::Search> searching;
  RuleOptions rule_opts;
  if (!bad) {
    try {
      searching = std::make_unique<search::Search>(query);
    } catch (const search::QueryError& e) {
      bad = e.what();
    }
  }
  if (!bad) bad = compile(*searching, rule_opts);
  if (bad) {
    message(stderr, "evtxhunt search: %s\n", *bad);
    return kUsage;
  }
  topts.format = *format;
  topts.findings_only = true;
  topts.count_only = count;
  topts.threads = reading.threads;
  topts.memory_bytes = reading.memory_mib << 20;
  topts.matched = [&](const store::EventView& view) { return searching->matched_fields(view); };

  EvidenceRun run{"search", paths};
  if (auto code = run.open(output, reading)) return *code;
  output::OutputFile* out = run.out.get();
  topts.style = {output::terminal_width(), output::use_colour(out->is_terminal())};
  pipeline::ReadOptions read_opts = reading.read_options(true);
  read_opts.matcher = rule_opts.matcher.get();
  read_opts.store_unmatched = false;  // the rows are the matched records: no other needs keeping
  run.read(read_opts, output.quiet);
  pipeline::Evidence* ev = run.evidence.get();
  if (auto code = anchor_times("search", topts.filter.events, *ev, output.quiet)) return *code;
  std::vector<std::string> host_lines = host_filter_lines("search", *ev, topts.filter.events.hosts, {});
  output::TimelineResult result;
  try {
    result = output::write_timeline(*ev, {}, topts, *out, rule_opts.sigma.get());
    if (count) {
      std::stable_sort(result.counts.begin(), result.counts.end(),
                       [](const output::RowCount& a, const output::RowCount& b) {
                         return a.host != b.host ? a.host < b.host : a.rows > b.rows;
                       });
      out->write(count_text(result.counts, *format));
    }
    out->commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt search: %s\n", e.what());
    return kCannotWrite;
  }
  if (!output.quiet) {
    std::vector<std::string> lines = {std::to_string(result.rows) + " events on " +
                                      std::to_string(result.hosts_with_rows) + " of " + std::to_string(result.hosts) +
                                      " hosts matched " + searching->description() + "; " +
                                      std::to_string(result.duplicates_dropped) + " duplicate events dropped"};
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
    report_summary(*ev, {"search", start, lines});
  }
  return run.exit_code;
}

}  // namespace cli
