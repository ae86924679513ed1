// A scan's findings in bounded memory (src/replay/scan_findings.h): the
// findings of the project's rules on samples/scenario (three hosts of a DCOM
// movement, so some findings are linked across hosts) stored with no memory
// at all, so that every block is in the spill file, read back exactly as the
// in-memory scan gives them: the same findings (as JSON), order and links;
// a host's stored run merged with findings added after its replay; --sort
// time's merge; and a damaged spill file an error, never other findings.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "output/finding_writer.h"
#include "pipeline/evidence.h"
#include "pipeline/inputs.h"
#include "replay/scan.h"
#include "rules/rule.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

struct Scenario {
  rules::LoadResult loaded;
  std::vector<const rules::Rule*> rules;
  std::unique_ptr<pipeline::Evidence> evidence;

  Scenario() {
    loaded = rules::load_rules(fs::path(EVTXHUNT_SOURCE_DIR) / "rules");
    for (const rules::Rule& r : loaded.rules) rules.push_back(&r);
    pipeline::ReadOptions opts;
    opts.threads = 2;
    evidence = pipeline::read_evidence(
        pipeline::discover_inputs({(fs::path(EVTXHUNT_SOURCE_DIR) / "samples" / "scenario").string()}), opts);
  }
  replay::HostsReplayed replay(std::shared_ptr<replay::FindingStore> store = nullptr) const {
    return replay::replay_hosts(*evidence, rules, 2, {}, nullptr, {}, std::move(store));
  }
};

std::vector<std::string> as_json(const std::vector<replay::Finding>& findings) {
  std::vector<std::string> out;
  for (const replay::Finding& f : findings) {
    std::string s;
    output::append_finding_json(s, f);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> as_json(const replay::ScanFindings& findings, bool by_time = false) {
  std::vector<replay::Finding> out;
  auto take = [&](const replay::Finding& f) { out.push_back(f); };
  by_time ? findings.for_each_by_time(take) : findings.for_each(take);
  return as_json(out);
}

bool before(const replay::Finding& a, const replay::Finding& b) {
  return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.rule_id < b.rule_id;
}

TEST(ScanFindings, FindingsInTheSpillFileReadBackAsTheInMemoryScanGivesThem) {
  Scenario s;
  ASSERT_TRUE(s.loaded.ok());
  replay::ScanResult memory = replay::link_hosts(s.replay());
  std::vector<replay::Finding> expected = memory.findings.all();
  ASSERT_GE(expected.size(), 5u);
  size_t linked = std::count_if(expected.begin(), expected.end(), [](const auto& f) { return !f.links.empty(); });
  ASSERT_GE(linked, 2u);  // both ends of the movement

  support::TempDir dir("findings-spill");
  size_t files = 0;
  auto store = std::make_shared<replay::FindingStore>(0, [&] { return dir / ("spill-" + std::to_string(++files)); });
  replay::ScanResult spilled = replay::link_hosts(s.replay(store));
  EXPECT_EQ(files, 1u);
  EXPECT_GT(spilled.findings.spilled_bytes(), 0u);
  EXPECT_EQ(spilled.findings.size(), expected.size());
  EXPECT_EQ(as_json(spilled.findings), as_json(expected));
  EXPECT_EQ(as_json(spilled.findings.all()), as_json(expected));  // and read again
  // --sort time: the host order stably sorted by time.
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  EXPECT_EQ(as_json(spilled.findings, true), as_json(expected));
  // Within the budget nothing is written.
  auto roomy = std::make_shared<replay::FindingStore>(64 << 20, [&] { return dir / "never"; });
  EXPECT_EQ(as_json(replay::link_hosts(s.replay(roomy)).findings), as_json(memory.findings));
  EXPECT_FALSE(fs::exists(dir / "never"));
}

// Findings added to a host after its replay (a KQL rule's) merge with its
// stored run as a stable sort of both by time then rule would place them.
TEST(ScanFindings, FindingsKeptInMemoryMergeWithTheStoredRun) {
  Scenario s;
  replay::HostsReplayed replayed = s.replay();
  support::TempDir dir("findings-merge");
  auto store = std::make_shared<replay::FindingStore>(0, [&] { return dir / "spill"; });
  std::vector<replay::ScanFindings::Host> hosts;
  std::vector<replay::Finding> expected;
  for (replay::HostFindings& h : replayed.hosts) {
    std::vector<replay::Finding> run, kept;
    for (size_t i = 0; i < h.findings.size(); ++i) (i % 3 == 1 ? kept : run).push_back(h.findings[i]);
    std::vector<replay::Finding> both = run;
    both.insert(both.end(), kept.begin(), kept.end());
    std::stable_sort(both.begin(), both.end(), before);
    expected.insert(expected.end(), both.begin(), both.end());
    hosts.push_back({store->add(run), std::move(kept)});
  }
  size_t linked_ends = 0;
  replay::ScanFindings findings(store, std::move(hosts), [&](std::vector<replay::Finding>& ends) {
    linked_ends = ends.size();
    for (replay::Finding& f : ends) f.notes.push_back("linked here");
  });
  EXPECT_GE(linked_ends, 2u);
  for (replay::Finding& f : expected)
    if (f.link_end) f.notes.push_back("linked here");
  EXPECT_EQ(as_json(findings), as_json(expected));
}

TEST(ScanFindings, ADamagedSpillFileIsAnErrorNotOtherFindings) {
  Scenario s;
  support::TempDir dir("findings-damaged");
  auto store = std::make_shared<replay::FindingStore>(0, [&] { return dir / "spill"; });
  replay::ScanResult spilled = replay::link_hosts(s.replay(store));
  ASSERT_TRUE(fs::exists(dir / "spill"));
  {
    std::fstream f(dir / "spill", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.write("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11);  // a count past the end
  }
  EXPECT_THROW(spilled.findings.for_each([](const replay::Finding&) {}), std::runtime_error);
  fs::resize_file(dir / "spill", 10);  // cut short
  EXPECT_THROW(spilled.findings.for_each([](const replay::Finding&) {}), std::runtime_error);
}

}  // namespace
