// A record's fields as raw values, before conversion into a Record: filled
// either from an event tree (any reader) or, on the native hot path, straight
// from a template instance's substitution values through the template's field
// map (field_map.h). One conversion (record_from_fields) serves both.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evtx/data_layout.h"
#include "evtx/record.h"
#include "evtx/value.h"

namespace evtx {

enum class SystemField : uint8_t {
  ProviderName,
  ProviderGuid,
  EventSourceName,
  EventId,
  Qualifiers,
  Version,
  Level,
  Task,
  Opcode,
  Keywords,
  TimeCreated,
  EventRecordId,
  ActivityId,
  RelatedActivityId,
  ProcessId,
  ThreadId,
  Channel,
  Computer,
  UserId,
  Count
};
constexpr size_t kSystemFieldCount = static_cast<size_t>(SystemField::Count);

struct RecordFields {
  std::array<RawValue, kSystemFieldCount> system{};  // type 0: absent or empty
  Record::DataKind data_kind = Record::DataKind::None;
  std::vector<std::pair<std::string_view, RawValue>> data;
  std::deque<std::string> owned;  // text assembled from several pieces
  // The names of `data`, interned (data_layout.h): set when the native reader
  // read the record through its template; nullptr otherwise.
  const DataLayout* layout = nullptr;

  RawValue& operator[](SystemField f) { return system[static_cast<size_t>(f)]; }
  const RawValue& operator[](SystemField f) const { return system[static_cast<size_t>(f)]; }
  void clear() {
    system.fill(RawValue{});
    data_kind = Record::DataKind::None;
    data.clear();
    owned.clear();
    layout = nullptr;
  }
};

// Where System field f lives: element under System, and attribute ("" : content).
struct SystemFieldPlace {
  std::string_view element, attribute;
};
SystemFieldPlace system_field_place(SystemField f);

void fields_from_tree(const EventTree& tree, RecordFields& out);
// The EventID a value holds, as record_from_fields reads it (0 if not a number).
uint16_t event_id_of(const RawValue& v);
// Fills rec's System and data fields (record_id / written_time untouched).
void record_from_fields(const RecordFields& fields, Record& rec);

}  // namespace evtx
