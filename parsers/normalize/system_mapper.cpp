// System log boots: 6005 "The Event log service was started" (provider
// EventLog) and Kernel-General 12 (operating system started).
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace norm {

bool map_system(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent boot = start_event(Table::Boot, rec);
  set_boot_marker(boot, rec.event_id() == 6005 ? BootMarker::EventLogStarted : BootMarker::OsStarted);
  out = std::move(boot);
  return true;
}

}  // namespace norm
