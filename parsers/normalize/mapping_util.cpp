#include "normalize/mapping_util.h"

#include <algorithm>
#include <charconv>
#include <cctype>

namespace norm {

std::string_view basename(std::string_view path) {
  size_t cut = path.find_last_of("\\/");
  return cut == std::string_view::npos ? path : path.substr(cut + 1);
}

std::string host_key(std::string_view computer) {
  std::string key(computer.substr(0, computer.find('.')));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::optional<Ticks> parse_time(std::string_view s) {
  auto t = evtx::parse_iso_filetime(s);
  return t ? std::optional<Ticks>(static_cast<Ticks>(*t)) : std::nullopt;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  std::from_chars_result r{};
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t u = 0;
    r = std::from_chars(s.data() + 2, s.data() + s.size(), u, 16);
    v = static_cast<int64_t>(u);
  } else {
    r = std::from_chars(s.data(), s.data() + s.size(), v);
  }
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string integrity_from_label(std::string_view sid) {
  if (sid == "S-1-16-0") return "Untrusted";
  if (sid == "S-1-16-4096") return "Low";
  if (sid == "S-1-16-8192") return "Medium";
  if (sid == "S-1-16-8448") return "MediumPlus";
  if (sid == "S-1-16-12288") return "High";
  if (sid == "S-1-16-16384") return "System";
  if (sid == "S-1-16-20480") return "ProtectedProcess";
  return std::string(sid);
}

NormalizedEvent start_event(Table table, const evtx::Record& rec, const std::string& source_file, const char* action) {
  NormalizedEvent ev;
  ev.table = table;
  if (action) ev[Field::ActionType] = FieldValue::str(action);
  ev[Field::DeviceName] = FieldValue::str(rec.computer);
  ev[Field::DeviceId] = FieldValue::str(host_key(rec.computer));
  ev[Field::SourceFile] = FieldValue::str(source_file);
  ev[Field::EventRecordID] = FieldValue::integer(static_cast<int64_t>(rec.event_record_id.value_or(rec.record_id)));
  ev[Field::Provider] = FieldValue::str(rec.provider_name);
  ev[Field::Channel] = FieldValue::str(rec.channel);
  ev[Field::EventID] = FieldValue::integer(rec.event_id);
  ev[Field::Timestamp] = FieldValue::time(static_cast<Ticks>(rec.time_created));
  return ev;
}

void copy_string(NormalizedEvent& ev, Field f, const evtx::Record& rec, std::string_view data_name) {
  if (const evtx::TypedValue* v = rec.find(data_name)) ev[f] = FieldValue::str(v->text);
}

void copy_int(NormalizedEvent& ev, Field f, const evtx::Record& rec, std::string_view data_name) {
  if (const evtx::TypedValue* v = rec.find(data_name))
    if (auto i = parse_int(v->text)) ev[f] = FieldValue::integer(*i);
}

void copy_path(NormalizedEvent& ev, Field folder, Field file, const evtx::Record& rec, std::string_view data_name) {
  if (const evtx::TypedValue* v = rec.find(data_name)) {
    ev[folder] = FieldValue::str(v->text);
    ev[file] = FieldValue::str(std::string(basename(v->text)));
  }
}

}  // namespace norm
