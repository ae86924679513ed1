// Writes normalized events as JSON lines or CSV rows (the `normalize` output).
#pragma once

#include <string>

#include "normalize/normalized_event.h"

namespace pipeline {

// The value as text: times ISO 8601 UTC with 100 ns digits, integers decimal.
std::string field_text(const norm::FieldValue& v);

// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break.
void append_csv_cell(std::string& out, std::string_view s);
// A value as JSON: null, a number, or a string.
void append_json_value(std::string& out, const norm::FieldValue& v);

// Columns: Table, every schema field but LastBootTime, TimestampSource,
// TimestampNote, DirectionEvidence.
std::string csv_header();
void append_csv_row(std::string& out, const norm::NormalizedEvent& ev);
// One object; unknown values are null.
void append_json(std::string& out, const norm::NormalizedEvent& ev);

}  // namespace pipeline
