// Strings that repeat across events (field names, providers, channels,
// computer names, source files, image paths, account names) stored once and
// referred to by a 32-bit id. Shared by the parallel readers: each thread keeps
// a cache of the ids it has seen, and only a miss takes the lock; reading an id
// never locks. The pool stops taking new strings past its byte cap (callers
// then keep the text in the event itself: what is interned changes the bytes
// of an event, never its values).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace store {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class StringPool {
 public:
  explicit StringPool(size_t cap_bytes);
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // The id of s, adding it when there is room; nullopt when the pool is full.
  // `always`: add even past the cap (names every event needs: field names,
  // providers, channels, computers, files).
  std::optional<uint32_t> intern(std::string_view s, bool always = false);
  // The string of an id handed out by intern() (lock-free; valid for the
  // pool's lifetime).
  std::string_view at(uint32_t id) const {
    return segments_[id >> kSegmentBits].load(std::memory_order_acquire)[id & (kSegmentSize - 1)];
  }
  size_t bytes() const;
  size_t size() const;
  // Distinct for every pool the process makes: ids of one pool mean nothing
  // in another (a cache keyed by ids keys by this too).
  uint64_t serial() const { return serial_; }

 private:
  uint64_t serial_;
  static constexpr unsigned kSegmentBits = 12;
  static constexpr size_t kSegmentSize = size_t(1) << kSegmentBits;
  static constexpr size_t kSegments = size_t(1) << (32 - kSegmentBits);

  size_t cap_;
  mutable std::mutex mu_;
  std::deque<std::string> strings_;  // stable addresses
  std::unordered_map<std::string_view, uint32_t, StringHash, std::equal_to<>> ids_;
  std::unique_ptr<std::atomic<std::string_view*>[]> segments_;
  size_t bytes_ = 0;
};

// One thread's cache in front of a pool.
class PoolCache {
 public:
  explicit PoolCache(StringPool& pool) : pool_(&pool) {}
  std::optional<uint32_t> intern(std::string_view s, bool always = false);
  std::string_view at(uint32_t id) const { return pool_->at(id); }
  StringPool& pool() const { return *pool_; }

 private:
  StringPool* pool_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> cache_;
  bool full_ = false;  // the pool refused a string: stop asking for optional ones
};

}  // namespace store
