// bench_event_sizes: the encoded size of events in the event store
// (store/event_codec.h), per provider and event id, over the given EVTX files;
// README's bytes-per-event figures come from it (scripts/bench.sh).
//
// usage: bench_event_sizes FILE.evtx...
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "evtx/chunk_reader.h"
#include "evtx/evtx_file.h"
#include "evtx/record_fields.h"
#include "normalize/mapper.h"
#include "normalize/record_access.h"
#include "store/event_codec.h"
#include "store/string_pool.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_event_sizes FILE.evtx...\n");
    return 2;
  }
  store::StringPool pool(16u << 20);
  store::EventEncoder enc(pool);
  std::map<std::pair<std::string, int>, std::pair<uint64_t, uint64_t>> sizes;  // -> (events, bytes)
  evtx::RecordFields tree_fields;
  normalize::NormalizedEvent ev;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    evtx::EvtxFile file(argv[i]);
    evtx::ChunkReader reader({nullptr, true});
    for (size_t slot = 0; slot < file.chunk_slots(); ++slot)
      reader.read(file, slot, [&](const evtx::RecordView& r) {
        const evtx::RecordFields* f = r.fields;
        if (!f) {
          evtx::fields_from_tree(r.tree, tree_fields);
          f = &tree_fields;
        }
        normalize::RecordAccess rec(*f, r.record_id);
        bool mapped = normalize::map_record(rec, ev);
        store::EncodeInput in;
        in.fields = f;
        in.ordinal = r.record_id;
        in.record_id = rec.event_record_id();
        in.time_created = rec.time_created();
        in.event_id = rec.event_id();
        out.clear();
        enc.encode(in, mapped ? &ev : nullptr, 0, out);
        auto& s = sizes[{rec.provider(), rec.event_id()}];
        ++s.first;
        s.second += out.size();
      });
  }
  std::printf("provider\tevent_id\tevents\tbytes_per_event\n");
  for (const auto& [k, v] : sizes)
    std::printf("%s\t%d\t%llu\t%.0f\n", k.first.c_str(), k.second, static_cast<unsigned long long>(v.first),
                static_cast<double>(v.second) / static_cast<double>(v.first));
  std::fprintf(stderr, "bench_event_sizes: string pool %zu strings, %zu bytes\n", pool.size(), pool.bytes());
  return 0;
}
