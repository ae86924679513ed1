#include "normalize/event_time.h"

#include <string>
#include <unordered_map>

#include "evtx/value.h"
#include "normalize/mapping_util.h"

namespace norm {
namespace {

struct Start {
  Ticks time;
  const NormalizedEvent* event;
};

// The ProcessGuid of the process an event belongs to (Sysmon 3: its
// connection's process; Sysmon 5: the ended process), or nullptr.
const FieldValue* own_process(const NormalizedEvent& ev) {
  const FieldValue* v = ev.table == Table::Network      ? &ev[Field::InitiatingProcessUniqueId]
                        : ev.table == Table::ProcessEnd ? &ev[Field::ProcessUniqueId]
                                                        : nullptr;
  return v && v->known() ? v : nullptr;
}

}  // namespace

void check_times_against_process_starts(std::vector<NormalizedEvent>& events) {
  std::unordered_map<std::string, Start> starts;  // DeviceId + ProcessGuid -> its Sysmon 1
  for (const NormalizedEvent& ev : events)
    if (ev.table == Table::Process && ev.time_source == TimeSource::UtcTime && ev[Field::ProcessUniqueId].known())
      starts.emplace(ev[Field::DeviceId].s + '|' + ev[Field::ProcessUniqueId].s, Start{ev.timestamp(), &ev});
  if (starts.empty()) return;
  for (NormalizedEvent& ev : events) {
    if (ev.time_source != TimeSource::UtcTime) continue;
    const FieldValue* guid = own_process(ev);
    if (!guid) continue;
    auto it = starts.find(ev[Field::DeviceId].s + '|' + guid->s);
    if (it == starts.end() || ev.timestamp() >= it->second.time) continue;
    ev.timestamp_note = "UtcTime " + evtx::filetime_iso(static_cast<uint64_t>(ev.timestamp()), 7) +
                        " is before its process started (" + record_ref(*it->second.event) + " at " +
                        evtx::filetime_iso(static_cast<uint64_t>(it->second.time), 7) + ")";
    ev[Field::Timestamp] = FieldValue::time(ev.time_created);
    ev.time_source = TimeSource::TimeCreated;
  }
}

}  // namespace norm
