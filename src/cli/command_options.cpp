#include "cli/command_options.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/rule_options.h"
#include "pipeline/event_writer.h"
#include "pipeline/time_zone.h"
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
  opts.add_options()(
      "since", po::value(&since),
      "keep events at or after this time: 2021-04-26T09:00 (in --timezone), 2021-04-26 09:00:00 +02:00, or -2d / -36h "
      "before the evidence's last event")(
      "until", po::value(&until), "keep events at or before this time (a date alone: to its end; the same forms)")(
      "host", po::value(&hosts), "keep hosts whose name matches this glob (repeatable; * and ?)")(
      "event-id", po::value(&event_ids), "keep events of this id (repeatable)")(
      "channel", po::value(&channels), "keep events of this channel (repeatable; glob, case ignored)");
  add_timezone_option(opts, timezone);
}

namespace {

constexpr const char* kTimeForms =
    "accepted: 2021-04-26, 2021-04-26T09:00, 2021-04-26 09:00:00.123, 2021-04-26T09:00:00Z, 2021-04-26 09:00:00 "
    "+02:00, -2d or -36h before the evidence's last event";

// A time as responders write it (in --timezone, UTC by default, unless it
// says its offset), or an offset before the evidence's last event (-2d, -36h,
// -90min). False: not a time.
bool parse_time_option(std::string text, const pipeline::TimeZone& zone, std::optional<normalize::Ticks>& at,
                       std::optional<normalize::Ticks>& before_last) {
  if (text.size() > 1 && text[0] == '-') {
    std::optional<normalize::Ticks> span = rules::parse_timespan(std::string_view(text).substr(1));
    if (!span || *span < 0) return false;
    before_last = *span;
    return true;
  }
  // "2021-04-26 09:00:00 +02:00" / "... Z" / "... UTC": the zone after a space.
  if (text.size() > 4 && text.compare(text.size() - 4, 4, " UTC") == 0) text.replace(text.size() - 4, 4, "Z");
  if (size_t sp = text.rfind(' '); sp != std::string::npos && sp > 10 && sp + 1 < text.size() &&
                                   (text[sp + 1] == '+' || text[sp + 1] == '-' || text[sp + 1] == 'Z'))
    text.erase(sp, 1);
  at = rules::parse_datetime(text);
  bool says_zone = !text.empty() && (text.back() == 'Z' || text.find_first_of("+-", 11) != std::string::npos);
  if (at && !says_zone) at = zone.to_utc(*at);
  return at.has_value();
}

}  // namespace

void add_timezone_option(po::options_description& opts, std::string& zone) {
  opts.add_options()("timezone", po::value(&zone)->value_name("ZONE"),
                     "write times in this zone with its offset (2021-04-26T11:00:00.0000000+02:00) and read "
                     "--since/--until without an offset in it: UTC (default), local, a tz name (Europe/Berlin) or an "
                     "offset (+02:00)");
}

std::optional<std::string> apply_timezone(const std::string& zone) {
  std::string bad;
  std::optional<pipeline::TimeZone> z = pipeline::TimeZone::parse(zone, bad);
  if (!z) return "--timezone: " + bad;
  pipeline::set_display_zone(*z);
  return std::nullopt;
}

std::optional<std::string> FilterOptions::build(pipeline::EventFilter& out) const {
  if (std::optional<std::string> bad = apply_timezone(timezone)) return bad;
  const pipeline::TimeZone* zone = &pipeline::display_zone();
  if (!since.empty() && !parse_time_option(since, *zone, out.since, out.since_before_last))
    return "--since: not a time: " + since + " (" + kTimeForms + ")";
  if (!until.empty()) {
    if (!parse_time_option(until, *zone, out.until, out.until_before_last))
      return "--until: not a time: " + until + " (" + kTimeForms + ")";
    // A date alone means the whole day.
    if (out.until && until.size() == 10) *out.until += rules::kTicksPerDay - 1;
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

std::optional<int> anchor_times(const char* command, pipeline::EventFilter& filter, const pipeline::Evidence& ev,
                                bool quiet) {
  if (!filter.relative()) return std::nullopt;
  normalize::Ticks last = 0;
  for (const pipeline::FileInfo& f : ev.files) last = std::max(last, f.last_time);
  if (last == 0) {
    message(stderr, "evtxhunt %s: no event of the evidence has a time: --since/--until -N keep nothing\n", command);
    filter.since = 1;  // an empty range: nothing is in it
    filter.until = 0;
    return std::nullopt;
  }
  if (std::optional<std::string> bad = filter.anchor(last)) {
    message(stderr, "evtxhunt %s: %s\n", command, *bad);
    return kUsage;
  }
  if (!quiet)
    message(stderr, "evtxhunt %s: the evidence's last event is at %s: keeping %s to %s\n", command,
            output::format_time(last), filter.since ? output::format_time(*filter.since) : "the first",
            filter.until ? output::format_time(*filter.until) : "the last");
  return std::nullopt;
}

void FindingOptions::add_to(po::options_description& opts) {
  opts.add_options()("min-level", po::value(&min_level),
                     "keep findings of this level or higher (informational, low, medium, high, critical)")(
      "exclude-rule", po::value(&exclude_rules)->value_name("GLOB"),
      "leave out the findings of rules whose id or title matches (repeatable)")(
      "tag", po::value(&tags)->value_name("GLOB"),
      "keep only findings with a matching tag (repeatable; attack.t1021*, attack.lateral-movement)")(
      "exclude-tag", po::value(&exclude_tags)->value_name("GLOB"),
      "leave out findings with a matching tag (repeatable)")(
      "status", po::value(&statuses)->value_name("STATUS"),
      "keep findings of Sigma rules of this status (repeatable: stable, test, experimental, deprecated, "
      "unsupported; default: all but deprecated and unsupported)")(
      "exclude-host", po::value(&exclude_hosts)->value_name("GLOB"),
      "leave out the findings of hosts whose name matches (repeatable)")(
      "level", po::value(&levels)->value_name("RULE=LEVEL"),
      "report the findings of rules whose id or title matches RULE at LEVEL (repeatable)")(
      "tuning", po::value(&tuning_files)->value_name("FILE"),
      "a tuning file: exclusions, noisy rules and level overrides, each with its reason (repeatable)")(
      "include-noisy", po::bool_switch(&include_noisy),
      "keep the findings of rules listed as noisy (the shipped list and the tuning files')")(
      "all-fields", po::bool_switch(&all_fields),
      "each finding's details hold every field of its records, not only their key fields (who, what, from where)")(
      "rule-ids", po::bool_switch(&rule_ids),
      "name rules by title and id ('Title [id]') in the table format and the summary (jsonl and csv always have "
      "both)");
}

std::optional<std::string> FindingOptions::build(replay::FindingFilter& out) {
  if (!min_level.empty()) {
    out.min_level = rules::parse_level(min_level);
    if (!out.min_level) return "--min-level: unknown level '" + min_level + "'";
  }
  for (const std::string& g : exclude_rules) tuning.exclude.push_back({g, "", "", {}, {}, "", "--exclude-rule"});
  for (const std::string& g : exclude_tags) tuning.exclude.push_back({"", g, "", {}, {}, "", "--exclude-tag"});
  for (const std::string& g : exclude_hosts) tuning.exclude.push_back({"", "", g, {}, {}, "", "--exclude-host"});
  tuning.tags = tags;
  for (const std::string& s : statuses) {
    static const char* const kStatuses[] = {"stable", "test", "experimental", "deprecated", "unsupported"};
    if (std::none_of(std::begin(kStatuses), std::end(kStatuses), [&](const char* k) { return s == k; }))
      return "--status: '" + s + "' is not a Sigma status (stable, test, experimental, deprecated, unsupported)";
    tuning.statuses.push_back(s);
  }
  for (const std::string& l : levels) {
    size_t eq = l.rfind('=');
    std::optional<rules::Level> level = eq == std::string::npos ? std::nullopt : rules::parse_level(l.substr(eq + 1));
    if (eq == 0 || !level)
      return "--level: '" + l + "' is not RULE=LEVEL (LEVEL: informational, low, medium, high, critical)";
    tuning.levels.push_back({l.substr(0, eq), *level, "", "--level"});
  }
  tuning.include_noisy = include_noisy;
  out.tuning = &tuning;
  return std::nullopt;
}

std::optional<std::string> FindingOptions::load_files() {
  try {
    std::filesystem::path noisy = std::filesystem::path(default_rules_path()) / "tuning" / "noisy.yml";
    std::error_code ec;
    if (std::filesystem::is_regular_file(noisy, ec)) replay::load_tuning_file(noisy.string(), tuning);
    for (const std::string& f : tuning_files) replay::load_tuning_file(f, tuning);
  } catch (const std::runtime_error& e) {
    return std::string("--tuning ") + e.what();
  }
  return std::nullopt;
}

void OutputOptions::add_to(po::options_description& opts, std::span<const output::Format> formats,
                           std::vector<std::string> kinds) {
  formats_.clear();
  for (output::Format f : formats) formats_.emplace_back(output::format_name(f));
  kinds_ = std::move(kinds);
  std::string names;
  for (const auto* list : {&formats_, &kinds_})
    for (const std::string& f : *list) (names.empty() ? names : names += " | ") += f;
  opts.add_options()(
      short_format ? "format,f" : "format", po::value(&format),
      ("output format: " + names + " (default: table on a terminal, else " + formats_.front() + ")").c_str())(
      "output,o", po::value(&output), "write to this file (written under a temporary name, renamed when complete)")(
      "quiet,q", po::bool_switch(&quiet), "no progress bar and no summary on stderr (warnings still)");
  if (std::find(formats.begin(), formats.end(), output::Format::Csv) != formats.end())
    opts.add_options()("csv-raw", po::bool_switch(&csv_raw),
                       "csv: write every value untouched (by default a cell a spreadsheet would run as a formula, "
                       "starting with = + - @ TAB or CR, gets a ' before it, and a NUL is written \\x00)")(
        "single-line", po::bool_switch(&single_line),
        "csv: a line break inside a value is written \\r / \\n, so that every row is one line (grep, Timeline "
        "Explorer)");
}

std::optional<output::Format> OutputOptions::resolve(bool stdout_is_terminal, std::string& error) const {
  pipeline::set_csv_raw(csv_raw);
  pipeline::set_csv_single_line(single_line);
  std::string name = format;
  if (name.empty()) {
    bool table =
        stdout_is_terminal && output.empty() && std::find(formats_.begin(), formats_.end(), "table") != formats_.end();
    name = table ? "table" : formats_.front();
  }
  if (wants_kind(name)) return std::nullopt;
  if (std::find(formats_.begin(), formats_.end(), name) == formats_.end()) {
    error = "unknown format '" + name + "'";
    return std::nullopt;
  }
  // Timesketch's importer takes a JSON lines file only by its extension.
  if (name == "timesketch" && !output.empty() && output != "-" && output.rfind("/dev/", 0) != 0 &&
      std::filesystem::path(output).extension() != ".jsonl") {
    error = "--format timesketch: Timesketch imports JSON lines only from a file named .jsonl: -o " + output +
            " (name it " + std::filesystem::path(output).replace_extension(".jsonl").string() + ")";
    return std::nullopt;
  }
  return output::parse_format(name);
}

std::optional<std::string> OutputOptions::check(bool stdout_is_terminal, std::optional<output::Format>& f) const {
  std::string error;
  f = resolve(stdout_is_terminal, error);
  if (!f && !wants_kind(format)) return error;
  return std::nullopt;
}

bool OutputOptions::wants_kind(std::string_view kind) const {
  return format == kind && std::find(kinds_.begin(), kinds_.end(), kind) != kinds_.end();
}

}  // namespace cli
