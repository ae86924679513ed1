// Integers as LEB128 varints (7 bits a byte, low first; zigzag for signed):
// the one encoding of byte_codec (shards, rule caches) and of the event
// store's compact events.
#pragma once

#include <cstdint>
#include <string>

namespace text {

inline void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Reads bytes put_varint wrote, with no bounds check: only for bytes this
// process wrote itself (the event store's records); anything read from a file
// goes through text::ByteReader, which checks every byte.
inline uint64_t get_varint_unchecked(const uint8_t*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b = *p++;
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80) || shift >= 63) return v;
  }
}

constexpr uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
constexpr int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace text
