// libFuzzer harness: a batch scan's shard file (batch/shard.h) through the
// reader; what reads must stay within its memory bound, write back to the
// same bytes, merge (the cross-host pass included) and render in every
// findings format. scripts/fuzz.sh runs it with -rss_limit_mb as well.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "batch/merge.h"
#include "batch/shard.h"
#include "output/finding_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The input less its last 8 bytes (a seed's checksum), sealed again: the
  // mutations reach the reader's structure, not only its checksum test.
  std::string bytes(reinterpret_cast<const char*>(data), size >= 8 ? size - 8 : size);
  batch::seal_shard(bytes);
  batch::Shard shard;
  size_t decoded = 0;
  try {
    shard = batch::read_shard(bytes, "fuzz.shard", &decoded);
  } catch (const batch::ShardError&) {
    return 0;
  }
  // The resource bound: a shard of N bytes takes at most 32 N + 1 MiB in memory.
  if (decoded > batch::kShardMemoryPerByte * bytes.size() + batch::kShardMemoryBase) std::abort();
  // Varints may be written longer than needed: compare from the first rewrite.
  std::string once = batch::write_shard(shard);
  if (batch::write_shard(batch::read_shard(once, "rewritten")) != once) std::abort();
  try {
    batch::MergedScan merged = batch::merge_shards({std::move(shard)}, {"fuzz.shard"});
    std::string out;
    for (output::Format f : output::kEventFormats)
      merged.result.findings.for_each(
          [&](const replay::Finding& finding) { output::append_finding(out, finding, f, {}); });
  } catch (const batch::ShardError&) {
  }
  return 0;
}
