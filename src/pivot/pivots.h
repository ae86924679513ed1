// evtxhunt pivot: what the findings touch, as the list a responder greps the
// rest of the evidence with: the accounts, hosts, addresses, processes,
// command lines, hashes, services and scheduled tasks named by the key fields
// of their records (details/event_details.h) and by the hosts they were seen
// on, each with how many findings name it, by which rules, on which hosts,
// and the first and last finding's time.
//
// Left out as no lead: empty values and "-", the local system principals
// (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, ANONYMOUS LOGON, and their
// NT AUTHORITY\ forms), loopback and unspecified addresses (127.0.0.0/8,
// ::1, 0.0.0.0, ::).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "replay/finding.h"
#include "replay/finding_list.h"

namespace pivot {

enum class Kind : uint8_t { Account, Host, Address, Process, CommandLine, Hash, Service, Task };
const char* kind_name(Kind k);  // "account", "host", "address", ...

struct Pivot {
  Kind kind = Kind::Account;
  std::string value;
  uint64_t findings = 0;
  std::set<std::string> rules;  // titles (ids where a rule has none)
  std::set<std::string> hosts;  // where the findings were
  normalize::Ticks first = 0, last = 0;
};

// The kind a key field's name gives its value; false when none.
bool kind_of_field(std::string_view field, Kind& kind);

// The pivots of these findings: by kind, then the most findings first, then
// value. A value is counted once per finding however many fields name it.
std::vector<Pivot> collect(const replay::FindingList& findings);

}  // namespace pivot
