// evtxhunt query: a KQL hunt, as written for Defender or Sentinel, run over
// tables built from the evidence (tables/evidence_catalog.h) by the KQL
// engine (kql/engine.h).
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
#include "io/file_read.h"
#include "kql/engine.h"
#include "kql/parser.h"
#include "output/output_file.h"
#include "output/table.h"
#include "rules/rule_files.h"
#include "rules/time_format.h"
#include "tables/defender_schema.h"
#include "tables/evidence_catalog.h"
#include "tables/kql_findings.h"
#include "tables/result_writer.h"

namespace po = boost::program_options;

namespace cli {
namespace {

// "HUNT:3:14: what" and the line with a caret under the column.
std::string query_error(const std::string& source, const std::string& text, const kql::QueryError& e) {
  std::string out = source + ":" + std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) + ": " + e.message;
  size_t start = 0;
  for (uint32_t l = 1; l < e.pos.line && start != std::string::npos; ++l) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos || start >= text.size()) return out;
  std::string line = text.substr(start, text.find('\n', start) - start);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() > 200 || e.pos.column > line.size() + 1) return out;
  std::string caret;
  for (size_t i = 0; i + 1 < e.pos.column; ++i) caret += line[i] == '\t' ? '\t' : ' ';
  return out + "\n  " + line + "\n  " + caret + "^";
}

void say_query_error(const std::string& source, const std::string& text, const kql::QueryError& e) {
  std::string all = query_error(source, text, e);
  size_t start = 0;
  for (size_t nl = all.find('\n'); start < all.size(); nl = all.find('\n', start)) {
    message(stderr, "evtxhunt query: %s\n", all.substr(start, nl == std::string::npos ? nl : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

// The same query over empty tables of the same columns: a mistake in the
// query (an unknown column or function) is said before the evidence is read.
class EmptyTables : public kql::Catalog {
 public:
  kql::TablePtr table(std::string_view name) override {
    const tables::Schema* s = tables::schema(name);
    if (!s) return nullptr;
    auto t = std::make_shared<kql::Table>();
    t->columns = s->columns;
    return t;
  }
  std::string missing_reason(std::string_view name) const override { return tables::not_built_reason(name); }
};

// --provenance: a Records column (the first free of Records, Records_, ...)
// naming the file#EventRecordID of each row's records.
void add_records_column(kql::Table& t, const tables::EvidenceCatalog& catalog) {
  std::string name = "Records";
  while (t.find(name)) name += "_";
  t.columns.push_back({name, kql::Type::Dynamic});
  for (kql::Row& r : t.rows) {
    kql::Json list = kql::Json::array();
    if (r.sources) {
      for (uint64_t ref : r.sources->refs) list.push_back(catalog.record_name(ref));
      if (r.sources->more)
        list.push_back("and more (the latest " + std::to_string(kql::kMaxSources) + " records are listed)");
    }
    r.push_back(kql::Value::dynamic(std::move(list)));
  }
}

}  // namespace

int run_query(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt query [options] 'KQL' PATH...\n"
      "       evtxhunt query [options] -f HUNT.kql PATH...\n\n"
      "Runs a KQL query as written for Defender's Advanced Hunting or Sentinel over\n"
      "tables built from EVTX files and XML event exports (files or folders,\n"
      "recursively): DeviceProcessEvents, DeviceNetworkEvents, DeviceLogonEvents,\n"
      "DeviceImageLoadEvents, DeviceFileEvents, DeviceRegistryEvents, DeviceEvents\n"
      "(Defender's columns; those event logs cannot fill are null), SecurityEvent\n"
      "(Sentinel's, every EventData field a column) and SecurityAlert (empty).\n"
      "now() and ago() count from the latest event read (--now to set it);\n"
      "ingestion_time() is the event's time. Defender cloud functions (FileProfile,\n"
      "...) add their columns as null, with a warning. A construct the engine does\n"
      "not run is an error at its line and column (exit 7), never a silent answer.\n"
      "--memory bounds the tables too: past a quarter of it they are kept in files\n"
      "under --temp-dir and read back in chunks, and a summarize's groups or a join's\n"
      "sides past it go to partitions there (the same rows, in the same order).\n\noptions");
  std::string file, now_text;
  size_t max_rows = 20'000'000;
  bool provenance = false;
  ReadingOptions reading;
  FilterOptions filters;
  OutputOptions output;
  opts.add_options()("help,h", "show this help")("file,f", po::value(&file)->value_name("HUNT.kql"),
                                                 "read the query from this file (then every argument is a path)")(
      "now", po::value(&now_text)->value_name("TIME"),
      "the time now() and ago() count from (default: the latest event read), e.g. 2024-03-12T10:00:00Z")(
      "max-rows", po::value(&max_rows)->value_name("N"),
      "most rows a join, mv-expand or mv-apply may make before the query stops with an error (default 20000000)")(
      "provenance", po::bool_switch(&provenance),
      "add a Records column: the file#EventRecordID of the records behind each row, kept through joins, "
      "summarize and distinct (at most 64 per row)");
  output.short_format = false;  // -f is the hunt's file, as for other KQL tools
  output.add_to(opts, output::kQueryFormats);
  reading.add_to(opts);
  filters.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"query", "input"}, args, opts, vm, paths)) return *done;

  std::string text, source = "query";
  std::optional<std::string> bad = reading.check();
  if (!bad && file.empty()) {
    if (paths.size() < 2)
      bad = "give the query and at least one input (or the query's file with -f)";
    else {
      text = paths.front();
      paths.erase(paths.begin());
    }
  } else if (!bad) {
    source = file;
    std::optional<std::string> read = io::read_file(file, rules::kMaxRuleFileBytes);
    if (read)
      text = std::move(*read);
    else
      bad = "-f " + file + ": cannot read the file";
  }
  tables::CatalogOptions copts;
  if (!bad) bad = filters.build(copts.filter);
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  kql::RunOptions ropts;
  ropts.max_rows = max_rows;
  if (!bad && !now_text.empty()) {
    if (auto t = rules::parse_datetime(now_text))
      ropts.now = *t;
    else
      bad = "--now: not a time: " + now_text + " (2024-03-12, 2024-03-12T10:00:00Z)";
  }
  if (!bad && max_rows == 0) bad = "--max-rows must be at least 1";
  if (bad) {
    message(stderr, "evtxhunt query: %s\n", *bad);
    return kUsage;
  }

  kql::Node query;
  std::vector<std::string> mentioned = tables::mentioned_tables(text);
  try {
    query = kql::parse(text);
    bool dynamic_columns = std::find(mentioned.begin(), mentioned.end(), "SecurityEvent") != mentioned.end();
    if (!dynamic_columns) {  // fail fast: the query over empty tables
      EmptyTables empty;
      kql::run(query, empty, ropts);
    }
  } catch (const kql::QueryError& e) {
    say_query_error(source, text, e);
    return kBadRules;
  }

  EvidenceRun run{"query", paths};
  if (auto code = run.open(output, reading)) return *code;
  bool every_record = std::find(mentioned.begin(), mentioned.end(), "SecurityEvent") != mentioned.end();
  pipeline::ReadOptions read_opts = reading.read_options(every_record);
  read_opts.tables = tables::tables_read(mentioned);
  run.read(read_opts, output.quiet);
  pipeline::Evidence* ev = run.evidence.get();
  if (auto code = anchor_times("query", copts.filter, *ev, output.quiet)) return *code;
  std::vector<std::string> host_lines = host_filter_lines("query", *ev, copts.filter.hosts, {});
  if (ropts.now == 0) ropts.now = tables::evidence_now(*ev);
  copts.threads = reading.threads;
  copts.provenance = provenance;
  copts.spill = tables::spill_options(*ev, reading.memory_mib << 20);
  ropts.memory_bytes = copts.spill.memory_bytes;
  ropts.new_spill_file = copts.spill.new_file;
  tables::EvidenceCatalog catalog(*ev, copts);
  catalog.use_columns(kql::columns_used(query));
  catalog.push_filters({{&query, mentioned}}, ropts);
  catalog.prepare(mentioned);
  kql::RunResult result;
  try {
    result = kql::run(query, catalog, ropts);
  } catch (const kql::QueryError& e) {
    say_query_error(source, text, e);
    return kBadRules;
  }
  for (const std::string& w : result.warnings) message(stderr, "evtxhunt query: warning: %s\n", w);
  if (provenance) add_records_column(result.table, catalog);
  output::TableStyle style{output::terminal_width(), output::use_colour(run.out->is_terminal())};
  std::string error;
  std::optional<std::string> out = tables::result_text(result.table, *format, style, error);
  if (!out) {
    message(stderr, "evtxhunt query: %s\n", error);
    return kUsage;
  }
  if (auto code = run.finish(*out)) return *code;
  if (!output.quiet) {
    std::string read;
    for (const std::string& n : mentioned) {
      read += (read.empty() ? "" : ", ") + n + " " + std::to_string(catalog.rows(n)) +
              (catalog.on_disk(n) ? " (in files: past a quarter of --memory)" : "");
    }
    std::vector<std::string> lines = {std::to_string(result.table.rows.size()) +
                                      " rows; rows of the tables read: " + (read.empty() ? "none" : read)};
    if (ropts.now != 0)
      lines.push_back("now() is " + output::format_time(ropts.now) +
                      (now_text.empty() ? " (the latest event read)" : " (--now)"));
    lines.insert(lines.end(), host_lines.begin(), host_lines.end());
    report_summary(*ev, {"query", start, lines});
  }
  return run.exit_code;
}

}  // namespace cli
