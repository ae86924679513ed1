#include "normalize/normalized_event.h"

namespace normalize {
namespace {

constexpr const char* kFieldNames[kFieldCount] = {
    "Timestamp",
    "DeviceId",
    "DeviceName",
    "ActionType",
    "FileName",
    "FolderPath",
    "ProcessId",
    "ProcessCommandLine",
    "ProcessUniqueId",
    "AccountDomain",
    "AccountName",
    "AccountSid",
    "ProcessIntegrityLevel",
    "InitiatingProcessId",
    "InitiatingProcessFileName",
    "InitiatingProcessFolderPath",
    "InitiatingProcessCommandLine",
    "InitiatingProcessUniqueId",
    "InitiatingProcessParentId",
    "InitiatingProcessParentFileName",
    "LocalIP",
    "LocalPort",
    "RemoteIP",
    "RemotePort",
    "Protocol",
    "LogonId",
    "LogonType",
    "RemoteDeviceName",
    "FailureReason",
    "ScriptBlockText",
    "SHA1",
    "SHA256",
    "MD5",
    "InitiatingProcessAccountDomain",
    "InitiatingProcessAccountName",
    "RegistryKey",
    "RegistryValueName",
    "RegistryValueData",
    "RegistryValueType",
    "PreviousRegistryValueData",
    "RemoteUrl",
    "AdditionalFields",
    "LastBootTime",
    "SourceFile",
    "EventRecordID",
    "Provider",
    "Channel",
    "EventID",
};

}  // namespace

const char* boot_marker_name(BootMarker m) {
  switch (m) {
    case BootMarker::None: return "";
    case BootMarker::ServicesStarted: return "ServicesStarted";
    case BootMarker::SystemStarted: return "SystemStarted";
    case BootMarker::EventLogStarted: return "EventLogStarted";
    case BootMarker::OsStarted: return "OsStarted";
  }
  return "";
}

const char* time_source_name(TimeSource s) { return s == TimeSource::UtcTime ? "UtcTime" : "TimeCreated"; }

const char* field_name(Field f) { return kFieldNames[static_cast<size_t>(f)]; }

std::optional<Field> field_by_name(std::string_view name) {
  for (size_t i = 0; i < kFieldCount; ++i)
    if (name == kFieldNames[i]) return static_cast<Field>(i);
  return std::nullopt;
}

}  // namespace normalize
