// Key fields: per (provider, event id), the few fields of a record a responder
// reads to act on it: who (account, domain, SID, logon id), what (image,
// command line, service, task, object, share, registry key, hashes...) and
// from where (source address and port, workstation, logon type, parent).
// The tables are data (key_fields/*.txt, compiled in; format in
// key_fields/README.md), written from the shared corpus's records and
// Microsoft's documentation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace details {

struct KeyFields {
  std::vector<std::string> who, what, where;
  std::string name;    // what the event says, from the line's comment ("an account failed to log on")
  std::string source;  // "security.txt:12"
};

// provider (lower case), event id -> its key fields.
using KeyFieldTable = std::map<std::pair<std::string, uint16_t>, KeyFields, std::less<>>;

// Parses one table file's text into `into`. Throws std::runtime_error with
// NAME:LINE and what is wrong (an id twice for a provider, a line without
// its four columns).
void parse_key_fields(std::string_view text, const std::string& name, KeyFieldTable& into);

// The compiled-in tables (parsed once).
const KeyFieldTable& key_field_table();

// The entry for this record's provider and event id, or null.
const KeyFields* key_fields(std::string_view provider, uint16_t event_id);

}  // namespace details
