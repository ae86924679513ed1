// A KQL result table as evtxhunt writes it: table (aligned, for a terminal),
// csv (one header row), jsonl (one object per row, typed: numbers, bools,
// dynamic as JSON, datetimes in the run's zone), timesketch (jsonl with
// message, datetime, timestamp and timestamp_desc from the row's first
// datetime column: Timestamp or TimeGenerated where there is one).
#pragma once

#include <optional>
#include <string>

#include "kql/table.h"
#include "output/format.h"
#include "output/table.h"

namespace tables {

// nullopt with `error` set when the format cannot carry the table
// (timesketch without a datetime column).
std::optional<std::string> result_text(const kql::Table& table, output::Format format, const output::TableStyle& style,
                                       std::string& error);

}  // namespace tables
