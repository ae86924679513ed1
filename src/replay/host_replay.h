// Replays the events of one host in time order (pipeline/host_stream.h:
// decided columns, duplicates dropped): sets LastBootTime (the latest boot at
// or before the event: its services.exe start, else its first marker), keeps
// the process table, and feeds every process and network event to each rule;
// Sigma matches become findings and feed the correlation rules
// (sigma_host.h).
// Sequential and deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/host_stream.h"
#include "replay/finding.h"
#include "rules/rule.h"
#include "sigma/rule_set.h"

namespace replay {

struct HostResult {
  std::vector<Finding> findings;
  uint64_t duplicates_dropped = 0;
  uint64_t merged_processes = 0;    // creations of a run already seen (4688 + Sysmon 1, two copies), counted once
  std::set<std::string> addresses;  // the host's own unicast addresses: the local side of its connections
};

// Called for every event of the host in order (mapped or not), after the
// replay has filled its columns (LastBootTime, the process table's).
using EventSink = std::function<void(const pipeline::StreamEvent&)>;

// sigma: the Sigma rule set whose matches the events carry (null: none).
HostResult replay_host(const pipeline::HostStream& stream, const std::vector<const rules::Rule*>& rules,
                       const EventSink& sink = {}, const sigma::RuleSet* sigma = nullptr);

}  // namespace replay
