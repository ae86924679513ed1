// evtxhunt inventory: what was read, the responder's proof: per input file its
// format, size, hosts, channels, records, first and last record time and the
// damage found; per input skipped, the reason; per host its names, files,
// records and time span.
#include <boost/program_options.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/evidence_run.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/options.h"
#include "cli/run_summary.h"
#include "evtx/value.h"
#include "normalize/hosts.h"
#include "output/format.h"
#include "output/output_file.h"
#include "output/table.h"
#include "pipeline/event_writer.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"

namespace po = boost::program_options;

namespace cli {
namespace {

struct HostRow {
  std::vector<std::string> names, files;
  uint64_t records = 0;
  normalize::Ticks first = 0, last = 0;
};

std::string time_text(normalize::Ticks t) { return t ? output::format_time(t) : std::string(); }

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) (s.empty() ? s : s += "; ") += x;
  return s;
}

void json_list(std::string& out, const char* key, const std::vector<std::string>& v) {
  out += ",\"";
  out += key;
  out += "\":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    evtx::append_json_string(out, v[i]);
  }
  out += ']';
}

void json_field(std::string& out, const char* key, const std::string& v) {
  out += ",\"";
  out += key;
  out += "\":";
  evtx::append_json_string(out, v);
}

void json_number(std::string& out, const char* key, uint64_t v) {
  out += ",\"";
  out += key;
  out += "\":" + std::to_string(v);
}

// One row in any format: kind, name, then the named cells (CSV column order).
struct Row {
  std::string kind, name, format;
  uint64_t bytes = 0, records = 0, damaged = 0, chunks = 0, chunks_skipped = 0, problems = 0;
  normalize::Ticks first = 0, last = 0;
  std::vector<std::string> hosts, channels, files;
  std::string reason;
};

const char kCsvHeader[] =
    "Kind,Name,Format,Bytes,Records,DamagedRecords,Chunks,ChunksSkipped,Problems,FirstTime,LastTime,Hosts,Channels,"
    "Files,Reason\n";

void append_row(std::string& out, const Row& r, output::Format f, const output::TableStyle& style) {
  if (f == output::Format::Csv) {
    // (The cells are copies: a comma goes before each but the first, counted,
    // not by comparing a cell's address with r.kind's, which put one before
    // every row's first cell.)
    bool first = true;
    for (const std::string& cell :
         {r.kind, r.name, r.format, std::to_string(r.bytes), std::to_string(r.records), std::to_string(r.damaged),
          std::to_string(r.chunks), std::to_string(r.chunks_skipped), std::to_string(r.problems), time_text(r.first),
          time_text(r.last), joined(r.hosts), joined(r.channels), joined(r.files), r.reason}) {
      if (!first) out += ',';
      first = false;
      pipeline::append_csv_cell(out, cell);
    }
    out += '\n';
    return;
  }
  if (f == output::Format::Table) {
    output::append_cell(out, r.kind, 8);
    output::append_cell(out, std::to_string(r.records), 9);
    output::append_cell(out, time_text(r.first), 29);
    output::append_cell(out, time_text(r.last), 29);
    std::string rest = r.name;
    if (!r.hosts.empty()) rest += "  hosts: " + joined(r.hosts);
    if (!r.files.empty()) rest += "  files: " + std::to_string(r.files.size());
    if (r.problems || r.damaged)
      rest +=
          "  damage: " + std::to_string(r.problems) + " problems, " + std::to_string(r.damaged) + " records skipped";
    if (!r.reason.empty()) rest += "  " + r.reason;
    output::append_cell(out, rest, style.width > 85 ? style.width - 75 : 10, true);
    out += '\n';
    return;
  }
  out += "{\"kind\":";
  evtx::append_json_string(out, r.kind);
  json_field(out, r.kind == "host" ? "host" : "path", r.name);
  if (r.kind == "skipped") {
    json_field(out, "reason", r.reason);
    out += "}\n";
    return;
  }
  if (r.kind == "file") {
    json_field(out, "format", r.format);
    json_number(out, "bytes", r.bytes);
  }
  json_number(out, "records", r.records);
  if (r.kind == "file") {
    json_number(out, "damaged_records", r.damaged);
    json_number(out, "chunks", r.chunks);
    json_number(out, "chunks_skipped", r.chunks_skipped);
    json_number(out, "problems", r.problems);
  }
  out += ",\"first_time\":";
  r.first ? evtx::append_json_string(out, time_text(r.first)) : void(out += "null");
  out += ",\"last_time\":";
  r.last ? evtx::append_json_string(out, time_text(r.last)) : void(out += "null");
  json_list(out, r.kind == "host" ? "names" : "hosts", r.hosts);
  if (r.kind == "file") json_list(out, "channels", r.channels);
  if (r.kind == "host") json_list(out, "files", r.files);
  out += "}\n";
}

// --files-only: the inputs found, as JSON lines, without reading them (the
// listing a batch scan plans from): files in the order a run reads them.
std::string input_listing(const pipeline::Inputs& inputs) {
  std::string out;
  for (const auto* list : {&inputs.evtx, &inputs.xml})
    for (const std::filesystem::path& p : *list) {
      std::error_code ec;
      uintmax_t size = std::filesystem::file_size(p, ec);
      out += "{\"kind\":\"file\",\"path\":";
      evtx::append_json_string(out, p.string());
      out += list == &inputs.evtx ? ",\"format\":\"evtx\"" : ",\"format\":\"xml\"";
      out += ",\"bytes\":" + std::to_string(ec ? 0 : size) + "}\n";
    }
  for (const pipeline::Inputs::Skipped& s : inputs.skipped) {
    out += "{\"kind\":\"skipped\",\"path\":";
    evtx::append_json_string(out, s.path.string());
    out += ",\"reason\":";
    evtx::append_json_string(out, s.reason);
    out += "}\n";
  }
  return out;
}

}  // namespace

int run_inventory(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt inventory [options] PATH...\n\n"
      "Reads every record of the inputs (files or folders, recursively) and\n"
      "writes what was read: per file its format, size, hosts, channels, records,\n"
      "first and last record time (TimeCreated) and the damage found; per input\n"
      "skipped, the reason; per host its names, files, records and time span.\n\noptions");
  ReadingOptions reading;
  OutputOptions output;
  opts.add_options()("help,h", "show this help");
  output.add_to(opts, output::kSummaryFormats);
  reading.add_to(opts);
  std::string zone = "UTC";
  add_timezone_option(opts, zone);
  opts.add_options()("files-only",
                     "list the inputs found (path, format, size; the skipped ones with the reason) as JSON lines "
                     "in the order a run reads them, without reading them");
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"inventory", "input"}, args, opts, vm, paths)) return *done;
  std::optional<std::string> bad = reading.check();
  std::optional<output::Format> format;
  if (!bad) bad = output.check(::isatty(1) != 0, format);
  if (!bad) bad = apply_timezone(zone);
  const bool files_only = vm.count("files-only") > 0;
  if (!bad && files_only && !output.format.empty() && output.format != "jsonl") bad = "--files-only writes jsonl";
  if (bad) {
    message(stderr, "evtxhunt inventory: %s\n", bad->c_str());
    return kUsage;
  }
  EvidenceRun run{"inventory", paths};
  if (auto code = run.open(output, reading)) return *code;
  if (files_only) {
    if (auto code = run.finish(input_listing(run.inputs))) return *code;
    return missing_paths_exit_code(paths);
  }
  pipeline::ReadOptions read_opts = reading.read_options(true);
  read_opts.keep_events = false;  // counted, not kept
  run.read(read_opts, output.quiet);
  const pipeline::Evidence* ev = run.evidence.get();

  // Hosts, by the names the files show (a short name merges with its one FQDN).
  normalize::HostNames names;
  for (const pipeline::FileInfo& f : ev->files)
    for (const auto& c : f.computers) names.add(c.name);
  for (const std::string& w : names.resolve()) message(stderr, "evtxhunt: warning: %s\n", w.c_str());
  std::map<std::string, HostRow> hosts;
  output::TableStyle style{output::terminal_width(), output::use_colour(run.out->is_terminal())};
  std::string text = *format == output::Format::Csv ? kCsvHeader : "";
  for (const pipeline::FileInfo& f : ev->files) {
    Row r{"file",      f.path,
          f.kind,      f.bytes,
          f.records,   f.damaged_records,
          f.chunks,    f.chunks_skipped,
          f.problems,  f.first_time,
          f.last_time, {},
          f.channels,  {},
          {}};
    for (const auto& c : f.computers) {
      r.hosts.push_back(c.name);
      HostRow& h = hosts[names.key(c.name)];
      if (std::find(h.names.begin(), h.names.end(), c.name) == h.names.end()) h.names.push_back(c.name);
      if (h.files.empty() || h.files.back() != f.path) h.files.push_back(f.path);
      h.records += c.records;
      if (c.first_time && (!h.first || c.first_time < h.first)) h.first = c.first_time;
      if (c.last_time > h.last) h.last = c.last_time;
    }
    append_row(text, r, *format, style);
  }
  for (const pipeline::SkippedInput& s : ev->skipped) {
    Row r;
    r.kind = "skipped";
    r.name = s.path;
    r.reason = s.reason;
    append_row(text, r, *format, style);
  }
  for (const auto& [key, h] : hosts) {
    Row r;
    r.kind = "host";
    r.name = key;
    r.records = h.records;
    r.first = h.first;
    r.last = h.last;
    r.hosts = h.names;
    r.files = h.files;
    append_row(text, r, *format, style);
  }
  if (auto code = run.finish(text)) return *code;
  if (!output.quiet)
    report_summary(*ev, {"inventory",
                         start,
                         {std::to_string(hosts.size()) + " hosts in " + std::to_string(ev->files.size()) + " files"}});
  return run.exit_code;
}

}  // namespace cli
