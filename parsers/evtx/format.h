// The EVTX on-disk format in one place: signatures, the file header, chunk
// header and record frame layouts (byte offsets), the name and template
// definition structures, the BinXML tokens, and the one little-endian loader
// every reader and the writer use. Sources: [MS-EVEN6] 3.1.4.7 (BinXML), the
// libevtx format documentation (file and chunk headers) and real files of the
// shared corpus.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace evtx {

static_assert(std::endian::native == std::endian::little, "EVTX is little-endian; the loaders assume the host is too");

// A little-endian value of type T at p (any alignment).
template <class T>
inline T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// ---------------------------------------------------------------------------
// File: a 4096-byte header, then 64 KiB chunks.

constexpr size_t kFileHeaderSize = 4096;
constexpr size_t kChunkSize = 65536;
inline constexpr uint8_t kFileSignature[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};

// True if p (at least 8 bytes) starts with the file signature.
inline bool is_file_signature(const uint8_t* p) { return std::memcmp(p, kFileSignature, 8) == 0; }

namespace file_header {
constexpr size_t kFirstChunk = 8;     // u64 first chunk number
constexpr size_t kLastChunk = 16;     // u64 last chunk number
constexpr size_t kNextRecordId = 24;  // u64
constexpr size_t kHeaderSize = 32;    // u32, 128
constexpr size_t kMinorVersion = 36;  // u16, 1
constexpr size_t kMajorVersion = 38;  // u16, 3
constexpr size_t kBlockSize = 40;     // u16, 4096
constexpr size_t kChunkCount = 42;    // u16
constexpr size_t kFlags = 120;        // u32: 1 dirty, 2 full
constexpr size_t kChecksum = 124;     // u32: CRC32 of bytes [0, kChecksummed)
constexpr size_t kChecksummed = 120;
constexpr size_t kUsed = 128;  // bytes that carry data; the rest is zero
constexpr uint32_t kHeaderSizeValue = 128;
}  // namespace file_header

// ---------------------------------------------------------------------------
// Chunk: a 512-byte header (string and template hash tables included), then
// records.

inline constexpr uint8_t kChunkSignature[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', 0};

namespace chunk_header {
constexpr uint32_t kSize = 512;
constexpr size_t kFirstRecordNumber = 8;  // u64
constexpr size_t kLastRecordNumber = 16;  // u64
constexpr size_t kFirstRecordId = 24;     // u64
constexpr size_t kLastRecordId = 32;      // u64
constexpr size_t kHeaderSize = 40;        // u32, 128
constexpr size_t kLastRecordOffset = 44;  // u32
constexpr size_t kFreeSpaceOffset = 48;   // u32: end of the records
constexpr size_t kRecordsChecksum = 52;   // u32: CRC32 of [kSize, free space offset)
constexpr size_t kChecksum = 124;         // u32: CRC32 of [0, 120) then [128, kSize)
constexpr size_t kChecksumGap = 120;      // bytes 120..128 are outside the header CRC
constexpr size_t kNameTable = 128;        // u32 x kNameBuckets: first name of each hash bucket
constexpr size_t kTemplateTable = 384;    // u32 x kTemplateBuckets: first template of each bucket
constexpr size_t kNameBuckets = 64;
constexpr size_t kTemplateBuckets = 32;
constexpr uint32_t kHeaderSizeValue = 128;
}  // namespace chunk_header

// ---------------------------------------------------------------------------
// Record frame: signature, size, id, written time, BinXML, size again.

inline constexpr uint8_t kRecordSignature[4] = {0x2a, 0x2a, 0x00, 0x00};
constexpr uint32_t kRecordSignatureValue = 0x00002a2a;

namespace record_header {
constexpr uint32_t kSize = 24;        // header bytes before the BinXML
constexpr size_t kRecordSize = 4;     // u32: whole record, header and trailer included
constexpr size_t kRecordId = 8;       // u64
constexpr size_t kWrittenTime = 16;   // u64 FILETIME
constexpr uint32_t kTrailerSize = 4;  // u32 copy of the size at the record's end
}  // namespace record_header

// ---------------------------------------------------------------------------
// Chunk-level structures that BinXML refers to by chunk offset.

// Name: next name in its bucket (4), hash (2), length in UTF-16 units (2),
// the units, NUL (2).
namespace name_def {
constexpr uint32_t kHash = 4;
constexpr uint32_t kUnits = 6;
constexpr uint32_t kText = 8;
constexpr uint32_t kTerminator = 2;
}  // namespace name_def

// The hash Windows stores for a name (its low 16 bits) and uses for the hash
// table buckets: h = h * 65599 + unit over the UTF-16 units.
inline uint32_t name_hash(const uint8_t* utf16le, size_t units) {
  uint32_t h = 0;
  for (size_t i = 0; i < units; ++i) h = h * 65599u + load<uint16_t>(utf16le + 2 * i);
  return h;
}

// Template definition: next definition in its bucket (4), GUID (16), body
// size (4), body (a BinXML fragment).
namespace template_def {
constexpr uint32_t kGuid = 4;
constexpr uint32_t kBodySize = 20;
constexpr uint32_t kBody = 24;
}  // namespace template_def

// Structures are only ever at or after the chunk header.
constexpr uint32_t kFirstStructureOffset = chunk_header::kSize;

// ---------------------------------------------------------------------------
// BinXML ([MS-EVEN6] 3.1.4.7.1). A token byte's 0x40 bit is the "more data"
// flag: an element with attributes, an attribute followed by another.

enum class Token : uint8_t {
  EndOfFragment = 0x00,
  OpenStartElement = 0x01,
  CloseStartElement = 0x02,
  CloseEmptyElement = 0x03,
  EndElement = 0x04,
  Value = 0x05,
  Attribute = 0x06,
  CDataSection = 0x07,
  CharRef = 0x08,
  EntityRef = 0x09,
  PITarget = 0x0a,
  PIData = 0x0b,
  TemplateInstance = 0x0c,
  NormalSubstitution = 0x0d,
  OptionalSubstitution = 0x0e,
  FragmentHeader = 0x0f,
};
constexpr uint8_t kTokenMoreFlag = 0x40;

constexpr Token token_of(uint8_t byte) { return static_cast<Token>(byte & ~kTokenMoreFlag); }
constexpr bool has_more_flag(uint8_t byte) { return (byte & kTokenMoreFlag) != 0; }
constexpr uint8_t token_byte(Token t, bool more = false) {
  return static_cast<uint8_t>(static_cast<uint8_t>(t) | (more ? kTokenMoreFlag : 0));
}

// The fragment header: token, major 1, minor 1, flags 0.
inline constexpr uint8_t kFragmentHeader[4] = {token_byte(Token::FragmentHeader), 1, 1, 0};
constexpr uint32_t kFragmentHeaderSize = 4;

// Template instance: token, unknown byte (1), template id (4), definition
// offset (4), [inline definition], value count (4), descriptors, values.
constexpr uint8_t kTemplateInstanceVersion = 1;
// Each value descriptor: size (2), type (1), padding (1).
namespace value_descriptor {
constexpr uint32_t kSize = 0;
constexpr uint32_t kType = 2;
constexpr uint32_t kLength = 4;
}  // namespace value_descriptor

// OpenStartElement in a template body carries a dependency id (2) before the
// element size; 0xffff: none.
constexpr uint16_t kNoDependency = 0xffff;

// Template definitions are put in bucket name_hash(GUID as 8 UTF-16 units) %
// kTemplateBuckets, names in name_hash(name) % kNameBuckets.
constexpr size_t kGuidUnits = 8;

}  // namespace evtx
