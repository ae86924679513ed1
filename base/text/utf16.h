// UTF-8 text as UTF-16LE, the encoding of every string in an EVTX file and of
// Sigma's |utf16 modifiers. Invalid UTF-8 (a stray continuation byte, a
// cut-short or overlong sequence, a surrogate, a code point past U+10FFFF)
// is never copied: its first byte becomes U+FFFD and reading goes on at the
// next byte, so the output is always valid UTF-16.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace text {

// Appends `utf8` as UTF-16LE (no terminator); returns the code units appended.
size_t append_utf16le(std::string& out, std::string_view utf8);

// `utf8` as UTF-16LE, and as UTF-16BE (each code unit's two bytes swapped).
std::string utf16le(std::string_view utf8);
std::string utf16be(std::string_view utf8);

}  // namespace text
