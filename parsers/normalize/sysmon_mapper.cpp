// Sysmon 1 (process created), 3 (network connection), 5 (process ended).
// Timestamp is Sysmon's UtcTime: Sysmon writes network events seconds after
// the connection, so TimeCreated would place them late.
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace norm {
namespace {

// A Sysmon event: Timestamp is UtcTime (TimeCreated only if UtcTime is missing).
NormalizedEvent sysmon_event(Table table, const evtx::Record& rec, const std::string& src,
                             const char* action = nullptr) {
  NormalizedEvent ev = start_event(table, rec, src, action);
  if (const evtx::TypedValue* t = rec.find("UtcTime"))
    if (auto ticks = parse_time(t->text)) ev[Field::Timestamp] = FieldValue::time(*ticks);
  return ev;
}

// "DOMAIN\user" -> AccountDomain, AccountName.
void set_account(NormalizedEvent& ev, const evtx::Record& rec) {
  const evtx::TypedValue* user = rec.find("User");
  if (!user) return;
  std::string_view u = user->text;
  size_t cut = u.find('\\');
  if (cut == std::string_view::npos) {
    ev[Field::AccountName] = FieldValue::str(std::string(u));
  } else {
    ev[Field::AccountDomain] = FieldValue::str(std::string(u.substr(0, cut)));
    ev[Field::AccountName] = FieldValue::str(std::string(u.substr(cut + 1)));
  }
}

bool same_host(std::string_view hostname, std::string_view computer) {
  return !hostname.empty() && host_key(hostname) == host_key(computer);
}

void map_process_created(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent ev = sysmon_event(Table::Process, rec, src, "ProcessCreated");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "Image");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  copy_string(ev, Field::ProcessCommandLine, rec, "CommandLine");
  copy_string(ev, Field::ProcessUniqueId, rec, "ProcessGuid");
  copy_string(ev, Field::ProcessIntegrityLevel, rec, "IntegrityLevel");
  set_account(ev, rec);
  copy_int(ev, Field::InitiatingProcessId, rec, "ParentProcessId");
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "ParentImage");
  copy_string(ev, Field::InitiatingProcessCommandLine, rec, "ParentCommandLine");
  copy_string(ev, Field::InitiatingProcessUniqueId, rec, "ParentProcessGuid");
  bool services = ev[Field::FileName].known() && equals_nocase(ev[Field::FileName].s, "services.exe");
  out.push_back(std::move(ev));
  if (services) {  // the seed query takes the start of services.exe as the boot time
    NormalizedEvent boot = make_boot(out.back(), "ServicesStarted");
    out.push_back(std::move(boot));
  }
}

void map_process_ended(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent ev = sysmon_event(Table::ProcessEnd, rec, src, "ProcessTerminated");
  copy_path(ev, Field::FolderPath, Field::FileName, rec, "Image");
  copy_int(ev, Field::ProcessId, rec, "ProcessId");
  copy_string(ev, Field::ProcessUniqueId, rec, "ProcessGuid");
  out.push_back(std::move(ev));
}

void map_network(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  NormalizedEvent ev = sysmon_event(Table::Network, rec, src);
  copy_path(ev, Field::InitiatingProcessFolderPath, Field::InitiatingProcessFileName, rec, "Image");
  copy_int(ev, Field::InitiatingProcessId, rec, "ProcessId");
  copy_string(ev, Field::InitiatingProcessUniqueId, rec, "ProcessGuid");
  set_account(ev, rec);
  if (const evtx::TypedValue* p = rec.find("Protocol")) ev[Field::Protocol] = FieldValue::str(protocol_name(p->text));
  const evtx::TypedValue* initiated = rec.find("Initiated");
  bool outbound = initiated && (initiated->text == "true" || initiated->text == "1");
  ev[Field::ActionType] = FieldValue::str(outbound ? "ConnectionSuccess" : "InboundConnectionAccepted");
  // Provisionally Source is local (always so for outbound connections).
  copy_string(ev, Field::LocalIP, rec, "SourceIp");
  copy_int(ev, Field::LocalPort, rec, "SourcePort");
  copy_string(ev, Field::RemoteIP, rec, "DestinationIp");
  copy_int(ev, Field::RemotePort, rec, "DestinationPort");
  if (!outbound) {
    // Inbound: older Sysmon wrote the local endpoint as Source, newer as
    // Destination. Hostnames decide here when they can; otherwise the host
    // pass (direction.h) decides from the host's own addresses and ports.
    const evtx::TypedValue* sh = rec.find("SourceHostname");
    const evtx::TypedValue* dh = rec.find("DestinationHostname");
    bool src_local = sh && same_host(sh->text, rec.computer);
    bool dst_local = dh && same_host(dh->text, rec.computer);
    if (src_local && !dst_local) {
      ev.direction_evidence = "SourceHostname is the Computer";
    } else if (dst_local && !src_local) {
      swap_endpoints(ev);
      ev.direction_evidence = "DestinationHostname is the Computer";
    } else {
      ev.direction_evidence = kDirectionPending;
    }
  }
  out.push_back(std::move(ev));
}

}  // namespace

void map_sysmon(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out) {
  switch (rec.event_id) {
    case 1: map_process_created(rec, src, out); break;
    case 3: map_network(rec, src, out); break;
    case 5: map_process_ended(rec, src, out); break;
    default: break;
  }
}

}  // namespace norm
