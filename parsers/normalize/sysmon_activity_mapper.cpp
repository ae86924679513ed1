// Sysmon's other activity into Defender's tables (field names from the
// corpus's records; ActionType as Defender names it where it has the event):
//   DeviceImageLoadEvents  7 ImageLoaded
//   DeviceFileEvents       11 FileCreated, 23 / 26 FileDeleted, 15 FileCreated
//                          (a named stream, e.g. Zone.Identifier: the stream's
//                          hash and contents in AdditionalFields), 2
//                          FileModified (creation time changed)
//   DeviceRegistryEvents   12 RegistryKeyCreated / RegistryKeyDeleted /
//                          RegistryValueDeleted, 13 RegistryValueSet, 14
//                          RegistryKeyRenamed
//   DeviceEvents           8 CreateRemoteThreadApiCall, 10 OpenProcessApiCall,
//                          17 / 18 NamedPipeEvent, 22 DnsQueryResponse,
//                          25 ProcessTampering
// The process that acted is the Initiating process (Image, ProcessId,
// ProcessGuid, User); the process acted on (8, 10, 25) is the event's own
// FileName, FolderPath and ProcessId. What Defender has no column for goes to
// AdditionalFields.
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"
#include "normalize/record_access.h"
#include "text/ascii_case.h"

namespace normalize {
namespace {

// Image, ProcessId, ProcessGuid and User: the process behind the event.
void set_initiating(NormalizedEvent& ev, const RecordAccess& rec, std::string_view image = "Image",
                    std::string_view pid = "ProcessId", std::string_view guid = "ProcessGuid") {
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, image);
  copy_int(ev, Field::InitiatingProcessId, rec, pid);
  copy_string(ev, Field::InitiatingProcessUniqueId, rec, guid);
  copy_sysmon_user(ev, rec, Field::InitiatingProcessAccountDomain, Field::InitiatingProcessAccountName);
}

// "SHA1=...,MD5=...,SHA256=...,IMPHASH=..." into the hash columns (the
// import hash into AdditionalFields).
void set_hashes(NormalizedEvent& ev, const RecordAccess& rec, JsonBag& bag, std::string_view data_name = "Hashes") {
  std::optional<std::string> hashes = known_text(rec, data_name, Empty::Unknown);
  if (!hashes) return;
  std::string_view rest = *hashes;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view kind = part.substr(0, eq), value = part.substr(eq + 1);
    if (text::iequals(kind, "SHA1"))
      ev[Field::SHA1] = FieldValue::str(std::string(value));
    else if (text::iequals(kind, "SHA256"))
      ev[Field::SHA256] = FieldValue::str(std::string(value));
    else if (text::iequals(kind, "MD5"))
      ev[Field::MD5] = FieldValue::str(std::string(value));
    else
      bag.add(kind, value);
  }
}

// Sysmon's hive abbreviations written out as Defender writes keys.
std::string registry_key(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kHives[] = {{"HKLM", "HKEY_LOCAL_MACHINE"},
                                                                             {"HKU", "HKEY_USERS"},
                                                                             {"HKCR", "HKEY_CLASSES_ROOT"},
                                                                             {"HKCU", "HKEY_CURRENT_USER"}};
  for (auto [abbrev, full] : kHives)
    if (key.size() >= abbrev.size() && text::iequals(key.substr(0, abbrev.size()), abbrev) &&
        (key.size() == abbrev.size() || key[abbrev.size()] == '\\'))
      return std::string(full) + std::string(key.substr(abbrev.size()));
  return std::string(key);
}

// TargetObject: a key (12 CreateKey / DeleteKey, 14), or a key and its value
// (12 DeleteValue, 13): the value's name is the last component.
void set_registry_object(NormalizedEvent& ev, std::string_view object, bool has_value) {
  if (!has_value) {
    ev[Field::RegistryKey] = FieldValue::str(registry_key(object));
    return;
  }
  size_t cut = object.rfind('\\');
  if (cut == std::string_view::npos) {
    ev[Field::RegistryValueName] = FieldValue::str(std::string(object));
    return;
  }
  ev[Field::RegistryKey] = FieldValue::str(registry_key(object.substr(0, cut)));
  ev[Field::RegistryValueName] = FieldValue::str(std::string(object.substr(cut + 1)));
}

// Details of a SetValue: "DWORD (0x00000001)" is a Dword of 1, "QWORD
// (0x00000000-0x00000001)" a Qword, "Binary Data" binary; other text a string.
void set_registry_data(NormalizedEvent& ev, std::string_view details) {
  auto hex = [](std::string_view h) -> std::optional<uint64_t> {
    uint64_t v = 0;
    size_t digits = 0;
    for (char c : h) {
      if (c == '-' || c == 'x' || c == 'X') continue;
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0 || ++digits > 16) return std::nullopt;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
  };
  for (auto [prefix, type] :
       {std::pair{std::string_view("DWORD ("), "Dword"}, std::pair{std::string_view("QWORD ("), "Qword"}}) {
    if (details.substr(0, prefix.size()) == prefix && details.back() == ')') {
      std::string_view inner = details.substr(prefix.size(), details.size() - prefix.size() - 1);
      if (inner.substr(0, 2) == "0x") inner.remove_prefix(2);
      if (auto v = hex(inner)) {
        ev[Field::RegistryValueType] = FieldValue::str(type);
        ev[Field::RegistryValueData] = FieldValue::str(std::to_string(*v));
        return;
      }
    }
  }
  if (details == "Binary Data") {
    ev[Field::RegistryValueType] = FieldValue::str("Binary");
    return;
  }
  ev[Field::RegistryValueData] = FieldValue::str(std::string(details));
}

// A DeviceFileEvents row of the file TargetFilename names, by the process that acted.
NormalizedEvent file_event(const RecordAccess& rec, const char* action) {
  NormalizedEvent ev = sysmon_event(Table::File, rec, action);
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "TargetFilename");
  set_initiating(ev, rec);
  return ev;
}

}  // namespace

void map_sysmon_image_load(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::ImageLoad, rec, "ImageLoaded");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "ImageLoaded");
  set_initiating(ev, rec);
  JsonBag bag;
  set_hashes(ev, rec, bag);
  for (const char* f : {"FileVersion", "Description", "Product", "Company", "OriginalFileName", "Signed", "Signature",
                        "SignatureStatus"})
    bag.copy(rec, f);
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_file_create(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = file_event(rec, "FileCreated");
  JsonBag bag;
  bag.copy(rec, "CreationUtcTime");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_stream_hash(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = file_event(rec, "FileCreated");
  JsonBag bag;
  set_hashes(ev, rec, bag, "Hash");
  bag.add("StreamHash", "true");
  bag.copy(rec, "Contents");
  bag.copy(rec, "CreationUtcTime");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_file_time_changed(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = file_event(rec, "FileModified");
  JsonBag bag;
  bag.copy(rec, "CreationUtcTime");
  bag.copy(rec, "PreviousCreationUtcTime");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_file_delete(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = file_event(rec, "FileDeleted");
  JsonBag bag;
  set_hashes(ev, rec, bag);
  bag.copy(rec, "IsExecutable");
  bag.copy(rec, "Archived");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_registry(const RecordAccess& rec, NormalizedEvent& out) {
  std::optional<std::string> type = rec.text("EventType");
  const char* action = "RegistryValueSet";
  bool has_value = true;
  if (type == "CreateKey")
    action = "RegistryKeyCreated", has_value = false;
  else if (type == "DeleteKey")
    action = "RegistryKeyDeleted", has_value = false;
  else if (type == "DeleteValue")
    action = "RegistryValueDeleted";
  else if (type == "RenameKey")
    action = "RegistryKeyRenamed", has_value = false;
  NormalizedEvent ev = sysmon_event(Table::Registry, rec, action);
  if (auto object = known_text(rec, "TargetObject")) set_registry_object(ev, *object, has_value);
  if (type == "SetValue")
    if (auto details = rec.text("Details")) set_registry_data(ev, *details);
  set_initiating(ev, rec);
  JsonBag bag;
  bag.copy(rec, "NewName");  // 14: the key's new name
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_remote_thread(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Device, rec, "CreateRemoteThreadApiCall");
  set_initiating(ev, rec, "SourceImage", "SourceProcessId", "SourceProcessGuid");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "TargetImage");
  copy_int(ev, Field::ProcessId, rec, "TargetProcessId");
  copy_string(ev, Field::ProcessUniqueId, rec, "TargetProcessGuid");
  JsonBag bag;
  for (const char* f : {"NewThreadId", "StartAddress", "StartModule", "StartFunction"}) bag.copy(rec, f);
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_process_access(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Device, rec, "OpenProcessApiCall");
  set_initiating(ev, rec, "SourceImage", "SourceProcessId", "SourceProcessGUID");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "TargetImage");
  copy_int(ev, Field::ProcessId, rec, "TargetProcessId");
  copy_string(ev, Field::ProcessUniqueId, rec, "TargetProcessGUID");
  JsonBag bag;
  bag.copy(rec, "GrantedAccess", "DesiredAccess");
  bag.copy(rec, "CallTrace");
  bag.copy(rec, "SourceThreadId");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_pipe(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Device, rec, "NamedPipeEvent");
  set_initiating(ev, rec);
  JsonBag bag;
  bag.copy(rec, "PipeName");
  // Defender's FileOperation: a pipe created or opened.
  std::optional<std::string> type = rec.text("EventType");
  bool created = type ? *type == "CreatePipe" : rec.event_id() == 17;
  bag.add("FileOperation", created ? "File created" : "File opened");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_dns_query(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Device, rec, "DnsQueryResponse");
  set_initiating(ev, rec);
  copy_string(ev, Field::RemoteUrl, rec, "QueryName");
  JsonBag bag;
  bag.copy(rec, "QueryName", "DnsQueryString");
  bag.copy(rec, "QueryResults", "DnsQueryResult");
  bag.copy(rec, "QueryStatus");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

void map_sysmon_process_tampering(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = sysmon_event(Table::Device, rec, "ProcessTampering");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "Image");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  copy_string(ev, Field::ProcessUniqueId, rec, "ProcessGuid");
  copy_sysmon_user(ev, rec, Field::AccountDomain, Field::AccountName);
  JsonBag bag;
  bag.copy(rec, "Type");
  set_additional_fields(ev, bag);
  out = std::move(ev);
}

}  // namespace normalize
