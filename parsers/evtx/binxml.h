// BinXML decoding for one chunk: tokens → compiled fragments → event tree.
//
// Template definitions are compiled once per chunk into a list of operations
// (binxml_ir.h, internal) with names already decoded; a record then only reads
// its substitution value descriptors and replays the compiled template into
// the tree. Names and templates are cached by their chunk offset; a cache
// lives as long as the chunk is being read (offsets mean nothing in another
// chunk).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "evtx/event_tree.h"
#include "evtx/output_program.h"
#include "evtx/record_fields.h"
#include "evtx/value.h"

namespace evtx {

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

  // The record's output program (output_program.h) in this format, compiled
  // on the first record of its template and shape, and its values. False
  // when the record is not one template instance whose program can render it
  // (nested BinXML, arrays that repeat elements, damage, budgets): the caller
  // then decodes its tree.
  bool compile_record(uint32_t begin, uint32_t end, RenderFormat format, CompiledRecord& out);

 private:
  struct Impl;  // binxml.cpp: caches and the compile / emit steps
  std::unique_ptr<Impl> impl_;
};

}  // namespace evtx
