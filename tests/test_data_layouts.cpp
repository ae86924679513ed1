// Field lookups resolved once per template instead of per record: the
// reader's interned data layouts (evtx/data_layout.h), and what reads through
// them (the event store's encoding of data names, the timeline's Details
// keys; Sigma's scan plans are covered by the Sigma suites and the output
// snapshot), checked against the per-record path on real records.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "evtx/data_layout.h"
#include "store/event_codec.h"
#include "support/command.h"
#include "support/corpus.h"
#include "support/json.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> names_of(const evtx::RecordFields& f) {
  std::vector<std::string> out;
  for (const auto& [name, value] : f.data) out.emplace_back(name);
  return out;
}

// Every corpus record read through its template carries a layout whose names
// are the record's data names, one layout per distinct list of names.
TEST(DataLayouts, ReaderLayoutsAreTheRecordsDataNames) {
  std::map<std::vector<std::string>, const evtx::DataLayout*> seen;
  size_t records = 0, with_layout = 0;
  for (const fs::path& p : corpus::list_evtx()) {
    std::unique_ptr<evtx::EvtxFile> file;
    try {
      file = std::make_unique<evtx::EvtxFile>(p);
    } catch (const evtx::FileError&) {
      continue;
    }
    evtx::ChunkReader reader(evtx::ReaderOptions{{}, true});
    for (size_t slot = 0; slot < file->chunk_slots(); ++slot)
      reader.read(*file, slot, [&](const evtx::RecordView& v) {
        ++records;
        if (!v.fields || !v.fields->layout) return;
        ++with_layout;
        std::vector<std::string> names = names_of(*v.fields);
        ASSERT_EQ(v.fields->layout->names, names) << p;
        auto [it, added] = seen.emplace(names, v.fields->layout);
        EXPECT_EQ(it->second, v.fields->layout) << p << ": two layouts for the same names";
      });
  }
  EXPECT_EQ(records, 26884u);
  // Every record the field maps read (the others are read as trees: UserData,
  // arrays, damage) has its layout.
  EXPECT_EQ(with_layout, 23089u);
  // Distinct name lists, distinct layouts.
  std::map<const evtx::DataLayout*, int> uses;
  for (const auto& [names, layout] : seen) EXPECT_EQ(++uses[layout], 1);
}

// The same record encodes to the same bytes through its layout's resolved
// names as through the per-record lookups.
TEST(DataLayouts, EncodingThroughALayoutGivesTheSameBytes) {
  store::StringPool pool(1u << 20);
  store::EventEncoder enc(pool);
  size_t compared = 0;
  for (const char* name : {"Security_short_selected.evtx", "2-vss_7-System.evtx", "Application_no_crc32.evtx"}) {
    evtx::EvtxFile file(corpus::rs_sample(name));
    evtx::ChunkReader reader(evtx::ReaderOptions{{}, true});
    for (size_t slot = 0; slot < file.chunk_slots(); ++slot)
      reader.read(file, slot, [&](const evtx::RecordView& v) {
        if (!v.fields || !v.fields->layout) return;
        evtx::RecordFields fields = *v.fields;
        store::EncodeInput in;
        in.fields = &fields;
        in.ordinal = v.record_id;
        std::string with_layout, without;
        enc.encode(in, nullptr, 0, with_layout);
        fields.layout = nullptr;
        enc.encode(in, nullptr, 0, without);
        ASSERT_EQ(with_layout, without) << name << " record " << v.record_id;
        ++compared;
      });
  }
  EXPECT_EQ(compared, 1122u);  // of 1,184 records; the others are read as trees
}

// Details keys come from a cache per layout of names: unnamed Data fields are
// Data, Data_1, ... on every row, whichever layout came before.
TEST(DataLayouts, TimelineDetailsKeysPerLayout) {
  auto r = support::run_evtxhunt("timeline -q -f jsonl " +
                                 support::shell_quote(corpus::rs_sample("Application_no_crc32.evtx")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = support::parse_jsonl(r.out);
  ASSERT_EQ(rows.size(), 17u);
  size_t with_two = 0;
  for (const auto& row : rows) {
    const auto& d = row["Details"];
    if (row["EventRecordID"] == 427) {
      EXPECT_EQ(d.dump(), R"({"Data":"Windows Defender","Data_1":"SECURITY_PRODUCT_STATE_ON"})");
    }
    if (d.contains("Data_1")) {
      ++with_two;
      EXPECT_EQ(d.begin().key(), "Data");
    }
  }
  EXPECT_EQ(with_two, 6u);
}

}  // namespace
