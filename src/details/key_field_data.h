// The key-field tables' text, compiled in (generated from key_fields/*.txt by
// embed_tables.cmake).
#pragma once

#include <string_view>

namespace details {

struct EmbeddedTable {
  std::string_view name, text;
};

extern const EmbeddedTable kKeyFieldTables[];
extern const size_t kKeyFieldTableCount;

}  // namespace details
