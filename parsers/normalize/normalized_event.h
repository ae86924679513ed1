// The normalized event every mapper produces, in one of the tables below
// (processes, connections, process ends, boots, logons, script blocks, image
// loads, files, registry, other device activity). Column names follow
// Microsoft Defender for Endpoint (DeviceProcessEvents, DeviceNetworkEvents,
// DeviceLogonEvents, ...) so KQL hunters read rules without a glossary; every
// event also carries its provenance (file, record, provider, channel, id).
//
// A value the logs never showed is Unknown, never guessed and never "": rules
// treat a comparison with an unknown value as unknown (see DESIGN.md, Replay).
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace normalize {

// Times are 100 ns ticks since 1601-01-01 UTC (FILETIME; also Kusto's datetime tick).
using Ticks = int64_t;
constexpr Ticks kTicksPerSecond = 10'000'000;
constexpr Ticks kUnixEpoch = 116444736000000000;  // 1970-01-01 in Ticks
// A FILETIME as Ticks: one past INT64_MAX (after year 30828: only a damaged
// or crafted record) is clamped, so it sorts last instead of first.
constexpr Ticks ticks_of_filetime(uint64_t ft) {
  return ft > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<Ticks>(ft);
}

enum class Table : uint8_t {
  Process,     // DeviceProcessEvents: ActionType ProcessCreated
  Network,     // DeviceNetworkEvents
  ProcessEnd,  // process ended (Sysmon 5, Security 4689): ends a process instance
  Boot,        // system start (Security 4608, System 6005, Kernel-General 12, services.exe start)
  Logon,       // DeviceLogonEvents: a logon (4624), a failed one (4625), a logoff (4634, 4647)
  Script,      // a PowerShell script block (PowerShell 4104); Defender's DeviceEvents PowerShellCommand
  ImageLoad,   // DeviceImageLoadEvents: a module loaded (Sysmon 7)
  File,        // DeviceFileEvents: a file created, deleted or changed (Sysmon 2, 11, 15, 23, 26)
  Registry,    // DeviceRegistryEvents: a key or value created, set, renamed, deleted (Sysmon 12-14, Security 4657)
  Device,      // DeviceEvents: other activity (Sysmon 8, 10, 17, 18, 22, 25; Security 4697, 4698, 4702; System 7045)
  Other,       // any other record: only its provenance (the evidence of a Sigma finding)
};
// One row per table, in the enum's order: everything that names a table or
// needs its count reads it here (the rule loader's `table:` keywords, KQL's
// Device* tables, the event's "table" in JSON output, the finding codec's
// bound, replay's set). A table's code in the event store and in shards is its
// enum value. Adding a table: a Table value, its row here, its mappers
// (mapper.cpp's kMappers) and, for KQL, its columns (tables/defender_schema.cpp).
struct TableInfo {
  Table table;
  const char* name;          // the event's "table" in output: Defender's table where it is one
  const char* rule_keyword;  // a project rule stage's `table:` value; nullptr: rules cannot read it
  const char* kql_table;     // the Defender table a KQL hunt reads it as; nullptr: none
  bool replayed;             // replay and the project's rules read it (kReplayTables)
  bool mapped;               // a mapper writes it (kAllTables); Other is every unmapped record
};
inline constexpr TableInfo kTableInfo[] = {
    {Table::Process, "DeviceProcessEvents", "process", "DeviceProcessEvents", true, true},
    {Table::Network, "DeviceNetworkEvents", "network", "DeviceNetworkEvents", true, true},
    {Table::ProcessEnd, "ProcessEnd", nullptr, nullptr, true, true},
    {Table::Boot, "Boot", nullptr, nullptr, true, true},
    {Table::Logon, "DeviceLogonEvents", "logon", "DeviceLogonEvents", true, true},
    {Table::Script, "PowerShellScriptBlock", "script", "DeviceEvents", true, true},
    {Table::ImageLoad, "DeviceImageLoadEvents", nullptr, "DeviceImageLoadEvents", false, true},
    {Table::File, "DeviceFileEvents", nullptr, "DeviceFileEvents", false, true},
    {Table::Registry, "DeviceRegistryEvents", nullptr, "DeviceRegistryEvents", false, true},
    {Table::Device, "DeviceEvents", nullptr, "DeviceEvents", false, true},
    {Table::Other, "Event", nullptr, nullptr, false, false},
};
constexpr size_t kTableCount = std::size(kTableInfo);
constexpr bool table_rows_in_order() {
  for (size_t i = 0; i < kTableCount; ++i)
    if (static_cast<size_t>(kTableInfo[i].table) != i) return false;
  return true;
}
static_assert(table_rows_in_order(), "kTableInfo holds one row per Table, in the enum's order");
constexpr const TableInfo& table_info(Table t) { return kTableInfo[static_cast<size_t>(t)]; }
constexpr const char* table_name(Table t) { return table_info(t).name; }

// A set of tables (bit i: Table i): the tables a run needs mapped.
using TableSet = uint32_t;
static_assert(kTableCount <= 32, "a TableSet has a bit per table");
constexpr TableSet table_bit(Table t) { return TableSet{1} << static_cast<unsigned>(t); }
constexpr TableSet tables_where(bool TableInfo::*flag) {
  TableSet set = 0;
  for (const TableInfo& t : kTableInfo)
    if (t.*flag) set |= table_bit(t.table);
  return set;
}
// What replay and the rules read: processes, connections, boots, logons, script blocks.
constexpr TableSet kReplayTables = tables_where(&TableInfo::replayed);
// Every table a mapper writes (KQL's Device* tables too).
constexpr TableSet kAllTables = tables_where(&TableInfo::mapped);

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
  LogonId,           // the logon session: of the process (Sysmon 1, 4688 v2 Target), or the one a logon created (4624)
  LogonType,         // Logon: Defender's names ("Network", "Interactive", ...)
  RemoteDeviceName,  // Logon: the client's workstation name as the logon reports it
  FailureReason,     // Logon: why a logon failed (4625 Status / SubStatus, logon_failure.h)
  ScriptBlockText,   // Script: the text of the block (one part of a split script)
  SHA1,              // hashes of the file the event is about (Sysmon Hashes)
  SHA256,
  MD5,
  InitiatingProcessAccountDomain,  // the account the initiating process runs as (Sysmon User)
  InitiatingProcessAccountName,
  RegistryKey,                // Registry: the key, hive written out (HKEY_LOCAL_MACHINE\...)
  RegistryValueName,          // Registry: the value
  RegistryValueData,          // Registry: its new data
  RegistryValueType,          // Registry: Dword, Qword, String, Binary, ...
  PreviousRegistryValueData,  // Registry: its data before (Security 4657)
  RemoteUrl,                  // Device: the name a DNS query asked for (Sysmon 22)
  AdditionalFields,           // ImageLoad, File, Registry, Device: a JSON object of what has no column
  LastBootTime,               // set by replay: the latest boot at or before the event
  // provenance
  SourceFile,
  EventRecordID,
  Provider,
  Channel,
  EventID,
  Count
};
constexpr size_t kFieldCount = static_cast<size_t>(Field::Count);
static_assert(kFieldCount <= 64, "the event store keeps a 64-bit mask of present columns");
const char* field_name(Field f);
std::optional<Field> field_by_name(std::string_view name);

struct FieldValue {
  enum class Kind : uint8_t { Unknown, String, Int, Time } kind = Kind::Unknown;
  int64_t i = 0;  // Int value, or Time in Ticks
  std::string s;  // String value

  bool known() const { return kind != Kind::Unknown; }
  static FieldValue str(std::string v) {
    FieldValue f;
    f.kind = Kind::String;
    f.s = std::move(v);
    return f;
  }
  static FieldValue integer(int64_t v) {
    FieldValue f;
    f.kind = Kind::Int;
    f.i = v;
    return f;
  }
  static FieldValue time(Ticks v) {
    FieldValue f;
    f.kind = Kind::Time;
    f.i = v;
    return f;
  }
};

// ActionType values the mappers write and the host passes and rules read
// (Defender's names).
inline constexpr const char* kLogonSuccess = "LogonSuccess";  // 4624
inline constexpr const char* kLogonFailed = "LogonFailed";    // 4625
inline constexpr const char* kLogOff = "LogOff";              // 4634, 4647
inline constexpr const char* kProcessCreated = "ProcessCreated";
inline constexpr const char* kProcessTerminated = "ProcessTerminated";
inline constexpr const char* kConnectionSuccess = "ConnectionSuccess";  // outbound
inline constexpr const char* kInboundConnectionAccepted = "InboundConnectionAccepted";
inline constexpr const char* kListeningConnectionCreated = "ListeningConnectionCreated";  // Security 5154
// ActionType of a bind to a local port (Security 5158): Defender has no such
// action; a bind is mostly a client choosing its source port, not a listen.
inline constexpr const char* kLocalPortBound = "LocalPortBound";

// Providers of the records the mappers map (mapper.cpp's table) and other
// code tells apart.
inline constexpr std::string_view kSysmonProvider = "Microsoft-Windows-Sysmon";
inline constexpr std::string_view kSecurityProvider = "Microsoft-Windows-Security-Auditing";
inline constexpr std::string_view kPowerShellProvider = "Microsoft-Windows-PowerShell";
inline constexpr std::string_view kEventLogProvider = "EventLog";
inline constexpr std::string_view kKernelGeneralProvider = "Microsoft-Windows-Kernel-General";
inline constexpr std::string_view kServiceControlManagerProvider = "Service Control Manager";

// The kind of a Boot event: one boot leaves several markers within seconds.
enum class BootMarker : uint8_t {
  None,
  ServicesStarted,  // services.exe started by wininit.exe (the seed query's boot time)
  SystemStarted,    // Security 4608
  EventLogStarted,  // System 6005
  OsStarted,        // Kernel-General 12
};
const char* boot_marker_name(BootMarker m);  // the Boot event's ActionType

// Where an event's Timestamp comes from: Sysmon's UtcTime where it is
// plausible, else the record's TimeCreated.
enum class TimeSource : uint8_t { TimeCreated, UtcTime };
const char* time_source_name(TimeSource s);  // "TimeCreated", "UtcTime"

// What the mapper saw of an inbound Sysmon 3 connection for the host pass
// (direction.h) that decides its local side.
struct InboundHints {
  bool pending = false;            // local side not decided yet (Local* = Source* meanwhile)
  bool source_named_self = false;  // SourceHostname names this Computer
  bool dest_named_self = false;    // DestinationHostname names this Computer
};

struct NormalizedEvent {
  Table table = Table::Process;
  std::array<FieldValue, kFieldCount> fields;
  BootMarker boot = BootMarker::None;  // Table::Boot only
  TimeSource time_source = TimeSource::TimeCreated;
  Ticks time_created = 0;  // the record's System/TimeCreated
  // Why a Sysmon UtcTime was not taken ("UtcTime ... is after the record was
  // written"); empty when the Timestamp is the record's own time of the event.
  std::string timestamp_note;
  // Set by the replay's process table: why the process running under the
  // event's initiating PID was not taken as its initiating process (a gap in
  // that process's log); empty otherwise.
  std::string parent_note;
  // Inbound connections whose local side needed deciding (Sysmon 3): the
  // evidence that decided it; empty when not applicable.
  std::string direction_evidence;
  InboundHints inbound;
  // Where the record lies in the run's evidence (set by the event store):
  // file id and position in the file; identifies the event's timeline row.
  struct Origin {
    uint32_t file = 0;
    uint64_t position = 0;
    bool operator==(const Origin&) const = default;
  } origin;

  FieldValue& operator[](Field f) { return fields[static_cast<size_t>(f)]; }
  const FieldValue& operator[](Field f) const { return fields[static_cast<size_t>(f)]; }
  Ticks timestamp() const { return (*this)[Field::Timestamp].i; }

  // As a default-made event, the columns' strings keeping their buffers (an
  // event decoded into again and again allocates only for longer text).
  void clear() {
    table = Table::Process;
    for (FieldValue& f : fields) {
      f.kind = FieldValue::Kind::Unknown;
      f.i = 0;
      f.s.clear();
    }
    boot = BootMarker::None;
    time_source = TimeSource::TimeCreated;
    time_created = 0;
    timestamp_note.clear();
    parent_note.clear();
    direction_evidence.clear();
    inbound = {};
    origin = {};
  }
};
// A member added to NormalizedEvent must be reset by clear() too.
static_assert(sizeof(NormalizedEvent) == 2448, "NormalizedEvent changed: update clear()");

}  // namespace normalize
