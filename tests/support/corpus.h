// The shared corpus: where it lives, listing its files, and reading a file with
// the native reader into owned records (with its problems and chunk slots).
//
// The corpus is read in place (EVTXHUNT_CORPUS, set by evtxhunt_test() in
// tests/CMakeLists.txt); nothing here copies corpus files into the project.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
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
  for (size_t slot = 0; slot < file.chunk_slots(); ++slot)
    n += reader.read(file, slot, [](const evtx::RecordView&) {}).records;
  return n;
}

}  // namespace corpus
