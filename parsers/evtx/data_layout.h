// The names of a record's data fields, in order, interned for the whole run:
// records whose data fields have the same names (the records of one template,
// as a rule) share one DataLayout, so a consumer resolves its name lookups
// once per layout (Sigma: which fields its rules scan) instead of per record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evtx/value.h"

namespace evtx {

struct DataLayout {
  uint32_t id;                     // distinct per layout, for the run
  std::vector<std::string> names;  // in record order
};

// The interned layout of these data fields (thread-safe). Layouts live until
// the process ends; past kMaxDataLayouts distinct ones, nullptr (the
// consumer then looks names up per record).
const DataLayout* intern_data_layout(const std::vector<std::pair<std::string_view, RawValue>>& data);
constexpr size_t kMaxDataLayouts = 1u << 16;

// A reader's per-chunk memo of intern_data_layout: names of one chunk are
// views into the chunk's name cache, so equal pointers mean equal names and a
// record finds its layout by comparing pointers, not text. clear() at each
// chunk.
class DataLayoutMemo {
 public:
  const DataLayout* layout_of(const std::vector<std::pair<std::string_view, RawValue>>& data);
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::vector<std::string_view> names;  // compared by pointer and size
    const DataLayout* layout;
  };
  static constexpr size_t kMaxEntries = 256;  // per chunk; past it, layouts are looked up by text
  std::vector<Entry> entries_;
};

}  // namespace evtx
