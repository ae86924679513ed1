// Parsed Sigma rule files kept between runs: parsing YAML is most of loading
// (0.26 s of a 0.41 s load of every SigmaHQ rule on two cores). One cache
// file per set of rule paths (its name a hash of them) holds what each YAML
// file parsed to, each entry taken only when this very binary (its inode,
// size and time) made it from this path and text (a 128-bit hash of the
// three): an edited rule is parsed again alone, a new evtxhunt parses all.
// The file carries a checksum; every count in it is bounded by its bytes,
// nesting by a fixed depth; a damaged entry is parsed again, never an error.
// The folder: cache_folder.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigma/cache_folder.h"
#include "sigma/sigma_loader.h"

namespace sigma {

// What one YAML file parsed to.
struct ParsedFile {
  bool rule = false;  // Sigma documents (or a file that is not even YAML: errors); else YAML that is no rule
  LoadResult result;  // rule.file and error.file are the file's path
};

// A file's path and text.
using FileText = std::pair<std::string, std::string_view>;

class RuleCache {
 public:
  RuleCache() = default;  // the folder from the environment
  explicit RuleCache(CacheFolder folder) : folder_(std::move(folder)) {}

  // `slot` names the set (the rule paths asked for). Each file's parse, or
  // nullopt where it must be parsed (new, changed, or no cache).
  std::vector<std::optional<ParsedFile>> load(std::string_view slot, const std::vector<FileText>& files) const;
  // Replaces the set's cache file.
  void store(std::string_view slot, const std::vector<FileText>& files, const std::vector<ParsedFile>& parsed) const;

 private:
  CacheFolder folder_;
};

// The cache file's bytes for parsed files made from `files` (for tests and
// the fuzzer); and of `files`, the parses such bytes hold for exactly that
// path and text (never trusting a count it reads).
std::string rule_cache_bytes(const std::vector<FileText>& files, const std::vector<ParsedFile>& parsed);
std::vector<std::optional<ParsedFile>> rule_cache_parsed(std::string_view bytes, const std::vector<FileText>& files);

}  // namespace sigma
