#include "rules/text_match.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace rules {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool is_term_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
}

char32_t lower_cp(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c % 2 == 0) ? c + 1 : c;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

char32_t upper_cp(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c % 2 == 1) ? c - 1 : c;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 0) ? c - 1 : c;
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

// Decodes one UTF-8 sequence at s[i]; invalid bytes come back as themselves
// (flagged raw) so they are copied unchanged.
char32_t decode(std::string_view s, size_t& i, bool& raw) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  raw = false;
  if (b < 0x80) {
    ++i;
    return b;
  }
  size_t n = b >= 0xF8 ? 0 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (n == 0 || i + n >= s.size()) {
    raw = true;
    ++i;
    return b;
  }
  char32_t c = b & (0x3F >> n);
  for (size_t k = 1; k <= n; ++k) {
    unsigned char cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) {
      raw = true;
      ++i;
      return b;
    }
    c = (c << 6) | (cb & 0x3F);
  }
  i += n + 1;
  return c;
}

void encode(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

template <class Map>
std::string map_case(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool raw = false;
    size_t start = i;
    char32_t c = decode(s, i, raw);
    if (raw) {
      out.append(s.substr(start, i - start));
    } else {
      encode(map(c), out);
    }
  }
  return out;
}

}  // namespace

std::string fold_case(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
  }
  return map_case(s, lower_cp);
}

std::string upper_case(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
  }
  return map_case(s, upper_cp);
}

bool iequals(std::string_view s, std::string_view folded) {
  if (is_ascii(s)) {
    if (s.size() != folded.size()) return false;
    for (size_t k = 0; k < s.size(); ++k)
      if (ascii_lower(s[k]) != folded[k]) return false;
    return true;
  }
  return fold_case(s) == folded;
}

bool icontains(std::string_view s, std::string_view folded) {
  if (folded.empty()) return true;
  if (is_ascii(s)) {
    if (folded.size() > s.size()) return false;
    for (size_t p = 0; p + folded.size() <= s.size(); ++p) {
      size_t k = 0;
      while (k < folded.size() && ascii_lower(s[p + k]) == folded[k]) ++k;
      if (k == folded.size()) return true;
    }
    return false;
  }
  return fold_case(s).find(folded) != std::string::npos;
}

bool istarts_with(std::string_view s, std::string_view folded) {
  if (is_ascii(s)) {
    if (folded.size() > s.size()) return false;
    for (size_t k = 0; k < folded.size(); ++k)
      if (ascii_lower(s[k]) != folded[k]) return false;
    return true;
  }
  return fold_case(s).starts_with(folded);
}

bool iends_with(std::string_view s, std::string_view folded) {
  if (is_ascii(s)) {
    if (folded.size() > s.size()) return false;
    size_t off = s.size() - folded.size();
    for (size_t k = 0; k < folded.size(); ++k)
      if (ascii_lower(s[off + k]) != folded[k]) return false;
    return true;
  }
  return fold_case(s).ends_with(folded);
}

bool has_term(std::string_view s, std::string_view needle, bool case_sensitive) {
  if (needle.empty()) return true;
  std::string folded_storage;
  if (!case_sensitive) {
    folded_storage = fold_case(s);
    s = folded_storage;
  }
  bool open_start = !is_term_char(needle.front());
  bool open_end = !is_term_char(needle.back());
  for (size_t p = s.find(needle); p != std::string_view::npos; p = s.find(needle, p + 1)) {
    size_t end = p + needle.size();
    bool start_ok = open_start || p == 0 || !is_term_char(s[p - 1]);
    bool end_ok = open_end || end == s.size() || !is_term_char(s[end]);
    if (start_ok && end_ok) return true;
  }
  return false;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace rules
