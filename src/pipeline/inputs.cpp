#include "pipeline/inputs.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <system_error>

namespace pipeline {
namespace {

namespace fs = std::filesystem;

enum class Kind { Evtx, Xml, Other, Unreadable };

// Looks at the first bytes: the ElfFile signature, or (after a BOM and
// whitespace, UTF-8 or UTF-16) an opening '<'.
Kind sniff(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Kind::Unreadable;
  char buf[512] = {};
  in.read(buf, sizeof buf);
  size_t n = static_cast<size_t>(in.gcount());
  if (n >= 8 && std::memcmp(buf, "ElfFile\0", 8) == 0) return Kind::Evtx;
  size_t i = 0, step = 1;
  if (n >= 3 && std::memcmp(buf, "\xEF\xBB\xBF", 3) == 0) i = 3;
  else if (n >= 2 && (std::memcmp(buf, "\xFF\xFE", 2) == 0)) { i = 2; step = 2; }
  else if (n >= 2 && (std::memcmp(buf, "\xFE\xFF", 2) == 0)) { i = 3; step = 2; }
  else if (n >= 2 && buf[0] != 0 && buf[1] == 0) step = 2;  // UTF-16LE without BOM
  else if (n >= 2 && buf[0] == 0 && buf[1] != 0) { i = 1; step = 2; }
  while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i += step;
  return i < n && buf[i] == '<' ? Kind::Xml : Kind::Other;
}

void add_file(const fs::path& p, Inputs& out) {
  switch (sniff(p)) {
    case Kind::Evtx: out.evtx.push_back(p); break;
    case Kind::Xml: out.xml.push_back(p); break;
    case Kind::Other: out.skipped.push_back({p, "not an EVTX file or XML event export"}); break;
    case Kind::Unreadable: out.skipped.push_back({p, "cannot open"}); break;
  }
}

}  // namespace

Inputs discover_inputs(const std::vector<std::string>& paths) {
  Inputs out;
  for (const std::string& arg : paths) {
    fs::path p(arg);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code fec;
        if (it->is_regular_file(fec)) files.push_back(it->path());
      }
      if (ec) out.skipped.push_back({p, "cannot list folder: " + ec.message()});
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) add_file(f, out);
    } else if (fs::is_regular_file(p, ec)) {
      add_file(p, out);
    } else {
      out.skipped.push_back({p, fs::exists(p, ec) ? "not a regular file or folder" : "no such file or folder"});
    }
  }
  return out;
}

}  // namespace pipeline
