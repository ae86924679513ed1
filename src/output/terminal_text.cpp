#include "output/terminal_text.h"

#include <cstdint>
#include <cstdio>

#include "evtx/value.h"

namespace output {
namespace {

void hex_byte(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

}  // namespace

std::string terminal_text(std::string_view s, bool keep_layout) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && !(keep_layout && (c == '\t' || c == '\n'))) || c == 0x7f)
        hex_byte(out, c);
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = evtx::utf8_sequence(s, i, cp);
    if (len == 0) {  // not UTF-8: the byte, visibly
      hex_byte(out, c);
      ++i;
    } else if (cp <= 0x9f) {  // C1 control
      hex_byte(out, static_cast<unsigned char>(cp));
      i += len;
    } else if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "<U+%04X>", static_cast<unsigned>(cp));
      out += buf;
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace output
