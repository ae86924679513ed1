// System log boots: 6005 "The Event log service was started" (provider
// EventLog) and Kernel-General 12 (operating system started); and services
// installed (Service Control Manager 7045: DeviceEvents ServiceInstalled,
// its fields as the corpus's records name them).
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace normalize {

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

void map_service_installed(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Device, rec, "ServiceInstalled");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "ImagePath");
  JsonBag bag;
  bag.copy(rec, "ServiceName");
  bag.copy(rec, "ImagePath", "ServiceFileName");
  bag.copy(rec, "ServiceType");
  bag.copy(rec, "StartType", "ServiceStartType");
  bag.copy(rec, "AccountName", "ServiceAccount");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

}  // namespace normalize
