// The events that say something about the log itself: it was cleared, its
// service stopped or dropped events, auditing or Sysmon was reconfigured, the
// machine went down without a clean shutdown. Keyed by the exact provider and
// event id (System 104 of Microsoft-Windows-Eventlog is a cleared log;
// RdpCoreTS's 104 is not).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace metrics {

enum class IntegrityEvent : uint8_t {
  LogCleared,           // Security 1102, System 104
  LogServiceShutdown,   // Security 1100: the event logging service shut down
  EventsDropped,        // Security 1101: audit events dropped by the transport
  LogFull,              // Security 1104: the Security log is full
  AuditPolicyChanged,   // Security 4719
  LogServiceStopped,    // System 6006: clean shutdown
  UnexpectedShutdown,   // System 6008
  SysmonStateChanged,   // Sysmon 4
  SysmonConfigChanged,  // Sysmon 16
};
const char* integrity_event_name(IntegrityEvent e);  // "log_cleared", ...

std::optional<IntegrityEvent> integrity_event(std::string_view provider, uint16_t event_id);

}  // namespace metrics
