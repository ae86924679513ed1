// Internal to the BinXML decoder (binxml.cpp, field_map.cpp): a template body
// compiled into operations with names already decoded, replayed into the
// event tree per record.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "evtx/value.h"

namespace evtx {

struct Fragment;

// One compiled BinXML operation.
struct Op {
  enum Code : uint8_t {
    Open,       // start an element (name)
    Attr,       // start an attribute of the open element (name)
    EndAttrs,   // the start tag is complete
    Close,      // end the current element
    Text,       // literal value
    Subst,      // substitution value `index` (optional: a null value is dropped)
    CData,      // value
    CharRef,    // index holds the code point
    EntityRef,  // name
    PITarget,   // name
    PIData,     // value
    Instance,   // a template instance: tmpl with `count` values from `first` in Fragment::values
  };
  explicit Op(Code c = Open) : code(c) {}
  Code code;
  bool optional = false;
  uint16_t index = 0;
  uint32_t first = 0;  // Instance: first value in Fragment::values
  uint32_t count = 0;
  std::string_view name;
  RawValue value;
  const Fragment* tmpl = nullptr;
};

struct Fragment {
  std::vector<Op> ops;
  std::vector<RawValue> values;  // values of Instance ops
  void clear() {
    ops.clear();
    values.clear();
  }
};

}  // namespace evtx
