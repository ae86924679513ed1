// Robustness of the native reader on damaged input: truncated and bit-flipped
// copies of corpus files, and crafted chunks (self-referencing and exploding
// templates, huge substitution counts, deep nesting, bad names). Every input
// must either be rejected with evtx::FileError or be read to the end, with the
// damage reported; nothing may crash, hang or grow without bound.
//
// Copies are written to a temp directory (removed afterwards); the corpus is
// only read. The PRNG is seeded, so every variant can be regenerated: a
// failure message names the source file, the variant and its seed.
#include <gtest/gtest.h>

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <pugixml.hpp>

#include "evtx/chunk_reader.h"
#include "evtx/crc32.h"
#include "evtx/parallel_chunks.h"
#include "evtx/render.h"
#include "support/command.h"
#include "support/corpus.h"
#include "support/files.h"
#include "support/json.h"
#include "support/temp_dir.h"

// ---------------------------------------------------------------------------
// Heap accounting: every operator new / delete of this test binary is counted,
// so a test can assert the peak heap of a read.

namespace heap {
std::atomic<int64_t> live{0};
std::atomic<int64_t> peak{0};

void note_alloc(void* p) {
  if (!p) return;
  int64_t now =
      live.fetch_add(static_cast<int64_t>(malloc_usable_size(p))) + static_cast<int64_t>(malloc_usable_size(p));
  int64_t old = peak.load();
  while (now > old && !peak.compare_exchange_weak(old, now)) {
  }
}
void note_free(void* p) {
  if (p) live.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)));
}
void* allocate(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  note_alloc(p);
  return p;
}
void release(void* p) {
  note_free(p);
  std::free(p);
}
// Starts a measurement: the peak restarts from the current live bytes.
int64_t reset_peak() {
  int64_t now = live.load();
  peak.store(now);
  return now;
}
}  // namespace heap

void* operator new(size_t n) { return heap::allocate(n); }
void* operator new[](size_t n) { return heap::allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return heap::allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return heap::allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { heap::release(p); }
void operator delete[](void* p) noexcept { heap::release(p); }
void operator delete(void* p, size_t) noexcept { heap::release(p); }
void operator delete[](void* p, size_t) noexcept { heap::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { heap::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { heap::release(p); }

namespace {

namespace fs = std::filesystem;
using evtx::ProblemKind;
using Clock = std::chrono::steady_clock;
using support::Json;

// The scalar at a path of keys as text (a string's value, a number as written).
template <class... Keys>
std::string json_text(const Json& j, Keys... keys) {
  return support::scalar_text(support::at(j, keys...));
}

constexpr size_t kChunk = evtx::kChunkSize;
constexpr size_t kHeader = evtx::kFileHeaderSize;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---------------------------------------------------------------------------
// Watchdog: a read that runs far too long aborts the test binary with the
// name of the input, instead of waiting for the CTest timeout.

class Watchdog {
 public:
  explicit Watchdog(double limit_seconds) : limit_(limit_seconds), thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void start(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    what_ = what;
    started_ = Clock::now();
    active_ = true;
  }
  void done() {
    std::lock_guard<std::mutex> lock(mu_);
    active_ = false;
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (active_ && seconds_since(started_) > limit_) {
        std::fprintf(stderr, "WATCHDOG: reading %s took more than %.0f s: the reader does not terminate\n",
                     what_.c_str(), limit_);
        std::fflush(stderr);
        std::abort();
      }
    }
  }
  double limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, active_ = false;
  std::string what_;
  Clock::time_point started_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------
// Reading a file completely: every chunk, every record rendered as XML and
// JSON and mapped to a Record.

struct Outcome {
  bool file_error = false;
  std::string error;
  uint64_t records = 0;
  uint64_t damaged = 0;
  std::vector<evtx::Problem> problems;
  std::vector<std::pair<uint64_t, std::string>> json;  // (file offset, JSON) when kept
  uint64_t max_nodes = 0;                              // largest event tree
  uint64_t total_nodes = 0;
  size_t invalid_json = 0;
  std::string first_invalid_json;

  bool has(ProblemKind k) const {
    for (const auto& p : problems)
      if (p.kind == k) return true;
    return false;
  }
};

struct ReadOptions {
  bool keep_json = false;
  bool check_json = true;  // parse every record's JSON strictly
  bool render_xml = true;
  std::vector<size_t> only_slots;  // read only these chunk slots (all when empty)

  static ReadOptions make(bool keep_json, bool check_json, bool render_xml = true) {
    ReadOptions o;
    o.keep_json = keep_json;
    o.check_json = check_json;
    o.render_xml = render_xml;
    return o;
  }
};

Outcome read_all(const fs::path& path, ReadOptions opt = {}) {
  Outcome o;
  try {
    evtx::EvtxFile file(path);
    o.problems = file.header_problems();
    evtx::ChunkReader reader;
    evtx::Record rec;
    std::string xml, json;
    for (size_t slot = 0; slot < file.chunk_slots(); ++slot) {
      if (!opt.only_slots.empty() &&
          std::find(opt.only_slots.begin(), opt.only_slots.end(), slot) == opt.only_slots.end())
        continue;
      uint64_t seen = 0;
      evtx::ChunkResult r = reader.read(file, slot, [&](const evtx::RecordView& v) {
        ++seen;
        o.max_nodes = std::max<uint64_t>(o.max_nodes, v.tree.size());
        o.total_nodes += v.tree.size();
        xml.clear();
        json.clear();
        if (opt.render_xml) evtx::render_xml(v.tree, xml);
        evtx::render_json(v.tree, json);
        rec = evtx::Record{};
        evtx::record_from_tree(v.tree, rec);
        if (opt.check_json) {
          std::string err;
          if (!support::parse_json(json, &err)) {
            if (o.invalid_json++ == 0) o.first_invalid_json = err + ": " + json.substr(0, 400);
          }
        }
        if (opt.keep_json) o.json.emplace_back(v.file_offset, json);
      });
      EXPECT_EQ(r.records, seen) << path << " slot " << slot;
      o.records += r.records;
      o.damaged += r.damaged_records;
      o.problems.insert(o.problems.end(), r.problems.begin(), r.problems.end());
    }
  } catch (const evtx::FileError& e) {
    o.file_error = true;
    o.error = e.what();
  }
  return o;
}

// ---------------------------------------------------------------------------
// Crafting chunks: a little BinXML writer (names with their hash, template
// definitions inline or by offset, substitution values) and a file writer
// with valid CRCs, so the only damage is what a test puts there.

uint16_t name_hash(std::u16string_view s) {
  uint32_t h = 0;
  for (char16_t c : s) h = h * 65599u + c;
  return static_cast<uint16_t>(h);
}

struct SubValue {
  uint8_t type;
  std::vector<uint8_t> bytes;
};

class ChunkWriter {
 public:
  ChunkWriter() : d_(kChunk, 0) {}

  uint32_t pos() const { return pos_; }
  uint32_t room() const { return static_cast<uint32_t>(kChunk) - pos_; }
  std::vector<uint8_t>& bytes() { return d_; }

  void u8(uint8_t v) { d_.at(pos_++) = v; }
  void u16(uint16_t v) {
    u8(uint8_t(v));
    u8(uint8_t(v >> 8));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v));
    u16(uint16_t(v >> 16));
  }
  void u64(uint64_t v) {
    u32(uint32_t(v));
    u32(uint32_t(v >> 32));
  }
  void raw(const std::vector<uint8_t>& b) {
    for (uint8_t x : b) u8(x);
  }
  void patch32(uint32_t at, uint32_t v) { std::memcpy(&d_.at(at), &v, 4); }

  // A name structure at the current position; returns its chunk offset.
  uint32_t name_struct(std::u16string_view s, uint16_t claimed_units = 0xffff) {
    uint32_t at = pos_;
    u32(0);
    u16(name_hash(s));
    u16(claimed_units == 0xffff ? static_cast<uint16_t>(s.size()) : claimed_units);
    for (char16_t c : s) u16(c);
    u16(0);
    return at;
  }
  // Name reference: inline definition (returns its offset) or an existing one.
  uint32_t name(std::u16string_view s) {
    u32(pos_ + 4);
    return name_struct(s);
  }
  void name_ref(uint32_t offset) { u32(offset); }

  void fragment_header() {
    u8(0x0f);
    u8(1);
    u8(1);
    u8(0);
  }
  void eof() { u8(0x00); }
  // Open element; in template bodies a dependency id precedes the size.
  uint32_t open(std::u16string_view n, bool in_template, bool attrs = false) {
    u8(attrs ? 0x41 : 0x01);
    if (in_template) u16(0xffff);
    u32(0);  // element data size (not needed by readers)
    uint32_t off = name(n);
    if (attrs) u32(0);  // attribute list size
    return off;
  }
  void open_ref(uint32_t name_offset, bool in_template) {
    u8(0x01);
    if (in_template) u16(0xffff);
    u32(0);
    name_ref(name_offset);
  }
  void attr(std::u16string_view n) {
    u8(0x06);
    name(n);
  }
  void close_start() { u8(0x02); }
  void close_empty() { u8(0x03); }
  void end() { u8(0x04); }
  void text(std::u16string_view s) {
    u8(0x05);
    u8(0x01);
    u16(static_cast<uint16_t>(s.size()));
    for (char16_t c : s) u16(c);
  }
  void subst(uint16_t index, uint8_t type, bool optional = false) {
    u8(optional ? 0x0e : 0x0d);
    u16(index);
    u8(type);
  }
  // Template instance whose definition follows inline; body() writes the
  // definition's BinXML. Returns the definition's offset.
  uint32_t instance_inline(const std::function<void()>& body, const std::vector<SubValue>& values,
                           uint32_t claimed_size = 0) {
    u8(0x0c);
    u8(1);
    u32(0x1234);
    uint32_t def = pos_ + 4;
    u32(def);
    u32(0);                                 // next template offset
    for (int i = 0; i < 16; ++i) u8(0xaa);  // GUID
    uint32_t size_at = pos_;
    u32(0);
    uint32_t start = pos_;
    body();
    patch32(size_at, claimed_size ? claimed_size : pos_ - start);
    write_values(values);
    return def;
  }
  void instance_ref(uint32_t def, const std::vector<SubValue>& values) {
    u8(0x0c);
    u8(1);
    u32(0x1234);
    u32(def);
    write_values(values);
  }
  // A value list claiming `count` values with these descriptors (used to lie).
  void write_values(const std::vector<SubValue>& values) {
    u32(static_cast<uint32_t>(values.size()));
    for (const SubValue& v : values) {
      u16(static_cast<uint16_t>(v.bytes.size()));
      u8(v.type);
      u8(0);
    }
    for (const SubValue& v : values) raw(v.bytes);
  }

  // A record around whatever binxml() writes. Returns false (and writes
  // nothing) when it does not fit.
  bool record(const std::function<void()>& binxml, uint32_t max_binxml = 200) {
    if (room() < 24 + max_binxml + 4) return false;
    uint32_t start = pos_;
    u32(0x00002a2a);
    u32(0);
    u64(next_id_);
    u64(132011301118560890ull + next_id_);
    binxml();
    uint32_t size = pos_ - start + 4;
    u32(size);
    patch32(start + 4, size);
    if (first_id_ == 0) first_id_ = next_id_;
    last_id_ = next_id_++;
    last_record_ = start;
    return true;
  }
  uint64_t records() const { return first_id_ ? last_id_ - first_id_ + 1 : 0; }

  // Chunk header with valid CRCs.
  std::vector<uint8_t> finish() {
    std::vector<uint8_t> c = d_;
    std::memcpy(c.data(), "ElfChnk", 8);
    auto put64 = [&](size_t at, uint64_t v) { std::memcpy(c.data() + at, &v, 8); };
    auto put32 = [&](size_t at, uint32_t v) { std::memcpy(c.data() + at, &v, 4); };
    put64(8, first_id_);
    put64(16, last_id_);
    put64(24, first_id_);
    put64(32, last_id_);
    put32(40, 128);
    put32(44, last_record_);
    put32(48, pos_);
    put32(52, evtx::crc32(c.data() + 512, pos_ - 512));
    put32(124, evtx::crc32(c.data() + 128, 384, evtx::crc32(c.data(), 120)));
    return c;
  }

 private:
  std::vector<uint8_t> d_;
  uint32_t pos_ = 512;
  uint64_t next_id_ = 1;
  uint64_t first_id_ = 0, last_id_ = 0;
  uint32_t last_record_ = 0;
};

std::vector<uint8_t> file_of(const std::vector<std::vector<uint8_t>>& chunks, uint64_t next_record = 1) {
  std::vector<uint8_t> f(kHeader, 0);
  std::memcpy(f.data(), "ElfFile", 8);
  auto put64 = [&](size_t at, uint64_t v) { std::memcpy(f.data() + at, &v, 8); };
  auto put32 = [&](size_t at, uint32_t v) { std::memcpy(f.data() + at, &v, 4); };
  auto put16 = [&](size_t at, uint16_t v) { std::memcpy(f.data() + at, &v, 2); };
  put64(8, 0);
  put64(16, chunks.empty() ? 0 : chunks.size() - 1);
  put64(24, next_record);
  put32(32, 128);
  put16(36, 1);
  put16(38, 3);
  put16(40, 4096);
  put16(42, static_cast<uint16_t>(chunks.size()));
  put32(124, evtx::crc32(f.data(), 120));
  for (const auto& c : chunks) f.insert(f.end(), c.begin(), c.end());
  return f;
}

SubValue u16_value(uint16_t v) { return {0x06, {uint8_t(v), uint8_t(v >> 8)}}; }
SubValue string_value(std::u16string_view s) {
  SubValue v{0x01, {}};
  for (char16_t c : s) {
    v.bytes.push_back(uint8_t(c));
    v.bytes.push_back(uint8_t(c >> 8));
  }
  return v;
}

// The body of a small event template:
// <Event><System><Provider Name="%0"/><EventID>%1</EventID><Computer>%2</Computer></System>
// <EventData><Data Name="Value">%3</Data></EventData></Event>
void event_template_body(ChunkWriter& w) {
  w.fragment_header();
  w.open(u"Event", true);
  w.close_start();
  w.open(u"System", true);
  w.close_start();
  w.open(u"Provider", true, true);
  w.attr(u"Name");
  w.subst(0, 0x01);
  w.close_empty();
  w.open(u"EventID", true);
  w.close_start();
  w.subst(1, 0x06);
  w.end();
  w.open(u"Computer", true);
  w.close_start();
  w.subst(2, 0x01);
  w.end();
  w.end();  // System
  w.open(u"EventData", true);
  w.close_start();
  w.open(u"Data", true, true);
  w.attr(u"Name");
  w.text(u"Value");
  w.close_start();
  w.subst(3, 0x01, true);
  w.end();
  w.end();  // EventData
  w.end();  // Event
  w.eof();
}

std::vector<SubValue> event_values(uint16_t event_id, std::u16string_view value) {
  return {string_value(u"Crafted-Provider"), u16_value(event_id), string_value(u"CRAFTED-HOST"), string_value(value)};
}

// Writes a crafted file; with EVTXHUNT_KEEP_CRAFTED=DIR set, also keeps a copy
// in DIR (to reproduce a failure outside the test).
fs::path write_crafted(const support::TempDir& dir, const std::string& name, const std::vector<uint8_t>& data) {
  fs::path p = dir / name;
  support::write_bytes(p, data);
  if (const char* keep = std::getenv("EVTXHUNT_KEEP_CRAFTED")) {
    std::error_code ec;
    fs::create_directories(keep, ec);
    fs::copy_file(p, fs::path(keep) / name, fs::copy_options::overwrite_existing, ec);
  }
  return p;
}

// Writes `data` to dir/name and reads it completely, under the watchdog.
Outcome write_and_read(const support::TempDir& dir, const std::string& name, const std::vector<uint8_t>& data,
                       Watchdog& dog, ReadOptions opt = {}) {
  fs::path p = write_crafted(dir, name, data);
  dog.start(name);
  Outcome o = read_all(p, opt);
  dog.done();
  return o;
}

// Runs the evtxhunt binary (the build's own: an ASan build in build-asan) on a file.
support::CommandResult dump_cli(const fs::path& p, const std::string& format) {
  return support::run_evtxhunt("dump --threads 2 --format " + format + " " + support::shell_quote(p.string()) +
                               " >/dev/null");
}

class Crafted : public ::testing::Test {
 protected:
  support::TempDir dir{"crafted"};
  Watchdog dog{120};
};

TEST_F(Crafted, WriterMakesAValidChunk) {
  ChunkWriter w;
  uint32_t def = 0;
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        def = w.instance_inline([&] { event_template_body(w); }, event_values(4688, u"first"));
      },
      2000));
  for (uint16_t id : {1, 3})
    ASSERT_TRUE(w.record([&] {
      w.fragment_header();
      w.instance_ref(def, event_values(id, u"more"));
    }));
  Outcome o = write_and_read(dir, "valid.evtx", file_of({w.finish()}, 4), dog, ReadOptions::make(true, true));
  ASSERT_FALSE(o.file_error) << o.error;
  EXPECT_TRUE(o.problems.empty()) << evtx::problem_kind_name(o.problems[0].kind) << ": " << o.problems[0].message;
  ASSERT_EQ(o.records, 3u);
  EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
  ASSERT_EQ(o.json.size(), 3u);
  std::optional<Json> j = support::parse_json(o.json[0].second);
  ASSERT_TRUE(j) << o.json[0].second;
  EXPECT_EQ(json_text(*j, "Event", "System", "EventID"), "4688");
  EXPECT_EQ(json_text(*j, "Event", "System", "Computer"), "CRAFTED-HOST");
  EXPECT_EQ(json_text(*j, "Event", "System", "Provider", "#attributes", "Name"), "Crafted-Provider");
  EXPECT_EQ(json_text(*j, "Event", "EventData", "Value"), "first");
  j = support::parse_json(o.json[2].second);
  ASSERT_TRUE(j) << o.json[2].second;
  EXPECT_EQ(json_text(*j, "Event", "System", "EventID"), "3");
  EXPECT_EQ(json_text(*j, "Event", "EventData", "Value"), "more");
}

TEST_F(Crafted, SelfReferencingTemplate) {
  ChunkWriter w;
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        uint32_t self = w.pos() + 10;  // the definition's offset (see instance_inline)
        w.instance_inline(
            [&] {
              w.fragment_header();
              w.open(u"Event", true);
              w.close_start();
              w.instance_ref(self, {});  // the template contains itself
              w.end();
              w.eof();
            },
            {});
      },
      400));
  uint32_t good = 0;
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        good = w.instance_inline([&] { event_template_body(w); }, event_values(7, u"after"));
      },
      2000));
  (void)good;
  Outcome o = write_and_read(dir, "self.evtx", file_of({w.finish()}), dog);
  ASSERT_FALSE(o.file_error);
  EXPECT_TRUE(o.has(ProblemKind::BinXmlDamaged) || o.has(ProblemKind::RecordDamaged));
  EXPECT_GE(o.records, 1u);  // the record after it is intact
  EXPECT_LE(o.max_nodes, 64u);
  EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
}

TEST_F(Crafted, MutuallyReferencingTemplates) {
  ChunkWriter w;
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        uint32_t a = w.pos() + 10;
        w.instance_inline(
            [&] {  // A: <Event> B </Event>
              w.fragment_header();
              w.open(u"Event", true);
              w.close_start();
              w.instance_inline(
                  [&] {  // B: <Inner> A </Inner>
                    w.fragment_header();
                    w.open(u"Inner", true);
                    w.close_start();
                    w.instance_ref(a, {});
                    w.end();
                    w.eof();
                  },
                  {});
              w.end();
              w.eof();
            },
            {});
      },
      600));
  Outcome o = write_and_read(dir, "mutual.evtx", file_of({w.finish()}), dog);
  ASSERT_FALSE(o.file_error);
  EXPECT_TRUE(o.has(ProblemKind::BinXmlDamaged) || o.has(ProblemKind::RecordDamaged));
  EXPECT_LE(o.max_nodes, 64u);
}

// Template T0 holds one element; T(i) holds 8 instances of T(i-1). An
// instance of T10 stands for 8^10 elements. The chunk is filled with
// 46-byte records that are each one instance of T10 (~1,370 records).
//
// Regression test: before commit 8b548b7 the expansion was capped per record
// only (2^20 operations) and a record over the cap was still delivered, so
// this chunk decoded to ~550 million tree nodes (5.9 s in a release build)
// and `dump` printed ~2.8 GB of JSON for it. Now records over budget are
// reported and dropped, and a chunk has a node budget of its own.
TEST_F(Crafted, ExponentialTemplateExpansionIsBounded) {
  ChunkWriter w;
  constexpr int kLevels = 10;
  uint32_t top = 0;
  std::function<void(int)> level = [&](int i) {
    w.fragment_header();
    w.open(u"E", true);
    w.close_start();
    if (i == 0) {
      w.text(u"x");
    } else {
      uint32_t inner = w.instance_inline([&] { level(i - 1); }, {});
      for (int k = 1; k < 8; ++k) w.instance_ref(inner, {});
    }
    w.end();
    w.eof();
  };
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        top = w.instance_inline([&] { level(kLevels); }, {});
      },
      4000));
  while (w.record(
      [&] {
        w.fragment_header();
        w.instance_ref(top, {});
      },
      32)) {
  }
  ASSERT_GT(w.records(), 1300u);
  fs::path p = write_crafted(dir, "bomb.evtx", file_of({w.finish()}));

  // Decode only (no rendering), with a budget: a chunk of real events
  // decodes to well under a million nodes; allow 64 times that.
  constexpr uint64_t kNodeBudget = 64ull << 20;
  heap::reset_peak();
  int64_t before = heap::live.load();
  auto t0 = Clock::now();
  uint64_t nodes = 0, records = 0;
  evtx::ChunkResult result;
  {
    evtx::EvtxFile f(p);
    evtx::ChunkReader reader;
    dog.start("bomb.evtx");
    result = reader.read(f, 0, [&](const evtx::RecordView& v) {
      ++records;
      nodes += v.tree.size();
    });
    dog.done();
  }
  double secs = seconds_since(t0);
  int64_t heap_peak = heap::peak.load() - before;
  std::printf("bomb chunk: %llu records, %llu records delivered, %llu nodes, %.2f s, heap peak %.1f MB\n",
              static_cast<unsigned long long>(w.records()), static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(nodes), secs, heap_peak / 1048576.0);
  EXPECT_LE(nodes, kNodeBudget) << "one 64 KiB chunk expanded to more than " << kNodeBudget << " tree nodes";
  EXPECT_LT(heap_peak, 256ll << 20) << "heap peak while reading one chunk";
  // Every record that blew its budget is reported, not silently lost.
  EXPECT_EQ(result.records + result.damaged_records, w.records());
  size_t reported = 0;
  for (const evtx::Problem& p : result.problems) reported += p.kind == ProblemKind::BinXmlDamaged;
  EXPECT_EQ(reported, w.records() - result.records);
  // And `dump` stays small: a 68 KB file must not print gigabytes.
  support::CommandResult r = support::run_command("( " + support::evtxhunt_binary() + " dump " +
                                                  support::shell_quote(p.string()) + " | wc -c )");
  uint64_t bytes = corpus::parse_u64(r.out.substr(0, r.out.find_first_not_of("0123456789")));
  EXPECT_LT(bytes, 64u << 20) << "JSON output of one crafted chunk";
  EXPECT_EQ(r.err.find("Sanitizer"), std::string::npos) << r.err.substr(0, 2000);
}

// Substitution counts and sizes that lie.
TEST_F(Crafted, HugeSubstitutionCounts) {
  ChunkWriter w;
  uint32_t def = 0;
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        def = w.instance_inline([&] { event_template_body(w); }, event_values(1, u"ok"));
      },
      2000));
  // 1: count 0xFFFFFFFF, nothing after it.
  ASSERT_TRUE(w.record([&] {
    w.fragment_header();
    w.u8(0x0c);
    w.u8(1);
    w.u32(0);
    w.u32(def);
    w.u32(0xffffffffu);
  }));
  // 2: 64 descriptors that each claim 0xFFFF bytes.
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        w.u8(0x0c);
        w.u8(1);
        w.u32(0);
        w.u32(def);
        w.u32(64);
        for (int i = 0; i < 64; ++i) {
          w.u16(0xffff);
          w.u8(0x01);
          w.u8(0);
        }
      },
      400));
  // 3: a count that fits in the record (4 bytes per descriptor) but no values.
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        w.u8(0x0c);
        w.u8(1);
        w.u32(0);
        w.u32(def);
        w.u32(1000);
        for (int i = 0; i < 1000; ++i) {
          w.u16(0);
          w.u8(0x01);
          w.u8(0);
        }
      },
      4100));
  // 4: a nested BinXML value (0x21) whose size runs past the record.
  ASSERT_TRUE(w.record([&] {
    w.fragment_header();
    w.u8(0x0c);
    w.u8(1);
    w.u32(0);
    w.u32(def);
    w.u32(4);
    w.u16(2);
    w.u8(0x01);
    w.u8(0);
    w.u16(2);
    w.u8(0x06);
    w.u8(0);
    w.u16(2);
    w.u8(0x01);
    w.u8(0);
    w.u16(0x4000);
    w.u8(0x21);
    w.u8(0);
    w.u16('A');
    w.u16(7);
    w.u16('B');
  }));
  // 5: the template uses substitution indexes the instance does not have.
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        w.instance_inline(
            [&] {
              w.fragment_header();
              w.open(u"Event", true);
              w.close_start();
              w.subst(0xffff, 0x01);
              w.subst(0x7fff, 0x21);
              w.end();
              w.eof();
            },
            {string_value(u"only one")});
      },
      400));
  // 6: an intact record at the end.
  ASSERT_TRUE(w.record([&] {
    w.fragment_header();
    w.instance_ref(def, event_values(99, u"last"));
  }));
  Outcome o = write_and_read(dir, "subs.evtx", file_of({w.finish()}), dog, ReadOptions::make(true, true));
  ASSERT_FALSE(o.file_error);
  EXPECT_TRUE(o.has(ProblemKind::BinXmlDamaged) || o.has(ProblemKind::RecordDamaged));
  EXPECT_GE(o.records, 2u);
  EXPECT_LE(o.max_nodes, 4096u);
  EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
  ASSERT_FALSE(o.json.empty());
  std::optional<Json> j = support::parse_json(o.json.back().second);
  ASSERT_TRUE(j) << o.json.back().second;
  EXPECT_EQ(json_text(*j, "Event", "System", "EventID"), "99");
  EXPECT_EQ(json_text(*j, "Event", "EventData", "Value"), "last");
}

// Names and template definitions pointing outside the chunk or claiming
// lengths past its end.
TEST_F(Crafted, BadNamesAndTemplateSizes) {
  ChunkWriter w;
  ASSERT_TRUE(w.record([&] {  // name offset past the chunk
    w.fragment_header();
    w.u8(0x01);
    w.u32(0);
    w.u32(0xfffffff0u);
    w.close_empty();
    w.eof();
  }));
  ASSERT_TRUE(w.record([&] {  // name offset inside the chunk header
    w.fragment_header();
    w.u8(0x01);
    w.u32(0);
    w.u32(16);
    w.close_empty();
    w.eof();
  }));
  ASSERT_TRUE(w.record([&] {  // inline name claiming 0xFFFE code units
    w.fragment_header();
    w.u8(0x01);
    w.u32(0);
    w.u32(w.pos() + 4);
    w.name_struct(u"Event", 0xfffe);
    w.close_empty();
    w.eof();
  }));
  ASSERT_TRUE(w.record(
      [&] {  // template definition claiming 0xFFFFFFF0 bytes
        w.fragment_header();
        w.instance_inline([&] { event_template_body(w); }, event_values(1, u"x"), 0xfffffff0u);
      },
      2000));
  ASSERT_TRUE(w.record([&] {  // template offset outside the chunk
    w.fragment_header();
    w.u8(0x0c);
    w.u8(1);
    w.u32(0);
    w.u32(0xffffff00u);
    w.u32(0);
  }));
  ASSERT_TRUE(w.record([&] {  // unknown tokens
    w.fragment_header();
    for (uint8_t t : {0x10, 0x1f, 0x7f, 0xff}) w.u8(t);
  }));
  ASSERT_TRUE(w.record([&] {  // element closed twice, end without open
    w.fragment_header();
    w.open(u"Event", false);
    w.close_start();
    w.end();
    w.end();
    w.end();
    w.eof();
  }));
  Outcome o = write_and_read(dir, "names.evtx", file_of({w.finish()}), dog);
  ASSERT_FALSE(o.file_error);
  EXPECT_TRUE(o.has(ProblemKind::BinXmlDamaged) || o.has(ProblemKind::RecordDamaged));
  EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
}

// A crafted record's element, attribute and processing-instruction names are
// not XML names: written as they are they would forge markup (here a whole
// <Computer> element, which `normalize` and `convert` would then believe).
// Regression test: `dump --format xml` wrote names and PI text unescaped.
TEST_F(Crafted, XmlNamesAndInstructionsCannotForgeMarkup) {
  ChunkWriter w;
  std::u16string pi_data = u"data?><Computer>FORGED-PI</Computer><?z";
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        w.open(u"Event", false);
        w.close_start();
        w.open(u"x><Computer>FORGED</Computer><y", false, true);
        w.attr(u"a=\"1\" b");
        w.text(u"v");
        w.close_start();
        w.u8(0x0a);
        w.name(u"pi?><Computer>FORGED-T</Computer><?x");
        w.u8(0x0b);
        w.u16(static_cast<uint16_t>(pi_data.size()));
        for (char16_t c : pi_data) w.u16(c);
        w.text(u"text");
        w.end();
        w.end();
        w.eof();
      },
      800));
  std::vector<uint8_t> chunk = w.finish();
  evtx::ChunkReader reader;
  std::string xml;
  uint64_t n = 0;
  reader.read_image(chunk.data(), static_cast<uint32_t>(chunk.size()), 0, 4096, [&](const evtx::RecordView& v) {
    ++n;
    evtx::render_xml(v.tree, xml);
  });
  ASSERT_EQ(n, 1u) << xml;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_pi)) << xml;
  EXPECT_TRUE(doc.select_nodes("//Computer").empty()) << xml;  // nothing forged
  EXPECT_EQ(std::distance(doc.children().begin(), doc.children().end()), 1) << xml;
  pugi::xml_node inner = doc.child("Event").first_child();
  EXPECT_STREQ(inner.name(), "x__Computer_FORGED__Computer__y") << xml;
  EXPECT_STREQ(inner.first_attribute().name(), "a__1__b") << xml;
  EXPECT_STREQ(inner.first_attribute().value(), "v");
  pugi::xml_node pi = inner.find_child([](pugi::xml_node c) { return c.type() == pugi::node_pi; });
  EXPECT_EQ(pi.type(), pugi::node_pi) << xml;
  EXPECT_STREQ(pi.name(), "pi___Computer_FORGED-T__Computer___x") << xml;
  EXPECT_STREQ(pi.value(), "data? ><Computer>FORGED-PI</Computer><?z") << xml;
}

// Records that hold no event (a bare end-of-fragment, a fragment header and
// nothing else) are skipped and each is named. Regression test: they were
// counted as damaged without a word on stderr.
TEST_F(Crafted, RecordsWithoutAnEventAreNamed) {
  ChunkWriter w;
  ASSERT_TRUE(w.record([&] { w.eof(); }));
  ASSERT_TRUE(w.record([&] {
    w.fragment_header();
    w.eof();
  }));
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        w.instance_inline([&] { event_template_body(w); }, event_values(1, u"kept"));
      },
      2000));
  Outcome o = write_and_read(dir, "empty.evtx", file_of({w.finish()}, 4), dog, ReadOptions::make(true, true));
  ASSERT_FALSE(o.file_error) << o.error;
  EXPECT_EQ(o.records, 1u);
  EXPECT_EQ(o.damaged, 2u);
  size_t named = 0;
  for (const evtx::Problem& p : o.problems)
    for (const char* rec : {"record 1:", "record 2:"})
      if (p.message.find(rec) != std::string::npos) ++named;
  EXPECT_EQ(named, 2u);
}

// One record whose array substitution repeats an element 60,000 times: 60,000
// keys "Value", "Value_1", ... "Value_59999" in one JSON object. Regression
// test: the key de-duplication compared every key with every earlier one (18 s
// for this record, minutes under the sanitizers); the watchdog allows 10 s.
TEST_F(Crafted, SixtyThousandRepeatedKeysInOneObject) {
  Watchdog quick{10};
  ChunkWriter w;
  std::vector<uint8_t> items(60000, 7);
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        w.instance_inline(
            [&] {
              w.fragment_header();
              w.open(u"Event", true);
              w.close_start();
              w.open(u"EventData", true);
              w.close_start();
              w.open(u"Data", true, true);
              w.attr(u"Name");
              w.text(u"Value");
              w.close_start();
              w.subst(0, 0x84);
              w.end();
              w.end();
              w.end();
              w.eof();
            },
            {SubValue{0x84, items}});
      },
      61000));
  Outcome o = write_and_read(dir, "keys.evtx", file_of({w.finish()}), quick, ReadOptions::make(true, true, true));
  ASSERT_FALSE(o.file_error) << o.error;
  ASSERT_EQ(o.json.size(), 1u);
  EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
  // parse_json refuses repeated keys, so 60,000 members are 60,000 distinct keys.
  std::optional<Json> j = support::parse_json(o.json[0].second);
  ASSERT_TRUE(j);
  const Json& data = support::at(*j, "Event", "EventData");
  ASSERT_EQ(data.size(), 60000u);
  std::vector<std::string> keys = support::keys_of(data);
  EXPECT_EQ(keys[0], "Value");
  EXPECT_EQ(keys[1], "Value_1");
  EXPECT_EQ(keys[59999], "Value_59999");
  EXPECT_EQ(json_text(data, "Value_59999"), "7");
}

// Elements nested deep, directly in one record: 200 levels (deeper than any
// real event) are read and rendered; 5,000 levels (as deep as one record's
// bytes allow without templates) are reported and dropped.
//
// Regression test: before commit 8b548b7 there was no depth limit, and the
// renderers, which recurse once per level, overflowed the stack in the
// sanitizer build from ~12,000 levels (AddressSanitizer: stack-overflow in
// render_node / element_value) -- reachable through the template chain below.
TEST_F(Crafted, DeepNestingInOneRecord) {
  ChunkWriter w;
  auto nest = [&](int levels) {
    w.fragment_header();
    uint32_t n = w.open(u"D", false);
    w.close_start();
    for (int i = 1; i < levels; ++i) {
      w.open_ref(n, false);
      w.close_start();
    }
    for (int i = 0; i < levels; ++i) w.end();
    w.eof();
  };
  ASSERT_TRUE(w.record([&] { nest(200); }, 3000));
  ASSERT_TRUE(w.record([&] { nest(5000); }, 56000));
  uint32_t def = 0;
  ASSERT_TRUE(w.record(
      [&] {
        w.fragment_header();
        def = w.instance_inline([&] { event_template_body(w); }, event_values(1, u"after"));
      },
      2000));
  (void)def;
  // (JSON not parsed here: the test's JSON reader stops at 1,000 levels.)
  Outcome o = write_and_read(dir, "deep_direct.evtx", file_of({w.finish()}), dog, ReadOptions::make(true, false));
  ASSERT_FALSE(o.file_error);
  EXPECT_EQ(o.records, 2u);
  EXPECT_EQ(o.damaged, 1u);
  EXPECT_TRUE(o.has(ProblemKind::BinXmlDamaged));
  EXPECT_GE(o.max_nodes, 200u);
  ASSERT_EQ(o.json.size(), 2u);
  std::string opening;
  for (int i = 0; i < 200; ++i) opening += "{\"D\":";
  EXPECT_EQ(o.json[0].second.rfind(opening + "null}", 0), 0u) << o.json[0].second.substr(0, 300);
  EXPECT_NE(o.json[1].second.find("\"Value\":\"after\""), std::string::npos);
  for (const char* format : {"jsonl", "xml"}) {  // rendered on TBB worker threads
    support::CommandResult r = dump_cli(dir / "deep_direct.evtx", format);
    EXPECT_EQ(r.exit_code, 0) << format << "\n" << r.err.substr(0, 2000);
    EXPECT_EQ(r.err.find("Sanitizer"), std::string::npos) << r.err.substr(0, 2000);
  }
}

// Deeper nesting through templates: a template of `per_template` nested
// elements whose innermost holds a nested BinXML value (0x21) that
// instantiates the template again, 8 times (as deep as the reader's nesting
// limit for BinXML values allows).
std::vector<uint8_t> nested_template_file(int per_template) {
  ChunkWriter w;
  auto level_bytes = [](uint32_t def, const std::vector<uint8_t>& inner) {
    ChunkWriter tmp;  // only used as a byte buffer
    uint32_t start = tmp.pos();
    tmp.fragment_header();
    std::vector<SubValue> vals;
    if (!inner.empty()) vals.push_back({0x21, inner});
    tmp.instance_ref(def, vals);
    tmp.eof();
    return std::vector<uint8_t>(tmp.bytes().begin() + start, tmp.bytes().begin() + tmp.pos());
  };
  bool ok = w.record(
      [&] {
        w.fragment_header();
        uint32_t tmpl = w.pos() + 10;  // where instance_inline puts the definition
        std::vector<uint8_t> chain;
        for (int i = 0; i < 7; ++i) chain = level_bytes(tmpl, chain);
        w.instance_inline(
            [&] {
              w.fragment_header();
              uint32_t n = w.open(u"N", true);
              for (int i = 1; i < per_template; ++i) w.open_ref(n, true);  // no 0x02 needed before a child
              w.subst(0, 0x21, true);
              for (int i = 0; i < per_template; ++i) w.end();
              w.eof();
            },
            {SubValue{0x21, chain}});
      },
      62000);
  if (!ok) throw std::runtime_error("nested template record does not fit");
  return file_of({w.finish()});
}

// 8 x 30 = 240 levels are read; 8 x 4,800 = 38,400 levels (the most one
// chunk allows) are reported and dropped; neither crashes the CLI.
TEST_F(Crafted, DeepNestingThroughTemplates) {
  fs::path ok = write_crafted(dir, "deep_nested_240.evtx", nested_template_file(30));
  Outcome o = read_all(ok);
  ASSERT_FALSE(o.file_error);
  EXPECT_EQ(o.records, 1u);
  // The innermost element only holds the last instance's missing (NULL)
  // optional substitution, so it is left out ([MS-EVEN6] 3.1.4.7.2).
  EXPECT_EQ(o.max_nodes, 239u);
  EXPECT_TRUE(o.problems.empty());
  EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;

  fs::path deep = write_crafted(dir, "deep_nested.evtx", nested_template_file(4800));
  o = read_all(deep);
  ASSERT_FALSE(o.file_error);
  EXPECT_EQ(o.records, 0u);
  EXPECT_EQ(o.damaged, 1u);
  EXPECT_TRUE(o.has(ProblemKind::BinXmlDamaged));
  // Through the CLI too (a separate process, rendering on worker threads).
  for (const fs::path& p : {ok, deep}) {
    support::CommandResult r = dump_cli(p, "jsonl");
    EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 3000);
    EXPECT_EQ(r.err.find("Sanitizer"), std::string::npos) << r.err.substr(0, 3000);
  }
}

// XML is indented two spaces per level, so its size grows with the square of
// the depth. Regression test: before the depth limit of commit 8b548b7, the
// 12,000-level file here dumped as ~290 MB of XML (the 38,400-level one as
// 2.9 GB), held in memory as one chunk's output.
TEST_F(Crafted, XmlOfDeepNestingIsBounded) {
  for (int per_template : {30, 1500}) {
    SCOPED_TRACE(per_template * 8);
    fs::path p = write_crafted(dir, "deep_nested_" + std::to_string(per_template * 8) + ".evtx",
                               nested_template_file(per_template));
    support::CommandResult r =
        support::run_command("( { " + support::evtxhunt_binary() + " dump --format xml " +
                             support::shell_quote(p.string()) + "; echo \"exit=$?\" >&2; } | wc -c )");
    EXPECT_NE(r.err.find("exit=0"), std::string::npos) << r.err.substr(0, 3000);
    uint64_t bytes = corpus::parse_u64(r.out.substr(0, r.out.find_first_not_of("0123456789")));
    EXPECT_LT(bytes, 16u << 20) << "XML output of one 64 KiB chunk";
    if (per_template == 30) {
      EXPECT_GT(bytes, 239u * 2 * 8) << "the 239-level event is printed";
    }
  }
}

// A chunk image cut short (the partial last chunk of a truncated file) placed
// right before an inaccessible page: the reader must not look past its end.
//
// Regression test: before commit b5b3f89 the resynchronisation scan after a
// record cut by the end of the file ran to the header's free-space offset,
// past the end of the mapping (`head -c 54096 security.evtx` reported
// "resynchronised 15720 bytes further", 15 KB past the end of the file); with
// the guard page below, that version dies with SIGSEGV for sizes 50000 and 60000.
class GuardedImage {
 public:
  explicit GuardedImage(const std::vector<uint8_t>& image) {
    long page = ::sysconf(_SC_PAGESIZE);
    size_t data_pages = (image.size() + size_t(page) - 1) / size_t(page);
    len_ = (data_pages + 1) * size_t(page);
    void* m = ::mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<uint8_t*>(m);
    ::mprotect(base_ + data_pages * size_t(page), size_t(page), PROT_NONE);
    data_ = base_ + data_pages * size_t(page) - image.size();
    std::memcpy(data_, image.data(), image.size());
  }
  ~GuardedImage() { ::munmap(base_, len_); }
  const uint8_t* data() const { return data_; }

 private:
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t len_ = 0;
};

TEST(CraftedDeathTest, TruncatedChunkImageStaysInBounds) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<uint8_t> src = support::read_bytes(corpus::rs_sample("security.evtx"));
  for (uint32_t size : {50000u, 60000u, 30000u, 600u}) {
    SCOPED_TRACE("chunk 0 of security.evtx cut to " + std::to_string(size) + " bytes");
    std::vector<uint8_t> image(src.begin() + long(kHeader), src.begin() + long(kHeader + size));
    EXPECT_EXIT(
        {
          GuardedImage g(image);
          evtx::ChunkReader reader;
          uint64_t n = 0;
          reader.read_image(g.data(), size, 0, kHeader, [&](const evtx::RecordView&) { ++n; });
          std::exit(n > 0 || size < 1000 ? 0 : 3);
        },
        ::testing::ExitedWithCode(0), "");
  }
}

// ---------------------------------------------------------------------------
// Corpus copies

// Damaged files first, then a spread of others: 27 files.
std::vector<fs::path> sample_files() {
  std::vector<fs::path> out;
  for (const char* f : {"sample_with_a_bad_chunk_magic.evtx",
                        "sysmon.evtx",
                        "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
                        "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
                        "2-vss_7-System.evtx",
                        "Application_no_crc32.evtx",
                        "security_bad_string_cache.evtx",
                        "sample-with-zero-data-size-event.evtx",
                        "Microsoft-Windows-HelloForBusiness%4Operational.evtx",
                        "Microsoft-Windows-LanguagePackSetup%4Operational.evtx",
                        "post-Security.evtx",
                        "E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
                        "E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
                        "E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx",
                        "issue_201.evtx",
                        "Security_with_size_t.evtx",
                        "sample-with-irregular-bool-values.evtx",
                        "2-system-Microsoft-Windows-LiveId%4Operational.evtx",
                        "system.evtx",
                        "new-user-security.evtx",
                        "Security_short_selected.evtx",
                        "security.evtx"})
    out.push_back(corpus::rs_sample(f));
  for (const char* f :
       {"Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx", "Credential Access/tutto_malseclogon.evtx",
        "Command and Control/DE_RDP_Tunnel_5156.evtx", "Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx",
        "Lateral Movement/wmi_remote_registry_sysmon.evtx"})
    out.push_back(corpus::attack_sample(f));
  return out;
}

// Chunk slots of a file image that carry the chunk signature.
std::vector<size_t> chunk_slots(const std::vector<uint8_t>& d) {
  std::vector<size_t> out;
  for (size_t off = kHeader; off + 512 <= d.size(); off += kChunk)
    if (std::memcmp(d.data() + off, "ElfChnk", 8) == 0) out.push_back((off - kHeader) / kChunk);
  return out;
}
uint32_t free_offset(const std::vector<uint8_t>& d, size_t slot) {
  uint32_t v;
  std::memcpy(&v, d.data() + kHeader + slot * kChunk + 48, 4);
  return std::clamp<uint32_t>(v, 512, kChunk);
}
bool chunk_crcs_ok(const std::vector<uint8_t>& d, size_t slot) {
  const uint8_t* c = d.data() + kHeader + slot * kChunk;
  uint32_t stored_h, stored_d, fo;
  std::memcpy(&stored_h, c + 124, 4);
  std::memcpy(&stored_d, c + 52, 4);
  std::memcpy(&fo, c + 48, 4);
  if (fo < 512 || fo > kChunk) return false;
  return evtx::crc32(c + 128, 384, evtx::crc32(c, 120)) == stored_h && evtx::crc32(c + 512, fo - 512) == stored_d;
}
bool header_crc_ok(const std::vector<uint8_t>& d) {
  uint32_t stored;
  std::memcpy(&stored, d.data() + 124, 4);
  return evtx::crc32(d.data(), 120) == stored;
}

// A file that shrinks between opening and reading (a live log, a share): the
// chunks still there are read, the cut one as far as it goes, the rest are
// named; the process never dies of SIGBUS (chunks are read with pread, not
// through a map that would fault past the new end).
TEST(CorpusCopies, FileThatShrinksWhileItIsRead) {
  support::TempDir dir("shrink");
  fs::path p = dir / "shrinking.evtx";
  fs::copy_file(corpus::rs_sample("security.evtx"), p);
  evtx::EvtxFile file(p);
  size_t slots = file.chunk_slots();
  ASSERT_GE(slots, 4u);
  evtx::ChunkReader reader;
  uint64_t whole = reader.read(file, 0, [](const evtx::RecordView&) {}).records;
  fs::resize_file(p, kHeader + kChunk + 30000);  // in the middle of chunk 1
  uint64_t records = 0;
  std::vector<evtx::Problem> cut;
  for (size_t slot = 0; slot < slots; ++slot) {
    evtx::ChunkResult r = reader.read(file, slot, [&](const evtx::RecordView&) { ++records; });
    for (const evtx::Problem& pr : r.problems)
      if (pr.kind == ProblemKind::TruncatedFile) cut.push_back(pr);
  }
  EXPECT_GT(records, whole);  // chunk 0 whole, and chunk 1's complete records
  ASSERT_EQ(cut.size(), slots - 1);
  EXPECT_NE(cut[0].message.find("chunk 1 has 30000 of 65536 bytes; its complete records are read"), std::string::npos)
      << cut[0].message;
  EXPECT_NE(cut[1].message.find("chunk 2 has 0 of 65536 bytes; skipped"), std::string::npos) << cut[1].message;
}

TEST(CorpusCopies, TruncatedCopies) {
  support::TempDir dir("truncated");
  Watchdog dog(60);
  size_t variants = 0, rejected = 0;
  auto t0 = Clock::now();
  for (const fs::path& src : sample_files()) {
    SCOPED_TRACE(src.filename().string());
    std::vector<uint8_t> data = support::read_bytes(src);
    Outcome orig = read_all(src, ReadOptions::make(true, false));
    ASSERT_FALSE(orig.file_error);
    std::vector<size_t> slots = chunk_slots(data);
    ASSERT_FALSE(slots.empty());
    uint16_t header_chunks;
    std::memcpy(&header_chunks, data.data() + 42, 2);
    size_t first = kHeader + slots.front() * kChunk;
    size_t last = kHeader + slots.back() * kChunk;
    uint32_t fo = free_offset(data, slots.front());
    // Cut points: inside the header (signature, fields, the rest), at and
    // inside the first chunk's header, mid-record, at a chunk boundary, and
    // inside the last chunk.
    std::vector<size_t> cuts = {0,
                                4,
                                100,
                                127,
                                128,
                                2000,
                                kHeader - 1,
                                kHeader,
                                first + 8,
                                first + 300,
                                first + 511,
                                first + 512 + 10,
                                first + (512 + fo) / 2,
                                first + fo - 3,
                                first + kChunk - 1,
                                last + (kChunk / 3),
                                data.size() - 1};
    for (size_t cut : cuts) {
      if (cut > data.size()) continue;
      ++variants;
      std::string name = "cut_" + std::to_string(cut) + ".evtx";
      Outcome o = write_and_read(dir, name, std::vector<uint8_t>(data.begin(), data.begin() + long(cut)), dog);
      SCOPED_TRACE("cut at " + std::to_string(cut));
      if (cut < 128) {
        EXPECT_TRUE(o.file_error) << "a file shorter than a header's fields is not an EVTX file";
        ++rejected;
        continue;
      }
      ASSERT_FALSE(o.file_error) << o.error;
      EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
      EXPECT_LE(o.records, orig.records);
      // A cut inside the header or a chunk is reported.
      if (cut < kHeader || (cut - kHeader) % kChunk != 0) {
        EXPECT_TRUE(o.has(ProblemKind::TruncatedFile));
      } else if (header_chunks > (cut - kHeader) / kChunk) {
        EXPECT_TRUE(o.has(ProblemKind::HeaderInconsistent)) << "header claims " << header_chunks << " chunks";
      }
      // Every record of the chunks before the cut is read exactly as before.
      size_t intact_end = cut < kHeader ? kHeader : kHeader + (cut - kHeader) / kChunk * kChunk;
      size_t expected = 0;
      for (const auto& [off, json] : orig.json) expected += off < intact_end;
      Outcome again = read_all(dir / name, ReadOptions::make(true, false));
      size_t same = 0;
      for (const auto& [off, json] : again.json) {
        if (off >= intact_end) continue;
        auto it = std::find_if(orig.json.begin(), orig.json.end(), [&](const auto& p) { return p.first == off; });
        ASSERT_NE(it, orig.json.end()) << "record at " << off << " not in the original";
        EXPECT_EQ(json, it->second) << "record at " << off;
        ++same;
      }
      EXPECT_EQ(same, expected);
    }
  }
  std::printf("truncated: %zu variants (%zu rejected as not EVTX) in %.1f s\n", variants, rejected, seconds_since(t0));
  EXPECT_GE(variants, 20u * 15u);
}

TEST(CorpusCopies, BitFlippedCopies) {
  support::TempDir dir("flipped");
  Watchdog dog(60);
  size_t variants = 0, with_problems_expected = 0;
  auto t0 = Clock::now();
  const uint32_t kSeed = 20240611;
  std::vector<fs::path> files = sample_files();
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const fs::path& src = files[fi];
    SCOPED_TRACE(src.filename().string());
    const std::vector<uint8_t> data = support::read_bytes(src);
    std::vector<size_t> slots = chunk_slots(data);
    ASSERT_FALSE(slots.empty());
    std::mt19937 rng(kSeed + static_cast<uint32_t>(fi));
    auto pick = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi - 1)(rng); };
    auto flip = [&](std::vector<uint8_t>& d, size_t at) { d[at] ^= static_cast<uint8_t>(1u << pick(0, 8)); };

    struct Variant {
      std::string kind;
      size_t slot;    // the chunk hit, or SIZE_MAX for the file header
      size_t lo, hi;  // byte range in the chunk (or file header) that is flipped
      int flips;
      bool fix_crcs;  // recompute the CRCs afterwards: damage the reader must find structurally
    };
    std::vector<Variant> plan;
    for (int i = 0; i < 3; ++i) plan.push_back({"header", SIZE_MAX, 0, 128, 1 + i, false});
    plan.push_back({"header-tail", SIZE_MAX, 128, kHeader, 4, false});
    for (int i = 0; i < 24; ++i) {
      size_t slot = slots[pick(0, slots.size())];
      uint32_t fo = free_offset(data, slot);
      switch (i % 8) {
        case 0: plan.push_back({"chunk-header", slot, 0, 128, 1, false}); break;
        case 1: plan.push_back({"chunk-offsets", slot, 8, 56, 2, true}); break;
        case 2: plan.push_back({"string-table", slot, 128, 384, 3, true}); break;
        case 3: plan.push_back({"template-table", slot, 384, 512, 3, true}); break;
        case 4: plan.push_back({"first-records", slot, 512, std::min<size_t>(fo, 512 + 2048), 1, false}); break;
        case 5: plan.push_back({"first-records", slot, 512, std::min<size_t>(fo, 512 + 2048), 8, true}); break;
        case 6: plan.push_back({"records", slot, 512, fo, 1, false}); break;
        case 7: plan.push_back({"records", slot, 512, fo, 32, true}); break;
      }
    }
    plan.push_back({"whole-file", SIZE_MAX - 1, 0, data.size(), 200, false});

    for (size_t vi = 0; vi < plan.size(); ++vi) {
      const Variant& v = plan[vi];
      if (v.hi <= v.lo) continue;
      std::vector<uint8_t> d = data;
      size_t base = v.slot == SIZE_MAX || v.slot == SIZE_MAX - 1 ? 0 : kHeader + v.slot * kChunk;
      for (int k = 0; k < v.flips; ++k) flip(d, base + pick(v.lo, v.hi));
      bool was_ok = v.slot < SIZE_MAX - 1 ? chunk_crcs_ok(data, v.slot) : header_crc_ok(data);
      if (v.fix_crcs && v.slot < SIZE_MAX - 1) {
        uint8_t* c = d.data() + base;
        uint32_t fo;
        std::memcpy(&fo, c + 48, 4);
        if (fo >= 512 && fo <= kChunk) {
          uint32_t dc = evtx::crc32(c + 512, fo - 512);
          std::memcpy(c + 52, &dc, 4);
        }
        uint32_t hc = evtx::crc32(c + 128, 384, evtx::crc32(c, 120));
        std::memcpy(c + 124, &hc, 4);
      }
      std::string name = "flip_" + std::to_string(fi) + "_" + std::to_string(vi) + "_" + v.kind + ".evtx";
      SCOPED_TRACE(name + " (seed " + std::to_string(kSeed + fi) + ", variant " + std::to_string(vi) + ")");
      ++variants;
      // A chunk variant differs from the original only in its slot: read that
      // slot (the file header and the other chunks are read by the others).
      ReadOptions opt;
      if (v.slot < SIZE_MAX - 1) opt.only_slots = {v.slot};
      Outcome o = write_and_read(dir, name, d, dog, opt);
      EXPECT_EQ(o.invalid_json, 0u) << o.first_invalid_json;
      if (o.file_error) {
        // Only a flip of the signature makes a file not EVTX.
        EXPECT_NE(std::memcmp(d.data(), "ElfFile", 8), 0) << o.error;
        continue;
      }
      // A flip in bytes covered by an intact CRC (or in the stored CRC) is found.
      auto differs = [&](size_t a, size_t b) {
        for (size_t i = a; i < b; ++i)
          if (d[i] != data[i]) return true;
        return false;
      };
      bool covered = false;
      if (!v.fix_crcs && v.slot == SIZE_MAX && was_ok) covered = differs(0, 120) || differs(124, 128);
      if (!v.fix_crcs && v.slot < SIZE_MAX - 1 && was_ok)
        covered = differs(base, base + 120) || differs(base + 124, base + free_offset(data, v.slot));
      if (covered) {
        ++with_problems_expected;
        EXPECT_FALSE(o.problems.empty()) << "damage in CRC-covered bytes went unreported";
      }
    }
  }
  std::printf("bit flips: %zu variants (%zu in CRC-covered bytes) in %.1f s\n", variants, with_problems_expected,
              seconds_since(t0));
  EXPECT_GE(variants, 27u * 29u);
  EXPECT_GE(with_problems_expected, 200u);
}

// Reading many chunks does not accumulate memory: the heap peak of a file of
// 64 copies of a real chunk is about that of a file of 2 copies, sequentially
// and through the parallel pipeline.
TEST(CorpusCopies, MemoryBoundedByChunks) {
  support::TempDir dir("memory");
  std::vector<uint8_t> src = support::read_bytes(corpus::rs_sample("security.evtx"));
  std::vector<uint8_t> chunk(src.begin() + long(kHeader), src.begin() + long(kHeader + kChunk));
  auto make = [&](size_t copies) {
    std::vector<std::vector<uint8_t>> chunks(copies, chunk);
    fs::path p = dir / ("copies_" + std::to_string(copies) + ".evtx");
    support::write_bytes(p, file_of(chunks));
    return p;
  };
  auto sequential_peak = [&](const fs::path& p, uint64_t& records) {
    evtx::EvtxFile f(p);
    evtx::ChunkReader reader;
    std::string json;
    int64_t base = heap::reset_peak();
    for (size_t s = 0; s < f.chunk_slots(); ++s)
      records += reader
                     .read(f, s,
                           [&](const evtx::RecordView& v) {
                             json.clear();
                             evtx::render_json(v.tree, json);
                           })
                     .records;
    return heap::peak.load() - base;
  };
  auto parallel_peak = [&](const fs::path& p, uint64_t& records) {
    evtx::EvtxFile f(p);
    std::vector<const evtx::EvtxFile*> files{&f};
    int64_t base = heap::reset_peak();
    evtx::for_each_chunk_ordered<std::string>(
        files, 2,
        [](const evtx::EvtxFile& file, size_t slot, evtx::ChunkReader& rd) {
          std::string out;
          rd.read(file, slot, [&](const evtx::RecordView& v) { evtx::render_json(v.tree, out); });
          return out;
        },
        [&](const evtx::ChunkTask&, std::string&& out) { records += static_cast<uint64_t>(!out.empty()); });
    return heap::peak.load() - base;
  };
  fs::path small = make(2), big = make(64);
  uint64_t rs = 0, rb = 0, ps = 0, pb = 0;
  int64_t seq_small = sequential_peak(small, rs), seq_big = sequential_peak(big, rb);
  int64_t par_small = parallel_peak(small, ps), par_big = parallel_peak(big, pb);
  std::printf("heap peak: sequential %lld / %lld bytes, parallel %lld / %lld bytes (2 / 64 chunks)\n",
              static_cast<long long>(seq_small), static_cast<long long>(seq_big), static_cast<long long>(par_small),
              static_cast<long long>(par_big));
  EXPECT_EQ(rb, rs * 32);
  EXPECT_EQ(pb, 64u);
  EXPECT_LT(seq_big, seq_small + (256 << 10)) << "sequential reading grows with the number of chunks";
  // The pipeline keeps at most threads * 4 chunks in flight: 8 of 64.
  EXPECT_LT(par_big, 16 * (par_small / 2 + (256 << 10))) << "parallel reading grows with the number of chunks";
  EXPECT_LT(par_big, 64 << 20);
}

}  // namespace
