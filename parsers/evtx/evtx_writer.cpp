// The EVTX writer's implementation. EventBuilder turns an event tree into a template instance
// (the System template; each other child of <Event> a nested data-template fragment), with the
// template's GUID derived from its shape (two FNV-1a hashes), so one shape has one GUID anywhere.
// Chunk writes names, template definitions and records into one 64 KiB image and rolls a record
// back when it does not fit. EvtxFileWriter writes to a mkstemp file renamed into place (or
// copied into a device or FIFO target). Used by `evtxhunt convert`, gen_corpus and the tests.
#include "evtx/evtx_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "evtx/crc32.h"
#include "evtx/evtx_file.h"
#include "evtx/format.h"
#include "evtx/writer_typing.h"
#include "text/utf16.h"

namespace evtx {
namespace {

constexpr uint32_t kChunkHeaderSize = chunk_header::kSize;
// Records end at most here: libevtx (20181227) silently skips a record that
// ends at the chunk's very last byte, so the last 8 bytes stay free.
constexpr size_t kRecordsEnd = kChunkSize - 8;

// ---------------------------------------------------------------------------
// Templates: chunk-independent descriptions of an element structure.

struct TOp {
  enum Kind : uint8_t { Open, Attr, CloseStart, CloseEmpty, End, Text, Subst };
  TOp(Kind k) : kind(k) {}  // NOLINT: implicit, so ops.push_back({TOp::End}) reads well
  Kind kind;
  bool flag = false;      // Open: has attributes; Attr: another attribute follows
  bool optional = false;  // Subst: optional (0x0e) or normal (0x0d)
  uint8_t type = 0;       // Subst: declared value type
  uint16_t index = 0;     // Subst: value index
  std::string text;       // Open / Attr: name; Text: literal (UTF-8)
};

struct Template {
  std::vector<TOp> ops;
  std::string key;  // the shape, serialized: equal keys, equal templates
  std::array<uint8_t, 16> guid{};
  uint32_t id = 0;
  uint32_t bucket = 0;  // template table bucket
};

struct Fragment;

// One substitution value: encoded bytes, or a nested fragment (BinXml).
struct Value {
  EncodedValue enc;
  std::unique_ptr<Fragment> nested;
};

// A template instance: the template and its values.
struct Fragment {
  Template tmpl;
  std::vector<Value> values;
};

uint64_t fnv1a64(std::string_view s, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Derives the template's key, GUID, id and bucket from its ops.
void seal(Template& t) {
  std::string& k = t.key;
  k.clear();
  for (const TOp& op : t.ops) {
    k += static_cast<char>('A' + op.kind);
    k += op.flag ? '1' : '0';
    k += op.optional ? '1' : '0';
    if (op.kind == TOp::Subst) {
      k += std::to_string(op.index);
      k += ':';
      k += std::to_string(op.type);
    }
    if (!op.text.empty() || op.kind == TOp::Text || op.kind == TOp::Open || op.kind == TOp::Attr) {
      k += std::to_string(op.text.size());
      k += ':';
      k += op.text;
    }
    k += ';';
  }
  uint64_t a = fnv1a64(k, 0xcbf29ce484222325ull);
  uint64_t b = fnv1a64(k, 0x84222325cbf29ce4ull);
  for (int i = 0; i < 8; ++i) {
    t.guid[i] = static_cast<uint8_t>(a >> (8 * i));
    t.guid[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  }
  t.id = uint32_t(t.guid[0]) | uint32_t(t.guid[1]) << 8 | uint32_t(t.guid[2]) << 16 | uint32_t(t.guid[3]) << 24;
  // Windows puts a definition in bucket (name hash of the GUID's 8 UTF-16 units) % 32.
  t.bucket = name_hash(t.guid.data(), kGuidUnits) % chunk_header::kTemplateBuckets;
}

// ---------------------------------------------------------------------------
// Building templates and values from an event tree.

std::string node_text(const EventTree& t, uint32_t node) {
  std::string s;
  if (node != kNoNode) append_node_text(t, node, s);
  return s;
}

bool has_child_elements(const EventTree& t, uint32_t e) {
  for (uint32_t c = t[e].first_child; c != kNoNode; c = t[c].next_sibling)
    if (t[c].kind == NodeKind::Element) return true;
  return false;
}

bool is_text_piece(NodeKind k) {
  return k == NodeKind::Text || k == NodeKind::CData || k == NodeKind::CharRef || k == NodeKind::EntityRef;
}

bool whitespace_only(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

std::vector<uint32_t> attributes_of(const EventTree& t, uint32_t e) {
  std::vector<uint32_t> out;
  for (uint32_t c = t[e].first_child; c != kNoNode; c = t[c].next_sibling)
    if (t[c].kind == NodeKind::Attribute) out.push_back(c);
  return out;
}

uint64_t parse_u64(std::string_view s, bool& ok) {
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  ok = !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
  return v;
}

// The standard System values and the substitution index Windows gives each.
struct SystemSlot {
  const char* element;
  const char* attribute;
  uint16_t index;
};
const SystemSlot kSystemSlots[] = {
    {"Level", "", 0},
    {"Opcode", "", 1},
    {"Task", "", 2},
    {"EventID", "", 3},
    {"EventID", "Qualifiers", 4},
    {"Keywords", "", 5},
    {"TimeCreated", "SystemTime", 6},
    {"Correlation", "ActivityID", 7},
    {"Execution", "ProcessID", 8},
    {"Execution", "ThreadID", 9},
    {"EventRecordID", "", 10},
    {"Version", "", 11},
    {"Security", "UserID", 12},
    {"Correlation", "RelatedActivityID", 13},
    {"Provider", "Name", 14},
    {"Provider", "Guid", 15},
    {"Channel", "", 16},
};
constexpr uint16_t kSystemSlotCount = 17;

class EventBuilder {
 public:
  EventBuilder(const EventTree& tree, WriterStats& stats) : t_(tree), stats_(stats) {}

  // The record's fragment; record id / time from the System values.
  std::unique_ptr<Fragment> build(bool& has_id, uint64_t& id, uint64_t& time) {
    uint32_t event = t_.root_element();
    if (event == kNoNode || t_[event].name != "Event")
      throw WriteError("not an event: the root element is not <Event>");
    uint32_t sys = t_.child(event, "System");
    uint32_t provider = t_.child(sys, "Provider");
    provider_ = node_text(t_, t_.attribute(provider, "Name"));
    bool ok = false;
    uint64_t eid = parse_u64(node_text(t_, t_.child(sys, "EventID")), ok);
    event_id_ = ok && eid <= 0xffff ? static_cast<uint16_t>(eid) : 0;
    id = parse_u64(node_text(t_, t_.child(sys, "EventRecordID")), has_id);
    time = 0;
    if (!parse_iso_filetime(node_text(t_, t_.attribute(t_.child(sys, "TimeCreated"), "SystemTime")), time)) time = 0;

    auto f = std::make_unique<Fragment>();
    f->values.resize(kSystemSlotCount);
    next_index_ = kSystemSlotCount;
    std::vector<TOp>& ops = f->tmpl.ops;

    // <Event xmlns=...>: attributes as literal text.
    open_with_literal_attributes(ops, event);
    bool any_content = false;
    for (uint32_t c = t_[event].first_child; c != kNoNode; c = t_[c].next_sibling) {
      const Node& n = t_[c];
      if (n.kind == NodeKind::Element) {
        if (!any_content) ops.push_back({TOp::CloseStart});
        any_content = true;
        if (c == sys)
          system_element(*f, c);
        else
          data_substitution(*f, c);
      } else if (is_text_piece(n.kind)) {
        std::string s = piece_text(c);
        if (whitespace_only(s)) continue;
        if (!any_content) ops.push_back({TOp::CloseStart});
        any_content = true;
        literal(ops, s);
      }
    }
    close(ops, any_content);
    seal(f->tmpl);
    return f;
  }

 private:
  std::string piece_text(uint32_t piece) {
    // append_node_text works on a parent: render the single piece directly.
    const Node& n = t_[piece];
    std::string s;
    switch (n.kind) {
      case NodeKind::Text:
      case NodeKind::CData: append_value_text(s, n.value); break;
      case NodeKind::CharRef: {
        uint8_t u16[2] = {static_cast<uint8_t>(n.char_ref & 0xff), static_cast<uint8_t>(n.char_ref >> 8)};
        append_utf16(s, u16, 1);
        break;
      }
      case NodeKind::EntityRef:
        if (n.name == "amp")
          s = "&";
        else if (n.name == "lt")
          s = "<";
        else if (n.name == "gt")
          s = ">";
        else if (n.name == "quot")
          s = "\"";
        else if (n.name == "apos")
          s = "'";
        else {
          s = "&";
          s.append(n.name);
          s += ';';
        }
        break;
      default: break;
    }
    return s;
  }

  static void literal(std::vector<TOp>& ops, std::string text) {
    TOp op{TOp::Text};
    op.text = std::move(text);
    ops.push_back(std::move(op));
  }

  static void close(std::vector<TOp>& ops, bool had_content) {
    ops.push_back({had_content ? TOp::End : TOp::CloseEmpty});
  }

  void open(std::vector<TOp>& ops, uint32_t element, bool has_attributes) {
    TOp op{TOp::Open};
    op.flag = has_attributes;
    op.text = std::string(t_[element].name);
    ops.push_back(std::move(op));
  }

  void attr(std::vector<TOp>& ops, uint32_t a, bool more) {
    TOp op{TOp::Attr};
    op.flag = more;
    op.text = std::string(t_[a].name);
    ops.push_back(std::move(op));
  }

  void open_with_literal_attributes(std::vector<TOp>& ops, uint32_t element) {
    std::vector<uint32_t> attrs = attributes_of(t_, element);
    open(ops, element, !attrs.empty());
    for (size_t i = 0; i < attrs.size(); ++i) {
      attr(ops, attrs[i], i + 1 < attrs.size());
      literal(ops, node_text(t_, attrs[i]));
    }
  }

  uint16_t take_index() {
    if (next_index_ == 0xffff) throw WriteError("event has too many values");
    return next_index_++;
  }

  EncodedValue encode(ValueType wanted, std::string_view text) {
    EncodedValue v = encode_value(wanted, text);
    if (wanted != ValueType::String && v.declared == ValueType::String) ++stats_.string_fallbacks;
    return v;
  }

  void subst(Fragment& f, uint16_t index, bool optional, EncodedValue v) {
    TOp op{TOp::Subst};
    op.optional = optional;
    op.index = index;
    op.type = static_cast<uint8_t>(v.declared);
    f.tmpl.ops.push_back(std::move(op));
    if (f.values.size() <= index) f.values.resize(index + 1u);
    f.values[index].enc = std::move(v);
  }

  // The slot of a standard System value not used yet in this event, or a new index.
  uint16_t system_index(std::string_view element, std::string_view attribute) {
    for (const SystemSlot& s : kSystemSlots) {
      if (element == s.element && attribute == s.attribute) {
        if (used_slots_ & (1u << s.index)) break;
        used_slots_ |= 1u << s.index;
        return s.index;
      }
    }
    return take_index();
  }

  // <System>: every attribute value and element text an optional
  // substitution, Computer as literal text.
  void system_element(Fragment& f, uint32_t sys) {
    std::vector<TOp>& ops = f.tmpl.ops;
    open_with_literal_attributes(ops, sys);
    bool any = false;
    for (uint32_t e = t_[sys].first_child; e != kNoNode; e = t_[e].next_sibling) {
      if (t_[e].kind != NodeKind::Element) continue;
      if (!any) ops.push_back({TOp::CloseStart});
      any = true;
      system_value_element(f, e, 0);
    }
    close(ops, any);
  }

  void system_value_element(Fragment& f, uint32_t e, int depth) {
    std::vector<TOp>& ops = f.tmpl.ops;
    std::string_view name = t_[e].name;
    std::vector<uint32_t> attrs = attributes_of(t_, e);
    open(ops, e, !attrs.empty());
    for (size_t i = 0; i < attrs.size(); ++i) {
      attr(ops, attrs[i], i + 1 < attrs.size());
      std::string_view an = t_[attrs[i]].name;
      ValueType type = depth == 0 ? system_value_type(name, an) : ValueType::String;
      uint16_t index = depth == 0 ? system_index(name, an) : take_index();
      std::string value = node_text(t_, attrs[i]);
      EncodedValue v = encode(type, value);
      if (value.empty()) v.type = ValueType::Null;  // an empty optional value: the attribute is left out
      subst(f, index, true, std::move(v));
    }
    if (has_child_elements(t_, e)) {  // not in any Windows System: kept as it is
      ops.push_back({TOp::CloseStart});
      for (uint32_t c = t_[e].first_child; c != kNoNode; c = t_[c].next_sibling)
        if (t_[c].kind == NodeKind::Element) system_value_element(f, c, depth + 1);
      ops.push_back({TOp::End});
      return;
    }
    std::string text = node_text(t_, e);
    if (text.empty()) {
      ops.push_back({TOp::CloseEmpty});
      return;
    }
    ops.push_back({TOp::CloseStart});
    if (depth == 0 && name == "Computer") {
      literal(ops, std::move(text));
    } else {
      ValueType type = depth == 0 ? system_value_type(name, "") : ValueType::String;
      uint16_t index = depth == 0 ? system_index(name, "") : take_index();
      subst(f, index, true, encode(type, text));
    }
    ops.push_back({TOp::End});
  }

  // A child of <Event> other than System: one BinXml substitution holding a
  // template instance of the element's own data template.
  void data_substitution(Fragment& f, uint32_t element) {
    auto nested = std::make_unique<Fragment>();
    data_element(*nested, element, 0);
    seal(nested->tmpl);
    uint16_t index = take_index();
    EncodedValue v;
    v.declared = v.type = ValueType::BinXml;
    subst(f, index, true, std::move(v));
    f.values[index].nested = std::move(nested);
  }

  // Data template: attributes literal; a leaf element's text is a normal
  // substitution typed by (provider, EventID, field name).
  void data_element(Fragment& f, uint32_t e, int depth) {
    std::vector<TOp>& ops = f.tmpl.ops;
    open_with_literal_attributes(ops, e);
    if (has_child_elements(t_, e)) {
      ops.push_back({TOp::CloseStart});
      for (uint32_t c = t_[e].first_child; c != kNoNode; c = t_[c].next_sibling) {
        if (t_[c].kind == NodeKind::Element) {
          data_element(f, c, depth + 1);
        } else if (is_text_piece(t_[c].kind)) {
          std::string s = piece_text(c);
          if (!whitespace_only(s)) literal(ops, std::move(s));
        }
      }
      ops.push_back({TOp::End});
      return;
    }
    std::string text = node_text(t_, e);
    if (depth == 0 && text.empty()) {  // <EventData/>
      ops.push_back({TOp::CloseEmpty});
      return;
    }
    std::string_view field = t_[e].name;
    std::string name_attr;
    if (field == "Data") {
      uint32_t a = t_.attribute(e, "Name");
      if (a != kNoNode) {
        name_attr = node_text(t_, a);
        field = name_attr;
      }
    }
    ops.push_back({TOp::CloseStart});
    subst(f, static_cast<uint16_t>(f.values.size()), false, encode(data_value_type(provider_, event_id_, field), text));
    ops.push_back({TOp::End});
  }

  const EventTree& t_;
  WriterStats& stats_;
  std::string provider_;
  uint16_t event_id_ = 0;
  uint16_t next_index_ = kSystemSlotCount;
  uint32_t used_slots_ = 0;
};

// ---------------------------------------------------------------------------
// A chunk being filled.

class Chunk {
 public:
  Chunk() { reset(); }

  void reset() {
    buf_.assign(kChunkHeaderSize, 0);
    names_.clear();
    templates_.clear();
    name_heads_.fill(0);
    template_heads_.fill(0);
    records_ = 0;
    first_id_ = last_id_ = 0;
    last_record_offset_ = 0;
  }

  bool empty() const { return records_ == 0; }

  // Appends a record; false (chunk unchanged) if it does not fit.
  bool add_record(uint64_t id, uint64_t time, const Fragment& f, uint64_t& new_templates) {
    size_t start = buf_.size();
    auto saved_names = name_heads_;
    auto saved_templates = template_heads_;
    journal_names_.clear();
    journal_templates_.clear();
    auto roll_back = [&] {
      buf_.resize(start);
      name_heads_ = saved_names;
      template_heads_ = saved_templates;
      for (const std::string& n : journal_names_) names_.erase(n);
      for (const std::string& k : journal_templates_) templates_.erase(k);
    };
    try {
      put32(kRecordSignatureValue);
      put32(0);  // size, patched
      put64(id);
      put64(time);
      fragment(f);
    } catch (...) {
      roll_back();
      throw;
    }
    while ((buf_.size() - start + 4) % 8 != 0) buf_.push_back(0);  // 8-byte aligned, as Windows writes
    uint32_t size = static_cast<uint32_t>(buf_.size() - start + 4);
    put32(size);
    if (buf_.size() > kRecordsEnd) {
      roll_back();
      return false;
    }
    patch32(start + 4, size);
    if (records_ == 0) first_id_ = id;
    last_id_ = id;
    last_record_offset_ = static_cast<uint32_t>(start);
    ++records_;
    new_templates += journal_templates_.size();
    return true;
  }

  // The complete 64 KiB chunk image.
  const std::vector<uint8_t>& finish() {
    uint32_t free_offset = static_cast<uint32_t>(buf_.size());
    buf_.resize(kChunkSize, 0);
    using namespace chunk_header;
    std::memcpy(buf_.data(), kChunkSignature, sizeof kChunkSignature);
    patch64(kFirstRecordNumber, first_id_);
    patch64(kLastRecordNumber, last_id_);
    patch64(kFirstRecordId, first_id_);
    patch64(kLastRecordId, last_id_);
    patch32(kHeaderSize, kHeaderSizeValue);
    patch32(kLastRecordOffset, last_record_offset_);
    patch32(kFreeSpaceOffset, free_offset);
    patch32(kRecordsChecksum, crc32(buf_.data() + kSize, free_offset - kSize));
    for (size_t i = 0; i < kNameBuckets; ++i) patch32(kNameTable + 4 * i, name_heads_[i]);
    for (size_t i = 0; i < kTemplateBuckets; ++i) patch32(kTemplateTable + 4 * i, template_heads_[i]);
    patch32(kChecksum, crc32(buf_.data() + kNameTable, kSize - kNameTable, crc32(buf_.data(), kChecksumGap)));
    return buf_;
  }

  static constexpr size_t max_record_size() { return kRecordsEnd - kChunkHeaderSize; }

 private:
  void put8(uint8_t v) { buf_.push_back(v); }
  void fragment_header() { buf_.insert(buf_.end(), std::begin(kFragmentHeader), std::end(kFragmentHeader)); }
  void put16(uint16_t v) {
    put8(uint8_t(v));
    put8(uint8_t(v >> 8));
  }
  void put32(uint32_t v) {
    for (int i = 0; i < 4; ++i) put8(uint8_t(v >> (8 * i)));
  }
  void put64(uint64_t v) {
    for (int i = 0; i < 8; ++i) put8(uint8_t(v >> (8 * i)));
  }
  void patch32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_[at + i] = uint8_t(v >> (8 * i));
  }
  void patch64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_[at + i] = uint8_t(v >> (8 * i));
  }
  void patch16(size_t at, uint16_t v) {
    buf_[at] = uint8_t(v);
    buf_[at + 1] = uint8_t(v >> 8);
  }
  uint32_t pos() const { return static_cast<uint32_t>(buf_.size()); }
  void bytes(const std::string& s) { buf_.insert(buf_.end(), s.begin(), s.end()); }

  // A name reference: the offset of the name's structure, defined right here
  // on first use in the chunk.
  void name(const std::string& utf8) {
    auto it = names_.find(utf8);
    if (it != names_.end()) {
      put32(it->second);
      return;
    }
    uint32_t offset = pos() + 4;
    put32(offset);
    std::string utf16;
    size_t units = text::append_utf16le(utf16, utf8);
    if (units > 0xffff) throw WriteError("name longer than 65535 characters");
    uint16_t hash = static_cast<uint16_t>(name_hash(reinterpret_cast<const uint8_t*>(utf16.data()), units));
    uint32_t bucket = hash % chunk_header::kNameBuckets;
    put32(name_heads_[bucket]);  // next name in this bucket
    put16(hash);
    put16(static_cast<uint16_t>(units));
    bytes(utf16);
    put16(0);
    name_heads_[bucket] = offset;
    names_.emplace(utf8, offset);
    journal_names_.push_back(utf8);
  }

  void text(const std::string& utf8) {
    std::string utf16;
    size_t units = text::append_utf16le(utf16, utf8);
    if (units > 0xffff) throw WriteError("literal text longer than 65535 characters");
    put8(token_byte(Token::Value));
    put8(static_cast<uint8_t>(ValueType::String));
    put16(static_cast<uint16_t>(units));
    bytes(utf16);
  }

  void body(const Template& t) {
    struct Open {
      size_t size_at;       // element data size field
      size_t attr_size_at;  // attribute list size field, 0 if none
    };
    std::vector<Open> stack;
    auto end_attributes = [&] {
      Open& o = stack.back();
      if (o.attr_size_at != 0) {
        patch32(o.attr_size_at, static_cast<uint32_t>(buf_.size() - o.attr_size_at - 4));
        o.attr_size_at = 0;
      }
    };
    auto end_element = [&] {
      Open& o = stack.back();
      patch32(o.size_at, static_cast<uint32_t>(buf_.size() - o.size_at - 4));
      stack.pop_back();
    };
    for (const TOp& op : t.ops) {
      switch (op.kind) {
        case TOp::Open: {
          put8(token_byte(Token::OpenStartElement, op.flag));
          put16(kNoDependency);
          Open o{buf_.size(), 0};
          put32(0);
          name(op.text);
          if (op.flag) {
            o.attr_size_at = buf_.size();
            put32(0);
          }
          stack.push_back(o);
          break;
        }
        case TOp::Attr:
          put8(token_byte(Token::Attribute, op.flag));
          name(op.text);
          break;
        case TOp::Text: text(op.text); break;
        case TOp::Subst:
          put8(token_byte(op.optional ? Token::OptionalSubstitution : Token::NormalSubstitution));
          put16(op.index);
          put8(op.type);
          break;
        case TOp::CloseStart:
          end_attributes();
          put8(token_byte(Token::CloseStartElement));
          break;
        case TOp::CloseEmpty:
          end_attributes();
          put8(token_byte(Token::CloseEmptyElement));
          end_element();
          break;
        case TOp::End:
          put8(token_byte(Token::EndElement));
          end_element();
          break;
      }
    }
  }

  // Fragment header and template instance (definition inline on first use),
  // the instance's value descriptors and values, and the end-of-fragment
  // token, as Windows writes both records and BinXml values.
  void fragment(const Fragment& f) {
    fragment_header();
    put8(token_byte(Token::TemplateInstance));
    put8(kTemplateInstanceVersion);
    put32(f.tmpl.id);
    auto it = templates_.find(f.tmpl.key);
    if (it != templates_.end()) {
      put32(it->second);
    } else {
      uint32_t offset = pos() + 4;
      put32(offset);
      put32(template_heads_[f.tmpl.bucket]);  // next definition in this bucket
      buf_.insert(buf_.end(), f.tmpl.guid.begin(), f.tmpl.guid.end());
      size_t size_at = buf_.size();
      put32(0);
      fragment_header();
      body(f.tmpl);
      put8(token_byte(Token::EndOfFragment));
      patch32(size_at, static_cast<uint32_t>(buf_.size() - size_at - 4));
      template_heads_[f.tmpl.bucket] = offset;
      templates_.emplace(f.tmpl.key, offset);
      journal_templates_.push_back(f.tmpl.key);
    }
    put32(static_cast<uint32_t>(f.values.size()));
    size_t desc = buf_.size();
    buf_.resize(buf_.size() + 4 * f.values.size(), 0);
    for (size_t i = 0; i < f.values.size(); ++i) {
      const Value& v = f.values[i];
      size_t start = buf_.size();
      if (v.nested)
        fragment(*v.nested);
      else
        bytes(v.enc.bytes);
      size_t size = buf_.size() - start;
      if (size > 0xffff) throw WriteError("a value is larger than 65535 bytes");
      patch16(desc + 4 * i, static_cast<uint16_t>(size));
      buf_[desc + 4 * i + 2] = static_cast<uint8_t>(v.nested ? ValueType::BinXml : v.enc.type);
      buf_[desc + 4 * i + 3] = 0;
    }
    put8(token_byte(Token::EndOfFragment));  // after the values (libevtx reads up to it)
  }

  std::vector<uint8_t> buf_;
  std::unordered_map<std::string, uint32_t> names_;
  std::unordered_map<std::string, uint32_t> templates_;
  std::array<uint32_t, chunk_header::kNameBuckets> name_heads_{};
  std::array<uint32_t, chunk_header::kTemplateBuckets> template_heads_{};
  std::vector<std::string> journal_names_;
  std::vector<std::string> journal_templates_;
  uint64_t records_ = 0;
  uint64_t first_id_ = 0, last_id_ = 0;
  uint32_t last_record_offset_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------

struct EvtxWriter::Impl {
  ChunkSink sink;
  Chunk chunk;
  WriterStats stats;
  uint64_t next_id = 1;
  uint64_t max_id = 0;
  bool finished = false;

  void flush() {
    if (chunk.empty()) return;
    if (stats.chunks >= 0xffff) throw WriteError("more than 65535 chunks: the file header cannot count them");
    sink(chunk.finish().data());
    ++stats.chunks;
    chunk.reset();
  }
};

EvtxWriter::EvtxWriter(ChunkSink sink) : impl_(std::make_unique<Impl>()) { impl_->sink = std::move(sink); }
EvtxWriter::~EvtxWriter() = default;

const WriterStats& EvtxWriter::stats() const { return impl_->stats; }

uint64_t EvtxWriter::add(const EventTree& event) {
  Impl& w = *impl_;
  if (w.finished) throw WriteError("writer already finished");
  WriterStats scratch = w.stats;
  bool has_id = false;
  uint64_t id = 0, time = 0;
  std::unique_ptr<Fragment> f = EventBuilder(event, scratch).build(has_id, id, time);
  if (!has_id) id = w.next_id;
  uint64_t new_templates = 0;
  if (!w.chunk.add_record(id, time, *f, new_templates)) {
    if (w.chunk.empty())
      throw WriteError("record " + std::to_string(id) + " is larger than a chunk can hold (" +
                       std::to_string(Chunk::max_record_size()) + " bytes)");
    w.flush();
    new_templates = 0;
    if (!w.chunk.add_record(id, time, *f, new_templates))
      throw WriteError("record " + std::to_string(id) + " is larger than a chunk can hold (" +
                       std::to_string(Chunk::max_record_size()) + " bytes)");
  }
  w.stats.string_fallbacks = scratch.string_fallbacks;
  w.stats.template_definitions += new_templates;
  if (w.stats.records == 0) w.stats.first_record_id = id;
  w.stats.last_record_id = id;
  ++w.stats.records;
  w.next_id = id + 1;
  if (id > w.max_id) w.max_id = id;
  return id;
}

std::vector<uint8_t> EvtxWriter::finish() {
  Impl& w = *impl_;
  if (w.finished) throw WriteError("writer already finished");
  w.flush();
  w.finished = true;
  std::vector<uint8_t> h(kFileHeaderSize, 0);
  auto p16 = [&](size_t at, uint16_t v) {
    h[at] = uint8_t(v);
    h[at + 1] = uint8_t(v >> 8);
  };
  auto p32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) h[at + i] = uint8_t(v >> (8 * i));
  };
  auto p64 = [&](size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) h[at + i] = uint8_t(v >> (8 * i));
  };
  using namespace file_header;
  std::memcpy(h.data(), kFileSignature, sizeof kFileSignature);
  uint64_t chunks = w.stats.chunks;
  p64(kFirstChunk, 0);
  p64(kLastChunk, chunks > 0 ? chunks - 1 : 0);
  p64(kNextRecordId, w.stats.records > 0 ? w.max_id + 1 : 1);
  p32(kHeaderSize, kHeaderSizeValue);
  p16(kMinorVersion, 1);
  p16(kMajorVersion, 3);
  p16(kBlockSize, static_cast<uint16_t>(kFileHeaderSize));
  p16(kChunkCount, static_cast<uint16_t>(chunks));
  p32(kFlags, 0);  // clean, not full
  p32(kChecksum, crc32(h.data(), kChecksummed));
  return h;
}

// ---------------------------------------------------------------------------

// The file is written under a temporary name made by mkstemp (created with
// O_EXCL: a link planted at a guessable name is never followed) and renamed
// over the target when complete. A target that exists and is not a regular
// file (a device, a FIFO) is never replaced: the finished file is copied into
// it. The header is written last, so the temporary file is always needed.
EvtxFileWriter::EvtxFileWriter(const std::filesystem::path& path) : path_(path) {
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw WriteError(path.string() + ": is a folder, not an output file");
  direct_ = exists && !S_ISREG(st.st_mode);
  std::filesystem::path dir = direct_ ? std::filesystem::temp_directory_path() : path.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + path.filename().string() + ".evtxhunt-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw WriteError(path.string() + ": cannot create a temporary file in " + dir.string() + ": " +
                     std::strerror(errno));
  temp_ = tmpl;
  // mkstemp makes the file 0600; the output gets what a new file gets.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  file_ = ::fdopen(fd, "w+b");
  if (!file_) {
    ::close(fd);
    throw WriteError(path.string() + ": cannot create: " + std::strerror(errno));
  }
  std::vector<uint8_t> placeholder(kFileHeaderSize, 0);
  write(placeholder.data(), placeholder.size());
  writer_ = std::make_unique<EvtxWriter>([this](const uint8_t* chunk) { write(chunk, kChunkSize); });
}

EvtxFileWriter::~EvtxFileWriter() {
  if (file_) std::fclose(file_);
  if (!committed_ || direct_) {  // a device target got a copy; the temporary file goes
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void EvtxFileWriter::write(const uint8_t* data, size_t size) {
  if (std::fwrite(data, 1, size, file_) != size)
    throw WriteError(path_.string() + ": cannot write: " + std::strerror(errno));
}

void EvtxFileWriter::commit() {
  if (committed_) return;
  std::vector<uint8_t> header = writer_->finish();
  if (std::fseek(file_, 0, SEEK_SET) != 0) throw WriteError(path_.string() + ": cannot seek: " + std::strerror(errno));
  write(header.data(), header.size());
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)
    throw WriteError(path_.string() + ": cannot write: " + std::strerror(errno));
  if (direct_) {
    copy_into_target();
  } else {
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) throw WriteError(path_.string() + ": cannot write: " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(temp_, path_, ec);
    if (ec) throw WriteError(path_.string() + ": cannot rename the temporary file into place: " + ec.message());
  }
  committed_ = true;
}

// Writes the finished temporary file into the (non-regular) target, opened
// without O_CREAT or O_TRUNC: a device or FIFO stays what it is.
void EvtxFileWriter::copy_into_target() {
  int out = ::open(path_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (out < 0) throw WriteError(path_.string() + ": cannot open for writing: " + std::strerror(errno));
  std::rewind(file_);
  std::vector<char> buf(1 << 16);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), file_)) > 0) {
    for (size_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf.data() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        int err = errno;
        ::close(out);
        throw WriteError(path_.string() + ": cannot write: " + std::strerror(err));
      }
      done += static_cast<size_t>(w);
    }
  }
  ::close(out);
}

}  // namespace evtx
