// BinXML values as text: each ValueType as Windows renders it in event XML, as a JSON value in
// evtx_dump's convention, or escaped for XML; arrays split into their elements, and a value
// shorter than its type shown as hex. UTF-16 is converted four ASCII units at a time while none
// needs escaping; unpaired surrogates become U+FFFD, as do C0 controls other than tab and line
// breaks in XML text, and JSON writes C1 controls and bidi overrides as \uXXXX. Also FILETIME to
// and from ISO 8601. Used by the tree builder, the renderers and the writers that print values.
#include "evtx/value.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "evtx/format.h"

namespace evtx {

uint32_t fixed_value_size(ValueType t) {
  switch (t) {
    case ValueType::Int8:
    case ValueType::UInt8: return 1;
    case ValueType::Int16:
    case ValueType::UInt16: return 2;
    case ValueType::Int32:
    case ValueType::UInt32:
    case ValueType::Real32:
    case ValueType::Bool:
    case ValueType::HexInt32: return 4;
    case ValueType::Int64:
    case ValueType::UInt64:
    case ValueType::Real64:
    case ValueType::HexInt64:
    case ValueType::FileTime: return 8;
    case ValueType::Guid:
    case ValueType::SysTime: return 16;
    default: return 0;
  }
}

namespace {

const char kHexUpper[] = "0123456789ABCDEF";

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void append_i64(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void append_hex(std::string& out, uint64_t v) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  out += "0x";
  out.append(buf, r.ptr);
}
void append_double(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
// Days since 1970-01-01 to civil date (Howard Hinnant's algorithm).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

// Size of one element of a fixed-size type (SizeT: 8 or 4 by the value's
// size), 0 if the type is variable-size.
size_t fixed_size(ValueType t, size_t total) {
  if (t == ValueType::SizeT) return total % 8 == 0 && total >= 8 ? 8 : 4;
  return fixed_value_size(t);
}

void append_hex_be(char*& o, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) *o++ = kHexUpper[(v >> (4 * i)) & 15];
}

void append_guid(std::string& out, const uint8_t* p, bool braces) {
  char buf[40];
  char* o = buf;
  if (braces) *o++ = '{';
  append_hex_be(o, load<uint32_t>(p), 8);
  *o++ = '-';
  append_hex_be(o, load<uint16_t>(p + 4), 4);
  *o++ = '-';
  append_hex_be(o, load<uint16_t>(p + 6), 4);
  *o++ = '-';
  for (int i = 8; i < 16; ++i) {
    if (i == 10) *o++ = '-';
    *o++ = kHexUpper[p[i] >> 4];
    *o++ = kHexUpper[p[i] & 15];
  }
  if (braces) *o++ = '}';
  out.append(buf, static_cast<size_t>(o - buf));
}

void append_sid(std::string& out, const uint8_t* p, size_t size) {
  if (size < 8) {
    for (size_t i = 0; i < size; ++i) {
      out += kHexUpper[p[i] >> 4];
      out += kHexUpper[p[i] & 15];
    }
    return;
  }
  unsigned count = p[1];
  uint64_t authority = 0;
  for (int i = 2; i < 8; ++i) authority = (authority << 8) | p[i];
  out += "S-";
  append_u64(out, p[0]);
  out += '-';
  if (authority >= (1ull << 32)) {  // [MS-DTYP] 2.4.2.1: large authorities in hex
    char buf[16];
    char* o = buf;
    append_hex_be(o, authority, 12);
    out += "0x";
    out.append(buf, 12);
  } else {
    append_u64(out, authority);
  }
  for (unsigned i = 0; i < count && 8 + 4 * i + 4 <= size; ++i) {
    out += '-';
    append_u64(out, load<uint32_t>(p + 8 + 4 * i));
  }
}

void append_systime(std::string& out, const uint8_t* p) {
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", load<uint16_t>(p),
                        load<uint16_t>(p + 2), load<uint16_t>(p + 6), load<uint16_t>(p + 8), load<uint16_t>(p + 10),
                        load<uint16_t>(p + 12), load<uint16_t>(p + 14) % 1000u);
  out.append(buf, static_cast<size_t>(n));
}

// Length of a string value without trailing NUL characters.
size_t utf16_units(const uint8_t* p, size_t bytes) {
  size_t n = bytes / 2;
  while (n > 0 && p[2 * n - 2] == 0 && p[2 * n - 1] == 0) --n;
  return n;
}

// Renders one scalar element of type t.
void append_scalar(std::string& out, ValueType t, const uint8_t* p, size_t size, TextStyle style) {
  switch (t) {
    case ValueType::Null: return;
    case ValueType::String: append_utf16(out, p, utf16_units(p, size)); return;
    case ValueType::AnsiString: {
      size_t n = size;
      while (n > 0 && p[n - 1] == 0) --n;
      for (size_t i = 0; i < n; ++i) {
        unsigned char c = p[i];
        if (c < 0x80)
          out += static_cast<char>(c);
        else {
          out += static_cast<char>(0xc0 | (c >> 6));
          out += static_cast<char>(0x80 | (c & 0x3f));
        }
      }
      return;
    }
    case ValueType::Int8: append_i64(out, static_cast<int8_t>(p[0])); return;
    case ValueType::UInt8: append_u64(out, p[0]); return;
    case ValueType::Int16: append_i64(out, load<int16_t>(p)); return;
    case ValueType::UInt16: append_u64(out, load<uint16_t>(p)); return;
    case ValueType::Int32: append_i64(out, load<int32_t>(p)); return;
    case ValueType::UInt32: append_u64(out, load<uint32_t>(p)); return;
    case ValueType::Int64: append_i64(out, load<int64_t>(p)); return;
    case ValueType::UInt64: append_u64(out, load<uint64_t>(p)); return;
    case ValueType::Real32: append_double(out, load<float>(p)); return;
    case ValueType::Real64: append_double(out, load<double>(p)); return;
    case ValueType::Bool: out += load<uint32_t>(p) ? "true" : "false"; return;
    case ValueType::Guid: append_guid(out, p, style.guid_braces); return;
    case ValueType::SizeT: append_hex(out, size >= 8 ? load<uint64_t>(p) : load<uint32_t>(p)); return;
    case ValueType::FileTime: append_filetime_iso(out, load<uint64_t>(p), 7); return;
    case ValueType::SysTime: append_systime(out, p); return;
    case ValueType::Sid: append_sid(out, p, size); return;
    case ValueType::HexInt32: append_hex(out, load<uint32_t>(p)); return;
    case ValueType::HexInt64: append_hex(out, load<uint64_t>(p)); return;
    case ValueType::Utf8: out.append(reinterpret_cast<const char*>(p), size); return;
    case ValueType::BinXml: return;
    default:  // Binary, EvtHandle, EvtXml and unknown types: upper-case hex
      for (size_t i = 0; i < size; ++i) {
        out += kHexUpper[p[i] >> 4];
        out += kHexUpper[p[i] & 15];
      }
      return;
  }
}

// Calls fn(ptr, size) for each element of an array value.
template <class Fn>
void for_each_element(const RawValue& v, Fn fn) {
  ValueType t = v.base_type();
  if (t == ValueType::String) {  // NUL-separated UTF-16 strings
    size_t units = v.size / 2, start = 0;
    for (size_t i = 0; i < units; ++i) {
      if (v.data[2 * i] == 0 && v.data[2 * i + 1] == 0) {
        fn(v.data + 2 * start, 2 * (i - start));
        start = i + 1;
      }
    }
    if (start < units) fn(v.data + 2 * start, 2 * (units - start));
    return;
  }
  if (t == ValueType::AnsiString) {
    size_t start = 0;
    for (size_t i = 0; i < v.size; ++i)
      if (v.data[i] == 0) {
        fn(v.data + start, i - start);
        start = i + 1;
      }
    if (start < v.size) fn(v.data + start, v.size - start);
    return;
  }
  if (t == ValueType::Sid) {  // variable length: 8 + 4 * count each
    size_t off = 0;
    while (off + 8 <= v.size) {
      size_t len = 8 + 4 * size_t(v.data[off + 1]);
      if (off + len > v.size) len = v.size - off;
      fn(v.data + off, len);
      off += len;
    }
    return;
  }
  size_t es = fixed_size(t, v.size);
  if (es == 0) {
    fn(v.data, v.size);
    return;
  }
  for (size_t off = 0; off + es <= v.size; off += es) fn(v.data + off, es);
}

}  // namespace

bool is_integer_type(ValueType t) {
  switch (t) {
    case ValueType::Int8:
    case ValueType::UInt8:
    case ValueType::Int16:
    case ValueType::UInt16:
    case ValueType::Int32:
    case ValueType::UInt32:
    case ValueType::Int64:
    case ValueType::UInt64: return true;
    default: return false;
  }
}

namespace {

void append_scalar_json(std::string& out, ValueType t, const uint8_t* p, size_t size) {
  if (t == ValueType::Null) {
    out += "null";
    return;
  }
  if (is_integer_type(t) && fixed_size(t, size) <= size) {
    append_scalar(out, t, p, size, {});
    return;
  }
  if ((t == ValueType::Real32 && size >= 4) || (t == ValueType::Real64 && size >= 8)) {
    double d = t == ValueType::Real32 ? load<float>(p) : load<double>(p);
    if (d == d && d - d == 0) {
      append_double(out, d);
      return;
    }  // finite
    out += "null";
    return;
  }
  if (t == ValueType::Bool && size >= 4) {
    out += load<uint32_t>(p) ? "true" : "false";
    return;
  }
  if (t == ValueType::String) {
    append_json_utf16(out, p, size);
    return;
  }
  if (t == ValueType::AnsiString) {  // the one other type whose text may need escapes
    thread_local std::string text;
    text.clear();
    append_scalar(text, t, p, size, {});
    append_json_string(out, text);
    return;
  }
  // Digits, hex, dates, GUIDs (without braces), SIDs: nothing to escape.
  out += '"';
  if (t == ValueType::FileTime && size >= 8)  // microseconds, as the Rust crate prints
    append_filetime_iso(out, load<uint64_t>(p), 6);
  else if (fixed_size(t, size) > size)
    append_scalar(out, ValueType::Binary, p, size, {});
  else
    append_scalar(out, t, p, size, TextStyle{false});
  out += '"';
}

// Four UTF-16 units in one 64-bit word (little endian): tests on all four
// lanes at once, for lanes already known to be below 0x80.
constexpr uint64_t kLaneOnes = 0x0001000100010001ull;
constexpr uint64_t kLaneHigh = 0x8000800080008000ull;
constexpr uint64_t kNotAscii = 0xff80ff80ff80ff80ull;
// Lanes equal to c (0x8000 set in each), 0 when none.
constexpr uint64_t lanes_equal(uint64_t v, uint64_t c) {
  return ~(((v ^ (kLaneOnes * c)) | kLaneHigh) - kLaneOnes) & kLaneHigh;
}
// Lanes below c.
constexpr uint64_t lanes_below(uint64_t v, uint64_t c) { return ~((v | kLaneHigh) - kLaneOnes * c) & kLaneHigh; }

// Whether four ASCII units hold a character JSON strings escape.
constexpr bool json_special(uint64_t v) {
  return (lanes_below(v, 0x20) | lanes_equal(v, '"') | lanes_equal(v, '\\')) != 0;
}
// Whether four ASCII units hold a character XML text may replace (controls,
// markup, quotes: the per-character path decides).
constexpr bool xml_special(uint64_t v) {
  return (lanes_below(v, 0x20) | lanes_equal(v, '&') | lanes_equal(v, '<') | lanes_equal(v, '>') | lanes_equal(v, '"') |
          lanes_equal(v, '\'')) != 0;
}
static_assert(json_special(0x0041002200410041ull) && !json_special(0x0041004200430044ull));
static_assert(xml_special(0x003c004100410041ull) && !xml_special(0x0041004200430044ull));

// Code points that change how a terminal shows text without being seen: C1
// controls (U+0080..U+009F, a CSI among them) and the bidirectional
// overrides and isolates (U+202A..U+202E, U+2066..U+2069).
constexpr bool invisible_control(uint32_t c) {
  return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char* put_u_escape(uint32_t c, char* o) {
  static const char hex[] = "0123456789abcdef";
  for (char x : {'\\', 'u', hex[(c >> 12) & 15], hex[(c >> 8) & 15], hex[(c >> 4) & 15], hex[c & 15]}) *o++ = x;
  return o;
}

// Appends UTF-16LE text (units code units) as UTF-8; each ASCII character
// goes through put(c, o), which writes it (escaped as the output needs, at
// most kAsciiMax bytes) and returns the end. Unpaired surrogates become U+FFFD.
// kEscapeInvisible: invisible_control code points written as \uXXXX (JSON).
template <size_t kAsciiMax, bool kEscapeInvisible, class Special, class Put>
void append_utf16_as(std::string& out, const uint8_t* p, size_t units, Special special, Put put) {
  // Worst case: kAsciiMax bytes per ASCII unit, 3 bytes per other unit (a
  // surrogate pair: 4 bytes for 2 units).
  size_t start = out.size();
  out.resize(start + (kAsciiMax > 3 ? kAsciiMax : 3) * units);
  char* o = out.data() + start;
  for (size_t i = 0; i < units; ++i) {
    // Four plain ASCII units at a time (most text), one by one otherwise.
    while (i + 4 <= units) {
      uint64_t v = load<uint64_t>(p + 2 * i);
      if ((v & kNotAscii) || special(v)) break;
      o[0] = static_cast<char>(v);
      o[1] = static_cast<char>(v >> 16);
      o[2] = static_cast<char>(v >> 32);
      o[3] = static_cast<char>(v >> 48);
      o += 4;
      i += 4;
    }
    if (i >= units) break;
    uint32_t c = uint32_t(p[2 * i]) | (uint32_t(p[2 * i + 1]) << 8);
    if (c < 0x80) {
      o = put(static_cast<unsigned char>(c), o);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < units) {
      uint32_t c2 = uint32_t(p[2 * i + 2]) | (uint32_t(p[2 * i + 3]) << 8);
      if (c2 >= 0xdc00 && c2 <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
        ++i;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if constexpr (kEscapeInvisible) {
      if (invisible_control(c)) {
        o = put_u_escape(c, o);
        continue;
      }
    }
    if (c < 0x800) {
      *o++ = static_cast<char>(0xc0 | (c >> 6));
      *o++ = static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      *o++ = static_cast<char>(0xe0 | (c >> 12));
      *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      *o++ = static_cast<char>(0x80 | (c & 0x3f));
    } else {
      *o++ = static_cast<char>(0xf0 | (c >> 18));
      *o++ = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      *o++ = static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
}

// 1 for bytes that JSON strings must escape.
struct JsonEscapes {
  bool needs[256] = {};
  constexpr JsonEscapes() {
    for (int c = 0; c < 0x20; ++c) needs[c] = true;
    needs[static_cast<unsigned char>('"')] = true;
    needs[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr JsonEscapes kJsonEscapes;

// Writes byte c escaped for a JSON string; returns the end.
char* put_json_escaped(unsigned char c, char* o) {
  static const char hex[] = "0123456789abcdef";
  switch (c) {
    case '"': *o++ = '\\', *o++ = '"'; break;
    case '\\': *o++ = '\\', *o++ = '\\'; break;
    case '\n': *o++ = '\\', *o++ = 'n'; break;
    case '\r': *o++ = '\\', *o++ = 'r'; break;
    case '\t': *o++ = '\\', *o++ = 't'; break;
    default:
      for (char x : {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}) *o++ = x;
  }
  return o;
}

// The replacement of byte c in XML text (attr: also quotes), nullptr if c stands as it is.
const char* xml_replacement(unsigned char c, bool attr) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return attr ? "&quot;" : nullptr;
    case '\'': return attr ? "&apos;" : nullptr;
    case '\t':
    case '\n':
    case '\r': return nullptr;
    default:
      // XML 1.0 allows no other C0 control character, not even as a
      // reference: strict parsers would reject the whole document.
      return c < 0x20 ? "\xEF\xBF\xBD" : nullptr;  // U+FFFD
  }
}

}  // namespace

void append_utf16(std::string& out, const uint8_t* p, size_t units) {
  append_utf16_as<1, false>(
      out, p, units, [](uint64_t) { return false; },
      [](unsigned char c, char* o) {
        *o++ = static_cast<char>(c);
        return o;
      });
}

void append_json_utf16(std::string& out, const uint8_t* p, size_t bytes) {
  out += '"';
  append_utf16_as<6, true>(out, p, utf16_units(p, bytes), json_special, [](unsigned char c, char* o) {
    if (kJsonEscapes.needs[c]) return put_json_escaped(c, o);
    *o++ = static_cast<char>(c);
    return o;
  });
  out += '"';
}

void append_xml_utf16(std::string& out, const uint8_t* p, size_t bytes, bool attr) {
  append_utf16_as<6, false>(out, p, utf16_units(p, bytes), xml_special, [attr](unsigned char c, char* o) {
    if (c >= 0x3f || c == ' ' || (c >= '(' && c <= ';') || c == '=' || c == '!' || c == '#' || c == '$' ||
        c == '%') {  // the common characters that stand as they are, without the switch
      *o++ = static_cast<char>(c);
      return o;
    }
    const char* rep = xml_replacement(c, attr);
    if (!rep) {
      *o++ = static_cast<char>(c);
      return o;
    }
    while (*rep) *o++ = *rep++;
    return o;
  });
}

void append_value_text(std::string& out, const RawValue& v, TextStyle style) {
  if (v.type == 0 || v.data == nullptr) return;
  ValueType t = v.base_type();
  if (!v.is_array()) {
    if (fixed_size(t, v.size) > v.size) {
      append_scalar(out, ValueType::Binary, v.data, v.size, style);
      return;
    }
    append_scalar(out, t, v.data, v.size, style);
    return;
  }
  bool first = true;
  for_each_element(v, [&](const uint8_t* p, size_t n) {
    if (!first) out += ", ";
    first = false;
    append_scalar(out, t, p, n, style);
  });
}

void append_value_text(std::string& out, const RawValue& v) { append_value_text(out, v, TextStyle{}); }

void split_array(const RawValue& v, std::vector<RawValue>& items) {
  items.clear();
  uint8_t type = v.type & 0x7f;
  for_each_element(v, [&](const uint8_t* p, size_t n) { items.push_back({type, static_cast<uint32_t>(n), p}); });
}

void append_value_json(std::string& out, const RawValue& v) {
  if (v.type == 0 || v.data == nullptr) {
    out += "null";
    return;
  }
  ValueType t = v.base_type();
  if (t == ValueType::Utf8) {
    append_json_string(out, std::string_view(reinterpret_cast<const char*>(v.data), v.size));
    return;
  }
  if (!v.is_array()) {
    append_scalar_json(out, t, v.data, v.size);
    return;
  }
  out += '[';
  bool first = true;
  for_each_element(v, [&](const uint8_t* p, size_t n) {
    if (!first) out += ',';
    first = false;
    append_scalar_json(out, t, p, n);
  });
  out += ']';
}

void append_xml_name(std::string& out, std::string_view name) {
  auto start_char = [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
  };
  auto name_char = [&](unsigned char c) { return start_char(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; };
  if (name.empty()) {
    out += '_';
    return;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    out += (i == 0 ? start_char(c) : name_char(c)) ? name[i] : '_';
  }
}

void append_xml_escaped(std::string& out, std::string_view s, bool attr) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (const char* rep = xml_replacement(static_cast<unsigned char>(s[i]), attr)) {
      out.append(s.data() + start, i - start);
      out += rep;
      start = i + 1;
    }
  }
  out.append(s.data() + start, s.size() - start);
}

size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = static_cast<unsigned char>(s[i + k]);
    if ((b >> 6) != 2) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong, surrogate, too big
  return len;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 && !kJsonEscapes.needs[c]) continue;
    if (c >= 0x80) {
      uint32_t cp = 0;
      size_t len = utf8_sequence(s, i, cp);
      if (len > 0 && !invisible_control(cp)) {
        i += len - 1;
        continue;
      }
      out.append(s.data() + start, i - start);
      char buf[6];
      if (len == 0) {
        out += "\xEF\xBF\xBD";  // not UTF-8 (a file name's raw bytes): U+FFFD, so the line stays JSON
        start = i + 1;
      } else {
        out.append(buf, static_cast<size_t>(put_u_escape(cp, buf) - buf));
        i += len - 1;
        start = i + 1;
      }
      continue;
    }
    out.append(s.data() + start, i - start);
    start = i + 1;
    char buf[6];
    out.append(buf, static_cast<size_t>(put_json_escaped(c, buf) - buf));
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

void append_value_xml(std::string& out, const RawValue& v, bool attr) {
  ValueType t = v.base_type();
  if (t != ValueType::String && t != ValueType::AnsiString && t != ValueType::Utf8) {
    append_value_text(out, v);  // digits, hex, dates, GUIDs, SIDs: nothing to escape
    return;
  }
  if (t == ValueType::String && !v.is_array() && v.data) {
    append_xml_utf16(out, v.data, v.size, attr);
    return;
  }
  thread_local std::string text;
  text.clear();
  append_value_text(text, v);
  append_xml_escaped(out, text, attr);
}

void append_filetime_iso(std::string& out, uint64_t ft, int digits) {
  const uint64_t ticks_per_sec = 10000000ull;
  int64_t secs = static_cast<int64_t>(ft / ticks_per_sec) - 11644473600ll;
  uint64_t frac = ft % ticks_per_sec;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  char* o = buf;
  auto two = [&o](unsigned v) {
    *o++ = char('0' + (v / 10) % 10);
    *o++ = char('0' + v % 10);
  };
  if (y > 9999) {
    // Past year 9999 (a damaged or crafted value; FILETIME reaches 60056):
    // ISO 8601's expanded form, +YYYYY, never a wrapped year.
    o += std::snprintf(o, 8, "+%05lld", static_cast<long long>(y));
  } else {
    two(static_cast<unsigned>(y / 100));
    two(static_cast<unsigned>(y % 100));
  }
  *o++ = '-';
  two(m);
  *o++ = '-';
  two(d);
  *o++ = 'T';
  two(static_cast<unsigned>(rem / 3600));
  *o++ = ':';
  two(static_cast<unsigned>(rem / 60 % 60));
  *o++ = ':';
  two(static_cast<unsigned>(rem % 60));
  if (digits > 0) {
    *o++ = '.';
    char f[7];
    for (int i = 6; i >= 0; --i) {
      f[i] = char('0' + frac % 10);
      frac /= 10;
    }
    for (int i = 0; i < (digits > 7 ? 7 : digits); ++i) *o++ = f[i];
  }
  *o++ = 'Z';
  out.append(buf, static_cast<size_t>(o - buf));
}

std::optional<uint64_t> parse_iso_filetime(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  if (s.size() < 19 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != ' ' && s[10] != 'T') || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t frac = 0;
  int digits = 0;
  if (s.size() > 19 && s[19] == '.')
    for (size_t i = 20; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, ++digits)
      if (digits < 7) frac = frac * 10 + (s[i] - '0');
  for (int k = std::min(digits, 7); k < 7; ++k) frac *= 10;
  // days from civil (Howard Hinnant), then shift the epoch to 1601-01-01
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153u * static_cast<unsigned>(mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t(era) * 146097 + int64_t(doe) - 719468;
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec + 11644473600ll;
  if (secs < 0) return std::nullopt;
  return static_cast<uint64_t>(secs) * 10000000ull + static_cast<uint64_t>(frac);
}

std::string filetime_iso(uint64_t ft, int digits) {
  std::string s;
  append_filetime_iso(s, ft, digits);
  return s;
}

}  // namespace evtx
