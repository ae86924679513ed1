// evtxhunt normalize: the normalized process / network / boot events of the
// inputs, one row each, sorted by host then Timestamp.
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"
#include "cli/read_report.h"
#include "cli/evidence_options.h"
#include "normalize/mapper.h"
#include "pipeline/evidence.h"
#include "pipeline/host_stream.h"
#include "pipeline/event_writer.h"
#include "pipeline/inputs.h"

namespace po = boost::program_options;

namespace cli {

int run_normalize(const std::vector<std::string>& args) {
  po::options_description opts(
      "usage: evtxhunt normalize [options] PATH...\n\n"
      "Reads EVTX files and XML event exports (files or folders, recursively;\n"
      "recognised by content, not extension) and prints their process, network\n"
      "and boot events in the normalized schema (Defender for Endpoint column\n"
      "names plus provenance), sorted by host, then Timestamp.\n\noptions");
  std::string format = "jsonl";
  EvidenceOptions evidence_opts;
  opts.add_options()("help,h", "show this help")("format,f", po::value(&format)->default_value("jsonl"),
                                                  "jsonl | csv");
  evidence_opts.add_to(opts);
  po::variables_map vm;
  std::vector<std::string> paths;
  if (auto done = parse_command_line({"normalize", "input",
                                      "0 read, 2 usage, 3 a named path does not exist"},
                                     args, opts, vm, paths))
    return *done;
  if (format != "jsonl" && format != "csv") {
    std::fprintf(stderr, "evtxhunt normalize: unknown format '%s' (jsonl or csv)\n", format.c_str());
    return kUsage;
  }
  if (auto bad = evidence_opts.check()) {
    std::fprintf(stderr, "evtxhunt normalize: %s\n", bad->c_str());
    return kUsage;
  }
  int exit_code = missing_paths_exit_code(paths);
  std::unique_ptr<pipeline::Evidence> c =
      pipeline::read_evidence(pipeline::discover_inputs(paths), evidence_opts.read_options(false));
  std::string out;
  if (format == "csv") out = pipeline::csv_header();
  auto row = [&](const norm::NormalizedEvent& ev) {
    if (format == "csv") {
      pipeline::append_csv_row(out, ev);
    } else {
      pipeline::append_json(out, ev);
      out += '\n';
    }
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  };
  uint64_t duplicates = 0;
  for (const pipeline::Host& host : c->hosts) {
    pipeline::HostStream stream(*c, host);
    duplicates += stream.for_each([&](const pipeline::StreamEvent& e) {
      if (!e.norm) return;
      row(*e.norm);
      if (e.norm->table != norm::Table::Boot && e.norm->boot != norm::BootMarker::None) row(norm::make_boot(*e.norm));
    });
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  report_reading("normalize", *c);
  std::fprintf(stderr, "evtxhunt normalize: %llu duplicate events dropped\n", static_cast<unsigned long long>(duplicates));
  return exit_code;
}

}  // namespace cli
