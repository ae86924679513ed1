// BinXML tokens compiled into templates (once per chunk) and replayed into
// event trees; the fast paths that read a record through its template's field
// map. Output programs are in binxml_programs.cpp.
#include <cstring>

#include "evtx/binxml_impl.h"

namespace evtx {

using namespace binxml_detail;

void BinXmlDecoder::Impl::reset(const uint8_t* chunk, uint32_t chunk_size) {
  chunk_ = chunk;
  chunk_size_ = chunk_size;
  names_.clear();
  templates_.clear();
  field_maps_.clear();
  layouts_.clear();
  chunk_programs_.clear();
  if (program_bytes_ > kMaxProgramBytes) {
    programs_.clear();
    program_bytes_ = 0;
  }
  chunk_nodes_ = 0;
}

Fragment& BinXmlDecoder::Impl::scratch(int depth) {
  while (static_cast<int>(scratch_.size()) <= depth) scratch_.push_back(std::make_unique<Fragment>());
  return *scratch_[static_cast<size_t>(depth)];
}

// A name structure (format.h name_def), decoded once per chunk.
std::string_view BinXmlDecoder::Impl::name_at(uint32_t offset) {
  using namespace name_def;
  auto it = names_.find(offset);
  if (it != names_.end()) return it->second;
  if (offset < kFirstStructureOffset || offset > chunk_size_ - kText) fail("name offset outside the chunk", offset);
  uint32_t units = load16(chunk_ + offset + kUnits);
  if (offset + kText + 2 * units > chunk_size_) fail("name runs past the chunk", offset);
  std::string utf8;
  append_utf16(utf8, chunk_ + offset + kText, units);
  return names_.emplace(offset, std::move(utf8)).first->second;
}

// Whether a name structure is at offset: written before its use, inside the
// chunk, and its stored hash matches its text.
bool BinXmlDecoder::Impl::plausible_name(uint32_t offset, uint32_t inline_pos) const {
  using namespace name_def;
  if (names_.count(offset)) return true;
  if (offset < kFirstStructureOffset || offset > chunk_size_ - kText) return false;
  if (offset != inline_pos && offset > inline_pos) return false;  // names are written before use
  uint32_t units = load16(chunk_ + offset + kUnits);
  if (offset + kText + 2 * units + kTerminator > chunk_size_) return false;
  return (name_hash(chunk_ + offset + kText, units) & 0xffff) == load16(chunk_ + offset + kHash);
}

std::string_view BinXmlDecoder::Impl::read_name(Cursor& c) {
  using namespace name_def;
  uint32_t offset = c.u32();
  std::string_view name = name_at(offset);
  if (offset == c.pos) {  // defined inline: skip the name structure
    c.need(kText);
    c.skip(kText + 2 * uint32_t(load16(chunk_ + offset + kUnits)) + kTerminator);
  }
  return name;
}

// A template definition (format.h template_def), compiled once per chunk.
const Fragment* BinXmlDecoder::Impl::template_at(uint32_t offset, int depth) {
  using namespace template_def;
  auto it = templates_.find(offset);
  if (it != templates_.end()) {
    if (!it->second) fail("unreadable or recursive template definition", offset);
    return it->second.get();
  }
  if (depth > kMaxDepth) fail("templates nested too deeply", offset);
  if (offset < kFirstStructureOffset || offset > chunk_size_ - kBody) fail("template offset outside the chunk", offset);
  templates_.emplace(offset, nullptr);  // in progress: breaks reference cycles
  if (logging_templates_) started_templates_.push_back(offset);
  uint32_t size = load32(chunk_ + offset + kBodySize);
  if (size > chunk_size_ - offset - kBody) fail("template body runs past the chunk", offset);
  auto frag = std::make_unique<Fragment>();
  Cursor c{chunk_, offset + kBody, offset + kBody + size};
  compile(c, *frag, depth + 1);
  const Fragment* result = frag.get();
  templates_[offset] = std::move(frag);
  return result;
}

// TemplateInstance (after its token): version (1), template id (4),
// definition offset (4), [the definition inline], value count (4), value
// descriptors, values.
void BinXmlDecoder::Impl::read_instance(Cursor& c, Fragment& f, int depth) {
  using namespace value_descriptor;
  c.u8();   // version, 1
  c.u32();  // template id
  uint32_t def = c.u32();
  if (def == c.pos) {  // the definition follows inline: skip it
    c.need(template_def::kBody);
    c.skip(template_def::kBody + load32(chunk_ + c.pos + template_def::kBodySize));
  }
  const Fragment* tmpl = template_at(def, depth);
  uint32_t n = c.u32();
  if (n > (c.end - c.pos) / kLength) fail("substitution count larger than the record", c.pos);
  uint32_t desc = c.pos;
  uint32_t vpos = c.pos + kLength * n;
  uint32_t first = static_cast<uint32_t>(f.values.size());
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t size = load16(chunk_ + desc + kLength * i + kSize);
    uint8_t type = chunk_[desc + kLength * i + kType];
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

void BinXmlDecoder::Impl::compile(Cursor& c, Fragment& f, int depth) {
  int open = 0;
  while (c.pos < c.end) {
    uint32_t at = c.pos;
    uint8_t byte = c.u8();
    switch (token_of(byte)) {
      case Token::EndOfFragment:
        if (open > 0) fail("fragment ends inside an element", at);
        return;
      case Token::FragmentHeader: c.skip(kFragmentHeaderSize - 1); break;
      case Token::OpenStartElement:
        compile_open_element(c, f, byte);
        ++open;
        break;
      case Token::CloseStartElement: f.ops.push_back(Op{Op::EndAttrs}); break;
      case Token::CloseEmptyElement:
        f.ops.push_back(Op{Op::EndAttrs});
        f.ops.push_back(Op{Op::Close});
        if (--open < 0) fail("element closed twice", at);
        break;
      case Token::EndElement:
        f.ops.push_back(Op{Op::Close});
        if (--open < 0) fail("end of an element never opened", at);
        break;
      case Token::Value: compile_value(c, f, at); break;
      case Token::Attribute: compile_named(c, f, Op::Attr); break;
      case Token::CDataSection: compile_utf16(c, f, Op::CData); break;
      case Token::CharRef: compile_char_ref(c, f); break;
      case Token::EntityRef: compile_named(c, f, Op::EntityRef); break;
      case Token::PITarget: compile_named(c, f, Op::PITarget); break;
      case Token::PIData: compile_utf16(c, f, Op::PIData); break;
      case Token::TemplateInstance: read_instance(c, f, depth); break;
      case Token::NormalSubstitution:
      case Token::OptionalSubstitution: compile_substitution(c, f, byte); break;
      default: fail("unknown BinXML token", at);
    }
  }
  if (open > 0) fail("BinXML ends inside an element", c.pos);
}

// OpenStartElement: [dependency id (2)], element data size (4), name,
// [attribute list size (4) when the token has the more flag].
void BinXmlDecoder::Impl::compile_open_element(Cursor& c, Fragment& f, uint8_t token) {
  // Template bodies carry a 2-byte dependency id before the size; some
  // fragments do not. Take the layout whose name offset is readable.
  auto peek32 = [&](uint32_t k) { return c.end - c.pos >= k + 4 ? load32(chunk_ + c.pos + k) : 0u; };
  bool dep = plausible_name(peek32(6), c.pos + 10) || !plausible_name(peek32(4), c.pos + 8);
  if (dep) c.u16();
  c.u32();  // element data size
  Op op{Op::Open};
  op.name = read_name(c);
  if (has_more_flag(token)) c.u32();  // attribute list size
  f.ops.push_back(op);
}

// Value: a type byte, then a counted UTF-16 string or a fixed-size value.
void BinXmlDecoder::Impl::compile_value(Cursor& c, Fragment& f, uint32_t at) {
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
}

// Attribute, EntityRef, PITarget: a name.
void BinXmlDecoder::Impl::compile_named(Cursor& c, Fragment& f, Op::Code code) {
  Op op{code};
  op.name = read_name(c);
  f.ops.push_back(op);
}

// CDataSection, PIData: a counted UTF-16 string.
void BinXmlDecoder::Impl::compile_utf16(Cursor& c, Fragment& f, Op::Code code) {
  Op op{code};
  op.value = c.counted_utf16();
  f.ops.push_back(op);
}

// CharRef: a UTF-16 code unit.
void BinXmlDecoder::Impl::compile_char_ref(Cursor& c, Fragment& f) {
  Op op{Op::CharRef};
  op.index = c.u16();
  f.ops.push_back(op);
}

// Normal / optional substitution: value index (2), declared type (1).
void BinXmlDecoder::Impl::compile_substitution(Cursor& c, Fragment& f, uint8_t token) {
  Op op{Op::Subst};
  op.optional = token_of(token) == Token::OptionalSubstitution;
  op.index = c.u16();
  c.u8();  // declared type; the value descriptor's type is what counts
  f.ops.push_back(op);
}

void BinXmlDecoder::Impl::decode_fragments(uint32_t begin, uint32_t end, EventTree& tree, uint32_t parent, int depth) {
  if (depth > kMaxDepth) fail("BinXML values nested too deeply", begin);
  Fragment& f = scratch(depth);
  f.clear();
  Cursor c{chunk_, begin, end};
  size_t complete = 0;  // ops of the fragments read whole
  try {
    while (c.skip_fragment_ends()) {
      if (complete > 0 && !starts_fragment(chunk_[c.pos])) break;
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
uint32_t BinXmlDecoder::Impl::repeat_for_items(EventTree& tree, uint32_t element, const RawValue& array) {
  // How many copies depends on the record's value: no program can say.
  if (symbolic_) throw BinXmlError("an array fills an element", false);
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
    count_node();
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

// Where emitting one fragment is in the tree.
struct BinXmlDecoder::Impl::EmitState {
  EventTree& tree;
  uint32_t parent;                      // the fragment's parent: never closed by it
  uint32_t cur;                         // the open element
  uint32_t attr = kNoNode;              // the open attribute of cur
  bool attr_has_subst = false;          // the open attribute had a substitution
  uint32_t null_optional_in = kNoNode;  // element whose content was an empty optional substitution

  uint32_t target() const { return attr != kNoNode ? attr : cur; }
  // Ends the open attribute: one whose value was only empty substitutions is
  // left out, as Windows renders it.
  void end_attr() {
    if (attr != kNoNode && tree[attr].first_child == kNoNode && attr_has_subst) tree.drop_last_child(cur, attr);
    attr = kNoNode;
    attr_has_subst = false;
  }
};

inline void BinXmlDecoder::Impl::count_node() {
  if (++node_budget_ > kMaxNodesPerRecord || ++chunk_nodes_ > kMaxNodesPerChunk)
    throw_budget("record expands to too many nodes (crafted or damaged templates)");
}

void BinXmlDecoder::Impl::emit(const Fragment& f, const RawValue* subs, uint32_t nsubs, EventTree& tree,
                               uint32_t parent, int depth) {
  EmitState s{tree, parent, parent};
  for (const Op& op : f.ops) {
    count_node();
    switch (op.code) {
      case Op::Open: emit_open(s, op); break;
      case Op::Attr:
        s.end_attr();
        if (s.cur != kNoNode) s.attr = tree.add(s.cur, NodeKind::Attribute, op.name);
        break;
      case Op::EndAttrs: s.end_attr(); break;
      case Op::Close: emit_close(s); break;
      case Op::Text:
        if (op.value.size != 0) tree.add(s.target(), NodeKind::Text, {}, op.value);
        break;
      case Op::CData: tree.add(s.target(), NodeKind::CData, {}, op.value); break;
      case Op::CharRef: tree[tree.add(s.target(), NodeKind::CharRef)].char_ref = op.index; break;
      case Op::EntityRef: tree.add(s.target(), NodeKind::EntityRef, op.name); break;
      case Op::PITarget:
        s.end_attr();
        tree.add(s.cur, NodeKind::PI, op.name);
        break;
      case Op::PIData:
        if (tree.size() > 0 && tree[tree.size() - 1].kind == NodeKind::PI) tree[tree.size() - 1].value = op.value;
        break;
      case Op::Subst: emit_substitution(s, op, subs, nsubs, depth); break;
      case Op::Instance:
        s.end_attr();
        emit(*op.tmpl, f.values.data() + op.first, op.count, tree, s.cur, depth + 1);
        break;
    }
  }
  s.end_attr();
}

inline void BinXmlDecoder::Impl::emit_open(EmitState& s, const Op& op) {
  s.end_attr();
  if (++element_depth_ > kMaxElementDepth) throw_budget("elements nested too deeply");
  s.cur = s.tree.add(s.cur, NodeKind::Element, op.name);
}

inline void BinXmlDecoder::Impl::emit_close(EmitState& s) {
  s.end_attr();
  if (s.cur == s.parent || s.cur == kNoNode) return;
  --element_depth_;
  uint32_t up = s.tree[s.cur].parent;
  // [MS-EVEN6] 3.1.4.7.2: an element whose only content is an optional
  // substitution with a NULL value is left out.
  if (s.null_optional_in == s.cur && s.tree[s.cur].first_child == kNoNode) s.tree.drop_last_child(up, s.cur);
  s.null_optional_in = kNoNode;
  s.cur = up;
}

// A substitution value: dropped when NULL, expanded when BinXML, repeated per
// item when an array fills an element, else text.
inline void BinXmlDecoder::Impl::emit_substitution(EmitState& s, const Op& op, const RawValue* subs, uint32_t nsubs,
                                                   int depth) {
  if (s.attr != kNoNode) s.attr_has_subst = true;
  RawValue v = op.index < nsubs ? subs[op.index] : RawValue{};
  if (v.is_null()) {
    if (op.optional && s.attr == kNoNode) s.null_optional_in = s.cur;
    return;
  }
  if (v.base_type() == ValueType::BinXml && !v.is_array()) {
    if (s.attr != kNoNode) return;
    if (symbolic_) {
      emit_nested_placeholder(s.tree, s.cur, v, depth);
      return;
    }
    uint32_t at = static_cast<uint32_t>(v.data - chunk_);
    decode_fragments(at, at + v.size, s.tree, s.cur, depth + 1);
    return;
  }
  if (v.is_array() && s.attr == kNoNode && s.cur != s.parent && only_attributes(s.tree, s.cur)) {
    s.cur = repeat_for_items(s.tree, s.cur, v);
    return;
  }
  s.tree.add(s.target(), NodeKind::Text, {}, v);
}

const FieldMap& BinXmlDecoder::Impl::field_map(const Fragment* tmpl) {
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
  RawValue v =
      static_cast<uint32_t>(s.subst) < inst.count ? f.values[inst.first + static_cast<uint32_t>(s.subst)] : RawValue{};
  if (v.is_null()) {
    dropped = s.optional;
    return true;
  }
  if (v.is_array() || v.base_type() == ValueType::BinXml) return false;
  out = v;
  return true;
}

}  // namespace

const Op* BinXmlDecoder::Impl::read_lone_instance(uint32_t begin, uint32_t end, int depth, uint32_t* after) {
  Cursor c{chunk_, begin, end};
  if (c.end - c.pos >= kFragmentHeaderSize && chunk_[c.pos] == token_byte(Token::FragmentHeader))
    c.skip(kFragmentHeaderSize);
  if (c.pos >= c.end || chunk_[c.pos] != token_byte(Token::TemplateInstance)) return nullptr;
  c.skip(1);
  Fragment& f = scratch(depth);
  f.clear();
  read_instance(c, f, depth);
  if (after) *after = c.pos;
  return &f.ops.back();
}

bool BinXmlDecoder::Impl::instance_fields(const Fragment& f, const Op& inst, RecordFields& out, bool nested) {
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

bool BinXmlDecoder::Impl::read_fields(uint32_t begin, uint32_t end, RecordFields& out) {
  out.clear();
  try {
    const Op* inst = read_lone_instance(begin, end, 0);
    if (!inst || !instance_fields(scratch(0), *inst, out, false)) return false;
    out.layout = layouts_.layout_of(out.data);
    return true;
  } catch (const BinXmlError&) {
    return false;  // damaged: the full decode reports it
  }
}

bool BinXmlDecoder::Impl::peek_provider_and_id(uint32_t begin, uint32_t end, std::string& provider,
                                               uint16_t& event_id) {
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

bool BinXmlDecoder::Impl::decode_record(uint32_t begin, uint32_t end, EventTree& tree, std::string& error) {
  tree.clear();
  node_budget_ = 0;
  element_depth_ = 0;
  try {
    decode_fragments(begin, end, tree, kNoNode, 0);
    return true;
  } catch (const BinXmlError& e) {
    error = e.what();
    if (e.over_budget()) tree.clear();
    return false;
  }
}

// ---------------------------------------------------------------------------

BinXmlDecoder::BinXmlDecoder() : impl_(std::make_unique<Impl>()) {}
BinXmlDecoder::~BinXmlDecoder() = default;

void BinXmlDecoder::reset(const uint8_t* chunk, uint32_t chunk_size) { impl_->reset(chunk, chunk_size); }

bool BinXmlDecoder::decode_record(uint32_t begin, uint32_t end, EventTree& tree, std::string& error) {
  return impl_->decode_record(begin, end, tree, error);
}

bool BinXmlDecoder::peek_provider_and_id(uint32_t begin, uint32_t end, std::string& provider, uint16_t& event_id) {
  return impl_->peek_provider_and_id(begin, end, provider, event_id);
}

bool BinXmlDecoder::read_fields(uint32_t begin, uint32_t end, RecordFields& out) {
  return impl_->read_fields(begin, end, out);
}

bool BinXmlDecoder::compile_record(uint32_t begin, uint32_t end, RenderFormat format, CompiledRecord& out) {
  return impl_->compile_record(begin, end, format, out);
}

}  // namespace evtx
