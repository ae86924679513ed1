// The host pass that finds Sysmon UtcTimes earlier than their own process:
// an event of a process (Sysmon 3 of its connection, Sysmon 5 of its end)
// cannot happen before the Sysmon 1 that started it. Such an event takes its
// record's TimeCreated instead, with a note naming the process start.
// (LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx: #17590, mshta's inbound
// connection, has a UtcTime 4 s before #17589 started mshta.)
#pragma once

#include <vector>

#include "normalize/normalized_event.h"

namespace norm {

// events: normalized events of any hosts, before they are sorted.
void check_times_against_process_starts(std::vector<NormalizedEvent>& events);

}  // namespace norm
