// Reads the records of one chunk slot: validates the chunk header and CRCs
// (mismatches are reported, not fatal), walks the records, resynchronises on
// the next record signature after damage, and decodes each record's BinXML
// into an event tree. One ChunkReader per thread; it keeps its buffers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "evtx/binxml.h"
#include "evtx/event_tree.h"
#include "evtx/evtx_file.h"
#include "evtx/problem.h"
#include "evtx/record_fields.h"

namespace evtx {

struct RecordView {
  uint64_t record_id;
  uint64_t written_time;  // FILETIME
  uint64_t file_offset;   // of the record header
  const EventTree& tree;  // empty when `fields` is given
  // Fields mode: the record's fields read through its template's field map
  // (no tree); nullptr when the record was decoded into `tree`.
  const RecordFields* fields = nullptr;
  // Render mode: the record's output program and values (render with
  // run_program); nullptr when the record was decoded into `tree`.
  const CompiledRecord* compiled = nullptr;
};

struct ChunkResult {
  enum class Slot : uint8_t { Chunk, Empty, BadMagic } slot = Slot::Chunk;
  uint64_t records = 0;          // records delivered
  uint64_t filtered = 0;         // records read but not wanted by the filter (not delivered)
  uint64_t damaged_records = 0;  // records skipped (header damaged or BinXML unreadable)
  std::vector<Problem> problems;
};

// A record filter: from Provider Name and EventID, whether the record is
// wanted; the others are skipped before their tree is built.
using RecordFilter = std::function<bool(std::string_view provider, uint16_t event_id)>;

// How a reader delivers records; fixed for the reader's life.
struct ReaderOptions {
  RecordFilter filter;  // empty: every record
  // Deliver records as fields (RecordView::fields) when their template's
  // field map can express them, instead of building their tree.
  bool fields = false;
  // Deliver records as compiled output programs of this format
  // (RecordView::compiled) when their template's program can render them,
  // instead of building their tree. Not combined with a filter.
  RenderFormat render = RenderFormat::None;
};

class ChunkReader {
 public:
  using RecordFn = std::function<void(const RecordView&)>;
  using RecordFilter = evtx::RecordFilter;

  explicit ChunkReader(ReaderOptions options = {}) : options_(std::move(options)) {}

  ChunkResult read(const EvtxFile& file, size_t slot, const RecordFn& on_record);

  // Same, over a chunk image in memory (size <= kChunkSize); offsets are
  // reported relative to base_offset.
  ChunkResult read_image(const uint8_t* chunk, uint32_t size, int64_t index, uint64_t base_offset,
                         const RecordFn& on_record);

 private:
  struct Walk;
  struct Frame;
  enum class Step : uint8_t { Next, Stop };
  // The steps of read_image, in order (chunk_reader.cpp).
  bool check_header(Walk& w);
  Frame frame_at(const Walk& w) const;
  Step resync_unsigned(Walk& w);
  bool deliver_without_tree(Walk& w, const Frame& fr);
  Step decode_and_deliver(Walk& w, const Frame& fr);
  void report_stale_header(Walk& w);

  const ReaderOptions options_;
  BinXmlDecoder decoder_;
  std::vector<uint8_t> chunk_;  // the slot being read (read_image works on it)
  RecordFields fields_;
  CompiledRecord compiled_;
  std::string provider_;
  EventTree tree_;
  std::string error_;
};

}  // namespace evtx
