#include "normalize/event_time.h"

#include <map>

#include "evtx/value.h"
#include "normalize/mapping_util.h"

namespace norm {
namespace {

// The ProcessGuid of the process an event belongs to (Sysmon 3: its
// connection's process; Sysmon 5: the ended process), or nullptr.
const FieldValue* own_process(const NormalizedEvent& ev) {
  const FieldValue* v = ev.table == Table::Network      ? &ev[Field::InitiatingProcessUniqueId]
                        : ev.table == Table::ProcessEnd ? &ev[Field::ProcessUniqueId]
                                                        : nullptr;
  return v && v->known() ? v : nullptr;
}

}  // namespace

void ProcessStarts::observe(const NormalizedEvent& ev) {
  if (ev.table == Table::Process && ev.time_source == TimeSource::UtcTime && ev[Field::ProcessUniqueId].known())
    starts_.emplace(ev[Field::ProcessUniqueId].s, Start{ev.timestamp(), record_ref(ev)});
}

bool ProcessStarts::check(NormalizedEvent& ev) const {
  if (ev.time_source != TimeSource::UtcTime) return false;
  const FieldValue* guid = own_process(ev);
  if (!guid) return false;
  auto it = starts_.find(guid->s);
  if (it == starts_.end() || ev.timestamp() >= it->second.time) return false;
  ev.timestamp_note = "UtcTime " + evtx::filetime_iso(static_cast<uint64_t>(ev.timestamp()), 7) +
                      " is before its process started (" + it->second.record + " at " +
                      evtx::filetime_iso(static_cast<uint64_t>(it->second.time), 7) + ")";
  ev[Field::Timestamp] = FieldValue::time(ev.time_created);
  ev.time_source = TimeSource::TimeCreated;
  return true;
}

void check_times_against_process_starts(std::vector<NormalizedEvent>& events) {
  std::map<std::string, ProcessStarts> hosts;
  for (const NormalizedEvent& ev : events) hosts[ev[Field::DeviceId].s].observe(ev);
  for (NormalizedEvent& ev : events) hosts[ev[Field::DeviceId].s].check(ev);
}

}  // namespace norm
