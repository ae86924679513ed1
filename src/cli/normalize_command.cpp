// evtxhunt normalize: the normalized process / network / boot events of the
// inputs, one row each, sorted by host, then Timestamp; exact duplicates
// dropped as scan drops them.
#include <boost/program_options.hpp>

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
#include "normalize/mapper.h"
#include "normalize/normalized_event.h"
#include "output/output_file.h"
#include "pipeline/event_writer.h"
#include "pipeline/evidence.h"
#include "pipeline/host_stream.h"
#include "pipeline/inputs.h"
#include "replay/scan.h"

namespace po = boost::program_options;

namespace cli {

int run_normalize(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt normalize [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively;\n"
      "recognised by content, not extension) and prints their process, network\n"
      "and boot events in the normalized schema (Defender for Endpoint column\n"
      "names plus provenance), sorted by host, then Timestamp.\n\noptions");
  ReadingOptions reading;
  FilterOptions filters;
  OutputOptions output;
  opts.add_options()("help,h", "show this help");
  output.add_to(opts, output::kNormalizedFormats);
  reading.add_to(opts);
  filters.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"normalize", "input"}, args, opts, vm, paths)) return *done;
  pipeline::EventFilter filter;
  std::optional<std::string> bad = reading.check();
  if (!bad) bad = filters.build(filter);
  std::optional<output::Format> format;
  if (!bad) bad = output.check(false, format);
  if (bad) {
    message(stderr, "evtxhunt normalize: %s\n", bad->c_str());
    return kUsage;
  }
  bool csv = *format == output::Format::Csv;
  EvidenceRun run{"normalize", paths};
  if (auto code = run.open(output, reading)) return *code;
  pipeline::ReadOptions read_opts = reading.read_options(false);
  read_opts.tables = normalize::kAllTables;  // every table a mapper writes
  run.read(read_opts, output.quiet);
  if (auto code = anchor_times("normalize", filter, *run.evidence, output.quiet)) return *code;
  const pipeline::Evidence* c = run.evidence.get();
  output::OutputFile* out = run.out.get();
  std::string text;
  if (csv) text = pipeline::csv_header();
  uint64_t duplicates = 0, rows = 0;
  auto row = [&](const normalize::NormalizedEvent& ev) {
    if (!filter.keeps_event(ev.timestamp(), static_cast<uint16_t>(ev[normalize::Field::EventID].i),
                            ev[normalize::Field::Channel].s))
      return;
    ++rows;
    if (csv) {
      pipeline::append_csv_row(text, ev);
    } else {
      pipeline::append_json(text, ev);
      text += '\n';
    }
    if (text.size() > (1u << 20)) {
      out->write(text);
      text.clear();
    }
  };
  try {
    for (const pipeline::Host* host : replay::kept_hosts(*c, filter)) {
      pipeline::HostStream stream(*c, *host);
      duplicates += stream.for_each([&](const pipeline::StreamEvent& e) {
        if (!e.norm) return;
        row(*e.norm);
        if (e.norm->table != normalize::Table::Boot && e.norm->boot != normalize::BootMarker::None)
          row(normalize::make_boot(*e.norm));
      });
    }
    out->write(text);
    out->commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt normalize: %s\n", e.what());
    return kCannotWrite;
  }
  if (!output.quiet)
    report_summary(*c, {"normalize",
                        start,
                        {std::to_string(rows) + " rows; " + std::to_string(duplicates) + " duplicate events dropped"}});
  return run.exit_code;
}

}  // namespace cli
