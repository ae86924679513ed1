// evtxhunt merge: the shards of a batch scan (scan --format shard, one per
// set of hosts, as scripts/evtxhunt-dask runs them) merged into the output one
// `evtxhunt scan` of the same inputs writes: the same findings, order, links
// between hosts and formats, and a summary that counts each file once.
#include <boost/program_options.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "batch/merge.h"
#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/options.h"
#include "cli/run_summary.h"
#include "io/file_read.h"
#include "output/finding_writer.h"
#include "output/output_file.h"

namespace po = boost::program_options;

namespace cli {
namespace {

// Inputs the batch scan's listing skipped: "path\0reason\0" pairs.
bool read_skipped(const std::string& path, std::vector<pipeline::SkippedInput>& out) {
  std::optional<std::string> read = io::read_file(path, kMaxListFileBytes);
  if (!read) return false;
  const std::string& bytes = *read;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t a = bytes.find('\0', at);
    size_t b = a == std::string::npos ? a : bytes.find('\0', a + 1);
    if (b == std::string::npos) return false;
    out.push_back({bytes.substr(at, a - at), bytes.substr(a + 1, b - a - 1)});
    at = b + 1;
  }
  return true;
}

}  // namespace

int run_merge(const std::vector<std::string>& args) {
  auto start = std::chrono::steady_clock::now();
  po::options_description opts(
      "usage: evtxhunt merge [options] SHARD...\n\n"
      "Merges the shards of a batch scan (evtxhunt scan --format shard of some\n"
      "hosts each; scripts/evtxhunt-dask runs them) into what one evtxhunt scan of\n"
      "the same inputs writes: the findings sorted by host then time, both ends of\n"
      "movements between hosts linked, in any of scan's formats.\n\noptions");
  OutputOptions output;
  std::string skipped_list;
  opts.add_options()("help,h", "show this help");
  output.add_to(opts, output::kEventFormats);
  std::string zone = "UTC";
  add_timezone_option(opts, zone);
  opts.add_options()("skipped", po::value(&skipped_list)->value_name("FILE"),
                     "inputs the batch scan's listing skipped, for the summary: NUL-separated path and reason pairs");
  po::variables_map vm;
  std::vector<std::string> names;
  if (auto done = parse_command_line({"merge", "shard file"}, args, opts, vm, names)) return *done;
  std::optional<output::Format> format;
  std::optional<std::string> bad = output.check(::isatty(1) != 0, format);
  if (!bad) bad = apply_timezone(zone);
  if (bad) {
    message(stderr, "evtxhunt merge: %s\n", bad->c_str());
    return kUsage;
  }
  std::vector<batch::Shard> shards;
  for (const std::string& name : names) {
    // A shard is read whole (read_shard bounds what it decodes by its size).
    std::optional<std::string> bytes = io::read_file(name, SIZE_MAX);
    if (!bytes) {
      message(stderr, "evtxhunt merge: cannot read %s\n", name.c_str());
      return kCannotOpen;
    }
    try {
      shards.push_back(batch::read_shard(*bytes, name));
    } catch (const batch::ShardError& e) {
      message(stderr, "evtxhunt merge: %s\n", e.what());
      return kBadInput;
    }
  }
  std::vector<pipeline::SkippedInput> skipped;
  if (!skipped_list.empty() && !read_skipped(skipped_list, skipped)) {
    message(stderr, "evtxhunt merge: --skipped %s: cannot read it as path and reason pairs\n", skipped_list.c_str());
    return kCannotOpen;
  }
  // Counted with the first shard's (there is at least one: parse_command_line).
  shards.front().skipped.insert(shards.front().skipped.begin(), skipped.begin(), skipped.end());
  batch::MergedScan merged;
  try {
    merged = batch::merge_shards(std::move(shards), names);
  } catch (const batch::ShardError& e) {
    message(stderr, "evtxhunt merge: %s\n", e.what());
    return kBadInput;
  }
  for (const pipeline::SkippedInput& s : skipped)
    message(stderr, "evtxhunt: skipped %s: %s\n", s.path.c_str(), s.reason.c_str());
  for (const std::string& w : merged.warnings) message(stderr, "%s\n", w.c_str());

  output::TableStyle style;
  std::string text;
  try {
    output::OutputFile out(output.output, names);
    style = {output::terminal_width(), output::use_colour(out.is_terminal())};
    text = output::findings_header(*format, style);
    merged.result.findings.for_each([&](const replay::Finding& f) { output::append_finding(text, f, *format, style); });
    out.write(text);
    out.commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt merge: %s\n", e.what());
    return kCannotWrite;
  }
  int code = kOk;
  if (merged.stats.evtx_files + merged.stats.xml_files == 0) {
    std::fprintf(stderr,
                 "evtxhunt: no readable evidence in the inputs (no EVTX file or XML event export could be read)\n");
    code = kNoEvidence;
  }
  if (!output.quiet)
    report_summary(
        RunCounts{merged.stats, merged.damaged_files, merged.spills, merged.spilled_bytes},
        {"merge",
         start,
         {std::to_string(names.size()) + " shards", merged.rules_summary,
          std::to_string(merged.result.duplicates_dropped) + " duplicate events dropped, " +
              std::to_string(merged.result.merged_processes) +
              " process creations of a run already seen merged (Sysmon and Security, or two copies of a log)",
          findings_line(merged.result.findings)}});
  return code;
}

}  // namespace cli
