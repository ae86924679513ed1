// Sysmon UtcTimes earlier than their own process: an event of a process
// (Sysmon 3 of its connection, Sysmon 5 of its end) cannot happen before the
// Sysmon 1 that started it. Such an event takes its record's TimeCreated
// instead, with a note naming the process start.
// (LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx: #17590, mshta's inbound
// connection, has a UtcTime 4 s before #17589 started mshta.)
//
// Used per host: observe() every event, then check() each.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "normalize/normalized_event.h"

namespace normalize {

class ProcessStarts {
 public:
  // Learns the start of each process a Sysmon 1 records.
  void observe(const NormalizedEvent& ev);
  // Falls back to TimeCreated when ev's UtcTime is before its process
  // started; true when it did (the event's time moved later).
  bool check(NormalizedEvent& ev) const;

 private:
  // One per process of the host, so kept small: the 64-bit hash of its
  // ProcessGuid -> its start and the record that shows it (to cite).
  struct Start {
    Ticks time;
    int64_t record_id;
    uint32_t file;  // index into files_
  };
  std::unordered_map<uint64_t, Start> starts_;
  std::vector<std::string> files_;
  std::unordered_map<std::string, uint32_t> file_index_;
};

}  // namespace normalize
