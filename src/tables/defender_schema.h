// The tables KQL hunts read, shaped as Microsoft documents them (Defender for
// Endpoint's Advanced Hunting schema, Sentinel's SecurityEvent): every
// documented column, with its type. A column EVTX cannot fill is there and
// null, so a hunt that names it still runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kql/table.h"

namespace tables {

struct Schema {
  std::string name;
  std::vector<kql::Column> columns;
  // SecurityEvent: the columns from here on are named for EventData fields
  // and filled from the field of that name.
  size_t event_data_from = SIZE_MAX;
};

// The schema of a table evtxhunt builds from evidence, or nullptr.
const Schema* schema(std::string_view table);
// The tables evtxhunt builds, in README order.
std::vector<std::string> table_names();
// Why a Defender or Sentinel table is not built from EVTX, or "" when the
// name is not one of theirs.
std::string not_built_reason(std::string_view table);

}  // namespace tables
