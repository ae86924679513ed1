#include "replay/host_replay.h"

#include <unordered_set>

#include "replay/process_table.h"
#include "replay/rule_matcher.h"

namespace replay {
namespace {

using norm::Field;
using norm::NormalizedEvent;

// Everything but the file it came from: the same record read from two copies
// of a log gives the same key.
std::string duplicate_key(const NormalizedEvent& ev) {
  std::string k(1, static_cast<char>(ev.table));
  for (size_t i = 0; i < norm::kFieldCount; ++i) {
    if (static_cast<Field>(i) == Field::SourceFile) continue;
    const norm::FieldValue& v = ev.fields[i];
    k += static_cast<char>(v.kind);
    k += std::to_string(v.i);
    k += v.s;
    k += '\x1f';
  }
  return k;
}

// Boot markers closer than this to the previous marker belong to the same boot.
constexpr norm::Ticks kBootMarkerSpread = 5 * 60 * norm::kTicksPerSecond;

}  // namespace

HostResult replay_host(std::vector<NormalizedEvent*>& events, const std::vector<const rules::Rule*>& rules) {
  HostResult result;
  if (events.empty()) return result;
  ProcessTable table((*events.front())[Field::DeviceId].s);
  std::vector<RuleMatcher> matchers;
  matchers.reserve(rules.size());
  for (const rules::Rule* r : rules) matchers.emplace_back(*r);

  std::unordered_set<std::string> seen;
  norm::FieldValue last_boot, last_marker;
  bool boot_has_services = false;
  for (NormalizedEvent* ev : events) {
    if (!seen.insert(duplicate_key(*ev)).second) {
      ++result.duplicates_dropped;
      continue;
    }
    if (ev->table == norm::Table::Boot) {
      // One boot leaves several markers (Kernel-General 12, services.exe,
      // 4608, 6005) within seconds. Its time is the services.exe start, as
      // the seed query takes it, or else the first marker.
      bool same_boot = last_marker.known() && ev->timestamp() - last_marker.i <= kBootMarkerSpread;
      bool services = ev->boot == norm::BootMarker::ServicesStarted;
      if (!same_boot || (services && !boot_has_services)) last_boot = norm::FieldValue::time(ev->timestamp());
      boot_has_services = (same_boot && boot_has_services) || services;
      last_marker = norm::FieldValue::time(ev->timestamp());
      continue;
    }
    (*ev)[Field::LastBootTime] = last_boot;
    switch (ev->table) {
      case norm::Table::Process:
        if (!table.on_created(*ev)) {
          ++result.merged_processes;
          continue;
        }
        break;
      case norm::Table::Network:
        table.on_network(*ev);
        break;
      case norm::Table::ProcessEnd: {
        std::string ended = table.on_ended(*ev);
        if (!ended.empty())
          for (RuleMatcher& m : matchers) m.on_process_end(ended);
        continue;
      }
      case norm::Table::Boot:
        continue;
    }
    for (RuleMatcher& m : matchers) m.on_event(*ev);
  }
  for (const RuleMatcher& m : matchers)
    for (Finding& f : m.finish()) result.findings.push_back(std::move(f));
  return result;
}

}  // namespace replay
