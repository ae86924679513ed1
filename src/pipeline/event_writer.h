// Writes normalized events as JSON lines or CSV rows (the `normalize` output).
#pragma once

#include <string>

#include "normalize/normalized_event.h"

namespace pipeline {

// The value as text: times ISO 8601 UTC with 100 ns digits, integers decimal.
std::string field_text(const normalize::FieldValue& v);

// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break.
// Safe to open in a spreadsheet: a cell a spreadsheet would run as a formula
// (starting with =, +, -, @, TAB or CR; a number such as -5 excepted) is
// written with a ' before it, and a NUL as \x00 (the text ends there in most
// tools). set_csv_raw(true) (--csv-raw) writes every value untouched.
void append_csv_cell(std::string& out, std::string_view s);
void set_csv_raw(bool raw);
// set_csv_single_line(true) (--single-line): a CR or LF inside a value is
// written \r or \n, so that each row is one line (grep, Timeline Explorer's
// line count); a backslash already in a value is left as it is.
void set_csv_single_line(bool single);
// A value as JSON: null, a number, or a string.
void append_json_value(std::string& out, const normalize::FieldValue& v);

// Columns: Table, every schema field but LastBootTime, TimestampSource,
// TimestampNote, DirectionEvidence.
std::string csv_header();
void append_csv_row(std::string& out, const normalize::NormalizedEvent& ev);
// One object; unknown values are null.
void append_json(std::string& out, const normalize::NormalizedEvent& ev);

}  // namespace pipeline
