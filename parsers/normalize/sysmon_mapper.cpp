// Sysmon 1 (process created), 3 (network connection), 5 (process ended).
// Timestamp is Sysmon's UtcTime where it is plausible: Sysmon writes network
// events seconds after the connection, so TimeCreated would place them late.
// Placeholders (ParentImage "?", Image "<unknown process>", ParentProcessGuid
// all zeros, an empty User) are unknown values (mapping_util's known_text).
#include "evtx/value.h"
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"
#include "normalize/record_access.h"

namespace normalize {
namespace {

// Sysmon writes events when its service gets to them, so TimeCreated trails
// UtcTime by seconds (network events) to a few minutes (at boot: 346 s in the
// corpus). Further than this, UtcTime is not the time of this record's event
// (network events whose UtcTime is hours or days stale, in the corpus).
constexpr Ticks kMaxWriteDelay = 10 * 60 * kTicksPerSecond;
// UtcTime has millisecond digits, TimeCreated 100 ns ones: UtcTime may exceed
// TimeCreated by rounding only.
constexpr Ticks kClockSlack = kTicksPerSecond;

// Why UtcTime cannot be the time of this record's event; "" when it can be.
// (A UtcTime before its process started is found by the host pass,
// event_time.h, which knows the process starts.)
// The differences are taken as unsigned: a crafted record's times reach the
// ends of the Ticks range (TimeCreated is clamped to the largest), where
// written + kClockSlack would overflow.
std::string implausible_utc(Ticks utc, Ticks written) {
  auto gap = [](Ticks later, Ticks earlier) { return static_cast<uint64_t>(later) - static_cast<uint64_t>(earlier); };
  if (utc > written && gap(utc, written) > static_cast<uint64_t>(kClockSlack)) return "is after the record was written";
  if (utc < written && gap(written, utc) > static_cast<uint64_t>(kMaxWriteDelay))
    return "is more than 10 minutes before the record was written";
  return {};
}

void set_account(NormalizedEvent& ev, const RecordAccess& rec) {
  copy_sysmon_user(ev, rec, Field::AccountDomain, Field::AccountName);
}

bool names_computer(const RecordAccess& rec, std::string_view hostname_field) {
  std::optional<std::string> h = known_text(rec, hostname_field);
  return h && same_host_name(*h, rec.computer());
}

}  // namespace

// "DOMAIN\user" -> domain, name; Sysmon writes an empty User when it could
// not resolve the account (9 network events of the corpus).
void copy_sysmon_user(NormalizedEvent& ev, const RecordAccess& rec, Field domain, Field name) {
  std::optional<std::string> user = known_text(rec, "User", Empty::Unknown);
  if (!user) return;
  std::string_view u = *user;
  size_t cut = u.find('\\');
  if (cut == std::string_view::npos) {
    ev[name] = FieldValue::str(std::string(u));
  } else {
    ev[domain] = FieldValue::str(std::string(u.substr(0, cut)));
    ev[name] = FieldValue::str(std::string(u.substr(cut + 1)));
  }
}

NormalizedEvent sysmon_event(Table table, const RecordAccess& rec, const char* action) {
  NormalizedEvent ev = start_event(table, rec, action);
  const evtx::RawValue* t = rec.find("UtcTime");
  if (!t) return ev;
  auto utc = value_filetime(*t);
  if (!utc) {
    ev.timestamp_note = "UtcTime \"" + value_text(*t) + "\" is not a time";
    return ev;
  }
  std::string why = implausible_utc(ticks_of_filetime(*utc), ev.time_created);
  if (why.empty()) {
    ev[Field::Timestamp] = FieldValue::time(ticks_of_filetime(*utc));
    ev.time_source = TimeSource::UtcTime;
  } else {
    ev.timestamp_note = "UtcTime " + evtx::filetime_iso(static_cast<uint64_t>(*utc), 7) + " " + why;
  }
  return ev;
}

void map_sysmon_process_create(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Process, rec, kProcessCreated);
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "Image");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  copy_string(ev, Field::ProcessCommandLine, rec, "CommandLine");
  copy_string(ev, Field::ProcessUniqueId, rec, "ProcessGuid");
  copy_string(ev, Field::ProcessIntegrityLevel, rec, "IntegrityLevel");
  set_account(ev, rec);
  copy_logon_id(ev, rec, "LogonId");
  copy_int(ev, Field::InitiatingProcessId, rec, "ParentProcessId");
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "ParentImage");
  copy_string(ev, Field::InitiatingProcessCommandLine, rec, "ParentCommandLine");
  copy_string(ev, Field::InitiatingProcessUniqueId, rec, "ParentProcessGuid");
  if (is_boot_services_start(ev)) ev.boot = BootMarker::ServicesStarted;
  out = std::move(ev);
}

void map_sysmon_process_terminate(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::ProcessEnd, rec, kProcessTerminated);
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "Image");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  copy_string(ev, Field::ProcessUniqueId, rec, "ProcessGuid");
  out = std::move(ev);
}

void map_sysmon_network_connect(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Network, rec);
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "Image");
  copy_int(ev, Field::InitiatingProcessId, rec, "ProcessId");
  copy_string(ev, Field::InitiatingProcessUniqueId, rec, "ProcessGuid");
  set_account(ev, rec);
  if (auto p = known_text(rec, "Protocol")) ev[Field::Protocol] = FieldValue::str(protocol_name(*p));
  // Initiated is a bool in Sysmon's manifest; XML exports hold it as text.
  std::optional<std::string> initiated = rec.text("Initiated");
  bool outbound = initiated == "true" || initiated == "1";
  ev[Field::ActionType] = FieldValue::str(outbound ? kConnectionSuccess : kInboundConnectionAccepted);
  // Source is the local side of an outbound connection. For an inbound one
  // older Sysmon wrote the local endpoint as Source, newer as Destination:
  // the host pass (direction.h) decides, from these hints and the host's
  // other events; meanwhile Local* holds Source*.
  copy_ip(ev, Field::LocalIP, rec, "SourceIp");
  copy_int(ev, Field::LocalPort, rec, "SourcePort");
  copy_ip(ev, Field::RemoteIP, rec, "DestinationIp");
  copy_int(ev, Field::RemotePort, rec, "DestinationPort");
  if (!outbound) {
    ev.inbound.pending = true;
    ev.inbound.source_named_self = names_computer(rec, "SourceHostname");
    ev.inbound.dest_named_self = names_computer(rec, "DestinationHostname");
  }
  out = std::move(ev);
}

}  // namespace normalize
