// Small conversions shared by the mappers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "evtx/record.h"
#include "normalize/normalized_event.h"

namespace norm {

// Final path component after '\' or '/': "C:\Windows\mmc.exe" -> "mmc.exe".
std::string_view basename(std::string_view path);

// Host key: lower-case first DNS label, so WIN10 and win10.corp.local merge.
std::string host_key(std::string_view computer);

// "2019-04-30 20:35:11.856" (Sysmon UtcTime) or ISO 8601 -> ticks since 1601.
std::optional<Ticks> parse_time(std::string_view text);

// Decimal or 0x-prefixed hexadecimal (Security PIDs) integer.
std::optional<int64_t> parse_int(std::string_view text);

// Integrity level from a mandatory label SID (S-1-16-12288 -> "High").
std::string integrity_from_label(std::string_view sid);

// A new event of `table` with the provenance and host fields every event
// carries, Timestamp from TimeCreated, and ActionType (when given).
NormalizedEvent start_event(Table table, const evtx::Record& rec, const std::string& source_file,
                            const char* action = nullptr);

// Record data field -> event field (Unknown when the record lacks it).
void copy_string(NormalizedEvent& ev, Field f, const evtx::Record& rec, std::string_view data_name);
void copy_int(NormalizedEvent& ev, Field f, const evtx::Record& rec, std::string_view data_name);
// Image path into a (FolderPath, FileName) pair.
void copy_path(NormalizedEvent& ev, Field folder, Field file, const evtx::Record& rec, std::string_view data_name);

}  // namespace norm
