// The event store: every record of the corpus survives encoding (typed
// System and data fields, normalized columns), a host's events come back in
// time order, and nothing depends on the memory budget (spills, compaction)
// but where the bytes are. Spill files are removed at the end, on an error and
// on Ctrl-C.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "evtx/record_fields.h"
#include "evtx/value.h"
#include "normalize/mapper.h"
#include "normalize/record_access.h"
#include "pipeline/event_writer.h"
#include "store/event_codec.h"
#include "store/event_store.h"
#include "support/collect.h"
#include "support/corpus.h"

namespace fs = std::filesystem;

namespace {

std::string text(const evtx::RawValue& v) {
  std::string s;
  evtx::append_value_text(s, v);
  return s;
}

// Everything a host's stream hands out, as text: the order, the header, every
// field and the decided normalized columns.
std::string listing(const pipeline::Evidence& ev) {
  std::string out;
  for (const pipeline::Host& host : ev.hosts) {
    out += "host " + host.key + "\n";
    pipeline::HostStream(ev, host).for_each([&](const pipeline::StreamEvent& e) {
      store::EventView v(e.raw, ev.store.pool());
      out += std::to_string(e.header.timestamp) + " " + ev.store.file(e.header.file_id) + "#" +
             std::to_string(e.header.ordinal) + " " + std::string(v.provider()) + "/" +
             std::to_string(e.header.event_id) + " " + std::to_string(e.header.content_hash) + "\n";
      v.for_each_data([&](std::string_view name, const evtx::RawValue& val) {
        out += "  " + std::string(name) + "=" + text(val) + "\n";
      });
      if (e.norm) {
        pipeline::append_json(out, *e.norm);
        out += "\n";
      }
    });
  }
  return out;
}

std::unique_ptr<pipeline::Evidence> read(const std::vector<std::string>& paths, size_t memory_bytes, int threads,
                                         const fs::path& temp = {}) {
  pipeline::ReadOptions o;
  o.threads = threads;
  o.every_record = true;
  o.store.memory_bytes = memory_bytes;
  o.store.temp_dir = temp;
  return pipeline::read_evidence(pipeline::discover_inputs(paths), o);
}

}  // namespace

// Each corpus record, encoded and decoded, keeps every value: System fields
// and data fields by text, and the mapper's normalized columns.
TEST(EventStore, EveryCorpusRecordRoundTrips) {
  store::StringPool pool(1u << 20);
  store::EventEncoder enc(pool);
  size_t records = 0, mapped = 0;
  for (const fs::path& p : corpus::list_evtx()) {
    evtx::EvtxFile file(p);
    evtx::ChunkReader reader;
    evtx::RecordFields fields;
    for (size_t slot = 0; slot < file.chunk_slots(); ++slot) {
      reader.read(file, slot, [&](const evtx::RecordView& r) {
        evtx::fields_from_tree(r.tree, fields);
        normalize::RecordAccess rec(fields, r.record_id);
        normalize::NormalizedEvent want;
        bool is_mapped = normalize::map_record(rec, want, normalize::kAllTables);
        store::EncodeInput in;
        in.fields = &fields;
        in.file_id = 7;
        in.ordinal = r.record_id;
        in.record_id = rec.event_record_id();
        in.time_created = rec.time_created();
        in.event_id = rec.event_id();
        std::string bytes;
        enc.encode(in, is_mapped ? &want : nullptr, 0, bytes);
        store::EventView v(reinterpret_cast<const uint8_t*>(bytes.data()), pool);
        ASSERT_EQ(v.header().size, bytes.size());
        EXPECT_EQ(v.provider(), rec.provider());
        EXPECT_EQ(v.computer(), rec.computer());
        EXPECT_EQ(v.channel(), rec.channel());
        EXPECT_EQ(v.header().event_id, rec.event_id());
        EXPECT_EQ(v.header().time_created, rec.time_created());
        EXPECT_EQ(v.header().record_id, rec.event_record_id());
        std::vector<std::pair<std::string, std::string>> data;
        v.for_each_data([&](std::string_view n, const evtx::RawValue& val) { data.emplace_back(n, text(val)); });
        ASSERT_EQ(data.size(), fields.data.size()) << p;
        for (size_t i = 0; i < data.size(); ++i) {
          EXPECT_EQ(data[i].first, fields.data[i].first);
          EXPECT_EQ(data[i].second, text(fields.data[i].second)) << p << " " << data[i].first;
        }
        size_t system = 0;
        v.for_each_system([&](evtx::SystemField f, const evtx::RawValue& val) {
          EXPECT_EQ(text(val), text(fields[f])) << p;
          ++system;
        });
        EXPECT_GT(system, 0u);
        ASSERT_EQ(v.normalized(), is_mapped);
        if (is_mapped) {
          normalize::NormalizedEvent got;
          v.decode_normalized(got, "f.evtx");
          for (size_t i = 0; i < normalize::kFieldCount; ++i) {
            auto f = static_cast<normalize::Field>(i);
            if (f == normalize::Field::SourceFile || f == normalize::Field::DeviceName ||
                f == normalize::Field::DeviceId || f == normalize::Field::EventRecordID ||
                f == normalize::Field::Provider || f == normalize::Field::Channel || f == normalize::Field::EventID)
              continue;
            EXPECT_EQ(pipeline::field_text(got.fields[i]), pipeline::field_text(want.fields[i]))
                << p << " " << normalize::field_name(f);
          }
          EXPECT_EQ(got.table, want.table);
          EXPECT_EQ(got.boot, want.boot);
          EXPECT_EQ(got.timestamp_note, want.timestamp_note);
          EXPECT_EQ(got.inbound.pending, want.inbound.pending);
          EXPECT_EQ(got.inbound.source_named_self, want.inbound.source_named_self);
          EXPECT_EQ(got.inbound.dest_named_self, want.inbound.dest_named_self);
          ++mapped;
        }
        ++records;
      });
    }
  }
  EXPECT_EQ(records, 26884u);
  // 2193 process / network / boot events, 1404 Security 4624 logons, 17 4625
  // failed logons, 41 4634 and 74 4647 logoffs, 4 PowerShell 4104 script
  // blocks, and 1733 records of Sysmon 2, 7, 8, 10-13, 15, 17, 18, 22, 23,
  // Security 4698, 4702 and System 7045 (654 image loads, 247 registry
  // values set, 243 files created, 217 process accesses, 104 remote threads,
  // 103 registry keys, 83 services installed, ...), counted in the corpus's
  // `dump` output.
  EXPECT_EQ(mapped, 5466u);
}

// The same events in the same order for any memory budget and thread count:
// with 1 MiB the corpus is spilled in several runs and merged back.
TEST(EventStore, OutputDoesNotDependOnTheBudget) {
  std::vector<std::string> inputs = {corpus::root().string(), std::string(EVTXHUNT_SOURCE_DIR) + "/samples"};
  auto large = read(inputs, size_t(512) << 20, 2);
  auto tiny = read(inputs, size_t(1) << 20, 1);
  EXPECT_EQ(large->store.stats().spills, 0u);
  EXPECT_GE(tiny->store.stats().spills, 3u);
  EXPECT_EQ(large->stats.events, tiny->stats.events);
  EXPECT_EQ(large->stats.events, 26884u + 463u + 162u);  // corpus, samples/triage, samples/scenario XML
  std::string a = listing(*large), b = listing(*tiny);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b);
}

// Past 16 runs the store merges them into one; the order is kept.
TEST(EventStore, CompactionKeepsTheOrder) {
  std::vector<std::string> inputs = {corpus::root().string()};
  auto large = read(inputs, size_t(512) << 20, 2);
  auto tiny = read(inputs, size_t(96) << 10, 2);
  EXPECT_GE(tiny->store.stats().compactions, 1u);
  EXPECT_TRUE(listing(*large) == listing(*tiny));
}

// Spill files live in their own folder under --temp-dir, gone when the run ends.
TEST(EventStore, SpillFolderIsRemovedAtTheEnd) {
  fs::path base = fs::temp_directory_path() / ("evtxhunt-store-test-" + std::to_string(getpid()));
  fs::create_directories(base);
  {
    auto ev = read({corpus::root().string()}, size_t(1) << 20, 2, base);
    EXPECT_GE(ev->store.stats().spills, 1u);
    EXPECT_FALSE(fs::is_empty(base));  // evtxhunt-XXXXXX with run files, while the evidence lives
  }
  EXPECT_TRUE(fs::is_empty(base));
  fs::remove_all(base);
}

// Ctrl-C in the middle of a spilling run leaves no spill file behind.
TEST(EventStore, InterruptRemovesSpillFiles) {
  fs::path base = fs::temp_directory_path() / ("evtxhunt-sigint-test-" + std::to_string(getpid()));
  bool caught_spilling = false;
  for (int attempt = 0; attempt < 5 && !caught_spilling; ++attempt) {
    fs::remove_all(base);
    fs::create_directories(base);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      std::string corpus_dir = corpus::root().string();
      execl(EVTXHUNT_BINARY, "evtxhunt", "normalize", "--memory", "1", "--threads", "1", "--temp-dir", base.c_str(),
            corpus_dir.c_str(), corpus_dir.c_str(), corpus_dir.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait until a spill file exists, then interrupt.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!caught_spilling && std::chrono::steady_clock::now() < deadline) {
      std::error_code ec;
      for (const auto& d : fs::directory_iterator(base, ec))
        for (const auto& f : fs::directory_iterator(d.path(), ec))
          if (f.path().extension() == ".bin") caught_spilling = true;
      if (!caught_spilling) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) break;  // finished first: try again
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
    if (!caught_spilling) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      continue;
    }
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status;
    EXPECT_TRUE(fs::is_empty(base)) << "spill files left in " << base;
  }
  EXPECT_TRUE(caught_spilling);
  fs::remove_all(base);
}
