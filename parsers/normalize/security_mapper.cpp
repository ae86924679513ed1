// Security auditing: 4624 (logon), 4625 (failed logon), 4634/4647 (logoff), 4688 (process created, versions 0-2), 4689
// (ended), 5156 (connection permitted), 5154 (listen permitted), 5158 (bind permitted), 4608 (system start). PIDs are
// hex strings; 5156's Application is a device path (\device\harddiskvolume2\...), kept as written: the drive letter is
// not in the log.
#include "normalize/logon_failure.h"
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace normalize {
namespace {

// The account the new process runs as. 4688 version 2 names it as Target*
// (NTLM2SelfRelay #21374: Administrator, created by WIND10$); a Target
// account of "-" means the process runs as its creator, the Subject*.
// TargetUserSid S-1-0-0 (NULL SID) beside a named Target account means its
// SID is unknown, not the creator's. Versions 0 and 1 have no Target: the
// Subject is only the creator, and the new process's account is unknown
// (LM_WMI_4624_4688_TargetHost: #563298 creates WmiPrvSE.exe PID 0xae8 with
// Subject SYSTEM, yet #563299, created by that WmiPrvSE, shows it running as
// NETWORK SERVICE S-1-5-20).
// The logon session is the account's: TargetLogonId for a Target account
// (NTLM2SelfRelay: 4624 #21373, network logon 0x82215a; 4688 #21374, the
// notepad.exe WmiPrvSE starts for it, TargetLogonId 0x82215a), else the
// Subject's.
void set_account(NormalizedEvent& ev, const RecordAccess& rec) {
  if (!rec.find("TargetUserName")) return;
  if (known_text(rec, "TargetUserName")) {
    copy_string(ev, Field::AccountName, rec, "TargetUserName");
    copy_string(ev, Field::AccountDomain, rec, "TargetDomainName");
    if (auto sid = known_text(rec, "TargetUserSid"); sid && *sid != "S-1-0-0")
      ev[Field::AccountSid] = FieldValue::str(std::move(*sid));
    copy_logon_id(ev, rec, "TargetLogonId");
    return;
  }
  copy_string(ev, Field::AccountSid, rec, "SubjectUserSid");
  copy_string(ev, Field::AccountName, rec, "SubjectUserName");
  copy_string(ev, Field::AccountDomain, rec, "SubjectDomainName");
  copy_logon_id(ev, rec, "SubjectLogonId");
}

}  // namespace

namespace {

// What 4624 and 4625 say alike: the Target account, the logon type by
// Defender's names, the client's address and workstation as the logon
// reports them ("-" unknown), the authentication package as Protocol
// (Defender's column), and the process that asked for the logon.
void copy_logon_attempt(const RecordAccess& rec, NormalizedEvent& ev) {
  copy_string(ev, Field::AccountName, rec, "TargetUserName");
  copy_string(ev, Field::AccountDomain, rec, "TargetDomainName");
  if (auto sid = known_text(rec, "TargetUserSid"); sid && *sid != "S-1-0-0")
    ev[Field::AccountSid] = FieldValue::str(std::move(*sid));
  if (auto t = rec.integer("LogonType")) ev[Field::LogonType] = FieldValue::str(logon_type_name(*t));
  copy_ip(ev, Field::RemoteIP, rec, "IpAddress");
  if (auto port = rec.integer("IpPort"); port && *port > 0) ev[Field::RemotePort] = FieldValue::integer(*port);
  copy_string(ev, Field::RemoteDeviceName, rec, "WorkstationName");
  copy_string(ev, Field::Protocol, rec, "AuthenticationPackageName");
  // "0x0" and "-" for a network logon.
  if (auto pid = rec.integer("ProcessId"); pid && *pid > 0) ev[Field::InitiatingProcessId] = FieldValue::integer(*pid);
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "ProcessName");
}

}  // namespace

// 4624: the new logon session (TargetLogonId) of the Target account.
void map_security_logon(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Logon, rec, kLogonSuccess);
  copy_logon_attempt(rec, ev);
  copy_logon_id(ev, rec, "TargetLogonId");
  out = std::move(ev);
}

// 4625: no session was made; why, from SubStatus where it says more than
// Status (Security_with_size_t.evtx #452: Status 0xc000006d, SubStatus
// 0xc0000064, the user name does not exist; #59: Status 0xc0000224, SubStatus
// 0x0, the password must be changed). The logged FailureReason is a message
// reference (%%2313), not text.
void map_security_logon_failed(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Logon, rec, kLogonFailed);
  copy_logon_attempt(rec, ev);
  if (auto why = logon_failure_reason(rec.integer("Status"), rec.integer("SubStatus")))
    ev[Field::FailureReason] = FieldValue::str(std::move(*why));
  out = std::move(ev);
}

// 4634 (a session ended) and 4647 (the user logged off; no LogonType): the
// Target account and its session.
void map_security_logoff(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Logon, rec, kLogOff);
  copy_string(ev, Field::AccountName, rec, "TargetUserName");
  copy_string(ev, Field::AccountDomain, rec, "TargetDomainName");
  if (auto sid = known_text(rec, "TargetUserSid"); sid && *sid != "S-1-0-0")
    ev[Field::AccountSid] = FieldValue::str(std::move(*sid));
  copy_logon_id(ev, rec, "TargetLogonId");
  if (auto t = rec.integer("LogonType")) ev[Field::LogonType] = FieldValue::str(logon_type_name(*t));
  out = std::move(ev);
}

void map_security_process_create(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Process, rec, kProcessCreated);
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "NewProcessName");
  copy_int(ev, Field::ProcessId, rec, "NewProcessId");
  // An empty CommandLine means command-line auditing was off: unknown, not ""
  // (every 4688 of the corpus without the policy, e.g. LM_WMI_4624_4688_TargetHost).
  copy_string(ev, Field::ProcessCommandLine, rec, "CommandLine", Empty::Unknown);
  copy_int(ev, Field::InitiatingProcessId, rec, "ProcessId");
  // Version 2 names the parent; versions 0 and 1 do not (replay's process table does).
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "ParentProcessName");
  if (auto label = rec.text("MandatoryLabel"))
    ev[Field::ProcessIntegrityLevel] = FieldValue::str(integrity_from_label(*label));
  set_account(ev, rec);
  if (is_boot_services_start(ev)) ev.boot = BootMarker::ServicesStarted;
  out = std::move(ev);
}

void map_security_process_terminate(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::ProcessEnd, rec, kProcessTerminated);
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "ProcessName");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  out = std::move(ev);
}

// Windows Filtering Platform: the local endpoint is Source (SourceAddress,
// SourcePort) in both directions. DE_RDP_Tunnel_5156.evtx: inbound rows show
// System on 3389/445, svchost on 135 as SourcePort, facing an ephemeral
// DestPort; #227728 (System 127.0.0.2:3389 -> 127.0.0.1:49271) is the other
// side of plink's outbound #227727 (127.0.0.1:49271 -> 127.0.0.2:3389).
// 5154 permits a listen; 5158 a bind, mostly a client binding its source port
// (#227731 binds :55355, then #227732 is its outbound DNS from :55355).
namespace {

// The process and local endpoint every WFP event carries.
NormalizedEvent wfp_event(const RecordAccess& rec) {
  NormalizedEvent ev = start_event(Table::Network, rec);
  copy_int(ev, Field::InitiatingProcessId, rec, rec.find("ProcessID") ? "ProcessID" : "ProcessId");
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "Application");
  if (auto p = known_text(rec, "Protocol")) ev[Field::Protocol] = FieldValue::str(protocol_name(*p));
  copy_ip(ev, Field::LocalIP, rec, "SourceAddress");
  copy_int(ev, Field::LocalPort, rec, "SourcePort");
  return ev;
}

}  // namespace

void map_security_connection(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = wfp_event(rec);
  bool inbound = rec.text("Direction") == "%%14592";
  ev[Field::ActionType] = FieldValue::str(inbound ? kInboundConnectionAccepted : kConnectionSuccess);
  copy_ip(ev, Field::RemoteIP, rec, "DestAddress");
  copy_int(ev, Field::RemotePort, rec, "DestPort");
  out = std::move(ev);
}

void map_security_listen(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = wfp_event(rec);
  ev[Field::ActionType] = FieldValue::str(kListeningConnectionCreated);
  out = std::move(ev);
}

void map_security_bind(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = wfp_event(rec);
  ev[Field::ActionType] = FieldValue::str(kLocalPortBound);
  out = std::move(ev);
}

void map_security_system_start(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent boot = start_event(Table::Boot, rec);
  set_boot_marker(boot, BootMarker::SystemStarted);
  out = std::move(boot);
}

}  // namespace normalize
