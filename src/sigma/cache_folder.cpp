#include "sigma/cache_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "io/file_read.h"

namespace sigma {
namespace {

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

}  // namespace

CacheFolder::CacheFolder() : CacheFolder(folder_from_environment()) {}

CacheFolder::CacheFolder(std::optional<std::filesystem::path> folder) : folder_(std::move(folder)) {
  if (!folder_) return;
  warning_ = unsafe_folder(*folder_);
  if (!warning_.empty()) folder_.reset();
}

std::optional<std::string> CacheFolder::read(const std::string& name, size_t max_bytes) const {
  if (!folder_) return std::nullopt;
  // Never through a link planted in the folder; an empty file is no entry.
  std::optional<std::string> data = io::read_file(*folder_ / name, max_bytes, nullptr, {.follow_links = false});
  if (data && data->empty()) return std::nullopt;
  return data;
}

void CacheFolder::write(const std::string& name, std::string_view data) const {
  if (!folder_ || data.empty()) return;
  // Best effort: a cache that cannot be written only costs the next run time.
  if (::mkdir(folder_->c_str(), 0700) != 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(folder_->parent_path(), ec);
    ::mkdir(folder_->c_str(), 0700);
  }
  if (!unsafe_folder(*folder_).empty()) return;
  std::string tmp = (*folder_ / ".new-XXXXXX").string();
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
  if (!ok || ::rename(tmp.c_str(), (*folder_ / name).c_str()) != 0) ::unlink(tmp.c_str());
}

std::string sealed(std::string_view magic, std::string_view body) {
  std::string data(magic.substr(0, 8));
  uint64_t sum = XXH3_64bits(body.data(), body.size());
  data.append(reinterpret_cast<const char*>(&sum), 8);
  return data.append(body);
}

bool is_sealed(std::string_view data, std::string_view magic) {
  if (data.size() < kSealSize || data.substr(0, 8) != magic.substr(0, 8)) return false;
  uint64_t sum = 0;
  std::memcpy(&sum, data.data() + 8, 8);
  return sum == XXH3_64bits(data.data() + kSealSize, data.size() - kSealSize);
}

void seal_cache_file(std::string& data) {
  if (data.size() < kSealSize) return;
  uint64_t sum = XXH3_64bits(data.data() + kSealSize, data.size() - kSealSize);
  std::memcpy(data.data() + 8, &sum, 8);
}

}  // namespace sigma
