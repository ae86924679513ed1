#include "timeline/finding_writer.h"

#include <initializer_list>
#include <utility>

#include "evtx/value.h"
#include "pipeline/event_writer.h"

namespace timeline {
namespace {

using norm::Field;
using norm::FieldValue;

void append_value(std::string& out, const FieldValue& v) {
  switch (v.kind) {
    case FieldValue::Kind::Unknown: out += "null"; break;
    case FieldValue::Kind::Int: out += std::to_string(v.i); break;
    default: evtx::append_json_string(out, pipeline::field_text(v)); break;
  }
}

void append_key(std::string& out, const std::string& k) {
  evtx::append_json_string(out, k);
  out += ':';
}

// "key":["a","b"],
void append_string_list(std::string& out, const std::string& key, const std::vector<std::string>& values) {
  append_key(out, key);
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    evtx::append_json_string(out, values[i]);
  }
  out += "],";
}

// Ticks as seconds with every digit kept and no trailing zeros: "-0.968", "7.5", "0".
std::string seconds_text(norm::Ticks t) {
  std::string s = t < 0 ? "-" : "";
  uint64_t a = t < 0 ? static_cast<uint64_t>(-(t + 1)) + 1 : static_cast<uint64_t>(t);
  s += std::to_string(a / norm::kTicksPerSecond);
  std::string frac = std::to_string(a % norm::kTicksPerSecond);
  frac.insert(0, 7 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) s += "." + frac;
  return s;
}

// "links":[{"side":"source","DeviceName":...}]: the other ends of a movement.
void append_links(std::string& out, const std::vector<replay::LinkedFinding>& links) {
  append_key(out, "links");
  out += '[';
  for (size_t i = 0; i < links.size(); ++i) {
    const replay::LinkedFinding& l = links[i];
    if (i) out += ',';
    out += '{';
    for (const auto& [key, value] : std::initializer_list<std::pair<const char*, const std::string&>>{
             {"side", l.side}, {"DeviceName", l.device_name}, {"rule_id", l.rule_id}}) {
      append_key(out, key);
      evtx::append_json_string(out, value);
      out += ',';
    }
    append_key(out, "Timestamp");
    append_value(out, FieldValue::time(l.timestamp));
    out += ",\"clock_offset_seconds\":" + seconds_text(l.clock_offset);
    for (const auto& [key, value] :
         std::initializer_list<std::pair<const char*, const std::string&>>{{"process", l.process},
                                                                           {"command_line", l.command_line},
                                                                           {"account", l.account},
                                                                           {"record", l.record},
                                                                           {"matched_by", l.matched_by}}) {
      out += ',';
      append_key(out, key);
      evtx::append_json_string(out, value);
    }
    out += '}';
  }
  out += ']';
}

std::string record_of(const replay::Evidence& e) {
  const norm::NormalizedEvent& ev = *e.event;
  return ev[Field::SourceFile].s + "#" + std::to_string(ev[Field::EventRecordID].i);
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) (s.empty() ? s : s += sep) += x;
  return s;
}

// "stage: file#record (EventID n); ..." in evidence order.
std::string evidence_text(const replay::Finding& f) {
  std::string s;
  for (const replay::Evidence& e : f.evidence) {
    if (!s.empty()) s += "; ";
    s += e.stage + ": " + record_of(e) + " (EventID " + std::to_string((*e.event)[Field::EventID].i) + ")";
  }
  return s;
}

// "name=value; ..." of the summarize-by fields, unknown values as "?".
std::string fields_text(const replay::Finding& f) {
  std::string s;
  for (const auto& [name, v] : f.fields) {
    if (!s.empty()) s += "; ";
    s += name + "=" + (v.known() ? pipeline::field_text(v) : "?");
  }
  return s;
}

std::string collected_text(const replay::Finding& f) {
  std::string s;
  for (const auto& [name, values] : f.collected) {
    if (!s.empty()) s += "; ";
    s += name + "=[";
    for (size_t i = 0; i < values.size(); ++i) (i ? s += ", " : s) += pipeline::field_text(values[i]);
    s += "]";
  }
  return s;
}

void append_csv(std::string& out, const replay::Finding& f) {
  append_time(out, f.timestamp);
  for (const std::string& cell : {f.device_name, std::string(rules::level_name(f.level)), f.rule_id, f.title,
                                  std::string(f.confidence()), joined(f.assumptions, "; "), evidence_text(f),
                                  fields_text(f), collected_text(f), joined(f.tags, " "), joined(f.notes, "; ")}) {
    out += ',';
    pipeline::append_csv_cell(out, cell);
  }
  out += '\n';
}

void append_timesketch(std::string& out, const replay::Finding& f) {
  out += "{\"message\":";
  evtx::append_json_string(out, "[" + std::string(rules::level_name(f.level)) + "] " + f.title + " on " +
                                    f.device_name + ": " + fields_text(f));
  out += ",\"datetime\":\"";
  append_time(out, f.timestamp);
  out += "\",\"timestamp\":" + std::to_string(unix_micros(f.timestamp));
  out += ",\"timestamp_desc\":\"Finding (first evidence)\"";
  for (const auto& [key, value] :
       std::initializer_list<std::pair<const char*, std::string>>{{"DeviceName", f.device_name},
                                                                  {"rule_id", f.rule_id},
                                                                  {"title", f.title},
                                                                  {"level", rules::level_name(f.level)},
                                                                  {"confidence", f.confidence()},
                                                                  {"assumptions", joined(f.assumptions, "; ")},
                                                                  {"evidence", evidence_text(f)},
                                                                  {"fields", fields_text(f)},
                                                                  {"collected", collected_text(f)},
                                                                  {"notes", joined(f.notes, "; ")}}) {
    out += ',';
    append_key(out, key);
    evtx::append_json_string(out, value);
  }
  out += ",\"tag\":[";
  evtx::append_json_string(out, f.rule_id);
  for (const std::string& t : f.tags) {
    out += ',';
    evtx::append_json_string(out, t);
  }
  out += "]}\n";
}

void append_table(std::string& out, const replay::Finding& f, const TableStyle& style) {
  append_cell(out, format_time(f.timestamp), 28);
  append_level(out, f.level, 9, style.colour);
  append_cell(out, f.device_name, 18);
  append_cell(out, f.confidence(), 7);
  // The other end of a movement first: it is what the row cannot say otherwise.
  std::string text = f.title;
  for (const replay::LinkedFinding& l : f.links)
    text += " | " + l.side + " end: " + l.device_name + " " + l.process + (l.account.empty() ? "" : " " + l.account) +
            " (" + l.rule_id + ")";
  text += " | " + fields_text(f);
  if (!f.collected.empty()) text += " | " + collected_text(f);
  size_t used = 29 + 10 + 19 + 8;
  append_cell(out, text, style.width > used + 10 ? style.width - used : 10, true);
  out += '\n';
}

}  // namespace

void append_finding_json(std::string& out, const replay::Finding& f) {
  out += '{';
  append_key(out, "rule_id");
  evtx::append_json_string(out, f.rule_id);
  out += ',';
  append_key(out, "title");
  evtx::append_json_string(out, f.title);
  out += ',';
  append_key(out, "level");
  evtx::append_json_string(out, rules::level_name(f.level));
  out += ',';
  append_key(out, "confidence");
  evtx::append_json_string(out, f.confidence());
  out += ',';
  append_key(out, "DeviceName");
  evtx::append_json_string(out, f.device_name);
  out += ',';
  append_key(out, "Timestamp");
  append_value(out, FieldValue::time(f.timestamp));
  out += ',';
  append_string_list(out, "assumptions", f.assumptions);
  append_string_list(out, "tags", f.tags);
  append_string_list(out, "notes", f.notes);
  append_key(out, "evidence");
  out += '[';
  for (size_t i = 0; i < f.evidence.size(); ++i) {
    const norm::NormalizedEvent& ev = *f.evidence[i].event;
    if (i) out += ',';
    out += '{';
    append_key(out, "stage");
    evtx::append_json_string(out, f.evidence[i].stage);
    for (Field field : {Field::Timestamp, Field::SourceFile, Field::EventRecordID, Field::EventID}) {
      out += ',';
      append_key(out, norm::field_name(field));
      append_value(out, ev[field]);
    }
    out += '}';
  }
  out += "],";
  append_key(out, "fields");
  out += '{';
  for (size_t i = 0; i < f.fields.size(); ++i) {
    if (i) out += ',';
    append_key(out, f.fields[i].first);
    append_value(out, f.fields[i].second);
  }
  out += "},";
  append_key(out, "collected");
  out += '{';
  for (size_t i = 0; i < f.collected.size(); ++i) {
    if (i) out += ',';
    append_key(out, f.collected[i].first);
    out += '[';
    for (size_t j = 0; j < f.collected[i].second.size(); ++j) {
      if (j) out += ',';
      append_value(out, f.collected[i].second[j]);
    }
    out += ']';
  }
  out += '}';
  if (!f.links.empty()) {
    out += ',';
    append_links(out, f.links);
  }
  out += '}';
}

std::string findings_header(Format f, const TableStyle& style) {
  if (f == Format::Csv)
    return "Timestamp,DeviceName,Level,RuleId,Title,Confidence,Assumptions,Evidence,Fields,Collected,Tags,Notes\n";
  if (f != Format::Table) return {};
  std::string out;
  append_cell(out, "Timestamp", 28);
  append_cell(out, "Level", 9);
  append_cell(out, "DeviceName", 18);
  append_cell(out, "Conf.", 7);
  append_cell(out, "Finding", style.width > 76 ? style.width - 66 : 10, true);
  return out + "\n";
}

void append_finding(std::string& out, const replay::Finding& f, Format format, const TableStyle& style) {
  switch (format) {
    case Format::Jsonl:
      append_finding_json(out, f);
      out += '\n';
      break;
    case Format::Csv: append_csv(out, f); break;
    case Format::Timesketch: append_timesketch(out, f); break;
    case Format::Table: append_table(out, f, style); break;
  }
}

}  // namespace timeline
