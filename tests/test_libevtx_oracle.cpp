// The oracle: every corpus file read by the native reader and by libevtx
// (an independent implementation: libevtx renders XML, pugixml parses it).
// For every record libevtx reads, the native reader must have read the same
// record (matched by the record header's EventRecordID, in order when ids
// repeat: libevtx 20181227 reports no record offsets) with the same System
// fields and the same EventData/UserData name/value pairs, and on every file
// it must read at least as many records as libevtx. Any mismatch fails with
// the file, the record id and the field.
//
// What is normalized, and why (each is only a spelling or layout difference,
// observed on the corpus; the test prints how often each one applied):
//  - hex32/hex64 values: libevtx zero-pads to the type width
//    (0x00000000000003e7), Windows and the native reader do not (0x3e7):
//    compared as numbers (Keywords is compared as a number anyway);
//  - size_t values: libevtx writes decimal (588), Windows and the native
//    reader hex (0x24c): compared as numbers;
//  - FILETIME values: libevtx writes 9 fraction digits, the native reader 7:
//    compared as 100 ns ticks (digits past the 7th must be zero);
//  - GUIDs (braces, case), bools (true/false vs 1/0), reals (as doubles with a
//    relative tolerance), binary (hex letter case): accepted spellings, though
//    on this corpus both readers already spell them the same;
//  - arrays substituted into an element: libevtx (like Windows) renders one
//    element per item, the native record has one field with the items joined
//    by ", ": the native items are taken from the raw value and compared one
//    by one with libevtx's elements;
//  - an element with no content at all (<Binary/>, <Data/>: a substitution
//    with no value) that libevtx leaves out: skipped, counted;
//  - strings holding XML markup that libevtx writes unescaped (so its XML has
//    elements there): the native text is parsed and compared as markup;
//  - a string that is only whitespace (a lone line break), which libevtx
//    renders as an empty element: counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "evtx/chunk_reader.h"
#include "evtx/evtx_file.h"
#include "evtx/record.h"
#include "evtx/value.h"
#include "libevtx/libevtx_reader.h"

#include <pugixml.hpp>

namespace fs = std::filesystem;

namespace {

// One EventData/UserData value as compared: Record::data with array values
// expanded to one field per item (see Field::from_array).
struct Field {
  std::string name;
  evtx::ValueType type = evtx::ValueType::Null;  // the native BinXML type (Utf8 for libevtx)
  bool from_array = false;                       // one item of a native array value
  std::string text;
  std::string markup;          // canonical form of the element's child elements, if it has any
  bool empty_element = false;  // the element has no content at all (no text, no child element)
};

struct Rec {
  uint64_t id = 0;
  uint64_t offset = 0;
  std::string system_record_id;  // text of System/EventRecordID
  evtx::Record rec;
  std::vector<Field> fields;
  std::string internal_error;  // the record's data could not be lined up with Record::data
};

std::string text_of(const evtx::EventTree& t, uint32_t node) {
  std::string s;
  if (node != evtx::kNoNode) evtx::append_node_text(t, node, s);
  return s;
}

bool has_child_elements(const evtx::EventTree& t, uint32_t node) {
  for (uint32_t c = t[node].first_child; c != evtx::kNoNode; c = t[c].next_sibling)
    if (t[c].kind == evtx::NodeKind::Element) return true;
  return false;
}

// The element nodes behind Record::data, in the same order (record.h: the
// children of EventData, or the leaf elements under UserData).
void leaves(const evtx::EventTree& t, uint32_t node, std::vector<uint32_t>& out) {
  for (uint32_t c = t[node].first_child; c != evtx::kNoNode; c = t[c].next_sibling) {
    if (t[c].kind != evtx::NodeKind::Element) continue;
    if (has_child_elements(t, c))
      leaves(t, c, out);
    else
      out.push_back(c);
  }
}
std::vector<uint32_t> data_nodes(const evtx::EventTree& t) {
  std::vector<uint32_t> out;
  uint32_t ev = t.root_element();
  if (uint32_t ed = t.child(ev, "EventData"); ed != evtx::kNoNode) {
    for (uint32_t c = t[ed].first_child; c != evtx::kNoNode; c = t[c].next_sibling)
      if (t[c].kind == evtx::NodeKind::Element) out.push_back(c);
  } else if (uint32_t ud = t.child(ev, "UserData"); ud != evtx::kNoNode) {
    leaves(t, ud, out);
  }
  return out;
}

bool whitespace_only(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::string_view local_name(std::string_view s) {
  size_t colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

// Canonical text of the child elements and text of an element: names (without
// namespace prefix), attributes in order, text pieces; layout whitespace dropped.
void canon_children(const evtx::EventTree& t, uint32_t node, std::string& out) {
  for (uint32_t c = t[node].first_child; c != evtx::kNoNode; c = t[c].next_sibling) {
    const evtx::Node& n = t[c];
    if (n.kind == evtx::NodeKind::Element) {
      out += '<';
      out += local_name(n.name);
      for (uint32_t a = n.first_child; a != evtx::kNoNode; a = t[a].next_sibling)
        if (t[a].kind == evtx::NodeKind::Attribute) {
          out += ' ';
          out += t[a].name;
          out += "=\"";
          evtx::append_node_text(t, a, out);
          out += '"';
        }
      out += '>';
      canon_children(t, c, out);
      out += "</";
      out += local_name(n.name);
      out += '>';
    } else if (n.kind == evtx::NodeKind::Text || n.kind == evtx::NodeKind::CData) {
      std::string s;
      evtx::append_value_text(s, n.value);
      if (!whitespace_only(s)) out += s;
    }
  }
}

// Same canonical form for markup held as text (the native value of a string
// that libevtx wrote into its XML unescaped).
void canon_pugi(pugi::xml_node node, std::string& out) {
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) {
      out += '<';
      out += local_name(c.name());
      for (pugi::xml_attribute a : c.attributes()) {
        out += ' ';
        out += a.name();
        out += "=\"";
        out += a.value();
        out += '"';
      }
      out += '>';
      canon_pugi(c, out);
      out += "</";
      out += local_name(c.name());
      out += '>';
    } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (!whitespace_only(c.value())) out += c.value();
    }
  }
}
std::optional<std::string> canon_markup_text(const std::string& text) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_cdata | pugi::parse_escapes | pugi::parse_fragment,
                       pugi::encoding_utf8))
    return std::nullopt;
  std::string out;
  canon_pugi(doc, out);
  return out;
}

// The items of an array value, each rendered as a scalar of the array's type.
// String arrays are NUL-separated UTF-16 strings, ANSI string arrays NUL-
// separated bytes, SID arrays back-to-back SIDs, other types fixed-size items.
std::vector<std::string> array_items(const evtx::RawValue& v) {
  std::vector<std::string> out;
  const evtx::ValueType t = v.base_type();
  auto add = [&](const uint8_t* p, size_t n) {
    std::string s;
    evtx::append_value_text(s, evtx::RawValue{static_cast<uint8_t>(t), static_cast<uint32_t>(n), p});
    out.push_back(std::move(s));
  };
  const uint8_t* p = v.data;
  size_t size = v.size;
  switch (t) {
    case evtx::ValueType::String: {
      size_t start = 0, units = size / 2;
      for (size_t i = 0; i < units; ++i)
        if (p[2 * i] == 0 && p[2 * i + 1] == 0) {
          add(p + 2 * start, 2 * (i - start));
          start = i + 1;
        }
      if (start < units) add(p + 2 * start, 2 * (units - start));
      break;
    }
    case evtx::ValueType::AnsiString: {
      size_t start = 0;
      for (size_t i = 0; i < size; ++i)
        if (p[i] == 0) {
          add(p + start, i - start);
          start = i + 1;
        }
      if (start < size) add(p + start, size - start);
      break;
    }
    case evtx::ValueType::Sid: {
      for (size_t off = 0; off + 8 <= size;) {
        size_t len = std::min(size - off, 8 + 4 * size_t(p[off + 1]));
        add(p + off, len);
        off += len;
      }
      break;
    }
    default: {
      size_t item = 0;
      switch (t) {
        case evtx::ValueType::Int8:
        case evtx::ValueType::UInt8: item = 1; break;
        case evtx::ValueType::Int16:
        case evtx::ValueType::UInt16: item = 2; break;
        case evtx::ValueType::Int32:
        case evtx::ValueType::UInt32:
        case evtx::ValueType::Real32:
        case evtx::ValueType::Bool:
        case evtx::ValueType::HexInt32: item = 4; break;
        case evtx::ValueType::Int64:
        case evtx::ValueType::UInt64:
        case evtx::ValueType::Real64:
        case evtx::ValueType::HexInt64:
        case evtx::ValueType::FileTime: item = 8; break;
        case evtx::ValueType::Guid:
        case evtx::ValueType::SysTime: item = 16; break;
        case evtx::ValueType::SizeT: item = size % 8 == 0 ? 8 : 4; break;
        default: break;
      }
      if (item == 0)
        add(p, size);
      else
        for (size_t off = 0; off + item <= size; off += item) add(p + off, item);
    }
  }
  return out;
}

Rec make_rec(const evtx::RecordView& v, bool native) {
  Rec r;
  const evtx::EventTree& t = v.tree;
  r.id = v.record_id;
  r.offset = v.file_offset;
  evtx::record_from_tree(t, r.rec);
  uint32_t ev = t.root_element();
  r.system_record_id = text_of(t, t.child(t.child(ev, "System"), "EventRecordID"));

  std::vector<uint32_t> nodes = data_nodes(t);
  if (nodes.size() != r.rec.data.size()) {
    r.internal_error = "record_from_tree gave " + std::to_string(r.rec.data.size()) + " data fields for " +
                       std::to_string(nodes.size()) + " data elements";
    return r;
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const evtx::DataField& d = r.rec.data[i];
    Field f;
    f.name = d.name;
    f.type = d.value.type;
    f.text = d.value.text;
    if (has_child_elements(t, nodes[i])) canon_children(t, nodes[i], f.markup);
    f.empty_element = true;
    for (uint32_t c = t[nodes[i]].first_child; c != evtx::kNoNode; c = t[c].next_sibling)
      if (t[c].kind != evtx::NodeKind::Attribute) f.empty_element = false;
    std::string scratch;
    evtx::RawValue raw = evtx::node_value(t, nodes[i], scratch);
    if (native && d.value.array && raw.is_array()) {
      // Windows (and libevtx) render an array substituted into an element as
      // that element repeated per item; the native record joins the items
      // with ", " into one field. Compare item by item.
      std::vector<std::string> items = array_items(raw);
      std::string joined;
      for (size_t k = 0; k < items.size(); ++k) joined += (k ? ", " : "") + items[k];
      if (joined != d.value.text)
        r.internal_error = "array field '" + d.name + "': items '" + joined + "' vs text '" + d.value.text + "'";
      for (std::string& item : items) {
        Field g;
        g.name = d.name;
        g.type = d.value.type;
        g.from_array = true;
        g.text = std::move(item);
        r.fields.push_back(std::move(g));
      }
      continue;
    }
    r.fields.push_back(std::move(f));
  }
  return r;
}

struct NativeRead {
  bool opened = false;
  std::string error;
  std::vector<Rec> records;
};

NativeRead read_native(const fs::path& path) {
  NativeRead out;
  try {
    evtx::EvtxFile f(path);
    out.opened = true;
    evtx::ChunkReader rd;
    for (size_t slot = 0; slot < f.chunk_slots(); ++slot)
      rd.read(f, slot, [&](const evtx::RecordView& v) { out.records.push_back(make_rec(v, true)); });
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

struct LibRead {
  bool opened = false;
  std::string error;
  std::vector<Rec> records;
  uint64_t damaged = 0;
};

LibRead read_libevtx(evtx::LibevtxReader& rd, const fs::path& path) {
  LibRead out;
  try {
    evtx::LibevtxResult res =
        rd.read(path, [&](const evtx::RecordView& v) { out.records.push_back(make_rec(v, false)); });
    out.opened = true;
    out.damaged = res.damaged_records;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

// ---- spellings ----------------------------------------------------------

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<uint64_t> parse_uint(std::string_view s) {
  uint64_t v = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::string guid_norm(std::string s) {
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<bool> parse_bool(const std::string& s) {
  std::string l = lower(s);
  if (l == "true") return true;
  if (l == "false") return false;
  if (auto n = parse_uint(s)) return *n != 0;
  return std::nullopt;
}

// ISO 8601 UTC ("2019-03-19T23:38:45.1234567Z", 'T' or ' ', any number of
// fraction digits) to 100 ns ticks since 1601. Digits past the 7th must be
// zero (libevtx writes 9 digits of a 100 ns value), else it is no FILETIME.
std::optional<int64_t> parse_time_ticks(std::string_view s) {
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    int v = 0;
    if (pos + len > s.size()) return std::nullopt;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    if (r.ec != std::errc() || r.ptr != s.data() + pos + len) return std::nullopt;
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' '))
    return std::nullopt;
  int64_t frac = 0;
  int digits = 0;
  size_t i = 19;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, ++digits) {
      if (digits < 7)
        frac = frac * 10 + (s[i] - '0');
      else if (s[i] != '0')
        return std::nullopt;
    }
  for (int k = std::min(digits, 7); k < 7; ++k) frac *= 10;
  if (i < s.size() && s[i] == 'Z') ++i;
  if (i != s.size()) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(unsigned(*mo)),
                                  std::chrono::day(unsigned(*d))};
  if (!ymd.ok()) return std::nullopt;
  int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count() + 134774;  // 1601 -> 1970
  return ((days * 86400 + *h * 3600 + *mi * 60 + *se) * 10000000) + frac;
}

// One scalar (or array item) of BinXML type `type`, native text vs libevtx text.
bool same_scalar(evtx::ValueType type, const std::string& n, const std::string& l) {
  if (n == l) return true;
  using VT = evtx::ValueType;
  switch (type) {
    case VT::HexInt32:
    case VT::HexInt64:
    case VT::SizeT: {
      auto a = parse_uint(n), b = parse_uint(l);
      return a && b && *a == *b;
    }
    case VT::Guid: return guid_norm(n) == guid_norm(l);
    case VT::Bool: {
      auto a = parse_bool(n), b = parse_bool(l);
      return a && b && *a == *b;
    }
    case VT::Real32:
    case VT::Real64: {
      auto a = parse_double(n), b = parse_double(l);
      if (!a || !b) return false;
      if (std::isnan(*a) || std::isnan(*b)) return std::isnan(*a) && std::isnan(*b);
      double tol = (type == VT::Real32 ? 1e-6 : 1e-12) * std::max(std::fabs(*a), std::fabs(*b));
      return std::fabs(*a - *b) <= tol;
    }
    case VT::FileTime:
    case VT::SysTime: {
      auto a = parse_time_ticks(n), b = parse_time_ticks(l);
      return a && b && *a == *b;
    }
    case VT::Binary: return lower(n) == lower(l);
    default: return false;
  }
}

const char* type_name(evtx::ValueType type) {
  using VT = evtx::ValueType;
  switch (type) {
    case VT::Null: return "null";
    case VT::String: return "string";
    case VT::AnsiString: return "ansistring";
    case VT::Int8: return "int8";
    case VT::UInt8: return "uint8";
    case VT::Int16: return "int16";
    case VT::UInt16: return "uint16";
    case VT::Int32: return "int32";
    case VT::UInt32: return "uint32";
    case VT::Int64: return "int64";
    case VT::UInt64: return "uint64";
    case VT::Real32: return "real32";
    case VT::Real64: return "real64";
    case VT::Bool: return "bool";
    case VT::Binary: return "binary";
    case VT::Guid: return "guid";
    case VT::SizeT: return "size_t";
    case VT::FileTime: return "filetime";
    case VT::SysTime: return "systime";
    case VT::Sid: return "sid";
    case VT::HexInt32: return "hex32";
    case VT::HexInt64: return "hex64";
    case VT::BinXml: return "binxml";
    case VT::Utf8: return "utf8";
    default: return "other";
  }
}

// ---- comparison ---------------------------------------------------------

struct Mismatches {
  std::vector<std::string> lines;
  void add(const std::string& where, const std::string& field, const std::string& native, const std::string& lib) {
    lines.push_back(where + ": " + field + ": native '" + native + "' vs libevtx '" + lib + "'");
  }
};

// Differences that are libevtx's or the native reader's known spelling or
// structure, counted and reported, not failed.
struct Stats {
  uint64_t native_empty_elements = 0;
  uint64_t unescaped_markup = 0;
  uint64_t whitespace_only = 0;
  uint64_t array_items = 0;
  struct Spelling {
    uint64_t count = 0;
    std::string example;
  };
  std::map<std::string, Spelling> spellings;  // by native value type: values equal once normalized
  std::map<std::string, uint64_t> compared_by_type;
};

void compare(const std::string& where, const Rec& n, const Rec& l, Mismatches& m, Stats& stats) {
  const evtx::Record& a = n.rec;
  const evtx::Record& b = l.rec;
  if (n.id != l.id) m.add(where, "record header id", std::to_string(n.id), std::to_string(l.id));
  if (n.system_record_id != l.system_record_id)
    m.add(where, "System/EventRecordID", n.system_record_id, l.system_record_id);
  if (a.event_id != b.event_id) m.add(where, "EventID", std::to_string(a.event_id), std::to_string(b.event_id));
  if (a.qualifiers != b.qualifiers)
    m.add(where, "EventID Qualifiers", a.qualifiers ? std::to_string(*a.qualifiers) : "-",
          b.qualifiers ? std::to_string(*b.qualifiers) : "-");
  if (a.computer != b.computer) m.add(where, "Computer", a.computer, b.computer);
  if (a.time_created / 10 != b.time_created / 10)
    m.add(where, "TimeCreated", evtx::filetime_iso(a.time_created), evtx::filetime_iso(b.time_created));
  if (a.provider_name != b.provider_name) m.add(where, "Provider Name", a.provider_name, b.provider_name);
  if (guid_norm(a.provider_guid) != guid_norm(b.provider_guid))
    m.add(where, "Provider Guid", a.provider_guid, b.provider_guid);
  if (a.channel != b.channel) m.add(where, "Channel", a.channel, b.channel);
  if (a.version != b.version) m.add(where, "Version", std::to_string(a.version), std::to_string(b.version));
  if (a.level != b.level) m.add(where, "Level", std::to_string(a.level), std::to_string(b.level));
  if (a.task != b.task) m.add(where, "Task", std::to_string(a.task), std::to_string(b.task));
  if (a.opcode != b.opcode) m.add(where, "Opcode", std::to_string(a.opcode), std::to_string(b.opcode));
  if (a.keywords != b.keywords) m.add(where, "Keywords", std::to_string(a.keywords), std::to_string(b.keywords));
  if (a.process_id != b.process_id)
    m.add(where, "Execution ProcessID", std::to_string(a.process_id), std::to_string(b.process_id));
  if (a.thread_id != b.thread_id)
    m.add(where, "Execution ThreadID", std::to_string(a.thread_id), std::to_string(b.thread_id));
  if (a.user_id != b.user_id) m.add(where, "Security UserID", a.user_id, b.user_id);
  if (guid_norm(a.activity_id) != guid_norm(b.activity_id))
    m.add(where, "Correlation ActivityID", a.activity_id, b.activity_id);
  if (guid_norm(a.related_activity_id) != guid_norm(b.related_activity_id))
    m.add(where, "Correlation RelatedActivityID", a.related_activity_id, b.related_activity_id);

  if (!n.internal_error.empty()) m.add(where, "native record model", n.internal_error, "");
  if (!l.internal_error.empty()) m.add(where, "libevtx record model", "", l.internal_error);
  if (a.data_kind != b.data_kind)
    m.add(where, "data kind", std::to_string(int(a.data_kind)), std::to_string(int(b.data_kind)));
  const std::vector<Field>& x = n.fields;
  const std::vector<Field>& y = l.fields;
  size_t i = 0, j = 0;
  auto field = [&](size_t k) { return "data[" + std::to_string(k) + "] '" + x[k].name + "'"; };
  while (i < x.size() || j < y.size()) {
    if (i < x.size() && x[i].empty_element &&
        (j >= y.size() || x[i].name != y[j].name || !y[j].text.empty() || !y[j].markup.empty())) {
      // An element with no content that libevtx leaves out: a substitution
      // with no value (MS-EVEN6 3.1.4.7.2: an optional substitution whose
      // value is NULL omits its element; libevtx does, the native reader
      // keeps <Binary/>, <Data/>). Same (empty) value, counted, not failed.
      ++stats.native_empty_elements;
      ++i;
      continue;
    }
    if (i >= x.size()) {
      m.add(where, "data[" + std::to_string(i) + "] (only libevtx has it) '" + y[j].name + "'", "", y[j].text);
      ++j;
      continue;
    }
    if (j >= y.size()) {
      m.add(where, field(i) + " (only the native reader has it)", x[i].text, "");
      ++i;
      continue;
    }
    const Field& a = x[i++];
    const Field& b = y[j++];
    stats.array_items += a.from_array;
    ++stats.compared_by_type[type_name(a.type)];
    std::string f = field(i - 1);
    if (a.name != b.name) {
      m.add(where, f + " name", a.name, b.name);
      continue;
    }
    if (!a.markup.empty() || !b.markup.empty()) {
      // Element content: nested BinXML on both sides, or a string holding
      // markup that libevtx wrote unescaped (so its XML has elements there).
      std::optional<std::string> nm = a.markup.empty() ? canon_markup_text(a.text) : a.markup;
      if (!nm || *nm != b.markup)
        m.add(where, f + " (markup)", nm ? *nm : a.text, b.markup);
      else if (a.markup.empty())
        ++stats.unescaped_markup;
      continue;
    }
    if (b.text.empty() && !a.text.empty() && whitespace_only(a.text)) {
      // libevtx renders a value that is only a line break as an empty
      // element (evtxexport shows <Data Name="ExtraInfo"/> too).
      ++stats.whitespace_only;
      continue;
    }
    if (!same_scalar(a.type, a.text, b.text)) {
      std::string t = type_name(a.type);
      if (a.from_array) t += " array item";
      m.add(where, f + " (" + t + ")", a.text, b.text);
    } else if (a.text != b.text) {
      auto& e = stats.spellings[type_name(a.type)];
      if (e.count++ == 0) e.example = "native '" + a.text + "' vs libevtx '" + b.text + "'";
    }
  }
}

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(EVTXHUNT_CORPUS))
    if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LibevtxOracle, CorpusIsThere) {
  ASSERT_TRUE(fs::is_directory(EVTXHUNT_CORPUS)) << "corpus folder missing: " << EVTXHUNT_CORPUS;
  EXPECT_GE(corpus_files().size(), 300u) << "corpus incomplete: " << EVTXHUNT_CORPUS;
}

TEST(LibevtxOracle, NativeAgreesWithLibevtxOnEveryRecord) {
  ASSERT_TRUE(fs::is_directory(EVTXHUNT_CORPUS)) << "corpus folder missing: " << EVTXHUNT_CORPUS;
  std::vector<fs::path> files = corpus_files();
  ASSERT_FALSE(files.empty()) << "no .evtx file under " << EVTXHUNT_CORPUS;

  const bool verbose = std::getenv("EVTXHUNT_ORACLE_VERBOSE") != nullptr;
  const size_t kMaxReportedPerFile = 20;
  evtx::LibevtxReader lib_reader;
  Stats stats;
  uint64_t native_total = 0, lib_total = 0, lib_damaged = 0, compared = 0, mismatched_records = 0;
  size_t lib_unopened = 0, native_unopened = 0;

  for (const fs::path& path : files) {
    std::string name = fs::relative(path, EVTXHUNT_CORPUS).string();
    NativeRead nat = read_native(path);
    LibRead lib = read_libevtx(lib_reader, path);
    native_total += nat.records.size();
    lib_total += lib.records.size();
    lib_damaged += lib.damaged;
    native_unopened += !nat.opened;
    lib_unopened += !lib.opened;
    if (!nat.opened) {
      EXPECT_FALSE(lib.opened) << name << ": native reader cannot open it: " << nat.error;
    }
    EXPECT_GE(nat.records.size(), lib.records.size()) << name << ": native reader reads fewer records than libevtx";
    if (verbose)
      std::printf("%-100s native %6zu  libevtx %6zu (%llu damaged)%s%s\n", name.c_str(), nat.records.size(),
                  lib.records.size(), static_cast<unsigned long long>(lib.damaged),
                  lib.opened ? "" : "  libevtx: ", lib.opened ? "" : lib.error.c_str());

    // Native records by file offset, and by record id (in order) for
    // records whose offset libevtx does not give.
    std::map<uint64_t, size_t> by_offset;
    std::multimap<uint64_t, size_t> by_id;
    for (size_t i = 0; i < nat.records.size(); ++i) {
      by_offset.emplace(nat.records[i].offset, i);
      by_id.emplace(nat.records[i].id, i);
    }
    std::vector<bool> used(nat.records.size());
    Mismatches m;
    size_t missing = 0;
    for (const Rec& l : lib.records) {
      std::string where = name + " record " + std::to_string(l.id);
      std::optional<size_t> match;
      if (l.offset != 0)
        if (auto it = by_offset.find(l.offset); it != by_offset.end() && !used[it->second]) match = it->second;
      if (!match) {
        auto [lo, hi] = by_id.equal_range(l.id);
        for (auto it = lo; it != hi; ++it)
          if (!used[it->second]) {
            match = it->second;
            break;
          }
      }
      if (!match) {
        ++missing;
        m.lines.push_back(where + ": read by libevtx, not by the native reader");
        continue;
      }
      used[*match] = true;
      ++compared;
      size_t before = m.lines.size();
      char at[48];
      std::snprintf(at, sizeof at, " (native: offset 0x%llx)",
                    static_cast<unsigned long long>(nat.records[*match].offset));
      compare(where + at, nat.records[*match], l, m, stats);
      mismatched_records += m.lines.size() != before;
    }
    for (size_t i = 0; i < m.lines.size() && i < kMaxReportedPerFile; ++i) ADD_FAILURE() << m.lines[i];
    if (m.lines.size() > kMaxReportedPerFile)
      ADD_FAILURE() << name << ": " << m.lines.size() - kMaxReportedPerFile << " more mismatches";
    if (verbose && m.lines.size() > kMaxReportedPerFile)
      for (size_t i = kMaxReportedPerFile; i < m.lines.size(); ++i) std::printf("  %s\n", m.lines[i].c_str());
  }

  std::printf(
      "oracle: %zu files; native reader %llu records; libevtx %llu records (%llu it could not read, %zu files it "
      "could not open); %llu records compared, %llu with a mismatch\n",
      files.size(), static_cast<unsigned long long>(native_total), static_cast<unsigned long long>(lib_total),
      static_cast<unsigned long long>(lib_damaged), lib_unopened, static_cast<unsigned long long>(compared),
      static_cast<unsigned long long>(mismatched_records));
  std::printf(
      "oracle: normalized, not failed: %llu array items compared one by one (native: one field, items joined by \", "
      "\"; "
      "libevtx: one element per item); %llu empty native elements libevtx omits; %llu strings holding markup libevtx "
      "wrote unescaped (compared as markup); %llu whitespace-only strings libevtx renders empty\n",
      static_cast<unsigned long long>(stats.array_items), static_cast<unsigned long long>(stats.native_empty_elements),
      static_cast<unsigned long long>(stats.unescaped_markup), static_cast<unsigned long long>(stats.whitespace_only));
  std::string types;
  for (const auto& [type, count] : stats.compared_by_type) types += " " + type + " " + std::to_string(count);
  std::printf("oracle: data values compared, by native type:%s\n", types.c_str());
  for (const auto& [type, sp] : stats.spellings)
    std::printf("oracle: %llu %s values spelled differently, equal once normalized (e.g. %s)\n",
                static_cast<unsigned long long>(sp.count), type.c_str(), sp.example.c_str());
  RecordProperty("files", static_cast<int>(files.size()));
  RecordProperty("native_records", std::to_string(native_total));
  RecordProperty("libevtx_records", std::to_string(lib_total));
  RecordProperty("compared_records", std::to_string(compared));
  EXPECT_EQ(compared, lib_total);
  EXPECT_GE(native_total, lib_total);
  EXPECT_EQ(native_unopened, 0u) << "corpus files the native reader cannot open";
}

}  // namespace
