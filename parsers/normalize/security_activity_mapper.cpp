// Security auditing of registry values, services and scheduled tasks into
// Defender's tables (field names from Microsoft's event documentation; the
// corpus has 4698 and 4702 records, no 4657 or 4697):
//   4657 DeviceRegistryEvents RegistryValueSet / RegistryValueDeleted
//   4697 DeviceEvents ServiceInstalled
//   4698 / 4702 DeviceEvents ScheduledTaskCreated / ScheduledTaskUpdated
// The account that acted is the record's Subject; the process (4657) its
// ProcessId and ProcessName.
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"
#include "normalize/record_access.h"
#include "text/ascii_case.h"

namespace normalize {
namespace {

void set_subject(NormalizedEvent& ev, const RecordAccess& rec) {
  copy_string(ev, Field::AccountDomain, rec, "SubjectDomainName");
  copy_string(ev, Field::AccountName, rec, "SubjectUserName");
  copy_string(ev, Field::AccountSid, rec, "SubjectUserSid");
  copy_logon_id(ev, rec, "SubjectLogonId");
}

// \REGISTRY\MACHINE\SOFTWARE\... as HKEY_LOCAL_MACHINE\SOFTWARE\...
std::string registry_key(std::string_view object) {
  static constexpr std::pair<std::string_view, std::string_view> kRoots[] = {
      {"\\REGISTRY\\MACHINE", "HKEY_LOCAL_MACHINE"}, {"\\REGISTRY\\USER", "HKEY_USERS"}};
  for (auto [root, hive] : kRoots)
    if (object.size() >= root.size() && text::iequals(object.substr(0, root.size()), root))
      return std::string(hive) + std::string(object.substr(root.size()));
  return std::string(object);
}

}  // namespace

void map_security_registry_value(const RecordAccess& rec, NormalizedEvent& out) {
  // OperationType %%1906 is a value deleted; %%1904 (new) and %%1905 (modified) a value set.
  std::optional<std::string> op = rec.text("OperationType");
  NormalizedEvent ev = start_event(Table::Registry, rec, op == "%%1906" ? "RegistryValueDeleted" : "RegistryValueSet");
  set_subject(ev, rec);
  if (auto object = known_text(rec, "ObjectName")) ev[Field::RegistryKey] = FieldValue::str(registry_key(*object));
  copy_string(ev, Field::RegistryValueName, rec, "ObjectValueName");
  copy_string(ev, Field::RegistryValueData, rec, "NewValue");
  copy_string(ev, Field::PreviousRegistryValueData, rec, "OldValue");
  copy_int(ev, Field::InitiatingProcessId, rec, "ProcessId");
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "ProcessName");
  JsonBag bag;
  for (const char* f : {"OperationType", "NewValueType", "OldValueType"}) bag.copy(rec, f);
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_security_service_installed(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Device, rec, "ServiceInstalled");
  set_subject(ev, rec);
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "ServiceFileName");
  JsonBag bag;
  for (const char* f : {"ServiceName", "ServiceFileName", "ServiceType", "ServiceStartType", "ServiceAccount"})
    bag.copy(rec, f);
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_security_task(const RecordAccess& rec, NormalizedEvent& out) {
  bool created = rec.event_id() == 4698;
  NormalizedEvent ev = start_event(Table::Device, rec, created ? "ScheduledTaskCreated" : "ScheduledTaskUpdated");
  set_subject(ev, rec);
  JsonBag bag;
  bag.copy(rec, "TaskName");
  bag.copy(rec, created ? "TaskContent" : "TaskContentNew", "TaskContent");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

}  // namespace normalize
