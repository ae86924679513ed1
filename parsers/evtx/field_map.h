// A template's field map: for each System field and each EventData item,
// which substitution of the template instance (or which literal text) holds
// its value. Compiled once per template from its BinXML operations, so the
// hot path reads a record's fields straight from the substitution values,
// without building the event tree.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "evtx/binxml_ir.h"
#include "evtx/record_fields.h"

namespace evtx {

struct FieldSource {
  int subst = -1;         // substitution index, or -1
  bool optional = false;  // an optional substitution: a NULL value leaves the element out
  RawValue literal;       // literal text when subst < 0
  int pieces = 0;         // text pieces found (more than one: not expressible)
};

struct DataSlot {
  std::string name;  // Data's Name attribute ("" without one), else the element name
  bool has_attributes = false;
  FieldSource source;
};

struct FieldMap {
  std::array<FieldSource, kSystemFieldCount> system{};
  bool has_event_data = false;
  std::vector<DataSlot> data;
  int nested_data = -1;  // a substitution directly under <Event> holding EventData as BinXML
  bool usable = true;    // false: a shape the map does not express (UserData, mixed text, ...)
};

// Compiles the map of a template (its root is <Event>, or <EventData> for a
// template nested in a BinXML value).
FieldMap compile_field_map(const Fragment& tmpl);

}  // namespace evtx
