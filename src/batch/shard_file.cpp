#include <xxhash.h>

#include <cstring>

#include "batch/shard.h"

namespace batch {
namespace {

// "evtxhunt shard", then the layout version: bumped whenever what follows
// changes; at the end the XXH64 of everything before it (8 bytes, little
// endian), so a damaged shard is refused rather than read as other findings.
constexpr std::string_view kMagic = "evtxhunt shard\n";
constexpr uint64_t kLayout = 3;
constexpr size_t kChecksumSize = 8;

uint64_t checksum(std::string_view bytes) { return XXH64(bytes.data(), bytes.size(), 0); }

class Writer {
 public:
  std::string out;

  void u(uint64_t v) {
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void i(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void s(std::string_view v) {
    u(v.size());
    out.append(v);
  }
  void strings(const std::vector<std::string>& v) {
    u(v.size());
    for (const std::string& x : v) s(x);
  }
  void value(const norm::FieldValue& v) {
    u(static_cast<uint64_t>(v.kind));
    if (v.kind == norm::FieldValue::Kind::String) s(v.s);
    if (v.kind == norm::FieldValue::Kind::Int || v.kind == norm::FieldValue::Kind::Time) i(v.i);
  }
  void event(const norm::NormalizedEvent& e) {
    u(static_cast<uint64_t>(e.table));
    uint64_t known = 0;
    for (size_t f = 0; f < norm::kFieldCount; ++f)
      if (e.fields[f].known()) known |= uint64_t(1) << f;
    u(known);
    for (size_t f = 0; f < norm::kFieldCount; ++f)
      if (e.fields[f].known()) value(e.fields[f]);
    u(static_cast<uint64_t>(e.boot));
    u(static_cast<uint64_t>(e.time_source));
    i(e.time_created);
    s(e.timestamp_note);
    s(e.direction_evidence);
    u(uint64_t(e.inbound.pending) | uint64_t(e.inbound.source_named_self) << 1 |
      uint64_t(e.inbound.dest_named_self) << 2);
  }
  void link_end(const replay::LinkEnd& l) {
    u(l.source);
    for (const norm::FieldValue* v : {&l.peer_address, &l.peer_port, &l.local_address, &l.local_port, &l.peer_name})
      value(*v);
    i(l.time);
    for (const norm::FieldValue* v : {&l.process_file, &l.process_command_line, &l.process_account, &l.process_id})
      value(*v);
    s(l.process_record);
  }
  void finding(const replay::Finding& f) {
    if (!f.links.empty()) throw ShardError("a shard holds findings before the cross-host pass, not linked ones");
    s(f.rule_id);
    s(f.title);
    u(static_cast<uint64_t>(f.level));
    strings(f.tags);
    strings(f.notes);
    s(f.device_name);
    s(f.device_id);
    i(f.timestamp);
    strings(f.assumptions);
    u(f.evidence.size());
    for (const replay::Evidence& e : f.evidence) {
      s(e.stage);
      u(e.stage_index);
      event(*e.event);
      u(e.details.size());
      for (const auto& [name, value] : e.details) {
        s(name);
        s(value);
      }
    }
    u(f.fields.size());
    for (const auto& [name, v] : f.fields) {
      s(name);
      value(v);
    }
    u(f.collected.size());
    for (const auto& [name, values] : f.collected) {
      s(name);
      u(values.size());
      for (const norm::FieldValue& v : values) value(v);
    }
    u(f.link_end.has_value());
    if (f.link_end) link_end(*f.link_end);
  }
};

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& name)
      : b_(bytes), name_(name), budget_(kShardMemoryPerByte * bytes.size() + kShardMemoryBase) {}

  // Memory about to be taken for what is decoded: within the budget, or the
  // shard is refused (it cannot be one a scan wrote).
  void charge(size_t bytes) {
    if (bytes > budget_ - used_) fail("more in memory than its size can hold (a crafted count?)");
    used_ += bytes;
  }
  size_t used() const { return used_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw ShardError(name_ + ": not a readable evtxhunt shard: " + what + " at offset " + std::to_string(at_));
  }
  bool done() const { return at_ == b_.size(); }
  void magic() {
    if (b_.substr(0, kMagic.size()) != kMagic) fail("no shard signature");
    at_ = kMagic.size();
    if (b_.size() < kMagic.size() + 1 + kChecksumSize) fail("cut short");
    uint64_t stored = 0;
    for (size_t i = 0; i < kChecksumSize; ++i)
      stored |= uint64_t(static_cast<uint8_t>(b_[b_.size() - kChecksumSize + i])) << (8 * i);
    b_.remove_suffix(kChecksumSize);
    if (checksum(b_) != stored) fail("its checksum does not match (damaged or cut short)");
    if (uint64_t layout = u(); layout != kLayout)
      fail("layout " + std::to_string(layout) + " (this evtxhunt reads layout " + std::to_string(kLayout) + ")");
  }
  uint64_t u() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= b_.size()) fail("cut short");
      auto c = static_cast<uint8_t>(b_[at_++]);
      v |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    fail("an integer longer than 64 bits");
  }
  int64_t i() {
    uint64_t v = u();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  // A count of items each at least one byte long: never more than the bytes
  // left; `item` bytes of memory each are charged.
  size_t count(size_t item = 0) {
    uint64_t n = u();
    if (n > b_.size() - at_) fail("a count past the end");
    charge(static_cast<size_t>(n) * item);
    return static_cast<size_t>(n);
  }
  std::string s() {
    size_t n = count(1);
    std::string v(b_.substr(at_, n));
    at_ += n;
    return v;
  }
  std::vector<std::string> strings() {
    std::vector<std::string> v(count(sizeof(std::string)));
    for (std::string& x : v) x = s();
    return v;
  }
  template <typename Enum>
  Enum small(uint64_t max, const char* what) {
    uint64_t v = u();
    if (v > max) fail(std::string("a bad ") + what);
    return static_cast<Enum>(v);
  }
  norm::FieldValue value() {
    norm::FieldValue v;
    v.kind = small<norm::FieldValue::Kind>(3, "value kind");
    if (v.kind == norm::FieldValue::Kind::String) v.s = s();
    if (v.kind == norm::FieldValue::Kind::Int || v.kind == norm::FieldValue::Kind::Time) v.i = i();
    return v;
  }
  std::shared_ptr<const norm::NormalizedEvent> event() {
    charge(sizeof(norm::NormalizedEvent) + 32);  // and the shared_ptr's control block
    auto e = std::make_shared<norm::NormalizedEvent>();
    e->table = small<norm::Table>(static_cast<uint64_t>(norm::Table::Other), "table");
    uint64_t known = u();
    if (known >> norm::kFieldCount) fail("an unknown field");
    for (size_t f = 0; f < norm::kFieldCount; ++f)
      if (known >> f & 1) {
        e->fields[f] = value();
        if (!e->fields[f].known()) fail("an unknown value marked known");
      }
    e->boot = small<norm::BootMarker>(static_cast<uint64_t>(norm::BootMarker::OsStarted), "boot marker");
    e->time_source = small<norm::TimeSource>(static_cast<uint64_t>(norm::TimeSource::UtcTime), "time source");
    e->time_created = i();
    e->timestamp_note = s();
    e->direction_evidence = s();
    uint64_t hints = small<uint64_t>(7, "inbound hint");
    e->inbound = {(hints & 1) != 0, (hints & 2) != 0, (hints & 4) != 0};
    return e;
  }
  replay::LinkEnd link_end() {
    replay::LinkEnd l;
    l.source = small<uint64_t>(1, "link side") != 0;
    for (norm::FieldValue* v : {&l.peer_address, &l.peer_port, &l.local_address, &l.local_port, &l.peer_name})
      *v = value();
    l.time = i();
    for (norm::FieldValue* v : {&l.process_file, &l.process_command_line, &l.process_account, &l.process_id})
      *v = value();
    l.process_record = s();
    return l;
  }
  replay::Finding finding() {
    charge(sizeof(replay::Finding));
    replay::Finding f;
    f.rule_id = s();
    f.title = s();
    f.level = small<rules::Level>(static_cast<uint64_t>(rules::Level::Critical), "level");
    f.tags = strings();
    f.notes = strings();
    f.device_name = s();
    f.device_id = s();
    f.timestamp = i();
    f.assumptions = strings();
    f.evidence.resize(count(sizeof(replay::Evidence)));
    for (replay::Evidence& e : f.evidence) {
      e.stage = s();
      e.stage_index = u();
      e.event = event();
      e.details.resize(count(sizeof(e.details[0])));
      for (auto& [name, value] : e.details) {
        name = s();
        value = s();
      }
    }
    f.fields.resize(count(sizeof(f.fields[0])));
    for (auto& [name, v] : f.fields) {
      name = s();
      v = value();
    }
    f.collected.resize(count(sizeof(f.collected[0])));
    for (auto& [name, values] : f.collected) {
      name = s();
      values.resize(count(sizeof(norm::FieldValue)));
      for (norm::FieldValue& v : values) v = value();
    }
    if (small<uint64_t>(1, "link flag")) f.link_end = link_end();
    return f;
  }

 private:
  std::string_view b_;
  const std::string& name_;
  size_t at_ = 0;
  size_t budget_, used_ = 0;
};

}  // namespace

void seal_shard(std::string& body) {
  uint64_t sum = checksum(body);
  for (size_t i = 0; i < kChecksumSize; ++i) body += static_cast<char>(sum >> (8 * i));
}

std::string write_shard(const Shard& shard) {
  Writer w;
  w.out = kMagic;
  w.u(kLayout);
  w.s(shard.version);
  w.s(shard.rules_summary);
  w.u(shard.files.size());
  for (const FileRead& f : shard.files) {
    w.s(f.path);
    w.s(f.kind);
    for (uint64_t v : {f.bytes, f.records, f.damaged_records, f.chunks, f.chunks_skipped, f.problems}) w.u(v);
  }
  w.u(shard.skipped.size());
  for (const pipeline::SkippedInput& s : shard.skipped) {
    w.s(s.path);
    w.s(s.reason);
  }
  w.strings(shard.warnings);
  w.u(shard.hosts.size());
  for (const ShardHost& h : shard.hosts) {
    w.s(h.identity.device_id);
    w.strings(h.identity.names);
    w.u(h.identity.addresses.size());
    for (const std::string& a : h.identity.addresses) w.s(a);
    w.u(h.events);
    w.u(h.findings.size());
    for (const replay::Finding& f : h.findings) w.finding(f);
  }
  for (uint64_t v : {shard.duplicates_dropped, shard.merged_processes, shard.spills, shard.spilled_bytes}) w.u(v);
  seal_shard(w.out);
  return std::move(w.out);
}

Shard read_shard(std::string_view bytes, const std::string& name, size_t* decoded_bytes) {
  Reader r(bytes, name);
  r.magic();
  Shard shard;
  shard.version = r.s();
  shard.rules_summary = r.s();
  shard.files.resize(r.count(sizeof(FileRead)));
  for (FileRead& f : shard.files) {
    f.path = r.s();
    f.kind = r.s();
    for (uint64_t* v : {&f.bytes, &f.records, &f.damaged_records, &f.chunks, &f.chunks_skipped, &f.problems})
      *v = r.u();
  }
  shard.skipped.resize(r.count(sizeof(pipeline::SkippedInput)));
  for (pipeline::SkippedInput& s : shard.skipped) {
    s.path = r.s();
    s.reason = r.s();
  }
  shard.warnings = r.strings();
  shard.hosts.resize(r.count(sizeof(ShardHost)));
  for (ShardHost& h : shard.hosts) {
    h.identity.device_id = r.s();
    h.identity.names = r.strings();
    for (size_t n = r.count(64); n > 0; --n) h.identity.addresses.insert(r.s());  // a set node each
    h.events = r.u();
    // Findings are read one by one: a count cannot reserve more than the bytes left.
    for (size_t n = r.count(); n > 0; --n) h.findings.push_back(r.finding());
  }
  for (uint64_t* v : {&shard.duplicates_dropped, &shard.merged_processes, &shard.spills, &shard.spilled_bytes})
    *v = r.u();
  if (!r.done()) r.fail("bytes after the end");
  if (decoded_bytes) *decoded_bytes = r.used();
  return shard;
}

}  // namespace batch
