#include "normalize/mapper.h"

#include <cctype>

#include "normalize/mapper_parts.h"

namespace norm {
namespace {

enum class Log { None, Sysmon, Security, System, PowerShell };

Log log_of(std::string_view provider, uint16_t id) {
  if (provider == "Microsoft-Windows-Sysmon") return (id == 1 || id == 3 || id == 5) ? Log::Sysmon : Log::None;
  if (provider == "Microsoft-Windows-Security-Auditing")
    return (id == 4624 || id == 4688 || id == 4689 || id == 5156 || id == 5154 || id == 5158 || id == 4608) ? Log::Security
                                                                                              : Log::None;
  if (provider == "Microsoft-Windows-PowerShell" && id == 4104) return Log::PowerShell;
  if (provider == "EventLog" && id == 6005) return Log::System;
  if (provider == "Microsoft-Windows-Kernel-General" && id == 12) return Log::System;
  return Log::None;
}

}  // namespace

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

NormalizedEvent make_boot(const NormalizedEvent& from) {
  NormalizedEvent boot;
  boot.table = Table::Boot;
  for (Field f : {Field::Timestamp, Field::DeviceId, Field::DeviceName, Field::SourceFile, Field::EventRecordID,
                  Field::Provider, Field::Channel, Field::EventID})
    boot[f] = from[f];
  boot.time_source = from.time_source;
  boot.time_created = from.time_created;
  boot.timestamp_note = from.timestamp_note;
  set_boot_marker(boot, from.boot);
  return boot;
}

void set_boot_marker(NormalizedEvent& boot, BootMarker marker) {
  boot.boot = marker;
  boot[Field::ActionType] = FieldValue::str(boot_marker_name(marker));
}

bool is_boot_services_start(const NormalizedEvent& created) {
  const FieldValue& image = created[Field::FileName];
  const FieldValue& parent = created[Field::InitiatingProcessFileName];
  return image.known() && equals_nocase(image.s, "services.exe") && parent.known() &&
         equals_nocase(parent.s, "wininit.exe");
}

void swap_endpoints(NormalizedEvent& ev) {
  std::swap(ev[Field::LocalIP], ev[Field::RemoteIP]);
  std::swap(ev[Field::LocalPort], ev[Field::RemotePort]);
}

std::string protocol_name(std::string_view p) {
  if (p == "6" || equals_nocase(p, "tcp")) return "Tcp";
  if (p == "17" || equals_nocase(p, "udp")) return "Udp";
  if (p == "1" || equals_nocase(p, "icmp")) return "Icmp";
  return std::string(p);
}

bool wanted(std::string_view provider, uint16_t event_id) { return log_of(provider, event_id) != Log::None; }

bool map_record(const RecordAccess& rec, NormalizedEvent& out) {
  switch (log_of(rec.provider(), rec.event_id())) {
    case Log::Sysmon: return map_sysmon(rec, out);
    case Log::Security: return map_security(rec, out);
    case Log::System: return map_system(rec, out);
    case Log::PowerShell: return map_powershell(rec, out);
    case Log::None: break;
  }
  return false;
}

}  // namespace norm
