// Batch scans: scan --format shard per set of hosts, evtxhunt merge, and
// scripts/evtxhunt-dask on a local Dask cluster of 2 workers, each against
// one `evtxhunt scan` of the same inputs: the output must be byte-identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "batch/shard.h"
#include "replay/link.h"
#include "support/command.h"
#include "support/files.h"
#include "support/json.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using support::run_command;
using support::run_evtxhunt;
using support::shell_quote;

const fs::path kSamples = fs::path(EVTXHUNT_SOURCE_DIR) / "samples";
const fs::path kCorpus = EVTXHUNT_CORPUS;
const fs::path kSigmaRules = kCorpus.parent_path() / "sigma" / "rules";
const fs::path kProjectRules = fs::path(EVTXHUNT_SOURCE_DIR) / "rules";

// The computer names the inventory finds in the inputs (its host rows).
std::vector<std::string> host_names(const std::string& inputs) {
  support::CommandResult r = run_evtxhunt("inventory -q -f jsonl " + inputs);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  for (const support::Json& row : support::parse_jsonl(r.out))
    if (row["kind"] == "host")
      for (const auto& n : row["names"]) names.push_back(n);
  return names;
}

// One shard per host name, written into `dir`; their paths, quoted.
std::vector<std::string> shard_per_host(const support::TempDir& dir, const std::string& inputs,
                                        const std::string& extra = "") {
  std::vector<std::string> shards;
  int i = 0;
  for (const std::string& name : host_names(inputs)) {
    fs::path out = dir / ("shard-" + std::to_string(i++));
    support::CommandResult r = run_evtxhunt("scan -q -f shard " + extra + " --shard-host " + shell_quote(name) +
                                            " -o " + shell_quote(out) + " " + inputs);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    shards.push_back(shell_quote(out));
  }
  return shards;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + " ";
  return s;
}

// The summary line on what was read, without its command name.
std::string read_line(const std::string& err, const std::string& command) {
  std::string prefix = "evtxhunt " + command + ": ";
  for (const std::string& l : support::split_lines(err))
    if (l.rfind(prefix, 0) == 0 && l.find(" EVTX files, ") != std::string::npos) return l.substr(prefix.size());
  return "(none)";
}

// Every scenario XML export of samples/ (three hosts) as one EVTX file: a
// collector's log of several hosts, as a WEC server's ForwardedEvents holds.
fs::path forwarded_log(const support::TempDir& dir) {
  std::string xml;
  for (const char* host : {"DC01", "WS01", "WS02"})
    for (const char* log : {"Security", "Sysmon", "System"})
      xml += shell_quote(kSamples / "scenario" / host / (std::string(log) + ".xml")) + " ";
  fs::path out = dir / "ForwardedEvents.evtx";
  support::CommandResult r = run_evtxhunt("convert -q " + xml + "-o " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

TEST(BatchShards, MergeGivesScansOutputInEveryFormat) {
  support::TempDir dir("batch");
  std::string inputs = shell_quote(kSamples);
  std::vector<std::string> shards = shard_per_host(dir, inputs);
  ASSERT_EQ(shards.size(), 3u);
  for (const char* format : {"jsonl", "csv", "timesketch", "table"}) {
    support::CommandResult one = run_evtxhunt(std::string("scan -q -f ") + format + " " + inputs);
    support::CommandResult merged = run_evtxhunt(std::string("merge -q -f ") + format + " " + joined(shards));
    ASSERT_EQ(merged.exit_code, 0) << merged.err;
    EXPECT_EQ(merged.out, one.out) << format;
  }
  // The cross-host pass ran in the merge: WS01's movement names its source on WS02.
  support::CommandResult merged = run_evtxhunt("merge -q -f jsonl " + joined(shards));
  std::vector<support::Json> findings = support::parse_jsonl(merged.out);
  ASSERT_EQ(findings.size(), 7u);
  size_t linked = 0;
  for (const support::Json& f : findings)
    if (f["rule_id"] == "ff-t1021.003-dcom") {
      ASSERT_TRUE(f.contains("links"));
      EXPECT_EQ(f["links"][0]["side"], "source");
      EXPECT_EQ(f["links"][0]["DeviceName"], "WS02.corp.local");
      ++linked;
    }
  EXPECT_EQ(linked, 1u);
}

TEST(BatchShards, OrderOfShardsDoesNotMatter) {
  support::TempDir dir("batch");
  std::vector<std::string> shards = shard_per_host(dir, shell_quote(kSamples));
  std::string forward = run_evtxhunt("merge -q -f jsonl " + joined(shards)).out;
  std::reverse(shards.begin(), shards.end());
  EXPECT_EQ(run_evtxhunt("merge -q -f jsonl " + joined(shards)).out, forward);
  EXPECT_FALSE(forward.empty());
}

TEST(BatchShards, MultiHostFileIsCountedOnceAndItsHostsNotSplit) {
  support::TempDir dir("batch");
  std::string inputs = shell_quote(forwarded_log(dir)) + " " + shell_quote(kSamples / "triage");
  std::vector<std::string> shards = shard_per_host(dir, inputs);
  ASSERT_EQ(shards.size(), 3u);  // every shard reads the forwarded log
  support::CommandResult one = run_evtxhunt("scan -f jsonl " + inputs);
  support::CommandResult merged = run_evtxhunt("merge -f jsonl " + joined(shards));
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(merged.out, one.out);
  EXPECT_EQ(read_line(merged.err, "merge"), read_line(one.err, "scan"));
  EXPECT_NE(read_line(one.err, "scan").find("10 EVTX files"), std::string::npos) << one.err;
}

TEST(BatchShards, HostReplayedByTwoShardsIsRefused) {
  support::TempDir dir("batch");
  std::vector<std::string> shards = shard_per_host(dir, shell_quote(kSamples));
  support::CommandResult r = run_evtxhunt("merge -q " + shards[0] + " " + shards[1] + " " + shards[0]);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("was replayed by two shards"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(BatchShards, DamagedShardIsAnErrorNamingIt) {
  support::TempDir dir("batch");
  std::vector<std::string> shards = shard_per_host(dir, shell_quote(kSamples));
  std::string bytes = support::read_text(dir / "shard-1");  // WS01 (hosts in key order): every part of a finding
  ASSERT_GT(bytes.size(), 1000u);
  // A cut every 3 bytes and a flipped byte every 7: each refused with the reason.
  size_t refused = 0, tries = 0;
  auto read = [&](std::string_view b) {
    ++tries;
    try {
      batch::read_shard(b, "damaged");
    } catch (const batch::ShardError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("damaged: not a readable evtxhunt shard: ", 0), 0u) << e.what();
      ++refused;
    }
  };
  for (size_t cut = 0; cut < bytes.size(); cut += 3) read(std::string_view(bytes).substr(0, cut));
  for (size_t at = 0; at < bytes.size(); at += 7) {
    std::string b = bytes;
    b[at] = static_cast<char>(b[at] ^ 0xff);
    read(b);
  }
  EXPECT_EQ(refused, tries);  // the checksum catches a flip inside a string too
  EXPECT_GT(tries, 8000u);
  // Past the checksum (each flip sealed again): the structure's own checks; read or refused, never a crash.
  std::string body = bytes.substr(0, bytes.size() - 8);
  size_t structural = 0;
  for (size_t at = 0; at < body.size(); at += 7) {
    std::string b = body;
    b[at] = static_cast<char>(b[at] ^ 0xff);
    batch::seal_shard(b);
    try {
      batch::read_shard(b, "resealed");
    } catch (const batch::ShardError&) {
      ++structural;
    }
  }
  EXPECT_GT(structural, 100u);
  // The command names the file and exits 5.
  fs::path bad = dir / "damaged";
  support::write_text(bad, bytes.substr(0, bytes.size() - 1));
  support::CommandResult r = run_evtxhunt("merge -q " + shell_quote(bad));
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find(bad.string() + ": not a readable evtxhunt shard: its checksum does not match"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty());
}

// A shard is read into memory bounded by its size (kShardMemoryPerByte):
// a finding of 100,000 evidence events with no field (8 bytes each written,
// 2 KB each read) is refused, where it took 130 times its size; a real
// shard (samples, every rule) stays well within.
TEST(BatchShards, MemoryIsBoundedByTheShardsSize) {
  support::TempDir dir("batch");
  std::vector<std::string> shards = shard_per_host(dir, shell_quote(kSamples));
  for (const std::string& quoted : shards) {
    std::string bytes = support::read_text(quoted.substr(1, quoted.size() - 2));
    size_t decoded = 0;
    batch::read_shard(bytes, "real", &decoded);
    EXPECT_LE(decoded, 16 * bytes.size()) << quoted;
  }
  batch::Shard crafted;
  crafted.hosts.emplace_back();
  crafted.hosts[0].identity.device_id = "ws01";
  replay::Finding f;
  f.rule_id = "r";
  auto empty = std::make_shared<const normalize::NormalizedEvent>();
  for (int i = 0; i < 100000; ++i) f.evidence.push_back({"s", empty, 0, {}});
  crafted.hosts[0].findings.push_back(std::move(f));
  std::string bytes = batch::write_shard(crafted);
  EXPECT_LT(bytes.size(), 1500000u);
  try {
    batch::read_shard(bytes, "crafted");
    ADD_FAILURE() << "read";
  } catch (const batch::ShardError& e) {
    EXPECT_NE(std::string(e.what()).find("more in memory than its size can hold"), std::string::npos) << e.what();
  }
}

// Linking stays near-linear and its output bounded: 1,000 source and 1,000
// target ends of one rule each, on two hosts, all within the link window
// (before: one link per source rule per target, 2 GB, and quadratic time).
TEST(BatchShards, LinksAreBoundedPerFinding) {
  auto end_of = [](bool source, int i) {
    replay::Finding f;
    f.rule_id = source ? "src-rule" : "dst-rule";
    f.device_id = source ? "ws02" : "ws01";
    f.device_name = source ? "WS02" : "WS01";
    f.timestamp = normalize::kTicksPerSecond * (source ? 1000 : 1000 + i / 10);  // sources at one time
    replay::LinkEnd l;
    l.source = source;
    l.peer_address = normalize::FieldValue::str(source ? "10.0.0.1" : "10.0.0.2");
    l.time = f.timestamp;
    f.link_end = l;
    return f;
  };
  std::vector<replay::Finding> findings;
  for (int i = 0; i < 1000; ++i) findings.push_back(end_of(true, i));
  for (int i = 0; i < 1000; ++i) findings.push_back(end_of(false, i));
  std::vector<replay::HostIdentity> hosts = {{"ws01", {"WS01"}, {"10.0.0.1"}}, {"ws02", {"WS02"}, {"10.0.0.2"}}};
  replay::link_findings(findings, hosts);
  size_t most = 0;
  for (const replay::Finding& x : findings) most = std::max(most, x.links.size());
  EXPECT_EQ(most, replay::kMaxLinksPerFinding);
  // Every target takes the first of the equally good sources; that one lists
  // 16 and counts the rest.
  for (size_t t = 1000; t < 2000; ++t) ASSERT_EQ(findings[t].links.size(), 1u);
  EXPECT_EQ(findings[0].links.size(), 16u);
  EXPECT_EQ(findings[0].notes.back(), "984 more linked ends not listed (at most 16 per finding)");
  EXPECT_TRUE(findings[1].links.empty());
}

// ---- scripts/evtxhunt-dask on a local cluster of 2 workers -----------------

const fs::path kDriver = fs::path(EVTXHUNT_SOURCE_DIR) / "scripts" / "evtxhunt-dask";

// evtxhunt-dask on a local cluster of `workers`, running `binary`.
support::CommandResult dask_with(const fs::path& binary, const std::string& args, int workers = 2) {
  return run_command(shell_quote(kDriver) + " --local " + std::to_string(workers) + " --evtxhunt " +
                     shell_quote(binary) + " " + args);
}

support::CommandResult dask(const std::string& args) { return dask_with(EVTXHUNT_BINARY, args); }

// Any Computer value a record can hold reaches its shard: an empty one (its
// findings vanished from batch runs) and one with a NUL inside (the batch
// stopped with exit 1 and no output). The NUL is patched into the EVTX (XML
// cannot hold one); the chunk's checksum then fails, which both report.
TEST(BatchDask, EmptyAndNulComputerNamesGiveScansResult) {
  support::TempDir dir("batch");
  std::string xml;
  for (const char* computer : {"", "WSX99", "WS02"})
    xml += std::string(
               "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
               "Name=\"Microsoft-Windows-Security-Auditing\"/><EventID>4624</EventID><TimeCreated "
               "SystemTime=\"2024-03-12T10:00:00Z\"/><EventRecordID>1</EventRecordID><Channel>Security"
               "</Channel><Computer>") +
           computer + "</Computer></System><EventData><Data Name=\"LogonType\">3</Data></EventData></Event>";
  support::write_text(dir / "forwarded.xml", "<Events>" + xml + "</Events>\n");
  fs::path evtx = dir / "forwarded.evtx";
  ASSERT_EQ(run_evtxhunt("convert -q " + shell_quote(dir / "forwarded.xml") + " -o " + shell_quote(evtx)).exit_code, 0);
  std::string bytes = support::read_text(evtx);
  const std::string x(
      "W\0S\0X\0"
      "9\0"
      "9\0",
      10);
  size_t at = bytes.find(x);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 4] = '\0';  // WS<NUL>99
  support::write_text(evtx, bytes);
  support::write_text(dir / "logon.yml",
                      "title: logon\nid: logon\nlevel: low\nlogsource:\n  product: windows\n  service: security\n"
                      "detection:\n  sel:\n    EventID: 4624\n  condition: sel\n");
  std::string args = "-f jsonl --rules " + shell_quote(dir / "logon.yml") + " " + shell_quote(evtx);
  support::CommandResult one = run_evtxhunt("scan -q " + args);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(support::split_lines(one.out).size(), 3u) << one.out;
  support::CommandResult batch = dask("-q " + args);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, one.out);
}

TEST(BatchDask, SameOutputAsScanOnSamples) {
  support::TempDir dir("batch");
  std::string inputs = shell_quote(kSamples);
  support::CommandResult one = run_evtxhunt("scan -q -f jsonl " + inputs);
  support::CommandResult batch = dask("-f jsonl " + inputs);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, one.out);
  EXPECT_NE(batch.err.find("shard 2/2 done"), std::string::npos) << batch.err;
  EXPECT_NE(batch.err.find("evtxhunt merge: 7 findings"), std::string::npos) << batch.err;
}

TEST(BatchDask, MultiHostFileReadByEveryShardOwningOneOfItsHosts) {
  support::TempDir dir("batch");
  fs::path forwarded = forwarded_log(dir);
  std::string inputs = shell_quote(forwarded) + " " + shell_quote(kSamples / "triage");
  fs::path plan = dir / "plan.json";
  support::CommandResult one = run_evtxhunt("scan -q -f csv " + inputs);
  support::CommandResult batch = dask("--shards 3 -q -f csv --plan " + shell_quote(plan) + " " + inputs);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, one.out);
  support::Json p = *support::parse_json(support::read_text(plan));
  ASSERT_EQ(p["shards"].size(), 3u);
  std::set<std::string> names;
  for (const support::Json& s : p["shards"]) {
    ASSERT_EQ(s["names"].size(), 1u);  // one host each, so the forwarded log is split
    names.insert(s["names"][0].get<std::string>());
    EXPECT_EQ(s["files"][0], forwarded.string());  // read by each, first (as one scan reads it)
  }
  EXPECT_EQ(names, (std::set<std::string>{"DC01.corp.local", "WS01.corp.local", "WS02.corp.local"}));
}

TEST(BatchDask, HostFilterLeavesOtherHostsOutOfThePlan) {
  support::TempDir dir("batch");
  std::string inputs = shell_quote(kSamples);
  fs::path plan = dir / "plan.json";
  support::CommandResult one = run_evtxhunt("scan -q -f jsonl --host 'ws0?.*' " + inputs);
  support::CommandResult batch = dask("-q -f jsonl --host 'ws0?.*' --plan " + shell_quote(plan) + " " + inputs);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, one.out);
  EXPECT_EQ(support::split_lines(one.out).size(), 7u);  // WS01's six findings and WS02's one
  support::Json p = *support::parse_json(support::read_text(plan));
  std::set<std::string> names;
  for (const support::Json& s : p["shards"])
    for (const auto& n : s["names"]) names.insert(n.get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"WS01.corp.local", "WS02.corp.local"}));
}

TEST(BatchDask, HostFilterMatchingNothingIsScansEmptyOutput) {
  std::string args = "-f csv --host no-such-host " + shell_quote(kSamples);
  support::CommandResult one = run_evtxhunt("scan -q " + args);
  support::CommandResult batch = dask("-q " + args);
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, one.out);
  EXPECT_EQ(support::split_lines(batch.out).size(), 1u);  // the header
}

TEST(BatchDask, MissingPathAmongOthersIsScansExit3) {
  std::string args = "-f jsonl " + shell_quote(kSamples / "no-such-folder") + " " + shell_quote(kSamples);
  support::CommandResult one = run_evtxhunt("scan -q " + args);
  support::CommandResult batch = dask("-q " + args);
  EXPECT_EQ(one.exit_code, 3);
  EXPECT_EQ(batch.exit_code, 3) << batch.err;
  EXPECT_EQ(batch.out, one.out);
  EXPECT_NE(batch.err.find("no-such-folder: no such file or folder"), std::string::npos) << batch.err;
}

TEST(BatchDask, SameOutputAsScanOnCorpusWithEverySigmaRule) {
  std::string rules = "--rules " + shell_quote(kProjectRules) + " --rules " + shell_quote(kSigmaRules) + " ";
  std::string inputs = shell_quote(kCorpus);
  support::CommandResult one = run_evtxhunt("scan -q -f jsonl " + rules + inputs);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  support::CommandResult batch = dask("--shards 5 -f jsonl " + rules + inputs);
  ASSERT_EQ(batch.exit_code, 0) << batch.err.substr(0, 4000);
  EXPECT_EQ(batch.out, one.out);
  EXPECT_GT(support::split_lines(one.out).size(), 1000u);
  EXPECT_NE(batch.err.find("files read by more than one shard"), std::string::npos);
}

TEST(BatchDask, MissingInputIsExit3) {
  support::CommandResult r = dask("-q " + shell_quote(kSamples / "no-such-folder"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no-such-folder does not exist"), std::string::npos) << r.err;
}

// An evtxhunt whose shard scans fail (exit 1) the first `failures` times,
// then run the real binary: a worker's crash, deterministically.
fs::path failing_binary(const support::TempDir& dir, int failures) {
  fs::path wrapper = dir / "evtxhunt";
  support::write_text(wrapper,
                      "#!/bin/sh\n"
                      "count=$(cat " +
                          shell_quote(dir / "count") +
                          " 2>/dev/null || echo 0)\n"
                          "if [ \"$1\" = scan ] && [ \"$count\" -lt " +
                          std::to_string(failures) +
                          " ]; then\n"
                          "  echo $((count + 1)) > " +
                          shell_quote(dir / "count") +
                          "\n"
                          "  echo 'simulated crash' >&2; exit 1\n"
                          "fi\n"
                          "exec " +
                          support::evtxhunt_binary() + " \"$@\"\n");
  fs::permissions(wrapper, fs::perms::owner_all);
  return wrapper;
}

TEST(BatchDask, FailedShardRunsAgain) {
  support::TempDir dir("batch");
  std::string inputs = shell_quote(kSamples);
  support::CommandResult one = run_evtxhunt("scan -q -f jsonl " + inputs);
  support::CommandResult batch = dask_with(failing_binary(dir, 1), "--shards 2 -f jsonl " + inputs);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(batch.out, one.out);
  EXPECT_NE(batch.err.find("failed (exit 1 on tcp://"), std::string::npos) << batch.err;
  EXPECT_NE(batch.err.find("simulated crash); running it again (retry 1 of 2)"), std::string::npos) << batch.err;
}

TEST(BatchDask, ShardFailingEveryRetryIsExit1) {
  support::TempDir dir("batch");
  support::CommandResult batch =
      dask_with(failing_binary(dir, 1000), "--shards 1 --retries 1 -f jsonl " + shell_quote(kSamples));
  EXPECT_EQ(batch.exit_code, 1);
  EXPECT_TRUE(batch.out.empty());
  EXPECT_NE(batch.err.find("shard 1/1 failed 2 times, last: exit 1"), std::string::npos) << batch.err;
}

TEST(BatchDask, UnknownRuleStopsTheRunWithScansExitCode) {
  support::CommandResult r = dask("-q --rule no-such-rule-* " + shell_quote(kSamples));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find("no-such-rule-*"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("running it again"), std::string::npos) << r.err;  // no retry changes the rules
}

TEST(BatchDask, OutputThatIsAnInputIsRefused) {
  fs::path input = kSamples / "scenario" / "WS01" / "Sysmon.xml";
  std::string before = support::read_text(input);
  support::CommandResult r = dask("-q -o " + shell_quote(input) + " " + shell_quote(kSamples));
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("is one of the inputs"), std::string::npos) << r.err;
  EXPECT_EQ(support::read_text(input), before);
}

TEST(BatchDask, MissingBinaryIsNamed) {
  support::TempDir dir("batch");
  support::CommandResult r = dask_with(dir / "missing", "-q " + shell_quote(kSamples), 1);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing: not an executable file"), std::string::npos) << r.err;
}

}  // namespace
