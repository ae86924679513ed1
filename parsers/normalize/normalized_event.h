// The normalized process / network event every mapper produces. Column names
// follow Microsoft Defender for Endpoint (DeviceProcessEvents /
// DeviceNetworkEvents) so KQL hunters read rules without a glossary; every
// event also carries its provenance (file, record, provider, channel, id).
//
// A value the logs never showed is Unknown, never guessed and never "": rules
// treat a comparison with an unknown value as unknown (see DESIGN.md, Replay).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace norm {

// Times are 100 ns ticks since 1601-01-01 UTC (FILETIME; also Kusto's datetime tick).
using Ticks = int64_t;
constexpr Ticks kTicksPerSecond = 10'000'000;

enum class Table : uint8_t {
  Process,     // DeviceProcessEvents: ActionType ProcessCreated
  Network,     // DeviceNetworkEvents
  ProcessEnd,  // process ended (Sysmon 5, Security 4689): ends a process instance
  Boot,        // system start (Security 4608, System 6005, Kernel-General 12, services.exe start)
};
const char* table_name(Table t);  // "DeviceProcessEvents", "DeviceNetworkEvents", "ProcessEnd", "Boot"

enum class Field : uint8_t {
  Timestamp,
  DeviceId,    // host key: lower-case first label of the computer name
  DeviceName,  // as written in the event's Computer
  ActionType,
  FileName,
  FolderPath,
  ProcessId,
  ProcessCommandLine,
  ProcessUniqueId,
  AccountDomain,
  AccountName,
  AccountSid,
  ProcessIntegrityLevel,
  InitiatingProcessId,
  InitiatingProcessFileName,
  InitiatingProcessFolderPath,
  InitiatingProcessCommandLine,
  InitiatingProcessUniqueId,
  InitiatingProcessParentId,
  InitiatingProcessParentFileName,
  LocalIP,
  LocalPort,
  RemoteIP,
  RemotePort,
  Protocol,
  LastBootTime,  // set by replay: the latest boot at or before the event
  // provenance
  SourceFile,
  EventRecordID,
  Provider,
  Channel,
  EventID,
  Count
};
constexpr size_t kFieldCount = static_cast<size_t>(Field::Count);
const char* field_name(Field f);
std::optional<Field> field_by_name(std::string_view name);

struct FieldValue {
  enum class Kind : uint8_t { Unknown, String, Int, Time } kind = Kind::Unknown;
  int64_t i = 0;  // Int value, or Time in Ticks
  std::string s;  // String value

  bool known() const { return kind != Kind::Unknown; }
  static FieldValue str(std::string v) { FieldValue f; f.kind = Kind::String; f.s = std::move(v); return f; }
  static FieldValue integer(int64_t v) { FieldValue f; f.kind = Kind::Int; f.i = v; return f; }
  static FieldValue time(Ticks v) { FieldValue f; f.kind = Kind::Time; f.i = v; return f; }
};

struct NormalizedEvent {
  Table table = Table::Process;
  std::array<FieldValue, kFieldCount> fields;
  // Sysmon 3 inbound connections: which evidence decided the local side
  // (e.g. "SourceHostname matches Computer"); empty when not applicable.
  std::string direction_evidence;

  FieldValue& operator[](Field f) { return fields[static_cast<size_t>(f)]; }
  const FieldValue& operator[](Field f) const { return fields[static_cast<size_t>(f)]; }
  Ticks timestamp() const { return (*this)[Field::Timestamp].i; }
};

}  // namespace norm
