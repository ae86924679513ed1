// The folder of what evtxhunt keeps between runs (compiled pattern databases,
// parsed rule files): $EVTXHUNT_CACHE, else $XDG_CACHE_HOME/evtxhunt, else
// ~/.cache/evtxhunt; EVTXHUNT_CACHE=off turns it off. A folder that others
// could write into (group- or world-writable, unless sticky and ours; or
// owned by another user) is not used: its files could be planted. Files are
// read without following a link, and written under a fresh name made by
// mkstemp (never through a planted link) then renamed. Whoever reads a file
// checks its content (checksum, key): a missing, damaged or foreign file is
// made again, never an error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sigma {

class CacheFolder {
 public:
  CacheFolder();  // the folder from the environment
  explicit CacheFolder(std::optional<std::filesystem::path> folder);

  // A file's bytes when it is a regular file of at most max_bytes; nullopt otherwise.
  std::optional<std::string> read(const std::string& name, size_t max_bytes) const;
  // Best effort: a cache that cannot be written only costs the next run time.
  void write(const std::string& name, std::string_view bytes) const;
  // Why the folder is not used ("" when it is, or when no cache was asked for).
  const std::string& warning() const { return warning_; }
  // The folder in use; nullopt when none (EVTXHUNT_CACHE=off, or not safe).
  const std::optional<std::filesystem::path>& folder() const { return folder_; }

 private:
  std::optional<std::filesystem::path> folder_;
  std::string warning_;
};

// Every cache file opens with an 8-byte magic and the XXH3-64 of what follows
// (kSealSize bytes in all): a file cut short or damaged is not taken.
inline constexpr size_t kSealSize = 16;
std::string sealed(std::string_view magic, std::string_view body);
// Whether `data` opens with `magic` (8 bytes) and its checksum matches.
bool is_sealed(std::string_view data, std::string_view magic);
// Writes the checksum of a cache file's bytes again (the fuzzer's mutations
// then reach the counts and indices behind it).
void seal_cache_file(std::string& bytes);

}  // namespace sigma
