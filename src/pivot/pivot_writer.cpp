#include "pivot/pivot_writer.h"

#include "evtx/value.h"
#include "pipeline/event_writer.h"

namespace pivot {
namespace {

std::string joined(const std::set<std::string>& items, const char* sep) {
  std::string s;
  for (const std::string& i : items) (s.empty() ? s : s += sep) += i;
  return s;
}

void append_json_list(std::string& out, const std::set<std::string>& items) {
  out += '[';
  bool first = true;
  for (const std::string& i : items) {
    if (!first) out += ',';
    first = false;
    evtx::append_json_string(out, i);
  }
  out += ']';
}

}  // namespace

std::string pivots_text(const std::vector<Pivot>& pivots, output::Format format, const output::TableStyle& style) {
  std::string out;
  if (format == output::Format::Csv) out = "Kind,Value,Findings,Rules,Hosts,FirstTime,LastTime\n";
  const size_t value_width = style.width > 120 ? style.width - 100 : 20;
  if (format == output::Format::Table) {
    output::append_cell(out, "Kind", 13);
    output::append_cell(out, "Findings", 9);
    output::append_cell(out, "First", output::time_width());
    output::append_cell(out, "Value", value_width);
    output::append_cell(out, "Hosts | rules", 40, true);
    out += '\n';
  }
  for (const Pivot& p : pivots) {
    switch (format) {
      case output::Format::Csv:
        out += kind_name(p.kind);
        out += ',';
        pipeline::append_csv_cell(out, p.value);
        out += ',' + std::to_string(p.findings) + ',';
        pipeline::append_csv_cell(out, joined(p.rules, "; "));
        out += ',';
        pipeline::append_csv_cell(out, joined(p.hosts, "; "));
        out += ',';
        output::append_time(out, p.first);
        out += ',';
        output::append_time(out, p.last);
        out += '\n';
        break;
      case output::Format::Table:
        output::append_cell(out, kind_name(p.kind), 13);
        output::append_cell(out, std::to_string(p.findings), 9);
        output::append_cell(out, output::format_time(p.first), output::time_width());
        output::append_cell(out, p.value, value_width);
        output::append_cell(out, joined(p.hosts, ", ") + " | " + joined(p.rules, "; "), 40, true);
        out += '\n';
        break;
      default:
        out += "{\"kind\":";
        evtx::append_json_string(out, kind_name(p.kind));
        out += ",\"value\":";
        evtx::append_json_string(out, p.value);
        out += ",\"findings\":" + std::to_string(p.findings) + ",\"rules\":";
        append_json_list(out, p.rules);
        out += ",\"hosts\":";
        append_json_list(out, p.hosts);
        out += ",\"first_time\":\"";
        output::append_time(out, p.first);
        out += "\",\"last_time\":\"";
        output::append_time(out, p.last);
        out += "\"}\n";
    }
  }
  return out;
}

}  // namespace pivot
