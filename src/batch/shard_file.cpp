#include <xxhash.h>

#include <cstring>

#include "batch/shard.h"
#include "replay/finding_codec.h"

namespace batch {
namespace {

// "evtxhunt shard", then the layout version: bumped whenever what follows
// changes; at the end the XXH64 of everything before it (8 bytes, little
// endian), so a damaged shard is refused rather than read as other findings.
constexpr std::string_view kMagic = "evtxhunt shard\n";
constexpr uint64_t kLayout = 3;
constexpr size_t kChecksumSize = 8;

uint64_t checksum(std::string_view bytes) { return XXH64(bytes.data(), bytes.size(), 0); }

// The shard's reader: the finding codec's, with the shard's framing.
class Reader : public replay::FindingReader {
 public:
  Reader(std::string_view bytes, const std::string& name)
      : FindingReader(
            bytes, name + ": not a readable evtxhunt shard: ", kShardMemoryPerByte * bytes.size() + kShardMemoryBase) {}

  void magic() {
    std::string_view& b = bytes();
    if (b.substr(0, kMagic.size()) != kMagic) fail("no shard signature");
    seek(kMagic.size());
    if (b.size() < kMagic.size() + 1 + kChecksumSize) fail("cut short");
    uint64_t stored = 0;
    for (size_t i = 0; i < kChecksumSize; ++i)
      stored |= uint64_t(static_cast<uint8_t>(b[b.size() - kChecksumSize + i])) << (8 * i);
    b.remove_suffix(kChecksumSize);
    if (checksum(b) != stored) fail("its checksum does not match (damaged or cut short)");
    if (uint64_t layout = varint(); layout != kLayout)
      fail("layout " + std::to_string(layout) + " (this evtxhunt reads layout " + std::to_string(kLayout) + ")");
  }
};

}  // namespace

void seal_shard(std::string& body) {
  uint64_t sum = checksum(body);
  for (size_t i = 0; i < kChecksumSize; ++i) body += static_cast<char>(sum >> (8 * i));
}

std::string write_shard(const Shard& shard) {
  replay::FindingWriter w;
  w.out = kMagic;
  w.varint(kLayout);
  w.string(shard.version);
  w.string(shard.rules_summary);
  w.varint(shard.files.size());
  for (const FileRead& f : shard.files) {
    w.string(f.path);
    w.string(f.kind);
    for (uint64_t v : {f.bytes, f.records, f.damaged_records, f.chunks, f.chunks_skipped, f.problems}) w.varint(v);
  }
  w.varint(shard.skipped.size());
  for (const pipeline::SkippedInput& s : shard.skipped) {
    w.string(s.path);
    w.string(s.reason);
  }
  w.strings(shard.warnings);
  w.varint(shard.hosts.size());
  for (const ShardHost& h : shard.hosts) {
    w.string(h.identity.device_id);
    w.strings(h.identity.names);
    w.varint(h.identity.addresses.size());
    for (const std::string& a : h.identity.addresses) w.string(a);
    w.varint(h.events);
    w.varint(h.findings.size());
    try {
      for (const replay::Finding& f : h.findings) w.finding(f);
    } catch (const replay::FindingCodecError&) {
      throw ShardError("a shard holds findings before the cross-host pass, not linked ones");
    }
  }
  for (uint64_t v : {shard.duplicates_dropped, shard.merged_processes, shard.spills, shard.spilled_bytes}) w.varint(v);
  seal_shard(w.out);
  return std::move(w.out);
}

Shard read_shard(std::string_view bytes, const std::string& name, size_t* decoded_bytes) try {
  Reader r(bytes, name);
  r.magic();
  Shard shard;
  shard.version = r.string();
  shard.rules_summary = r.string();
  shard.files.resize(r.count(sizeof(FileRead)));
  for (FileRead& f : shard.files) {
    f.path = r.string();
    f.kind = r.string();
    for (uint64_t* v : {&f.bytes, &f.records, &f.damaged_records, &f.chunks, &f.chunks_skipped, &f.problems})
      *v = r.varint();
  }
  shard.skipped.resize(r.count(sizeof(pipeline::SkippedInput)));
  for (pipeline::SkippedInput& s : shard.skipped) {
    s.path = r.string();
    s.reason = r.string();
  }
  shard.warnings = r.strings();
  shard.hosts.resize(r.count(sizeof(ShardHost)));
  for (ShardHost& h : shard.hosts) {
    h.identity.device_id = r.string();
    h.identity.names = r.strings();
    for (size_t n = r.count(64); n > 0; --n) h.identity.addresses.insert(r.string());  // a set node each
    h.events = r.varint();
    // Findings are read one by one: a count cannot reserve more than the bytes left.
    for (size_t n = r.count(); n > 0; --n) h.findings.push_back(r.finding());
  }
  for (uint64_t* v : {&shard.duplicates_dropped, &shard.merged_processes, &shard.spills, &shard.spilled_bytes})
    *v = r.varint();
  if (!r.done()) r.fail("bytes after the end");
  if (decoded_bytes) *decoded_bytes = r.used();
  return shard;
} catch (const replay::FindingCodecError& e) {
  throw ShardError(e.what());
}

}  // namespace batch
