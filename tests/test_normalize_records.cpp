// Normalization checked against the raw records of the shared corpus, field
// by field: every mapped record (Sysmon 1/3/5, Security 4624/4625/4634/4647/4688/4689/5156/5154/
// 5158/4608, System 6005, Kernel-General 12) is read raw with the native
// reader and joined to its normalized row on SourceFile and EventRecordID; the
// mapping rules are re-stated here, independently of the mappers, and every
// row must follow them. Then the named records of each rule, exactly.
//
// The corpus is read as one folder run, as a responder runs it: host evidence
// (own addresses, peer connections) comes from every file of the host.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "evtx/value.h"
#include "normalize/normalized_event.h"
#include "pipeline/event_writer.h"
#include "pipeline/inputs.h"
#include "support/collect.h"
#include "support/corpus.h"

namespace {

using normalize::Field;
using normalize::FieldValue;
using normalize::NormalizedEvent;
using normalize::Table;
namespace fs = std::filesystem;

constexpr int64_t kTick = 10'000'000;

// ---- the mapping rules, stated again from the record's side ------------------

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string base(const std::string& path) {
  size_t cut = path.find_last_of("\\/");
  return cut == std::string::npos ? path : path.substr(cut + 1);
}

// Windows' "no value": Sysmon's "-" / "?" / "<unknown process>" / all-zero
// GUID, Security's "-". An empty value is a value, except where the mapping
// says the provider writes "" for none (Checker::copy_or_empty_unknown).
bool placeholder(const std::string& v) {
  return v == "-" || v == "?" || v == "<unknown process>" || v == "00000000-0000-0000-0000-000000000000" ||
         v == "{00000000-0000-0000-0000-000000000000}";
}

// RFC 5952 text of an address, through the C library (a second route).
std::string rfc5952(const std::string& ip) {
  unsigned char b[16];
  char out[INET6_ADDRSTRLEN];
  if (ip.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, ip.c_str(), b) != 1) return ip;
    return inet_ntop(AF_INET6, b, out, sizeof out);
  }
  return ip;
}

bool group_address(const std::string& ip) {
  std::string c = rfc5952(ip);
  if (c.rfind("ff", 0) == 0) return true;  // IPv6 multicast
  unsigned char b[4];
  if (inet_pton(AF_INET, c.c_str(), b) != 1) return false;
  return (b[0] >= 224 && b[0] <= 239) || b[3] == 255;
}

int64_t number(const std::string& s) {
  if (s.rfind("0x", 0) == 0) return static_cast<int64_t>(std::stoull(s.substr(2), nullptr, 16));
  return std::stoll(s);
}

struct Checker {
  const evtx::Record& raw;
  const NormalizedEvent& ev;
  std::string where;

  const evtx::TypedValue* value(const char* name) const { return raw.find(name); }
  bool known(const char* name) const {
    const evtx::TypedValue* v = value(name);
    return v && !placeholder(v->text);
  }
  std::string text(const char* name) const { return value(name) ? value(name)->text : ""; }
  bool has(const char* name) const { return value(name) != nullptr; }

  void unknown(Field f, const char* why) const {
    EXPECT_FALSE(ev[f].known()) << where << ": " << normalize::field_name(f) << " should be unknown (" << why
                                << ") but is " << pipeline::field_text(ev[f]);
  }
  void str(Field f, const std::string& want) const {
    EXPECT_EQ(pipeline::field_text(ev[f]), want) << where << ": " << normalize::field_name(f);
    EXPECT_TRUE(ev[f].known()) << where << ": " << normalize::field_name(f);
  }
  void num(Field f, int64_t want) const {
    ASSERT_TRUE(ev[f].known()) << where << ": " << normalize::field_name(f);
    EXPECT_EQ(ev[f].i, want) << where << ": " << normalize::field_name(f);
  }
  // Field f is the record's data item, or unknown when that holds a placeholder.
  void copy(Field f, const char* name) const {
    if (known(name))
      str(f, text(name));
    else
      unknown(f, name);
  }
  // As copy, and "" is unknown too (4688 CommandLine without command-line
  // auditing; Sysmon's unresolved User).
  void copy_or_empty_unknown(Field f, const char* name) const {
    if (known(name) && !text(name).empty())
      str(f, text(name));
    else
      unknown(f, name);
  }
  void copy_number(Field f, const char* name) const {
    if (known(name))
      num(f, number(text(name)));
    else
      unknown(f, name);
  }
  void copy_path(Field folder, Field file, const char* name) const {
    if (known(name)) {
      str(folder, text(name));
      str(file, base(text(name)));
    } else {
      unknown(folder, name);
      unknown(file, name);
    }
  }
  void endpoint(Field ip, Field port, const char* ip_name, const char* port_name) const {
    str(ip, rfc5952(text(ip_name)));
    num(port, number(text(port_name)));
  }
};

void check_host(const Checker& c, const std::map<std::string, std::string>& short_to_fqdn) {
  c.str(Field::DeviceName, c.raw.computer);
  std::string name = lower(c.raw.computer);
  auto it = short_to_fqdn.find(name);
  c.str(Field::DeviceId, it == short_to_fqdn.end() ? name : it->second);
}

void check_sysmon_time(const Checker& c, int64_t process_start) {
  const auto utc = evtx::parse_iso_filetime(c.text("UtcTime"));
  ASSERT_TRUE(utc) << c.where;
  const int64_t u = static_cast<int64_t>(*utc), written = static_cast<int64_t>(c.raw.time_created);
  bool after = u > written + kTick;
  bool far_before = u < written - 600 * kTick;
  bool before_start = process_start >= 0 && u < process_start;
  if (after || far_before || before_start) {
    EXPECT_EQ(c.ev.time_source, normalize::TimeSource::TimeCreated) << c.where;
    EXPECT_EQ(c.ev.timestamp(), written) << c.where;
    EXPECT_FALSE(c.ev.timestamp_note.empty()) << c.where;
  } else {
    EXPECT_EQ(c.ev.time_source, normalize::TimeSource::UtcTime) << c.where;
    EXPECT_EQ(c.ev.timestamp(), u) << c.where;
    EXPECT_TRUE(c.ev.timestamp_note.empty()) << c.where << ": " << c.ev.timestamp_note;
  }
}

void check_sysmon_account(const Checker& c) {
  if (!c.known("User") || c.text("User").empty()) {
    c.unknown(Field::AccountName, "User");
    c.unknown(Field::AccountDomain, "User");
    return;
  }
  std::string u = c.text("User");
  size_t cut = u.find('\\');
  c.str(Field::AccountName, cut == std::string::npos ? u : u.substr(cut + 1));
  if (cut != std::string::npos) c.str(Field::AccountDomain, u.substr(0, cut));
}

void check_sysmon_1(const Checker& c) {
  c.str(Field::ActionType, "ProcessCreated");
  c.copy_path(Field::FolderPath, Field::FileName, "Image");
  c.copy_number(Field::ProcessId, "ProcessId");
  c.copy(Field::ProcessCommandLine, "CommandLine");
  c.copy(Field::ProcessUniqueId, "ProcessGuid");
  c.copy_number(Field::InitiatingProcessId, "ParentProcessId");
  c.copy_path(Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, "ParentImage");
  c.copy(Field::InitiatingProcessCommandLine, "ParentCommandLine");
  c.copy(Field::InitiatingProcessUniqueId, "ParentProcessGuid");
  check_sysmon_account(c);
}

void check_sysmon_3(const Checker& c) {
  c.copy_path(Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, "Image");
  c.copy_number(Field::InitiatingProcessId, "ProcessId");
  check_sysmon_account(c);
  std::string initiated = c.text("Initiated");
  if (initiated == "true" || initiated == "1") {
    c.str(Field::ActionType, "ConnectionSuccess");
    c.endpoint(Field::LocalIP, Field::LocalPort, "SourceIp", "SourcePort");
    c.endpoint(Field::RemoteIP, Field::RemotePort, "DestinationIp", "DestinationPort");
    EXPECT_TRUE(c.ev.direction_evidence.empty()) << c.where;
    return;
  }
  c.str(Field::ActionType, "InboundConnectionAccepted");
  EXPECT_FALSE(c.ev.direction_evidence.empty()) << c.where;
  std::string src = rfc5952(c.text("SourceIp")), dst = rfc5952(c.text("DestinationIp"));
  int64_t sport = number(c.text("SourcePort")), dport = number(c.text("DestinationPort"));
  std::string lip = pipeline::field_text(c.ev[Field::LocalIP]), rip = pipeline::field_text(c.ev[Field::RemoteIP]);
  bool source_local =
      lip == src && c.ev[Field::LocalPort].i == sport && rip == dst && c.ev[Field::RemotePort].i == dport;
  bool dest_local = lip == dst && c.ev[Field::LocalPort].i == dport && rip == src && c.ev[Field::RemotePort].i == sport;
  EXPECT_TRUE(source_local || dest_local) << c.where << ": endpoints are not Source/Destination either way";
  // A multicast or broadcast address is the group that received the packet.
  if (group_address(src) != group_address(dst)) {
    EXPECT_TRUE(group_address(lip)) << c.where;
  }
}

void check_sysmon_5(const Checker& c) {
  c.str(Field::ActionType, "ProcessTerminated");
  c.copy_path(Field::FolderPath, Field::FileName, "Image");
  c.copy_number(Field::ProcessId, "ProcessId");
  c.copy(Field::ProcessUniqueId, "ProcessGuid");
}

void check_4688(const Checker& c) {
  c.str(Field::ActionType, "ProcessCreated");
  c.copy_path(Field::FolderPath, Field::FileName, "NewProcessName");
  c.num(Field::ProcessId, number(c.text("NewProcessId")));
  c.num(Field::InitiatingProcessId, number(c.text("ProcessId")));
  c.copy_or_empty_unknown(Field::ProcessCommandLine, "CommandLine");
  c.copy_path(Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, "ParentProcessName");
  if (c.known("TargetUserName")) {  // version 2: the new process runs as the Target account
    c.str(Field::AccountName, c.text("TargetUserName"));
    c.copy(Field::AccountDomain, "TargetDomainName");
    if (c.text("TargetUserSid") == "S-1-0-0")
      c.unknown(Field::AccountSid, "TargetUserSid is the NULL SID");
    else
      c.copy(Field::AccountSid, "TargetUserSid");
  } else if (c.has("TargetUserName")) {  // version 2, Target "-": the creator's account
    c.copy(Field::AccountName, "SubjectUserName");
    c.copy(Field::AccountDomain, "SubjectDomainName");
    c.copy(Field::AccountSid, "SubjectUserSid");
  } else {  // versions 0 and 1: the Subject is only the creator
    c.unknown(Field::AccountName, "version 0/1 records no account for the new process");
    c.unknown(Field::AccountSid, "version 0/1 records no account for the new process");
  }
}

void check_4689(const Checker& c) {
  c.str(Field::ActionType, "ProcessTerminated");
  c.copy_path(Field::FolderPath, Field::FileName, "ProcessName");
  c.num(Field::ProcessId, number(c.text("ProcessId")));
}

// 4624 / 4625 / 4634 / 4647: the Target account and session; 4624 and 4625
// also how and from where; 4625 why it failed (SubStatus when not 0x0, else
// Status; the codes the corpus holds, in the words of Microsoft's event-4625 page).
void check_logon(const Checker& c) {
  const int id = c.raw.event_id;
  c.str(Field::ActionType, id == 4624 ? "LogonSuccess" : id == 4625 ? "LogonFailed" : "LogOff");
  c.copy(Field::AccountName, "TargetUserName");
  c.copy(Field::AccountDomain, "TargetDomainName");
  if (id != 4625) c.str(Field::LogonId, lower(c.text("TargetLogonId")));
  static const std::map<int64_t, std::string> kTypes = {{0, "0"},
                                                        {2, "Interactive"},
                                                        {3, "Network"},
                                                        {4, "Batch"},
                                                        {5, "Service"},
                                                        {7, "Unlock"},
                                                        {8, "NetworkCleartext"},
                                                        {9, "NewCredentials"},
                                                        {10, "RemoteInteractive"},
                                                        {11, "CachedInteractive"}};
  if (c.has("LogonType"))
    c.str(Field::LogonType, kTypes.at(number(c.text("LogonType"))));
  else
    c.unknown(Field::LogonType, "4647 logs no LogonType");
  if (id == 4634 || id == 4647) {
    c.unknown(Field::RemoteIP, "a logoff names no client");
    return;
  }
  if (c.known("IpAddress"))
    c.str(Field::RemoteIP, rfc5952(c.text("IpAddress")));
  else
    c.unknown(Field::RemoteIP, "IpAddress");
  c.copy(Field::RemoteDeviceName, "WorkstationName");
  c.copy(Field::Protocol, "AuthenticationPackageName");
  if (id != 4625) {
    c.unknown(Field::FailureReason, "a logon that succeeded");
    return;
  }
  static const std::map<int64_t, std::string> kReasons = {{0xc0000064, "User name does not exist"},
                                                          {0xc000006a, "Wrong password"},
                                                          {0xc000006d, "Bad user name or authentication information"},
                                                          {0xc0000072, "Account disabled"},
                                                          {0xc0000224, "Password must be changed at next logon"}};
  int64_t sub = number(c.text("SubStatus"));
  int64_t code = sub != 0 ? sub : number(c.text("Status"));
  ASSERT_TRUE(kReasons.count(code)) << c.where << ": a status code this test does not know: " << code;
  c.str(Field::FailureReason, kReasons.at(code));
}

void check_wfp(const Checker& c) {
  c.copy_path(Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, "Application");
  // The local endpoint is Source in every direction.
  c.endpoint(Field::LocalIP, Field::LocalPort, "SourceAddress", "SourcePort");
  if (c.raw.event_id == 5156) {
    c.str(Field::ActionType, c.text("Direction") == "%%14592" ? "InboundConnectionAccepted" : "ConnectionSuccess");
    c.endpoint(Field::RemoteIP, Field::RemotePort, "DestAddress", "DestPort");
  } else {
    c.str(Field::ActionType, c.raw.event_id == 5154 ? "ListeningConnectionCreated" : "LocalPortBound");
    c.unknown(Field::RemoteIP, "a listen or bind has no remote side");
  }
}

// ---- Sysmon's other activity, Security's tasks, System's services ----------

// The process that acted: image, PID and GUID data items, and its User.
void check_actor(const Checker& c, const char* image, const char* pid, const char* guid) {
  c.copy_path(Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, image);
  c.copy_number(Field::InitiatingProcessId, pid);
  c.copy(Field::InitiatingProcessUniqueId, guid);
  if (!c.known("User") || c.text("User").empty()) {
    c.unknown(Field::InitiatingProcessAccountName, "User");
    return;
  }
  std::string u = c.text("User");
  c.str(Field::InitiatingProcessAccountName, u.substr(u.find('\\') + 1));
}

// "SHA1=..,MD5=..,SHA256=..,IMPHASH=..": each listed hash in its column.
void check_hashes(const Checker& c, const char* name) {
  std::map<std::string, std::string> listed;
  std::string h = c.text(name) + ",";
  for (size_t start = 0, comma; (comma = h.find(',', start)) != std::string::npos; start = comma + 1) {
    std::string part = h.substr(start, comma - start);
    if (size_t eq = part.find('='); eq != std::string::npos) listed[part.substr(0, eq)] = part.substr(eq + 1);
  }
  for (auto [kind, field] :
       {std::pair{"SHA1", Field::SHA1}, std::pair{"SHA256", Field::SHA256}, std::pair{"MD5", Field::MD5}}) {
    if (listed.count(kind))
      c.str(field, listed[kind]);
    else
      c.unknown(field, kind);
  }
}

// AdditionalFields holds these data items (under the given keys) where the record has them.
void check_bag(const Checker& c, std::initializer_list<std::pair<const char*, const char*>> items) {
  nlohmann::json bag = c.ev[Field::AdditionalFields].known() ? nlohmann::json::parse(c.ev[Field::AdditionalFields].s)
                                                             : nlohmann::json::object();
  for (auto [name, key] : items) {
    if (c.known(name) && !c.text(name).empty()) {
      EXPECT_EQ(bag.value(key, "<none>"), c.text(name)) << c.where << ": AdditionalFields." << key;
    } else {
      EXPECT_FALSE(bag.contains(key)) << c.where << ": AdditionalFields." << key;
    }
  }
}

std::string hive(const std::string& key) {
  for (auto [abbrev, full] : {std::pair<std::string, std::string>{"HKLM", "HKEY_LOCAL_MACHINE"},
                              {"HKU", "HKEY_USERS"},
                              {"HKCR", "HKEY_CLASSES_ROOT"},
                              {"HKCU", "HKEY_CURRENT_USER"}})
    if (key == abbrev || key.rfind(abbrev + "\\", 0) == 0) return full + key.substr(abbrev.size());
  return key;
}

void check_sysmon_activity(const Checker& c) {
  const int id = c.raw.event_id;
  switch (id) {
    case 7:
      EXPECT_EQ(c.ev.table, Table::ImageLoad) << c.where;
      c.str(Field::ActionType, "ImageLoaded");
      c.copy_path(Field::FolderPath, Field::FileName, "ImageLoaded");
      check_actor(c, "Image", "ProcessId", "ProcessGuid");
      check_hashes(c, "Hashes");
      check_bag(c, {{"Signed", "Signed"}, {"Signature", "Signature"}, {"OriginalFileName", "OriginalFileName"}});
      return;
    case 2:
    case 11:
    case 23:
    case 26:
      EXPECT_EQ(c.ev.table, Table::File) << c.where;
      c.str(Field::ActionType, id == 2 ? "FileModified" : id == 11 ? "FileCreated" : "FileDeleted");
      c.copy_path(Field::FolderPath, Field::FileName, "TargetFilename");
      check_actor(c, "Image", "ProcessId", "ProcessGuid");
      if (id >= 23) check_hashes(c, "Hashes");
      check_bag(c, {{"CreationUtcTime", "CreationUtcTime"}, {"PreviousCreationUtcTime", "PreviousCreationUtcTime"}});
      return;
    case 15:
      EXPECT_EQ(c.ev.table, Table::File) << c.where;
      c.str(Field::ActionType, "FileCreated");
      c.copy_path(Field::FolderPath, Field::FileName, "TargetFilename");
      check_hashes(c, "Hash");
      return;
    case 12:
    case 13:
    case 14: {
      EXPECT_EQ(c.ev.table, Table::Registry) << c.where;
      std::string type = c.text("EventType"), object = c.text("TargetObject");
      bool value = type == "SetValue" || type == "DeleteValue";
      c.str(Field::ActionType, type == "CreateKey"     ? "RegistryKeyCreated"
                               : type == "DeleteKey"   ? "RegistryKeyDeleted"
                               : type == "DeleteValue" ? "RegistryValueDeleted"
                               : type == "RenameKey"   ? "RegistryKeyRenamed"
                                                       : "RegistryValueSet");
      if (value) {
        c.str(Field::RegistryKey, hive(object.substr(0, object.rfind('\\'))));
        c.str(Field::RegistryValueName, object.substr(object.rfind('\\') + 1));
      } else {
        c.str(Field::RegistryKey, hive(object));
        c.unknown(Field::RegistryValueName, "a key");
      }
      std::string details = c.text("Details");
      if (type == "SetValue" && details.rfind("DWORD (0x", 0) == 0) {
        c.str(Field::RegistryValueType, "Dword");
        c.str(Field::RegistryValueData,
              std::to_string(std::stoull(details.substr(9, details.size() - 10), nullptr, 16)));
      } else if (type == "SetValue" && details != "Binary Data" && details.rfind("QWORD", 0) != 0) {
        c.str(Field::RegistryValueData, details);
      }
      check_actor(c, "Image", "ProcessId", "ProcessGuid");
      return;
    }
    case 8:
    case 10: {
      EXPECT_EQ(c.ev.table, Table::Device) << c.where;
      c.str(Field::ActionType, id == 8 ? "CreateRemoteThreadApiCall" : "OpenProcessApiCall");
      c.copy_path(Field::FolderPath, Field::FileName, "TargetImage");
      c.copy_number(Field::ProcessId, "TargetProcessId");
      check_actor(c, "SourceImage", "SourceProcessId", id == 8 ? "SourceProcessGuid" : "SourceProcessGUID");
      if (id == 10) check_bag(c, {{"GrantedAccess", "DesiredAccess"}, {"CallTrace", "CallTrace"}});
      if (id == 8) check_bag(c, {{"StartAddress", "StartAddress"}, {"StartModule", "StartModule"}});
      return;
    }
    case 17:
    case 18:
      EXPECT_EQ(c.ev.table, Table::Device) << c.where;
      c.str(Field::ActionType, "NamedPipeEvent");
      check_actor(c, "Image", "ProcessId", "ProcessGuid");
      check_bag(c, {{"PipeName", "PipeName"}});
      return;
    case 22:
      EXPECT_EQ(c.ev.table, Table::Device) << c.where;
      c.str(Field::ActionType, "DnsQueryResponse");
      c.copy(Field::RemoteUrl, "QueryName");
      check_actor(c, "Image", "ProcessId", "ProcessGuid");
      check_bag(c, {{"QueryName", "DnsQueryString"}, {"QueryResults", "DnsQueryResult"}});
      return;
    default: return;
  }
}

void check_task_or_service(const Checker& c) {
  EXPECT_EQ(c.ev.table, Table::Device) << c.where;
  const int id = c.raw.event_id;
  if (id == 7045) {
    c.str(Field::ActionType, "ServiceInstalled");
    c.copy_path(Field::FolderPath, Field::FileName, "ImagePath");
    check_bag(c, {{"ServiceName", "ServiceName"},
                  {"ImagePath", "ServiceFileName"},
                  {"StartType", "ServiceStartType"},
                  {"AccountName", "ServiceAccount"}});
    return;
  }
  c.str(Field::ActionType, id == 4698 ? "ScheduledTaskCreated" : "ScheduledTaskUpdated");
  c.copy(Field::AccountName, "SubjectUserName");
  c.copy(Field::AccountDomain, "SubjectDomainName");
  c.copy(Field::AccountSid, "SubjectUserSid");
  check_bag(c, {{"TaskName", "TaskName"}, {id == 4698 ? "TaskContent" : "TaskContentNew", "TaskContent"}});
}

// ---- the corpus, read raw and normalized -------------------------------------

struct RawRecord {
  std::string file;
  evtx::Record rec;
};

struct Corpus {
  support::Collected collected;
  std::map<std::pair<std::string, int64_t>, std::vector<evtx::Record>> raw;  // (file, EventRecordID)
  std::map<std::string, std::string> short_to_fqdn;                          // lower case

  Corpus() {
    collected = support::collect({corpus::root().string()}, 2, 64, false, normalize::kAllTables);
    std::map<std::string, std::set<std::string>> fqdns;
    for (const fs::path& p : corpus::list_evtx()) {
      corpus::ReadResult r = corpus::read_file(p);
      for (corpus::ReadRecord& rec : r.records) {
        std::string name = lower(rec.computer);
        if (size_t dot = name.find('.'); dot != std::string::npos) fqdns[name.substr(0, dot)].insert(name);
        raw[{p.string(), static_cast<int64_t>(rec.xml_record_id)}].push_back(std::move(rec));
      }
    }
    for (auto& [label, set] : fqdns)
      if (set.size() == 1) short_to_fqdn[label] = *set.begin();
  }

  const evtx::Record* record(const NormalizedEvent& ev) const {
    auto it = raw.find({ev[Field::SourceFile].s, ev[Field::EventRecordID].i});
    return it == raw.end() || it->second.size() != 1 ? nullptr : &it->second.front();
  }
  const NormalizedEvent* event(const std::string& rel, int64_t record_id, Table table) const {
    return event_of_file(corpus::attack_sample(rel).string(), record_id, table);
  }
  const NormalizedEvent* event_of_file(const std::string& file, int64_t record_id, Table table) const {
    for (const NormalizedEvent& ev : collected.events)
      if (ev.table == table && ev[Field::EventRecordID].i == record_id && ev[Field::SourceFile].s == file) return &ev;
    return nullptr;
  }
};

const Corpus& corpus_run() {
  static const Corpus c;
  return c;
}

std::string text(const NormalizedEvent& ev, Field f) { return pipeline::field_text(ev[f]); }

const NormalizedEvent& get(const std::string& rel, int64_t record_id, Table table) {
  const NormalizedEvent* ev = corpus_run().event(rel, record_id, table);
  if (!ev) {
    ADD_FAILURE() << "no normalized event of " << rel << " #" << record_id;
    static NormalizedEvent none;
    return none;
  }
  return *ev;
}

}  // namespace

// Every mapped record of the corpus, field by field.
TEST(NormalizeRecords, EveryMappedRecordFollowsTheMappingRules) {
  const Corpus& c = corpus_run();
  // Sysmon 1 start of each (host, ProcessGuid): no event of a process precedes it.
  std::map<std::string, int64_t> starts;
  for (const NormalizedEvent& ev : c.collected.events) {
    const evtx::Record* raw = c.record(ev);
    if (raw && ev.table == Table::Process && raw->event_id == 1 && ev.time_source == normalize::TimeSource::UtcTime)
      starts.emplace(ev[Field::DeviceId].s + "|" + raw->find("ProcessGuid")->text, ev.timestamp());
  }
  std::map<std::string, size_t> checked;
  size_t unjoined = 0;
  for (const NormalizedEvent& ev : c.collected.events) {
    const evtx::Record* raw = c.record(ev);
    if (!raw) {
      ++unjoined;
      continue;
    }
    Checker k{*raw, ev, base(ev[Field::SourceFile].s) + "#" + std::to_string(ev[Field::EventRecordID].i)};
    check_host(k, c.short_to_fqdn);
    k.str(Field::Provider, raw->provider_name);
    k.num(Field::EventID, raw->event_id);
    bool sysmon = raw->provider_name == "Microsoft-Windows-Sysmon";
    if (ev.table == Table::Boot) {
      ++checked["boot"];
      continue;
    }
    if (sysmon) {
      // The process the event belongs to: the one ended (5), else the one that acted.
      const FieldValue& guid = ev.table == Table::Process || ev.table == Table::ProcessEnd
                                   ? ev[Field::ProcessUniqueId]
                                   : ev[Field::InitiatingProcessUniqueId];
      auto st = guid.known() && raw->event_id != 1 ? starts.find(ev[Field::DeviceId].s + "|" + guid.s) : starts.end();
      check_sysmon_time(k, st == starts.end() ? -1 : st->second);
      if (raw->event_id == 1) check_sysmon_1(k);
      if (raw->event_id == 3) check_sysmon_3(k);
      if (raw->event_id == 5) check_sysmon_5(k);
      check_sysmon_activity(k);
    } else {
      EXPECT_EQ(ev.timestamp(), static_cast<int64_t>(raw->time_created)) << k.where;
      if (raw->event_id == 4688) check_4688(k);
      if (raw->event_id == 4689) check_4689(k);
      if (ev.table == Table::Logon) check_logon(k);
      if (raw->event_id == 5156 || raw->event_id == 5154 || raw->event_id == 5158) check_wfp(k);
      if (raw->event_id == 4698 || raw->event_id == 4702 || raw->event_id == 7045) check_task_or_service(k);
    }
    ++checked[raw->provider_name + " " + std::to_string(raw->event_id)];
  }
  // A services.exe start is a boot exactly when wininit.exe started it.
  size_t services_boots = 0;
  for (const NormalizedEvent& ev : c.collected.events) {
    if (ev.table != Table::Process || !ev[Field::FileName].known()) continue;
    bool want = lower(ev[Field::FileName].s) == "services.exe" && ev[Field::InitiatingProcessFileName].known() &&
                lower(ev[Field::InitiatingProcessFileName].s) == "wininit.exe";
    EXPECT_EQ(ev.boot == normalize::BootMarker::ServicesStarted, want)
        << base(ev[Field::SourceFile].s) << "#" << ev[Field::EventRecordID].i;
    services_boots += want;
  }
  EXPECT_EQ(services_boots, 3u);
  // Every kind of mapped record the corpus holds was checked (it has no 4689 and no 5154).
  for (const char* kind : {"Microsoft-Windows-Sysmon 1", "Microsoft-Windows-Sysmon 3", "Microsoft-Windows-Sysmon 5",
                           "Microsoft-Windows-Security-Auditing 4688", "Microsoft-Windows-Security-Auditing 5156",
                           "Microsoft-Windows-Security-Auditing 5158"})
    EXPECT_GT(checked[kind], 0u) << kind;
  EXPECT_EQ(checked["Microsoft-Windows-Security-Auditing 5156"], 92u);
  EXPECT_EQ(checked["Microsoft-Windows-Sysmon 3"], 166u);
  // A record read from two copies of a log counts once (the corpus holds
  // 41 4634 and 74 4647 records, some in copies of one log).
  EXPECT_EQ(checked["Microsoft-Windows-Security-Auditing 4625"], 17u);
  EXPECT_EQ(checked["Microsoft-Windows-Security-Auditing 4634"], 30u);
  EXPECT_EQ(checked["Microsoft-Windows-Security-Auditing 4647"], 38u);
  // The activity the DeviceImageLoad/File/Registry/Events tables hold (the
  // corpus has no Sysmon 25 or 26, no Security 4657 or 4697).
  for (int id : {2, 7, 8, 10, 11, 12, 13, 15, 17, 18, 22, 23})
    EXPECT_GT(checked["Microsoft-Windows-Sysmon " + std::to_string(id)], 0u) << "Sysmon " << id;
  for (const char* kind : {"Microsoft-Windows-Security-Auditing 4698", "Microsoft-Windows-Security-Auditing 4702",
                           "Service Control Manager 7045"})
    EXPECT_GT(checked[kind], 0u) << kind;
  EXPECT_LT(unjoined, 10u);  // records whose EventRecordID repeats in a damaged file
}

// Rule 1: the local endpoint of a 5156 is Source, inbound or outbound.
TEST(NormalizeRecords, Wfp5156InboundLocalIsSource) {
  const std::string rdp = "Command and Control/DE_RDP_Tunnel_5156.evtx";
  const NormalizedEvent& rdp_in = get(rdp, 227728, Table::Network);  // the other side of plink's #227727
  EXPECT_EQ(text(rdp_in, Field::ActionType), "InboundConnectionAccepted");
  EXPECT_EQ(text(rdp_in, Field::InitiatingProcessFileName), "System");
  EXPECT_EQ(text(rdp_in, Field::LocalIP), "127.0.0.2");
  EXPECT_EQ(rdp_in[Field::LocalPort].i, 3389);
  EXPECT_EQ(text(rdp_in, Field::RemoteIP), "127.0.0.1");
  EXPECT_EQ(rdp_in[Field::RemotePort].i, 49271);
  const NormalizedEvent& plink = get(rdp, 227727, Table::Network);
  EXPECT_EQ(text(plink, Field::LocalIP), "127.0.0.1");
  EXPECT_EQ(plink[Field::LocalPort].i, 49271);
  EXPECT_EQ(plink[Field::RemotePort].i, 3389);
  const NormalizedEvent& wsd = get(rdp, 227952, Table::Network);
  EXPECT_EQ(wsd[Field::LocalPort].i, 5357);  // System serves WSD on 5357
  EXPECT_EQ(wsd[Field::RemotePort].i, 49284);
  // The inbound RPC to svchost (RpcSs) on 135 that the seed's rpc stage tests.
  const NormalizedEvent& rpc =
      get("Discovery/dicovery_4661_net_group_domain_admins_target.evtx", 565643, Table::Network);
  EXPECT_EQ(text(rpc, Field::ActionType), "InboundConnectionAccepted");
  EXPECT_EQ(text(rpc, Field::InitiatingProcessFileName), "svchost.exe");
  EXPECT_EQ(rpc[Field::LocalPort].i, 135);
  EXPECT_GE(rpc[Field::RemotePort].i, 49152);
  EXPECT_NE(text(rpc, Field::LocalIP), text(rpc, Field::RemoteIP));
}

// Rules 2 and 3: inbound Sysmon 3, decided by the evidence that proves it, in a folder run.
TEST(NormalizeRecords, SysmonInboundDecidedByTheOtherSideAndGroups) {
  const std::string tun = "Command and Control/DE_sysmon-3-rdp-tun.evtx";
  for (int64_t id : {1940902, 1940920}) {  // loopback RDP tunnel: plink's #1940901 / #1940919 are the other side
    const NormalizedEvent& ev = get(tun, id, Table::Network);
    EXPECT_EQ(text(ev, Field::LocalIP), "127.0.0.2") << id;
    EXPECT_EQ(ev[Field::LocalPort].i, 3389) << id;
    EXPECT_EQ(text(ev, Field::RemoteIP), "127.0.0.1") << id;
    EXPECT_EQ(
        ev.direction_evidence.rfind("the other side is this host's outbound connection DE_sysmon-3-rdp-tun.evtx#", 0),
        0u)
        << ev.direction_evidence;
  }
  const NormalizedEvent& llmnr = get(tun, 1940931, Table::Network);  // LLMNR query from PC02 to the group
  EXPECT_EQ(text(llmnr, Field::LocalIP), "224.0.0.252");
  EXPECT_EQ(llmnr[Field::LocalPort].i, 5355);
  EXPECT_EQ(text(llmnr, Field::RemoteIP), "10.0.2.18");
  EXPECT_EQ(llmnr[Field::RemotePort].i, 61795);
  const NormalizedEvent& fax =
      get("Defense Evasion/faxhell_sysmon_7_1_18_3_bindshell_dllhijack.evtx", 339889, Table::Network);
  EXPECT_EQ(text(fax, Field::InitiatingProcessFileName), "FXSSVC.exe");
  EXPECT_EQ(fax[Field::LocalPort].i, 9299);  // the bind shell; nc.exe's #339888 is the other side
  EXPECT_EQ(fax[Field::RemotePort].i, 49675);
  const NormalizedEvent& fax_smb =
      get("Defense Evasion/faxhell_sysmon_7_1_18_3_bindshell_dllhijack.evtx", 339887, Table::Network);
  EXPECT_EQ(fax_smb[Field::LocalPort].i, 445);
  const NormalizedEvent& winrm = get("Privilege Escalation/RogueWinRM.evtx", 196374, Table::Network);
  EXPECT_EQ(text(winrm, Field::InitiatingProcessFileName), "RogueWinRM.exe");
  EXPECT_EQ(winrm[Field::LocalPort].i, 5985);
  EXPECT_EQ(winrm[Field::RemotePort].i, 49680);
  // Hostnames still decide where they prove something (older Sysmon: Source is local).
  const NormalizedEvent& mmc = get("Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx", 9835, Table::Network);
  EXPECT_EQ(text(mmc, Field::InitiatingProcessFileName), "mmc.exe");
  EXPECT_EQ(text(mmc, Field::LocalIP), "10.0.2.18");
  EXPECT_EQ(mmc[Field::LocalPort].i, 49163);
  EXPECT_EQ(text(mmc, Field::RemoteIP), "10.0.2.19");
  EXPECT_EQ(mmc[Field::RemotePort].i, 33474);
  EXPECT_EQ(mmc.direction_evidence, "SourceHostname is the Computer");
  // The rotten potato listener (old layout, no evidence of its own): the host's other logs decide.
  const NormalizedEvent& potato = get(
      "Privilege Escalation/privesc_rotten_potato_from_webshell_metasploit_sysmon_1_8_3.evtx", 5413, Table::Network);
  EXPECT_EQ(potato[Field::LocalPort].i, 7777);
  EXPECT_EQ(potato.direction_evidence.rfind("this host's Sysmon logs write the local endpoint as Source", 0), 0u)
      << potato.direction_evidence;
}

// Rule 4: a Sysmon UtcTime that cannot be right gives way to TimeCreated, with a note.
TEST(NormalizeRecords, ImplausibleUtcTimeFallsBackToTimeCreated) {
  const NormalizedEvent& stale =
      get("Execution/exec_persist_rundll32_mshta_scheduledtask_sysmon_1_3_11.evtx", 4128, Table::Network);
  EXPECT_EQ(text(stale, Field::Timestamp), "2019-05-21T15:32:59.3892786Z");
  EXPECT_EQ(stale.time_source, normalize::TimeSource::TimeCreated);
  EXPECT_EQ(stale.timestamp_note,
            "UtcTime 2019-05-21T06:58:39.8880000Z is more than 10 minutes before the record was written");
  const NormalizedEvent& future =
      get("Defense Evasion/faxhell_sysmon_7_1_18_3_bindshell_dllhijack.evtx", 339888, Table::Network);
  EXPECT_EQ(future.time_source, normalize::TimeSource::TimeCreated);
  EXPECT_EQ(future.timestamp_note, "UtcTime 2020-08-02T16:25:25.6090000Z is after the record was written");
  const NormalizedEvent& hta = get("Lateral Movement/LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx", 17590, Table::Network);
  EXPECT_EQ(text(hta, Field::Timestamp), "2019-05-14T01:29:05.5345219Z");
  EXPECT_EQ(hta.timestamp_note,
            "UtcTime 2019-05-14T01:29:00.3180000Z is before its process started "
            "(LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx#17589 at 2019-05-14T01:29:04.2930000Z)");
  // Plausible: a network event written 1-4 s late keeps its UtcTime.
  const NormalizedEvent& mmc = get("Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx", 9832, Table::Process);
  EXPECT_EQ(mmc.time_source, normalize::TimeSource::UtcTime);
  EXPECT_EQ(text(mmc, Field::Timestamp), "2019-04-30T20:35:11.8560000Z");
  size_t fallbacks = 0;
  std::map<std::string, size_t> why;
  for (const NormalizedEvent& ev : corpus_run().collected.events) {
    if (ev.table == Table::Boot || ev.timestamp_note.empty()) continue;
    ++fallbacks;
    const std::string& n = ev.timestamp_note;
    ++why[n.find("after the record") != std::string::npos ? "after"
          : n.find("10 minutes") != std::string::npos     ? "stale"
                                                          : "before"];
  }
  // 14 after the write (2 of them Sysmon activity: image loads, file and
  // registry events), 15 stale by > 10 min, 4 before their process.
  EXPECT_EQ(fallbacks, 33u);
  EXPECT_EQ(why["after"], 14u);
  EXPECT_EQ(why["stale"], 15u);
  EXPECT_EQ(why["before"], 4u);
}

// Rule 5: 4688 version 2 runs as the Target account.
TEST(NormalizeRecords, Security4688RunsAsTheTargetAccount) {
  const NormalizedEvent& relay =
      get("Privilege Escalation/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx", 21374, Table::Process);
  EXPECT_EQ(text(relay, Field::FileName), "notepad.exe");
  EXPECT_EQ(text(relay, Field::AccountName), "Administrator");  // not the creator WIND10$
  EXPECT_EQ(text(relay, Field::AccountDomain), "WINLAB.LOCAL");
  EXPECT_FALSE(relay[Field::AccountSid].known());  // S-1-0-0: the SID is unknown
  EXPECT_EQ(text(relay, Field::InitiatingProcessFileName), "WmiPrvSE.exe");
  const NormalizedEvent& seclogon = get("Credential Access/tutto_malseclogon.evtx", 329919, Table::Process);
  EXPECT_EQ(text(seclogon, Field::AccountName), "IEUser");
  EXPECT_EQ(text(seclogon, Field::AccountDomain), "MSEDGEWIN10");
  EXPECT_FALSE(seclogon[Field::AccountSid].known());
}

// Rule 5b: 4688 versions 0 and 1 do not say whom the new process runs as;
// their Subject is the creator. The pair below shows it: WmiPrvSE.exe is
// created by SYSTEM, and its own child's record shows it runs as NETWORK SERVICE.
TEST(NormalizeRecords, Security4688Version1SubjectIsTheCreator) {
  const NormalizedEvent& wmiprvse = get("Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx", 563298, Table::Process);
  EXPECT_EQ(text(wmiprvse, Field::FileName), "WmiPrvSE.exe");
  EXPECT_EQ(wmiprvse[Field::ProcessId].i, 0xae8);
  EXPECT_FALSE(wmiprvse[Field::AccountName].known());  // not SYSTEM, its creator's account
  EXPECT_FALSE(wmiprvse[Field::AccountSid].known());
  const NormalizedEvent& calc = get("Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx", 563299, Table::Process);
  EXPECT_EQ(text(calc, Field::FileName), "calc.exe");
  EXPECT_EQ(calc[Field::InitiatingProcessId].i, 0xae8);
  EXPECT_FALSE(calc[Field::AccountName].known());
}

// Rule 6: services.exe is a boot only when wininit.exe starts it.
TEST(NormalizeRecords, ServicesStartedByPplDumpIsNotABoot) {
  const std::string ppl = "Credential Access/ppl_bypass_ppldump_knowdll_hijack_sysmon_security.evtx";
  const NormalizedEvent& services = get(ppl, 564593, Table::Process);
  EXPECT_EQ(text(services, Field::FileName), "services.exe");
  EXPECT_EQ(text(services, Field::InitiatingProcessFileName), "PPLdump.exe");
  EXPECT_EQ(services.boot, normalize::BootMarker::None);
}

// Rule 7: Sysmon's placeholders are unknown values.
TEST(NormalizeRecords, SysmonPlaceholdersAreUnknown) {
  const NormalizedEvent& ev =
      get("Lateral Movement/LM_wmi_PoisonHandler_Mr-Un1k0d3r_sysmon_1_13.evtx", 349, Table::Process);
  EXPECT_EQ(text(ev, Field::FileName), "explorer.exe");
  EXPECT_FALSE(ev[Field::InitiatingProcessFileName].known());  // ParentImage "?"
  EXPECT_FALSE(ev[Field::InitiatingProcessFolderPath].known());
  EXPECT_FALSE(ev[Field::InitiatingProcessCommandLine].known());  // ParentCommandLine "?"
  EXPECT_FALSE(ev[Field::InitiatingProcessUniqueId].known());     // ParentProcessGuid all zeros
  EXPECT_EQ(ev[Field::InitiatingProcessId].i, 752);               // the PID is a value
}

// An empty logged value is a value, not an unknown; Sysmon's "<unknown
// process>" and empty User are placeholders.
TEST(NormalizeRecords, EmptyValuesAreValuesButSysmonsPlaceholdersAreNot) {
  const std::string security = corpus::rs_sample("security.evtx").string();
  // A service logon (type 5) by services.exe with WorkstationName "".
  const NormalizedEvent* service = corpus_run().event_of_file(security, 16, Table::Logon);
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE((*service)[Field::RemoteDeviceName].known());
  EXPECT_EQ((*service)[Field::RemoteDeviceName].s, "");
  EXPECT_EQ(text(*service, Field::InitiatingProcessFileName), "services.exe");
  // The System process's logon (type 0, PID 4): ProcessName "".
  const NormalizedEvent* system = corpus_run().event_of_file(security, 2, Table::Logon);
  ASSERT_NE(system, nullptr);
  ASSERT_TRUE((*system)[Field::InitiatingProcessFileName].known());
  EXPECT_EQ((*system)[Field::InitiatingProcessFileName].s, "");
  EXPECT_EQ((*system)[Field::InitiatingProcessId].i, 4);
  // Sysmon 3 of PID 4 with Image "<unknown process>" and an empty User.
  const NormalizedEvent& unknown =
      get("Lateral Movement/ImpersonateUser-via local Pass The Hash Sysmon and Security.evtx", 578501, Table::Network);
  EXPECT_FALSE(unknown[Field::InitiatingProcessFileName].known());
  EXPECT_FALSE(unknown[Field::InitiatingProcessFolderPath].known());
  EXPECT_FALSE(unknown[Field::AccountName].known());
  EXPECT_EQ(unknown[Field::InitiatingProcessId].i, 4);
}

// Rule 8: 5158 is a bind, not a listen.
TEST(NormalizeRecords, Wfp5158IsABind) {
  const std::string rdp = "Command and Control/DE_RDP_Tunnel_5156.evtx";
  const NormalizedEvent& bind = get(rdp, 227731, Table::Network);
  EXPECT_EQ(text(bind, Field::ActionType), "LocalPortBound");
  EXPECT_EQ(bind[Field::LocalPort].i, 55355);
  const NormalizedEvent& dns = get(rdp, 227732, Table::Network);  // the client that bound it, outbound
  EXPECT_EQ(text(dns, Field::ActionType), "ConnectionSuccess");
  EXPECT_EQ(dns[Field::LocalPort].i, 55355);
  EXPECT_EQ(dns[Field::RemotePort].i, 53);
}

// Rule 9: one canonical IPv6 form, so Sysmon and WFP rows of one host agree.
TEST(NormalizeRecords, Ipv6AddressesInOneCanonicalForm) {
  const NormalizedEvent& wfp = get("Command and Control/DE_RDP_Tunnel_5156.evtx", 227694, Table::Network);
  const NormalizedEvent& sysmon = get("Command and Control/DE_sysmon-3-rdp-tun.evtx", 1940903, Table::Network);
  EXPECT_EQ(text(wfp, Field::LocalIP), "fe80::80ac:4126:fa58:1b81");      // WFP wrote it so
  EXPECT_EQ(text(sysmon, Field::RemoteIP), "fe80::80ac:4126:fa58:1b81");  // Sysmon wrote fe80:0:0:0:80ac:...
  EXPECT_EQ(text(sysmon, Field::LocalIP), "ff02::1:3");
  EXPECT_EQ(text(wfp, Field::DeviceId), text(sysmon, Field::DeviceId));
  for (const NormalizedEvent& ev : corpus_run().collected.events)
    for (Field f : {Field::LocalIP, Field::RemoteIP})
      if (ev[f].known()) {
        EXPECT_EQ(ev[f].s, rfc5952(ev[f].s));
      }
}
