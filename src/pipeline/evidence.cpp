// read_evidence(), which the commands reach through cli/evidence_run.cpp: each EVTX file is
// opened (one that will not open is skipped with its reason) and its chunks read in parallel,
// each worker encoding its chunk's records for the event store (normalized where a mapper
// applies, tested by the Sigma matcher if any) and tallying computers, channels and hours; the
// results are taken in file and chunk order, so nothing depends on the thread count. XML
// exports follow, one by one; last, computer names are merged into hosts.
#include "pipeline/evidence.h"

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "evtx/evtx_file.h"
#include "evtx/parallel_chunks.h"
#include "evtx/record.h"
#include "evtx/record_fields.h"
#include "normalize/hosts.h"
#include "normalize/mapper.h"
#include "normalize/record_access.h"
#include "xml/event_xml.h"

namespace pipeline {
namespace {

// What a batch of records shows of its file: computers (with their records
// and time span) and channels.
struct Summary {
  std::vector<FileInfo::Computer> computers;
  std::vector<std::string> channels;
  // The hour bucket the last record went to: records of a chunk come in time
  // order, so most records skip the map lookup (this runs once per record).
  size_t last_computer = 0;  // index: elements move when the vector grows, map nodes do not
  int64_t last_hour = 0;
  uint64_t* last_bucket = nullptr;

  static void widen(normalize::Ticks t, normalize::Ticks& first, normalize::Ticks& last) {
    if (t == 0) return;
    if (first == 0 || t < first) first = t;
    if (t > last) last = t;
  }
  std::unordered_map<std::string, size_t> index;  // computers: name -> position

  // The entry of a name in v (made when new); `index` maps names to
  // positions, so a file of 100,000 computer names costs no more per record
  // than one of a single name.
  static FileInfo::Computer& computer(std::vector<FileInfo::Computer>& v,
                                      std::unordered_map<std::string, size_t>& index, const std::string& name) {
    if (index.size() != v.size()) {
      index.clear();
      for (size_t i = 0; i < v.size(); ++i) index.emplace(v[i].name, i);
    }
    if (auto it = index.find(name); it != index.end()) return v[it->second];  // no node made per record
    index.emplace(name, v.size());
    v.push_back({name, 0, 0, 0, {}});
    return v.back();
  }
  void add(const normalize::RecordAccess& rec) {
    FileInfo::Computer& c = computer(computers, index, rec.computer());
    ++c.records;
    normalize::Ticks t = rec.time_created();
    widen(t, c.first_time, c.last_time);
    if (t != 0) {
      int64_t hour = t / kTicksPerHour;
      size_t index = static_cast<size_t>(&c - computers.data());
      if (index != last_computer || hour != last_hour || !last_bucket) {
        last_computer = index;
        last_hour = hour;
        last_bucket = &c.hours[hour];
      }
      ++*last_bucket;
    }
    if (std::find(channels.begin(), channels.end(), rec.channel()) == channels.end()) channels.push_back(rec.channel());
  }
  void into(FileInfo& f, std::unordered_map<std::string, size_t>& f_index) const {
    for (const FileInfo::Computer& c : computers) {
      FileInfo::Computer& to = computer(f.computers, f_index, c.name);
      to.records += c.records;
      for (const auto& [hour, n] : c.hours) to.hours[hour] += n;
      widen(c.first_time, to.first_time, to.last_time);
      widen(c.last_time, to.first_time, to.last_time);
      widen(c.first_time, f.first_time, f.last_time);
      widen(c.last_time, f.first_time, f.last_time);
    }
    for (const std::string& ch : channels)
      if (std::find(f.channels.begin(), f.channels.end(), ch) == f.channels.end()) f.channels.push_back(ch);
  }
};

struct ChunkEvents {
  std::string events;  // encoded, concatenated
  Summary summary;
  evtx::ChunkResult result;
  std::unique_ptr<RecordObserver::Part> observed;
};

// One thread's reading state: encoder (pool cache), fields, a normalized event.
struct Worker {
  Worker(store::StringPool& pool, const RecordMatcher* m) : encoder(pool), scratch(m ? m->scratch() : nullptr) {}
  store::EventEncoder encoder;
  evtx::RecordFields tree_fields;
  normalize::NormalizedEvent norm;
  normalize::RecordTexts texts;  // values decoded to text, shared by mapping, matching and encoding
  std::unique_ptr<RecordMatcher::Scratch> scratch;
  std::vector<uint32_t> matched, deferred;
};

// Counts one record and, when events are kept, encodes it (with its
// normalized columns when a mapper wants it).
void take_record(Worker& w, const ReadOptions& opt, const evtx::RecordFields& fields, uint32_t file_id,
                 uint64_t ordinal, uint64_t header_record_id, Summary& summary, RecordObserver::Part* observed,
                 std::string& out) {
  normalize::RecordAccess rec(fields, header_record_id, &w.texts);
  summary.add(rec);
  if (observed) opt.observer->observe(*observed, rec, header_record_id, ordinal);
  if (!opt.keep_events) return;
  if (opt.only_computers && !opt.only_computers->count(rec.computer())) return;
  bool mapped = normalize::map_record(rec, w.norm, opt.tables);
  store::EncodeInput in;
  in.fields = &fields;
  in.file_id = file_id;
  in.ordinal = ordinal;
  in.record_id = rec.event_record_id();
  in.time_created = rec.time_created();
  in.event_id = rec.event_id();
  in.rec = &rec;
  if (opt.matcher) {
    opt.matcher->match(rec, *w.scratch, w.matched, w.deferred);
    in.matched = &w.matched;
    in.deferred = &w.deferred;
  }
  if (!opt.store_unmatched && !mapped && w.matched.empty() && w.deferred.empty()) return;
  w.encoder.encode(in, mapped ? &w.norm : nullptr, 0, out);
}

// The records read when not every record is: the options' choice, else a mapper's.
std::function<bool(std::string_view, uint16_t)> wanted_records(const ReadOptions& opt) {
  if (opt.wanted) return opt.wanted;
  return [tables = opt.tables](std::string_view p, uint16_t id) { return normalize::wanted(p, id, tables); };
}

uint64_t file_bytes(const std::filesystem::path& p) {
  std::error_code ec;
  uintmax_t n = std::filesystem::file_size(p, ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

void read_evtx(const Inputs& inputs, const ReadOptions& opt, Evidence& ev, uint64_t& bytes_done, uint64_t& files_done) {
  std::vector<std::unique_ptr<evtx::EvtxFile>> owned;
  std::vector<const evtx::EvtxFile*> files;
  std::vector<uint32_t> file_ids;
  for (const auto& p : inputs.evtx) {
    try {
      owned.push_back(std::make_unique<evtx::EvtxFile>(p));
      files.push_back(owned.back().get());
      file_ids.push_back(ev.store.add_file(p.string()));
      FileInfo info;
      info.path = p.string();
      info.bytes = owned.back()->size();
      for (const evtx::Problem& prob : owned.back()->header_problems()) {
        ev.problems.push_back({p.string(), prob});
        ++info.problems;
      }
      ev.files.push_back(std::move(info));
    } catch (const evtx::FileError& e) {
      std::string what = e.what();
      std::string prefix = p.string() + ": ";
      ev.skipped.push_back({p.string(), what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what});
      ++ev.stats.inputs_skipped;
    }
  }
  ev.stats.evtx_files = files.size();
  std::unordered_map<const evtx::EvtxFile*, uint32_t> id_of;
  for (size_t i = 0; i < files.size(); ++i) id_of[files[i]] = file_ids[i];
  std::vector<std::unordered_map<std::string, size_t>> file_index(files.size());  // FileInfo::computers positions
  tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(ev.store.pool(), opt.matcher); });
  // Records no consumer wants are skipped from their template's field map,
  // before any tree is built; the others are read through it when the map can
  // express them.
  evtx::ReaderOptions reading;
  reading.fields = true;
  if (!opt.every_record) reading.filter = wanted_records(opt);
  evtx::for_each_chunk_ordered<ChunkEvents>(
      files, opt.threads,
      [&](const evtx::EvtxFile& f, size_t slot, evtx::ChunkReader& rd) {
        ChunkEvents out;
        if (opt.observer) out.observed = opt.observer->part();
        Worker& w = workers.local();
        uint32_t file_id = id_of.at(&f);
        out.result = rd.read(f, slot, [&](const evtx::RecordView& r) {
          const evtx::RecordFields* fields = r.fields;
          if (!fields) {
            evtx::fields_from_tree(r.tree, w.tree_fields);
            fields = &w.tree_fields;
          }
          // The record's place is its offset: record ids repeat in a file
          // whose chunks come from several logs (a carved or merged file).
          take_record(w, opt, *fields, file_id, r.file_offset, r.record_id, out.summary, out.observed.get(),
                      out.events);
        });
        return out;
      },
      [&](const evtx::ChunkTask& t, ChunkEvents&& out) {
        FileInfo& info = ev.files[file_ids[t.file]];
        ++ev.stats.chunks;
        ++info.chunks;
        bool skipped = out.result.slot == evtx::ChunkResult::Slot::BadMagic;
        ev.stats.chunks_skipped += skipped;
        info.chunks_skipped += skipped;
        ev.stats.records += out.result.records + out.result.filtered;
        info.records += out.result.records + out.result.filtered;
        ev.stats.records_damaged += out.result.damaged_records;
        info.damaged_records += out.result.damaged_records;
        info.problems += out.result.problems.size();
        out.summary.into(info, file_index[t.file]);
        if (opt.observer) opt.observer->take(file_ids[t.file], std::move(out.observed));
        for (evtx::Problem& p : out.result.problems)
          ev.problems.push_back({files[t.file]->path().string(), std::move(p)});
        ev.store.add(out.events);
        bytes_done += files[t.file]->chunk_size(t.slot);
        if (t.slot + 1 == files[t.file]->chunk_slots()) {
          ++files_done;
          bytes_done += evtx::kFileHeaderSize;
        }
        if (opt.progress) opt.progress(bytes_done, files_done);
      },
      reading);
}

void read_xml(const Inputs& inputs, const ReadOptions& opt, Evidence& ev, uint64_t& bytes_done, uint64_t& files_done) {
  Worker w(ev.store.pool(), opt.matcher);
  evtx::EventTree tree;
  std::string provider, batch;
  std::function<bool(std::string_view, uint16_t)> wanted = wanted_records(opt);
  for (const auto& p : inputs.xml) {
    try {
      xml::EventXmlDocument doc = xml::EventXmlDocument::load_file(p);
      uint32_t file_id = ev.store.add_file(p.string());
      FileInfo& info = ev.files.emplace_back();
      info.path = p.string();
      info.kind = "xml";
      info.bytes = file_bytes(p);
      Summary summary;
      std::unique_ptr<RecordObserver::Part> observed = opt.observer ? opt.observer->part() : nullptr;
      ++ev.stats.xml_files;
      if (!doc.warning().empty()) {
        ev.warnings.push_back(p.string() + ": " + doc.warning());
        ++info.problems;
      }
      for (size_t i = 0; i < doc.size(); ++i) {
        if (!doc.event_tree(i, tree)) {
          ev.warnings.push_back(p.string() + ": event " + std::to_string(i + 1) +
                                ": elements nested deeper than 256 levels left out");
          ++info.problems;
        }
        ++ev.stats.records;
        ++info.records;
        uint16_t id = 0;
        if (!opt.every_record && (!evtx::peek_provider_and_id(tree, provider, id) || !wanted(provider, id))) continue;
        evtx::fields_from_tree(tree, w.tree_fields);
        // XML exports have no record header: the position is the event's index.
        take_record(w, opt, w.tree_fields, file_id, i, 0, summary, observed.get(), batch);
        if (batch.size() > (1u << 20)) {
          ev.store.add(batch);
          batch.clear();
        }
      }
      std::unordered_map<std::string, size_t> index;
      summary.into(info, index);
      if (opt.observer) opt.observer->take(file_id, std::move(observed));
      bytes_done += info.bytes;
      ++files_done;
      if (opt.progress) opt.progress(bytes_done, files_done);
    } catch (const std::exception& e) {
      std::string what = e.what();
      std::string prefix = p.string() + ": ";
      ev.skipped.push_back({p.string(), what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what});
      ++ev.stats.inputs_skipped;
    }
  }
  ev.store.add(batch);
}

// Hosts: a short name merges with its one FQDN (normalize/hosts.h).
void resolve_hosts(Evidence& ev) {
  normalize::HostNames names;
  std::vector<uint32_t> ids = ev.store.computers();
  for (uint32_t id : ids) names.add(ev.store.pool().at(id));
  for (std::string& w : names.resolve()) ev.warnings.push_back(std::move(w));
  std::map<std::string, std::vector<uint32_t>> by_key;
  for (uint32_t id : ids) by_key[names.key(ev.store.pool().at(id))].push_back(id);
  for (auto& [key, members] : by_key) {
    std::sort(members.begin(), members.end());
    ev.hosts.push_back({key, std::move(members)});
  }
  ev.stats.hosts = ev.hosts.size();
}

}  // namespace

std::unique_ptr<Evidence> read_evidence(const Inputs& inputs, const ReadOptions& options) {
  auto ev = std::make_unique<Evidence>(options.store);
  for (const auto& s : inputs.skipped) ev->skipped.push_back({s.path.string(), s.reason});
  ev->stats.inputs_skipped = inputs.skipped.size();
  uint64_t bytes_done = 0, files_done = 0;
  read_evtx(inputs, options, *ev, bytes_done, files_done);
  read_xml(inputs, options, *ev, bytes_done, files_done);
  ev->store.finish();
  ev->stats.events = ev->store.stats().events;
  for (uint32_t f = 0; f < ev->files.size(); ++f)
    for (uint32_t c = 0; c < ev->files[f].computers.size(); ++c)
      ev->files_of_computer[ev->files[f].computers[c].name].emplace_back(f, c);
  resolve_hosts(*ev);
  return ev;
}

}  // namespace pipeline
