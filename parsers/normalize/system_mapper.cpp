// System log boots: 6005 "The Event log service was started" (provider
// EventLog) and Kernel-General 12 (operating system started).
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace norm {

void map_system(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent boot = start_event(Table::Boot, rec, src);
  set_boot_marker(boot, rec.event_id == 6005 ? BootMarker::EventLogStarted : BootMarker::OsStarted);
  out.push_back(std::move(boot));
}

}  // namespace norm
