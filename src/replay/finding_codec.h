// A finding as bytes and back, lossless: every field the output formats and
// the cross-host pass read (its links, set by that pass, are not kept). Used
// by scan's findings past memory (scan_findings.h) and by the shards of a
// batch scan (batch/shard.h).
//
// Integers are LEB128 varints (zigzag for signed), strings a length and their
// bytes. The reader never trusts a count or index it reads: a count past the
// bytes left, a bad enum value or a cut-short string is a FindingCodecError
// naming where; memory taken for what is decoded is charged against a budget.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "replay/finding.h"

namespace replay {

struct FindingCodecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FindingWriter {
 public:
  std::string out;

  void u(uint64_t v);
  void i(int64_t v);
  void s(std::string_view v);
  void strings(const std::vector<std::string>& v);
  void value(const norm::FieldValue& v);
  void event(const norm::NormalizedEvent& e);
  void link_end(const LinkEnd& l);
  // A finding without its links (a linked one is refused: FindingCodecError).
  void finding(const Finding& f);
};

class FindingReader {
 public:
  // `name` for messages (a file); `budget`: the most memory decoding may take.
  FindingReader(std::string_view bytes, std::string name, size_t budget);

  // Memory about to be taken for what is decoded: within the budget, or fails.
  void charge(size_t bytes);
  size_t used() const { return used_; }
  // Throws FindingCodecError: "NAME: WHAT at offset N".
  [[noreturn]] void fail(const std::string& what) const;
  bool done() const { return at_ == b_.size(); }
  size_t offset() const { return at_; }
  // The bytes not read yet (for a caller that checks its own framing).
  std::string_view& bytes() { return b_; }
  void seek(size_t at) { at_ = at; }

  uint64_t u();
  int64_t i();
  // A count of items each at least one byte long: never more than the bytes
  // left; `item` bytes of memory each are charged.
  size_t count(size_t item = 0);
  std::string s();
  std::vector<std::string> strings();
  template <typename Enum>
  Enum small(uint64_t max, const char* what) {
    uint64_t v = u();
    if (v > max) fail(std::string("a bad ") + what);
    return static_cast<Enum>(v);
  }
  norm::FieldValue value();
  std::shared_ptr<const norm::NormalizedEvent> event();
  LinkEnd link_end();
  Finding finding();

 private:
  std::string_view b_;
  std::string name_;
  size_t at_ = 0;
  size_t budget_, used_ = 0;
};

}  // namespace replay
