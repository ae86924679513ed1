#include "cli/command_options.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "pipeline/event_writer.h"
#include "rules/rule.h"
#include "rules/time_format.h"

namespace po = boost::program_options;

namespace cli {

size_t default_memory_mib() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t ram_mib = pages > 0 && page > 0 ? static_cast<size_t>(pages) / (1u << 20) * static_cast<size_t>(page) : 1024;
  return std::clamp<size_t>(ram_mib / 8, 32, 128);
}

void ReadingOptions::add_to(po::options_description& opts) {
  opts.add_options()("threads,t", po::value(&threads)->default_value(threads),
                     "worker threads (0: all cores; at most 4 per core)")(
      "memory", po::value(&memory_mib)->default_value(memory_mib),
      "memory budget in MiB for the events held in memory; beyond it they are spilled to --temp-dir "
      "(default: RAM/8, 32..128)")("temp-dir", po::value(&temp_dir),
                                   "folder for spill files (default: $TMPDIR or /tmp); removed at exit")(
      "follow-links", po::bool_switch(&follow_links),
      "follow symbolic links found in input folders wherever they lead (default: only links that stay inside a "
      "named input; the others are named and skipped)");
}

std::optional<std::string> ReadingOptions::check() const {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads < 0 || threads > cores * 4) return "--threads must be 0 (all cores) or 1.." + std::to_string(cores * 4);
  if (memory_mib < 1) return "--memory must be at least 1 (MiB)";
  return std::nullopt;
}

pipeline::ReadOptions ReadingOptions::read_options(bool every_record) const {
  pipeline::ReadOptions o;
  o.threads = threads;
  o.every_record = every_record;
  o.store.memory_bytes = memory_mib << 20;
  o.store.temp_dir = temp_dir;
  return o;
}

void FilterOptions::add_to(po::options_description& opts) {
  opts.add_options()("since", po::value(&since), "keep events at or after this time (ISO 8601, UTC if no zone)")(
      "until", po::value(&until), "keep events at or before this time")(
      "host", po::value(&hosts), "keep hosts whose name matches this glob (repeatable; * and ?)")(
      "event-id", po::value(&event_ids), "keep events of this id (repeatable)")(
      "channel", po::value(&channels), "keep events of this channel (repeatable; glob, case ignored)");
}

std::optional<std::string> FilterOptions::build(pipeline::EventFilter& out) const {
  if (!since.empty()) {
    out.since = rules::parse_datetime(since);
    if (!out.since) return "--since: not a time: " + since;
  }
  if (!until.empty()) {
    out.until = rules::parse_datetime(until);
    if (!out.until) return "--until: not a time: " + until;
    // A date alone means the whole day.
    if (until.size() == 10) *out.until += rules::kTicksPerDay - 1;
  }
  if (out.since && out.until && *out.since > *out.until) return "--since is after --until";
  out.hosts = hosts;
  out.channels = channels;
  for (unsigned id : event_ids) {
    if (id > 65535) return "--event-id: " + std::to_string(id) + " is not an event id (0..65535)";
    out.event_ids.push_back(static_cast<uint16_t>(id));
  }
  return std::nullopt;
}

void FindingOptions::add_to(po::options_description& opts) {
  opts.add_options()("min-level", po::value(&min_level),
                     "keep findings of this level or higher (informational, low, medium, high, critical)");
}

std::optional<std::string> FindingOptions::build(replay::FindingFilter& out) const {
  if (!min_level.empty()) {
    out.min_level = rules::parse_level(min_level);
    if (!out.min_level) return "--min-level: unknown level '" + min_level + "'";
  }
  return std::nullopt;
}

void OutputOptions::add_to(po::options_description& opts, const std::vector<std::string>& formats) {
  formats_ = formats;
  std::string names;
  for (const std::string& f : formats) (names.empty() ? names : names += " | ") += f;
  opts.add_options()(
      "format,f", po::value(&format),
      ("output format: " + names + " (default: table on a terminal, else " + formats.front() + ")").c_str())(
      "output,o", po::value(&output), "write to this file (written under a temporary name, renamed when complete)")(
      "quiet,q", po::bool_switch(&quiet), "no progress bar and no summary on stderr (warnings still)");
  if (std::find(formats.begin(), formats.end(), "csv") != formats.end())
    opts.add_options()("csv-raw", po::bool_switch(&csv_raw),
                       "csv: write every value untouched (by default a cell a spreadsheet would run as a formula, "
                       "starting with = + - @ TAB or CR, gets a ' before it, and a NUL is written \\x00)");
}

std::optional<timeline::Format> OutputOptions::resolve(bool stdout_is_terminal, std::string& error) const {
  pipeline::set_csv_raw(csv_raw);
  std::string name = format;
  if (name.empty()) {
    bool table =
        stdout_is_terminal && output.empty() && std::find(formats_.begin(), formats_.end(), "table") != formats_.end();
    name = table ? "table" : formats_.front();
  }
  if (std::find(formats_.begin(), formats_.end(), name) == formats_.end()) {
    error = "unknown format '" + name + "'";
    return std::nullopt;
  }
  return timeline::parse_format(name);
}

std::optional<std::string> OutputOptions::check(bool stdout_is_terminal, std::optional<timeline::Format>& f) const {
  std::string error;
  f = resolve(stdout_is_terminal, error);
  if (!f) return error;
  return std::nullopt;
}

}  // namespace cli
