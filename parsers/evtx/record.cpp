#include "record.h"

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

uint64_t filetime_of(const EventTree& t, uint32_t attr) {
  if (attr == kNoNode) return 0;
  std::string scratch;
  RawValue v = node_value(t, attr, scratch);
  if (v.base_type() == ValueType::FileTime && v.size >= 8 && !v.is_array()) {
    uint64_t ft = 0;
    for (int i = 7; i >= 0; --i) ft = (ft << 8) | v.data[i];
    return ft;
  }
  return parse_iso_filetime(text_of(t, attr)).value_or(0);
}

TypedValue typed(const EventTree& t, uint32_t node) {
  TypedValue tv;
  std::string scratch;
  RawValue v = node_value(t, node, scratch);
  tv.type = v.base_type();
  tv.array = v.is_array();
  append_value_text(tv.text, v);
  return tv;
}

bool has_child_elements(const EventTree& t, uint32_t node) {
  for (uint32_t c = t[node].first_child; c != kNoNode; c = t[c].next_sibling)
    if (t[c].kind == NodeKind::Element) return true;
  return false;
}

// Leaf elements under node, by their own names, in document order.
void collect_leaves(const EventTree& t, uint32_t node, std::vector<DataField>& out) {
  for (uint32_t c = t[node].first_child; c != kNoNode; c = t[c].next_sibling) {
    if (t[c].kind != NodeKind::Element) continue;
    if (has_child_elements(t, c)) collect_leaves(t, c, out);
    else out.push_back({std::string(t[c].name), typed(t, c)});
  }
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

void record_from_tree(const EventTree& t, Record& rec) {
  uint32_t event = t.root_element();
  uint32_t sys = t.child(event, "System");
  uint32_t provider = t.child(sys, "Provider");
  rec.provider_name = attr_text(t, provider, "Name");
  rec.provider_guid = attr_text(t, provider, "Guid");
  rec.event_source_name = attr_text(t, provider, "EventSourceName");
  uint32_t eid = t.child(sys, "EventID");
  rec.event_id = number<uint16_t>(text_of(t, eid));
  rec.qualifiers.reset();
  if (uint32_t q = t.attribute(eid, "Qualifiers"); q != kNoNode) {
    std::string qs = text_of(t, q);
    if (!qs.empty()) rec.qualifiers = number<uint16_t>(qs);
  }
  rec.version = number<uint8_t>(text_of(t, t.child(sys, "Version")));
  rec.level = number<uint8_t>(text_of(t, t.child(sys, "Level")));
  rec.task = number<uint16_t>(text_of(t, t.child(sys, "Task")));
  rec.opcode = number<uint8_t>(text_of(t, t.child(sys, "Opcode")));
  rec.keywords = number<uint64_t>(text_of(t, t.child(sys, "Keywords")));
  rec.event_record_id.reset();
  if (uint32_t rid = t.child(sys, "EventRecordID"); rid != kNoNode) {
    std::string rs = text_of(t, rid);
    if (!rs.empty()) rec.event_record_id = number<uint64_t>(rs);
  }
  rec.time_created = filetime_of(t, t.attribute(t.child(sys, "TimeCreated"), "SystemTime"));
  uint32_t corr = t.child(sys, "Correlation");
  rec.activity_id = attr_text(t, corr, "ActivityID");
  rec.related_activity_id = attr_text(t, corr, "RelatedActivityID");
  uint32_t exec = t.child(sys, "Execution");
  rec.process_id = number<uint32_t>(attr_text(t, exec, "ProcessID"));
  rec.thread_id = number<uint32_t>(attr_text(t, exec, "ThreadID"));
  rec.channel = text_of(t, t.child(sys, "Channel"));
  rec.computer = text_of(t, t.child(sys, "Computer"));
  rec.user_id = attr_text(t, t.child(sys, "Security"), "UserID");

  rec.data.clear();
  rec.data_kind = Record::DataKind::None;
  if (uint32_t ed = t.child(event, "EventData"); ed != kNoNode) {
    rec.data_kind = Record::DataKind::EventData;
    for (uint32_t c = t[ed].first_child; c != kNoNode; c = t[c].next_sibling) {
      if (t[c].kind != NodeKind::Element) continue;
      std::string name = t[c].name == "Data" ? attr_text(t, c, "Name") : std::string(t[c].name);
      rec.data.push_back({std::move(name), typed(t, c)});
    }
  } else if (uint32_t ud = t.child(event, "UserData"); ud != kNoNode) {
    rec.data_kind = Record::DataKind::UserData;
    collect_leaves(t, ud, rec.data);
  }
}

}  // namespace evtx
