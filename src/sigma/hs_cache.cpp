#include "sigma/hs_cache.h"

#include <fcntl.h>
#include <hs/hs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sigma {
namespace {

constexpr char kMagic[8] = {'E', 'V', 'H', 'S', 'D', 'B', '2', '\0'};
constexpr uint64_t kMaxFile = 512u << 20;
// magic, checksum of the rest, key hash (128 bits), kept count
constexpr size_t kHeader = 8 + 8 + 16 + 8;

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

XXH128_hash_t key_hash(const std::string& key) {
  std::string full = std::string(hs_version()) + '\0' + key;
  return XXH3_128bits(full.data(), full.size());
}

// Why a cache folder must not be used, or "" when it may.
std::string unsafe_folder(const std::filesystem::path& folder) {
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0) return "";  // made by store(), ours
  char why[160];
  uid_t me = ::geteuid();
  if (!S_ISDIR(st.st_mode)) {
    std::snprintf(why, sizeof why, "is not a folder");
  } else if (st.st_uid != me && st.st_uid != 0) {
    std::snprintf(why, sizeof why, "belongs to another user (uid %u)", static_cast<unsigned>(st.st_uid));
  } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !((st.st_mode & S_ISVTX) && st.st_uid == me)) {
    std::snprintf(why, sizeof why, "is writable by others (mode %04o)", static_cast<unsigned>(st.st_mode & 07777));
  } else {
    return "";
  }
  return "compiled-pattern cache " + folder.string() + " " + why + ": not used (files there could be planted)";
}

std::optional<std::string> read_no_follow(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string data;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= kMaxFile) {
    char buf[1 << 16];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && data.size() <= kMaxFile) data.append(buf, static_cast<size_t>(n));
    if (n < 0) data.clear();
  }
  ::close(fd);
  if (data.empty() || data.size() > kMaxFile) return std::nullopt;
  return data;
}

}  // namespace

HsCache::HsCache() : HsCache(folder_from_environment()) {}

HsCache::HsCache(std::optional<std::filesystem::path> folder) : folder_(std::move(folder)) {
  if (!folder_) return;
  warning_ = unsafe_folder(*folder_);
  if (!warning_.empty()) folder_.reset();
}

std::filesystem::path HsCache::file_of(const std::string& key) const {
  XXH128_hash_t h = key_hash(key);
  char name[64];
  std::snprintf(name, sizeof name, "hs-%016llx%016llx.db", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return *folder_ / name;
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
  std::string data(kMagic, 8);
  put64(data, XXH3_64bits(body.data(), body.size()));
  return data + body;
}

void seal_cache_file(std::string& data) {
  if (data.size() < 16) return;
  uint64_t sum = XXH3_64bits(data.data() + 16, data.size() - 16);
  std::memcpy(data.data() + 8, &sum, 8);
}

std::optional<CachedDb> cache_file_database(const std::string& data, const std::string& key, size_t patterns) {
  if (data.size() < kHeader || data.size() > kMaxFile || std::memcmp(data.data(), kMagic, 8) != 0) return std::nullopt;
  if (get64(data, 8) != XXH3_64bits(data.data() + 16, data.size() - 16)) return std::nullopt;
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
  if (!folder_) return std::nullopt;
  std::optional<std::string> data = read_no_follow(file_of(key));
  if (!data) return std::nullopt;
  return cache_file_database(*data, key, patterns);
}

void HsCache::store(const std::string& key, const CachedDb& c) const {
  if (!folder_ || !c.db) return;
  std::string data = cache_file_bytes(key, c);
  if (data.empty()) return;
  // Best effort: a cache that cannot be written only costs the next run time.
  if (::mkdir(folder_->c_str(), 0700) != 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(folder_->parent_path(), ec);
    ::mkdir(folder_->c_str(), 0700);
  }
  if (!unsafe_folder(*folder_).empty()) return;
  std::string tmp = (*folder_ / ".hs-XXXXXX").string();
  int fd = ::mkstemp(tmp.data());  // O_CREAT | O_EXCL: never through a planted link
  if (fd < 0) return;
  bool ok = true;
  for (size_t done = 0; ok && done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), file_of(key).c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace sigma
