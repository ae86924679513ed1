#include "normalize/mapper.h"

#include <array>
#include <cctype>
#include <iterator>

#include "normalize/mapper_parts.h"
#include "text/ascii_case.h"

namespace normalize {
namespace {

// The mapping table: which records are mapped, and by what. The rows of one
// provider are adjacent (lookups compare each provider string once).
constexpr MapperEntry kMappers[] = {
    {kSysmonProvider, 1, Table::Process, map_sysmon_process_create},
    {kSysmonProvider, 2, Table::File, map_sysmon_file_time_changed},
    {kSysmonProvider, 3, Table::Network, map_sysmon_network_connect},
    {kSysmonProvider, 5, Table::ProcessEnd, map_sysmon_process_terminate},
    {kSysmonProvider, 7, Table::ImageLoad, map_sysmon_image_load},
    {kSysmonProvider, 8, Table::Device, map_sysmon_remote_thread},
    {kSysmonProvider, 10, Table::Device, map_sysmon_process_access},
    {kSysmonProvider, 11, Table::File, map_sysmon_file_create},
    {kSysmonProvider, 12, Table::Registry, map_sysmon_registry},
    {kSysmonProvider, 13, Table::Registry, map_sysmon_registry},
    {kSysmonProvider, 14, Table::Registry, map_sysmon_registry},
    {kSysmonProvider, 15, Table::File, map_sysmon_stream_hash},
    {kSysmonProvider, 17, Table::Device, map_sysmon_pipe},
    {kSysmonProvider, 18, Table::Device, map_sysmon_pipe},
    {kSysmonProvider, 22, Table::Device, map_sysmon_dns_query},
    {kSysmonProvider, 23, Table::File, map_sysmon_file_delete},
    {kSysmonProvider, 25, Table::Device, map_sysmon_process_tampering},
    {kSysmonProvider, 26, Table::File, map_sysmon_file_delete},
    {kSecurityProvider, 4624, Table::Logon, map_security_logon},
    {kSecurityProvider, 4625, Table::Logon, map_security_logon_failed},
    {kSecurityProvider, 4634, Table::Logon, map_security_logoff},
    {kSecurityProvider, 4647, Table::Logon, map_security_logoff},
    {kSecurityProvider, 4688, Table::Process, map_security_process_create},
    {kSecurityProvider, 4689, Table::ProcessEnd, map_security_process_terminate},
    {kSecurityProvider, 5156, Table::Network, map_security_connection},
    {kSecurityProvider, 5154, Table::Network, map_security_listen},
    {kSecurityProvider, 5158, Table::Network, map_security_bind},
    {kSecurityProvider, 4608, Table::Boot, map_security_system_start},
    {kSecurityProvider, 4657, Table::Registry, map_security_registry_value},
    {kSecurityProvider, 4697, Table::Device, map_security_service_installed},
    {kSecurityProvider, 4698, Table::Device, map_security_task},
    {kSecurityProvider, 4702, Table::Device, map_security_task},
    {kPowerShellProvider, 4104, Table::Script, map_powershell_script_block},
    {kEventLogProvider, 6005, Table::Boot, map_eventlog_started},
    {kKernelGeneralProvider, 12, Table::Boot, map_kernel_os_started},
    {kServiceControlManagerProvider, 7045, Table::Device, map_service_installed},
};
constexpr size_t kMapperCount = std::size(kMappers);

// The table's rows of one provider: kMappers[begin, end).
struct ProviderRows {
  std::string_view provider;
  size_t begin = 0, end = 0;
};

constexpr size_t count_providers() {
  size_t n = 0;
  for (size_t i = 0; i < kMapperCount; ++i)
    if (i == 0 || kMappers[i].provider != kMappers[i - 1].provider) ++n;
  return n;
}

constexpr std::array<ProviderRows, count_providers()> group_by_provider() {
  std::array<ProviderRows, count_providers()> groups{};
  size_t g = 0;
  for (size_t i = 0; i < kMapperCount; ++i) {
    if (i > 0 && kMappers[i].provider == kMappers[i - 1].provider) continue;
    if (g > 0) groups[g - 1].end = i;
    groups[g++] = {kMappers[i].provider, i, kMapperCount};
  }
  return groups;
}
constexpr auto kProviders = group_by_provider();

// Every provider's rows adjacent, every (provider, event id) once.
constexpr bool table_is_grouped() {
  for (size_t a = 0; a < kProviders.size(); ++a)
    for (size_t b = a + 1; b < kProviders.size(); ++b)
      if (kProviders[a].provider == kProviders[b].provider) return false;
  for (size_t a = 0; a < kMapperCount; ++a)
    for (size_t b = a + 1; b < kMapperCount; ++b)
      if (kMappers[a].provider == kMappers[b].provider && kMappers[a].event_id == kMappers[b].event_id) return false;
  return true;
}
static_assert(table_is_grouped(), "kMappers: keep a provider's rows together, each event id once");

const MapperEntry* find_mapper(std::string_view provider, uint16_t id, TableSet tables) {
  for (const ProviderRows& p : kProviders) {
    if (p.provider != provider) continue;
    for (size_t i = p.begin; i < p.end; ++i)
      if (kMappers[i].event_id == id) return (tables & table_bit(kMappers[i].table)) ? &kMappers[i] : nullptr;
    return nullptr;
  }
  return nullptr;
}

}  // namespace

std::span<const MapperEntry> mapper_table() { return kMappers; }

NormalizedEvent make_boot(const NormalizedEvent& from) {
  NormalizedEvent boot;
  boot.table = Table::Boot;
  for (Field f : {Field::Timestamp, Field::DeviceId, Field::DeviceName, Field::SourceFile, Field::EventRecordID,
                  Field::Provider, Field::Channel, Field::EventID})
    boot[f] = from[f];
  boot.time_source = from.time_source;
  boot.time_created = from.time_created;
  boot.timestamp_note = from.timestamp_note;
  set_boot_marker(boot, from.boot);
  return boot;
}

void set_boot_marker(NormalizedEvent& boot, BootMarker marker) {
  boot.boot = marker;
  boot[Field::ActionType] = FieldValue::str(boot_marker_name(marker));
}

bool is_boot_services_start(const NormalizedEvent& created) {
  const FieldValue& image = created[Field::FileName];
  const FieldValue& parent = created[Field::InitiatingProcessFileName];
  return image.known() && text::iequals(image.s, "services.exe") && parent.known() &&
         text::iequals(parent.s, "wininit.exe");
}

void swap_endpoints(NormalizedEvent& ev) {
  std::swap(ev[Field::LocalIP], ev[Field::RemoteIP]);
  std::swap(ev[Field::LocalPort], ev[Field::RemotePort]);
}

std::string protocol_name(std::string_view p) {
  if (p == "6" || text::iequals(p, "tcp")) return "Tcp";
  if (p == "17" || text::iequals(p, "udp")) return "Udp";
  if (p == "1" || text::iequals(p, "icmp")) return "Icmp";
  return std::string(p);
}

bool wanted(std::string_view provider, uint16_t event_id, TableSet tables) {
  return find_mapper(provider, event_id, tables) != nullptr;
}

bool map_record(const RecordAccess& rec, NormalizedEvent& out, TableSet tables) {
  const MapperEntry* m = find_mapper(rec.provider(), rec.event_id(), tables);
  if (!m) return false;
  m->map(rec, out);
  return true;
}

}  // namespace normalize
