// Replays every kept host of the evidence through the rules: hosts in parallel
// (TBB), each host sequential; findings sorted by host, then Timestamp, then
// rule: identical for any thread count and memory budget.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/evidence.h"
#include "pipeline/filters.h"
#include "replay/finding.h"
#include "replay/host_replay.h"
#include "replay/link.h"
#include "replay/scan_findings.h"
#include "replay/tuning.h"
#include "rules/rule.h"

namespace replay {

// Which findings a command keeps: the tuning (tuning.h: exclusions, noisy
// rules, tags, statuses, level overrides), then a minimum level and rule ids
// (globs on the id or title).
struct FindingFilter {
  std::optional<rules::Level> min_level;
  std::vector<std::string> rules;  // --rule globs on rule_id or title
  const Tuning* tuning = nullptr;
  // Applies the tuning's level overrides to f, then decides; what the tuning
  // matched is counted in `counts` (Tuning::counts() sized) when given.
  bool keeps(Finding& f, TuningCounts* counts) const;
};

// What a scan keeps: hosts (the event filter's globs), findings whose first
// evidence is in the time range and (with --event-id / --channel) whose
// evidence holds such an event, and the finding filter.
struct ScanFilter {
  pipeline::EventFilter events;
  FindingFilter findings;
  // A shard of a batch scan (evtxhunt-dask): only hosts one of whose computer
  // names is one of these, exactly as written (none: no host); unset: every host.
  std::optional<std::vector<std::string>> shard_hosts;
  // Not a filter: each finding's details hold every field of its records
  // instead of their key fields (--all-fields).
  bool all_fields = false;
  bool keeps(Finding& f, TuningCounts* counts) const;
};

struct ScanResult {
  ScanFindings findings;  // hosts in order, a host's by time then rule
  uint64_t hosts = 0;     // replayed
  uint64_t duplicates_dropped = 0;
  uint64_t merged_processes = 0;
  TuningCounts tuning;  // what the tuning matched
};

// One host's part of a scan before the cross-host pass: its identity and its
// kept findings, sorted by time then rule.
struct HostFindings {
  const pipeline::Host* host = nullptr;
  HostIdentity identity;
  std::vector<Finding> findings;  // in memory (all of them when no FindingStore is given)
  std::optional<uint32_t> run;    // the others: a run of HostsReplayed::store
};

struct HostsReplayed {
  std::vector<HostFindings> hosts;      // in host key order
  std::shared_ptr<FindingStore> store;  // where hosts' findings went, when given
  uint64_t duplicates_dropped = 0;
  uint64_t merged_processes = 0;
  TuningCounts tuning;
};

// The hosts the filter keeps (by any of their computer names).
std::vector<const pipeline::Host*> kept_hosts(const pipeline::Evidence& evidence, const pipeline::EventFilter& f);

// Where else a host's replayed events go (e.g. the tables of KQL rules):
// its sink, called on the host's thread; an empty one for none.
using HostSinks = std::function<EventSink(const pipeline::Host&)>;

// Replays every kept host; no cross-host pass (a batch scan's shard). With a
// store, each host's findings go there once replayed (bounded memory);
// without, they stay in HostFindings::findings.
HostsReplayed replay_hosts(const pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules,
                           int threads, const ScanFilter& filter = {}, const sigma::RuleSet* sigma = nullptr,
                           const HostSinks& sinks = {}, std::shared_ptr<FindingStore> store = nullptr);

// The hosts' findings in host order, both ends of movements linked.
ScanResult link_hosts(HostsReplayed replayed);

// replay_hosts then link_hosts.
ScanResult scan_evidence(const pipeline::Evidence& evidence, const std::vector<const rules::Rule*>& rules, int threads,
                         const ScanFilter& filter = {}, const sigma::RuleSet* sigma = nullptr);

// A host as the cross-host linking knows it (link.h): its key, its computer
// names, and the addresses its own events showed it using.
HostIdentity host_identity(const pipeline::Evidence& evidence, const pipeline::Host& host,
                           std::set<std::string> addresses);

// Runs fn(host index, host) for each host, in parallel (threads <= 0: all cores).
void for_each_host(const std::vector<const pipeline::Host*>& hosts, int threads,
                   const std::function<void(size_t, const pipeline::Host&)>& fn);

}  // namespace replay
