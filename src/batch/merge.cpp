#include "batch/merge.h"

#include <map>
#include <set>

namespace batch {

MergedScan merge_shards(std::vector<Shard> shards, const std::vector<std::string>& names) {
  MergedScan out;
  if (shards.empty()) return out;
  auto differs = [&](size_t i, const std::string& what) {
    return ShardError(names[i] + " and " + names[0] + " are not shards of one scan: " + what + " differ");
  };
  std::set<std::string> files_seen, skipped_seen, warnings_seen;
  std::map<std::string, size_t> host_shard, name_shard;  // host key / computer name -> shard
  std::map<std::string, ShardHost*> hosts;               // by key: the single-machine host order
  for (size_t i = 0; i < shards.size(); ++i) {
    Shard& s = shards[i];
    if (s.version != shards[0].version)
      throw differs(i, "evtxhunt versions (" + s.version + ", " + shards[0].version + ")");
    if (s.rules_summary != shards[0].rules_summary) throw differs(i, "rule sets");
    for (const FileRead& f : s.files) {
      if (!files_seen.insert(f.path).second) continue;
      ++(f.kind == "xml" ? out.stats.xml_files : out.stats.evtx_files);
      out.stats.chunks += f.chunks;
      out.stats.chunks_skipped += f.chunks_skipped;
      out.stats.records += f.records;
      out.stats.records_damaged += f.damaged_records;
      out.damaged_files += f.problems > 0 || f.damaged_records > 0;
    }
    for (const pipeline::SkippedInput& sk : s.skipped) out.stats.inputs_skipped += skipped_seen.insert(sk.path).second;
    for (std::string& w : s.warnings)
      if (warnings_seen.insert(w).second) out.warnings.push_back(std::move(w));
    for (ShardHost& h : s.hosts) {
      // A host replayed twice would be found twice; one split would lose chains.
      if (auto [it, fresh] = host_shard.emplace(h.identity.device_id, i); !fresh)
        throw ShardError("host " + h.identity.device_id + " was replayed by two shards, " + names[it->second] +
                         " and " + names[i]);
      for (const std::string& n : h.identity.names)
        if (auto [it, fresh] = name_shard.emplace(n, i); !fresh)
          throw ShardError("computer name " + n + " belongs to hosts of two shards, " + names[it->second] + " and " +
                           names[i] + ": the shards resolved host names differently");
      hosts[h.identity.device_id] = &h;
      out.stats.events += h.events;
    }
    out.spills += s.spills;
    out.spilled_bytes += s.spilled_bytes;
  }
  out.stats.hosts = hosts.size();
  out.rules_summary = shards[0].rules_summary;
  replay::HostsReplayed replayed;
  for (const Shard& s : shards) {
    replayed.duplicates_dropped += s.duplicates_dropped;
    replayed.merged_processes += s.merged_processes;
  }
  for (auto& [key, h] : hosts) {
    replay::HostFindings& r = replayed.hosts.emplace_back();
    r.identity = std::move(h->identity);
    r.findings = std::move(h->findings);
  }
  out.result = replay::link_hosts(std::move(replayed));
  return out;
}

}  // namespace batch
