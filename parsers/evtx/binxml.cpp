#include "binxml.h"

#include "field_map.h"

#include <cstring>

namespace evtx {
namespace {

constexpr int kMaxDepth = 16;                  // nested templates / BinXML values
// Real events have tens to hundreds of nodes and a depth under 20. Crafted
// templates that instantiate each other could expand exponentially: a record
// (or a chunk) over these budgets is reported and dropped.
constexpr uint32_t kMaxNodesPerRecord = 1u << 16;
constexpr uint32_t kMaxNodesPerChunk = 1u << 22;
constexpr int kMaxElementDepth = 256;

struct BinXmlError {
  std::string message;
  bool over_budget = false;  // the partial tree is not delivered either
};

[[noreturn]] void throw_budget(const char* what) { throw BinXmlError{what, true}; }

[[noreturn]] void fail(const char* what, uint32_t offset) {
  throw BinXmlError{std::string(what) + " at chunk offset " + std::to_string(offset)};
}

uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// Byte size of a fixed-size value type inside a Value token, 0 if not fixed.
uint32_t value_token_size(uint8_t type) {
  switch (static_cast<ValueType>(type)) {
    case ValueType::Int8: case ValueType::UInt8: return 1;
    case ValueType::Int16: case ValueType::UInt16: return 2;
    case ValueType::Int32: case ValueType::UInt32: case ValueType::Real32: case ValueType::Bool:
    case ValueType::HexInt32: return 4;
    case ValueType::Int64: case ValueType::UInt64: case ValueType::Real64: case ValueType::HexInt64:
    case ValueType::FileTime: return 8;
    case ValueType::Guid: case ValueType::SysTime: return 16;
    default: return 0;
  }
}

bool only_attributes(const EventTree& tree, uint32_t element) {
  for (uint32_t c = tree[element].first_child; c != kNoNode; c = tree[c].next_sibling)
    if (tree[c].kind != NodeKind::Attribute) return false;
  return true;
}

}  // namespace

struct BinXmlDecoder::Cursor {
  const uint8_t* base;
  uint32_t pos;
  uint32_t end;

  void need(uint32_t n) const {
    if (n > end - pos) fail("BinXML runs past its end", pos);
  }
  uint8_t u8() { need(1); return base[pos++]; }
  uint16_t u16() { need(2); uint16_t v = load16(base + pos); pos += 2; return v; }
  uint32_t u32() { need(4); uint32_t v = load32(base + pos); pos += 4; return v; }
  void skip(uint32_t n) { need(n); pos += n; }
  // A UTF-16 string prefixed by its length in code units.
  RawValue counted_utf16() {
    uint32_t units = u16();
    need(2 * units);
    RawValue v{static_cast<uint8_t>(ValueType::String), 2 * units, base + pos};
    pos += 2 * units;
    return v;
  }
};

BinXmlDecoder::BinXmlDecoder() = default;
BinXmlDecoder::~BinXmlDecoder() = default;

void BinXmlDecoder::reset(const uint8_t* chunk, uint32_t chunk_size) {
  chunk_ = chunk;
  chunk_size_ = chunk_size;
  names_.clear();
  templates_.clear();
  field_maps_.clear();
  chunk_nodes_ = 0;
}

Fragment& BinXmlDecoder::scratch(int depth) {
  while (static_cast<int>(scratch_.size()) <= depth) scratch_.push_back(std::make_unique<Fragment>());
  return *scratch_[static_cast<size_t>(depth)];
}

// A name structure: next-offset (4), hash (2), length in code units (2),
// UTF-16 text, NUL (2).
std::string_view BinXmlDecoder::name_at(uint32_t offset) {
  auto it = names_.find(offset);
  if (it != names_.end()) return it->second;
  if (offset < 512 || offset > chunk_size_ - 8) fail("name offset outside the chunk", offset);
  uint32_t units = load16(chunk_ + offset + 6);
  if (offset + 8 + 2 * units > chunk_size_) fail("name runs past the chunk", offset);
  std::string utf8;
  append_utf16(utf8, chunk_ + offset + 8, units);
  return names_.emplace(offset, std::move(utf8)).first->second;
}

// The name hash Windows stores: h = h * 65599 + unit, over the UTF-16 units.
bool BinXmlDecoder::plausible_name(uint32_t offset, uint32_t inline_pos) const {
  if (names_.count(offset)) return true;
  if (offset < 512 || offset > chunk_size_ - 8) return false;
  if (offset != inline_pos && offset > inline_pos) return false;  // names are written before use
  uint32_t units = load16(chunk_ + offset + 6);
  if (offset + 8 + 2 * units + 2 > chunk_size_) return false;
  uint32_t h = 0;
  for (uint32_t i = 0; i < units; ++i) h = h * 65599u + load16(chunk_ + offset + 8 + 2 * i);
  return (h & 0xffff) == load16(chunk_ + offset + 4);
}

std::string_view BinXmlDecoder::read_name(Cursor& c) {
  uint32_t offset = c.u32();
  std::string_view name = name_at(offset);
  if (offset == c.pos) {  // defined inline: skip the name structure
    c.need(8);
    c.skip(8 + 2 * uint32_t(load16(chunk_ + offset + 6)) + 2);
  }
  return name;
}

const Fragment* BinXmlDecoder::template_at(uint32_t offset, int depth) {
  auto it = templates_.find(offset);
  if (it != templates_.end()) {
    if (!it->second) fail("unreadable or recursive template definition", offset);
    return it->second.get();
  }
  if (depth > kMaxDepth) fail("templates nested too deeply", offset);
  // Definition: next-offset (4), GUID (16), body size (4), body.
  if (offset < 512 || offset > chunk_size_ - 24) fail("template offset outside the chunk", offset);
  templates_.emplace(offset, nullptr);  // in progress: breaks reference cycles
  uint32_t size = load32(chunk_ + offset + 20);
  if (size > chunk_size_ - offset - 24) fail("template body runs past the chunk", offset);
  auto frag = std::make_unique<Fragment>();
  Cursor c{chunk_, offset + 24, offset + 24 + size};
  compile(c, *frag, depth + 1);
  const Fragment* result = frag.get();
  templates_[offset] = std::move(frag);
  return result;
}

void BinXmlDecoder::read_instance(Cursor& c, Fragment& f, int depth) {
  c.u8();   // unknown, 1
  c.u32();  // template id
  uint32_t def = c.u32();
  if (def == c.pos) {  // the definition follows inline: skip it
    c.need(24);
    c.skip(24 + load32(chunk_ + c.pos + 20));
  }
  const Fragment* tmpl = template_at(def, depth);
  uint32_t n = c.u32();
  if (n > (c.end - c.pos) / 4) fail("substitution count larger than the record", c.pos);
  uint32_t desc = c.pos;
  uint32_t vpos = c.pos + 4 * n;
  uint32_t first = static_cast<uint32_t>(f.values.size());
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t size = load16(chunk_ + desc + 4 * i);
    uint8_t type = chunk_[desc + 4 * i + 2];
    if (size > c.end - vpos) fail("substitution value runs past the record", vpos);
    f.values.push_back({type, size, chunk_ + vpos});
    vpos += size;
  }
  c.pos = vpos;
  Op op{Op::Instance};
  op.tmpl = tmpl;
  op.first = first;
  op.count = n;
  f.ops.push_back(op);
}

void BinXmlDecoder::compile(Cursor& c, Fragment& f, int depth) {
  int open = 0;
  while (c.pos < c.end) {
    uint32_t at = c.pos;
    uint8_t token = c.u8();
    switch (token & 0xbf) {  // 0x40 is the "more data / has attributes" flag
      case 0x00:  // end of fragment
        if (open > 0) fail("fragment ends inside an element", at);
        return;
      case 0x0f:  // fragment header: major, minor, flags
        c.skip(3);
        break;
      case 0x01: {  // open start element
        // Template bodies carry a 2-byte dependency id before the size; some
        // fragments do not. Take the layout whose name offset is readable.
        auto peek32 = [&](uint32_t k) { return c.end - c.pos >= k + 4 ? load32(chunk_ + c.pos + k) : 0u; };
        bool dep = plausible_name(peek32(6), c.pos + 10) || !plausible_name(peek32(4), c.pos + 8);
        if (dep) c.u16();
        c.u32();  // element data size
        Op op{Op::Open};
        op.name = read_name(c);
        if (token & 0x40) c.u32();  // attribute list size
        f.ops.push_back(op);
        ++open;
        break;
      }
      case 0x02:  // close start tag
        f.ops.push_back(Op{Op::EndAttrs});
        break;
      case 0x03:  // close empty element
        f.ops.push_back(Op{Op::EndAttrs});
        f.ops.push_back(Op{Op::Close});
        if (--open < 0) fail("element closed twice", at);
        break;
      case 0x04:  // end element
        f.ops.push_back(Op{Op::Close});
        if (--open < 0) fail("end of an element never opened", at);
        break;
      case 0x05: {  // value text
        uint8_t type = c.u8();
        Op op{Op::Text};
        if (type == static_cast<uint8_t>(ValueType::String)) {
          op.value = c.counted_utf16();
        } else if (uint32_t size = value_token_size(type); size != 0) {
          c.need(size);
          op.value = {type, size, chunk_ + c.pos};
          c.pos += size;
        } else {
          fail("unsupported value type in a value token", at);
        }
        f.ops.push_back(op);
        break;
      }
      case 0x06: {  // attribute
        Op op{Op::Attr};
        op.name = read_name(c);
        f.ops.push_back(op);
        break;
      }
      case 0x07: {  // CDATA section
        Op op{Op::CData};
        op.value = c.counted_utf16();
        f.ops.push_back(op);
        break;
      }
      case 0x08: {  // character reference
        Op op{Op::CharRef};
        op.index = c.u16();
        f.ops.push_back(op);
        break;
      }
      case 0x09: {  // entity reference
        Op op{Op::EntityRef};
        op.name = read_name(c);
        f.ops.push_back(op);
        break;
      }
      case 0x0a: {  // processing instruction target
        Op op{Op::PITarget};
        op.name = read_name(c);
        f.ops.push_back(op);
        break;
      }
      case 0x0b: {  // processing instruction data
        Op op{Op::PIData};
        op.value = c.counted_utf16();
        f.ops.push_back(op);
        break;
      }
      case 0x0c:  // template instance
        read_instance(c, f, depth);
        break;
      case 0x0d:    // normal substitution
      case 0x0e: {  // optional substitution
        Op op{Op::Subst};
        op.optional = (token & 0xbf) == 0x0e;
        op.index = c.u16();
        c.u8();  // declared type; the value descriptor's type is what counts
        f.ops.push_back(op);
        break;
      }
      default:
        fail("unknown BinXML token", at);
    }
  }
  if (open > 0) fail("BinXML ends inside an element", c.pos);
}

void BinXmlDecoder::decode_fragments(uint32_t begin, uint32_t end, EventTree& tree, uint32_t parent, int depth) {
  if (depth > kMaxDepth) fail("BinXML values nested too deeply", begin);
  Fragment& f = scratch(depth);
  f.clear();
  Cursor c{chunk_, begin, end};
  size_t complete = 0;  // ops of the fragments read whole
  try {
    while (c.pos < c.end) {
      uint8_t next = chunk_[c.pos];
      if (next == 0) {  // end-of-fragment tokens
        ++c.pos;
        continue;
      }
      // After a whole event only another fragment (header or template
      // instance) belongs to the record; other bytes are alignment padding.
      if (complete > 0 && next != 0x0f && next != 0x0c) break;
      compile(c, f, depth);
      complete = f.ops.size();
    }
  } catch (const BinXmlError&) {
    if (complete == 0) {  // the event itself is damaged: keep what was read, report
      emit(f, nullptr, 0, tree, parent, depth);
      throw;
    }
    f.ops.resize(complete);  // trailing bytes after a whole event are not part of it
  }
  emit(f, nullptr, 0, tree, parent, depth);
}

// Windows renders an element whose content is an array substitution once per
// item: <Data>a</Data><Data>b</Data>, each copy with the element's attributes.
// Returns the last copy, which the following operations continue in.
uint32_t BinXmlDecoder::repeat_for_items(EventTree& tree, uint32_t element, const RawValue& array) {
  split_array(array, items_);
  if (items_.empty()) return element;
  uint32_t up = tree[element].parent;
  uint32_t first_attr = tree[element].first_child;  // attributes only, checked by the caller
  std::vector<uint32_t> attrs;
  for (uint32_t a = first_attr; a != kNoNode; a = tree[a].next_sibling)
    if (tree[a].kind == NodeKind::Attribute) attrs.push_back(a);
  tree.add(element, NodeKind::Text, {}, items_[0]);
  uint32_t last = element;
  for (size_t i = 1; i < items_.size(); ++i) {
    if (++node_budget_ > kMaxNodesPerRecord || ++chunk_nodes_ > kMaxNodesPerChunk)
      throw_budget("record expands to too many nodes (crafted or damaged templates)");
    last = tree.add(up, NodeKind::Element, tree[element].name);
    for (uint32_t a : attrs) {
      uint32_t copy = tree.add(last, NodeKind::Attribute, tree[a].name);
      for (uint32_t piece = tree[a].first_child; piece != kNoNode; piece = tree[piece].next_sibling) {
        Node p = tree[piece];
        uint32_t n = tree.add(copy, p.kind, p.name, p.value);
        tree[n].char_ref = p.char_ref;
      }
    }
    tree.add(last, NodeKind::Text, {}, items_[i]);
  }
  return last;
}

void BinXmlDecoder::emit(const Fragment& f, const RawValue* subs, uint32_t nsubs, EventTree& tree,
                         uint32_t parent, int depth) {
  uint32_t cur = parent;
  uint32_t attr = kNoNode;
  bool attr_has_subst = false;
  uint32_t null_optional_in = kNoNode;  // element whose content was an empty optional substitution
  auto target = [&] { return attr != kNoNode ? attr : cur; };
  // An attribute whose value was only empty substitutions is left out, as
  // Windows renders it.
  auto end_attr = [&] {
    if (attr != kNoNode && tree[attr].first_child == kNoNode && attr_has_subst) tree.drop_last_child(cur, attr);
    attr = kNoNode;
    attr_has_subst = false;
  };
  for (const Op& op : f.ops) {
    if (++node_budget_ > kMaxNodesPerRecord || ++chunk_nodes_ > kMaxNodesPerChunk)
      throw_budget("record expands to too many nodes (crafted or damaged templates)");
    switch (op.code) {
      case Op::Open:
        end_attr();
        if (++element_depth_ > kMaxElementDepth) throw_budget("elements nested too deeply");
        cur = tree.add(cur, NodeKind::Element, op.name);
        break;
      case Op::Attr:
        end_attr();
        if (cur != kNoNode) attr = tree.add(cur, NodeKind::Attribute, op.name);
        break;
      case Op::EndAttrs:
        end_attr();
        break;
      case Op::Close: {
        end_attr();
        if (cur == parent || cur == kNoNode) break;
        --element_depth_;
        uint32_t up = tree[cur].parent;
        // [MS-EVEN6] 3.1.4.7.2: an element whose only content is an optional
        // substitution with a NULL value is left out.
        if (null_optional_in == cur && tree[cur].first_child == kNoNode) tree.drop_last_child(up, cur);
        null_optional_in = kNoNode;
        cur = up;
        break;
      }
      case Op::Text:
        if (op.value.size != 0) tree.add(target(), NodeKind::Text, {}, op.value);
        break;
      case Op::CData:
        tree.add(target(), NodeKind::CData, {}, op.value);
        break;
      case Op::CharRef:
        tree[tree.add(target(), NodeKind::CharRef)].char_ref = op.index;
        break;
      case Op::EntityRef:
        tree.add(target(), NodeKind::EntityRef, op.name);
        break;
      case Op::PITarget:
        end_attr();
        tree.add(cur, NodeKind::PI, op.name);
        break;
      case Op::PIData:
        if (tree.size() > 0 && tree[tree.size() - 1].kind == NodeKind::PI) tree[tree.size() - 1].value = op.value;
        break;
      case Op::Subst: {
        if (attr != kNoNode) attr_has_subst = true;
        RawValue v = op.index < nsubs ? subs[op.index] : RawValue{};
        if (v.is_null()) {
          if (op.optional && attr == kNoNode) null_optional_in = cur;
          break;
        }
        if (v.base_type() == ValueType::BinXml && !v.is_array()) {
          if (attr == kNoNode) {
            uint32_t at = static_cast<uint32_t>(v.data - chunk_);
            decode_fragments(at, at + v.size, tree, cur, depth + 1);
          }
          break;
        }
        if (v.is_array() && attr == kNoNode && cur != parent && only_attributes(tree, cur)) {
          cur = repeat_for_items(tree, cur, v);
          break;
        }
        tree.add(target(), NodeKind::Text, {}, v);
        break;
      }
      case Op::Instance:
        end_attr();
        emit(*op.tmpl, f.values.data() + op.first, op.count, tree, cur, depth + 1);
        break;
    }
  }
  end_attr();
}

const FieldMap& BinXmlDecoder::field_map(const Fragment* tmpl) {
  auto it = field_maps_.find(tmpl);
  if (it != field_maps_.end()) return *it->second;
  return *field_maps_.emplace(tmpl, std::make_unique<FieldMap>(compile_field_map(*tmpl))).first->second;
}

namespace {

// The value a field source takes in one instance. False: not expressible
// without the tree (arrays repeat elements, BinXML values expand).
bool source_value(const FieldSource& s, const Fragment& f, const Op& inst, RawValue& out, bool& dropped) {
  out = {};
  dropped = false;
  if (s.pieces == 0) return true;
  if (s.subst < 0) {
    out = s.literal;
    return true;
  }
  RawValue v = static_cast<uint32_t>(s.subst) < inst.count ? f.values[inst.first + static_cast<uint32_t>(s.subst)]
                                                           : RawValue{};
  if (v.is_null()) {
    dropped = s.optional;
    return true;
  }
  if (v.is_array() || v.base_type() == ValueType::BinXml) return false;
  out = v;
  return true;
}

}  // namespace

const Op* BinXmlDecoder::read_lone_instance(uint32_t begin, uint32_t end, int depth) {
  Cursor c{chunk_, begin, end};
  if (c.end - c.pos >= 4 && chunk_[c.pos] == 0x0f) c.skip(4);  // fragment header
  if (c.pos >= c.end || chunk_[c.pos] != 0x0c) return nullptr;  // not a template instance
  c.skip(1);
  Fragment& f = scratch(depth);
  f.clear();
  read_instance(c, f, depth);
  return &f.ops.back();
}

bool BinXmlDecoder::instance_fields(const Fragment& f, const Op& inst, RecordFields& out, bool nested) {
  const FieldMap& m = field_map(inst.tmpl);
  if (!m.usable) return false;
  bool dropped = false;
  for (size_t i = 0; i < kSystemFieldCount; ++i) {
    if (nested) {  // the System fields come from the outer instance
      if (m.system[i].pieces) return false;
      continue;
    }
    if (!source_value(m.system[i], f, inst, out.system[i], dropped)) return false;
  }
  if (m.has_event_data) out.data_kind = Record::DataKind::EventData;
  for (const DataSlot& d : m.data) {
    RawValue v;
    if (!source_value(d.source, f, inst, v, dropped)) return false;
    if (dropped && !d.has_attributes) continue;  // as the tree leaves such an element out
    out.data.emplace_back(d.name, v);
  }
  if (m.nested_data < 0) return true;
  if (nested) return false;
  RawValue v = static_cast<uint32_t>(m.nested_data) < inst.count
                   ? f.values[inst.first + static_cast<uint32_t>(m.nested_data)]
                   : RawValue{};
  if (v.is_null()) return true;
  if (v.is_array() || v.base_type() != ValueType::BinXml) return false;
  uint32_t at = static_cast<uint32_t>(v.data - chunk_);
  const Op* nested_inst = read_lone_instance(at, at + v.size, 1);
  if (!nested_inst || !field_map(nested_inst->tmpl).has_event_data) return false;
  return instance_fields(scratch(1), *nested_inst, out, true);
}

bool BinXmlDecoder::read_fields(uint32_t begin, uint32_t end, RecordFields& out) {
  out.clear();
  try {
    const Op* inst = read_lone_instance(begin, end, 0);
    return inst && instance_fields(scratch(0), *inst, out, false);
  } catch (const BinXmlError&) {
    return false;  // damaged: the full decode reports it
  }
}

bool BinXmlDecoder::peek_provider_and_id(uint32_t begin, uint32_t end, std::string& provider, uint16_t& event_id) {
  try {
    const Op* lone = read_lone_instance(begin, end, 0);
    if (!lone) return false;
    const Fragment& f = scratch(0);
    const Op& inst = *lone;
    const FieldMap& m = field_map(inst.tmpl);
    const FieldSource& ps = m.system[static_cast<size_t>(SystemField::ProviderName)];
    const FieldSource& es = m.system[static_cast<size_t>(SystemField::EventId)];
    if (ps.pieces != 1 || es.pieces != 1) return false;
    RawValue p, e;
    bool dropped;
    if (!source_value(ps, f, inst, p, dropped) || !source_value(es, f, inst, e, dropped)) return false;
    provider.clear();
    append_value_text(provider, p);
    event_id = event_id_of(e);
    return true;
  } catch (const BinXmlError&) {
    return false;  // damaged: the full decode reports it
  }
}

bool BinXmlDecoder::decode_record(uint32_t begin, uint32_t end, EventTree& tree, std::string& error) {
  tree.clear();
  node_budget_ = 0;
  element_depth_ = 0;
  try {
    decode_fragments(begin, end, tree, kNoNode, 0);
    return true;
  } catch (const BinXmlError& e) {
    error = e.message;
    if (e.over_budget) tree.clear();
    return false;
  }
}

}  // namespace evtx
