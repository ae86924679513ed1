#include "rules/source_map.h"

#include <algorithm>

namespace rules {

SourceMap::SourceMap(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts_.push_back(i + 1);
}

std::pair<int, int> SourceMap::line_col(size_t pos) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
  size_t line = static_cast<size_t>(it - line_starts_.begin());  // 1-based
  return {static_cast<int>(line), static_cast<int>(pos - line_starts_[line - 1] + 1)};
}

std::pair<int, int> SourceMap::locate(int mark_line, int mark_column, std::string_view value, size_t offset) const {
  if (mark_line < 0 || static_cast<size_t>(mark_line) >= line_starts_.size() || mark_column < 0) return {0, 0};
  const std::pair<int, int> fallback{mark_line + 1, mark_column + 1};
  size_t r = line_starts_[static_cast<size_t>(mark_line)] + static_cast<size_t>(mark_column);
  if (r >= text_.size()) return fallback;
  char quote = 0;
  if (text_[r] == '"' || text_[r] == '\'') {
    quote = text_[r];
    ++r;
  } else if (text_[r] == '|' || text_[r] == '>') {
    size_t nl = text_.find('\n', r);
    if (nl == std::string_view::npos) return fallback;
    r = nl + 1;
  }
  offset = std::min(offset, value.size());
  for (size_t v = 0; v < offset || (v == offset && v < value.size()); ++v) {
    const char c = value[v];
    for (;;) {
      if (r >= text_.size()) return fallback;
      const char rc = text_[r];
      if (rc == c) break;
      if (quote == '"' && rc == '\\') {  // an escape stands for one value character
        ++r;
        break;
      }
      if (rc == ' ' || rc == '\t' || rc == '\n' || rc == '\r') {
        ++r;
        continue;
      }
      return fallback;
    }
    if (v == offset) return line_col(r);
    if (quote == '\'' && c == '\'' && r + 1 < text_.size() && text_[r + 1] == '\'') ++r;  // '' is one quote
    ++r;
  }
  // offset == value.size(): just past the value's last character
  return line_col(std::min(r, text_.size()));
}

}  // namespace rules
