// BinXML decoding for one chunk: tokens → compiled fragments → event tree.
//
// Template definitions are compiled once per chunk into a list of operations
// with names already decoded; a record then only reads its substitution value
// descriptors and replays the compiled template into the tree. Names and
// templates are cached by their chunk offset; a cache lives as long as the
// chunk is being read (offsets mean nothing in another chunk).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event_tree.h"
#include "record_fields.h"
#include "value.h"

namespace evtx {

struct Fragment;
struct FieldMap;

// One compiled BinXML operation.
struct Op {
  enum Code : uint8_t {
    Open,       // start an element (name)
    Attr,       // start an attribute of the open element (name)
    EndAttrs,   // the start tag is complete
    Close,      // end the current element
    Text,       // literal value
    Subst,      // substitution value `index` (optional: a null value is dropped)
    CData,      // value
    CharRef,    // index holds the code point
    EntityRef,  // name
    PITarget,   // name
    PIData,     // value
    Instance,   // a template instance: tmpl with `count` values from `first` in Fragment::values
  };
  explicit Op(Code c = Open) : code(c) {}
  Code code;
  bool optional = false;
  uint16_t index = 0;
  uint32_t first = 0;  // Instance: first value in Fragment::values
  uint32_t count = 0;
  std::string_view name;
  RawValue value;
  const Fragment* tmpl = nullptr;
};

struct Fragment {
  std::vector<Op> ops;
  std::vector<RawValue> values;  // values of Instance ops
  void clear() { ops.clear(); values.clear(); }
};

class BinXmlDecoder {
 public:
  BinXmlDecoder();
  ~BinXmlDecoder();
  BinXmlDecoder(const BinXmlDecoder&) = delete;
  BinXmlDecoder& operator=(const BinXmlDecoder&) = delete;

  // Starts a new chunk: clears the name and template caches.
  void reset(const uint8_t* chunk, uint32_t chunk_size);

  // Decodes the BinXML of one record, chunk offsets [begin, end), into tree
  // (cleared first). Returns false with a message when the data is damaged;
  // the tree then holds what was decoded before the damage.
  bool decode_record(uint32_t begin, uint32_t end, EventTree& tree, std::string& error);

  // Provider Name and EventID of a record read straight from its template
  // instance: the template's field map says which substitution (or literal)
  // holds them, so no tree is built. False when the record is not a plain
  // template instance or the template does not hold both (the caller then
  // decodes the record whole).
  bool peek_provider_and_id(uint32_t begin, uint32_t end, std::string& provider, uint16_t& event_id);

  // All fields of a record (System and EventData) read through the template's
  // field map, without building the tree. False when the map cannot express
  // the record (UserData, arrays, nested BinXML of other shapes, damage): the
  // caller then decodes it whole.
  bool read_fields(uint32_t begin, uint32_t end, RecordFields& out);

  size_t templates_cached() const { return templates_.size(); }

 private:
  struct Cursor;
  std::string_view name_at(uint32_t offset);
  std::string_view read_name(Cursor& c);
  bool plausible_name(uint32_t offset, uint32_t inline_pos) const;
  const Fragment* template_at(uint32_t offset, int depth);
  void read_instance(Cursor& c, Fragment& into, int depth);
  void compile(Cursor& c, Fragment& into, int depth);
  void decode_fragments(uint32_t begin, uint32_t end, EventTree& tree, uint32_t parent, int depth);
  void emit(const Fragment& f, const RawValue* subs, uint32_t nsubs, EventTree& tree, uint32_t parent,
            int depth);
  Fragment& scratch(int depth);
  uint32_t repeat_for_items(EventTree& tree, uint32_t element, const RawValue& array);

  const uint8_t* chunk_ = nullptr;
  uint32_t chunk_size_ = 0;
  std::unordered_map<uint32_t, std::string> names_;
  std::unordered_map<uint32_t, std::unique_ptr<Fragment>> templates_;
  std::vector<std::unique_ptr<Fragment>> scratch_;  // one per nesting depth
  uint32_t node_budget_ = 0;   // nodes emitted for the current record
  uint32_t chunk_nodes_ = 0;   // nodes emitted in the current chunk
  int element_depth_ = 0;      // open elements of the current record
  std::vector<RawValue> items_;  // scratch for array items

  const FieldMap& field_map(const Fragment* tmpl);
  // A fragment that is one template instance: reads it into scratch(depth)
  // and returns its Instance op; nullptr for any other shape.
  const Op* read_lone_instance(uint32_t begin, uint32_t end, int depth);
  bool instance_fields(const Fragment& f, const Op& inst, RecordFields& out, bool nested);
  std::unordered_map<const Fragment*, std::unique_ptr<FieldMap>> field_maps_;
};

}  // namespace evtx
