// Internal to the mappers: one entry point per log, and helpers they share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "normalize/record_access.h"
#include "normalize/normalized_event.h"

namespace norm {

// Each fills `out` when it maps the record and returns whether it did.
bool map_sysmon(const RecordAccess& rec, NormalizedEvent& out);
bool map_security(const RecordAccess& rec, NormalizedEvent& out);
bool map_system(const RecordAccess& rec, NormalizedEvent& out);
bool map_powershell(const RecordAccess& rec, NormalizedEvent& out);

bool equals_nocase(std::string_view a, std::string_view b);
// Makes `boot` a Boot event of this marker (its ActionType names it).
void set_boot_marker(NormalizedEvent& boot, BootMarker marker);
// A process creation that marks a boot: services.exe started by wininit.exe
// (a services.exe started by anything else, e.g. PPLdump.exe, is not a boot).
bool is_boot_services_start(const NormalizedEvent& created);
// Swaps Local and Remote IP / port.
void swap_endpoints(NormalizedEvent& ev);
// "6" / "tcp" -> "Tcp", "17" / "udp" -> "Udp" (Defender's spelling); others as given.
std::string protocol_name(std::string_view p);

}  // namespace norm
