// yaml-cpp 0.7 (Debian 12's) loops forever on a ',' that stands in block
// context outside any scalar (",", "\"x\",", "key: ,"): fuzzing found it with a
// 17-byte rule file. Such a comma is never valid YAML (a plain scalar cannot
// start with ',', and nothing may follow a complete node on its line), so the
// loaders refuse the text before yaml-cpp sees it. Header-only: the project's
// rule loader, the Sigma loader and the CLI's rule classification use it.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace yaml {

// The 1-based line and column of the first such comma, if any. Tracks flow
// collections ([ ] { }), quoted scalars, comments and block scalars (| >),
// whose content lines may hold anything.
inline std::optional<std::pair<int, int>> stray_comma(std::string_view t) {
  int depth = 0, line = 1;
  size_t line_start = 0;
  bool node_start = true;     // a node may begin here: line start, after "key: ", "- ", "? ", '[', '{', or ',' in flow
  bool after_quoted = false;  // right after a quoted scalar on this line
  auto indent_at = [&](size_t from) {
    size_t k = from;
    while (k < t.size() && t[k] == ' ') ++k;
    return k - from;
  };
  auto separated = [&](size_t k) {  // the character after k is blank or the end
    return k + 1 >= t.size() || t[k + 1] == ' ' || t[k + 1] == '\t' || t[k + 1] == '\n' || t[k + 1] == '\r';
  };
  size_t block_indent = std::string_view::npos;  // a block scalar's header line's indentation
  size_t plain_indent = std::string_view::npos;  // inside a plain scalar: the indentation of its first line
  size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      node_start = true;
      after_quoted = false;
      if (block_indent != std::string_view::npos) {
        // The block scalar's content: blank lines and lines indented deeper than its header.
        while (i < t.size()) {
          size_t ind = indent_at(i);
          bool blank = i + ind >= t.size() || t[i + ind] == '\n' || t[i + ind] == '\r';
          if (!blank && ind <= block_indent) break;
          size_t nl = t.find('\n', i);
          if (nl == std::string_view::npos) return std::nullopt;
          ++line;
          i = line_start = nl + 1;
        }
        block_indent = std::string_view::npos;
      }
      // A plain scalar goes on over lines indented deeper than the line it began on.
      if (plain_indent != std::string_view::npos && indent_at(i) > plain_indent)
        node_start = false;
      else
        plain_indent = std::string_view::npos;
      continue;
    }
    // A NUL is no YAML character and starts no scalar (yaml-cpp hangs on "\0,"
    // as on ","): skipped like a blank.
    if (c == ' ' || c == '\t' || c == '\r' || c == '\0') {
      ++i;
      continue;
    }
    if (c == '#' && (i == line_start || t[i - 1] == ' ' || t[i - 1] == '\t')) {
      plain_indent = std::string_view::npos;  // a comment ends a plain scalar: the next line cannot go on with it
      size_t nl = t.find('\n', i);
      i = nl == std::string_view::npos ? t.size() : nl;
      continue;
    }
    if ((c == '"' || c == '\'') && node_start) {
      plain_indent = std::string_view::npos;
      size_t j = i + 1;  // a quoted scalar, possibly over several lines
      while (j < t.size()) {
        if (c == '"' && t[j] == '\\') {
          j += 2;
          continue;
        }
        if (t[j] == c) {
          if (c == '\'' && j + 1 < t.size() && t[j + 1] == '\'') {
            j += 2;
            continue;
          }
          break;
        }
        if (t[j] == '\n') {
          ++line;
          line_start = j + 1;
        }
        ++j;
      }
      i = j + 1;
      node_start = false;
      after_quoted = true;
      continue;
    }
    if ((c == '!' || c == '&') && node_start && depth == 0) {
      // A tag or an anchor: the node comes after it (yaml-cpp hangs on "!t," too).
      size_t j = i;
      while (j < t.size() && t[j] != ' ' && t[j] != '\t' && t[j] != '\n' && t[j] != '\r') {
        if (t[j] == ',') return std::make_pair(line, static_cast<int>(j - line_start) + 1);
        ++j;
      }
      i = j;
      continue;
    }
    if (c == ',' && depth == 0 && (node_start || after_quoted))
      return std::make_pair(line, static_cast<int>(i - line_start) + 1);
    if ((c == '|' || c == '>') && depth == 0 && node_start) block_indent = indent_at(line_start);
    after_quoted = false;
    if (c == '[' || c == '{') {
      ++depth;
      node_start = true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
      node_start = false;
    } else if (c == ',' && depth > 0) {
      node_start = true;
    } else if ((c == ':' && separated(i)) || ((c == '-' || c == '?') && node_start && separated(i))) {
      node_start = true;
      plain_indent = std::string_view::npos;
    } else {
      if (node_start && depth == 0) plain_indent = indent_at(line_start);
      node_start = false;  // plain scalar text: a comma after it belongs to it
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace yaml
