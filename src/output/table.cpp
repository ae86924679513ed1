#include "output/table.h"
#include "output/format.h"
#include "output/terminal_text.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace output {

size_t last_column_width(const TableStyle& style, size_t others) {
  size_t used = time_width() + 1 + others;
  return style.width > used + 10 ? style.width - used : 10;
}

size_t terminal_width() {
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    long n = std::strtol(c, nullptr, 10);
    if (n > 20) return static_cast<size_t>(n);
  }
  return 200;
}

void append_cell(std::string& out, std::string_view cell, size_t width, bool last) {
  const std::string shown = terminal_text(cell);  // controls shown, never obeyed
  std::string_view s = shown;
  size_t points = 0, i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = s.size() - i;
    if (points + 1 == width && i + len < s.size()) {
      out += "\xE2\x80\xA6";  // …
      ++points;
      break;
    }
    if (points >= width) break;
    out.append(s.substr(i, len));
    ++points;
    i += len;
  }
  if (!last) {
    for (; points < width; ++points) out += ' ';
    out += ' ';
  }
}

namespace {

// The terminal colour of a level (SGR parameters).
const char* level_colour(rules::Level l) {
  switch (l) {
    case rules::Level::Critical: return "1;31";
    case rules::Level::High: return "31";
    case rules::Level::Medium: return "33";
    case rules::Level::Low: return "32";
    case rules::Level::Informational: return "36";
  }
  return "36";
}

}  // namespace

void append_level(std::string& out, std::optional<rules::Level> level, size_t width, bool colour) {
  std::string_view name = level ? rules::level_name(*level) : "";
  if (colour && level) (out += "\x1b[") += std::string(level_colour(*level)) + "m";
  append_cell(out, name, width, true);
  if (colour && level) out += "\x1b[0m";
  for (size_t n = name.size(); n <= width; ++n) out += ' ';
}

}  // namespace output
