// A finding as bytes and back, lossless: every field the output formats and
// the cross-host pass read (its links, set by that pass, are not kept). Used
// by scan's findings past memory (scan_findings.h) and by the shards of a
// batch scan (batch/shard.h).
//
// Values are written as text/byte_codec.h writes them; the reader never
// trusts a count or index it reads (a FindingCodecError naming where).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "replay/finding.h"
#include "text/byte_codec.h"

namespace replay {

using FindingCodecError = text::DecodeError;

class FindingWriter : public text::ByteWriter {
 public:
  void value(const normalize::FieldValue& v);
  void event(const normalize::NormalizedEvent& e);
  void link_end(const LinkEnd& l);
  // A finding without its links (a linked one is refused: FindingCodecError).
  void finding(const Finding& f);
};

class FindingReader : public text::ByteReader {
 public:
  using ByteReader::ByteReader;

  normalize::FieldValue value();
  std::shared_ptr<const normalize::NormalizedEvent> event();
  LinkEnd link_end();
  Finding finding();
};

}  // namespace replay
