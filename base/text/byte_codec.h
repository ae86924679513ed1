// Values as bytes and back: integers as LEB128 varints (zigzag for signed),
// strings as a length and their bytes. The reader never trusts what it reads:
// a count past the bytes left, a bad enum value or a cut-short string is a
// DecodeError naming where, and the memory taken for what is decoded is
// charged against a budget. The base of the finding codec (scan's findings
// past memory, batch shards) and of the parsed-rule cache.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace text {

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ByteWriter {
 public:
  std::string out;

  void varint(uint64_t v);
  void u64(uint64_t v);  // 8 bytes, little endian
  void svarint(int64_t v);
  void string(std::string_view v);
  void strings(const std::vector<std::string>& v);
};

class ByteReader {
 public:
  // `name` opens every message ("FILE: "); `budget`: the most memory decoding may take.
  ByteReader(std::string_view bytes, std::string name, size_t budget);

  // Memory about to be taken for what is decoded: within the budget, or fails.
  void charge(size_t bytes);
  size_t used() const { return used_; }
  // Throws DecodeError: "NAME" WHAT " at offset N".
  [[noreturn]] void fail(const std::string& what) const;
  bool done() const { return at_ == b_.size(); }
  size_t offset() const { return at_; }
  // The bytes (for a caller that checks its own framing), and moving in them.
  std::string_view& bytes() { return b_; }
  void seek(size_t at) { at_ = at; }

  uint64_t varint();
  int64_t svarint();
  uint64_t u64();  // 8 bytes, little endian
  // A count of items each at least one byte long: never more than the bytes
  // left; `item` bytes of memory each are charged.
  size_t count(size_t item = 0);
  std::string string();
  std::vector<std::string> strings();
  template <typename Enum>
  Enum small(uint64_t max, const char* what) {
    uint64_t v = varint();
    if (v > max) fail(std::string("a bad ") + what);
    return static_cast<Enum>(v);
  }

 private:
  std::string_view b_;
  std::string name_;
  size_t at_ = 0;
  size_t budget_, used_ = 0;
};

}  // namespace text
