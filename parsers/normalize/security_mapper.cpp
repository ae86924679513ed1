// Security auditing: 4688 (process created, versions 0-2), 4689 (ended),
// 5156 (connection permitted), 5154 / 5158 (listen / bind permitted),
// 4608 (system start). PIDs are hex strings; 5156's Application is a device
// path (\device\harddiskvolume2\...), kept as written: the drive letter is
// not in the log.
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace norm {
namespace {

// The account of the new process: Target* when the log names one (4688 v2),
// else the creator's Subject*.
void set_account(NormalizedEvent& ev, const evtx::Record& rec) {
  const evtx::TypedValue* target_sid = rec.find("TargetUserSid");
  bool target = target_sid && !target_sid->text.empty() && target_sid->text != "S-1-0-0";
  copy_string(ev, Field::AccountSid, rec, target ? "TargetUserSid" : "SubjectUserSid");
  copy_string(ev, Field::AccountName, rec, target ? "TargetUserName" : "SubjectUserName");
  copy_string(ev, Field::AccountDomain, rec, target ? "TargetDomainName" : "SubjectDomainName");
}

void map_4688(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent ev = start_event(Table::Process, rec, src, "ProcessCreated");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "NewProcessName");
  copy_int(ev, Field::ProcessId, rec, "NewProcessId");
  // An empty CommandLine means command-line auditing was off: unknown, not "".
  if (const evtx::TypedValue* cmd = rec.find("CommandLine"); cmd && !cmd->text.empty())
    ev[Field::ProcessCommandLine] = FieldValue::str(cmd->text);
  copy_int(ev, Field::InitiatingProcessId, rec, "ProcessId");
  // Version 2 names the parent; versions 0 and 1 do not (replay's process table does).
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "ParentProcessName");
  if (const evtx::TypedValue* label = rec.find("MandatoryLabel"))
    ev[Field::ProcessIntegrityLevel] = FieldValue::str(integrity_from_label(label->text));
  set_account(ev, rec);
  out.push_back(std::move(ev));
}

void map_4689(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent ev = start_event(Table::ProcessEnd, rec, src, "ProcessTerminated");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "ProcessName");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  out.push_back(std::move(ev));
}

// Windows Filtering Platform: for outbound connections Source is the local
// side, for inbound ones Destination is.
void map_wfp(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent ev = start_event(Table::Network, rec, src);
  copy_int(ev, Field::InitiatingProcessId, rec, rec.find("ProcessID") ? "ProcessID" : "ProcessId");
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "Application");
  if (const evtx::TypedValue* p = rec.find("Protocol")) ev[Field::Protocol] = FieldValue::str(protocol_name(p->text));
  copy_string(ev, Field::LocalIP, rec, "SourceAddress");
  copy_int(ev, Field::LocalPort, rec, "SourcePort");
  if (rec.event_id == 5156) {
    const evtx::TypedValue* dir = rec.find("Direction");
    bool inbound = dir && dir->text == "%%14592";
    ev[Field::ActionType] = FieldValue::str(inbound ? "InboundConnectionAccepted" : "ConnectionSuccess");
    copy_string(ev, Field::RemoteIP, rec, "DestAddress");
    copy_int(ev, Field::RemotePort, rec, "DestPort");
    if (inbound) swap_endpoints(ev);
  } else {
    ev[Field::ActionType] = FieldValue::str("ListeningConnectionCreated");
  }
  out.push_back(std::move(ev));
}

void map_4608(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  out.push_back(start_event(Table::Boot, rec, src, "SystemStarted"));
}

}  // namespace

void map_security(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  switch (rec.event_id) {
    case 4688: map_4688(rec, src, out); break;
    case 4689: map_4689(rec, src, out); break;
    case 5154:
    case 5156:
    case 5158: map_wfp(rec, src, out); break;
    case 4608: map_4608(rec, src, out); break;
    default: break;
  }
}

}  // namespace norm
