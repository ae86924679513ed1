// BinXML value types and their text rendering, as Windows renders event XML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evtx {

enum class ValueType : uint8_t {
  Null = 0x00,
  String = 0x01,      // UTF-16LE
  AnsiString = 0x02,  // 8-bit
  Int8 = 0x03,
  UInt8 = 0x04,
  Int16 = 0x05,
  UInt16 = 0x06,
  Int32 = 0x07,
  UInt32 = 0x08,
  Int64 = 0x09,
  UInt64 = 0x0a,
  Real32 = 0x0b,
  Real64 = 0x0c,
  Bool = 0x0d,  // 32-bit, any non-zero is true
  Binary = 0x0e,
  Guid = 0x0f,
  SizeT = 0x10,  // 4 or 8 bytes, rendered in hex
  FileTime = 0x11,
  SysTime = 0x12,
  Sid = 0x13,
  HexInt32 = 0x14,
  HexInt64 = 0x15,
  EvtHandle = 0x20,
  BinXml = 0x21,  // nested BinXML fragment
  EvtXml = 0x23,
  // Not a BinXML type: text already decoded to UTF-8 (XML exports, libevtx output).
  Utf8 = 0x7f,
};

constexpr uint8_t kArrayFlag = 0x80;

// A value as it lies in the chunk (or in a reader's buffer): type byte
// (ValueType, possibly | kArrayFlag) and raw little-endian bytes, not owned.
struct RawValue {
  uint8_t type = 0;
  uint32_t size = 0;
  const uint8_t* data = nullptr;

  ValueType base_type() const { return static_cast<ValueType>(type & 0x7f); }
  bool is_array() const { return (type & kArrayFlag) != 0 && type != static_cast<uint8_t>(ValueType::Utf8); }
  bool is_null() const { return type == 0 || (size == 0 && base_type() != ValueType::Utf8); }

  static RawValue utf8(std::string_view s) {
    return {static_cast<uint8_t>(ValueType::Utf8), static_cast<uint32_t>(s.size()),
            reinterpret_cast<const uint8_t*>(s.data())};
  }
};

// The 8- to 64-bit integer types (JSON numbers; the same text in JSON and XML).
bool is_integer_type(ValueType t);

// Byte size of a value of a fixed-size type; 0 for the variable-size types
// (strings, binary, SID, BinXML) and SizeT (4 or 8 by the writer's platform).
uint32_t fixed_value_size(ValueType t);

// Appends the value's text as Windows renders it in event XML (not escaped).
// Arrays are joined with ", ". BinXml values render as nothing here: the tree
// builder expands them into elements.
void append_value_text(std::string& out, const RawValue& v);

// Same, for one element of an array or a scalar, with GUIDs in braces or not.
struct TextStyle {
  bool guid_braces = true;
};
void append_value_text(std::string& out, const RawValue& v, TextStyle style);

// Appends the value as a JSON value in the Rust evtx_dump convention:
// integers and reals as numbers, bool as true/false, null as null, arrays as
// arrays, everything else as a string (GUIDs without braces, hex as 0x..).
void append_value_json(std::string& out, const RawValue& v);

// The items of an array value as scalar values (pointing into v's bytes).
void split_array(const RawValue& v, std::vector<RawValue>& items);

// Appends UTF-16LE text (count code units) as UTF-8. Unpaired surrogates
// become U+FFFD.
void append_utf16(std::string& out, const uint8_t* p, size_t units);

// A string value (UTF-16LE, bytes long, trailing NULs dropped) appended as a
// JSON string literal, or as XML text (attr: also quotes escaped), in one
// pass: what append_value_json / append_value_xml write for it.
void append_json_utf16(std::string& out, const uint8_t* p, size_t bytes);
void append_xml_utf16(std::string& out, const uint8_t* p, size_t bytes, bool attr);

// The value's text escaped for XML (attr: also quotes): append_value_text,
// then append_xml_escaped.
void append_value_xml(std::string& out, const RawValue& v, bool attr);

// Appends s escaped for XML text (attr: also quotes).
void append_xml_escaped(std::string& out, std::string_view s, bool attr);
// An element, attribute or processing-instruction name as XML allows it: a
// name from the record that is not an XML Name (a crafted "a><Event" would
// forge markup) has each byte that may not stand there replaced by '_'
// ("" becomes "_"). Bytes >= 0x80 (non-ASCII UTF-8) are name characters.
void append_xml_name(std::string& out, std::string_view name);
// The length of the UTF-8 sequence at s[i] and its code point (cp); 0 when
// the bytes there are not UTF-8 (a stray byte, a cut or overlong sequence, a
// surrogate, past U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp);

// Appends s as a JSON string literal (with quotes). Always valid UTF-8 JSON:
// bytes that are not UTF-8 (a file name's raw bytes) become U+FFFD, and the
// code points that would change a terminal's display unseen (C1 controls,
// bidirectional overrides and isolates) are written \uXXXX, as by the
// UTF-16 writers (append_json_utf16).
void append_json_string(std::string& out, std::string_view s);

// FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO 8601 UTC with the
// given number of fraction digits (0..7).
void append_filetime_iso(std::string& out, uint64_t filetime, int fraction_digits);
std::string filetime_iso(uint64_t filetime, int fraction_digits = 7);

// "2019-04-30T20:35:11.856Z" or Sysmon's "2019-04-30 20:35:11.856" (UTC, any
// number of fraction digits) as FILETIME; nullopt when it is not such a time.
std::optional<uint64_t> parse_iso_filetime(std::string_view text);

}  // namespace evtx
