// Every event of a run, partitioned by computer name, in bounded memory.
// Events arrive in batches (from the parallel readers, in file order) and are
// kept in memory up to the budget; beyond it every partition is sorted and
// written to the run's temporary folder as one sorted run (a section per
// partition), and memory starts over. A host's events (the partitions of its
// names) are then read back in time order by a k-way merge of its in-memory
// events and its sections of every run, as often as the replay needs.
//
// Nothing here depends on the budget but where the bytes are: the merged
// order is the same (time, file, place in file) for any budget.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/event_codec.h"
#include "store/string_pool.h"
#include "store/temp_dir.h"

namespace store {

struct StoreOptions {
  size_t memory_bytes = 128u << 20;  // events and pool kept in memory
  std::filesystem::path temp_dir;    // base of the spill folder ("" : $TMPDIR or /tmp)
};

struct StoreStats {
  uint64_t events = 0;
  uint64_t event_bytes = 0;  // encoded
  uint64_t spills = 0;       // runs written
  uint64_t compactions = 0;  // times the runs were merged into one
  uint64_t spilled_bytes = 0;
};

class EventStore {
 public:
  explicit EventStore(StoreOptions options);
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  StringPool& pool() { return pool_; }
  // The run's temporary folder (created on first use), for other spill files.
  TempDir& temp_dir();
  const StringPool& pool() const { return pool_; }
  // Registers an input file; ids follow the order of the calls.
  uint32_t add_file(const std::string& path);
  const std::string& file(uint32_t id) const { return files_.at(id); }

  // Adds encoded events (concatenated); serial. May spill.
  void add(const std::string& batch);
  // Ends the adding: sorts what is in memory.
  void finish();

  // The pool ids of every computer name events were added with.
  std::vector<uint32_t> computers() const;
  // Events stored under this computer name.
  uint64_t events_of(uint32_t computer_id) const;
  const StoreStats& stats() const { return stats_; }

  class Cursor;
  // Reads the events of these partitions (one host) in key order.
  Cursor open(const std::vector<uint32_t>& computer_ids) const;

 private:
  struct Partition;
  struct Section {
    uint32_t run;
    uint64_t offset, bytes;
  };
  Partition& partition(uint32_t computer_id);
  size_t memory_in_use() const;
  void spill();
  // Merges every run into one (bounds the files a host's merge reads at once).
  void compact();
  std::filesystem::path new_run(FILE*& out);

  StoreOptions options_;
  StringPool pool_;
  std::vector<std::string> files_;
  std::vector<std::unique_ptr<Partition>> partitions_;  // by computer id (sparse)
  std::vector<uint32_t> computer_ids_;                  // in order of first event
  std::vector<std::vector<Section>> sections_;          // by computer id: its piece of each run
  std::mutex temp_mu_;
  std::unique_ptr<TempDir> temp_;
  std::vector<std::filesystem::path> runs_;
  std::vector<int> run_fds_;  // read side of each run (pread: shared by cursors)
  size_t partition_bytes_ = 0;
  StoreStats stats_;
  bool finished_ = false;

  friend class Cursor;
};

// A k-way merge over one host's sorted sources; the event bytes a call to
// next() exposes stay valid until the following call.
class EventStore::Cursor {
 public:
  Cursor(Cursor&&) noexcept;
  ~Cursor();
  // Advances; false at the end.
  bool next();
  const uint8_t* event() const { return current_; }

  struct Source;  // one sorted input of the merge (event_store.cpp)

 private:
  friend class EventStore;
  Cursor(const EventStore& store, const std::vector<uint32_t>& computer_ids);
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<Source*> heap_;
  const uint8_t* current_ = nullptr;
  Source* current_source_ = nullptr;
};

}  // namespace store
