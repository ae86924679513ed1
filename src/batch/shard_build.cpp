
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

}  // namespace batch
