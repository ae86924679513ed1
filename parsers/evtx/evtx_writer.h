// The EVTX writer: event trees (from XML exports, or from any reader) become
// an EVTX file laid out as Windows lays it out, so the files it makes read
// like real logs in every reader (the native one, libevtx, python-evtx).
//
// File: a 4096-byte header (ElfFile, version 3.1, chunk count, next record
// id, CRC32) and 64 KiB chunks. Chunk: a 512-byte header (record numbers and
// ids, last record offset, free space offset, records CRC32, header CRC32,
// the 64-bucket name table and the 32-bucket template table) and records
// (signature, size, id, written time, BinXML, size copy, 8-byte aligned;
// the last 8 bytes of a chunk stay free: libevtx skips a record ending there).
//
// BinXML, as Windows writes it:
// - Names (element and attribute names) are written once per chunk, inline
//   where first used, and referenced by chunk offset afterwards; each lies in
//   the name table's bucket (hash % 64) chain.
// - Each record is a template instance of its event's *System template*:
//   <Event xmlns=...><System>...</System>%N</Event>, with every System value
//   an optional substitution at the index Windows uses (Level 0, Opcode 1,
//   Task 2, EventID 3, Qualifiers 4, Keywords 5, TimeCreated 6, ActivityID 7,
//   ProcessID 8, ThreadID 9, EventRecordID 10, Version 11, UserID 12,
//   RelatedActivityID 13, Provider Name 14, Provider Guid 15, Channel 16;
//   other System values from 17), Computer as literal text, and each other
//   child of <Event> (EventData, UserData, ...) one substitution of type
//   BinXml holding a template instance of its own *data template*: the element
//   structure with Data names as literal attribute text and every leaf value
//   a normal substitution.
// - A template is defined inline on its first use in a chunk and referenced by
//   offset afterwards (a record whose shape repeats holds only its values);
//   its GUID is derived from its shape, so one shape has one GUID in every
//   chunk and every file. Each definition lies in the template table's bucket
//   chain.
// - A record's BinXML, and each BinXml value, is a fragment header, the
//   template instance (token, template id, definition offset, the definition
//   when inline), the value count, descriptors and values, and an
//   end-of-fragment token, byte for byte as Windows writes them.
// - Values are typed as Windows types them (writer_typing.h); text that does not
//   parse as the field's type is written as a string.
// A record that does not fit in what is left of the chunk starts a new chunk
// (names and templates are then defined again there).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "evtx/event_tree.h"

namespace evtx {

class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WriterStats {
  uint64_t records = 0;
  uint64_t chunks = 0;                // chunks completed
  uint64_t template_definitions = 0;  // definitions written (a shape is defined once per chunk)
  uint64_t string_fallbacks = 0;      // typed fields whose text did not parse as their type
  uint64_t first_record_id = 0;
  uint64_t last_record_id = 0;
};

class EvtxWriter {
 public:
  // Receives each completed chunk (65536 bytes), in file order.
  using ChunkSink = std::function<void(const uint8_t* chunk)>;
  explicit EvtxWriter(ChunkSink sink);
  ~EvtxWriter();
  EvtxWriter(const EvtxWriter&) = delete;
  EvtxWriter& operator=(const EvtxWriter&) = delete;

  // Appends one event (a tree whose root element is <Event>). The record id
  // is the event's EventRecordID when that is a number, else one more than the
  // previous record's (1 for the first); the written time is its TimeCreated.
  // Returns the record id. Throws WriteError when the tree is not an event or
  // the record is larger than a chunk can hold; the record is then not added
  // (a full chunk may already have been handed to the sink to make room).
  uint64_t add(const EventTree& event);

  // Completes the open chunk (handing it to the sink) and returns the
  // 4096-byte file header. Nothing may be added afterwards.
  std::vector<uint8_t> finish();

  const WriterStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes an EVTX file: chunks go to a temporary file next to `path`, which is
// renamed to `path` by commit(). Destroyed without commit(), it removes the
// temporary file. Errors (cannot create, disk full) throw WriteError naming the
// file.
class EvtxFileWriter {
 public:
  explicit EvtxFileWriter(const std::filesystem::path& path);
  ~EvtxFileWriter();
  EvtxFileWriter(const EvtxFileWriter&) = delete;
  EvtxFileWriter& operator=(const EvtxFileWriter&) = delete;

  uint64_t add(const EventTree& event) { return writer_->add(event); }
  void commit();
  const WriterStats& stats() const { return writer_->stats(); }

 private:
  void write(const uint8_t* data, size_t size);
  void copy_into_target();
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<EvtxWriter> writer_;
  bool committed_ = false;
  bool direct_ = false;  // the target is a device or FIFO: written into, never replaced
};

}  // namespace evtx
