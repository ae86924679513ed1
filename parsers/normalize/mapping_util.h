// Small conversions shared by the mappers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "normalize/normalized_event.h"
#include "normalize/record_access.h"

namespace normalize {

// Final path component after '\' or '/': "C:\Windows\mmc.exe" -> "mmc.exe".
std::string_view basename(std::string_view path);

// A computer name in lower case: the provisional host key of an event. The
// pipeline's host pass (hosts.h) merges a short name into its one FQDN.
std::string lower_name(std::string_view computer);

// True if two computer names can name the same host: equal ignoring case, or
// one is a short name equal to the other's first DNS label. Two different FQDNs
// are two hosts even when their first labels agree.
bool same_host_name(std::string_view a, std::string_view b);

// A value Windows writes where it has none: "-", "?", "<unknown process>" or
// the all-zero GUID (Sysmon's ParentImage "?", Image "<unknown process>",
// ParentProcessGuid {00000000-...}; Security's "-"). An empty value is a
// value ("" WorkstationName of a service logon, "" ScriptBlockText), except
// where a mapping says the provider writes "" for none (Empty::Unknown).
bool is_placeholder(std::string_view v);

// What an empty value of a data field means in a mapping.
enum class Empty : uint8_t {
  Value,    // "" was logged: a value
  Unknown,  // the provider writes "" for none (4688 CommandLine without command-line auditing)
};

// A LogonType number by the name Defender's DeviceLogonEvents uses (3
// "Network", 10 "RemoteInteractive"); another number as itself.
std::string logon_type_name(int64_t type);

// An IP address in one canonical text form: IPv4 dotted decimal, IPv6 as
// RFC 5952 (lower case, longest zero run as "::"), so Sysmon's
// "fe80:0:0:0:80ac:..." and WFP's "fe80::80ac:..." compare equal. A zone
// suffix (%12) is kept; anything that is not an address is returned as is.
std::string canonical_ip(std::string_view ip);

enum class AddressKind : uint8_t { Unicast, Loopback, Multicast, Broadcast, Unspecified, Invalid };
// Broadcast: 255.255.255.255 or an IPv4 address ending in .255 (a directed
// broadcast of a /24 or wider network; hosts never own such an address there).
AddressKind address_kind(std::string_view ip);
// Multicast or broadcast: a group address, never the sender of a packet.
bool is_group_address(std::string_view ip);

// The text of a data field unless absent or a placeholder.
std::optional<std::string> known_text(const RecordAccess& rec, std::string_view data_name, Empty empty = Empty::Value);

// Decimal or 0x-prefixed hexadecimal (Security PIDs) integer.
std::optional<int64_t> parse_int(std::string_view text);

// Integrity level from a mandatory label SID (S-1-16-12288 -> "High").
std::string integrity_from_label(std::string_view sid);

// "file.evtx#1234": an event's source file name and EventRecordID, to cite it.
std::string record_ref(const NormalizedEvent& ev);

// A new event of `table` with Timestamp from TimeCreated and ActionType (when
// given); the provenance columns are the event store's (mapper.h).
NormalizedEvent start_event(Table table, const RecordAccess& rec, const char* action = nullptr);

// Record data field -> event field (Unknown when the record lacks it or holds
// a placeholder).
void copy_string(NormalizedEvent& ev, Field f, const RecordAccess& rec, std::string_view data_name,
                 Empty empty = Empty::Value);
void copy_int(NormalizedEvent& ev, Field f, const RecordAccess& rec, std::string_view data_name);
// A logon id (Security "0x82215a", Sysmon "0x3e7") in one form: lower-case
// hex with 0x, so a 4624's TargetLogonId and a 4688's compare equal.
void copy_logon_id(NormalizedEvent& ev, const RecordAccess& rec, std::string_view data_name);
// An address, canonical (canonical_ip).
void copy_ip(NormalizedEvent& ev, Field f, const RecordAccess& rec, std::string_view data_name);
// Image path into a (FolderPath, FileName) pair.
void copy_path(NormalizedEvent& ev, Field folder, Field file, const RecordAccess& rec, std::string_view data_name);

}  // namespace normalize
