// Output formats of scan and timeline (and the times every command writes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "normalize/normalized_event.h"

namespace timeline {

enum class Format : uint8_t {
  Table,       // aligned columns for a terminal, level coloured
  Csv,         // RFC 4180, one header row (Timeline Explorer, spreadsheets)
  Jsonl,       // one JSON object per line
  Timesketch,  // JSONL with message, datetime, timestamp, timestamp_desc (Timesketch import)
  Ecs,         // NDJSON in the Elastic Common Schema (ecs_writer.h: Elasticsearch, OpenSearch)
};

// "table", "csv", "jsonl", "timesketch", "ecs"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);
const char* format_name(Format f);

// The one timestamp format: ISO 8601 with the records' 100 ns precision, in
// UTC, 2024-03-12T10:47:13.4120000Z, unless --timezone set another zone
// (pipeline/time_zone.h): 2024-03-12T11:47:13.4120000+01:00 (Timesketch,
// Timeline Explorer and Python's datetime.fromisoformat read both).
std::string format_time(norm::Ticks t);
void append_time(std::string& out, norm::Ticks t);
// Characters of a time in that format: the table's Timestamp column.
size_t time_width();
// Microseconds since 1970-01-01 (Timesketch's `timestamp`).
int64_t unix_micros(norm::Ticks t);

// Colour for a terminal: not when NO_COLOR is set (any value) or the output is
// not a terminal.
bool use_colour(bool is_terminal);

}  // namespace timeline
