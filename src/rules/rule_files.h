// Finding and reading rule files: the one discovery both the CLI (every rule
// language: cli/rule_options.cpp) and rules::load_rules use. Folders are
// searched recursively in sorted order, symbolic links followed with each
// folder taken once (a link loop ends), hidden entries left out; a file is
// a rule file by its extension (.yml, .yaml, .kql) unless named directly; a
// FIFO or device is never read, and a file over 4 MiB is not a rule file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rules {

// A rule file larger than this is not a rule file (and --rules /dev/zero ends).
constexpr size_t kMaxRuleFileBytes = 4u << 20;

// A path that could not be taken, and why ("no such file or folder", ...).
struct RuleFileProblem {
  std::string path;
  std::string reason;
  std::string str() const { return path + ": " + reason; }
};

struct RuleFiles {
  std::vector<std::filesystem::path> files;  // in the order of `paths`, each folder's sorted
  std::vector<RuleFileProblem> problems;
};

// The rule files under each of `paths` (a file named there is taken whatever
// its extension).
RuleFiles find_rule_files(const std::vector<std::filesystem::path>& paths);

// Whether a file's extension makes it a rule file found in a folder: .yml,
// .yaml, or .kql (ASCII case ignored).
bool has_rule_extension(const std::filesystem::path& p);

// The text of a rule file, at most kMaxRuleFileBytes; nullopt with `why`.
std::optional<std::string> read_rule_file(const std::filesystem::path& p, std::string& why);

}  // namespace rules
