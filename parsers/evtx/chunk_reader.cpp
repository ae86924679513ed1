#include "chunk_reader.h"

#include <algorithm>
#include <cstring>

#include "crc32.h"

namespace evtx {
namespace {

constexpr uint32_t kChunkHeaderSize = 512;
constexpr uint32_t kRecordHeaderSize = 24;
const uint8_t kChunkMagic[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', 0};
const uint8_t kRecordMagic[4] = {0x2a, 0x2a, 0x00, 0x00};

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

// Offset of the next record signature at or after pos, or end.
uint32_t next_signature(const uint8_t* chunk, uint32_t pos, uint32_t end) {
  while (pos + 4 <= end) {
    const void* hit = std::memchr(chunk + pos, 0x2a, end - pos - 3);
    if (!hit) return end;
    pos = static_cast<uint32_t>(static_cast<const uint8_t*>(hit) - chunk);
    if (std::memcmp(chunk + pos, kRecordMagic, 4) == 0) return pos;
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

ChunkResult ChunkReader::read(const EvtxFile& file, size_t slot, const RecordFn& on_record) {
  size_t got = file.read_chunk(slot, chunk_);
  if (got == file.chunk_size(slot))
    return read_image(chunk_.data(), static_cast<uint32_t>(got), static_cast<int64_t>(slot), file.chunk_offset(slot),
                      on_record);
  // The file shrank since it was opened: read what is left of the slot.
  ChunkResult res;
  if (got >= kChunkHeaderSize)
    res = read_image(chunk_.data(), static_cast<uint32_t>(got), static_cast<int64_t>(slot), file.chunk_offset(slot),
                     on_record);
  res.problems.insert(res.problems.begin(),
                      Problem{ProblemKind::TruncatedFile, static_cast<int64_t>(slot), file.chunk_offset(slot) + got,
                              "file cut short while being read: chunk " + std::to_string(slot) + " has " +
                                  std::to_string(got) + " of " + std::to_string(file.chunk_size(slot)) +
                                  " bytes; " + (got >= kChunkHeaderSize ? "its complete records are read" : "skipped")});
  return res;
}

ChunkResult ChunkReader::read_image(const uint8_t* chunk, uint32_t size, int64_t index, uint64_t base,
                                    const RecordFn& on_record) {
  ChunkResult res;
  auto report = [&](ProblemKind k, uint64_t off, std::string msg) {
    res.problems.push_back({k, index, base + off, std::move(msg)});
  };
  if (size < kChunkHeaderSize || std::memcmp(chunk, kChunkMagic, 8) != 0) {
    if (all_zero(chunk, size)) {
      res.slot = ChunkResult::Slot::Empty;
      return res;
    }
    res.slot = ChunkResult::Slot::BadMagic;
    report(ProblemKind::ChunkBadMagic, 0, "not a chunk (no ElfChnk signature); slot skipped");
    return res;
  }

  // Header CRC covers bytes 0..120 and 128..512.
  uint32_t header_crc = crc32(chunk + 128, kChunkHeaderSize - 128, crc32(chunk, 120));
  if (header_crc != load<uint32_t>(chunk + 124))
    report(ProblemKind::ChunkHeaderCrcMismatch, 124,
           "chunk header CRC32 " + hex32(header_crc) + " != stored " + hex32(load<uint32_t>(chunk + 124)));

  // Records are walked to the end of the chunk, not only to the header's
  // free-space offset: in a dirty chunk the header is stale and valid records
  // lie past it.
  uint32_t free_offset = load<uint32_t>(chunk + 48);
  uint32_t end = size;
  if (free_offset < kChunkHeaderSize || free_offset > kChunkSize) {
    report(ProblemKind::ChunkHeaderInvalid, 48,
           "free space offset " + std::to_string(free_offset) + " impossible; records walked to the chunk end");
    free_offset = size;
  } else if (free_offset <= size) {
    uint32_t data_crc = crc32(chunk + kChunkHeaderSize, free_offset - kChunkHeaderSize);
    if (data_crc != load<uint32_t>(chunk + 52))
      report(ProblemKind::ChunkDataCrcMismatch, 52,
             "records CRC32 " + hex32(data_crc) + " != stored " + hex32(load<uint32_t>(chunk + 52)));
  }
  free_offset = std::min(free_offset, size);  // a truncated last chunk holds fewer bytes
  uint64_t past_free = 0;

  decoder_.reset(chunk, size);
  uint32_t pos = kChunkHeaderSize;
  uint64_t last_id = 0;
  while (pos + kRecordHeaderSize <= end) {
    // Past the free-space offset only the records that continue the chunk's
    // sequence are taken (a stale header); anything else there is slack.
    bool in_slack = pos >= free_offset;
    if (std::memcmp(chunk + pos, kRecordMagic, 4) != 0) {
      if (in_slack || all_zero(chunk + pos, end - pos)) break;
      uint32_t next = next_signature(chunk, pos + 1, free_offset);
      report(ProblemKind::RecordDamaged, pos,
             "no record signature; skipped " + std::to_string(next - pos) + " bytes to the next record");
      ++res.damaged_records;
      pos = next;
      continue;
    }
    uint32_t rec_size = load<uint32_t>(chunk + pos + 4);
    bool size_ok = rec_size >= kRecordHeaderSize + 4 && rec_size <= end - pos;
    bool trailer_ok = size_ok && load<uint32_t>(chunk + pos + rec_size - 4) == rec_size;
    uint64_t record_id = load<uint64_t>(chunk + pos + 8);
    if (in_slack && (!trailer_ok || record_id != last_id + 1)) break;
    uint16_t event_id = 0;
    if (fields_mode_ && trailer_ok && !in_slack &&
        decoder_.read_fields(pos + kRecordHeaderSize, pos + rec_size - 4, fields_)) {
      bool wanted = true;
      if (filter_) {
        provider_.clear();
        append_value_text(provider_, fields_[SystemField::ProviderName]);
        wanted = filter_(provider_, event_id_of(fields_[SystemField::EventId]));
      }
      if (!wanted) {
        ++res.filtered;
      } else {
        tree_.clear();
        on_record(RecordView{record_id, load<uint64_t>(chunk + pos + 16), base + pos, tree_, &fields_});
        ++res.records;
      }
      last_id = record_id;
      pos += rec_size;
      continue;
    }
    if (filter_ && trailer_ok && !in_slack &&
        decoder_.peek_provider_and_id(pos + kRecordHeaderSize, pos + rec_size - 4, provider_, event_id) &&
        !filter_(provider_, event_id)) {
      ++res.filtered;
      last_id = record_id;
      pos += rec_size;
      continue;
    }
    bool ok = size_ok && decoder_.decode_record(pos + kRecordHeaderSize, pos + rec_size - 4, tree_, error_);
    if (in_slack && !ok) break;
    // A record whose size copy is wrong was cut short while being written:
    // what its BinXML still holds is read and the damage reported.
    if (!size_ok || (!trailer_ok && tree_.root_element() == kNoNode)) {
      uint32_t next = next_signature(chunk, pos + 4, free_offset);
      report(ProblemKind::RecordDamaged, pos,
             "record " + std::to_string(record_id) + " size " + std::to_string(rec_size) +
                 " invalid; resynchronised " + std::to_string(next - pos) + " bytes further");
      ++res.damaged_records;
      pos = next;
      continue;
    }
    if (!trailer_ok)
      report(ProblemKind::RecordDamaged, pos,
             "record " + std::to_string(record_id) + ": size copy at its end does not match; read as far as it goes");
    else if (!ok)
      report(ProblemKind::BinXmlDamaged, pos, "record " + std::to_string(record_id) + ": " + error_);
    uint64_t written = load<uint64_t>(chunk + pos + 16);
    if (tree_.root_element() != kNoNode) {
      on_record(RecordView{record_id, written, base + pos, tree_});
      ++res.records;
      past_free += in_slack;
      last_id = record_id;
    } else {
      // Nothing to deliver; a decoding error is reported above, an empty one here.
      if (ok)
        report(ProblemKind::RecordDamaged, pos,
               "record " + std::to_string(record_id) + ": no event in its BinXML (" +
                   std::to_string(rec_size - kRecordHeaderSize - 4) + " bytes); skipped");
      ++res.damaged_records;
    }
    pos += rec_size;
  }
  if (past_free > 0)
    report(ProblemKind::ChunkHeaderInvalid, 48,
           std::to_string(past_free) + " records read past the header's free-space offset " +
               std::to_string(free_offset) + " (stale chunk header)");
  return res;
}

}  // namespace evtx
