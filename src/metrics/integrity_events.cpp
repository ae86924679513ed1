#include "metrics/integrity_events.h"

namespace metrics {
namespace {

struct Entry {
  std::string_view provider;
  uint16_t event_id;
  IntegrityEvent kind;
};

constexpr std::string_view kEventlog = "Microsoft-Windows-Eventlog";

constexpr Entry kEvents[] = {
    {kEventlog, 1102, IntegrityEvent::LogCleared},
    {kEventlog, 104, IntegrityEvent::LogCleared},
    {kEventlog, 1100, IntegrityEvent::LogServiceShutdown},
    {kEventlog, 1101, IntegrityEvent::EventsDropped},
    {kEventlog, 1104, IntegrityEvent::LogFull},
    {"Microsoft-Windows-Security-Auditing", 4719, IntegrityEvent::AuditPolicyChanged},
    {"EventLog", 6006, IntegrityEvent::LogServiceStopped},
    {"EventLog", 6008, IntegrityEvent::UnexpectedShutdown},
    {"Microsoft-Windows-Sysmon", 4, IntegrityEvent::SysmonStateChanged},
    {"Microsoft-Windows-Sysmon", 16, IntegrityEvent::SysmonConfigChanged},
};

}  // namespace

const char* integrity_event_name(IntegrityEvent e) {
  switch (e) {
    case IntegrityEvent::LogCleared: return "log_cleared";
    case IntegrityEvent::LogServiceShutdown: return "log_service_shutdown";
    case IntegrityEvent::EventsDropped: return "events_dropped";
    case IntegrityEvent::LogFull: return "log_full";
    case IntegrityEvent::AuditPolicyChanged: return "audit_policy_changed";
    case IntegrityEvent::LogServiceStopped: return "log_service_stopped";
    case IntegrityEvent::UnexpectedShutdown: return "unexpected_shutdown";
    case IntegrityEvent::SysmonStateChanged: return "sysmon_state_changed";
    case IntegrityEvent::SysmonConfigChanged: return "sysmon_config_changed";
  }
  return "";
}

std::optional<IntegrityEvent> integrity_event(std::string_view provider, uint16_t event_id) {
  for (const Entry& e : kEvents)
    if (e.event_id == event_id && e.provider == provider) return e.kind;
  return std::nullopt;
}

}  // namespace metrics
