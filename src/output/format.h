// Output formats of scan and timeline (and the times every command writes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "normalize/normalized_event.h"

namespace output {

enum class Format : uint8_t {
  Table,       // aligned columns for a terminal, level coloured
  Csv,         // RFC 4180, one header row (Timeline Explorer, spreadsheets)
  Jsonl,       // one JSON object per line
  Timesketch,  // JSONL with message, datetime, timestamp, timestamp_desc (Timesketch import)
  Ecs,         // NDJSON in the Elastic Common Schema (ecs_writer.h: Elasticsearch, OpenSearch)
};

// The registry of output formats: one row each, and the sets commands take
// (the first of a set is the default when stdout is not a terminal). A
// command's -f choices, its help text and "unknown format" come from its set
// (cli/command_options.h); each writer dispatches on Format in its own code.
// Adding a format: a Format value, its row, the sets that take it, and its
// case in the writers (event_row, finding_writer, tables/result_writer).
struct FormatInfo {
  Format format;
  const char* name;  // as -f takes it
};
inline constexpr FormatInfo kFormatInfo[] = {
    {Format::Table, "table"},           {Format::Csv, "csv"}, {Format::Jsonl, "jsonl"},
    {Format::Timesketch, "timesketch"}, {Format::Ecs, "ecs"},
};
// Events and findings: scan, timeline, search, merge.
inline constexpr Format kEventFormats[] = {Format::Jsonl, Format::Csv, Format::Timesketch, Format::Ecs, Format::Table};
// Summaries: inventory, logons, metrics, pivot, rules list.
inline constexpr Format kSummaryFormats[] = {Format::Jsonl, Format::Csv, Format::Table};
// A KQL query's result rows.
inline constexpr Format kQueryFormats[] = {Format::Jsonl, Format::Csv, Format::Table, Format::Timesketch};
// Normalized events (normalize): records, no terminal table.
inline constexpr Format kNormalizedFormats[] = {Format::Jsonl, Format::Csv};

// A format's -f name; the format of a name (nullopt for anything else).
std::optional<Format> parse_format(std::string_view name);
const char* format_name(Format f);

// The one timestamp format: ISO 8601 with the records' 100 ns precision, in
// UTC, 2024-03-12T10:47:13.4120000Z, unless --timezone set another zone
// (pipeline/time_zone.h): 2024-03-12T11:47:13.4120000+01:00 (Timesketch,
// Timeline Explorer and Python's datetime.fromisoformat read both).
std::string format_time(normalize::Ticks t);
void append_time(std::string& out, normalize::Ticks t);
// Characters of a time in that format: the table's Timestamp column.
size_t time_width();
// Microseconds since 1970-01-01 (Timesketch's `timestamp`).
int64_t unix_micros(normalize::Ticks t);

// Colour for a terminal: not when NO_COLOR is set (any value) or the output is
// not a terminal.
bool use_colour(bool is_terminal);

}  // namespace output
