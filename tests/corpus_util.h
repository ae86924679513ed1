// Shared helpers for the test suites: where the shared corpus lives, listing
// its files, reading a file with the native reader into owned records, temp
// directories and running the evtxhunt binary.
//
// The corpus is read in place (EVTXHUNT_CORPUS, set by evtxhunt_test() in
// tests/CMakeLists.txt); nothing here copies corpus files into the project.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "evtx/chunk_reader.h"
#include "evtx/evtx_file.h"
#include "evtx/problem.h"
#include "evtx/record.h"
#include "evtx/render.h"

namespace corpus {

namespace fs = std::filesystem;

inline fs::path root() { return fs::path(EVTXHUNT_CORPUS); }
inline fs::path rs_sample(std::string_view name) { return root() / "evtx-rs-samples" / fs::path(name); }
inline fs::path attack_sample(std::string_view rel) { return root() / "evtx-attack-samples" / fs::path(rel); }

// Every .evtx file under dir (default: the whole corpus), sorted by path.
inline std::vector<fs::path> list_evtx(const fs::path& dir = root()) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".evtx") out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

// A record as the native reader returns it, with where it came from.
struct ReadRecord : evtx::Record {
  uint64_t xml_record_id = 0;  // <EventRecordID> of the event XML (may differ from the header's)
  uint64_t file_offset = 0;    // of the record header
  int64_t chunk = -1;          // chunk slot index
  std::string xml;             // render_xml output (when ReadOptions::render)
  std::string json;            // render_json output (when ReadOptions::render)
};

struct ReadOptions {
  bool render = false;  // also keep each record's XML and JSON
};

struct ReadResult {
  std::vector<ReadRecord> records;
  std::vector<evtx::Problem> problems;  // header problems, then chunk problems in slot order
  std::vector<evtx::ChunkResult::Slot> slots;
  uint64_t damaged_records = 0;
  evtx::FileHeader header;

  size_t count(evtx::ProblemKind kind) const {
    return static_cast<size_t>(
        std::count_if(problems.begin(), problems.end(), [&](const evtx::Problem& p) { return p.kind == kind; }));
  }
  // Chunk indexes of the problems of this kind, in order.
  std::vector<int64_t> chunks_with(evtx::ProblemKind kind) const {
    std::vector<int64_t> out;
    for (const evtx::Problem& p : problems)
      if (p.kind == kind) out.push_back(p.chunk);
    return out;
  }
  // The first record whose event XML says <EventRecordID>id</EventRecordID>.
  const ReadRecord* by_xml_id(uint64_t id) const {
    for (const ReadRecord& r : records)
      if (r.xml_record_id == id) return &r;
    return nullptr;
  }
  // The first record whose record header carries this id.
  const ReadRecord* by_header_id(uint64_t id) const {
    for (const ReadRecord& r : records)
      if (r.record_id == id) return &r;
    return nullptr;
  }
};

inline uint64_t parse_u64(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Reads one file sequentially with the native reader (EvtxFile + ChunkReader,
// record_from_tree for every record). Throws evtx::FileError like EvtxFile.
inline ReadResult read_file(const fs::path& path, ReadOptions opt = {}) {
  ReadResult res;
  evtx::EvtxFile file(path);
  res.header = file.header();
  res.problems = file.header_problems();
  evtx::ChunkReader reader;
  for (size_t slot = 0; slot < file.chunk_slots(); ++slot) {
    evtx::ChunkResult cr = reader.read(file, slot, [&](const evtx::RecordView& v) {
      ReadRecord r;
      r.record_id = v.record_id;
      r.written_time = v.written_time;
      r.file_offset = v.file_offset;
      r.chunk = static_cast<int64_t>(slot);
      evtx::record_from_tree(v.tree, r);
      uint32_t sys = v.tree.child(v.tree.root_element(), "System");
      uint32_t rid = v.tree.child(sys, "EventRecordID");
      if (rid != evtx::kNoNode) {
        std::string s;
        evtx::append_node_text(v.tree, rid, s);
        r.xml_record_id = parse_u64(s);
      }
      if (opt.render) {
        evtx::render_xml(v.tree, r.xml);
        evtx::render_json(v.tree, r.json);
      }
      res.records.push_back(std::move(r));
    });
    res.slots.push_back(cr.slot);
    res.damaged_records += cr.damaged_records;
    res.problems.insert(res.problems.end(), cr.problems.begin(), cr.problems.end());
  }
  return res;
}

// Calls fn(slot, view) for every record of a file, with its event tree (valid
// only during the call). Returns the total of the chunk results.
template <class Fn>
uint64_t for_each_tree(const fs::path& path, Fn fn) {
  evtx::EvtxFile file(path);
  evtx::ChunkReader reader;
  uint64_t n = 0;
  for (size_t slot = 0; slot < file.chunk_slots(); ++slot)
    n += reader.read(file, slot, [&](const evtx::RecordView& v) { fn(slot, v); }).records;
  return n;
}

// Number of records the native reader returns for a file.
inline size_t count_records(const fs::path& path) {
  evtx::EvtxFile file(path);
  evtx::ChunkReader reader;
  size_t n = 0;
  for (size_t slot = 0; slot < file.chunk_slots(); ++slot) n += reader.read(file, slot, [](const evtx::RecordView&) {}).records;
  return n;
}

inline std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const fs::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}
inline void write_bytes(const fs::path& path, const std::vector<uint8_t>& data) {
  write_bytes(path, data.data(), data.size());
}

// A fresh directory under the system temp directory, removed with its content.
class TempDir {
 public:
  explicit TempDir(std::string_view tag) {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      fs::path p = fs::temp_directory_path() /
                   ("evtxhunt-" + std::string(tag) + "-" + std::to_string(rd()) + std::to_string(attempt));
      std::error_code ec;
      if (fs::create_directory(p, ec)) {
        path_ = p;
        return;
      }
    }
    throw std::runtime_error("cannot create a temp directory");
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(std::string_view name) const { return path_ / fs::path(name); }

 private:
  fs::path path_;
};

// Quotes a string for /bin/sh.
inline std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}

struct CommandResult {
  int exit_code = -1;  // -1 if the process did not exit normally
  std::string out;     // stdout
  std::string err;     // stderr (through a temp file)
};

// Runs `command` with /bin/sh through popen, capturing stdout and stderr.
inline CommandResult run_command(const std::string& command) {
  CommandResult res;
  TempDir tmp("cmd");
  fs::path err_path = tmp / "stderr";
  std::string full = command + " 2>" + shell_quote(err_path.string());
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) res.out.append(buf, n);
  int status = ::pclose(p);
  if (status != -1 && WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  std::ifstream in(err_path, std::ios::binary);
  res.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return res;
}

// Splits text into lines (without the '\n'); a trailing newline ends the last line.
inline std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// A strict JSON reader (RFC 8259, UTF-8 checked) for asserting on rendered
// output: the project has no JSON library and needs none outside tests.

struct Json {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  std::string text;  // Number: the literal as written; String: the decoded value
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;  // in document order

  bool is(Kind k) const { return kind == k; }
  // The member with this key, or nullptr (also when this is not an object).
  const Json* get(std::string_view key) const {
    for (const auto& m : members)
      if (m.first == key) return &m.second;
    return nullptr;
  }
  // Member access that yields a Null value when missing (for chained lookups).
  const Json& operator[](std::string_view key) const {
    static const Json null_value;
    const Json* j = get(key);
    return j ? *j : null_value;
  }
};

class JsonParser {
 public:
  // Parses exactly one JSON value (surrounding whitespace allowed).
  static bool parse(std::string_view s, Json& out, std::string* error = nullptr) {
    JsonParser p(s);
    out = Json{};
    bool ok = p.value(out, 0);
    if (ok) {
      p.ws();
      if (p.pos_ != s.size()) ok = p.fail("trailing characters");
    }
    if (!ok && error) *error = p.error_ + " at offset " + std::to_string(p.pos_);
    return ok;
  }

 private:
  explicit JsonParser(std::string_view s) : s_(s) {}
  static constexpr int kMaxDepth = 1000;

  bool fail(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool literal(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return fail("bad literal");
    pos_ += w.size();
    return true;
  }
  bool value(Json& out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    ws();
    if (pos_ >= s_.size()) return fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.kind = Json::Kind::String;
      return string(out.text);
    }
    if (c == 't') { out.kind = Json::Kind::Bool; out.boolean = true; return literal("true"); }
    if (c == 'f') { out.kind = Json::Kind::Bool; out.boolean = false; return literal("false"); }
    if (c == 'n') { out.kind = Json::Kind::Null; return literal("null"); }
    return number(out);
  }
  bool object(Json& out, int depth) {
    out.kind = Json::Kind::Object;
    ++pos_;
    ws();
    if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
    while (true) {
      ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a key");
      std::string key;
      if (!string(key)) return false;
      ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      Json v;
      if (!value(v, depth + 1)) return false;
      out.members.emplace_back(std::move(key), std::move(v));
      ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
      return fail("expected ',' or '}'");
    }
  }
  bool array(Json& out, int depth) {
    out.kind = Json::Kind::Array;
    ++pos_;
    ws();
    if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
    while (true) {
      Json v;
      if (!value(v, depth + 1)) return false;
      out.items.push_back(std::move(v));
      ws();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
      return fail("expected ',' or ']'");
    }
  }
  bool number(Json& out) {
    size_t start = pos_;
    auto digits = [&] {
      size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > d;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') ++pos_;
    else if (!digits()) return fail("bad number");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return fail("bad fraction");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return fail("bad exponent");
    }
    out.kind = Json::Kind::Number;
    out.text = std::string(s_.substr(start, pos_ - start));
    return true;
  }
  static void put_utf8(std::string& out, uint32_t c) {
    if (c < 0x80) out += static_cast<char>(c);
    else if (c < 0x800) { out += static_cast<char>(0xc0 | (c >> 6)); out += static_cast<char>(0x80 | (c & 0x3f)); }
    else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  bool hex4(uint32_t& v) {
    if (pos_ + 4 > s_.size()) return fail("short \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
      else return fail("bad \\u escape");
    }
    return true;
  }
  // One UTF-8 sequence starting at pos_, checked (no overlongs, no surrogates).
  bool utf8(std::string& out) {
    auto b = [&](size_t i) { return static_cast<unsigned char>(s_[i]); };
    unsigned char c = b(pos_);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || pos_ + n > s_.size()) return fail("invalid UTF-8");
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t i = 1; i < n; ++i) {
      if ((b(pos_ + i) & 0xc0) != 0x80) return fail("invalid UTF-8");
      cp = (cp << 6) | (b(pos_ + i) & 0x3f);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return fail("invalid UTF-8");
    out.append(s_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool string(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') { ++pos_; return true; }
      if (c < 0x20) return fail("control character in a string");
      if (c != '\\') {
        if (!utf8(out)) return false;
        continue;
      }
      if (++pos_ >= s_.size()) return fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t v;
          if (!hex4(v)) return false;
          if (v >= 0xd800 && v <= 0xdbff) {
            uint32_t lo;
            if (s_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate escape");
            pos_ += 2;
            if (!hex4(lo) || lo < 0xdc00 || lo > 0xdfff) return fail("unpaired surrogate escape");
            v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
          } else if (v >= 0xdc00 && v <= 0xdfff) {
            return fail("unpaired surrogate escape");
          }
          put_utf8(out, v);
          break;
        }
        default: return fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace corpus
