// An EVTX file mapped into memory: the file header and the 64 KiB chunk slots
// that follow it. Every slot to the end of the file is offered, whatever the
// header's (possibly stale) chunk count says.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "evtx/format.h"
#include "evtx/problem.h"

namespace evtx {

struct FileHeader {
  uint64_t first_chunk = 0;
  uint64_t last_chunk = 0;
  uint64_t next_record_id = 0;
  uint32_t header_size = 0;
  uint16_t minor_version = 0;
  uint16_t major_version = 0;
  uint16_t header_block_size = 0;
  uint16_t chunk_count = 0;
  uint32_t flags = 0;  // 1: dirty, 2: full
  uint32_t checksum = 0;
  bool checksum_ok = false;
};

class EvtxFile {
 public:
  // Opens the file and reads its header (the file is closed again: a run may
  // hold thousands). Throws FileError (CannotOpen, NotEvtx) naming the path.
  explicit EvtxFile(const std::filesystem::path& path);
  ~EvtxFile();
  EvtxFile(const EvtxFile&) = delete;
  EvtxFile& operator=(const EvtxFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const FileHeader& header() const { return header_; }
  // Problems of the file header itself (CRC, stale counts, trailing bytes).
  const std::vector<Problem>& header_problems() const { return header_problems_; }

  uint64_t size() const { return size_; }
  // Number of chunk slots after the file header (a partial last slot of at
  // least a chunk header counts).
  size_t chunk_slots() const { return slots_; }
  // Bytes of the slot present in the file: 65536, or less for a partial last slot.
  uint32_t chunk_size(size_t slot) const {
    return slot + 1 == slots_ && tail_ >= chunk_header::kSize ? tail_ : uint32_t(kChunkSize);
  }
  uint64_t chunk_offset(size_t slot) const { return kFileHeaderSize + uint64_t(slot) * kChunkSize; }

  // Reads chunk slot `slot` into buf with pread (the file is opened on first
  // use). Returns the bytes read: less than chunk_size(slot) when the file was
  // cut short since it was opened (a live log, a network share), which a
  // memory map would have turned into SIGBUS. Throws FileError when the file
  // can no longer be read.
  size_t read_chunk(size_t slot, std::vector<uint8_t>& buf) const;

  // Done with a chunk slot: after the last one the file is closed.
  void release_chunk(size_t slot) const;

 private:
  int descriptor() const;

  std::filesystem::path path_;
  mutable std::mutex mu_;
  mutable int fd_ = -1;
  uint64_t size_ = 0;
  size_t slots_ = 0;
  uint32_t tail_ = 0;
  FileHeader header_;
  std::vector<Problem> header_problems_;
};

}  // namespace evtx
