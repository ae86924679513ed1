#include "sigma/logsources.h"

#include <map>

namespace sigma {
namespace {

const char* kSysmonProvider = "microsoft-windows-sysmon";
const char* kSysmonChannel = "microsoft-windows-sysmon/operational";

// Sysmon categories and their event ids (taxonomy: Windows Folder, Category).
const std::map<std::string, std::vector<uint16_t>> kSysmonCategories = {
    {"process_creation", {1}},
    {"file_change", {2}},
    {"network_connection", {3}},
    {"sysmon_status", {4, 16}},
    {"process_termination", {5}},
    {"driver_load", {6}},
    {"image_load", {7}},
    {"create_remote_thread", {8}},
    {"raw_access_thread", {9}},
    {"process_access", {10}},
    {"file_event", {11}},
    {"registry_event", {12, 13, 14}},
    {"registry_add", {12}},
    {"registry_delete", {12}},
    {"registry_set", {13}},
    {"registry_rename", {14}},
    {"create_stream_hash", {15}},
    {"pipe_created", {17, 18}},
    {"wmi_event", {19, 20, 21}},
    {"dns_query", {22}},
    {"file_delete", {23}},
    {"clipboard_capture", {24}},
    {"process_tampering", {25}},
    {"file_delete_detected", {26}},
    {"file_block_executable", {27}},
    {"file_block_shredding", {28}},
    {"file_executable_detected", {29}},
    {"sysmon_error", {255}},
};

struct ChannelCategory {
  std::vector<std::string> channels;
  std::vector<uint16_t> event_ids;
};
const std::map<std::string, ChannelCategory> kPowerShellCategories = {
    {"ps_classic_start", {{"windows powershell"}, {400}}},
    {"ps_classic_provider_start", {{"windows powershell"}, {600}}},
    {"ps_classic_script", {{"windows powershell"}, {800}}},
    {"ps_module", {{"microsoft-windows-powershell/operational", "powershellcore/operational"}, {4103}}},
    {"ps_script", {{"microsoft-windows-powershell/operational", "powershellcore/operational"}, {4104}}},
};

// Windows services and their channels (taxonomy: Windows Folder, Service),
// plus spellings the rules use that the taxonomy does not list.
const std::map<std::string, std::vector<std::string>> kServices = {
    {"application", {"application"}},
    {"application-experience",
     {"microsoft-windows-application-experience/program-telemetry",
      "microsoft-windows-application-experience/program-compatibility-assistant"}},
    {"applocker",
     {"microsoft-windows-applocker/msi and script", "microsoft-windows-applocker/exe and dll",
      "microsoft-windows-applocker/packaged app-deployment", "microsoft-windows-applocker/packaged app-execution"}},
    {"appmodel-runtime", {"microsoft-windows-appmodel-runtime/admin"}},
    {"appxdeployment-server", {"microsoft-windows-appxdeploymentserver/operational"}},
    {"appxpackaging-om", {"microsoft-windows-appxpackaging/operational"}},
    {"bitlocker", {"microsoft-windows-bitlocker/bitlocker management"}},
    {"bits-client", {"microsoft-windows-bits-client/operational"}},
    {"capi2", {"microsoft-windows-capi2/operational"}},
    {"certificateservicesclient-lifecycle-system",
     {"microsoft-windows-certificateservicesclient-lifecycle-system/operational"}},
    {"codeintegrity-operational", {"microsoft-windows-codeintegrity/operational"}},
    {"dhcp", {"microsoft-windows-dhcp-server/operational"}},
    {"diagnosis-scripted", {"microsoft-windows-diagnosis-scripted/operational"}},
    {"dns-client", {"microsoft-windows-dns client events/operational"}},
    {"dns-server", {"dns server"}},
    {"dns-server-analytic", {"microsoft-windows-dns-server/analytical"}},
    {"dns-server-audit", {"microsoft-windows-dns-server/audit"}},
    {"driver-framework", {"microsoft-windows-driverframeworks-usermode/operational"}},
    {"firewall-as", {"microsoft-windows-windows firewall with advanced security/firewall"}},
    {"hyper-v-worker", {"microsoft-windows-hyper-v-worker", "microsoft-windows-hyper-v-worker-admin"}},
    {"iis-configuration", {"microsoft-iis-configuration/operational"}},
    {"kernel-event-tracing", {"microsoft-windows-kernel-eventtracing", "microsoft-windows-kernel-eventtracing/admin"}},
    {"kernel-shimengine",
     {"microsoft-windows-kernel-shimengine/operational", "microsoft-windows-kernel-shimengine/diagnostic"}},
    {"ldap", {"microsoft-windows-ldap-client/debug"}},
    {"lsa-server", {"microsoft-windows-lsa/operational"}},
    {"msexchange-management", {"msexchange management"}},
    {"ntfs", {"microsoft-windows-ntfs/operational"}},
    {"ntlm", {"microsoft-windows-ntlm/operational"}},
    {"openssh", {"openssh/operational"}},
    {"powershell", {"microsoft-windows-powershell/operational"}},
    {"powershell-classic", {"windows powershell"}},
    {"printservice-admin", {"microsoft-windows-printservice/admin"}},
    {"printservice-operational", {"microsoft-windows-printservice/operational"}},
    {"security", {"security"}},
    {"security-mitigations",
     {"microsoft-windows-security-mitigations/kernel mode", "microsoft-windows-security-mitigations/user mode"}},
    {"sense", {"microsoft-windows-sense/operational"}},
    {"servicebus-client", {"microsoft-servicebus-client/operational", "microsoft-servicebus-client/admin"}},
    {"microsoft-servicebus-client", {"microsoft-servicebus-client/operational", "microsoft-servicebus-client/admin"}},
    {"shell-core", {"microsoft-windows-shell-core/operational"}},
    {"smbclient-security", {"microsoft-windows-smbclient/security"}},
    {"smbclient-connectivity", {"microsoft-windows-smbclient/connectivity"}},
    {"smbserver-connectivity", {"microsoft-windows-smbserver/connectivity"}},
    {"sysmon", {kSysmonChannel}},
    {"system", {"system"}},
    {"taskscheduler", {"microsoft-windows-taskscheduler/operational"}},
    {"terminalservices-localsessionmanager", {"microsoft-windows-terminalservices-localsessionmanager/operational"}},
    {"vhdmp", {"microsoft-windows-vhdmp/operational"}},
    {"windefend", {"microsoft-windows-windows defender/operational"}},
    {"wmi", {"microsoft-windows-wmi-activity/operational"}},
};

}  // namespace

std::string record_field_name(const std::string& sigma_field, uint16_t event_id) {
  if (event_id != 4688) return sigma_field;
  static const Resolved kProcessCreation = resolve_logsource({"windows", "process_creation", ""});
  for (const auto& [from, to] : kProcessCreation.sources.back().renames)
    if (from == sigma_field) return to;
  return sigma_field;
}

Resolved resolve_logsource(const LogSource& ls) {
  Resolved r;
  if (!ls.product.empty() && ls.product != "windows") {
    r.not_applicable = true;
    r.reason = "product " + ls.product + " is not Windows event logs";
    return r;
  }
  if (ls.product.empty() && ls.category.empty() && ls.service.empty()) {
    r.reason = "empty logsource";
    return r;
  }
  if (!ls.category.empty()) {
    if (auto it = kSysmonCategories.find(ls.category); it != kSysmonCategories.end()) {
      r.sources.push_back({ls.category + "/Sysmon", {kSysmonProvider}, {kSysmonChannel}, it->second, {}, {}});
      if (ls.category == "process_creation") {
        // Security 4688 names the new process NewProcessName, its parent
        // ParentProcessName (version 2 only) and the parent's PID ProcessId;
        // the parent's command line is never in the record: the replay's
        // process table supplies it (and the parent image for versions 0
        // and 1). User and ParentUser come from Target and Subject
        // (field_source.cpp).
        r.sources.push_back({"process_creation/Security 4688",
                             {"microsoft-windows-security-auditing"},
                             {},
                             {4688},
                             {{"Image", "NewProcessName"},
                              {"ParentImage", "ParentProcessName"},
                              {"ProcessId", "NewProcessId"},
                              {"ParentProcessId", "ProcessId"}},
                             {"ParentProcessName", "ParentCommandLine"}});
      }
      return r;
    }
    if (auto it = kPowerShellCategories.find(ls.category); it != kPowerShellCategories.end()) {
      r.sources.push_back({ls.category, {}, it->second.channels, it->second.event_ids, {}, {}});
      return r;
    }
    if (ls.category == "file_access" || ls.category == "file_rename") {
      r.not_applicable = true;
      r.reason = "category " + ls.category + " is the ETW provider Microsoft-Windows-Kernel-File, not an event log";
      return r;
    }
    if (ls.product.empty()) {
      r.not_applicable = true;
      r.reason = "category " + ls.category + " of no product (network, proxy, web server logs)";
      return r;
    }
    r.reason = "unknown Windows log source category '" + ls.category + "'";
    return r;
  }
  if (!ls.service.empty()) {
    auto it = kServices.find(ls.service);
    if (it == kServices.end()) {
      r.reason = "unknown Windows log source service '" + ls.service + "'";
      return r;
    }
    r.sources.push_back({"service " + ls.service, {}, it->second, {}, {}, {}});
    return r;
  }
  r.sources.push_back({"windows", {}, {}, {}, {}, {}});  // product: windows alone: every record
  return r;
}

}  // namespace sigma
