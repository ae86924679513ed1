// Internal to the mappers: one entry point per log, and helpers they share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "evtx/record.h"
#include "normalize/normalized_event.h"

namespace norm {

void map_sysmon(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out);
void map_security(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out);
void map_system(const evtx::Record& rec, const std::string& src, std::vector<NormalizedEvent>& out);

bool equals_nocase(std::string_view a, std::string_view b);
// A boot event at the time of `from`, on its host, with its provenance.
NormalizedEvent make_boot(const NormalizedEvent& from, BootMarker marker);
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
