#include "sigma/hs_cache.h"

#include <hs/hs.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace sigma {
namespace {

constexpr char kMagic[8] = {'E', 'V', 'H', 'S', 'D', 'B', '1', '\0'};
constexpr uint64_t kMaxFile = 512u << 20;

std::optional<std::filesystem::path> folder_from_environment() {
  const char* own = std::getenv("EVTXHUNT_CACHE");
  if (own && *own) {
    if (std::string(own) == "off") return std::nullopt;
    return std::filesystem::path(own);
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "evtxhunt";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "evtxhunt";
  return std::nullopt;
}

void put64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }

uint64_t get64(const std::string& in, size_t at) {
  uint64_t v = 0;
  std::memcpy(&v, in.data() + at, 8);
  return v;
}

}  // namespace

HsCache::HsCache() : folder_(folder_from_environment()) {}

std::filesystem::path HsCache::file_of(const std::string& key) const {
  std::string full = std::string(hs_version()) + '\0' + key;
  XXH128_hash_t h = XXH3_128bits(full.data(), full.size());
  char name[64];
  std::snprintf(name, sizeof name, "hs-%016llx%016llx.db", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return *folder_ / name;
}

// Layout: magic, XXH3-64 of the rest, kept count, kept indices (u32 each),
// Hyperscan's serialized database.
std::optional<CachedDb> HsCache::load(const std::string& key) const {
  if (!folder_) return std::nullopt;
  std::ifstream in(file_of(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::string data;
  char buf[1 << 16];
  while (in && data.size() <= kMaxFile) {
    in.read(buf, sizeof buf);
    data.append(buf, static_cast<size_t>(in.gcount()));
  }
  if (data.size() < 24 || data.size() > kMaxFile || std::memcmp(data.data(), kMagic, 8) != 0) return std::nullopt;
  if (get64(data, 8) != XXH3_64bits(data.data() + 16, data.size() - 16)) return std::nullopt;
  uint64_t n = get64(data, 16);
  if (n > (data.size() - 24) / 4) return std::nullopt;
  CachedDb out;
  out.kept.resize(n);
  std::memcpy(out.kept.data(), data.data() + 24, n * 4);
  size_t at = 24 + n * 4;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(data.data() + at, data.size() - at, &db) != HS_SUCCESS) return std::nullopt;
  out.db.reset(db, hs_free_database);
  return out;
}

void HsCache::store(const std::string& key, const CachedDb& c) const {
  if (!folder_ || !c.db) return;
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(c.db.get(), &bytes, &size) != HS_SUCCESS) return;
  std::string body;
  put64(body, c.kept.size());
  body.append(reinterpret_cast<const char*>(c.kept.data()), c.kept.size() * 4);
  body.append(bytes, size);
  std::free(bytes);
  std::string data(kMagic, 8);
  put64(data, XXH3_64bits(body.data(), body.size()));
  data += body;
  // Best effort: a cache that cannot be written only costs the next run time.
  std::error_code ec;
  std::filesystem::create_directories(*folder_, ec);
  std::filesystem::path final_path = file_of(key);
  std::filesystem::path tmp = final_path;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
      out.close();
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace sigma
