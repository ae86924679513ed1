// Value rendering (value.h): every BinXML value type as event-XML text and as
// JSON in the Rust evtx_dump convention, UTF-16 decoding, XML / JSON escaping,
// FILETIME formatting, node text (event_tree.h), record fields from a tree
// (record.h), and the CRC32 (crc32.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "evtx/crc32.h"
#include "evtx/event_tree.h"
#include "evtx/record.h"
#include "evtx/value.h"

namespace {

using evtx::RawValue;
using evtx::ValueType;

// Owns the bytes of a value.
struct Val {
  uint8_t type;
  std::vector<uint8_t> bytes;
  RawValue raw() const { return RawValue{type, static_cast<uint32_t>(bytes.size()), bytes.data()}; }
};

template <class T>
void put(std::vector<uint8_t>& b, T v) {
  size_t n = b.size();
  b.resize(n + sizeof(T));
  std::memcpy(b.data() + n, &v, sizeof(T));  // little-endian host (x86-64), as EVTX
}

template <class T>
Val scalar(ValueType t, T v) {
  Val r{static_cast<uint8_t>(t), {}};
  put(r.bytes, v);
  return r;
}

template <class T>
Val array(ValueType t, std::initializer_list<T> vs) {
  Val r{static_cast<uint8_t>(static_cast<uint8_t>(t) | evtx::kArrayFlag), {}};
  for (T v : vs) put(r.bytes, v);
  return r;
}

Val bytes(uint8_t type, std::vector<uint8_t> b) { return Val{type, std::move(b)}; }

// UTF-16LE code units, optionally NUL-terminated.
std::vector<uint8_t> utf16(std::initializer_list<uint16_t> units) {
  std::vector<uint8_t> b;
  for (uint16_t u : units) put(b, u);
  return b;
}
std::vector<uint8_t> utf16(std::u16string_view s) {
  std::vector<uint8_t> b;
  for (char16_t c : s) put(b, static_cast<uint16_t>(c));
  return b;
}

std::string text(const Val& v, bool braces = true) {
  std::string out;
  evtx::append_value_text(out, v.raw(), evtx::TextStyle{braces});
  return out;
}
std::string text_default(const Val& v) {
  std::string out;
  evtx::append_value_text(out, v.raw());
  return out;
}
std::string json(const Val& v) {
  std::string out;
  evtx::append_value_json(out, v.raw());
  return out;
}

// GUID {5770385F-C22A-43E0-BF4C-06F5698FFBD9} (Sysmon's provider) as stored.
std::vector<uint8_t> sysmon_guid() {
  std::vector<uint8_t> b;
  put<uint32_t>(b, 0x5770385F);
  put<uint16_t>(b, 0xC22A);
  put<uint16_t>(b, 0x43E0);
  for (uint8_t x : {0xBF, 0x4C, 0x06, 0xF5, 0x69, 0x8F, 0xFB, 0xD9}) b.push_back(x);
  return b;
}

// A SID: revision 1, 48-bit big-endian authority, little-endian sub-authorities.
std::vector<uint8_t> sid(uint64_t authority, std::initializer_list<uint32_t> subs) {
  std::vector<uint8_t> b{1, static_cast<uint8_t>(subs.size())};
  for (int i = 5; i >= 0; --i) b.push_back(static_cast<uint8_t>(authority >> (8 * i)));
  for (uint32_t s : subs) put(b, s);
  return b;
}

// ---------------------------------------------------------------------------
// Integers and reals

TEST(ValueText, SignedAndUnsignedIntegers) {
  EXPECT_EQ(text(scalar<int8_t>(ValueType::Int8, -5)), "-5");
  EXPECT_EQ(text(scalar<int8_t>(ValueType::Int8, -128)), "-128");
  EXPECT_EQ(text(scalar<uint8_t>(ValueType::UInt8, 255)), "255");
  EXPECT_EQ(text(scalar<int16_t>(ValueType::Int16, -32768)), "-32768");
  EXPECT_EQ(text(scalar<uint16_t>(ValueType::UInt16, 65535)), "65535");
  EXPECT_EQ(text(scalar<int32_t>(ValueType::Int32, std::numeric_limits<int32_t>::min())), "-2147483648");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::UInt32, 4294967295u)), "4294967295");
  EXPECT_EQ(text(scalar<int64_t>(ValueType::Int64, std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::UInt64, 18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::UInt32, 0)), "0");
}

TEST(ValueJson, IntegersAreNumbers) {
  EXPECT_EQ(json(scalar<int8_t>(ValueType::Int8, -5)), "-5");
  EXPECT_EQ(json(scalar<uint16_t>(ValueType::UInt16, 4688)), "4688");
  EXPECT_EQ(json(scalar<int32_t>(ValueType::Int32, -1)), "-1");
  EXPECT_EQ(json(scalar<uint64_t>(ValueType::UInt64, 18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(json(scalar<int64_t>(ValueType::Int64, -9000000000ll)), "-9000000000");
}

TEST(ValueText, Reals) {
  EXPECT_EQ(text(scalar<float>(ValueType::Real32, 1.5f)), "1.5");
  EXPECT_EQ(text(scalar<double>(ValueType::Real64, -0.25)), "-0.25");
  EXPECT_EQ(text(scalar<double>(ValueType::Real64, 1e21)), "1e+21");
  EXPECT_EQ(json(scalar<float>(ValueType::Real32, 1.5f)), "1.5");
  EXPECT_EQ(json(scalar<double>(ValueType::Real64, 3.0)), "3");
  // JSON has no NaN or infinity.
  EXPECT_EQ(json(scalar<double>(ValueType::Real64, std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(json(scalar<float>(ValueType::Real32, std::numeric_limits<float>::infinity())), "null");
}

// ---------------------------------------------------------------------------
// Hex, size_t, bool, binary

TEST(ValueText, HexWithoutPadding) {
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::HexInt32, 0x1f)), "0x1f");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::HexInt32, 0)), "0x0");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::HexInt32, 0xFFFFFFFFu)), "0xffffffff");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::HexInt64, 0x3e7)), "0x3e7");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::HexInt64, 0x8000000000000000ull)), "0x8000000000000000");
  EXPECT_EQ(json(scalar<uint64_t>(ValueType::HexInt64, 0x8020000000000000ull)), "\"0x8020000000000000\"");
  EXPECT_EQ(json(scalar<uint32_t>(ValueType::HexInt32, 0x24c)), "\"0x24c\"");
}

TEST(ValueText, SizeTFourAndEightBytes) {
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::SizeT, 0x24c)), "0x24c");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::SizeT, 0x100000000ull)), "0x100000000");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::SizeT, 4)), "0x4");
  EXPECT_EQ(json(scalar<uint32_t>(ValueType::SizeT, 4)), "\"0x4\"");
  EXPECT_EQ(json(scalar<uint64_t>(ValueType::SizeT, 0xfffff80000000000ull)), "\"0xfffff80000000000\"");
  // Arrays: 8-byte elements when the size is a multiple of 8, else 4-byte.
  EXPECT_EQ(text(array<uint64_t>(ValueType::SizeT, {1, 0x20})), "0x1, 0x20");
  EXPECT_EQ(text(array<uint32_t>(ValueType::SizeT, {1, 2, 3})), "0x1, 0x2, 0x3");
}

TEST(ValueText, BoolIrregularValuesAreTrue) {
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::Bool, 0)), "false");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::Bool, 1)), "true");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::Bool, 0x10)), "true");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::Bool, 0x10000)), "true");
  EXPECT_EQ(text(scalar<uint32_t>(ValueType::Bool, 0xFFFFFFFFu)), "true");
  EXPECT_EQ(json(scalar<uint32_t>(ValueType::Bool, 0)), "false");
  EXPECT_EQ(json(scalar<uint32_t>(ValueType::Bool, 8)), "true");
  EXPECT_EQ(json(array<uint32_t>(ValueType::Bool, {0, 2, 1})), "[false,true,true]");
}

TEST(ValueText, BinaryIsUpperCaseHex) {
  EXPECT_EQ(text(bytes(0x0e, {0x00, 0xAB, 0x10, 0xff})), "00AB10FF");
  EXPECT_EQ(json(bytes(0x0e, {0x00, 0xAB, 0x10})), "\"00AB10\"");
  EXPECT_EQ(text(bytes(0x20, {0xde, 0xad})), "DEAD");  // EvtHandle
  EXPECT_EQ(text(bytes(0x0e, {})), "");
}

TEST(ValueText, FixedSizeValueTooShortIsRenderedAsBytes) {
  EXPECT_EQ(text(bytes(0x08, {0x12, 0x34})), "1234");  // UInt32 with 2 bytes
  EXPECT_EQ(json(bytes(0x08, {0x12, 0x34})), "\"1234\"");
  EXPECT_EQ(text(bytes(0x0f, {0x01, 0x02, 0x03})), "010203");  // GUID with 3 bytes
  EXPECT_EQ(json(bytes(0x0f, {0x01, 0x02, 0x03})), "\"010203\"");
  EXPECT_EQ(json(bytes(0x11, {0x01})), "\"01\"");  // FILETIME with 1 byte
}

// ---------------------------------------------------------------------------
// GUID, SID, times

TEST(ValueText, GuidWithAndWithoutBraces) {
  Val g = bytes(0x0f, sysmon_guid());
  EXPECT_EQ(text(g), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_EQ(text_default(g), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_EQ(text(g, false), "5770385F-C22A-43E0-BF4C-06F5698FFBD9");
  EXPECT_EQ(json(g), "\"5770385F-C22A-43E0-BF4C-06F5698FFBD9\"");
  EXPECT_EQ(text(bytes(0x0f, std::vector<uint8_t>(16, 0))), "{00000000-0000-0000-0000-000000000000}");
  std::vector<uint8_t> two = sysmon_guid();
  std::vector<uint8_t> zero(16, 0);
  two.insert(two.end(), zero.begin(), zero.end());
  Val arr = bytes(0x0f | 0x80, two);
  EXPECT_EQ(text(arr), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}, {00000000-0000-0000-0000-000000000000}");
  EXPECT_EQ(json(arr), "[\"5770385F-C22A-43E0-BF4C-06F5698FFBD9\",\"00000000-0000-0000-0000-000000000000\"]");
}

TEST(ValueText, Sid) {
  EXPECT_EQ(text(bytes(0x13, sid(5, {18}))), "S-1-5-18");
  EXPECT_EQ(text(bytes(0x13, sid(5, {21, 3461203602u, 4096304019u, 2269080069u, 1000}))),
            "S-1-5-21-3461203602-4096304019-2269080069-1000");
  EXPECT_EQ(text(bytes(0x13, sid(16, {12288}))), "S-1-16-12288");
  EXPECT_EQ(text(bytes(0x13, sid(0, {0}))), "S-1-0-0");
  EXPECT_EQ(json(bytes(0x13, sid(5, {32, 544}))), "\"S-1-5-32-544\"");
  // Fewer bytes than the sub-authority count claims: only the complete ones.
  std::vector<uint8_t> cut = sid(5, {21, 7});
  cut.resize(cut.size() - 2);
  EXPECT_EQ(text(bytes(0x13, cut)), "S-1-5-21");
  // Shorter than a SID header: the bytes.
  EXPECT_EQ(text(bytes(0x13, {0x01, 0x02, 0x03})), "010203");
  // Arrays of SIDs (variable length elements).
  std::vector<uint8_t> two = sid(5, {18});
  std::vector<uint8_t> b = sid(5, {32, 544});
  two.insert(two.end(), b.begin(), b.end());
  EXPECT_EQ(text(bytes(0x13 | 0x80, two)), "S-1-5-18, S-1-5-32-544");
  EXPECT_EQ(json(bytes(0x13 | 0x80, two)), "[\"S-1-5-18\",\"S-1-5-32-544\"]");
}

// [MS-DTYP] 2.4.2.1: an identifier authority >= 2^32 is written as "0x" and
// 12 hex digits (regression test: the reader printed it in decimal before
// commit b5b3f89).
TEST(ValueText, SidWithLargeAuthorityIsHex) {
  std::string s = text(bytes(0x13, sid(0xFFFFFFFFFFFFull, {1})));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(s, "s-1-0xffffffffffff-1");
  std::string t = text(bytes(0x13, sid(0x0000FFFFFFFFull, {1})));  // still below 2^32: decimal
  EXPECT_EQ(t, "S-1-4294967295-1");
}

TEST(ValueText, FileTimeIsIsoUtcWithSevenDigits) {
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::FileTime, 132011301118560890ull)), "2019-04-30T20:35:11.8560890Z");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::FileTime, 0)), "1601-01-01T00:00:00.0000000Z");
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::FileTime, 116444736000000000ull)), "1970-01-01T00:00:00.0000000Z");
  // 2020-02-29T23:59:59.9999999Z (a leap day)
  EXPECT_EQ(text(scalar<uint64_t>(ValueType::FileTime, 132274943999999999ull)), "2020-02-29T23:59:59.9999999Z");
  // JSON has microseconds, as the Rust crate prints.
  EXPECT_EQ(json(scalar<uint64_t>(ValueType::FileTime, 132011301118560890ull)), "\"2019-04-30T20:35:11.856089Z\"");
}

TEST(ValueText, FileTimeIsoDigits) {
  EXPECT_EQ(evtx::filetime_iso(132011301118560890ull, 0), "2019-04-30T20:35:11Z");
  EXPECT_EQ(evtx::filetime_iso(132011301118560890ull, 3), "2019-04-30T20:35:11.856Z");
  EXPECT_EQ(evtx::filetime_iso(132011301118560890ull, 6), "2019-04-30T20:35:11.856089Z");
  EXPECT_EQ(evtx::filetime_iso(132011301118560890ull), "2019-04-30T20:35:11.8560890Z");
  std::string s = "t=";
  evtx::append_filetime_iso(s, 116444736000000000ull + 10000000ull * 86400 * 365, 1);
  EXPECT_EQ(s, "t=1971-01-01T00:00:00.0Z");
}

// FILETIME reaches year 60056: past 9999 the year is ISO 8601's expanded
// form (as Ticks such a time is clamped so it sorts last: test_normalize).
TEST(ValueText, FileTimePastYear9999) {
  EXPECT_EQ(evtx::filetime_iso(UINT64_MAX), "+60056-05-28T05:36:10.9551615Z");
  EXPECT_EQ(evtx::filetime_iso(2650467744000000000ull, 0), "+10000-01-01T00:00:00Z");
  EXPECT_EQ(evtx::filetime_iso(2650467743990000000ull, 0), "9999-12-31T23:59:59Z");
}

TEST(ValueText, SystemTime) {
  // SYSTEMTIME: year, month, day of week, day, hour, minute, second, ms.
  Val v{0x12, {}};
  for (uint16_t x : {2019, 4, 2, 30, 20, 35, 11, 856}) put(v.bytes, x);
  EXPECT_EQ(text(v), "2019-04-30T20:35:11.856Z");
  EXPECT_EQ(json(v), "\"2019-04-30T20:35:11.856Z\"");
  Val z{0x12, {}};
  for (uint16_t x : {2001, 1, 1, 2, 3, 4, 5, 7}) put(z.bytes, x);
  EXPECT_EQ(text(z), "2001-01-02T03:04:05.007Z");
}

// ---------------------------------------------------------------------------
// Strings

TEST(ValueText, Utf16StringsAndTrailingNuls) {
  EXPECT_EQ(text(bytes(0x01, utf16(u"mmc.exe -Embedding"))), "mmc.exe -Embedding");
  EXPECT_EQ(text(bytes(0x01, utf16({'a', 'b', 'c', 0, 0}))), "abc");
  EXPECT_EQ(text(bytes(0x01, utf16(u"for\u00eat \u00ab \u20ac"))), "for\u00eat \u00ab \u20ac");
  EXPECT_EQ(json(bytes(0x01, utf16(u"C:\\Windows\\\"x\""))), "\"C:\\\\Windows\\\\\\\"x\\\"\"");
  EXPECT_EQ(text(bytes(0x01, utf16({0}))), "");  // only a NUL: empty text, still a string
  EXPECT_EQ(json(bytes(0x01, utf16({0}))), "\"\"");
}

TEST(ValueText, Utf16SurrogatePairs) {
  // U+1F600 (D83D DE00) and U+10437 (D801 DC37).
  EXPECT_EQ(text(bytes(0x01, utf16({0xD83D, 0xDE00}))), "\xF0\x9F\x98\x80");
  EXPECT_EQ(text(bytes(0x01, utf16({'x', 0xD801, 0xDC37, 'y'}))), "x\xF0\x90\x90\xB7y");
  EXPECT_EQ(json(bytes(0x01, utf16({0xD83D, 0xDE00}))), "\"\xF0\x9F\x98\x80\"");
}

TEST(ValueText, Utf16UnpairedSurrogatesBecomeReplacementChar) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(text(bytes(0x01, utf16({0xD83D, 'A'}))), fffd + "A");             // high, then not low
  EXPECT_EQ(text(bytes(0x01, utf16({'A', 0xDE00, 'B'}))), "A" + fffd + "B");  // lone low
  EXPECT_EQ(text(bytes(0x01, utf16({'A', 0xD83D}))), "A" + fffd);             // high at the end
  EXPECT_EQ(text(bytes(0x01, utf16({0xD83D, 0xD83D, 0xDE00}))), fffd + "\xF0\x9F\x98\x80");
  EXPECT_EQ(text(bytes(0x01, utf16({0xDE00, 0xD83D}))), fffd + fffd);  // low before high
}

TEST(ValueText, Utf16Direct) {
  std::string out = "<";
  std::vector<uint8_t> b = utf16({0x41, 0xE9, 0x4E2D, 0xD83D, 0xDE00});
  evtx::append_utf16(out, b.data(), 5);
  EXPECT_EQ(out, "<A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
  out.clear();
  evtx::append_utf16(out, b.data(), 2);
  EXPECT_EQ(out, "A\xC3\xA9");
  out.clear();
  evtx::append_utf16(out, b.data(), 4);  // cut between the surrogates
  EXPECT_EQ(out, "A\xC3\xA9\xE4\xB8\xAD\xEF\xBF\xBD");
}

TEST(ValueText, AnsiStringIsLatin1) {
  EXPECT_EQ(text(bytes(0x02, {'a', 'b', 'c', 0, 0})), "abc");
  EXPECT_EQ(text(bytes(0x02, {'c', 'a', 'f', 0xE9})), "caf\xC3\xA9");
  EXPECT_EQ(json(bytes(0x02, {'a', '"', 'b'})), "\"a\\\"b\"");
}

TEST(ValueText, StringArrays) {
  Val s = bytes(0x81, utf16({'a', 0, 'b', 'c', 0, 'd', 'e', 'f', 0}));
  EXPECT_EQ(text(s), "a, bc, def");
  EXPECT_EQ(json(s), "[\"a\",\"bc\",\"def\"]");
  Val unterminated = bytes(0x81, utf16({'a', 0, 'b'}));
  EXPECT_EQ(text(unterminated), "a, b");
  Val ansi = bytes(0x82, {'x', 0, 'y', 'z', 0});
  EXPECT_EQ(text(ansi), "x, yz");
  EXPECT_EQ(json(ansi), "[\"x\",\"yz\"]");
}

TEST(ValueText, IntegerArrays) {
  EXPECT_EQ(text(array<uint16_t>(ValueType::UInt16, {1, 2, 65535})), "1, 2, 65535");
  EXPECT_EQ(json(array<uint16_t>(ValueType::UInt16, {1, 2, 65535})), "[1,2,65535]");
  EXPECT_EQ(json(array<int32_t>(ValueType::Int32, {-1, 7})), "[-1,7]");
  EXPECT_EQ(text(array<uint32_t>(ValueType::HexInt32, {0x10, 0xff})), "0x10, 0xff");
  EXPECT_EQ(json(array<uint64_t>(ValueType::HexInt64, {0x10})), "[\"0x10\"]");
  EXPECT_EQ(json(array<uint64_t>(ValueType::FileTime, {116444736000000000ull})), "[\"1970-01-01T00:00:00.000000Z\"]");
  // Trailing bytes shorter than an element are ignored.
  Val odd = array<int32_t>(ValueType::Int32, {5, 6});
  odd.bytes.push_back(0x7f);
  EXPECT_EQ(text(odd), "5, 6");
  EXPECT_EQ(json(odd), "[5,6]");
}

TEST(ValueText, NullUtf8AndNestedBinXml) {
  EXPECT_EQ(text(bytes(0x00, {1, 2})), "");
  EXPECT_EQ(json(bytes(0x00, {})), "null");
  RawValue u = RawValue::utf8("tab\there");
  std::string out;
  evtx::append_value_text(out, u);
  EXPECT_EQ(out, "tab\there");
  out.clear();
  evtx::append_value_json(out, u);
  EXPECT_EQ(out, "\"tab\\there\"");
  EXPECT_FALSE(u.is_array());
  EXPECT_FALSE(RawValue::utf8("").is_null());  // empty text is text, not null
  out.clear();
  evtx::append_value_json(out, RawValue::utf8(""));
  EXPECT_EQ(out, "\"\"");
  EXPECT_EQ(text(bytes(0x21, {0x0f, 0x01, 0x01, 0x00})), "");  // expanded by the tree builder, not here
  RawValue none;
  EXPECT_TRUE(none.is_null());
  out.clear();
  evtx::append_value_json(out, none);
  EXPECT_EQ(out, "null");
}

TEST(ValueRaw, SplitArrayIntoScalarItems) {
  std::vector<RawValue> items;
  Val strings = bytes(0x81, utf16({'a', 0, 'b', 'c', 0}));
  evtx::split_array(strings.raw(), items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].type, 0x01);
  EXPECT_FALSE(items[0].is_array());
  EXPECT_EQ(items[0].size, 2u);
  std::string s;
  evtx::append_value_text(s, items[1]);
  EXPECT_EQ(s, "bc");
  Val shorts = array<uint16_t>(ValueType::UInt16, {7, 8, 9});
  evtx::split_array(shorts.raw(), items);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].type, 0x06);
  EXPECT_EQ(items[2].data, shorts.bytes.data() + 4);
  s.clear();
  evtx::append_value_json(s, items[2]);
  EXPECT_EQ(s, "9");
  std::vector<uint8_t> two = sid(5, {18});
  std::vector<uint8_t> b = sid(5, {32, 544});
  two.insert(two.end(), b.begin(), b.end());
  Val sids = bytes(0x93, two);
  evtx::split_array(sids.raw(), items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].size, 12u);
  EXPECT_EQ(items[1].size, 16u);
  s.clear();
  evtx::append_value_text(s, items[1]);
  EXPECT_EQ(s, "S-1-5-32-544");
}

TEST(ValueRaw, TypeFlags) {
  Val a = array<uint32_t>(ValueType::UInt32, {1});
  EXPECT_TRUE(a.raw().is_array());
  EXPECT_EQ(a.raw().base_type(), ValueType::UInt32);
  EXPECT_FALSE(a.raw().is_null());
  Val s = scalar<uint32_t>(ValueType::UInt32, 1);
  EXPECT_FALSE(s.raw().is_array());
  EXPECT_TRUE(bytes(0x01, {}).raw().is_null());
}

// ---------------------------------------------------------------------------
// Escaping

TEST(Escaping, XmlText) {
  std::string out;
  evtx::append_xml_escaped(out, "a<b>&c \"d\" 'e'", false);
  EXPECT_EQ(out, "a&lt;b&gt;&amp;c \"d\" 'e'");
  out.clear();
  evtx::append_xml_escaped(out, "", false);
  EXPECT_EQ(out, "");
  out = "x";
  evtx::append_xml_escaped(out, "&&", false);
  EXPECT_EQ(out, "x&amp;&amp;");
  out.clear();
  evtx::append_xml_escaped(out, "caf\xC3\xA9", false);  // UTF-8 passes through
  EXPECT_EQ(out, "caf\xC3\xA9");
}

TEST(Escaping, XmlControlCharactersBecomeReplacementChar) {
  // XML 1.0 allows no C0 control other than tab, LF and CR (not even as a
  // character reference).
  std::string out;
  evtx::append_xml_escaped(out,
                           std::string_view("a\x03"
                                            "b\x00"
                                            "c\x1f",
                                            6),
                           false);
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD");
  out.clear();
  evtx::append_xml_escaped(out, "t\tl\nr\r", true);
  EXPECT_EQ(out, "t\tl\nr\r");
  out.clear();
  evtx::append_xml_escaped(out, "\x7f", false);  // DEL is allowed
  EXPECT_EQ(out, "\x7f");
}

TEST(Escaping, XmlAttribute) {
  std::string out;
  evtx::append_xml_escaped(out, "a<b>&c \"d\" 'e'", true);
  EXPECT_EQ(out, "a&lt;b&gt;&amp;c &quot;d&quot; &apos;e&apos;");
}

TEST(Escaping, JsonString) {
  std::string out;
  evtx::append_json_string(out, "a\"b\\c\nd\re\tf");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\re\\tf\"");
  out.clear();
  evtx::append_json_string(out, std::string_view("\x01\x1f\x00x", 4));
  EXPECT_EQ(out, "\"\\u0001\\u001f\\u0000x\"");
  out.clear();
  evtx::append_json_string(out, "\x7f/caf\xC3\xA9");  // DEL, slash and UTF-8 are legal as they are
  EXPECT_EQ(out, "\"\x7f/caf\xC3\xA9\"");
  out.clear();
  evtx::append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
}

// JSON lines must parse whatever they carry: bytes that are not UTF-8 (a
// file name's) become U+FFFD; C1 controls and bidirectional overrides, which
// a terminal would obey unseen, are escaped.
TEST(Escaping, JsonStringIsAlwaysUtf8AndShowsInvisibleControls) {
  std::string out;
  evtx::append_json_string(out, "\xff\xfe.evtx");
  EXPECT_EQ(out, "\"\xEF\xBF\xBD\xEF\xBF\xBD.evtx\"");
  out.clear();
  evtx::append_json_string(out, "a\xC3");  // cut short
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD\"");
  out.clear();
  evtx::append_json_string(out, "\xC0\xAF\xED\xA0\x80");  // overlong '/', a surrogate
  EXPECT_EQ(out, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  out.clear();
  evtx::append_json_string(out,
                           "x\xC2\x9B"
                           "1A\xE2\x80\xAEgpj.exe\xE2\x81\xA6");  // CSI, RLO, LRI
  EXPECT_EQ(out, "\"x\\u009b1A\\u202egpj.exe\\u2066\"");
  // The same from UTF-16 (record strings).
  const uint16_t units[] = {0x202e, 'a', 0x9b, 0xe9};
  std::vector<uint8_t> bytes;
  for (uint16_t u : units) bytes.insert(bytes.end(), {static_cast<uint8_t>(u), static_cast<uint8_t>(u >> 8)});
  out.clear();
  evtx::append_json_utf16(out, bytes.data(), bytes.size());
  EXPECT_EQ(out, "\"\\u202ea\\u009b\xC3\xA9\"");
}

// The one-pass UTF-16 escapers (used by output programs and the renderers)
// against the two-step path (UTF-8 first, then escaped): every ASCII
// character at every position of a 9-unit string, so each lands in a
// four-unit block and in the tail; the blocks' test of four units at once
// must send each special character to the per-character path.
TEST(Escaping, Utf16OnePassMatchesTwoStepsForEveryAsciiCharAndPosition) {
  for (unsigned c = 0; c < 0x80; ++c)
    for (size_t pos = 0; pos < 9; ++pos) {
      std::string ascii = "abcdefghi";
      ascii[pos] = static_cast<char>(c);
      std::vector<uint8_t> utf16;
      for (char ch : ascii) utf16.insert(utf16.end(), {static_cast<uint8_t>(ch), 0});
      utf16.insert(utf16.end(), {'z', 0});                             // a 10th unit, not given
      size_t bytes = 2 * ascii.size() - (c == 0 && pos == 8 ? 2 : 0);  // a trailing NUL is dropped
      std::string want_text = ascii.substr(0, bytes / 2);
      std::string got, want;
      evtx::append_json_utf16(got, utf16.data(), bytes);
      evtx::append_json_string(want, want_text);
      ASSERT_EQ(got, want) << "JSON, char " << c << " at " << pos;
      for (bool attr : {false, true}) {
        got.clear();
        want.clear();
        evtx::append_xml_utf16(got, utf16.data(), bytes, attr);
        evtx::append_xml_escaped(want, want_text, attr);
        ASSERT_EQ(got, want) << "XML, char " << c << " at " << pos << (attr ? " (attribute)" : "");
      }
    }
}

TEST(Escaping, Utf16OnePassNonAscii) {
  // "a<é😀\" + an unpaired high surrogate + "bcde": blocks of four mix ASCII,
  // a BMP character, a surrogate pair and an unpaired surrogate.
  const uint16_t units[] = {'a', '<', 0xe9, 0xd83d, 0xde00, '\\', 0xd800, 'b', 'c', 'd', 'e'};
  std::vector<uint8_t> bytes;
  for (uint16_t u : units) bytes.insert(bytes.end(), {static_cast<uint8_t>(u), static_cast<uint8_t>(u >> 8)});
  std::string json, xml;
  evtx::append_json_utf16(json, bytes.data(), bytes.size());
  evtx::append_xml_utf16(xml, bytes.data(), bytes.size(), false);
  EXPECT_EQ(json,
            "\"a<\xC3\xA9\xF0\x9F\x98\x80\\\\\xEF\xBF\xBD"
            "bcde\"");
  EXPECT_EQ(xml,
            "a&lt;\xC3\xA9\xF0\x9F\x98\x80\\\xEF\xBF\xBD"
            "bcde");
}

// ---------------------------------------------------------------------------
// Node text and record fields from a hand-built tree

TEST(NodeText, PiecesJoinWithReferencesResolved) {
  evtx::EventTree t;
  std::vector<uint8_t> abc = utf16(u"abc");
  uint32_t e = t.add(evtx::kNoNode, evtx::NodeKind::Element, "Data");
  t.add(e, evtx::NodeKind::Text, {}, RawValue{0x01, static_cast<uint32_t>(abc.size()), abc.data()});
  t[t.add(e, evtx::NodeKind::CharRef)].char_ref = 0xE9;
  t.add(e, evtx::NodeKind::EntityRef, "amp");
  t.add(e, evtx::NodeKind::EntityRef, "lt");
  t.add(e, evtx::NodeKind::EntityRef, "quot");
  t.add(e, evtx::NodeKind::EntityRef, "nbsp");  // unknown entities stay as written
  std::string s;
  evtx::append_node_text(t, e, s);
  EXPECT_EQ(s, "abc\xC3\xA9&<\"&nbsp;");
  std::string scratch;
  RawValue v = evtx::node_value(t, e, scratch);
  EXPECT_EQ(v.base_type(), ValueType::Utf8);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.data), v.size), "abc\xC3\xA9&<\"&nbsp;");

  // A single typed piece keeps its type.
  evtx::EventTree t2;
  Val n = scalar<uint32_t>(ValueType::UInt32, 42);
  uint32_t e2 = t2.add(evtx::kNoNode, evtx::NodeKind::Element, "X");
  t2.add(e2, evtx::NodeKind::Text, {}, n.raw());
  RawValue v2 = evtx::node_value(t2, e2, scratch);
  EXPECT_EQ(v2.base_type(), ValueType::UInt32);
  EXPECT_EQ(v2.size, 4u);
  uint32_t empty = t2.add(e2, evtx::NodeKind::Element, "Y");
  RawValue v3 = evtx::node_value(t2, empty, scratch);
  EXPECT_EQ(v3.type, 0);
  EXPECT_EQ(v3.data, nullptr);
}

TEST(RecordFromTree, TextSystemFieldsAreParsed) {
  // The shape of a forwarded event: System values are text, not typed values.
  evtx::EventTree t;
  auto txt = [&](uint32_t parent, const char* s) { t.add(parent, evtx::NodeKind::Text, {}, RawValue::utf8(s)); };
  auto el = [&](uint32_t parent, const char* name) { return t.add(parent, evtx::NodeKind::Element, name); };
  auto attr = [&](uint32_t parent, const char* name, const char* value) {
    txt(t.add(parent, evtx::NodeKind::Attribute, name), value);
  };
  uint32_t ev = el(evtx::kNoNode, "Event");
  uint32_t sys = el(ev, "System");
  uint32_t prov = el(sys, "Provider");
  attr(prov, "Name", "Microsoft-Windows-Security-Auditing");
  attr(prov, "Guid", "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  uint32_t eid = el(sys, "EventID");
  attr(eid, "Qualifiers", "16384");
  txt(eid, "4688");
  txt(el(sys, "Version"), "2");
  txt(el(sys, "Level"), "0");
  txt(el(sys, "Task"), "13312");
  txt(el(sys, "Keywords"), "0x8020000000000000");
  attr(el(sys, "TimeCreated"), "SystemTime", "2021-11-19T16:52:33.833733500Z");
  attr(el(sys, "Correlation"), "ActivityID", "{A9EF89D8-6BD0-457D-B559-13BEB4A1C62B}");
  uint32_t ex = el(sys, "Execution");
  attr(ex, "ProcessID", "4");
  attr(ex, "ThreadID", "8692");
  txt(el(sys, "Channel"), "Security");
  txt(el(sys, "Computer"), "WIN10.corp.local");
  attr(el(sys, "Security"), "UserID", "S-1-5-18");
  uint32_t ed = el(ev, "EventData");
  uint32_t d1 = el(ed, "Data");
  attr(d1, "Name", "NewProcessId");
  txt(d1, "0x21a4");
  uint32_t d2 = el(ed, "Data");  // unnamed
  txt(d2, "free text");
  el(ed, "Data");  // empty and unnamed

  evtx::Record r;
  r.record_id = 77;
  evtx::record_from_tree(t, r);
  EXPECT_EQ(r.record_id, 77u);  // left as it was
  EXPECT_EQ(r.provider_name, "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(r.provider_guid, "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  EXPECT_EQ(r.event_id, 4688);
  ASSERT_TRUE(r.qualifiers.has_value());
  EXPECT_EQ(*r.qualifiers, 16384);
  EXPECT_EQ(r.version, 2);
  EXPECT_EQ(r.task, 13312);
  EXPECT_EQ(r.keywords, 0x8020000000000000ull);
  EXPECT_EQ(evtx::filetime_iso(r.time_created), "2021-11-19T16:52:33.8337335Z");
  EXPECT_EQ(r.activity_id, "{A9EF89D8-6BD0-457D-B559-13BEB4A1C62B}");
  EXPECT_EQ(r.process_id, 4u);
  EXPECT_EQ(r.thread_id, 8692u);
  EXPECT_EQ(r.channel, "Security");
  EXPECT_EQ(r.computer, "WIN10.corp.local");
  EXPECT_EQ(r.user_id, "S-1-5-18");
  EXPECT_EQ(r.data_kind, evtx::Record::DataKind::EventData);
  ASSERT_EQ(r.data.size(), 3u);
  EXPECT_EQ(r.data[0].name, "NewProcessId");
  EXPECT_EQ(r.data[0].value.text, "0x21a4");
  EXPECT_EQ(r.data[0].value.type, ValueType::Utf8);
  EXPECT_EQ(r.data[1].name, "");
  EXPECT_EQ(r.data[1].value.text, "free text");
  EXPECT_EQ(r.data[2].value.type, ValueType::Null);
  ASSERT_NE(r.find("NewProcessId"), nullptr);
  EXPECT_EQ(r.find("NewProcessId")->text, "0x21a4");
}

// ---------------------------------------------------------------------------
// CRC32

uint32_t crc32_bitwise(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

uint32_t crc_of(std::string_view s) { return evtx::crc32(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

TEST(Crc32, KnownVectors) {
  EXPECT_EQ(crc_of("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc_of(""), 0u);
  EXPECT_EQ(crc_of("a"), 0xE8B7BE43u);
  EXPECT_EQ(crc_of("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(evtx::crc32(zeros.data(), zeros.size()), 0x190A55ADu);
}

TEST(Crc32, ContinuesAcrossPieces) {
  const std::string s = "123456789";
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  for (size_t cut = 0; cut <= s.size(); ++cut)
    EXPECT_EQ(evtx::crc32(p + cut, s.size() - cut, evtx::crc32(p, cut)), 0xCBF43926u) << cut;
}

TEST(Crc32, MatchesBitwiseReferenceAtEveryLengthAndAlignment) {
  std::vector<uint8_t> buf(300);
  uint32_t x = 12345;
  for (uint8_t& b : buf) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
  for (size_t start = 0; start < 9; ++start)
    for (size_t len = 0; start + len <= buf.size(); len += (len < 40 ? 1 : 37))
      ASSERT_EQ(evtx::crc32(buf.data() + start, len), crc32_bitwise(buf.data() + start, len))
          << "start " << start << " len " << len;
}

}  // namespace
