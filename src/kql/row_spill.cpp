#include "kql/row_spill.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

#include "store/temp_dir.h"

namespace kql {
namespace {

// A spill writes when the budget is past its limit and it holds at least
// this much (so that many small tables do not each write a file per row).
constexpr size_t kMinWrite = size_t{16} << 10;

[[noreturn]] void fail(const std::filesystem::path& p, const char* what) {
  throw store::SpillError(p.string() + ": " + what + ": " + std::system_category().message(errno));
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, std::string_view s) {
  if (s.size() > UINT32_MAX)
    throw store::SpillError("a value of " + std::to_string(s.size()) + " bytes is too large to spill");
  put(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// A row: cell count, each cell (type, null, payload), then its records.
void encode(std::string& out, const Row& r) {
  put(out, static_cast<uint32_t>(r.size()));
  for (const Value& v : r) {
    put(out, static_cast<uint8_t>(v.type));
    put(out, static_cast<uint8_t>(v.null));
    if (v.null) continue;
    switch (v.type) {
      case Type::Real: put(out, v.r); break;
      case Type::String: put_text(out, v.s); break;
      case Type::Dynamic: {  // CBOR: exact for every value (NaN, any bytes in strings), keys in order
        std::vector<uint8_t> cbor = Json::to_cbor(v.d ? *v.d : Json());
        put_text(out, std::string_view(reinterpret_cast<const char*>(cbor.data()), cbor.size()));
        break;
      }
      default: put(out, v.i);
    }
  }
  if (!r.sources) {
    put(out, uint8_t{0});
    return;
  }
  put(out, static_cast<uint8_t>(1 + r.sources->more));
  put(out, static_cast<uint32_t>(r.sources->refs.size()));
  for (uint64_t ref : r.sources->refs) put(out, ref);
}

class Reader {
 public:
  Reader(FILE* f, const std::filesystem::path& p) : f_(f), path_(p) {}
  bool at_end() {
    int c = std::getc(f_);
    if (c == EOF) return true;
    std::ungetc(c, f_);
    return false;
  }
  template <class T>
  T get() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  std::string text() {
    std::string s(get<uint32_t>(), '\0');
    bytes(s.data(), s.size());
    return s;
  }
  // A row as encode() wrote it; what no writer makes (a type past Dynamic,
  // counts past the bounds, CBOR that does not parse) is a damaged file.
  Row row() {
    uint32_t cells = get<uint32_t>();
    if (cells > (uint32_t{1} << 20)) damaged();
    Row r(cells);
    for (Value& v : r) {
      uint8_t type = get<uint8_t>();
      if (type > static_cast<uint8_t>(Type::Dynamic)) damaged();
      v.type = static_cast<Type>(type);
      v.null = get<uint8_t>() != 0;
      if (v.null) continue;
      switch (v.type) {
        case Type::Real: v.r = get<double>(); break;
        case Type::String: v.s = text(); break;
        case Type::Dynamic: {
          Json j = Json::from_cbor(text(), true, false);
          if (j.is_discarded()) damaged();
          v.d = std::make_shared<const Json>(std::move(j));
          break;
        }
        default: v.i = get<int64_t>();
      }
    }
    if (uint8_t has = get<uint8_t>()) {
      auto p = std::make_shared<Provenance>();
      p->more = has == 2;
      uint32_t refs = get<uint32_t>();
      if (refs > (uint32_t{1} << 20)) damaged();
      p->refs.resize(refs);
      for (uint64_t& ref : p->refs) ref = get<uint64_t>();
      r.sources = std::move(p);
    }
    return r;
  }

 private:
  [[noreturn]] void damaged() {
    errno = EIO;
    fail(path_, "spilled rows are damaged");
  }
  void bytes(void* to, size_t n) {
    if (n && std::fread(to, 1, n, f_) != n) {
      if (!std::ferror(f_)) errno = EIO;
      fail(path_, "cannot read the spilled rows back");
    }
  }
  FILE* f_;
  const std::filesystem::path& path_;
};

}  // namespace

size_t row_bytes(const Row& r) {
  size_t n = sizeof(Row) + r.capacity() * sizeof(Value);
  for (const Value& v : r) {
    if (v.s.capacity() > 15) n += v.s.capacity() + 1;
    if (v.d) n += 256;  // a small bag; not measured (dumping it would cost more than it holds)
  }
  if (r.sources) n += sizeof(Provenance) + 32 + r.sources->refs.capacity() * sizeof(uint64_t);
  return n;
}

RowSpill::~RowSpill() {
  if (budget_) budget_->held -= bytes_;
  if (!file_.empty()) {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
  }
}

RowSpill::RowSpill(RowSpill&& o) noexcept
    : budget_(o.budget_), rows_(std::move(o.rows_)), bytes_(o.bytes_), count_(o.count_), file_(std::move(o.file_)) {
  o.bytes_ = 0;
  o.file_.clear();
}

void RowSpill::add(Row row) {
  size_t b = row_bytes(row);
  rows_.push_back(std::move(row));
  ++count_;
  bytes_ += b;
  if (!budget_) return;
  size_t held = budget_->held += b;
  if (held > budget_->limit && bytes_ >= kMinWrite && budget_->new_file) write_out();
}

void RowSpill::write_out() {
  if (file_.empty()) {
    std::lock_guard<std::mutex> lock(budget_->file_lock);
    file_ = budget_->new_file();
  }
  File f(std::fopen(file_.c_str(), "ab"));
  if (!f) fail(file_, "cannot write spilled rows");
  std::string buf;
  for (const Row& r : rows_) {
    encode(buf, r);
    if (buf.size() >= (size_t{1} << 20) || &r == &rows_.back()) {
      if (std::fwrite(buf.data(), 1, buf.size(), f.get()) != buf.size()) fail(file_, "cannot write spilled rows");
      buf.clear();
    }
  }
  if (std::fflush(f.get()) != 0) fail(file_, "cannot write spilled rows");
  rows_.clear();
  rows_.shrink_to_fit();
  budget_->held -= bytes_;
  bytes_ = 0;
}

void RowSpill::read(size_t chunk, const std::function<void(std::vector<Row>&&)>& fn) const {
  std::vector<Row> out;
  auto give = [&] {
    fn(std::move(out));
    out.clear();
  };
  if (!file_.empty()) {
    File f(std::fopen(file_.c_str(), "rb"));
    if (!f) fail(file_, "cannot read the spilled rows back");
    Reader in(f.get(), file_);
    while (!in.at_end()) {
      out.push_back(in.row());
      if (out.size() == chunk) give();
    }
  }
  for (const Row& r : rows_) {
    out.push_back(r);
    if (out.size() == chunk) give();
  }
  if (!out.empty()) give();
}

}  // namespace kql
