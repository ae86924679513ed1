// Compiled Hyperscan databases kept on disk between runs: compiling every
// SigmaHQ rule's patterns takes about a second, loading them milliseconds.
// A database is found by a hash of everything that decides it (Hyperscan's
// version, the database kind and flags, every pattern), and the file carries
// that hash too, so a file copied under another name is not taken; each file
// carries a checksum of its content, and every count and index in it is
// checked before use (Hyperscan's own load checks its version and this
// machine's instruction set). A missing, damaged or foreign file is
// recompiled, never an error. The folder, and how its files are read and
// written: cache_folder.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sigma/cache_folder.h"

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
  explicit HsCache(std::optional<std::filesystem::path> folder);
  explicit HsCache(CacheFolder folder) : folder_(std::move(folder)) {}
  // `key` is the hash input (kind, flags, patterns), `patterns` how many it
  // holds; nullopt if not cached (or the file is not one for this key).
  std::optional<CachedDb> load(const std::string& key, size_t patterns) const;
  void store(const std::string& key, const CachedDb& db) const;
  // The keys of the large literal databases last compiled for a field (the
  // latest first, at most kEarlierKeys): where a set a rule edit changed
  // finds the database it mostly shares (field_db.h). Unreadable: none.
  std::vector<std::string> earlier_keys(const std::string& field) const;
  void add_earlier_key(const std::string& field, const std::string& key) const;
  static constexpr size_t kEarlierKeys = 4;
  // Why the folder is not used ("" when it is, or when no cache was asked for).
  const std::string& warning() const { return folder_.warning(); }
  // The folder in use; nullopt when none (EVTXHUNT_CACHE=off, or not safe).
  const std::optional<std::filesystem::path>& folder() const { return folder_.folder(); }

 private:
  std::string file_of(const std::string& key) const;         // the file's name in the folder
  std::string keys_file_of(const std::string& field) const;  // a field's earlier keys
  CacheFolder folder_;
};

// A field's earlier keys file: its bytes, and its keys if the bytes are one
// (for tests and the fuzzer; every length is checked against what is left).
std::string earlier_keys_bytes(const std::vector<std::string>& keys);
std::optional<std::vector<std::string>> earlier_keys_of(const std::string& bytes);

// The cache file's bytes for a database (for tests and the fuzzer).
std::string cache_file_bytes(const std::string& key, const CachedDb& db);
// A cache file's database if the bytes are one for `key` with `patterns`
// patterns; nullopt otherwise. Never trusts a count or index it reads.
std::optional<CachedDb> cache_file_database(const std::string& bytes, const std::string& key, size_t patterns);

}  // namespace sigma
