#include "pipeline/collect.h"

#include <algorithm>
#include <map>
#include <memory>

#include "evtx/evtx_file.h"
#include "evtx/parallel_chunks.h"
#include "evtx/record.h"
#include "evtx/record_fields.h"
#include "normalize/direction.h"
#include "normalize/event_time.h"
#include "normalize/hosts.h"
#include "normalize/mapper.h"
#include "xml/event_xml.h"

namespace pipeline {
namespace {

using norm::Field;

struct ChunkEvents {
  std::vector<norm::NormalizedEvent> events;
  evtx::ChunkResult result;
};

// Maps one record of a tree; skips records no mapper wants before building fields.
void map_tree(const evtx::EventTree& tree, uint64_t record_id, uint64_t written, const std::string& file,
              evtx::Record& rec, std::string& provider, std::vector<norm::NormalizedEvent>& out) {
  uint16_t id = 0;
  if (!evtx::peek_provider_and_id(tree, provider, id) || !norm::wanted(provider, id)) return;
  rec.record_id = record_id;
  rec.written_time = written;
  evtx::record_from_tree(tree, rec);
  norm::map_record(rec, file, out);
}

void read_evtx(const Inputs& inputs, int threads, Collected& c) {
  std::vector<std::unique_ptr<evtx::EvtxFile>> owned;
  std::vector<const evtx::EvtxFile*> files;
  std::vector<std::string> names;
  for (const auto& p : inputs.evtx) {
    try {
      owned.push_back(std::make_unique<evtx::EvtxFile>(p));
      files.push_back(owned.back().get());
      names.push_back(p.string());
      for (const evtx::Problem& prob : owned.back()->header_problems()) c.problems.push_back({p.string(), prob});
    } catch (const evtx::FileError& e) {
      c.warnings.push_back(e.what());
      ++c.stats.inputs_skipped;
    }
  }
  c.stats.evtx_files = files.size();
  evtx::for_each_chunk_ordered<ChunkEvents>(
      files, threads,
      [](const evtx::EvtxFile& f, size_t slot, evtx::ChunkReader& rd) {
        ChunkEvents out;
        const std::string name = f.path().string();
        evtx::Record rec;
        std::string provider;
        // Records no mapper wants are skipped from their template's field map,
        // before any tree is built.
        rd.set_filter([](std::string_view p, uint16_t id) { return norm::wanted(p, id); });
        // Wanted records come as fields read through the field map, with no tree,
        // when the map can express them.
        rd.set_fields_mode(true);
        out.result = rd.read(f, slot, [&](const evtx::RecordView& r) {
          if (!r.fields) {
            map_tree(r.tree, r.record_id, r.written_time, name, rec, provider, out.events);
            return;
          }
          rec.record_id = r.record_id;
          rec.written_time = r.written_time;
          evtx::record_from_fields(*r.fields, rec);
          norm::map_record(rec, name, out.events);
        });
        return out;
      },
      [&](const evtx::ChunkTask& t, ChunkEvents&& out) {
        ++c.stats.chunks;
        c.stats.chunks_skipped += out.result.slot == evtx::ChunkResult::Slot::BadMagic;
        c.stats.records += out.result.records + out.result.filtered;
        c.stats.records_damaged += out.result.damaged_records;
        for (evtx::Problem& p : out.result.problems) c.problems.push_back({names[t.file], std::move(p)});
        for (norm::NormalizedEvent& ev : out.events) c.events.push_back(std::move(ev));
      });
}

void read_xml(const Inputs& inputs, Collected& c) {
  evtx::EventTree tree;
  evtx::Record rec;
  std::string provider;
  for (const auto& p : inputs.xml) {
    try {
      xmlin::EventXmlDocument doc = xmlin::EventXmlDocument::load_file(p);
      ++c.stats.xml_files;
      for (size_t i = 0; i < doc.size(); ++i) {
        doc.event_tree(i, tree);
        ++c.stats.records;
        // XML exports have no record header: provenance uses System/EventRecordID.
        map_tree(tree, 0, 0, p.string(), rec, provider, c.events);
      }
    } catch (const std::exception& e) {
      c.warnings.push_back(e.what());
      ++c.stats.inputs_skipped;
    }
  }
}

}  // namespace

bool event_order(const norm::NormalizedEvent& a, const norm::NormalizedEvent& b) {
  const auto& ha = a[Field::DeviceId].s;
  const auto& hb = b[Field::DeviceId].s;
  if (ha != hb) return ha < hb;
  if (a.timestamp() != b.timestamp()) return a.timestamp() < b.timestamp();
  if (a[Field::SourceFile].s != b[Field::SourceFile].s) return a[Field::SourceFile].s < b[Field::SourceFile].s;
  if (a[Field::EventRecordID].i != b[Field::EventRecordID].i) return a[Field::EventRecordID].i < b[Field::EventRecordID].i;
  return static_cast<int>(a.table) < static_cast<int>(b.table);
}

Collected collect_events(const Inputs& inputs, int threads) {
  Collected c;
  for (const auto& s : inputs.skipped) c.warnings.push_back(s.path.string() + ": " + s.reason);
  c.stats.inputs_skipped = inputs.skipped.size();
  read_evtx(inputs, threads, c);
  read_xml(inputs, c);
  // Hosts: a short name merges with its one FQDN (normalize/hosts.h).
  norm::HostNames names;
  for (const norm::NormalizedEvent& ev : c.events) names.add(ev[Field::DeviceName].s);
  for (std::string& w : names.resolve()) c.warnings.push_back(std::move(w));
  for (norm::NormalizedEvent& ev : c.events) ev[Field::DeviceId].s = names.key(ev[Field::DeviceName].s);
  norm::check_times_against_process_starts(c.events);
  std::stable_sort(c.events.begin(), c.events.end(), event_order);
  // Hosts are contiguous after the sort: decide inbound directions per host.
  for (size_t begin = 0; begin < c.events.size();) {
    size_t end = begin;
    std::vector<norm::NormalizedEvent*> host;
    while (end < c.events.size() && c.events[end][Field::DeviceId].s == c.events[begin][Field::DeviceId].s)
      host.push_back(&c.events[end++]);
    norm::resolve_directions(host);
    ++c.stats.hosts;
    begin = end;
  }
  c.stats.events = c.events.size();
  return c;
}

}  // namespace pipeline
