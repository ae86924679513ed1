// libFuzzer harness: one EVTX chunk image (the input's first 64 KiB) through
// the reader every way `dump` and `scan` read evidence: event trees rendered
// as XML and JSON, output programs (which must write the same bytes and
// report the same problems: a difference aborts), and the fields path with
// the normalizing mappers; and every record through what the logon summary
// reads of it and the metrics' sequence checks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "evtx/chunk_reader.h"
#include "evtx/output_program.h"
#include "evtx/record.h"
#include "evtx/record_fields.h"
#include "evtx/render.h"
#include "logons/logon_events.h"
#include "metrics/record_metrics.h"
#include "normalize/mapper.h"
#include "normalize/record_access.h"

namespace {

// Each record's text and the chunk's problem messages.
std::vector<std::string> read_rendered(const uint8_t* data, uint32_t n, evtx::RenderFormat format, bool programs) {
  evtx::ReaderOptions options;
  if (programs) options.render = format;
  evtx::ChunkReader reader(options);
  std::vector<std::string> out;
  evtx::ChunkResult r = reader.read_image(data, n, 0, 4096, [&](const evtx::RecordView& v) {
    std::string text;
    if (v.compiled)
      evtx::run_program(*v.compiled, text);
    else if (format == evtx::RenderFormat::Json)
      evtx::render_json(v.tree, text);
    else
      evtx::render_xml(v.tree, text);
    out.push_back(std::move(text));
  });
  for (const evtx::Problem& p : r.problems) out.push_back("problem: " + p.message);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t n = static_cast<uint32_t>(size < evtx::kChunkSize ? size : evtx::kChunkSize);
  evtx::Record rec;
  evtx::ChunkReader trees;
  trees.read_image(data, n, 0, 4096, [&](const evtx::RecordView& v) {
    rec = evtx::Record{};
    evtx::record_from_tree(v.tree, rec);
  });
  for (evtx::RenderFormat f : {evtx::RenderFormat::Json, evtx::RenderFormat::Xml})
    if (read_rendered(data, n, f, true) != read_rendered(data, n, f, false)) __builtin_trap();
  evtx::ChunkReader fields(
      {[](std::string_view provider, uint16_t id) { return normalize::wanted(provider, id); }, true});
  fields.read_image(data, n, 0, 4096, [&](const evtx::RecordView& v) {
    if (!v.fields) return;
    normalize::RecordAccess access(*v.fields, v.record_id);
    normalize::NormalizedEvent ev;
    normalize::map_record(access, ev);
  });
  metrics::MetricsObserver observer({});
  std::unique_ptr<pipeline::RecordObserver::Part> part = observer.part();
  evtx::ReaderOptions every;
  every.fields = true;
  evtx::ChunkReader all(every);
  evtx::RecordFields from_tree;
  all.read_image(data, n, 0, 4096, [&](const evtx::RecordView& v) {
    const evtx::RecordFields* fields = v.fields;
    if (!fields) {
      evtx::fields_from_tree(v.tree, from_tree);
      fields = &from_tree;
    }
    normalize::RecordAccess access(*fields, v.record_id);
    observer.observe(*part, access, v.record_id, v.file_offset);
    logons::logon_facts(access.provider(), access.event_id(), [&](std::string_view name) { return access.find(name); });
  });
  observer.take(0, std::move(part));
  observer.finish({pipeline::FileInfo{}});
  return 0;
}
