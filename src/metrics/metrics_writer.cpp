#include "metrics/metrics_writer.h"

#include "evtx/value.h"
#include "pipeline/event_writer.h"

namespace metrics {
namespace {

void key(std::string& out, const char* k) {
  out += ",\"";
  out += k;
  out += "\":";
}

void json_text(std::string& out, const char* k, const std::string& v) {
  key(out, k);
  if (v.empty())
    out += "null";
  else
    evtx::append_json_string(out, v);
}

void json_number(std::string& out, const char* k, uint64_t v) {
  key(out, k);
  out += std::to_string(v);
}

void json_time(std::string& out, const char* k, normalize::Ticks t) {
  json_text(out, k, t ? output::format_time(t) : "");
}

std::string time_text(normalize::Ticks t) { return t ? output::format_time(t) : std::string(); }

void csv_row(std::string& out, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    pipeline::append_csv_cell(out, cells[i]);
  }
  out += '\n';
}

void write_count(std::string& out, const CountRow& c, output::Format f, const output::TableStyle& style) {
  switch (f) {
    case output::Format::Csv:
      csv_row(out, {"count", c.host, c.channel, c.provider, std::to_string(c.event_id), c.name, std::to_string(c.count),
                    time_text(c.first), time_text(c.last), "", "", ""});
      return;
    case output::Format::Table:
      output::append_cell(out, std::to_string(c.count), 9);
      output::append_cell(out, time_text(c.first), output::time_width());
      output::append_cell(out, time_text(c.last), output::time_width());
      output::append_cell(out, c.host, 20);
      output::append_cell(out, std::to_string(c.event_id), 6);
      output::append_cell(out, c.channel, 24);
      output::append_cell(out, c.name.empty() ? c.provider : c.name, style.width > 140 ? style.width - 120 : 20, true);
      out += '\n';
      return;
    default:
      out += "{\"kind\":\"count\"";
      json_text(out, "host", c.host);
      json_text(out, "channel", c.channel);
      json_text(out, "provider", c.provider);
      json_number(out, "event_id", c.event_id);
      json_text(out, "name", c.name);
      json_number(out, "count", c.count);
      json_time(out, "first_time", c.first);
      json_time(out, "last_time", c.last);
      out += "}\n";
  }
}

void write_sequence(std::string& out, const Sequence& s, output::Format f, const output::TableStyle& style) {
  switch (f) {
    case output::Format::Csv:
      csv_row(out, {"sequence", s.host, s.channel, "", "", "", std::to_string(s.records), "", "", s.file, "",
                    sequence_summary(s)});
      return;
    case output::Format::Table:
      output::append_cell(out, "sequence", 22);
      output::append_cell(out, s.host, 20);
      output::append_cell(out, s.channel, 24);
      output::append_cell(out, sequence_summary(s) + "  [" + s.file + "]", style.width > 100 ? style.width - 70 : 30,
                          true);
      out += '\n';
      return;
    default:
      out += "{\"kind\":\"sequence\"";
      json_text(out, "file", s.file);
      json_text(out, "host", s.host);
      json_text(out, "channel", s.channel);
      json_number(out, "records", s.records);
      json_number(out, "first_record_id", s.first_record);
      json_number(out, "last_record_id", s.last_record);
      json_number(out, "missing_records", s.missing);
      json_number(out, "record_gaps", s.gaps);
      json_number(out, "record_id_order", s.id_order);
      json_number(out, "time_order", s.time_order);
      json_number(out, "time_gaps", s.time_gaps);
      out += "}\n";
  }
}

void write_issue(std::string& out, const Issue& i, output::Format f, const output::TableStyle& style) {
  switch (f) {
    case output::Format::Csv:
      csv_row(out, {i.kind_name(), i.host, i.channel, "", i.event_id ? std::to_string(i.event_id) : "", "",
                    i.missing ? std::to_string(i.missing) : "", time_text(i.before_time), time_text(i.time), i.file,
                    std::to_string(i.record), i.details});
      return;
    case output::Format::Table:
      output::append_cell(out, i.kind_name(), 22);
      output::append_cell(out, time_text(i.time), output::time_width());
      output::append_cell(out, i.host, 20);
      output::append_cell(out, i.details + "  [" + i.file + " #" + std::to_string(i.record) + "]",
                          style.width > 100 ? style.width - 74 : 20, true);
      out += '\n';
      return;
    default:
      out += "{\"kind\":";
      evtx::append_json_string(out, i.kind_name());
      json_text(out, "host", i.host);
      json_text(out, "channel", i.channel);
      json_text(out, "file", i.file);
      json_number(out, "record_id", i.record);
      json_time(out, "time", i.time);
      if (i.kind == IssueKind::Event) {
        json_number(out, "event_id", i.event_id);
      } else {
        json_number(out, "before_record_id", i.before_record);
        json_time(out, "before_time", i.before_time);
      }
      if (i.kind == IssueKind::RecordGap) json_number(out, "missing", i.missing);
      json_text(out, "details", i.details);
      out += "}\n";
  }
}

}  // namespace

std::string sequence_summary(const Sequence& f) {
  std::string s = "records #" + std::to_string(f.first_record) + "-#" + std::to_string(f.last_record) + " (" +
                  std::to_string(f.records) + " read)";
  auto add = [&s](uint64_t n, const std::string& what) {
    if (n) s += ", " + std::to_string(n) + " " + what;
  };
  if (f.gaps) s += ", " + std::to_string(f.missing) + " missing in " + std::to_string(f.gaps) + " gaps";
  add(f.id_order, "record ids going back");
  add(f.time_order, "records out of time order");
  add(f.time_gaps, "time gaps");
  if (f.first_record > 1) s += "; records before #" + std::to_string(f.first_record) + " were overwritten or cleared";
  return s;
}

std::string metrics_text(const Metrics& m, WriteParts parts, output::Format format, const output::TableStyle& style) {
  std::string out;
  if (format == output::Format::Csv)
    out = "Kind,Host,Channel,Provider,EventID,Name,Count,FirstTime,LastTime,File,RecordID,Details\n";
  if (parts.counts) {
    if (format == output::Format::Table) {
      output::append_cell(out, "Count", 9);
      output::append_cell(out, "First", output::time_width());
      output::append_cell(out, "Last", output::time_width());
      output::append_cell(out, "Host", 20);
      output::append_cell(out, "Event", 6);
      output::append_cell(out, "Channel", 24);
      output::append_cell(out, "Name", 20, true);
      out += '\n';
    }
    for (const CountRow& c : m.counts) write_count(out, c, format, style);
  }
  if (parts.integrity) {
    if (format == output::Format::Table) {
      if (parts.counts) out += '\n';
      out += "Log integrity\n";
    }
    for (const Sequence& s : m.sequences) write_sequence(out, s, format, style);
    for (const Issue& i : m.issues) write_issue(out, i, format, style);
  }
  return out;
}

}  // namespace metrics
