#include "text/byte_codec.h"

#include "text/varint.h"

namespace text {

void ByteWriter::varint(uint64_t v) { put_varint(out, v); }

void ByteWriter::u64(uint64_t v) {
  for (int k = 0; k < 8; ++k) out += static_cast<char>(v >> (8 * k));
}

void ByteWriter::svarint(int64_t v) { varint(zigzag(v)); }

void ByteWriter::string(std::string_view v) {
  varint(v.size());
  out.append(v);
}

void ByteWriter::strings(const std::vector<std::string>& v) {
  varint(v.size());
  for (const std::string& x : v) string(x);
}

ByteReader::ByteReader(std::string_view bytes, std::string name, size_t budget)
    : b_(bytes), name_(std::move(name)), budget_(budget) {}

void ByteReader::charge(size_t bytes) {
  if (bytes > budget_ - used_) fail("more in memory than its size can hold (a crafted count?)");
  used_ += bytes;
}

void ByteReader::fail(const std::string& what) const {
  throw DecodeError(name_ + what + " at offset " + std::to_string(at_));
}

uint64_t ByteReader::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at_ >= b_.size()) fail("cut short");
    auto c = static_cast<uint8_t>(b_[at_++]);
    v |= uint64_t(c & 0x7f) << shift;
    if (!(c & 0x80)) return v;
  }
  fail("an integer longer than 64 bits");
}

uint64_t ByteReader::u64() {
  if (b_.size() - at_ < 8) fail("cut short");
  uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v |= uint64_t(static_cast<uint8_t>(b_[at_ + k])) << (8 * k);
  at_ += 8;
  return v;
}

int64_t ByteReader::svarint() { return unzigzag(varint()); }

size_t ByteReader::count(size_t item) {
  uint64_t n = varint();
  if (n > b_.size() - at_) fail("a count past the end");
  charge(static_cast<size_t>(n) * item);
  return static_cast<size_t>(n);
}

std::string ByteReader::string() {
  size_t n = count(1);
  std::string v(b_.substr(at_, n));
  at_ += n;
  return v;
}

std::vector<std::string> ByteReader::strings() {
  std::vector<std::string> v(count(sizeof(std::string)));
  for (std::string& x : v) x = string();
  return v;
}

}  // namespace text
