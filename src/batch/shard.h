// A shard of a batch scan (scripts/evtxhunt-dask): what `evtxhunt scan
// --format shard` writes for the hosts it was given, and `evtxhunt merge`
// reads back to give the single-machine scan's output. It holds each host's
// findings before the cross-host pass, with every field the output formats
// and the pass read; the host identities the pass needs; and what was read,
// per file, so a file that several shards read (a WEC log of many hosts) is
// counted once.
//
// Binary, lossless (strings as their bytes): integers as LEB128 varints,
// strings as a length and bytes, an XXH64 checksum at the end. A file cut
// short or damaged is an error naming the file (and the offset where the
// bytes stop making sense), never a crash or a silent misreading.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/evidence.h"
#include "replay/finding.h"
#include "replay/link.h"
#include "replay/scan.h"

namespace batch {

struct ShardError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What was read of one file (pipeline::FileInfo's counts).
struct FileRead {
  std::string path;
  std::string kind;  // "evtx" or "xml"
  uint64_t bytes = 0, records = 0, damaged_records = 0, chunks = 0, chunks_skipped = 0, problems = 0;
};

struct ShardHost {
  replay::HostIdentity identity;
  uint64_t events = 0;                    // stored under the host's names
  std::vector<replay::Finding> findings;  // kept, sorted by time then rule; not linked
};

struct Shard {
  std::string version;        // the evtxhunt that wrote it
  std::string rules_summary;  // scan's "rules loaded" summary line: the same rules in every shard
  std::vector<FileRead> files;
  std::vector<pipeline::SkippedInput> skipped;
  std::vector<std::string> warnings;  // the lines the shard's scan wrote on stderr (skips, damage, host names)
  std::vector<ShardHost> hosts;       // in host key order
  uint64_t duplicates_dropped = 0, merged_processes = 0;
  uint64_t spills = 0, spilled_bytes = 0;
};

// What a shard says beside the evidence and the replay.
struct ShardContext {
  std::string version, rules_summary;
  std::vector<std::string> warnings;
};
// The shard of a scan that replayed these hosts of the evidence.
Shard make_shard(const pipeline::Evidence& ev, replay::HostsReplayed replayed, ShardContext context);

// The shard's bytes; findings with links (already linked) are refused.
std::string write_shard(const Shard& shard);
// Appends the checksum that ends a shard to the bytes before it (write_shard
// does; the fuzzer seals its mutations so they reach the reader's checks).
void seal_shard(std::string& body);
// name: for messages (the file's path). Throws ShardError. A shard of N bytes
// is read into at most kShardMemoryPerByte x N + kShardMemoryBase bytes of
// memory (decoded_bytes counts them): one whose counts or events would take
// more is refused, so a crafted 70 MB shard cannot make merge take 9 GB.
Shard read_shard(std::string_view bytes, const std::string& name, size_t* decoded_bytes = nullptr);
inline constexpr size_t kShardMemoryPerByte = 32;
inline constexpr size_t kShardMemoryBase = 1u << 20;

}  // namespace batch
