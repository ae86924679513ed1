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

struct ChunkEvents {
  std::string events;  // encoded, concatenated
  evtx::ChunkResult result;
};

// One thread's reading state: encoder (pool cache), fields, a normalized event.
struct Worker {
  explicit Worker(store::StringPool& pool) : encoder(pool) {}
  store::EventEncoder encoder;
  evtx::RecordFields tree_fields;
  norm::NormalizedEvent norm;
};

// Encodes one record (its normalized columns too, when a mapper wants it).
void encode_record(Worker& w, const evtx::RecordFields& fields, uint32_t file_id, uint64_t ordinal,
                   uint64_t header_record_id, std::string& out) {
  norm::RecordAccess rec(fields, header_record_id);
  bool mapped = norm::map_record(rec, w.norm);
  store::EncodeInput in;
  in.fields = &fields;
  in.file_id = file_id;
  in.ordinal = ordinal;
  in.record_id = rec.event_record_id();
  in.time_created = rec.time_created();
  in.event_id = rec.event_id();
  w.encoder.encode(in, mapped ? &w.norm : nullptr, 0, out);
}

void read_evtx(const Inputs& inputs, const ReadOptions& opt, Evidence& ev) {
  std::vector<std::unique_ptr<evtx::EvtxFile>> owned;
  std::vector<const evtx::EvtxFile*> files;
  std::vector<uint32_t> file_ids;
  for (const auto& p : inputs.evtx) {
    try {
      owned.push_back(std::make_unique<evtx::EvtxFile>(p));
      files.push_back(owned.back().get());
      file_ids.push_back(ev.store.add_file(p.string()));
      for (const evtx::Problem& prob : owned.back()->header_problems()) ev.problems.push_back({p.string(), prob});
    } catch (const evtx::FileError& e) {
      ev.warnings.push_back(e.what());
      ++ev.stats.inputs_skipped;
    }
  }
  ev.stats.evtx_files = files.size();
  std::unordered_map<const evtx::EvtxFile*, uint32_t> id_of;
  for (size_t i = 0; i < files.size(); ++i) id_of[files[i]] = file_ids[i];
  tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(ev.store.pool()); });
  evtx::for_each_chunk_ordered<ChunkEvents>(
      files, opt.threads,
      [&](const evtx::EvtxFile& f, size_t slot, evtx::ChunkReader& rd) {
        ChunkEvents out;
        Worker& w = workers.local();
        uint32_t file_id = id_of.at(&f);
        // Records no consumer wants are skipped from their template's field
        // map, before any tree is built; the others are read through it when
        // the map can express them.
        if (opt.every_record) rd.set_filter(nullptr);
        else rd.set_filter([](std::string_view p, uint16_t id) { return norm::wanted(p, id); });
        rd.set_fields_mode(true);
        out.result = rd.read(f, slot, [&](const evtx::RecordView& r) {
          const evtx::RecordFields* fields = r.fields;
          if (!fields) {
            evtx::fields_from_tree(r.tree, w.tree_fields);
            fields = &w.tree_fields;
          }
          encode_record(w, *fields, file_id, r.record_id, r.record_id, out.events);
        });
        return out;
      },
      [&](const evtx::ChunkTask& t, ChunkEvents&& out) {
        ++ev.stats.chunks;
        ev.stats.chunks_skipped += out.result.slot == evtx::ChunkResult::Slot::BadMagic;
        ev.stats.records += out.result.records + out.result.filtered;
        ev.stats.records_damaged += out.result.damaged_records;
        for (evtx::Problem& p : out.result.problems)
          ev.problems.push_back({files[t.file]->path().string(), std::move(p)});
        ev.store.add(out.events);
      });
}

void read_xml(const Inputs& inputs, const ReadOptions& opt, Evidence& ev) {
  Worker w(ev.store.pool());
  evtx::EventTree tree;
  std::string provider, batch;
  for (const auto& p : inputs.xml) {
    try {
      xmlin::EventXmlDocument doc = xmlin::EventXmlDocument::load_file(p);
      uint32_t file_id = ev.store.add_file(p.string());
      ++ev.stats.xml_files;
      for (size_t i = 0; i < doc.size(); ++i) {
        doc.event_tree(i, tree);
        ++ev.stats.records;
        uint16_t id = 0;
        if (!opt.every_record && (!evtx::peek_provider_and_id(tree, provider, id) || !norm::wanted(provider, id)))
          continue;
        evtx::fields_from_tree(tree, w.tree_fields);
        // XML exports have no record header: the position is the event's index.
        encode_record(w, w.tree_fields, file_id, i, 0, batch);
        if (batch.size() > (1u << 20)) {
          ev.store.add(batch);
          batch.clear();
        }
      }
    } catch (const std::exception& e) {
      ev.warnings.push_back(e.what());
      ++ev.stats.inputs_skipped;
    }
  }
  ev.store.add(batch);
}

// Hosts: a short name merges with its one FQDN (normalize/hosts.h).
void resolve_hosts(Evidence& ev) {
  norm::HostNames names;
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
  for (const auto& s : inputs.skipped) ev->warnings.push_back(s.path.string() + ": " + s.reason);
  ev->stats.inputs_skipped = inputs.skipped.size();
  read_evtx(inputs, options, *ev);
  read_xml(inputs, options, *ev);
  ev->store.finish();
  ev->stats.events = ev->store.stats().events;
  resolve_hosts(*ev);
  return ev;
}

}  // namespace pipeline
