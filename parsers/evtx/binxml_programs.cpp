// The BinXML decoder's output programs (output_program.h): a record read as
// its template's program and values, the programs compiled once per
// template content and shape from a symbolic tree (the template emitted
// with placeholders, rendered by the renderers themselves).
#include "evtx/binxml_impl.h"

namespace evtx {

using namespace binxml_detail;

// Whether a record's BinXML after its template instance adds nothing to its
// event, as decode_fragments() reads it: the end, or an end-of-fragment token
// and then only bytes that do not compile into a further fragment (padding,
// or the start of one cut short, which the tree path drops too).
bool BinXmlDecoder::Impl::only_padding_after(uint32_t pos, uint32_t end, int depth) {
  if (pos >= end) return true;
  if (chunk_[pos] != token_byte(Token::EndOfFragment)) return false;
  Fragment& f = scratch(depth);
  size_t ops = f.ops.size();
  Cursor c{chunk_, pos, end};
  try {
    while (c.skip_fragment_ends()) {
      if (!starts_fragment(chunk_[c.pos])) break;
      compile(c, f, depth);
      if (f.ops.size() > ops) return false;
    }
  } catch (const BinXmlError&) {
    // not a whole fragment: dropped
  }
  f.ops.resize(ops);
  return true;
}

// The programs of a template, found by its content: operation codes, names
// and literal values (names are chunk offsets in the bytes, so the bytes
// alone could name other text in another chunk).
BinXmlDecoder::Impl::TemplatePrograms& BinXmlDecoder::Impl::programs_for(const Fragment* tmpl) {
  auto it = chunk_programs_.find(tmpl);
  if (it != chunk_programs_.end()) return *it->second;
  key_.clear();
  bool compilable = true;
  auto put32 = [&](uint32_t v) { key_.append(reinterpret_cast<const char*>(&v), 4); };
  for (const Op& op : tmpl->ops) {
    key_ += static_cast<char>(op.code);
    key_ += static_cast<char>(op.optional);
    put32(op.index);
    put32(static_cast<uint32_t>(op.name.size()));
    key_.append(op.name);
    key_ += static_cast<char>(op.value.type);
    put32(op.value.size);
    if (op.value.size) key_.append(reinterpret_cast<const char*>(op.value.data), op.value.size);
    if (op.code == Op::Instance) compilable = false;
  }
  auto& slot = programs_[key_];
  if (!slot) {
    slot = std::make_unique<TemplatePrograms>();
    slot->compilable = compilable;
    program_bytes_ += key_.size();
  }
  chunk_programs_.emplace(tmpl, slot.get());
  return *slot;
}

// The program for one shape, compiled on first use: the template emitted
// with placeholders into a symbolic tree, rendered by the renderer itself.
const OutputProgram& BinXmlDecoder::Impl::program_for(TemplatePrograms& tp, const Fragment* tmpl, uint32_t count,
                                                      const std::string& shape) {
  for (auto& [s, p] : tp.shapes)
    if (s == shape) return *p;
  static const OutputProgram kUnusable;
  if (tp.shapes.size() >= kMaxShapesPerTemplate) return kUnusable;
  auto prog = std::make_unique<OutputProgram>();
  Fragment f;
  for (uint32_t i = 0; i < values_.size(); ++i)
    f.values.push_back(placeholder(static_cast<uint16_t>(i), values_[i].is_null() ? 0 : values_[i].type));
  Op inst{Op::Instance};
  inst.tmpl = tmpl;
  inst.count = count;  // the record's own values; nested ones follow
  f.ops.push_back(inst);
  uint32_t chunk_nodes = chunk_nodes_;
  chunk_nodes_ = node_budget_ = 0;
  element_depth_ = 0;
  symbolic_ = true;
  symbolic_tree_.clear();
  bool emitted = true;
  try {
    emit(f, nullptr, 0, symbolic_tree_, kNoNode, 0);
  } catch (const BinXmlError&) {
    emitted = false;  // over a budget, or a shape only the tree can render
  }
  symbolic_ = false;
  prog->nodes = node_budget_;
  chunk_nodes_ = chunk_nodes;
  if (emitted && symbolic_tree_.root_element() != kNoNode)
    compile_program(symbolic_tree_, static_cast<RenderFormat>(shape[0]), *prog);
  if (values_.size() > 0xffff) prog->usable = false;  // placeholder indexes are 16-bit
  program_bytes_ += shape.size() + prog->text.size() + prog->steps.size() * sizeof(ProgramStep);
  tp.shapes.emplace_back(shape, std::move(prog));
  return *tp.shapes.back().second;
}

// Appends a template instance's values to values_ and their types to the
// shape; a BinXML value that is itself one template instance (as the
// EventData of many Security records is) adds its template and values after
// them. False when a value is BinXML of any other form, or nested deeper.
bool BinXmlDecoder::Impl::add_values(const RawValue* values, uint32_t count, int depth) {
  size_t own = values_.size();
  values_.insert(values_.end(), values, values + count);
  for (uint32_t i = 0; i < count; ++i) {
    const RawValue v = values_[own + i];
    if (v.is_null()) {
      shape_ += '\0';
      continue;
    }
    shape_ += static_cast<char>(v.type);
    if (v.base_type() != ValueType::BinXml) continue;
    if (v.is_array() || depth > 0 || own + i > 0xffff) return false;
    uint32_t at = static_cast<uint32_t>(v.data - chunk_), after = 0;
    const Op* inst = read_lone_instance(at, at + v.size, depth + 1, &after);
    if (!inst) return false;
    Nested n{static_cast<uint16_t>(own + i), inst->tmpl, 0, inst->count};
    uint32_t first = inst->first;
    if (!only_padding_after(after, at + v.size, depth + 1)) return false;
    TemplatePrograms& tp = programs_for(n.tmpl);
    if (!tp.compilable) return false;
    const TemplatePrograms* id = &tp;  // stands for the template's content in the shape
    shape_.append(reinterpret_cast<const char*>(&id), sizeof id);
    shape_.append(reinterpret_cast<const char*>(&n.count), sizeof n.count);
    n.base = static_cast<uint32_t>(values_.size());
    nested_.push_back(n);
    if (!add_values(scratch(depth + 1).values.data() + first, n.count, depth + 1)) return false;
  }
  return true;
}

bool BinXmlDecoder::Impl::compile_record(uint32_t begin, uint32_t end, RenderFormat format, CompiledRecord& out) {
  logging_templates_ = true;
  started_templates_.clear();
  struct StopLogging {
    bool& flag;
    ~StopLogging() { flag = false; }
  } stop{logging_templates_};
  try {
    uint32_t after = 0;
    const Op* inst = read_lone_instance(begin, end, 0, &after);
    if (!inst) return false;
    const Fragment* tmpl = inst->tmpl;
    uint32_t first = inst->first, count = inst->count;
    if (!only_padding_after(after, end, 0)) return false;  // (may grow scratch(0): inst is stale)
    TemplatePrograms& tp = programs_for(tmpl);
    if (!tp.compilable) return false;
    shape_.assign(1, static_cast<char>(format));
    shape_.append(reinterpret_cast<const char*>(&count), sizeof count);
    values_.clear();
    nested_.clear();
    if (!add_values(scratch(0).values.data() + first, count, 0)) return false;
    const OutputProgram& p = program_for(tp, tmpl, count, shape_);
    if (!p.usable || uint64_t(chunk_nodes_) + p.nodes > kMaxNodesPerChunk) return false;
    chunk_nodes_ += p.nodes;
    out = CompiledRecord{&p, values_.data(), static_cast<uint32_t>(values_.size())};
    return true;
  } catch (const BinXmlError&) {
    for (uint32_t offset : started_templates_)
      if (auto it = templates_.find(offset); it != templates_.end() && !it->second) templates_.erase(it);
    return false;  // damaged: the full decode reports it
  }
}

// A nested template instance in a symbolic tree: as decode_fragments() emits
// the fragment, with placeholders for the nested values.
void BinXmlDecoder::Impl::emit_nested_placeholder(EventTree& tree, uint32_t parent, const RawValue& v, int depth) {
  uint16_t index = placeholder_index(v);
  const Nested* n = nullptr;
  for (const Nested& x : nested_)
    if (x.index == index) n = &x;
  if (!n) throw BinXmlError("nested BinXML not read", false);
  if (depth + 1 > kMaxDepth) fail("BinXML values nested too deeply", 0);
  Fragment f;
  for (uint32_t i = 0; i < n->count; ++i) {
    const RawValue& nv = values_[n->base + i];
    f.values.push_back(placeholder(static_cast<uint16_t>(n->base + i), nv.is_null() ? 0 : nv.type));
  }
  Op inst{Op::Instance};
  inst.tmpl = n->tmpl;
  inst.count = n->count;
  f.ops.push_back(inst);
  emit(f, nullptr, 0, tree, parent, depth + 1);
}

}  // namespace evtx
