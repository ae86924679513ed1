// The options commands share, each group added to a command's options and
// turned into what the libraries take:
//   reading  --threads, --memory, --temp-dir, --follow-links (every command that reads evidence)
//   filters  --since, --until, --host, --event-id, --channel
//   findings --min-level (and --rule, rule_options.h)
//   output   --format, -o/--output, --quiet
#pragma once

#include <boost/program_options.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "output/format.h"
#include "pipeline/evidence.h"
#include "pipeline/filters.h"
#include "replay/scan.h"

namespace cli {

// The default budget: an eighth of the machine's RAM, at least 32 and at most
// 128 MiB (a scan then stays near 150 MiB resident whatever the input; more
// memory only means fewer spill files).
size_t default_memory_mib();

struct ReadingOptions {
  int threads = 0;
  size_t memory_mib = default_memory_mib();
  std::string temp_dir;
  bool follow_links = false;  // links in input folders that leave the inputs (pipeline/inputs.h)

  void add_to(boost::program_options::options_description& opts);
  std::optional<std::string> check() const;  // a usage error, or nullopt
  pipeline::ReadOptions read_options(bool every_record) const;
};

// --timezone ZONE (pipeline/time_zone.h): every time the command writes is
// shown in it. Adds the option; applies it (sets the display zone), or says
// what is wrong with it.
void add_timezone_option(boost::program_options::options_description& opts, std::string& zone);
std::optional<std::string> apply_timezone(const std::string& zone);

// --timezone belongs here too: it is how --since/--until without an offset
// are read.
struct FilterOptions {
  std::string since, until, timezone = "UTC";
  std::vector<std::string> hosts, channels;
  std::vector<unsigned> event_ids;

  void add_to(boost::program_options::options_description& opts);
  // Fills `out` and sets the display zone; a usage error, or nullopt.
  std::optional<std::string> build(pipeline::EventFilter& out) const;
};

// After the evidence was read: --since/--until given as offsets (-2d) set from
// its last event, said on stderr; a usage error (exit code) when they cross.
std::optional<int> anchor_times(const char* command, pipeline::EventFilter& filter, const pipeline::Evidence& ev,
                                bool quiet);

// --min-level and the tuning (replay/tuning.h): --exclude-rule, --tag,
// --exclude-tag, --status, --exclude-host, --level RULE=LEVEL, --tuning FILE,
// --include-noisy; the shipped noisy list (rules/tuning/noisy.yml beside the
// default rules) applies unless --include-noisy.
struct FindingOptions {
  std::string min_level;
  std::vector<std::string> exclude_rules, tags, exclude_tags, statuses, exclude_hosts, levels, tuning_files;
  bool include_noisy = false;
  bool all_fields = false;  // --all-fields: ScanFilter::all_fields
  bool rule_ids = false;    // --rule-ids: rules named "title [id]" in tables and the summary
  replay::Tuning tuning;

  void add_to(boost::program_options::options_description& opts);
  // The command-line part: a usage error, or nullopt. Points out.tuning here.
  std::optional<std::string> build(replay::FindingFilter& out);
  // The tuning files (and the shipped noisy list); an error (exit 7) says
  // which file and line, or nullopt.
  std::optional<std::string> load_files();
};

struct OutputOptions {
  std::string format;  // "": table on a terminal, else the command's default
  std::string output;  // "": stdout
  bool quiet = false;
  bool csv_raw = false;      // --csv-raw: CSV cells untouched (pipeline/event_writer.h)
  bool single_line = false;  // --single-line: CR / LF in CSV cells written \r / \n
  bool short_format = true;  // -f for --format (query takes -f for its file)

  // formats: the command's set (timeline/format.h), the first the default
  // when stdout is not a terminal; kinds: outputs the command writes itself
  // that -f also names (scan's "shard"), listed after the formats.
  void add_to(boost::program_options::options_description& opts, std::span<const output::Format> formats,
              std::vector<std::string> kinds = {});
  // The format asked, or the default; nullopt when -f named one of the
  // command's own kinds, or (message in `error`) a name it does not take.
  std::optional<output::Format> resolve(bool stdout_is_terminal, std::string& error) const;
  // The same, for a chain of checks: sets `format`, or returns the message.
  std::optional<std::string> check(bool stdout_is_terminal, std::optional<output::Format>& format) const;
  // Whether -f named `kind`, one of the command's own kinds.
  bool wants_kind(std::string_view kind) const;

 private:
  std::vector<std::string> formats_;  // names, in the set's order
  std::vector<std::string> kinds_;
};

}  // namespace cli
