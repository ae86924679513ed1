#include "pipeline/event_writer.h"

#include "evtx/value.h"
#include "pipeline/time_zone.h"

#include <atomic>

namespace pipeline {
namespace {

using normalize::Field;

bool written(Field f) { return f != Field::LastBootTime; }

}  // namespace

namespace {

std::atomic<bool> g_csv_raw{false};
std::atomic<bool> g_csv_single_line{false};

// -5, +3, 12.5: a number, which a spreadsheet should read as one.
bool is_number(std::string_view s) {
  size_t i = (s.front() == '-' || s.front() == '+') ? 1 : 0, digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  return digits > 0 && i == s.size();
}

// Excel, LibreOffice and Timeline Explorer run a cell starting with one of
// these as a formula (=HYPERLINK(...), +cmd|' /C calc'!A0, @SUM(...)).
bool formula_start(std::string_view s) {
  return !s.empty() &&
         (s.front() == '=' || s.front() == '+' || s.front() == '-' || s.front() == '@' || s.front() == '\t' ||
          s.front() == '\r') &&
         !is_number(s);
}

}  // namespace

void set_csv_raw(bool raw) { g_csv_raw = raw; }
void set_csv_single_line(bool single) { g_csv_single_line = single; }

void append_csv_cell(std::string& out, std::string_view s) {
  bool raw = g_csv_raw.load(std::memory_order_relaxed);
  bool single = g_csv_single_line.load(std::memory_order_relaxed);
  bool guard = !raw && formula_start(s);
  bool nul = !raw && s.find('\0') != std::string_view::npos;
  if (!guard && !nul && s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  if (guard) out += '\'';
  for (char c : s) {
    if (c == '"') out += '"';
    if (c == '\0' && !raw)
      out += "\\x00";
    else if (single && c == '\r')
      out += "\\r";
    else if (single && c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += '"';
}

void append_json_value(std::string& out, const normalize::FieldValue& v) {
  if (v.kind == normalize::FieldValue::Kind::Unknown)
    out += "null";
  else if (v.kind == normalize::FieldValue::Kind::Int)
    out += std::to_string(v.i);
  else
    evtx::append_json_string(out, field_text(v));
}

std::string field_text(const normalize::FieldValue& v) {
  switch (v.kind) {
    case normalize::FieldValue::Kind::Unknown: return {};
    case normalize::FieldValue::Kind::String: return v.s;
    case normalize::FieldValue::Kind::Int: return std::to_string(v.i);
    case normalize::FieldValue::Kind::Time: {
      std::string out;
      append_time_in_zone(out, v.i);
      return out;
    }
  }
  return {};
}

std::string csv_header() {
  std::string h = "Table";
  for (size_t i = 0; i < normalize::kFieldCount; ++i) {
    Field f = static_cast<Field>(i);
    if (!written(f)) continue;
    h += ',';
    h += normalize::field_name(f);
  }
  h += ",TimestampSource,TimestampNote,DirectionEvidence\n";
  return h;
}

void append_csv_row(std::string& out, const normalize::NormalizedEvent& ev) {
  out += normalize::table_name(ev.table);
  for (size_t i = 0; i < normalize::kFieldCount; ++i) {
    Field f = static_cast<Field>(i);
    if (!written(f)) continue;
    out += ',';
    append_csv_cell(out, field_text(ev[f]));
  }
  out += ',';
  out += normalize::time_source_name(ev.time_source);
  out += ',';
  append_csv_cell(out, ev.timestamp_note);
  out += ',';
  append_csv_cell(out, ev.direction_evidence);
  out += '\n';
}

void append_json(std::string& out, const normalize::NormalizedEvent& ev) {
  out += "{\"Table\":";
  evtx::append_json_string(out, normalize::table_name(ev.table));
  for (size_t i = 0; i < normalize::kFieldCount; ++i) {
    Field f = static_cast<Field>(i);
    if (!written(f)) continue;
    out += ',';
    evtx::append_json_string(out, normalize::field_name(f));
    out += ':';
    append_json_value(out, ev[f]);
  }
  out += ",\"TimestampSource\":";
  evtx::append_json_string(out, normalize::time_source_name(ev.time_source));
  if (!ev.timestamp_note.empty()) {
    out += ",\"TimestampNote\":";
    evtx::append_json_string(out, ev.timestamp_note);
  }
  if (!ev.direction_evidence.empty()) {
    out += ",\"DirectionEvidence\":";
    evtx::append_json_string(out, ev.direction_evidence);
  }
  out += '}';
}

}  // namespace pipeline
