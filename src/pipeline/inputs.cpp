#include "pipeline/inputs.h"

#include "evtx/format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

namespace pipeline {
namespace {

namespace fs = std::filesystem;

enum class Kind { Evtx, Xml, Other };

// Looks at the first bytes: the ElfFile signature, or (after a BOM and
// whitespace, UTF-8 or UTF-16 with or without BOM) an opening '<'.
Kind sniff(const char* buf, size_t n) {
  if (n >= 8 && evtx::is_file_signature(reinterpret_cast<const uint8_t*>(buf))) return Kind::Evtx;
  size_t i = 0, step = 1;
  if (n >= 3 && std::memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
    i = 3;
  } else if (n >= 2 && std::memcmp(buf, "\xFF\xFE", 2) == 0) {
    i = 2;
    step = 2;
  } else if (n >= 2 && std::memcmp(buf, "\xFE\xFF", 2) == 0) {
    i = 3;
    step = 2;
  } else if (n >= 2 && buf[0] != 0 && buf[1] == 0) {
    step = 2;  // UTF-16LE without BOM
  } else if (n >= 2 && buf[0] == 0 && buf[1] != 0) {
    i = 1;  // UTF-16BE without BOM
    step = 2;
  }
  while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i += step;
  return i < n && buf[i] == '<' ? Kind::Xml : Kind::Other;
}

const char* type_name(mode_t m) {
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "not a regular file";
}

// The absolute path with links and dot-dot resolved; nullopt when it cannot be.
std::optional<fs::path> resolved(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::canonical(p, ec);
  if (ec) return std::nullopt;
  return c;
}

// Is `inner` the folder `outer` or below it (whole path components)?
bool within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i)
    if (i == inner.end() || *i != *o) return false;
  return true;
}

class Walker {
 public:
  Walker(Inputs& out, bool follow_links) : out_(out), follow_links_(follow_links) {}

  void add_root(const fs::path& p) {
    if (std::optional<fs::path> r = resolved(p)) roots_.push_back(*r);
  }
  // A path named on the command line: read wherever it points.
  void named(const fs::path& p) { path(p); }

 private:
  void path(const fs::path& p, int depth = 0) {
    struct stat st {};
    if (depth > 0 && !follow_links_ && ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode) && !inside(p)) return;
    if (::stat(p.c_str(), &st) != 0) {
      skip(p, errno == ENOENT ? (::lstat(p.c_str(), &st) == 0 ? "broken symbolic link" : "no such file or folder")
                              : std::string("cannot open: ") + std::strerror(errno));
      return;
    }
    if (S_ISDIR(st.st_mode))
      folder(p, st, depth);
    else
      file(p, st);
  }

  // A link found in a folder: followed when it stays inside a named path;
  // otherwise skipped, naming where it points.
  bool inside(const fs::path& link) {
    std::optional<fs::path> target = resolved(link);
    if (!target) return true;  // broken: path() names it
    for (const fs::path& root : roots_)
      if (within(*target, root)) return true;
    std::error_code ec;
    fs::path to = fs::read_symlink(link, ec);
    skip(link, "symbolic link to " + (ec ? target->string() : to.string()) +
                   (ec || to == *target ? "" : " (" + target->string() + ")") +
                   ", outside the inputs: not followed (--follow-links follows it)");
    return false;
  }

  void skip(const fs::path& p, std::string reason) { out_.skipped.push_back({p, std::move(reason)}); }

  // Real collections nest a dozen levels; a planted tree cannot exhaust the stack.
  static constexpr int kMaxDepth = 256;

  void folder(const fs::path& p, const struct stat& st, int depth) {
    if (depth > kMaxDepth) {
      skip(p, "folder nested deeper than 256 levels");
      return;
    }
    // A folder reached twice (a symlink loop, or two links to one folder) is read once.
    if (!seen_.insert({st.st_dev, st.st_ino}).second) {
      skip(p, "folder already read (a symbolic link loop or a second link to it)");
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(p, ec);
    if (ec) {
      skip(p, "cannot list folder: " + ec.message());
      return;
    }
    std::vector<fs::path> entries;
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) entries.push_back(it->path());
    if (ec) skip(p, "cannot list folder: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const fs::path& e : entries) path(e, depth + 1);
  }

  void file(const fs::path& p, const struct stat& st) {
    if (!S_ISREG(st.st_mode)) {  // never opened: a FIFO would block
      skip(p, std::string(type_name(st.st_mode)) + ", not a file");
      return;
    }
    if (st.st_size == 0) {
      skip(p, "empty file (0 bytes)");
      return;
    }
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      skip(p, std::string("cannot open: ") + std::strerror(errno));
      return;
    }
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf);
    int err = errno;
    ::close(fd);
    if (n < 0) {
      skip(p, std::string("cannot read: ") + std::strerror(err));
      return;
    }
    switch (sniff(buf, static_cast<size_t>(n))) {
      case Kind::Evtx: out_.evtx.push_back(p); break;
      case Kind::Xml: out_.xml.push_back(p); break;
      case Kind::Other: skip(p, "not an EVTX file or XML event export"); break;
    }
  }

  Inputs& out_;
  bool follow_links_;
  std::vector<fs::path> roots_;  // the named paths, resolved
  std::set<std::pair<dev_t, ino_t>> seen_;
};

}  // namespace

std::vector<std::string> Inputs::all(const std::vector<std::string>& named) const {
  std::vector<std::string> out = named;
  for (const auto* list : {&evtx, &xml})
    for (const auto& p : *list) out.push_back(p.string());
  return out;
}

Inputs discover_inputs(const std::vector<std::string>& paths, bool follow_links) {
  Inputs out;
  Walker w(out, follow_links);
  // Every named path is a root before any folder is walked: a link in the
  // first may lead into the second.
  for (const std::string& arg : paths) w.add_root(arg);
  for (const std::string& arg : paths) w.named(arg);
  return out;
}

}  // namespace pipeline
