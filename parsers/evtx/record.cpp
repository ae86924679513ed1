#include "evtx/record.h"

#include "evtx/record_fields.h"

#include <charconv>

namespace evtx {
namespace {

std::string text_of(const EventTree& t, uint32_t node) {
  std::string s;
  if (node != kNoNode) append_node_text(t, node, s);
  return s;
}

std::string attr_text(const EventTree& t, uint32_t element, std::string_view name) {
  return text_of(t, t.attribute(element, name));
}

// Parses decimal or 0x-prefixed hex; 0 when the text is not a number.
template <class T>
T number(std::string_view s) {
  uint64_t v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  else
    std::from_chars(s.data(), s.data() + s.size(), v);
  return static_cast<T>(v);
}

bool has_child_elements(const EventTree& t, uint32_t node) {
  for (uint32_t c = t[node].first_child; c != kNoNode; c = t[c].next_sibling)
    if (t[c].kind == NodeKind::Element) return true;
  return false;
}

}  // namespace

const TypedValue* Record::find(std::string_view name) const {
  for (const DataField& f : data)
    if (f.name == name) return &f.value;
  return nullptr;
}

bool peek_provider_and_id(const EventTree& t, std::string& provider, uint16_t& event_id) {
  uint32_t sys = t.child(t.root_element(), "System");
  uint32_t name = t.attribute(t.child(sys, "Provider"), "Name");
  uint32_t eid = t.child(sys, "EventID");
  if (name == kNoNode || eid == kNoNode) return false;
  provider.clear();
  append_node_text(t, name, provider);
  thread_local std::string id_text;
  id_text.clear();
  append_node_text(t, eid, id_text);
  event_id = number<uint16_t>(id_text);
  return true;
}

SystemFieldPlace system_field_place(SystemField f) {
  switch (f) {
    case SystemField::ProviderName: return {"Provider", "Name"};
    case SystemField::ProviderGuid: return {"Provider", "Guid"};
    case SystemField::EventSourceName: return {"Provider", "EventSourceName"};
    case SystemField::EventId: return {"EventID", ""};
    case SystemField::Qualifiers: return {"EventID", "Qualifiers"};
    case SystemField::Version: return {"Version", ""};
    case SystemField::Level: return {"Level", ""};
    case SystemField::Task: return {"Task", ""};
    case SystemField::Opcode: return {"Opcode", ""};
    case SystemField::Keywords: return {"Keywords", ""};
    case SystemField::TimeCreated: return {"TimeCreated", "SystemTime"};
    case SystemField::EventRecordId: return {"EventRecordID", ""};
    case SystemField::ActivityId: return {"Correlation", "ActivityID"};
    case SystemField::RelatedActivityId: return {"Correlation", "RelatedActivityID"};
    case SystemField::ProcessId: return {"Execution", "ProcessID"};
    case SystemField::ThreadId: return {"Execution", "ThreadID"};
    case SystemField::Channel: return {"Channel", ""};
    case SystemField::Computer: return {"Computer", ""};
    case SystemField::UserId: return {"Security", "UserID"};
    case SystemField::Count: break;
  }
  return {};
}

namespace {

RawValue value_of(const EventTree& t, uint32_t node, RecordFields& out) {
  if (node == kNoNode) return {};
  return node_value(t, node, out.owned.emplace_back());
}

// Leaf elements under node, by their own names, in document order.
void collect_leaves(const EventTree& t, uint32_t node, RecordFields& out) {
  for (uint32_t c = t[node].first_child; c != kNoNode; c = t[c].next_sibling) {
    if (t[c].kind != NodeKind::Element) continue;
    if (has_child_elements(t, c))
      collect_leaves(t, c, out);
    else
      out.data.emplace_back(t[c].name, value_of(t, c, out));
  }
}

std::string text(const RawValue& v) {
  std::string s;
  append_value_text(s, v);
  return s;
}

}  // namespace

void fields_from_tree(const EventTree& t, RecordFields& out) {
  out.clear();
  uint32_t event = t.root_element();
  uint32_t sys = t.child(event, "System");
  for (size_t i = 0; i < kSystemFieldCount; ++i) {
    SystemFieldPlace place = system_field_place(static_cast<SystemField>(i));
    uint32_t element = t.child(sys, place.element);
    out.system[i] = value_of(t, place.attribute.empty() ? element : t.attribute(element, place.attribute), out);
  }
  if (uint32_t ed = t.child(event, "EventData"); ed != kNoNode) {
    out.data_kind = Record::DataKind::EventData;
    for (uint32_t c = t[ed].first_child; c != kNoNode; c = t[c].next_sibling) {
      if (t[c].kind != NodeKind::Element) continue;
      std::string_view name = t[c].name;
      if (name == "Data") name = out.owned.emplace_back(attr_text(t, c, "Name"));
      out.data.emplace_back(name, value_of(t, c, out));
    }
  } else if (uint32_t ud = t.child(event, "UserData"); ud != kNoNode) {
    out.data_kind = Record::DataKind::UserData;
    collect_leaves(t, ud, out);
  }
}

uint16_t event_id_of(const RawValue& v) {
  if (v.base_type() == ValueType::UInt16 && v.size >= 2 && !v.is_array()) return uint16_t(v.data[0] | (v.data[1] << 8));
  return number<uint16_t>(text(v));
}

void record_from_fields(const RecordFields& f, Record& rec) {
  using F = SystemField;
  rec.provider_name = text(f[F::ProviderName]);
  rec.provider_guid = text(f[F::ProviderGuid]);
  rec.event_source_name = text(f[F::EventSourceName]);
  rec.event_id = event_id_of(f[F::EventId]);
  rec.qualifiers.reset();
  if (std::string q = text(f[F::Qualifiers]); !q.empty()) rec.qualifiers = number<uint16_t>(q);
  rec.version = number<uint8_t>(text(f[F::Version]));
  rec.level = number<uint8_t>(text(f[F::Level]));
  rec.task = number<uint16_t>(text(f[F::Task]));
  rec.opcode = number<uint8_t>(text(f[F::Opcode]));
  rec.keywords = number<uint64_t>(text(f[F::Keywords]));
  rec.event_record_id.reset();
  if (std::string id = text(f[F::EventRecordId]); !id.empty()) rec.event_record_id = number<uint64_t>(id);
  const RawValue& tc = f[F::TimeCreated];
  if (tc.base_type() == ValueType::FileTime && tc.size >= 8 && !tc.is_array()) {
    uint64_t ft = 0;
    for (int i = 7; i >= 0; --i) ft = (ft << 8) | tc.data[i];
    rec.time_created = ft;
  } else {
    rec.time_created = parse_iso_filetime(text(tc)).value_or(0);
  }
  rec.activity_id = text(f[F::ActivityId]);
  rec.related_activity_id = text(f[F::RelatedActivityId]);
  rec.process_id = number<uint32_t>(text(f[F::ProcessId]));
  rec.thread_id = number<uint32_t>(text(f[F::ThreadId]));
  rec.channel = text(f[F::Channel]);
  rec.computer = text(f[F::Computer]);
  rec.user_id = text(f[F::UserId]);
  rec.data_kind = f.data_kind;
  rec.data.clear();
  for (const auto& [name, v] : f.data)
    rec.data.push_back({std::string(name), TypedValue{v.base_type(), v.is_array(), text(v)}});
}

void record_from_tree(const EventTree& t, Record& rec) {
  thread_local RecordFields fields;
  fields_from_tree(t, fields);
  record_from_fields(fields, rec);
}

}  // namespace evtx
