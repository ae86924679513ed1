#include "text/glob.h"

#include <cstdio>

namespace text {
namespace {

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Characters written as themselves in a regular expression; the others as \xHH.
bool regex_safe(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  static constexpr std::string_view kSafe = " _,:-=@%<>'\"!#&;~`";
  return kSafe.find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

bool glob_match(std::string_view g, std::string_view t, bool cased) {
  size_t gi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (gi < g.size() && g[gi] == '*') {
      star = gi++;
      mark = ti;
      continue;
    }
    if (gi < g.size()) {
      char gc = g[gi];
      size_t step = 1;
      bool wild = false;
      if (gc == '\\' && gi + 1 < g.size()) {
        gc = g[gi + 1];
        step = 2;
      } else if (gc == '?') {
        wild = true;
      }
      if (wild || (cased ? gc == t[ti] : fold(gc) == fold(t[ti]))) {
        gi += step;
        ++ti;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    gi = star + 1;
    ti = ++mark;
  }
  while (gi < g.size() && g[gi] == '*') ++gi;
  return gi == g.size();
}

std::string canonical_glob(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    size_t n = 0;
    while (i + n < s.size() && s[i + n] == '\\') ++n;
    char next = i + n < s.size() ? s[i + n] : '\0';
    if (next == '*' || next == '?') {
      for (size_t k = 0; k < n / 2; ++k) out += "\\\\";  // escaped backslashes
      if (n % 2) {
        out += '\\';  // the wildcard itself is escaped
        out += next;
        i += n + 1;
      } else {
        i += n;  // the wildcard stays a wildcard
      }
    } else {
      for (size_t k = 0; k < (n + 1) / 2; ++k) out += "\\\\";  // \ and \\ are one backslash; \\\ and \\\\ two
      i += n;
    }
  }
  return out;
}

std::string glob_literal(std::string_view g) {
  std::string out;
  for (size_t i = 0; i < g.size(); ++i) {
    if (g[i] == '\\' && i + 1 < g.size()) ++i;
    out += g[i];
  }
  return out;
}

std::string escape_glob(std::string_view plain) {
  std::string out;
  for (char c : plain) {
    if (c == '\\' || c == '*' || c == '?') out += '\\';
    out += c;
  }
  return out;
}

std::optional<GlobLiteral> glob_as_literal(std::string_view g) {
  size_t begin = 0, end = g.size();
  bool lead = false, trail = false;
  while (begin < end && g[begin] == '*') {
    lead = true;
    ++begin;
  }
  GlobLiteral lit;
  for (size_t i = begin; i < end; ++i) {
    char c = g[i];
    if (c == '\\' && i + 1 < end) {
      lit.text += g[++i];
      continue;
    }
    if (c == '?') return std::nullopt;
    if (c == '*') {
      size_t j = i;
      while (j < end && g[j] == '*') ++j;
      if (j != end) return std::nullopt;  // an inner star
      trail = true;
      break;
    }
    lit.text += c;
  }
  lit.anchor = lead && trail ? Anchor::None : trail ? Anchor::Prefix : lead ? Anchor::Suffix : Anchor::Exact;
  if (lead && !trail && lit.text.empty()) lit.anchor = Anchor::None;  // "*"
  return lit;
}

std::string glob_regex(std::string_view g) {
  size_t begin = 0, end = g.size();
  bool lead = false, trail = false;
  while (begin < end && g[begin] == '*') {
    lead = true;
    ++begin;
  }
  // Trailing stars, unless escaped.
  while (end > begin && g[end - 1] == '*') {
    size_t backslashes = 0;
    for (size_t k = end - 1; k > begin && g[k - 1] == '\\'; --k) ++backslashes;
    if (backslashes % 2) break;
    trail = true;
    --end;
  }
  std::string out = lead ? "" : "^";
  bool any = false;
  for (size_t i = begin; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(g[i]);
    if (c == '\\' && i + 1 < end) {
      c = static_cast<unsigned char>(g[++i]);
    } else if (c == '*') {
      out += ".*";
      continue;
    } else if (c == '?') {
      out += '.';
      any = true;
      continue;
    }
    any = true;
    if (regex_safe(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (!any && lead) return "";  // "*", "**": any text
  if (!trail) out += "\\z";
  return out;
}

size_t glob_literal_bytes(std::string_view g) {
  size_t n = 0;
  for (char c : g) n += c != '*' && c != '?' && c != '\\';
  return n;
}

}  // namespace text
