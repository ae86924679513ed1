// Internal to the mappers: the (provider, event id) -> mapping function table
// (mapper.cpp), one mapping function per event, and helpers they share.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "normalize/record_access.h"

namespace normalize {

// Fills `out` with the normalized event of a record of its (provider, event id).
using MapFn = void (*)(const RecordAccess& rec, NormalizedEvent& out);

// One row of the mapping table: records of this provider and event id are
// mapped by `map` into rows of `table`. wanted() and map_record() (mapper.h)
// both look here.
struct MapperEntry {
  std::string_view provider;
  uint16_t event_id;
  Table table;
  MapFn map;
};
// The table, the rows of one provider adjacent.
std::span<const MapperEntry> mapper_table();

// Sysmon (sysmon_mapper.cpp).
void map_sysmon_process_create(const RecordAccess& rec, NormalizedEvent& out);     // 1
void map_sysmon_network_connect(const RecordAccess& rec, NormalizedEvent& out);    // 3
void map_sysmon_process_terminate(const RecordAccess& rec, NormalizedEvent& out);  // 5
// Sysmon activity (sysmon_activity_mapper.cpp).
void map_sysmon_file_time_changed(const RecordAccess& rec, NormalizedEvent& out);  // 2
void map_sysmon_image_load(const RecordAccess& rec, NormalizedEvent& out);         // 7
void map_sysmon_remote_thread(const RecordAccess& rec, NormalizedEvent& out);      // 8
void map_sysmon_process_access(const RecordAccess& rec, NormalizedEvent& out);     // 10
void map_sysmon_file_create(const RecordAccess& rec, NormalizedEvent& out);        // 11
void map_sysmon_registry(const RecordAccess& rec, NormalizedEvent& out);           // 12, 13, 14
void map_sysmon_stream_hash(const RecordAccess& rec, NormalizedEvent& out);        // 15
void map_sysmon_pipe(const RecordAccess& rec, NormalizedEvent& out);               // 17, 18
void map_sysmon_dns_query(const RecordAccess& rec, NormalizedEvent& out);          // 22
void map_sysmon_file_delete(const RecordAccess& rec, NormalizedEvent& out);        // 23, 26
void map_sysmon_process_tampering(const RecordAccess& rec, NormalizedEvent& out);  // 25
// Security auditing (security_mapper.cpp).
void map_security_logon(const RecordAccess& rec, NormalizedEvent& out);              // 4624
void map_security_logon_failed(const RecordAccess& rec, NormalizedEvent& out);       // 4625
void map_security_logoff(const RecordAccess& rec, NormalizedEvent& out);             // 4634, 4647
void map_security_process_create(const RecordAccess& rec, NormalizedEvent& out);     // 4688
void map_security_process_terminate(const RecordAccess& rec, NormalizedEvent& out);  // 4689
void map_security_connection(const RecordAccess& rec, NormalizedEvent& out);         // 5156
void map_security_listen(const RecordAccess& rec, NormalizedEvent& out);             // 5154
void map_security_bind(const RecordAccess& rec, NormalizedEvent& out);               // 5158
void map_security_system_start(const RecordAccess& rec, NormalizedEvent& out);       // 4608
// Security auditing of objects (security_activity_mapper.cpp).
void map_security_registry_value(const RecordAccess& rec, NormalizedEvent& out);     // 4657
void map_security_service_installed(const RecordAccess& rec, NormalizedEvent& out);  // 4697
void map_security_task(const RecordAccess& rec, NormalizedEvent& out);               // 4698, 4702
// System log boots (system_mapper.cpp).
void map_eventlog_started(const RecordAccess& rec, NormalizedEvent& out);   // EventLog 6005
void map_kernel_os_started(const RecordAccess& rec, NormalizedEvent& out);  // Kernel-General 12
void map_service_installed(const RecordAccess& rec, NormalizedEvent& out);  // Service Control Manager 7045
// PowerShell (powershell_mapper.cpp).
void map_powershell_script_block(const RecordAccess& rec, NormalizedEvent& out);  // 4104

// A Sysmon event: Timestamp is UtcTime when plausible, else TimeCreated with a note.
NormalizedEvent sysmon_event(Table table, const RecordAccess& rec, const char* action = nullptr);
// Sysmon's User ("DOMAIN\\user") into the two fields.
void copy_sysmon_user(NormalizedEvent& ev, const RecordAccess& rec, Field domain, Field name);

// AdditionalFields: a JSON object of what a table has no column for, its
// members in the order added.
class JsonBag {
 public:
  void add(std::string_view key, std::string_view text);
  // The record's field, when it has a known value.
  void copy(const RecordAccess& rec, std::string_view data_name, std::string_view key = {});
  bool empty() const { return text_.empty(); }
  std::string str() const { return "{" + text_ + "}"; }

 private:
  std::string text_;
};
void set_additional_fields(NormalizedEvent& ev, const JsonBag& bag);

// Makes `boot` a Boot event of this marker (its ActionType names it).
void set_boot_marker(NormalizedEvent& boot, BootMarker marker);
// A process creation that marks a boot: services.exe started by wininit.exe
// (a services.exe started by anything else, e.g. PPLdump.exe, is not a boot).
bool is_boot_services_start(const NormalizedEvent& created);
// Swaps Local and Remote IP / port.
void swap_endpoints(NormalizedEvent& ev);
// "6" / "tcp" -> "Tcp", "17" / "udp" -> "Udp" (Defender's spelling); others as given.
std::string protocol_name(std::string_view p);

}  // namespace normalize
