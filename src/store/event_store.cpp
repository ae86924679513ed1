// The event store's implementation. A partition (one computer name) keeps its events in blocks
// growing from 4 KiB to 1 MiB; past the budget, spill() sorts every partition into one run file
// (a section each), and at 16 runs compact() merges them into one, bounding the files a host's
// merge opens. A Cursor merges a host's sections (pread into 64 KiB buffers on the store's shared
// descriptors) and its in-memory events with a heap ordered by key_less; a section cut short
// inside an event is an error.
#include "store/event_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

namespace store {
namespace {

// Blocks of a partition grow from 4 KiB to 1 MiB: thousands of small hosts
// (a WEC log) cost little, large ones few allocations.
constexpr size_t kFirstBlock = 4096;
constexpr size_t kMaxBlock = 1u << 20;
// Read buffer of one run section in a cursor.
constexpr size_t kReadBuffer = 64 * 1024;
// At this many runs they are merged into one, so a host's merge reads a bounded
// number of files (and file descriptors) at once.
constexpr size_t kMaxRuns = 16;

[[noreturn]] void io_error(const std::string& what, const std::filesystem::path& p) {
  throw SpillError(p.string() + ": " + what + ": " + std::system_category().message(errno));
}

}  // namespace

struct EventStore::Partition {
  std::vector<std::unique_ptr<uint8_t[]>> blocks;
  std::vector<size_t> block_size;
  size_t used = 0;  // in the last block
  std::vector<const uint8_t*> events;
  size_t bytes = 0;    // allocated block bytes
  uint64_t added = 0;  // events ever added (in memory or spilled)

  void append(const uint8_t* ev, size_t size) {
    if (blocks.empty() || used + size > block_size.back()) {
      size_t want = blocks.empty() ? kFirstBlock : std::min(kMaxBlock, block_size.back() * 2);
      want = std::max(want, size);
      blocks.emplace_back(new uint8_t[want]);
      block_size.push_back(want);
      bytes += want;
      used = 0;
    }
    uint8_t* at = blocks.back().get() + used;
    std::memcpy(at, ev, size);
    used += size;
    events.push_back(at);
  }
  void sort() {
    std::stable_sort(events.begin(), events.end(),
                     [](const uint8_t* a, const uint8_t* b) { return key_less(header_of(a), header_of(b)); });
  }
  size_t memory() const { return bytes + events.capacity() * sizeof(void*); }
  void clear() {
    blocks.clear();
    block_size.clear();
    events.clear();
    events.shrink_to_fit();
    used = 0;
    bytes = 0;
  }
};

// ---- cursor -------------------------------------------------------------------

struct EventStore::Cursor::Source {
  virtual ~Source() = default;
  // Moves to the next event; false at the end.
  virtual bool advance() = 0;
  const uint8_t* at = nullptr;
  EventHeader header{};
};

namespace {

struct MemorySource : EventStore::Cursor::Source {
  const std::vector<const uint8_t*>* events;
  size_t next = 0;
  explicit MemorySource(const std::vector<const uint8_t*>& e) : events(&e) {}
  bool advance() override {
    if (next >= events->size()) return false;
    at = (*events)[next++];
    header = header_of(at);
    return true;
  }
};

struct RunSource : EventStore::Cursor::Source {
  std::filesystem::path path;
  int fd;             // the store's, shared
  uint64_t pos, end;  // file offsets still to read
  std::vector<uint8_t> buf;
  size_t begin = 0, filled = 0;  // unread bytes are buf[begin, filled)

  RunSource(const std::filesystem::path& p, int shared_fd, uint64_t offset, uint64_t bytes)
      : path(p), fd(shared_fd), pos(offset), end(offset + bytes), buf(kReadBuffer) {}
  // Makes at least n unread bytes available; false if the section ends first.
  bool want(size_t n) {
    if (filled - begin >= n) return true;
    std::memmove(buf.data(), buf.data() + begin, filled - begin);
    filled -= begin;
    begin = 0;
    if (buf.size() < n) buf.resize(n);
    while (filled < n && pos < end) {
      size_t room = std::min<uint64_t>(buf.size() - filled, end - pos);
      ssize_t got = ::pread(fd, buf.data() + filled, room, static_cast<off_t>(pos));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) io_error("cannot read spill file", path);
      filled += static_cast<size_t>(got);
      pos += static_cast<uint64_t>(got);
    }
    return filled - begin >= n;
  }
  bool advance() override {
    if (at) begin += header.size;
    if (!want(sizeof(EventHeader))) return false;
    header = header_of(buf.data() + begin);
    if (!want(header.size)) throw std::runtime_error(path.string() + ": spill file cut short");
    at = buf.data() + begin;
    return true;
  }
};

bool heap_after(const EventStore::Cursor::Source* a, const EventStore::Cursor::Source* b) {
  return key_less(b->header, a->header);
}

}  // namespace

EventStore::EventStore(StoreOptions options)
    : options_(std::move(options)), pool_(std::max<size_t>(options_.memory_bytes / 8, 1u << 20)) {}

EventStore::~EventStore() {
  for (int fd : run_fds_)
    if (fd >= 0) ::close(fd);
}

uint32_t EventStore::add_file(const std::string& path) {
  files_.push_back(path);
  return static_cast<uint32_t>(files_.size() - 1);
}

EventStore::Partition& EventStore::partition(uint32_t computer_id) {
  if (computer_id >= partitions_.size()) {
    partitions_.resize(computer_id + 1);
    sections_.resize(computer_id + 1);
  }
  if (!partitions_[computer_id]) {
    partitions_[computer_id] = std::make_unique<Partition>();
    computer_ids_.push_back(computer_id);
  }
  return *partitions_[computer_id];
}

size_t EventStore::memory_in_use() const { return partition_bytes_ + pool_.bytes(); }

void EventStore::add(const std::string& batch) {
  const auto* p = reinterpret_cast<const uint8_t*>(batch.data());
  const auto* end = p + batch.size();
  while (p < end) {
    EventHeader h = header_of(p);
    Partition& part = partition(h.computer_id);
    size_t before = part.memory();
    part.append(p, h.size);
    ++part.added;
    partition_bytes_ += part.memory() - before;
    ++stats_.events;
    stats_.event_bytes += h.size;
    p += h.size;
  }
  // Spill when over budget, but never for less than a quarter of it (the pool
  // of names may take much of a tiny budget).
  if (memory_in_use() > options_.memory_bytes && partition_bytes_ >= options_.memory_bytes / 4) spill();
}

TempDir& EventStore::temp_dir() {
  std::lock_guard<std::mutex> lock(temp_mu_);
  if (!temp_) temp_ = std::make_unique<TempDir>(options_.temp_dir);
  return *temp_;
}

std::filesystem::path EventStore::new_run(FILE*& out) {
  std::filesystem::path path = temp_dir().new_file();
  out = std::fopen(path.c_str(), "wbx");
  if (!out) io_error("cannot create spill file", path);
  return path;
}

void EventStore::spill() {
  FILE* out = nullptr;
  std::filesystem::path path = new_run(out);
  uint32_t run = static_cast<uint32_t>(runs_.size());
  uint64_t offset = 0;
  for (uint32_t id : computer_ids_) {
    Partition& part = *partitions_[id];
    if (part.events.empty()) continue;
    part.sort();
    uint64_t start = offset;
    for (const uint8_t* ev : part.events) {
      uint32_t size = header_of(ev).size;
      if (std::fwrite(ev, 1, size, out) != size) {
        std::fclose(out);
        io_error("cannot write spill file", path);
      }
      offset += size;
    }
    sections_[id].push_back({run, start, offset - start});
    part.clear();
  }
  if (std::fclose(out) != 0) io_error("cannot write spill file", path);
  runs_.push_back(path);
  run_fds_.push_back(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (run_fds_.back() < 0) io_error("cannot open spill file", path);
  partition_bytes_ = 0;
  ++stats_.spills;
  stats_.spilled_bytes += offset;
  if (runs_.size() >= kMaxRuns) compact();
}

void EventStore::compact() {
  FILE* out = nullptr;
  std::filesystem::path path = new_run(out);
  uint64_t offset = 0;
  std::vector<std::vector<Section>> merged(sections_.size());
  for (uint32_t id : computer_ids_) {
    if (sections_[id].empty()) continue;
    // A merge over this partition's sections alone (its memory part is empty).
    std::vector<std::unique_ptr<RunSource>> sources;
    std::vector<Cursor::Source*> heap;
    for (const Section& sec : sections_[id]) {
      sources.push_back(std::make_unique<RunSource>(runs_[sec.run], run_fds_[sec.run], sec.offset, sec.bytes));
      if (sources.back()->advance()) heap.push_back(sources.back().get());
    }
    std::make_heap(heap.begin(), heap.end(), heap_after);
    uint64_t start = offset;
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), heap_after);
      Cursor::Source* src = heap.back();
      uint32_t size = src->header.size;
      if (std::fwrite(src->at, 1, size, out) != size) {
        std::fclose(out);
        io_error("cannot write spill file", path);
      }
      offset += size;
      if (src->advance())
        std::push_heap(heap.begin(), heap.end(), heap_after);
      else
        heap.pop_back();
    }
    merged[id].push_back({0, start, offset - start});
  }
  if (std::fclose(out) != 0) io_error("cannot write spill file", path);
  for (size_t i = 0; i < runs_.size(); ++i) {
    ::close(run_fds_[i]);
    std::error_code ec;
    std::filesystem::remove(runs_[i], ec);
  }
  runs_.assign(1, path);
  run_fds_.assign(1, ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (run_fds_[0] < 0) io_error("cannot open spill file", path);
  sections_ = std::move(merged);
  ++stats_.compactions;
}

void EventStore::finish() {
  for (uint32_t id : computer_ids_) partitions_[id]->sort();
  finished_ = true;
}

std::vector<uint32_t> EventStore::computers() const { return computer_ids_; }

uint64_t EventStore::events_of(uint32_t computer_id) const {
  return computer_id < partitions_.size() && partitions_[computer_id] ? partitions_[computer_id]->added : 0;
}

EventStore::Cursor EventStore::open(const std::vector<uint32_t>& computer_ids) const {
  if (!finished_) throw std::logic_error("EventStore::open before finish");
  return Cursor(*this, computer_ids);
}

EventStore::Cursor::Cursor(const EventStore& store, const std::vector<uint32_t>& computer_ids) {
  for (uint32_t id : computer_ids) {
    if (id >= store.partitions_.size() || !store.partitions_[id]) continue;
    for (const Section& s : store.sections_[id])
      sources_.push_back(std::make_unique<RunSource>(store.runs_[s.run], store.run_fds_[s.run], s.offset, s.bytes));
    if (!store.partitions_[id]->events.empty())
      sources_.push_back(std::make_unique<MemorySource>(store.partitions_[id]->events));
  }
  for (auto& s : sources_)
    if (s->advance()) heap_.push_back(s.get());
  std::make_heap(heap_.begin(), heap_.end(), heap_after);
}

EventStore::Cursor::Cursor(Cursor&&) noexcept = default;
EventStore::Cursor::~Cursor() = default;

bool EventStore::Cursor::next() {
  if (current_source_) {
    if (current_source_->advance()) {
      heap_.push_back(current_source_);
      std::push_heap(heap_.begin(), heap_.end(), heap_after);
    }
    current_source_ = nullptr;
  }
  if (heap_.empty()) {
    current_ = nullptr;
    return false;
  }
  std::pop_heap(heap_.begin(), heap_.end(), heap_after);
  current_source_ = heap_.back();
  heap_.pop_back();
  current_ = current_source_->at;
  return true;
}

}  // namespace store
