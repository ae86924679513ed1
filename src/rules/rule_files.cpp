#include "rules/rule_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include "io/file_read.h"
#include "text/ascii_case.h"

namespace rules {
namespace {

namespace fs = std::filesystem;

// Folders below a named one deeper than this are not searched: a deeper tree
// is a link loop the (device, inode) guard did not catch, or not rules.
constexpr int kMaxDepth = 64;

struct Finder {
  RuleFiles& out;
  std::set<std::pair<dev_t, ino_t>> seen;  // folders taken

  void problem(const fs::path& p, std::string reason) { out.problems.push_back({p.string(), std::move(reason)}); }

  void find(const fs::path& p, bool named, int depth) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      struct stat lst {};
      problem(p, ::lstat(p.c_str(), &lst) == 0 ? "broken symbolic link" : "no such file or folder");
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      folder(p, st, depth);
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      problem(p, "not a regular file (a FIFO or device is never read as rules)");
      return;
    }
    if (!named && !has_rule_extension(p)) return;
    if (static_cast<uintmax_t>(st.st_size) > kMaxRuleFileBytes) {
      problem(p, std::to_string(st.st_size) + " bytes, larger than a rule file (4 MiB)");
      return;
    }
    out.files.push_back(p);
  }

  void folder(const fs::path& p, const struct stat& st, int depth) {
    if (depth > kMaxDepth || !seen.insert({st.st_dev, st.st_ino}).second) {
      problem(p, "folder already read (a symbolic link loop or a second link to it)");
      return;
    }
    std::error_code ec;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
    if (ec) problem(p, "cannot list folder: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const fs::path& e : entries) {
      std::string name = e.filename().string();
      if (!name.empty() && name[0] == '.') continue;
      std::error_code dec;
      bool dir = fs::is_directory(e, dec);
      if (dir || has_rule_extension(e)) find(e, false, depth + 1);  // a link to a non-rule file is left out
    }
  }
};

}  // namespace

bool has_rule_extension(const fs::path& p) {
  std::string ext = text::lowered(p.extension().string());
  return ext == ".yml" || ext == ".yaml" || ext == ".kql";
}

RuleFiles find_rule_files(const std::vector<fs::path>& paths) {
  RuleFiles out;
  Finder finder{out, {}};
  for (const fs::path& p : paths) finder.find(p, true, 0);
  return out;
}

std::optional<std::string> read_rule_file(const fs::path& p, std::string& why) {
  return io::read_file(p, kMaxRuleFileBytes, &why);
}

}  // namespace rules
