// Compiled Hyperscan databases kept on disk between runs: compiling every
// SigmaHQ rule's patterns takes about a second, loading them milliseconds.
// A database is found by a hash of everything that decides it (Hyperscan's
// version, the database kind and flags, every pattern); each file carries a
// checksum of its content and is written under a temporary name, then
// renamed. A missing, damaged or foreign file is recompiled, never an error.
//
// Folder: $EVTXHUNT_CACHE, else $XDG_CACHE_HOME/evtxhunt, else
// ~/.cache/evtxhunt; EVTXHUNT_CACHE=off turns the cache off.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct hs_database;

namespace sigma {

// A compiled database and the indices of the patterns it holds (its pattern
// ids, in order); the others Hyperscan refused.
struct CachedDb {
  std::shared_ptr<hs_database> db;
  std::vector<uint32_t> kept;
};

class HsCache {
 public:
  HsCache();  // the folder from the environment
  explicit HsCache(std::optional<std::filesystem::path> folder) : folder_(std::move(folder)) {}
  // `key` is the hash input (kind, flags, patterns); nullopt if not cached.
  std::optional<CachedDb> load(const std::string& key) const;
  void store(const std::string& key, const CachedDb& db) const;

 private:
  std::filesystem::path file_of(const std::string& key) const;
  std::optional<std::filesystem::path> folder_;
};

}  // namespace sigma
