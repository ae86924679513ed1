#include "evtx/chunk_reader.h"

#include <algorithm>
#include <cstring>

#include "evtx/crc32.h"
#include "evtx/format.h"

namespace evtx {
namespace {

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

// Offset of the next record signature at or after pos, or end.
uint32_t next_signature(const uint8_t* chunk, uint32_t pos, uint32_t end) {
  while (pos + 4 <= end) {
    const void* hit = std::memchr(chunk + pos, kRecordSignature[0], end - pos - 3);
    if (!hit) return end;
    pos = static_cast<uint32_t>(static_cast<const uint8_t*>(hit) - chunk);
    if (std::memcmp(chunk + pos, kRecordSignature, 4) == 0) return pos;
    ++pos;
  }
  return end;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

// One chunk being walked: where the records end, where the walk is, what was
// found.
struct ChunkReader::Walk {
  const uint8_t* chunk;
  uint32_t size;
  int64_t index;
  uint64_t base;
  const RecordFn& on_record;
  ChunkResult res;
  uint32_t free_offset = 0;  // the header's end of records (clamped to size)
  uint32_t pos = chunk_header::kSize;
  uint64_t last_id = 0;    // of the last record taken: slack records must continue it
  uint64_t past_free = 0;  // records taken past the free-space offset

  void report(ProblemKind k, uint64_t off, std::string msg) {
    res.problems.push_back({k, index, base + off, std::move(msg)});
  }
};

// The frame of the record at a walk's position.
struct ChunkReader::Frame {
  uint32_t pos;
  uint32_t size;    // as its header says
  bool signed_;     // starts with the record signature
  bool size_ok;     // the size fits the chunk
  bool trailer_ok;  // and its copy at the record's end matches
  bool in_slack;    // past the header's free-space offset
  uint64_t record_id;
  uint32_t binxml_begin() const { return pos + record_header::kSize; }
  uint32_t binxml_end() const { return pos + size - record_header::kTrailerSize; }
};

ChunkResult ChunkReader::read(const EvtxFile& file, size_t slot, const RecordFn& on_record) {
  size_t got = file.read_chunk(slot, chunk_);
  if (got == file.chunk_size(slot))
    return read_image(chunk_.data(), static_cast<uint32_t>(got), static_cast<int64_t>(slot), file.chunk_offset(slot),
                      on_record);
  // The file shrank since it was opened: read what is left of the slot.
  ChunkResult res;
  if (got >= chunk_header::kSize)
    res = read_image(chunk_.data(), static_cast<uint32_t>(got), static_cast<int64_t>(slot), file.chunk_offset(slot),
                     on_record);
  res.problems.insert(res.problems.begin(),
                      Problem{ProblemKind::TruncatedFile, static_cast<int64_t>(slot), file.chunk_offset(slot) + got,
                              "file cut short while being read: chunk " + std::to_string(slot) + " has " +
                                  std::to_string(got) + " of " + std::to_string(file.chunk_size(slot)) + " bytes; " +
                                  (got >= chunk_header::kSize ? "its complete records are read" : "skipped")});
  return res;
}

ChunkResult ChunkReader::read_image(const uint8_t* chunk, uint32_t size, int64_t index, uint64_t base,
                                    const RecordFn& on_record) {
  Walk w{chunk, size, index, base, on_record, {}};
  if (!check_header(w)) return std::move(w.res);
  decoder_.reset(chunk, size);
  // Records are walked to the end of the chunk, not only to the header's
  // free-space offset: in a dirty chunk the header is stale and valid records
  // lie past it. Past it only the records that continue the chunk's sequence
  // are taken; anything else there is slack.
  while (w.pos + record_header::kSize <= w.size) {
    Frame fr = frame_at(w);
    if (!fr.signed_) {
      if (resync_unsigned(w) == Step::Stop) break;
      continue;
    }
    if (fr.in_slack && (!fr.trailer_ok || fr.record_id != w.last_id + 1)) break;
    if (deliver_without_tree(w, fr)) {
      w.last_id = fr.record_id;
      w.pos += fr.size;
      continue;
    }
    if (decode_and_deliver(w, fr) == Step::Stop) break;
  }
  report_stale_header(w);
  return std::move(w.res);
}

// The slot's signature (an all-zero slot is empty, not damaged), the header
// CRC and the records CRC; false when the slot holds no chunk.
bool ChunkReader::check_header(Walk& w) {
  using namespace chunk_header;
  const uint8_t* chunk = w.chunk;
  if (w.size < kSize || std::memcmp(chunk, kChunkSignature, 8) != 0) {
    if (all_zero(chunk, w.size)) {
      w.res.slot = ChunkResult::Slot::Empty;
      return false;
    }
    w.res.slot = ChunkResult::Slot::BadMagic;
    w.report(ProblemKind::ChunkBadMagic, 0, "not a chunk (no ElfChnk signature); slot skipped");
    return false;
  }
  uint32_t header_crc = crc32(chunk + kNameTable, kSize - kNameTable, crc32(chunk, kChecksumGap));
  if (header_crc != load<uint32_t>(chunk + kChecksum))
    w.report(ProblemKind::ChunkHeaderCrcMismatch, kChecksum,
             "chunk header CRC32 " + hex32(header_crc) + " != stored " + hex32(load<uint32_t>(chunk + kChecksum)));
  uint32_t free_offset = load<uint32_t>(chunk + kFreeSpaceOffset);
  if (free_offset < kSize || free_offset > kChunkSize) {
    w.report(ProblemKind::ChunkHeaderInvalid, kFreeSpaceOffset,
             "free space offset " + std::to_string(free_offset) + " impossible; records walked to the chunk end");
    free_offset = w.size;
  } else if (free_offset <= w.size) {
    uint32_t data_crc = crc32(chunk + kSize, free_offset - kSize);
    if (data_crc != load<uint32_t>(chunk + kRecordsChecksum))
      w.report(ProblemKind::ChunkDataCrcMismatch, kRecordsChecksum,
               "records CRC32 " + hex32(data_crc) + " != stored " + hex32(load<uint32_t>(chunk + kRecordsChecksum)));
  }
  w.free_offset = std::min(free_offset, w.size);  // a truncated last chunk holds fewer bytes
  return true;
}

ChunkReader::Frame ChunkReader::frame_at(const Walk& w) const {
  const uint8_t* rec = w.chunk + w.pos;
  Frame fr{};
  fr.pos = w.pos;
  fr.in_slack = w.pos >= w.free_offset;
  fr.signed_ = std::memcmp(rec, kRecordSignature, 4) == 0;
  if (!fr.signed_) return fr;
  fr.size = load<uint32_t>(rec + record_header::kRecordSize);
  fr.size_ok = fr.size >= record_header::kSize + record_header::kTrailerSize && fr.size <= w.size - w.pos;
  fr.trailer_ok = fr.size_ok && load<uint32_t>(rec + fr.size - record_header::kTrailerSize) == fr.size;
  fr.record_id = load<uint64_t>(rec + record_header::kRecordId);
  return fr;
}

// No record signature where a record should start: in slack or zeros the
// records are over; otherwise skip to the next signature.
ChunkReader::Step ChunkReader::resync_unsigned(Walk& w) {
  if (w.pos >= w.free_offset || all_zero(w.chunk + w.pos, w.size - w.pos)) return Step::Stop;
  uint32_t next = next_signature(w.chunk, w.pos + 1, w.free_offset);
  w.report(ProblemKind::RecordDamaged, w.pos,
           "no record signature; skipped " + std::to_string(next - w.pos) + " bytes to the next record");
  ++w.res.damaged_records;
  w.pos = next;
  return Step::Next;
}

// The fast paths of a whole record: delivered as its output program or as
// fields through its template's field map, or skipped because the filter
// does not want it. False when the record needs its tree.
bool ChunkReader::deliver_without_tree(Walk& w, const Frame& fr) {
  if (!fr.trailer_ok || fr.in_slack) return false;
  // Delivered with an empty tree and what the fast path read instead.
  auto deliver = [&](const RecordFields* fields, const CompiledRecord* compiled) {
    tree_.clear();
    uint64_t written = load<uint64_t>(w.chunk + fr.pos + record_header::kWrittenTime);
    w.on_record(RecordView{fr.record_id, written, w.base + fr.pos, tree_, fields, compiled});
    ++w.res.records;
    return true;
  };
  if (options_.render != RenderFormat::None && !options_.filter &&
      decoder_.compile_record(fr.binxml_begin(), fr.binxml_end(), options_.render, compiled_))
    return deliver(nullptr, &compiled_);
  if (options_.fields && decoder_.read_fields(fr.binxml_begin(), fr.binxml_end(), fields_)) {
    if (options_.filter) {
      provider_.clear();
      append_value_text(provider_, fields_[SystemField::ProviderName]);
      if (!options_.filter(provider_, event_id_of(fields_[SystemField::EventId]))) {
        ++w.res.filtered;
        return true;
      }
    }
    return deliver(&fields_, nullptr);
  }
  uint16_t event_id = 0;
  if (options_.filter && decoder_.peek_provider_and_id(fr.binxml_begin(), fr.binxml_end(), provider_, event_id) &&
      !options_.filter(provider_, event_id)) {
    ++w.res.filtered;
    return true;
  }
  return false;
}

// The record's BinXML decoded into the tree and delivered; damage reported.
ChunkReader::Step ChunkReader::decode_and_deliver(Walk& w, const Frame& fr) {
  bool ok = fr.size_ok && decoder_.decode_record(fr.binxml_begin(), fr.binxml_end(), tree_, error_);
  if (fr.in_slack && !ok) return Step::Stop;
  auto record = [&] { return "record " + std::to_string(fr.record_id); };
  // A record whose size copy is wrong was cut short while being written:
  // what its BinXML still holds is read and the damage reported.
  if (!fr.size_ok || (!fr.trailer_ok && tree_.root_element() == kNoNode)) {
    uint32_t next = next_signature(w.chunk, fr.pos + 4, w.free_offset);
    w.report(ProblemKind::RecordDamaged, fr.pos,
             record() + " size " + std::to_string(fr.size) + " invalid; resynchronised " +
                 std::to_string(next - fr.pos) + " bytes further");
    ++w.res.damaged_records;
    w.pos = next;
    return Step::Next;
  }
  if (!fr.trailer_ok)
    w.report(ProblemKind::RecordDamaged, fr.pos,
             record() + ": size copy at its end does not match; read as far as it goes");
  else if (!ok)
    w.report(ProblemKind::BinXmlDamaged, fr.pos, record() + ": " + error_);
  if (tree_.root_element() != kNoNode) {
    uint64_t written = load<uint64_t>(w.chunk + fr.pos + record_header::kWrittenTime);
    w.on_record(RecordView{fr.record_id, written, w.base + fr.pos, tree_});
    ++w.res.records;
    w.past_free += fr.in_slack;
    w.last_id = fr.record_id;
  } else {
    // Nothing to deliver; a decoding error is reported above, an empty one here.
    if (ok)
      w.report(ProblemKind::RecordDamaged, fr.pos,
               record() + ": no event in its BinXML (" +
                   std::to_string(fr.size - record_header::kSize - record_header::kTrailerSize) + " bytes); skipped");
    ++w.res.damaged_records;
  }
  w.pos += fr.size;
  return Step::Next;
}

void ChunkReader::report_stale_header(Walk& w) {
  if (w.past_free > 0)
    w.report(ProblemKind::ChunkHeaderInvalid, chunk_header::kFreeSpaceOffset,
             std::to_string(w.past_free) + " records read past the header's free-space offset " +
                 std::to_string(w.free_offset) + " (stale chunk header)");
}

}  // namespace evtx
