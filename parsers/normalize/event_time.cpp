#include "normalize/event_time.h"

#include <map>

#include "evtx/value.h"
#include "normalize/mapping_util.h"

namespace normalize {
namespace {

// The ProcessGuid of the process an event belongs to (Sysmon 5: the ended
// process; Sysmon 3 and the activity of 2, 7, 8, 10-18, 22-26: the process
// that acted), or nullptr.
const FieldValue* own_process(const NormalizedEvent& ev) {
  switch (ev.table) {
    case Table::ProcessEnd: return ev[Field::ProcessUniqueId].known() ? &ev[Field::ProcessUniqueId] : nullptr;
    case Table::Network:
    case Table::ImageLoad:
    case Table::File:
    case Table::Registry:
    case Table::Device:
      return ev[Field::InitiatingProcessUniqueId].known() ? &ev[Field::InitiatingProcessUniqueId] : nullptr;
    default: return nullptr;
  }
}

uint64_t guid_hash(const std::string& guid) { return std::hash<std::string>{}(guid); }

}  // namespace

void ProcessStarts::observe(const NormalizedEvent& ev) {
  if (ev.table != Table::Process || ev.time_source != TimeSource::UtcTime || !ev[Field::ProcessUniqueId].known())
    return;
  const std::string& file = ev[Field::SourceFile].s;
  auto [it, added] = file_index_.emplace(file, static_cast<uint32_t>(files_.size()));
  if (added) files_.push_back(file);
  starts_.emplace(guid_hash(ev[Field::ProcessUniqueId].s),
                  Start{ev.timestamp(), ev[Field::EventRecordID].i, it->second});
}

bool ProcessStarts::check(NormalizedEvent& ev) const {
  if (ev.time_source != TimeSource::UtcTime) return false;
  const FieldValue* guid = own_process(ev);
  if (!guid) return false;
  auto it = starts_.find(guid_hash(guid->s));
  if (it == starts_.end() || ev.timestamp() >= it->second.time) return false;
  std::string_view file = files_[it->second.file];
  file = file.substr(file.find_last_of("/\\") + 1);
  ev.timestamp_note = "UtcTime " + evtx::filetime_iso(static_cast<uint64_t>(ev.timestamp()), 7) +
                      " is before its process started (" + std::string(file) + "#" +
                      std::to_string(it->second.record_id) + " at " +
                      evtx::filetime_iso(static_cast<uint64_t>(it->second.time), 7) + ")";
  ev[Field::Timestamp] = FieldValue::time(ev.time_created);
  ev.time_source = TimeSource::TimeCreated;
  return true;
}

}  // namespace normalize
