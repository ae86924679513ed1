// Merging a batch scan's shards into what one `evtxhunt scan` of the same
// inputs gives: hosts in key order (each host's findings as its shard sorted
// them), then the cross-host pass over all of them, exactly as scan_evidence
// does; files read by several shards counted once.
#pragma once

#include <string>
#include <vector>

#include "batch/shard.h"
#include "pipeline/evidence.h"
#include "replay/scan.h"

namespace batch {

struct MergedScan {
  replay::ScanResult result;  // linked, in the single-machine order
  pipeline::ReadStats stats;  // files once; events and hosts of the hosts replayed
  size_t damaged_files = 0;
  uint64_t spills = 0, spilled_bytes = 0;
  std::string rules_summary;
  std::vector<std::string> warnings;  // every shard's, each line once, in the order first seen
};

// names: the shards' file names, for messages. Throws ShardError when the
// shards cannot be one scan: written by different evtxhunt versions or rule
// sets, or a host (key or computer name) replayed by two shards.
MergedScan merge_shards(std::vector<Shard> shards, const std::vector<std::string>& names);

}  // namespace batch
