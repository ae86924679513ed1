// Timeline rows in each --format: CSV in Timeline Explorer's columns, JSON lines (Details as an
// object whose keys are worked out once per layout of data names, cached per thread), flat JSON
// for Timesketch, the terminal table, and ECS through ecs_writer.cpp. Also the pieces other
// writers share: the Details text (empty and "-" values left out) and the record's Level name.
// timeline_run.cpp calls it for each replayed event (timeline and search).
#include "output/event_row.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "evtx/value.h"
#include "normalize/record_access.h"
#include "output/ecs_writer.h"
#include "output/finding_writer.h"
#include "pipeline/event_writer.h"

namespace output {
namespace {

// Widths of the table's columns between the Timestamp and the last, each with its space.
constexpr size_t kOtherColumns = 19 + 17 + 10;

// Layouts of data names whose Details keys a thread keeps; past it, it starts over.
constexpr size_t kMaxDetailsLayouts = 4096;

using normalize::Field;

// The normalized columns of a row, in this order.
constexpr Field kColumns[] = {
    Field::ActionType,
    Field::FileName,
    Field::FolderPath,
    Field::ProcessId,
    Field::ProcessCommandLine,
    Field::InitiatingProcessId,
    Field::InitiatingProcessFileName,
    Field::InitiatingProcessCommandLine,
    Field::InitiatingProcessParentFileName,
    Field::AccountDomain,
    Field::AccountName,
    Field::LocalIP,
    Field::LocalPort,
    Field::RemoteIP,
    Field::RemotePort,
    Field::Protocol,
};

const char* kDetailsSeparator = " \xC2\xA6 ";  // " ¦ "

// The highest level among the tags, none when no tags.
std::optional<rules::Level> top_level(const EventRow& row) {
  std::optional<rules::Level> best;
  for (const RowTag* t : row.tags)
    if (!best || t->level > *best) best = t->level;
  return best;
}

// Its name, "" when none.
std::string_view top_level_name(const EventRow& row) {
  std::optional<rules::Level> l = top_level(row);
  return l ? rules::level_name(*l) : "";
}

std::string joined(const EventRow& row, std::string RowTag::*member) {
  std::string s;
  for (const RowTag* t : row.tags) {
    if (!s.empty()) s += "; ";
    s += t->*member;
  }
  return s;
}

std::string value_text(const evtx::RawValue& v) {
  std::string s;
  evtx::append_value_text(s, v);
  return s;
}

void append_json_key(std::string& out, std::string_view k) {
  evtx::append_json_string(out, k);
  out += ':';
}

// The keys of the Details object for these data names, each as "key":
// unnamed fields are "Data", a repeated name gets _1, _2 (dump's convention).
void details_keys(const std::vector<std::string_view>& names, std::vector<std::string>& keys) {
  keys.clear();
  std::vector<std::string> seen;
  for (std::string_view name : names) {
    std::string key(name.empty() ? "Data" : name);
    size_t n = static_cast<size_t>(std::count(seen.begin(), seen.end(), key));
    seen.push_back(key);
    if (n) key += "_" + std::to_string(n);
    keys.emplace_back();
    append_json_key(keys.back(), key);
  }
}

struct IdsHash {
  size_t operator()(const std::vector<uint32_t>& ids) const {
    size_t h = ids.size();
    for (uint32_t id : ids) h = h * 1000003u ^ id;
    return h;
  }
};

// The Details keys of an event, resolved once per layout of data names (the
// names' pool ids): not per event.
const std::vector<std::string>& details_keys(const store::EventView& v) {
  thread_local uint64_t pool = 0;
  thread_local std::unordered_map<std::vector<uint32_t>, std::vector<std::string>, IdsHash> by_layout;
  thread_local std::vector<uint32_t> ids;
  thread_local std::vector<std::string_view> names;
  thread_local std::vector<std::string> keys;  // of an event whose names are not all pooled
  names.clear();
  if (!v.data_name_ids(ids)) {
    v.for_each_data([&](std::string_view name, const evtx::RawValue&) { names.push_back(name); });
    details_keys(names, keys);
    return keys;
  }
  if (pool != v.pool().serial() || by_layout.size() >= kMaxDetailsLayouts) {
    by_layout.clear();
    pool = v.pool().serial();
  }
  auto it = by_layout.find(ids);
  if (it != by_layout.end()) return it->second;
  for (uint32_t id : ids) names.push_back(v.pool().at(id));
  details_keys(names, keys);
  return by_layout.emplace(ids, keys).first->second;
}

// "Sysmon/1", "Security/4688": the provider's last dash-separated word (the
// Security log for Security-Auditing) and the id.
std::string short_source(const store::EventView& v) {
  std::string_view p = v.provider();
  if (p == normalize::kSecurityProvider) p = "Security";
  size_t cut = p.find_last_of('-');
  if (cut != std::string_view::npos && cut + 1 < p.size()) p = p.substr(cut + 1);
  return std::string(p) + "/" + std::to_string(v.header().event_id);
}

std::string matched_text(const std::vector<std::string>& fields) {
  std::string s;
  for (const std::string& f : fields) (s.empty() ? s : s += ", ") += f;
  return s;
}

void append_matched_json(std::string& out, const std::vector<std::string>& fields) {
  out += ",\"Matched\":[";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    evtx::append_json_string(out, fields[i]);
  }
  out += ']';
}

void append_csv(std::string& out, const EventRow& r) {
  const store::EventView& v = *r.view;
  append_time(out, r.timestamp);
  out += ',';
  pipeline::append_csv_cell(out, v.computer());
  out += ',';
  pipeline::append_csv_cell(out, v.channel());
  out += ',';
  pipeline::append_csv_cell(out, v.provider());
  out += ',';
  out += std::to_string(v.header().event_id);
  out += ',';
  pipeline::append_csv_cell(out, record_level(v));
  out += ',';
  pipeline::append_csv_cell(out, details_text(v));
  for (Field f : kColumns) {
    out += ',';
    if (r.norm) pipeline::append_csv_cell(out, pipeline::field_text((*r.norm)[f]));
  }
  out += ',';
  pipeline::append_csv_cell(out, r.source_file);
  out += ',';
  out += std::to_string(v.header().record_id);
  out += ',';
  if (r.matched) {
    pipeline::append_csv_cell(out, matched_text(*r.matched));
    out += '\n';
    return;
  }
  pipeline::append_csv_cell(out, joined(r, &RowTag::rule_id));
  out += ',';
  pipeline::append_csv_cell(out, joined(r, &RowTag::title));
  out += ',';
  pipeline::append_csv_cell(out, top_level_name(r));
  out += '\n';
}

// The common fields of the JSON forms; Details as an object (jsonl) or as one
// line of text (Timesketch, which wants flat fields).
void append_json_fields(std::string& out, const EventRow& r, bool flat) {
  const store::EventView& v = *r.view;
  append_json_key(out, "DeviceName");
  evtx::append_json_string(out, v.computer());
  out += ',';
  append_json_key(out, "Channel");
  evtx::append_json_string(out, v.channel());
  out += ',';
  append_json_key(out, "Provider");
  evtx::append_json_string(out, v.provider());
  out += ',';
  append_json_key(out, "EventID");
  out += std::to_string(v.header().event_id);
  out += ',';
  append_json_key(out, flat ? "RecordLevel" : "Level");  // flat: beside the findings' RuleLevel
  evtx::append_json_string(out, record_level(v));
  out += ',';
  append_json_key(out, "Details");
  if (flat) {
    evtx::append_json_string(out, details_text(v));
  } else {
    out += '{';
    const std::vector<std::string>& keys = details_keys(v);
    size_t i = 0;
    v.for_each_data([&](std::string_view, const evtx::RawValue& val) {
      if (i) out += ',';
      out += keys[i++];
      evtx::append_value_json(out, val);
    });
    out += '}';
  }
  if (r.norm)
    for (Field f : kColumns) {
      const normalize::FieldValue& fv = (*r.norm)[f];
      if (!fv.known()) continue;
      out += ',';
      append_json_key(out, normalize::field_name(f));
      pipeline::append_json_value(out, fv);
    }
  out += ',';
  append_json_key(out, "SourceFile");
  evtx::append_json_string(out, r.source_file);
  out += ',';
  append_json_key(out, "EventRecordID");
  out += std::to_string(v.header().record_id);
}

void append_jsonl(std::string& out, const EventRow& r) {
  out += '{';
  append_json_key(out, "Timestamp");
  out += '"';
  append_time(out, r.timestamp);
  out += "\",";
  append_json_fields(out, r, false);
  if (r.matched) append_matched_json(out, *r.matched);
  if (!r.tags.empty()) {
    out += ",\"Findings\":[";
    for (size_t i = 0; i < r.tags.size(); ++i) {
      if (i) out += ',';
      out += "{\"rule_id\":";
      evtx::append_json_string(out, r.tags[i]->rule_id);
      out += ",\"title\":";
      evtx::append_json_string(out, r.tags[i]->title);
      out += ",\"level\":";
      evtx::append_json_string(out, rules::level_name(r.tags[i]->level));
      out += '}';
    }
    out += ']';
  }
  out += "}\n";
}

void append_timesketch(std::string& out, const EventRow& r) {
  const store::EventView& v = *r.view;
  std::string message;
  if (!r.tags.empty()) message = "[" + std::string(top_level_name(r)) + "] " + joined(r, &RowTag::title) + ": ";
  if (r.matched) message = "[search: " + matched_text(*r.matched) + "] ";
  message += short_source(v) + " " + details_text(v);
  out += "{\"message\":";
  evtx::append_json_string(out, message);
  out += ",\"datetime\":\"";
  append_time(out, r.timestamp);
  out += "\",\"timestamp\":";
  out += std::to_string(unix_micros(r.timestamp));
  out += ",\"timestamp_desc\":";
  bool utc = r.norm && r.norm->time_source == normalize::TimeSource::UtcTime;
  evtx::append_json_string(out, utc ? "Event Time (Sysmon UtcTime)" : "Event Time (TimeCreated)");
  out += ',';
  append_json_fields(out, r, true);
  if (r.matched) {
    append_matched_json(out, *r.matched);
    out += ",\"tag\":[\"search\"]";
  }
  if (!r.tags.empty()) {
    out += ",\"tag\":[";
    std::vector<std::string> tags;
    for (const RowTag* t : r.tags)
      for (std::string& tag : timesketch_tags(t->title, t->level, t->tags))
        if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
    for (size_t i = 0; i < tags.size(); ++i) {
      if (i) out += ',';
      evtx::append_json_string(out, tags[i]);
    }
    out += "],\"RuleTitles\":";
    evtx::append_json_string(out, joined(r, &RowTag::title));
    out += ",\"RuleLevel\":";
    evtx::append_json_string(out, top_level_name(r));
  }
  out += "}\n";
}

void append_table(std::string& out, const EventRow& r, const TableStyle& style) {
  const store::EventView& v = *r.view;
  append_cell(out, format_time(r.timestamp), time_width());
  append_cell(out, v.computer(), 18);
  append_cell(out, short_source(v), 16);
  append_level(out, top_level(r), 9, style.colour);
  std::string text;
  if (!r.tags.empty()) {
    for (const RowTag* t : r.tags)
      text += (text.empty() ? "" : "; ") + t->title + (style.rule_ids ? " [" + t->rule_id + "]" : "");
    text += " | ";
  }
  if (r.matched) text = "matched " + matched_text(*r.matched) + " | ";
  if (r.norm && (*r.norm)[Field::ProcessCommandLine].known()) text += (*r.norm)[Field::ProcessCommandLine].s + " | ";
  text += details_text(v);
  append_cell(out, text, last_column_width(style, kOtherColumns), true);
  out += '\n';
}

}  // namespace

std::string details_text(const store::EventView& view) {
  std::string s;
  view.for_each_data([&](std::string_view name, const evtx::RawValue& v) {
    std::string text = value_text(v);
    if (text.empty() || text == "-") return;  // Windows' "no value"
    if (!s.empty()) s += kDetailsSeparator;
    s += name.empty() ? std::string("Data") : std::string(name);
    s += ": ";
    s += text;
  });
  return s;
}

std::string record_level(const store::EventView& view) {
  int64_t level = -1;
  view.for_each_system([&](evtx::SystemField f, const evtx::RawValue& v) {
    if (f == evtx::SystemField::Level) level = normalize::value_integer(v).value_or(-1);
  });
  switch (level) {
    case 0: return "LogAlways";
    case 1: return "Critical";
    case 2: return "Error";
    case 3: return "Warning";
    case 4: return "Information";
    case 5: return "Verbose";
    default: return level < 0 ? "" : std::to_string(level);
  }
}

std::string timeline_header(Format f, const TableStyle& style, bool search) {
  if (f == Format::Table) {
    std::string out;
    append_cell(out, "Timestamp", time_width());
    append_cell(out, "DeviceName", 18);
    append_cell(out, "Source", 16);
    append_cell(out, search ? "" : "Finding", 9);
    append_cell(out, "Details", last_column_width(style, kOtherColumns), true);
    return out + "\n";
  }
  if (f != Format::Csv) return {};
  // Timeline Explorer's columns, version 2 (README, "Using the results"):
  // the record's own level is RecordLevel, the findings' RuleLevel.
  std::string h = "Timestamp,DeviceName,Channel,Provider,EventID,RecordLevel,Details";
  for (Field c : kColumns) (h += ',') += normalize::field_name(c);
  return h +
         (search ? ",SourceFile,EventRecordID,Matched\n" : ",SourceFile,EventRecordID,RuleIds,RuleTitles,RuleLevel\n");
}

void append_timeline_row(std::string& out, const EventRow& row, Format f, const TableStyle& style) {
  switch (f) {
    case Format::Csv: append_csv(out, row); break;
    case Format::Jsonl: append_jsonl(out, row); break;
    case Format::Timesketch: append_timesketch(out, row); break;
    case Format::Ecs: append_ecs_event(out, row); break;
    case Format::Table: append_table(out, row, style); break;
  }
}

}  // namespace output
