// Findings in each --format: JSON lines (the whole finding: evidence chain, details, summarized
// fields, collected values, the linked findings at a movement's other end), CSV in the order
// findings_header() names, flat JSON for Timesketch (the first evidence's record and key fields
// as fields of their own, a clashing name prefixed detail_), the terminal table, and ECS through
// ecs_writer.cpp. Called by the scan and merge commands.
#include "output/finding_writer.h"

#include <cctype>
#include <initializer_list>
#include <set>
#include <utility>

#include "evtx/value.h"
#include "output/ecs_writer.h"
#include "pipeline/event_writer.h"
#include "text/ascii_case.h"

namespace output {
namespace {

// Widths of the table's columns between the Timestamp and the last, each with its space.
constexpr size_t kOtherColumns = 10 + 19 + 8;

using normalize::Field;
using normalize::FieldValue;

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
std::string seconds_text(normalize::Ticks t) {
  std::string s = t < 0 ? "-" : "";
  uint64_t a = t < 0 ? static_cast<uint64_t>(-(t + 1)) + 1 : static_cast<uint64_t>(t);
  s += std::to_string(a / normalize::kTicksPerSecond);
  std::string frac = std::to_string(a % normalize::kTicksPerSecond);
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

std::string record_of(const replay::EvidenceStep& e) {
  const normalize::NormalizedEvent& ev = *e.event;
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
  for (const replay::EvidenceStep& e : f.evidence) {
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

// "Name: value ¦ Name: value" of one record's key fields.
std::string step_details(const replay::EvidenceStep& e) {
  std::string s;
  for (size_t i = 0; i < e.details.size(); ++i) {
    if (i) s += " \xC2\xA6 ";  // " ¦ "
    s += e.details[i].first + ": " + e.details[i].second;
  }
  return s;
}

// The matched record's details; a chain's steps each, "stage: " before, " ‖ " between.
std::string details_text(const replay::Finding& f) {
  if (f.evidence.size() == 1) return step_details(f.evidence[0]);
  std::string s;
  for (const replay::EvidenceStep& e : f.evidence) {
    if (e.details.empty()) continue;
    if (!s.empty()) s += " \xE2\x80\x96 ";
    s += e.stage + ": " + step_details(e);
  }
  return s;
}

// {"Name":"value",...}
void append_details_object(std::string& out, const std::vector<std::pair<std::string, std::string>>& details) {
  out += '{';
  for (size_t i = 0; i < details.size(); ++i) {
    if (i) out += ',';
    append_key(out, details[i].first);
    evtx::append_json_string(out, details[i].second);
  }
  out += '}';
}

void append_csv(std::string& out, const replay::Finding& f) {
  append_time(out, f.timestamp);
  for (const std::string& cell :
       {f.device_name, std::string(rules::level_name(f.level)), f.rule_id, f.title, details_text(f),
        std::string(f.confidence()), joined(f.assumptions, "; "), evidence_text(f), fields_text(f), collected_text(f),
        joined(f.tags, " "), joined(f.notes, "; ")}) {
    out += ',';
    pipeline::append_csv_cell(out, cell);
  }
  out += '\n';
}

void append_timesketch(std::string& out, const replay::Finding& f) {
  out += "{\"message\":";
  // The message: the first record's details (the whole chain's are in "details").
  std::string first = f.evidence.empty() ? std::string() : step_details(f.evidence[0]);
  std::string details = details_text(f);
  evtx::append_json_string(out, "[" + std::string(rules::level_name(f.level)) + "] " + f.title + " on " +
                                    f.device_name + ": " + (first.empty() ? fields_text(f) : first));
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
                                                                  {"notes", joined(f.notes, "; ")},
                                                                  {"details", details}}) {
    out += ',';
    append_key(out, key);
    evtx::append_json_string(out, value);
  }
  // The first evidence's record as fields of their own: where it is (file,
  // record, channel, event id) and the normalized process, account and
  // addresses (Defender's names), for Timesketch's filters and columns.
  static constexpr Field kRecordFields[] = {
      Field::EventID,       Field::EventRecordID,   Field::Channel, Field::SourceFile, Field::ProcessCommandLine,
      Field::AccountDomain, Field::AccountName,     Field::LocalIP, Field::LocalPort,  Field::RemoteIP,
      Field::RemotePort,    Field::RemoteDeviceName};
  const normalize::NormalizedEvent* first_event = f.evidence.empty() ? nullptr : f.evidence[0].event.get();
  if (first_event)
    for (Field field : kRecordFields)
      if ((*first_event)[field].known()) {
        out += ',';
        append_key(out, normalize::field_name(field));
        append_value(out, (*first_event)[field]);
      }
  // Flat: each key field of the matched record its own field (a name the
  // row already uses gets "detail_" before it).
  static const std::set<std::string, std::less<>> kTaken = [] {
    std::set<std::string, std::less<>> taken = {
        "message",    "datetime",    "timestamp", "timestamp_desc", "DeviceName", "rule_id", "title",   "level",
        "confidence", "assumptions", "evidence",  "fields",         "collected",  "notes",   "details", "tag"};
    for (Field field : kRecordFields) taken.emplace(normalize::field_name(field));
    return taken;
  }();
  if (!f.evidence.empty())
    for (const auto& [name, value] : f.evidence[0].details) {
      out += ',';
      append_key(out, kTaken.count(name) ? "detail_" + name : name);
      evtx::append_json_string(out, value);
    }
  out += ",\"tag\":[";
  std::vector<std::string> tags = timesketch_tags(f.title, f.level, f.tags);
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i) out += ',';
    evtx::append_json_string(out, tags[i]);
  }
  out += "]}\n";
}

void append_table(std::string& out, const replay::Finding& f, const TableStyle& style) {
  append_cell(out, format_time(f.timestamp), time_width());
  append_level(out, f.level, 9, style.colour);
  append_cell(out, f.device_name, 18);
  append_cell(out, f.confidence(), 7);
  // The other end of a movement first: it is what the row cannot say otherwise.
  std::string text = style.rule_ids ? f.title + " [" + f.rule_id + "]" : f.title;
  for (const replay::LinkedFinding& l : f.links)
    text += " | " + l.side + " end: " + l.device_name + " " + l.process + (l.account.empty() ? "" : " " + l.account) +
            " (" + l.rule_id + ")";
  if (std::string details = details_text(f); !details.empty()) text += " | " + details;
  text += " | " + fields_text(f);
  if (!f.collected.empty()) text += " | " + collected_text(f);
  append_cell(out, text, last_column_width(style, kOtherColumns), true);
  out += '\n';
}

}  // namespace

// Timesketch tags: the rule's title and level, then its tags, ATT&CK
// technique ids also as T1021.003.
std::vector<std::string> timesketch_tags(const std::string& title, rules::Level level,
                                         const std::vector<std::string>& tags) {
  std::vector<std::string> out{"rule:" + title, "level:" + std::string(rules::level_name(level))};
  for (const std::string& t : tags) {
    out.push_back(t);
    if (t.size() > 8 && t.compare(0, 8, "attack.t") == 0 && std::isdigit(static_cast<unsigned char>(t[8]))) {
      std::string id = "T" + t.substr(8);
      text::upper_in_place(id);
      out.push_back(std::move(id));
    }
  }
  return out;
}

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
    const normalize::NormalizedEvent& ev = *f.evidence[i].event;
    if (i) out += ',';
    out += '{';
    append_key(out, "stage");
    evtx::append_json_string(out, f.evidence[i].stage);
    for (Field field : {Field::Timestamp, Field::SourceFile, Field::EventRecordID, Field::EventID}) {
      out += ',';
      append_key(out, normalize::field_name(field));
      append_value(out, ev[field]);
    }
    if (f.evidence.size() > 1) {  // a chain: each step's record says its own
      out += ',';
      append_key(out, "details");
      append_details_object(out, f.evidence[i].details);
    }
    out += '}';
  }
  out += "],";
  append_key(out, "details");
  append_details_object(
      out, f.evidence.empty() ? std::vector<std::pair<std::string, std::string>>{} : f.evidence[0].details);
  out += ',';
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
    return "Timestamp,DeviceName,Level,RuleId,Title,Details,Confidence,Assumptions,Evidence,Fields,Collected,Tags,"
           "Notes\n";
  if (f != Format::Table) return {};
  std::string out;
  append_cell(out, "Timestamp", time_width());
  append_cell(out, "Level", 9);
  append_cell(out, "DeviceName", 18);
  append_cell(out, "Conf.", 7);
  append_cell(out, "Finding", last_column_width(style, kOtherColumns), true);
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
    case Format::Ecs: append_ecs_finding(out, f); break;
    case Format::Table: append_table(out, f, style); break;
  }
}

}  // namespace output
