#include "tables/result_writer.h"

#include <algorithm>

#include "evtx/value.h"
#include "pipeline/event_writer.h"
#include "rules/text_match.h"

namespace tables {
namespace {

using kql::Type;
using kql::Value;

// A cell's text: datetimes in the run's zone, the rest as tostring() gives it.
std::string cell(const Value& v) {
  if (v.null) return "";
  if (v.type == Type::DateTime) return output::format_time(v.i);
  return kql::to_text(v);
}

void append_json(std::string& out, const Value& v) {
  if (v.null) {
    out += "null";
    return;
  }
  switch (v.type) {
    case Type::Bool:
    case Type::Long:
    case Type::Real: out += kql::to_json(v).dump(); return;
    case Type::Dynamic: out += v.d ? v.d->dump(-1, ' ', false, kql::Json::error_handler_t::replace) : "null"; return;
    default: evtx::append_json_string(out, cell(v));
  }
}

std::optional<size_t> time_column(const kql::Table& t) {
  for (const char* name : {"Timestamp", "TimeGenerated"})
    if (auto c = t.find(name); c && t.columns[*c].type == Type::DateTime) return c;
  for (size_t c = 0; c < t.columns.size(); ++c)
    if (t.columns[c].type == Type::DateTime) return c;
  return std::nullopt;
}

std::string table_text(const kql::Table& t, const output::TableStyle& style) {
  // Each column as wide as its widest cell (at most 60), the last one cut to the terminal.
  std::vector<size_t> width(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c) {
    width[c] = rules::utf8_length(t.columns[c].name);
    for (const kql::Row& r : t.rows)
      width[c] = std::max(width[c], std::min<size_t>(60, rules::utf8_length(cell(r[c]))));
  }
  auto line = [&](auto text_of) {
    std::string out;
    size_t used = 0;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      bool last = c + 1 == t.columns.size();
      size_t w = last ? (style.width > used ? std::max<size_t>(style.width - used, 10) : 10) : width[c];
      output::append_cell(out, text_of(c), last ? std::min(w, std::max(width[c], size_t{1})) : w, last);
      used += w + 1;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line([&](size_t c) { return t.columns[c].name; });
  for (const kql::Row& r : t.rows) out += line([&](size_t c) { return cell(r[c]); });
  return out;
}

}  // namespace

std::optional<std::string> result_text(const kql::Table& t, output::Format format, const output::TableStyle& style,
                                       std::string& error) {
  std::string out;
  switch (format) {
    case output::Format::Table: return table_text(t, style);
    case output::Format::Csv: {
      for (size_t c = 0; c < t.columns.size(); ++c) {
        if (c) out += ',';
        pipeline::append_csv_cell(out, t.columns[c].name);
      }
      out += "\r\n";
      for (const kql::Row& r : t.rows) {
        for (size_t c = 0; c < r.size(); ++c) {
          if (c) out += ',';
          pipeline::append_csv_cell(out, cell(r[c]));
        }
        out += "\r\n";
      }
      return out;
    }
    case output::Format::Ecs:  // not offered by query: its rows are a KQL result's columns
    case output::Format::Jsonl:
    case output::Format::Timesketch: {
      std::optional<size_t> time = time_column(t);
      bool sketch = format == output::Format::Timesketch;
      if (sketch && !time) {
        error = "--format timesketch needs a datetime column in the result (Timestamp, TimeGenerated, ...)";
        return std::nullopt;
      }
      for (const kql::Row& r : t.rows) {
        out += '{';
        if (sketch) {
          std::string message;
          for (size_t c = 0; c < r.size() && message.size() < 300; ++c) {
            if (c == *time || r[c].null || cell(r[c]).empty()) continue;
            message += (message.empty() ? "" : "; ") + t.columns[c].name + "=" + cell(r[c]);
          }
          out += "\"message\":";
          evtx::append_json_string(out, message);
          bool has_time = !r[*time].null;
          out += ",\"datetime\":";
          if (has_time)
            evtx::append_json_string(out, output::format_time(r[*time].i));
          else
            out += "null";
          out += ",\"timestamp\":" + (has_time ? std::to_string(output::unix_micros(r[*time].i)) : std::string("null"));
          out += ",\"timestamp_desc\":";
          evtx::append_json_string(out, t.columns[*time].name);
        }
        for (size_t c = 0; c < r.size(); ++c) {
          if (c || sketch) out += ',';
          std::string name = t.columns[c].name;
          // Timesketch keeps message, datetime, timestamp and timestamp_desc for its own.
          if (sketch && (name == "message" || name == "datetime" || name == "timestamp" || name == "timestamp_desc"))
            name = "kql_" + name;
          evtx::append_json_string(out, name);
          out += ':';
          append_json(out, r[c]);
        }
        out += "}\n";
      }
      return out;
    }
  }
  return out;
}

}  // namespace tables
