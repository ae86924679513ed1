// Damage found while reading: reported and counted, never fatal to the scan.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace evtx {

enum class ProblemKind : uint8_t {
  HeaderCrcMismatch,   // file header CRC32 differs (file still read)
  HeaderInconsistent,  // header fields disagree with the file (stale chunk count, bad sizes)
  ChunkBadMagic,       // a 64 KiB slot that is not a chunk (skipped; zero slots are not reported)
  ChunkHeaderCrcMismatch,
  ChunkDataCrcMismatch,
  ChunkHeaderInvalid,  // impossible offsets in the chunk header (records walked anyway)
  RecordDamaged,       // record skipped: resynchronised on the next record signature
  BinXmlDamaged,       // record read, but its BinXML could not be fully decoded
  TruncatedFile,       // trailing bytes shorter than a chunk
};

const char* problem_kind_name(ProblemKind k);

struct Problem {
  ProblemKind kind;
  int64_t chunk = -1;   // chunk index in the file, -1 for the file header
  uint64_t offset = 0;  // byte offset in the file
  std::string message;
};

// Raised by EvtxFile when a file cannot be read at all.
class FileError : public std::runtime_error {
 public:
  enum class Kind { CannotOpen, NotEvtx };
  FileError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace evtx
