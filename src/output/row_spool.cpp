#include "output/row_spool.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>
#include <stdexcept>

namespace output {
namespace {

constexpr size_t kRowHeader = 12;  // time (8) + size (4)

[[noreturn]] void io_error(const char* what, const std::filesystem::path& p) {
  throw std::runtime_error(p.string() + ": " + what + ": " + std::strerror(errno));
}

// Reads one spool's rows back: the file part, then the memory part.
class SpoolReader {
 public:
  explicit SpoolReader(const std::filesystem::path& file, const std::string& memory) : memory_(memory) {
    if (!file.empty()) {
      in_ = std::fopen(file.c_str(), "rb");
      if (!in_) io_error("cannot read timeline spool", file);
      path_ = file;
    }
  }
  ~SpoolReader() {
    if (in_) std::fclose(in_);
  }
  bool next() {
    if (in_) {
      char head[kRowHeader];
      size_t got = std::fread(head, 1, kRowHeader, in_);
      if (got == kRowHeader) {
        uint32_t size;
        std::memcpy(&time_, head, 8);
        std::memcpy(&size, head + 8, 4);
        row_.resize(size);
        if (std::fread(row_.data(), 1, size, in_) != size) io_error("timeline spool cut short", path_);
        text_ = row_;
        return true;
      }
      std::fclose(in_);
      in_ = nullptr;
    }
    if (pos_ + kRowHeader > memory_.size()) return false;
    uint32_t size;
    std::memcpy(&time_, memory_.data() + pos_, 8);
    std::memcpy(&size, memory_.data() + pos_ + 8, 4);
    text_ = std::string_view(memory_).substr(pos_ + kRowHeader, size);
    pos_ += kRowHeader + size;
    return true;
  }
  normalize::Ticks time() const { return time_; }
  std::string_view text() const { return text_; }

 private:
  const std::string& memory_;
  std::FILE* in_ = nullptr;
  std::filesystem::path path_;
  size_t pos_ = 0;
  normalize::Ticks time_ = 0;
  std::string row_;
  std::string_view text_;
};

}  // namespace

RowSpool::RowSpool(std::function<store::TempDir&()> dir, size_t memory_cap) : dir_(std::move(dir)), cap_(memory_cap) {}

RowSpool::~RowSpool() {
  if (out_) std::fclose(out_);
  if (!file_.empty()) {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
  }
}

RowSpool::RowSpool(RowSpool&& o) noexcept
    : dir_(std::move(o.dir_)),
      cap_(o.cap_),
      memory_(std::move(o.memory_)),
      file_(std::move(o.file_)),
      out_(o.out_),
      rows_(o.rows_) {
  o.out_ = nullptr;
  o.file_.clear();
}

RowSpool& RowSpool::operator=(RowSpool&& o) noexcept {
  std::swap(dir_, o.dir_);
  std::swap(cap_, o.cap_);
  std::swap(memory_, o.memory_);
  std::swap(file_, o.file_);
  std::swap(out_, o.out_);
  std::swap(rows_, o.rows_);
  return *this;
}

void RowSpool::add(normalize::Ticks time, std::string_view row) {
  uint32_t size = static_cast<uint32_t>(row.size());
  memory_.append(reinterpret_cast<const char*>(&time), 8);
  memory_.append(reinterpret_cast<const char*>(&size), 4);
  memory_.append(row);
  ++rows_;
  if (memory_.size() > cap_) spill();
}

void RowSpool::spill() {
  if (!out_) {
    file_ = dir_().new_file();
    out_ = std::fopen(file_.c_str(), "wbx");
    if (!out_) io_error("cannot create timeline spool", file_);
  }
  if (std::fwrite(memory_.data(), 1, memory_.size(), out_) != memory_.size())
    io_error("cannot write timeline spool", file_);
  memory_.clear();
}

void merge_rows(std::vector<RowSpool>& spools, const std::function<void(std::string_view)>& write) {
  std::vector<std::unique_ptr<SpoolReader>> readers;
  for (RowSpool& s : spools) {
    if (s.out_ && std::fflush(s.out_) != 0) io_error("cannot write timeline spool", s.file_);
    readers.push_back(std::make_unique<SpoolReader>(s.file_, s.memory_));
  }
  using Item = std::pair<normalize::Ticks, size_t>;  // (time, spool index)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  for (size_t i = 0; i < readers.size(); ++i)
    if (readers[i]->next()) heap.push({readers[i]->time(), i});
  while (!heap.empty()) {
    size_t i = heap.top().second;
    heap.pop();
    write(readers[i]->text());
    if (readers[i]->next()) heap.push({readers[i]->time(), i});
  }
}

}  // namespace output
