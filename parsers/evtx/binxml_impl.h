// Internal to the BinXML decoder (binxml.cpp: tokens, templates, trees;
// binxml_programs.cpp: output programs): its budgets, its error, the cursor
// over a chunk's bytes, and the decoder's state.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "evtx/binxml.h"
#include "evtx/binxml_ir.h"
#include "evtx/data_layout.h"
#include "evtx/field_map.h"
#include "evtx/format.h"
#include "evtx/output_program_impl.h"

namespace evtx {
namespace binxml_detail {

constexpr int kMaxDepth = 16;  // nested templates / BinXML values
// Real events have tens to hundreds of nodes and a depth under 20. Crafted
// templates that instantiate each other could expand exponentially: a record
// (or a chunk) over these budgets is reported and dropped.
constexpr uint32_t kMaxNodesPerRecord = 1u << 16;
constexpr uint32_t kMaxNodesPerChunk = 1u << 22;
constexpr int kMaxElementDepth = 256;

// Damaged or crafted BinXML; caught inside the decoder, reported per record.
class BinXmlError : public std::runtime_error {
 public:
  BinXmlError(const std::string& message, bool over_budget) : std::runtime_error(message), over_budget_(over_budget) {}
  bool over_budget() const { return over_budget_; }  // the partial tree is not delivered either

 private:
  bool over_budget_;
};

[[noreturn]] inline void throw_budget(const char* what) { throw BinXmlError(what, true); }

[[noreturn]] inline void fail(const char* what, uint32_t offset) {
  throw BinXmlError(std::string(what) + " at chunk offset " + std::to_string(offset), false);
}

inline uint32_t load32(const uint8_t* p) { return load<uint32_t>(p); }
inline uint16_t load16(const uint8_t* p) { return load<uint16_t>(p); }

// Byte size of a fixed-size value type inside a Value token, 0 if not fixed.
inline uint32_t value_token_size(uint8_t type) { return fixed_value_size(static_cast<ValueType>(type)); }

inline bool only_attributes(const EventTree& tree, uint32_t element) {
  for (uint32_t c = tree[element].first_child; c != kNoNode; c = tree[c].next_sibling)
    if (tree[c].kind != NodeKind::Attribute) return false;
  return true;
}

// After a whole event, only a further fragment (its header or a template
// instance) belongs to the record; other bytes are alignment padding.
inline bool starts_fragment(uint8_t byte) {
  return byte == token_byte(Token::FragmentHeader) || byte == token_byte(Token::TemplateInstance);
}

struct Cursor {
  const uint8_t* base;
  uint32_t pos;
  uint32_t end;

  void need(uint32_t n) const {
    if (n > end - pos) fail("BinXML runs past its end", pos);
  }
  uint8_t u8() {
    need(1);
    return base[pos++];
  }
  uint16_t u16() {
    need(2);
    uint16_t v = load16(base + pos);
    pos += 2;
    return v;
  }
  uint32_t u32() {
    need(4);
    uint32_t v = load32(base + pos);
    pos += 4;
    return v;
  }
  // Skips end-of-fragment tokens; false at the end of the range.
  bool skip_fragment_ends() {
    while (pos < end && base[pos] == token_byte(Token::EndOfFragment)) ++pos;
    return pos < end;
  }
  void skip(uint32_t n) {
    need(n);
    pos += n;
  }
  // A UTF-16 string prefixed by its length in code units.
  RawValue counted_utf16() {
    uint32_t units = u16();
    need(2 * units);
    RawValue v{static_cast<uint8_t>(ValueType::String), 2 * units, base + pos};
    pos += 2 * units;
    return v;
  }
};

// Programs kept per template: each shape of values is one program.
constexpr size_t kMaxShapesPerTemplate = 64;
// Programs kept per thread, in bytes of constant text; the cache is emptied
// at the next chunk when it holds more.
constexpr size_t kMaxProgramBytes = size_t(64) << 20;

}  // namespace binxml_detail

// The decoder's state for one chunk and its steps. compile() turns BinXML
// tokens into operations, one compile_* step per token; emit() replays
// operations into the tree, one emit_* step per operation.
struct BinXmlDecoder::Impl {
  void reset(const uint8_t* chunk, uint32_t chunk_size);
  bool decode_record(uint32_t begin, uint32_t end, EventTree& tree, std::string& error);
  bool peek_provider_and_id(uint32_t begin, uint32_t end, std::string& provider, uint16_t& event_id);
  bool read_fields(uint32_t begin, uint32_t end, RecordFields& out);
  bool compile_record(uint32_t begin, uint32_t end, RenderFormat format, CompiledRecord& out);

  // Names and templates, by chunk offset.
  std::string_view name_at(uint32_t offset);
  std::string_view read_name(binxml_detail::Cursor& c);
  bool plausible_name(uint32_t offset, uint32_t inline_pos) const;
  const Fragment* template_at(uint32_t offset, int depth);
  Fragment& scratch(int depth);

  // Tokens to operations.
  void compile(binxml_detail::Cursor& c, Fragment& into, int depth);
  void compile_open_element(binxml_detail::Cursor& c, Fragment& f, uint8_t token);
  void compile_value(binxml_detail::Cursor& c, Fragment& f, uint32_t at);
  void compile_named(binxml_detail::Cursor& c, Fragment& f, Op::Code code);
  void compile_utf16(binxml_detail::Cursor& c, Fragment& f, Op::Code code);
  void compile_char_ref(binxml_detail::Cursor& c, Fragment& f);
  void compile_substitution(binxml_detail::Cursor& c, Fragment& f, uint8_t token);
  void read_instance(binxml_detail::Cursor& c, Fragment& into, int depth);

  // Operations to the tree.
  struct EmitState;
  void decode_fragments(uint32_t begin, uint32_t end, EventTree& tree, uint32_t parent, int depth);
  void emit(const Fragment& f, const RawValue* subs, uint32_t nsubs, EventTree& tree, uint32_t parent, int depth);
  // The per-operation steps are inlined into emit(), the hottest loop of the
  // reader (without it: 2% more instructions per record, callgrind).
  [[gnu::always_inline]] void emit_open(EmitState& s, const Op& op);
  [[gnu::always_inline]] void emit_close(EmitState& s);
  [[gnu::always_inline]] void emit_substitution(EmitState& s, const Op& op, const RawValue* subs, uint32_t nsubs,
                                                int depth);
  void emit_nested_placeholder(EventTree& tree, uint32_t parent, const RawValue& v, int depth);
  uint32_t repeat_for_items(EventTree& tree, uint32_t element, const RawValue& array);
  [[gnu::always_inline]] void count_node();

  // Field maps: records read without a tree.
  const FieldMap& field_map(const Fragment* tmpl);
  // A fragment that is one template instance: reads it into scratch(depth)
  // and returns its Instance op; nullptr for any other shape.
  const Op* read_lone_instance(uint32_t begin, uint32_t end, int depth, uint32_t* after = nullptr);
  bool instance_fields(const Fragment& f, const Op& inst, RecordFields& out, bool nested);

  // Output programs (output_program.h): per template content, per shape.
  struct TemplatePrograms;
  TemplatePrograms& programs_for(const Fragment* tmpl);
  const OutputProgram& program_for(TemplatePrograms& tp, const Fragment* tmpl, uint32_t count,
                                   const std::string& shape);
  bool only_padding_after(uint32_t pos, uint32_t end, int depth);
  struct Nested;
  bool add_values(const RawValue* values, uint32_t count, int depth);

  const uint8_t* chunk_ = nullptr;
  uint32_t chunk_size_ = 0;
  std::unordered_map<uint32_t, std::string> names_;
  std::unordered_map<uint32_t, std::unique_ptr<Fragment>> templates_;
  std::unordered_map<const Fragment*, std::unique_ptr<FieldMap>> field_maps_;
  DataLayoutMemo layouts_;                          // data names of this chunk's records, interned
  std::vector<std::unique_ptr<Fragment>> scratch_;  // one per nesting depth
  uint32_t node_budget_ = 0;                        // nodes emitted for the current record
  uint32_t chunk_nodes_ = 0;                        // nodes emitted in the current chunk
  int element_depth_ = 0;                           // open elements of the current record
  std::vector<RawValue> items_;                     // scratch for array items
  bool symbolic_ = false;                           // emitting a template with placeholders
  std::unordered_map<const Fragment*, TemplatePrograms*> chunk_programs_;        // this chunk's templates
  std::unordered_map<std::string, std::unique_ptr<TemplatePrograms>> programs_;  // by template content
  size_t program_bytes_ = 0;                                                     // held by programs_
  std::string key_, shape_;
  EventTree symbolic_tree_;
  // The record being compiled: its values, then those of each nested
  // template instance (one BinXML substitution each), in one array.
  std::vector<RawValue> values_;
  std::vector<Nested> nested_;
  // Templates compile_record() started: one that failed is forgotten again,
  // so the tree path meets (and reports) the same damage as without programs.
  bool logging_templates_ = false;
  std::vector<uint32_t> started_templates_;
};

// A BinXML substitution that is one template instance: its values follow
// the record's own in values_ from `base`.
struct BinXmlDecoder::Impl::Nested {
  uint16_t index;  // the substitution, in values_
  const Fragment* tmpl;
  uint32_t base;
  uint32_t count;
};

// A template's programs, one per shape: the format and each value's type
// (0 for a NULL value). Templates with the same names and literal content
// share them, whichever chunk they come from.
struct BinXmlDecoder::Impl::TemplatePrograms {
  bool compilable = true;  // false: a template holding template instances
  std::vector<std::pair<std::string, std::unique_ptr<OutputProgram>>> shapes;
};

}  // namespace evtx
