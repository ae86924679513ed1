// ASCII case: the folding every name comparison of evtxhunt uses (field names,
// channels, image names, log sources, formats). Only A-Z and a-z change; bytes
// of 0x80 and above are left as they are, whatever the locale, so a UTF-8
// value is never cut. The rule language's Unicode-aware folding
// (rules/text_match.h) is for the values KQL and rule expressions compare.
#pragma once

#include <string>
#include <string_view>

namespace text {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

inline void lower_in_place(std::string& s) {
  for (char& c : s) c = ascii_lower(c);
}

inline void upper_in_place(std::string& s) {
  for (char& c : s) c = ascii_upper(c);
}

// A lowercase copy.
inline std::string lowered(std::string_view s) {
  std::string out(s);
  lower_in_place(out);
  return out;
}

// Equal when ASCII case is ignored.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// `s` begins with `prefix`, ASCII case ignored.
constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace text
