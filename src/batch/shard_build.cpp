#include <algorithm>

#include "batch/shard.h"

namespace batch {

Shard make_shard(const pipeline::Evidence& ev, replay::HostsReplayed replayed, ShardContext context) {
  Shard s;
  s.version = std::move(context.version);
  s.rules_summary = std::move(context.rules_summary);
  s.warnings = std::move(context.warnings);
  for (const pipeline::FileInfo& f : ev.files)
    s.files.push_back({f.path, f.kind, f.bytes, f.records, f.damaged_records, f.chunks, f.chunks_skipped, f.problems});
  s.skipped = ev.skipped;
  for (replay::HostFindings& h : replayed.hosts) {
    ShardHost& out = s.hosts.emplace_back();
    for (uint32_t id : h.host->computer_ids) out.events += ev.store.events_of(id);
    out.identity = std::move(h.identity);
    out.findings = std::move(h.findings);
  }
  s.duplicates_dropped = replayed.duplicates_dropped;
  s.merged_processes = replayed.merged_processes;
  s.spills = ev.store.stats().spills;
  s.spilled_bytes = ev.store.stats().spilled_bytes;
  return s;
}

std::vector<std::string> names_not_found(const pipeline::Evidence& ev, const std::vector<std::string>& names) {
  std::vector<std::string> missing;
  for (const std::string& n : names) {
    bool found = std::any_of(ev.hosts.begin(), ev.hosts.end(), [&](const pipeline::Host& h) {
      return std::any_of(h.computer_ids.begin(), h.computer_ids.end(),
                         [&](uint32_t id) { return ev.store.pool().at(id) == n; });
    });
    if (!found) missing.push_back(n);
  }
  return missing;
}

}  // namespace batch
