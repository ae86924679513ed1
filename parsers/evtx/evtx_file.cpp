#include "evtx/evtx_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "evtx/crc32.h"

namespace evtx {
const char* problem_kind_name(ProblemKind k) {
  switch (k) {
    case ProblemKind::HeaderCrcMismatch: return "header-crc-mismatch";
    case ProblemKind::HeaderInconsistent: return "header-inconsistent";
    case ProblemKind::ChunkBadMagic: return "chunk-bad-magic";
    case ProblemKind::ChunkHeaderCrcMismatch: return "chunk-header-crc-mismatch";
    case ProblemKind::ChunkDataCrcMismatch: return "chunk-data-crc-mismatch";
    case ProblemKind::ChunkHeaderInvalid: return "chunk-header-invalid";
    case ProblemKind::RecordDamaged: return "record-damaged";
    case ProblemKind::BinXmlDamaged: return "binxml-damaged";
    case ProblemKind::TruncatedFile: return "truncated-file";
  }
  return "unknown";
}

namespace {

// pread until n bytes or the end of the file; returns the bytes read, or -1.
ssize_t read_at(int fd, uint8_t* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

EvtxFile::EvtxFile(const std::filesystem::path& path) : path_(path) {
  // The type is checked before opening: opening a FIFO would block.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw FileError(FileError::Kind::CannotOpen, path.string() + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw FileError(FileError::Kind::CannotOpen, path.string() + ": cannot open: not a regular file");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw FileError(FileError::Kind::CannotOpen, path.string() + ": cannot open: " + std::strerror(errno));
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // swapped since the stat
    ::close(fd);
    throw FileError(FileError::Kind::CannotOpen, path.string() + ": cannot open: not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ < file_header::kUsed) {
    ::close(fd);
    throw FileError(FileError::Kind::NotEvtx, path.string() + ": not an EVTX file (" + std::to_string(size_) +
                                                  " bytes, shorter than a file header)");
  }
  uint8_t head[file_header::kUsed];
  ssize_t got = read_at(fd, head, sizeof head, 0);
  ::close(fd);
  if (got != static_cast<ssize_t>(sizeof head))
    throw FileError(FileError::Kind::CannotOpen,
                    path.string() + ": cannot read: " + (got < 0 ? std::strerror(errno) : "cut short while opened"));
  if (!is_file_signature(head))
    throw FileError(FileError::Kind::NotEvtx, path.string() + ": not an EVTX file (no ElfFile signature)");
  using namespace file_header;
  header_.first_chunk = load<uint64_t>(head + kFirstChunk);
  header_.last_chunk = load<uint64_t>(head + kLastChunk);
  header_.next_record_id = load<uint64_t>(head + kNextRecordId);
  header_.header_size = load<uint32_t>(head + kHeaderSize);
  header_.minor_version = load<uint16_t>(head + kMinorVersion);
  header_.major_version = load<uint16_t>(head + kMajorVersion);
  header_.header_block_size = load<uint16_t>(head + kBlockSize);
  header_.chunk_count = load<uint16_t>(head + kChunkCount);
  header_.flags = load<uint32_t>(head + kFlags);
  header_.checksum = load<uint32_t>(head + kChecksum);
  header_.checksum_ok = crc32(head, kChecksummed) == header_.checksum;

  if (!header_.checksum_ok)
    header_problems_.push_back({ProblemKind::HeaderCrcMismatch, -1, kChecksum, "file header CRC32 mismatch"});
  if (size_ < kFileHeaderSize) {
    header_problems_.push_back({ProblemKind::TruncatedFile, -1, size_, "file ends inside the 4096-byte header"});
    return;
  }
  // Every slot to the end of the file is read: the header's chunk count can be
  // stale (dirty file), and preallocated slots past it may hold older chunks.
  slots_ = static_cast<size_t>((size_ - kFileHeaderSize) / kChunkSize);
  tail_ = static_cast<uint32_t>((size_ - kFileHeaderSize) % kChunkSize);
  if (tail_ != 0)
    header_problems_.push_back({ProblemKind::TruncatedFile, static_cast<int64_t>(slots_), chunk_offset(slots_),
                                "file ends " + std::to_string(tail_) + " bytes into chunk " + std::to_string(slots_) +
                                    "; its complete records are read"});
  if (tail_ >= chunk_header::kSize) ++slots_;  // a partial last chunk still has a header and maybe records
  if (header_.chunk_count > slots_)
    header_problems_.push_back(
        {ProblemKind::HeaderInconsistent, -1, kChunkCount,
         "header says " + std::to_string(header_.chunk_count) + " chunks, file holds " + std::to_string(slots_)});
}

int EvtxFile::descriptor() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw FileError(FileError::Kind::CannotOpen, path_.string() + ": cannot open: " + std::strerror(errno));
  }
  return fd_;
}

size_t EvtxFile::read_chunk(size_t slot, std::vector<uint8_t>& buf) const {
  uint32_t want = chunk_size(slot);
  buf.resize(want);
  ssize_t got = read_at(descriptor(), buf.data(), want, chunk_offset(slot));
  if (got < 0)
    throw FileError(FileError::Kind::CannotOpen,
                    path_.string() + ": cannot read chunk " + std::to_string(slot) + ": " + std::strerror(errno));
  return static_cast<size_t>(got);
}

void EvtxFile::release_chunk(size_t slot) const {
  if (slot + 1 < slots_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

EvtxFile::~EvtxFile() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace evtx
