// Sigma log sources as Windows event logs, from the taxonomy appendix
// (../shared/sigma/specification/sigma-appendix-taxonomy.md): which records a
// rule reads (providers or channels, event ids) and the field names it uses
// that the records spell differently. One table, as data.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sigma/sigma_rule.h"

namespace sigma {

// One kind of record a log source reads (a rule bucket).
struct RecordKind {
  std::string name;                    // "process_creation/Sysmon 1", for reports
  std::vector<std::string> providers;  // a record matches a provider or a channel (lower case)
  std::vector<std::string> channels;
  std::vector<uint16_t> event_ids;  // empty: any
  // Sigma field -> the record's field (Security 4688: Image -> NewProcessName, ...).
  std::vector<std::pair<std::string, std::string>> renames;
  // Sigma fields the replay's process table supplies when the record lacks
  // them (4688: the parent's image, command line and user).
  std::vector<std::string> from_process_table;
};

struct Resolved {
  std::vector<RecordKind> sources;  // empty: not applicable or unknown
  bool not_applicable = false;      // another product (linux, macos, cloud...)
  std::string reason;               // why there is no source
};

Resolved resolve_logsource(const LogSource& ls);

// The name a record of this event id gives a Sigma field (4688: Image is
// NewProcessName, ...); the field itself otherwise.
std::string record_field_name(const std::string& sigma_field, uint16_t event_id);

}  // namespace sigma
