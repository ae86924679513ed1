// Text as lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace support {

// Splits text into lines (without the '\n'); a trailing newline ends the last line.
inline std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace support
