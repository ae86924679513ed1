// Maps event records into normalized events (normalized_event.h), by field
// name, never by position: event versions differ in which fields they carry.
//   Sysmon 1 / 3 / 5; Security 4624 / 4625 / 4634 / 4647 / 4688 / 4689 / 5156 / 5154 / 5158 / 4608;
//   for KQL's tables Sysmon 2 / 7 / 8 / 10-15 / 17 / 18 / 22 / 23 / 25 / 26, Security 4657 / 4697 /
//   4698 / 4702, System 7045 (mapper.cpp's table says which table each goes to);
//   PowerShell 4104 (script block); System 6005 (EventLog) and
//   Kernel-General 12; a Sysmon 1 of services.exe
//   is also a boot, as the FalconFriday seed query counts it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "normalize/record_access.h"

namespace normalize {

// True if some mapper of one of `tables` wants records of this provider and
// event id: the reader skips every other record before building its fields.
// A run maps only the tables it reads (scan: kReplayTables; query: those the
// query names): the others' records cost nothing.
bool wanted(std::string_view provider, uint16_t event_id, TableSet tables = kReplayTables);

// The normalized event of one record: false if no mapper of `tables` wants
// it. The provenance columns (SourceFile, DeviceName, Provider, Channel,
// EventID, EventRecordID) are left to the event store, which keeps them once.
bool map_record(const RecordAccess& rec, NormalizedEvent& out, TableSet tables = kReplayTables);

// The Boot row of a process creation that also marks a boot (services.exe
// started by wininit.exe), for listings that show boots as rows.
NormalizedEvent make_boot(const NormalizedEvent& from);

}  // namespace normalize
