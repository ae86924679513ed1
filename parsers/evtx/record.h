// The record model every reader produces: identity, the System fields and the
// EventData / UserData name/value pairs, as owned, typed values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evtx/event_tree.h"
#include "evtx/value.h"

namespace evtx {

// An owned value: its BinXML type (Utf8 when the reader only had text) and its
// text as Windows renders it in event XML.
struct TypedValue {
  ValueType type = ValueType::Null;
  bool array = false;
  std::string text;
};

struct DataField {
  std::string name;  // Data Name=..., or the element name under UserData; "" if unnamed
  TypedValue value;
};

struct Record {
  uint64_t record_id = 0;  // record id of the record header
  // System/EventRecordID as rendered (what Event Viewer shows). It differs
  // from the header's id in logs re-exported with a filter.
  std::optional<uint64_t> event_record_id;
  uint64_t written_time = 0;  // FILETIME of the record header
  // System
  std::string provider_name;
  std::string provider_guid;  // with braces, upper case, as Windows renders
  std::string event_source_name;
  uint16_t event_id = 0;
  std::optional<uint16_t> qualifiers;
  uint8_t version = 0;
  uint8_t level = 0;
  uint16_t task = 0;
  uint8_t opcode = 0;
  uint64_t keywords = 0;
  uint64_t time_created = 0;  // FILETIME
  std::string activity_id;
  std::string related_activity_id;
  uint32_t process_id = 0;
  uint32_t thread_id = 0;
  std::string channel;
  std::string computer;
  std::string user_id;  // Security UserID (SID string)
  // EventData Data items (in order) or, for UserData, the leaf elements of its
  // single child element.
  enum class DataKind : uint8_t { None, EventData, UserData } data_kind = DataKind::None;
  std::vector<DataField> data;

  // The value of the first data field with this name, or nullptr.
  const TypedValue* find(std::string_view name) const;
};

// Reads only Provider Name and EventID from a tree: enough to skip records no
// mapper wants before building their fields. False if either is missing.
bool peek_provider_and_id(const EventTree& tree, std::string& provider, uint16_t& event_id);

// Fills rec's System and data fields from an event tree (any reader).
// record_id/written_time are left as they are.
void record_from_tree(const EventTree& tree, Record& rec);

}  // namespace evtx
