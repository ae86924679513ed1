#include "sigma/hs_cache.h"

#include <hs/hs.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sigma {
namespace {

constexpr char kMagic[8] = {'E', 'V', 'H', 'S', 'D', 'B', '2', '\0'};
constexpr char kKeysMagic[8] = {'E', 'V', 'H', 'S', 'K', 'E', 'Y', '1'};
constexpr uint64_t kMaxFile = 512u << 20;
constexpr uint64_t kMaxKeysFile = 64u << 20;
// magic, checksum of the rest, key hash (128 bits), kept count
constexpr size_t kHeader = 8 + 8 + 16 + 8;

void put64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }

uint64_t get64(const std::string& in, size_t at) {
  uint64_t v = 0;
  std::memcpy(&v, in.data() + at, 8);
  return v;
}

XXH128_hash_t key_hash(const std::string& key) {
  std::string full = std::string(hs_version()) + '\0' + key;
  return XXH3_128bits(full.data(), full.size());
}

}  // namespace

HsCache::HsCache() = default;

HsCache::HsCache(std::optional<std::filesystem::path> folder) : folder_(std::move(folder)) {}

std::string HsCache::file_of(const std::string& key) const {
  XXH128_hash_t h = key_hash(key);
  char name[64];
  std::snprintf(name, sizeof name, "hs-%016llx%016llx.db", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return name;
}

// Layout: magic, XXH3-64 of the rest, XXH3-128 of (Hyperscan's version, key),
// kept count, kept indices (u32 each, ascending), Hyperscan's serialized database.
std::string cache_file_bytes(const std::string& key, const CachedDb& c) {
  char* bytes = nullptr;
  size_t size = 0;
  if (!c.db || hs_serialize_database(c.db.get(), &bytes, &size) != HS_SUCCESS) return {};
  XXH128_hash_t h = key_hash(key);
  std::string body;
  put64(body, h.high64);
  put64(body, h.low64);
  put64(body, c.kept.size());
  body.append(reinterpret_cast<const char*>(c.kept.data()), c.kept.size() * 4);
  body.append(bytes, size);
  std::free(bytes);
  return sealed(std::string_view(kMagic, 8), body);
}

std::optional<CachedDb> cache_file_database(const std::string& data, const std::string& key, size_t patterns) {
  if (data.size() < kHeader || data.size() > kMaxFile || !is_sealed(data, std::string_view(kMagic, 8)))
    return std::nullopt;
  XXH128_hash_t h = key_hash(key);
  if (get64(data, 16) != h.high64 || get64(data, 24) != h.low64) return std::nullopt;  // another key's database
  uint64_t n = get64(data, 32);
  if (n == 0 || n > patterns || n > (data.size() - kHeader) / 4) return std::nullopt;
  CachedDb out;
  out.kept.resize(n);
  std::memcpy(out.kept.data(), data.data() + kHeader, n * 4);
  for (size_t i = 0; i < n; ++i)
    if (out.kept[i] >= patterns || (i > 0 && out.kept[i] <= out.kept[i - 1])) return std::nullopt;
  size_t at = kHeader + n * 4;
  hs_database_t* db = nullptr;
  // Hyperscan checks its version, the database's own checksum and that this
  // machine can run it.
  if (hs_deserialize_database(data.data() + at, data.size() - at, &db) != HS_SUCCESS) return std::nullopt;
  out.db.reset(db, hs_free_database);
  return out;
}

std::optional<CachedDb> HsCache::load(const std::string& key, size_t patterns) const {
  std::optional<std::string> data = folder_.read(file_of(key), kMaxFile);
  if (!data) return std::nullopt;
  return cache_file_database(*data, key, patterns);
}

void HsCache::store(const std::string& key, const CachedDb& c) const {
  if (!folder_.folder() || !c.db) return;
  folder_.write(file_of(key), cache_file_bytes(key, c));
}

// Layout: magic, XXH3-64 of the rest, key count, then each key's length and bytes.
std::string earlier_keys_bytes(const std::vector<std::string>& keys) {
  std::string body;
  put64(body, keys.size());
  for (const std::string& k : keys) {
    put64(body, k.size());
    body += k;
  }
  return sealed(std::string_view(kKeysMagic, 8), body);
}

std::optional<std::vector<std::string>> earlier_keys_of(const std::string& data) {
  if (data.size() < kSealSize + 8 || data.size() > kMaxKeysFile || !is_sealed(data, std::string_view(kKeysMagic, 8)))
    return std::nullopt;
  uint64_t n = get64(data, kSealSize);
  if (n > HsCache::kEarlierKeys) return std::nullopt;
  std::vector<std::string> keys;
  size_t at = kSealSize + 8;
  for (uint64_t i = 0; i < n; ++i) {
    if (data.size() - at < 8) return std::nullopt;
    uint64_t len = get64(data, at);
    at += 8;
    if (len > data.size() - at) return std::nullopt;
    keys.emplace_back(data, at, len);
    at += len;
  }
  if (at != data.size()) return std::nullopt;
  return keys;
}

std::string HsCache::keys_file_of(const std::string& field) const {
  XXH128_hash_t h = key_hash("field:" + field);
  char name[64];
  std::snprintf(name, sizeof name, "hs-%016llx%016llx.keys", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return name;
}

std::vector<std::string> HsCache::earlier_keys(const std::string& field) const {
  std::optional<std::string> data = folder_.read(keys_file_of(field), kMaxKeysFile);
  if (!data) return {};
  return earlier_keys_of(*data).value_or(std::vector<std::string>{});
}

void HsCache::add_earlier_key(const std::string& field, const std::string& key) const {
  if (!folder_.folder()) return;
  std::vector<std::string> keys = earlier_keys(field);
  keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
  keys.insert(keys.begin(), key);
  if (keys.size() > kEarlierKeys) keys.resize(kEarlierKeys);
  size_t bytes = 0;
  for (const std::string& k : keys) bytes += k.size() + 8;
  while (bytes + kSealSize + 8 > kMaxKeysFile && !keys.empty()) {
    bytes -= keys.back().size() + 8;
    keys.pop_back();
  }
  folder_.write(keys_file_of(field), earlier_keys_bytes(keys));
}

}  // namespace sigma
