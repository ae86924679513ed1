#include "store/string_pool.h"

#include <stdexcept>

namespace store {

// Per string, besides its bytes: the deque node, the map entry, its view.
constexpr size_t kOverhead = 64;

namespace {
std::atomic<uint64_t> g_pools{0};
}  // namespace

StringPool::StringPool(size_t cap_bytes)
    : serial_(++g_pools), cap_(cap_bytes), segments_(new std::atomic<std::string_view*>[kSegments]) {
  for (size_t i = 0; i < kSegments; ++i) segments_[i].store(nullptr, std::memory_order_relaxed);
}

StringPool::~StringPool() {
  for (size_t i = 0; i < kSegments; ++i) delete[] segments_[i].load(std::memory_order_relaxed);
}

std::optional<uint32_t> StringPool::intern(std::string_view s, bool always) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = ids_.find(s); it != ids_.end()) return it->second;
  if (!always && bytes_ + s.size() + kOverhead > cap_) return std::nullopt;
  size_t id = strings_.size();
  if (id >= kSegments * kSegmentSize) throw std::length_error("string pool: more than 2^32 strings");
  const std::string& stored = strings_.emplace_back(s);
  std::string_view* segment = segments_[id >> kSegmentBits].load(std::memory_order_relaxed);
  if (!segment) segment = new std::string_view[kSegmentSize];
  segment[id & (kSegmentSize - 1)] = stored;
  segments_[id >> kSegmentBits].store(segment, std::memory_order_release);
  ids_.emplace(stored, static_cast<uint32_t>(id));
  bytes_ += s.size() + kOverhead;
  return static_cast<uint32_t>(id);
}

size_t StringPool::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_ + (strings_.size() / kSegmentSize + 1) * kSegmentSize * sizeof(std::string_view);
}

size_t StringPool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return strings_.size();
}

std::optional<uint32_t> PoolCache::intern(std::string_view s, bool always) {
  if (auto it = cache_.find(s); it != cache_.end()) return it->second;
  if (full_ && !always) return std::nullopt;
  std::optional<uint32_t> id = pool_->intern(s, always);
  if (id)
    cache_.emplace(std::string(s), *id);
  else
    full_ = true;
  return id;
}

}  // namespace store
