// System log boots: 6005 "The Event log service was started" (provider
// EventLog) and Kernel-General 12 (operating system started).
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace norm {

void map_eventlog_started(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent boot = start_event(Table::Boot, rec);
  set_boot_marker(boot, BootMarker::EventLogStarted);
  out = std::move(boot);
}

void map_kernel_os_started(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent boot = start_event(Table::Boot, rec);
  set_boot_marker(boot, BootMarker::OsStarted);
  out = std::move(boot);
}

}  // namespace norm
