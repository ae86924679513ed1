// libFuzzer harness: one EVTX chunk image (the input's first 64 KiB) through
// the reader both ways (event trees rendered as XML and JSON, and the fields
// path with the normalizing mappers), as `dump` and `scan` read evidence.
#include <cstddef>
#include <cstdint>
#include <string>

#include "evtx/chunk_reader.h"
#include "evtx/record.h"
#include "evtx/render.h"
#include "normalize/mapper.h"
#include "normalize/record_access.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t n = static_cast<uint32_t>(size < evtx::kChunkSize ? size : evtx::kChunkSize);
  std::string xml, json;
  evtx::Record rec;
  evtx::ChunkReader trees;
  trees.read_image(data, n, 0, 4096, [&](const evtx::RecordView& v) {
    xml.clear();
    json.clear();
    evtx::render_xml(v.tree, xml);
    evtx::render_json(v.tree, json);
    rec = evtx::Record{};
    evtx::record_from_tree(v.tree, rec);
  });
  evtx::ChunkReader fields({[](std::string_view provider, uint16_t id) { return norm::wanted(provider, id); }, true});
  fields.read_image(data, n, 0, 4096, [&](const evtx::RecordView& v) {
    if (!v.fields) return;
    norm::RecordAccess access(*v.fields, v.record_id);
    norm::NormalizedEvent ev;
    norm::map_record(access, ev);
  });
  return 0;
}
