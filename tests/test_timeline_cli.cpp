// The forensic timeline and the outputs responders load: every format parsed
// back by a real parser (Python's csv module, nlohmann-json) with asserted
// columns and values; the timeline of samples/triage has a row per record in
// time order with the DCOM finding's evidence tagged; each filter selects what
// it says; inventory; inputs that are not what they seem, each with its
// warning and exit code; -o; cmake --install.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/files.h"
#include "support/json.h"
#include "support/lines.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kBinary = EVTXHUNT_BINARY;
const std::string kSource = EVTXHUNT_SOURCE_DIR;
const std::string kSamples = kSource + "/samples/triage";
const std::string kDcom = "ff-t1021.003-dcom";

support::CommandResult run(const std::string& args) { return support::run_evtxhunt(args); }

std::string q(const std::string& s) { return support::shell_quote(s); }

// The samples with the seed rule only: these tests are about the outputs, and
// the seed's one finding is what they check (test_samples_scan and
// test_dcom_variants cover every rule on the samples).
std::string seed_samples() { return "--rule " + kDcom + " " + q(kSamples); }

std::vector<json> jsonl(const std::string& text) { return support::parse_jsonl<json>(text); }

// CSV rows through Python's csv module, re-emitted as JSON (one list per row).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  fs::path tmp = fs::temp_directory_path() / ("evtxhunt-csv-" + std::to_string(getpid()) + ".csv");
  std::ofstream(tmp, std::ios::binary) << text;
  support::CommandResult r = support::run_command(
      "/usr/bin/python3 -c 'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline=\"\", "
      "encoding=\"utf-8\")))))' " +
      q(tmp.string()));
  fs::remove(tmp);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out).get<std::vector<std::vector<std::string>>>();
}

// The full timeline of the samples as JSON rows (computed once).
const std::vector<json>& samples_timeline() {
  static const std::vector<json> rows = [] {
    support::CommandResult r = run("timeline --format jsonl " + seed_samples());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return jsonl(r.out);
  }();
  return rows;
}

bool tagged(const json& row) { return row.contains("Findings"); }

}  // namespace

TEST(Timeline, EveryRecordOfTheSamplesInTimeOrderWithTheFindingTagged) {
  const std::vector<json>& rows = samples_timeline();
  ASSERT_EQ(rows.size(), 463u);  // samples/README.md: 463 records in 9 files, no duplicate
  std::set<std::pair<std::string, int64_t>> records;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) {
      EXPECT_LE(rows[i - 1]["Timestamp"].get<std::string>(), rows[i]["Timestamp"].get<std::string>());
    }
    records.insert({rows[i]["SourceFile"].get<std::string>(), rows[i]["EventRecordID"].get<int64_t>()});
  }
  EXPECT_EQ(records.size(), 463u);  // each record once
  std::vector<json> evidence;
  for (const json& r : rows)
    if (tagged(r)) evidence.push_back(r);
  ASSERT_EQ(evidence.size(), 5u);  // rpc, dcom, three children
  std::vector<int64_t> ids;
  for (const json& r : evidence) {
    EXPECT_EQ(r["Findings"][0]["rule_id"], kDcom);
    EXPECT_EQ(r["Findings"][0]["level"], "high");
    EXPECT_EQ(r["DeviceName"], "WS01.corp.local");
    ids.push_back(r["EventRecordID"]);
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{52095, 52094, 52097, 52101, 52105}));  // time order: rpc first
  const json& mmc = evidence[1];
  EXPECT_EQ(mmc["ProcessCommandLine"], "C:\\Windows\\system32\\mmc.exe -Embedding");
  EXPECT_EQ(mmc["InitiatingProcessFileName"], "svchost.exe");
  EXPECT_EQ(mmc["Details"]["CommandLine"], "C:\\Windows\\system32\\mmc.exe -Embedding");
  EXPECT_EQ(mmc["Details"]["ProcessId"], 4416);  // typed: a number stays a number
  EXPECT_EQ(mmc["Provider"], "Microsoft-Windows-Sysmon");
  EXPECT_EQ(mmc["EventID"], 1);
  EXPECT_EQ(mmc["Level"], "Information");
  // The child rows carry the parent's command line from the process table.
  EXPECT_EQ(evidence[2]["InitiatingProcessCommandLine"], "C:\\Windows\\system32\\mmc.exe -Embedding");
}

TEST(Timeline, CsvLoadsWithOneHeaderRowAndTheSameRows) {
  support::CommandResult r = run("timeline --format csv " + seed_samples());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::vector<std::string>> rows = csv_rows(r.out);
  ASSERT_EQ(rows.size(), 464u);  // header + 463
  const std::vector<std::string>& h = rows[0];
  ASSERT_GE(h.size(), 20u);
  EXPECT_EQ(h[0], "Timestamp");
  EXPECT_EQ(h[1], "DeviceName");
  EXPECT_EQ(h[6], "Details");
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < h.size(); ++i) col[h[i]] = i;
  for (const char* c : {"ProcessCommandLine", "InitiatingProcessFileName", "AccountName", "RemoteIP", "SourceFile",
                        "EventRecordID", "RuleIds", "RuleTitles", "RuleLevel"})
    EXPECT_TRUE(col.count(c)) << c;
  size_t tagged_rows = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), h.size()) << i;
    if (rows[i][col["RuleIds"]] == kDcom) {
      ++tagged_rows;
      EXPECT_EQ(rows[i][col["RuleLevel"]], "high");
    }
  }
  EXPECT_EQ(tagged_rows, 5u);
  // The mmc row: its command line whole, its Details with the field names.
  auto mmc =
      std::find_if(rows.begin(), rows.end(), [&](const auto& row) { return row[col["EventRecordID"]] == "52094"; });
  ASSERT_NE(mmc, rows.end());
  EXPECT_EQ((*mmc)[col["ProcessCommandLine"]], "C:\\Windows\\system32\\mmc.exe -Embedding");
  EXPECT_NE((*mmc)[col["Details"]].find("CommandLine: C:\\Windows\\system32\\mmc.exe -Embedding"), std::string::npos);
  EXPECT_EQ((*mmc)[0], "2024-03-12T10:47:14.1050000Z");
}

TEST(Timeline, TimesketchRowsHaveTheMandatoryFields) {
  support::CommandResult r = run("timeline --format timesketch " + seed_samples());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows = jsonl(r.out);
  ASSERT_EQ(rows.size(), 463u);
  for (const json& row : rows) {
    ASSERT_TRUE(row["message"].is_string());
    ASSERT_TRUE(row["datetime"].is_string());
    ASSERT_TRUE(row["timestamp_desc"].is_string());
    ASSERT_TRUE(row["timestamp"].is_number_integer());
    for (const auto& [k, v] : row.items()) EXPECT_FALSE(v.is_object()) << k;  // flat fields
  }
  auto rpc = std::find_if(rows.begin(), rows.end(), [](const json& row) { return row["EventRecordID"] == 52095; });
  ASSERT_NE(rpc, rows.end());
  EXPECT_EQ((*rpc)["datetime"], "2024-03-12T10:47:13.4120000Z");
  EXPECT_EQ((*rpc)["timestamp"], 1710240433412000);  // microseconds since 1970
  EXPECT_EQ((*rpc)["timestamp_desc"], "Event Time (Sysmon UtcTime)");
  // Tags a person reads: the rule's title and level, ATT&CK as Sigma writes it and as an id.
  EXPECT_EQ((*rpc)["tag"], json::array({"rule:DCOM lateral movement (FalconFriday T1021.003)", "level:high",
                                        "attack.t1021.003", "T1021.003", "attack.lateral-movement"}));
  EXPECT_EQ((*rpc)["message"].get<std::string>().rfind("[high] DCOM lateral movement", 0), 0u);
  // Python's datetime.fromisoformat reads the timestamp format.
  support::CommandResult py = support::run_command(
      "/usr/bin/python3 -c 'import datetime; print(datetime.datetime.fromisoformat(\"2024-03-12T10:47:13.4120000Z\")"
      ".timestamp())'");
  EXPECT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out, "1710240433.412\n");
}

TEST(Timeline, TableHasAlignedColumnsAndNoColourWhenNotATerminal) {
  support::CommandResult r = run("timeline --format table --findings-only " + seed_samples());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = support::split_lines(r.out);
  ASSERT_EQ(lines.size(), 6u);  // heading + 5 evidence rows
  EXPECT_EQ(lines[0].rfind("Timestamp", 0), 0u);
  for (const std::string& l : lines) EXPECT_EQ(l.find('\x1b'), std::string::npos);
  EXPECT_EQ(lines[1].substr(0, 29), "2024-03-12T10:47:13.4120000Z ");
  EXPECT_NE(lines[2].find("mmc.exe -Embedding"), std::string::npos);
}

TEST(Timeline, FindingsOnlyAndContext) {
  support::CommandResult only = run("timeline --format jsonl --findings-only " + seed_samples());
  ASSERT_EQ(only.exit_code, 0);
  std::vector<json> rows = jsonl(only.out);
  EXPECT_EQ(rows.size(), 5u);
  for (const json& r : rows) EXPECT_TRUE(tagged(r));
  // --context 10s: the host's events from 10 s before the first evidence to 10 s after the last.
  support::CommandResult ctx = run("timeline --format jsonl --context 10s " + seed_samples());
  ASSERT_EQ(ctx.exit_code, 0);
  size_t want = 0;
  for (const json& r : samples_timeline()) {
    std::string t = r["Timestamp"];
    want += r["DeviceName"] == "WS01.corp.local" && t >= "2024-03-12T10:47:03.4120000Z" &&
            t <= "2024-03-12T10:47:55.2160000Z";
  }
  std::vector<json> got = jsonl(ctx.out);
  EXPECT_EQ(got.size(), want);
  EXPECT_GT(want, 5u);
  for (const json& r : got) EXPECT_EQ(r["DeviceName"], "WS01.corp.local");
}

TEST(Timeline, EachFilterSelectsExactlyWhatItSays) {
  const std::vector<json>& all = samples_timeline();
  auto count = [&](auto pred) { return static_cast<size_t>(std::count_if(all.begin(), all.end(), pred)); };
  auto rows = [&](const std::string& opts) {
    support::CommandResult r = run("timeline --format jsonl " + opts + " " + seed_samples());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return jsonl(r.out);
  };
  EXPECT_EQ(rows("--since 2024-03-12T10:00:00Z --until 2024-03-12T11:00:00Z").size(), count([](const json& r) {
              std::string t = r["Timestamp"];
              return t >= "2024-03-12T10:00:00" && t <= "2024-03-12T11:00:00.0000000Z";
            }));
  EXPECT_EQ(rows("--since 2024-03-12").size(), count([](const json& r) { return r["Timestamp"] >= "2024-03-12"; }));
  EXPECT_EQ(rows("--until 2024-03-11").size(), count([](const json& r) { return r["Timestamp"] < "2024-03-12"; }));
  std::vector<json> ws = rows("--host 'ws*'");
  EXPECT_EQ(ws.size(), count([](const json& r) { return r["DeviceName"].get<std::string>().rfind("WS", 0) == 0; }));
  std::vector<json> dc = rows("--host DC01.CORP.LOCAL");
  EXPECT_EQ(dc.size(), count([](const json& r) { return r["DeviceName"] == "DC01.corp.local"; }));
  EXPECT_GT(dc.size(), 0u);
  EXPECT_EQ(rows("--event-id 1 --event-id 3").size(),
            count([](const json& r) { return r["EventID"] == 1 || r["EventID"] == 3; }));
  EXPECT_EQ(rows("--channel security").size(), count([](const json& r) { return r["Channel"] == "Security"; }));
  EXPECT_EQ(rows("--channel '*sysmon*'").size(),
            count([](const json& r) { return r["Channel"] == "Microsoft-Windows-Sysmon/Operational"; }));
  // Finding filters: the tags (and --findings-only rows) follow them.
  EXPECT_EQ(rows("--findings-only --min-level critical").size(), 0u);
  EXPECT_EQ(rows("--findings-only --min-level high").size(), 5u);
  EXPECT_EQ(rows("--findings-only --rule 'ff-*'").size(), 5u);
  support::CommandResult none = run("timeline --rule no-such-rule " + q(kSamples));
  EXPECT_EQ(none.exit_code, 7);
  EXPECT_NE(none.err.find("no rule matches 'no-such-rule'"), std::string::npos);
  // scan: the same filters on findings.
  support::CommandResult s1 = run("scan --format jsonl --since 2024-03-12T10:47:14Z " + seed_samples());
  EXPECT_EQ(jsonl(s1.out).size(), 0u);  // its first evidence is 10:47:13.412
  support::CommandResult s2 = run("scan --format jsonl --host ws01 " + seed_samples());
  EXPECT_EQ(jsonl(s2.out).size(), 0u);  // globs match the whole name: WS01.corp.local
  support::CommandResult s3 = run("scan --format jsonl --host 'ws01*' " + seed_samples());
  EXPECT_EQ(jsonl(s3.out).size(), 1u);
  support::CommandResult s4 = run("scan --format jsonl --channel Security " + seed_samples());
  EXPECT_EQ(jsonl(s4.out).size(), 0u);  // its evidence is all Sysmon
  EXPECT_EQ(run("timeline --since yesterday " + seed_samples()).exit_code, 2);
  EXPECT_EQ(run("timeline --context forever " + seed_samples()).exit_code, 2);
  EXPECT_EQ(run("timeline --min-level severe " + seed_samples()).exit_code, 2);
}

// --since/--until as responders write them: a zone after a space, minutes
// without seconds, and offsets back from the evidence's last event (the
// samples' last record: 2024-03-12T12:22:23.8600706Z, an event the timeline
// does not show).
TEST(Timeline, TimesAsRespondersWriteThem) {
  const std::vector<json>& all = samples_timeline();
  auto count = [&](auto pred) { return static_cast<size_t>(std::count_if(all.begin(), all.end(), pred)); };
  auto rows = [&](const std::string& opts, std::string* err = nullptr) {
    support::CommandResult r = run("timeline --format jsonl " + opts + " " + seed_samples());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (err) *err = r.err;
    return jsonl(r.out);
  };
  size_t after_10 = count([](const json& r) { return r["Timestamp"] >= "2024-03-12T10:00:00"; });
  EXPECT_EQ(rows("--since '2024-03-12 12:00:00 +02:00'").size(), after_10);
  EXPECT_EQ(rows("--since '2024-03-12 10:00:00 UTC'").size(), after_10);
  EXPECT_EQ(rows("--since 2024-03-12T10:00").size(), after_10);
  EXPECT_EQ(rows("--since '2024-03-12T05:00-05:00'").size(), after_10);
  std::string err;
  std::vector<json> last_hour = rows("--since -1h", &err);
  EXPECT_EQ(last_hour.size(), count([](const json& r) { return r["Timestamp"] >= "2024-03-12T11:22:23.8600706Z"; }));
  EXPECT_GT(last_hour.size(), 5u);
  EXPECT_NE(err.find("the evidence's last event is at 2024-03-12T12:22:23.8600706Z: keeping "
                     "2024-03-12T11:22:23.8600706Z to the last"),
            std::string::npos)
      << err;
  EXPECT_EQ(rows("--until -1d").size(),
            count([](const json& r) { return r["Timestamp"] <= "2024-03-11T12:22:23.8600706Z"; }));
  EXPECT_EQ(rows("--since -90min --until -30min").size(), count([](const json& r) {
              return r["Timestamp"] >= "2024-03-12T10:52:23.8600706Z" &&
                     r["Timestamp"] <= "2024-03-12T11:52:23.8600706Z";
            }));
  support::CommandResult crossed = run("timeline --since -1h --until -2h " + seed_samples());
  EXPECT_EQ(crossed.exit_code, 2);
  EXPECT_NE(crossed.err.find("--since is after --until"), std::string::npos) << crossed.err;
  support::CommandResult shard = run("scan --format shard --since -2d " + seed_samples());
  EXPECT_EQ(shard.exit_code, 2);
  EXPECT_NE(shard.err.find("which a shard does not know"), std::string::npos) << shard.err;
}

// --timezone: every time written in the zone with its offset at that
// instant (daylight saving included), --since without an offset read in it.
// A real record: LethalHTA's Sysmon 3 at 2019-05-14T01:29:04.293Z (summer).
TEST(Timeline, TimezoneWritesTheOffsetOfEachInstant) {
  const std::string lethal =
      q(std::string(EVTXHUNT_CORPUS) + "/evtx-attack-samples/Lateral Movement/LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx");
  auto first_time = [&](const std::string& opts) {
    support::CommandResult r = run("timeline -q -f jsonl " + opts + " " + lethal);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> rows = jsonl(r.out);
    return rows.empty() ? std::string("none") : rows[0]["Timestamp"].get<std::string>();
  };
  EXPECT_EQ(first_time(""), "2019-05-14T01:29:04.2930000Z");
  EXPECT_EQ(first_time("--timezone UTC"), "2019-05-14T01:29:04.2930000Z");
  EXPECT_EQ(first_time("--timezone Europe/Berlin"), "2019-05-14T03:29:04.2930000+02:00");
  EXPECT_EQ(first_time("--timezone America/New_York"), "2019-05-13T21:29:04.2930000-04:00");
  EXPECT_EQ(first_time("--timezone +05:30"), "2019-05-14T06:59:04.2930000+05:30");
  // Read in the zone: 03:29:05 in Berlin is 01:29:05Z, after the first record.
  EXPECT_EQ(first_time("--timezone Europe/Berlin --since '2019-05-14 03:29:05'"), "2019-05-14T03:29:05.5345219+02:00");
  EXPECT_EQ(first_time("--timezone Europe/Berlin --since '2019-05-14 01:29:05Z'"), "2019-05-14T03:29:05.5345219+02:00");

  // Findings: the time and each evidence step's. In March 2024 Berlin is at
  // +01:00 (summer time starts on the 31st), New York already at -04:00.
  support::CommandResult r = run("scan -q -f jsonl --timezone Europe/Berlin " + seed_samples());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> f = jsonl(r.out);
  ASSERT_EQ(f.size(), 1u);
  const std::string ts = f[0]["Timestamp"];
  EXPECT_EQ(ts.substr(ts.size() - 6), "+01:00") << ts;
  for (const json& step : f[0]["evidence"]) EXPECT_EQ(step["Timestamp"].get<std::string>().substr(27), "+01:00");
  support::CommandResult table = run("scan -q -f table --timezone America/New_York " + seed_samples());
  EXPECT_NE(table.out.find("-04:00 "), std::string::npos) << table.out;

  // A batch scan's shards hold UTC; merge writes them in the zone; inventory too.
  support::TempDir tmp("zone");
  const std::string shard = (tmp / "all.shard").string();
  ASSERT_EQ(run("scan -q --format shard -o " + q(shard) + " " + seed_samples()).exit_code, 0);
  support::CommandResult merged = run("merge -q -f jsonl --timezone Europe/Berlin " + q(shard));
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(jsonl(merged.out).at(0)["Timestamp"], ts);
  support::CommandResult inv = run("inventory -q -f jsonl --timezone America/New_York " + lethal);
  ASSERT_EQ(inv.exit_code, 0) << inv.err;
  // TimeCreated (the rows above use Sysmon's UtcTime, 13.8 ms earlier).
  EXPECT_NE(inv.out.find("\"first_time\":\"2019-05-13T21:29:04.3068859-04:00\""), std::string::npos) << inv.out;

  support::CommandResult bad = run("timeline --timezone Mars/Olympus_Mons " + lethal);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--timezone: not a time zone: Mars/Olympus_Mons (UTC, local, a tz database name"),
            std::string::npos)
      << bad.err;
  // A sign without hours, or too many digits, is not an offset (once aborted the run).
  for (const char* spec : {"-:", "+", "+123", "+15", "+02:60"}) {
    support::CommandResult r = run(std::string("timeline --timezone='") + spec + "' " + lethal);
    EXPECT_EQ(r.exit_code, 2) << spec;
    EXPECT_NE(r.err.find(std::string("--timezone: not a time zone: ") + spec), std::string::npos) << r.err;
  }
}

TEST(Scan, FindingsInEveryFormat) {
  support::CommandResult j = run("scan --format jsonl " + seed_samples());
  ASSERT_EQ(j.exit_code, 0) << j.err;
  std::vector<json> f = jsonl(j.out);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["rule_id"], kDcom);
  EXPECT_EQ(f[0]["fields"]["dcom.ProcessId"], 4416);
  EXPECT_EQ(f[0]["evidence"].size(), 5u);
  support::CommandResult c = run("scan --format csv " + seed_samples());
  std::vector<std::vector<std::string>> rows = csv_rows(c.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"Timestamp", "DeviceName", "Level", "RuleId", "Title", "Details", "Confidence",
                                      "Assumptions", "Evidence", "Fields", "Collected", "Tags", "Notes"}));
  EXPECT_EQ(rows[1][0], "2024-03-12T10:47:13.4120000Z");
  EXPECT_EQ(rows[1][1], "WS01.corp.local");
  EXPECT_EQ(rows[1][2], "high");
  EXPECT_EQ(rows[1][3], kDcom);
  // Details: each step of the chain, who and what.
  EXPECT_NE(rows[1][5].find("dcom: User: CORP\\bob \xC2\xA6 "), std::string::npos) << rows[1][5];
  EXPECT_NE(rows[1][8].find("rpc: "), std::string::npos);
  EXPECT_NE(rows[1][9].find("dcom.ProcessId=4416"), std::string::npos);
  EXPECT_NE(rows[1][10].find("/c whoami"), std::string::npos);
  support::CommandResult t = run("scan --format timesketch " + seed_samples());
  std::vector<json> ts = jsonl(t.out);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0]["datetime"], "2024-03-12T10:47:13.4120000Z");
  EXPECT_EQ(ts[0]["timestamp_desc"], "Finding (first evidence)");
  EXPECT_TRUE(ts[0]["message"].is_string());
  EXPECT_EQ(ts[0]["tag"][0], "rule:DCOM lateral movement (FalconFriday T1021.003)");
  // --sort time: the same single finding.
  EXPECT_EQ(run("scan --quiet --format jsonl --sort time " + seed_samples()).out,
            run("scan --quiet --format jsonl " + seed_samples()).out);
  EXPECT_EQ(run("scan --sort rule " + seed_samples()).exit_code, 2);
  support::CommandResult tb = run("scan --format table " + seed_samples());
  EXPECT_EQ(support::split_lines(tb.out).size(), 2u);
  EXPECT_EQ(run("scan --format yaml " + seed_samples()).exit_code, 2);
  // The summary: findings by level and by rule.
  EXPECT_NE(j.err.find("1 findings: 1 high; by rule: DCOM lateral movement (FalconFriday T1021.003) (1)"),
            std::string::npos)
      << j.err;
  EXPECT_NE(j.err.find("done in"), std::string::npos);
  support::CommandResult quiet = run("scan --quiet --format jsonl " + seed_samples());
  EXPECT_EQ(quiet.err, "");
  EXPECT_EQ(quiet.out, j.out);
}

TEST(Inventory, FilesHostsChannelsAndSpans) {
  support::CommandResult r = run("inventory --format jsonl " + q(kSamples));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows = jsonl(r.out);
  std::vector<json> files, hosts;
  for (const json& row : rows) (row["kind"] == "file" ? files : hosts).push_back(row);
  ASSERT_EQ(files.size(), 9u);
  ASSERT_EQ(hosts.size(), 3u);
  uint64_t records = 0;
  for (const json& f : files) {
    records += f["records"].get<uint64_t>();
    EXPECT_EQ(f["format"], "evtx");
    EXPECT_EQ(f["problems"], 0);
    EXPECT_EQ(f["hosts"].size(), 1u);
  }
  EXPECT_EQ(records, 463u);
  auto ws01_security = std::find_if(files.begin(), files.end(), [](const json& f) {
    return f["path"].get<std::string>().find("WS01/C/Windows/System32/winevt/Logs/Security.evtx") != std::string::npos;
  });
  ASSERT_NE(ws01_security, files.end());
  EXPECT_EQ((*ws01_security)["records"], 99);  // samples/README.md
  EXPECT_EQ((*ws01_security)["channels"], json::array({"Security"}));
  EXPECT_EQ((*ws01_security)["hosts"], json::array({"WS01.corp.local"}));
  auto host = std::find_if(hosts.begin(), hosts.end(), [](const json& h) { return h["host"] == "ws01.corp.local"; });
  ASSERT_NE(host, hosts.end());
  const json& ws01 = *host;
  EXPECT_EQ(ws01["names"], json::array({"WS01.corp.local"}));
  EXPECT_EQ(ws01["files"].size(), 3u);
  EXPECT_EQ(ws01["records"], 99 + 117 + 15);
  EXPECT_TRUE(ws01["first_time"].is_string());
  support::CommandResult csv = run("inventory --format csv " + q(kSamples));
  std::vector<std::vector<std::string>> crow = csv_rows(csv.out);
  EXPECT_EQ(crow.size(), 1u + 9u + 3u);
  EXPECT_EQ(crow[0][0], "Kind");
}

// ---- inputs that are not what they seem ------------------------------------------

class Inputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("evtxhunt-inputs-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(Inputs, NoReadableEvidenceIsExit8) {
  std::ofstream(dir_ / "notes.txt") << "not a log\n";
  support::CommandResult r = run("scan " + q(dir_.string()));
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_NE(r.err.find("notes.txt: not an EVTX file or XML event export"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no readable evidence"), std::string::npos);
  EXPECT_EQ(run("timeline " + q(dir_.string())).exit_code, 8);
  EXPECT_EQ(run("normalize " + q(dir_.string())).exit_code, 8);
  EXPECT_EQ(run("inventory " + q(dir_.string())).exit_code, 8);
}

TEST_F(Inputs, EmptyFileSaysItIsEmpty) {
  std::ofstream(dir_ / "Security.evtx");
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "System.evtx");
  support::CommandResult r = run("scan " + q(dir_.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Security.evtx: empty file (0 bytes)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 inputs skipped"), std::string::npos) << r.err;
}

TEST_F(Inputs, SymlinkedFoldersAreFollowedOnceAndLoopsReported) {
  fs::create_directories(dir_ / "host" / "logs");
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "host" / "logs" / "System.evtx");
  fs::create_directory_symlink(dir_ / "host", dir_ / "host" / "logs" / "loop");  // a loop
  fs::create_directories(dir_ / "other");
  fs::create_directory_symlink(dir_ / "host" / "logs", dir_ / "other" / "link");  // a second way in
  fs::create_symlink(dir_ / "missing.evtx", dir_ / "dangling.evtx");
  support::CommandResult r = run("inventory --format jsonl " + q(dir_.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows = jsonl(r.out);
  size_t files = 0, skipped = 0;
  for (const json& row : rows) {
    files += row["kind"] == "file";
    skipped += row["kind"] == "skipped";
  }
  EXPECT_EQ(files, 1u);  // read once
  EXPECT_NE(r.err.find("folder already read (a symbolic link loop or a second link to it)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("dangling.evtx: broken symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(skipped, 3u);  // the loop, the second link, the dangling link
}

// A link in the evidence that leads out of it (to /, /proc/self/root,
// another case's folder) is never followed unless asked: it would mix other
// files into the case, or walk the whole machine.
TEST_F(Inputs, LinksLeadingOutOfTheInputsAreNamedNotFollowed) {
  const std::string system = kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx";
  fs::create_directories(dir_ / "case" / "logs");
  fs::create_directories(dir_ / "elsewhere");
  fs::copy_file(system, dir_ / "case" / "logs" / "System.evtx");
  fs::copy_file(system, dir_ / "elsewhere" / "Other.evtx");
  fs::create_directory_symlink("/proc/self/root", dir_ / "case" / "root");
  fs::create_directory_symlink("/", dir_ / "case" / "slash");
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "case" / "other-case");
  fs::create_symlink(dir_ / "elsewhere" / "Other.evtx", dir_ / "case" / "Other.evtx");
  fs::create_directory_symlink("logs", dir_ / "case" / "inside");  // stays inside: followed (read once)
  auto listed = [&](const std::string& extra, const std::string& paths) {
    support::CommandResult r = run("inventory --files-only --format jsonl " + extra + paths);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> files;
    std::string skipped;  // "path: reason" lines, as scan writes them on stderr
    for (const json& row : jsonl(r.out)) {
      if (row["kind"] == "file") files.insert(fs::path(row["path"].get<std::string>()).filename().string());
      if (row["kind"] == "skipped")
        skipped += row["path"].get<std::string>() + ": " + row["reason"].get<std::string>() + "\n";
    }
    return std::make_pair(files, skipped);
  };
  auto [files, err] = listed("", q((dir_ / "case").string()));
  EXPECT_EQ(files, (std::set<std::string>{"System.evtx"}));
  for (const std::string& link :
       std::vector<std::string>{"root: symbolic link to /proc/self/root (/)", "slash: symbolic link to /,",
                                "other-case: symbolic link to " + (dir_ / "elsewhere").string() + ",",
                                "Other.evtx: symbolic link to " + (dir_ / "elsewhere" / "Other.evtx").string() + ","})
    EXPECT_NE(err.find("case/" + link), std::string::npos) << link << "\n" << err;
  EXPECT_NE(err.find("outside the inputs: not followed (--follow-links follows it)"), std::string::npos) << err;
  // Named on the command line too, the other case is an input: its link is followed.
  auto [both, err2] = listed("", q((dir_ / "case").string()) + " " + q((dir_ / "elsewhere").string()));
  EXPECT_EQ(both, (std::set<std::string>{"System.evtx", "Other.evtx"}));
  EXPECT_EQ(err2.find("other-case: symbolic link"), std::string::npos) << err2;
  // A scan reads the same files and says the same.
  support::CommandResult scan = run("scan -q " + q((dir_ / "case").string()));
  EXPECT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_NE(scan.err.find("slash: symbolic link to /,"), std::string::npos) << scan.err;
}

TEST_F(Inputs, FollowLinksFollowsEveryLinkEachFolderOnce) {
  const std::string system = kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx";
  fs::create_directories(dir_ / "case");
  fs::create_directories(dir_ / "elsewhere");
  fs::copy_file(system, dir_ / "case" / "System.evtx");
  fs::copy_file(system, dir_ / "elsewhere" / "Other.evtx");
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "case" / "other-case");
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "case" / "again");
  support::CommandResult r = run("inventory --follow-links --format jsonl " + q((dir_ / "case").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t files = 0;
  for (const json& row : jsonl(r.out)) files += row["kind"] == "file";
  EXPECT_EQ(files, 2u);
  EXPECT_NE(r.err.find("folder already read"), std::string::npos) << r.err;
}

// One file of 100,000 computer names (a WEC server's log, or a crafted one):
// every per-record and per-host lookup is by hash, so this takes seconds (it
// took 48-66 s when names were searched linearly, and replaying each host
// must not scan every file's names). The `timeout` is a hang guard only.
TEST_F(Inputs, AHundredThousandComputerNamesInOneFile) {
  constexpr int kHosts = 100000;
  {
    std::ofstream x(dir_ / "forwarded.xml");
    x << "<Events>\n";
    for (int i = 0; i < kHosts; ++i)
      x << "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
           "Name=\"Microsoft-Windows-Security-Auditing\"/><EventID>4624</EventID><TimeCreated "
           "SystemTime=\"2024-03-12T10:00:00.000Z\"/><EventRecordID>"
        << i << "</EventRecordID><Channel>Security</Channel><Computer>host" << i
        << ".corp.local</Computer></System><EventData><Data Name=\"LogonType\">3</Data></EventData></Event>\n";
    x << "</Events>\n";
  }
  std::string file = q((dir_ / "forwarded.xml").string());
  support::CommandResult inv = support::run_command("timeout 120 " + q(kBinary) + " inventory --format jsonl " + file);
  ASSERT_EQ(inv.exit_code, 0) << inv.err;
  size_t hosts = 0;
  for (const json& row : jsonl(inv.out)) hosts += row["kind"] == "host";
  EXPECT_EQ(hosts, static_cast<size_t>(kHosts));
  support::CommandResult scan = support::run_command("timeout 120 " + q(kBinary) + " scan " + file);
  EXPECT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_NE(scan.err.find("100000 events on 100000 hosts"), std::string::npos) << scan.err;
}

// What reaches a terminal shows the evidence's control characters, never
// obeys them: a file name with cursor-up, erase-line and a right-to-left
// override would hide the line before it and reorder the text.
TEST_F(Inputs, ControlSequencesInNamesAreShownNotObeyed) {
  std::string evil =
      "evil\x1b[1A\x1b[2K\xe2\x80\xae"
      "exe.txt";
  std::ofstream(dir_ / evil) << "not a log\n";
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "System.evtx");
  support::CommandResult r = run("scan " + q(dir_.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("evil\\x1b[1A\\x1b[2K<U+202E>exe.txt: not an EVTX file"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.err.find("\xe2\x80\xae"), std::string::npos);
  // The table format shows a Computer name's controls the same way.
  std::ofstream(dir_ / "events.xml")
      << "<Events><Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
         "Name=\"X\"/><EventID>1</EventID><TimeCreated SystemTime=\"2024-03-12T10:00:00Z\"/><Computer>WS&#x9B;2J"
         "&#x202E;01</Computer></System></Event></Events>\n";
  support::CommandResult t = run("timeline -f table " + q((dir_ / "events.xml").string()));
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("WS\\x9b2J<U+202E>01"), std::string::npos) << t.out;
}

// A file name that is not UTF-8 still gives lines that parse as JSON (its
// bytes become U+FFFD); a CSV cell a spreadsheet would run is neutralised
// unless --csv-raw.
TEST_F(Inputs, JsonStaysJsonAndCsvStaysData) {
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "\xff\xfe.evtx");
  for (const char* format : {"jsonl", "timesketch"}) {
    support::CommandResult r = run(std::string("timeline -q -f ") + format + " " + q(dir_.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> rows = jsonl(r.out);  // throws if a line is not JSON
    ASSERT_EQ(rows.size(), 15u) << format;
    std::string source = rows[0].contains("SourceFile") ? rows[0]["SourceFile"] : rows[0]["source_file"];
    EXPECT_NE(source.find("\xEF\xBF\xBD\xEF\xBF\xBD.evtx"), std::string::npos) << format << ": " << source;
  }
  std::ofstream(dir_ / "events.xml")
      << "<Events><Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
         "Name=\"X\"/><EventID>1</EventID><TimeCreated SystemTime=\"2024-03-12T10:00:00Z\"/><Computer>=cmd|' /C "
         "calc'!A0</Computer></System></Event></Events>\n";
  std::string xml = q((dir_ / "events.xml").string());
  support::CommandResult csv = run("timeline -q -f csv " + xml);
  EXPECT_NE(csv.out.find(",\"'=cmd|' /C calc'!A0\","), std::string::npos) << csv.out;
  support::CommandResult raw = run("timeline -q -f csv --csv-raw " + xml);
  EXPECT_NE(raw.out.find(",=cmd|' /C calc'!A0,"), std::string::npos) << raw.out;
  support::CommandResult inv = run("inventory -q -f csv " + xml);
  EXPECT_NE(inv.out.find("\"'=cmd|' /C calc'!A0\""), std::string::npos) << inv.out;
}

// SIGTERM (or Ctrl-C) while -o OUT is being written leaves no hidden
// temporary file beside OUT; a spill folder that cannot be written (a full
// disk, here a file-size limit) is exit 6, the I/O code, and leaves nothing.
TEST_F(Inputs, InterruptedOrFullRunsLeaveNothingBehind) {
  std::string script = "cd " + q(dir_.string()) + " && { " + q(kBinary) + " timeline -q --threads 1 -o out.jsonl " +
                       q(EVTXHUNT_CORPUS) + " 2>/dev/null & pid=$!; for i in $(seq 200); do ls -A | grep -q " +
                       "'^.out.jsonl.evtxhunt-' && break; sleep 0.05; done; kill -TERM $pid; wait $pid; echo rc=$?; }";
  support::CommandResult r = support::run_command(script);
  EXPECT_NE(r.out.find("rc=143"), std::string::npos) << r.out;  // ended by SIGTERM, as it would have been
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename().string());
  EXPECT_TRUE(left.empty()) << left[0];
  fs::create_directory(dir_ / "spill");
  support::CommandResult full =
      support::run_command("trap '' XFSZ; ulimit -f 16; " + q(kBinary) + " scan -q --memory 1 --temp-dir " +
                           q((dir_ / "spill").string()) + " " + q(EVTXHUNT_CORPUS) + " > /dev/null");
  EXPECT_EQ(full.exit_code, 6) << full.err.substr(full.err.size() > 500 ? full.err.size() - 500 : 0);
  EXPECT_NE(full.err.find("cannot write spill file: File too large"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir_ / "spill"));
}

TEST_F(Inputs, SpecialFilesAreNamedNotOpened) {
  ASSERT_EQ(::mkfifo((dir_ / "pipe.evtx").c_str(), 0600), 0);
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "System.evtx");
  support::CommandResult r = run("scan " + q(dir_.string()));  // would block if the FIFO were opened
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("pipe.evtx: a FIFO, not a file"), std::string::npos) << r.err;
  support::CommandResult d = run("dump " + q((dir_ / "pipe.evtx").string()));
  EXPECT_EQ(d.exit_code, 3) << d.err;
  EXPECT_NE(d.err.find("not a regular file"), std::string::npos) << d.err;
  // Regression test: convert opened its input before checking it and blocked on a FIFO.
  support::CommandResult c =
      run("convert -q -o " + q((dir_ / "out.evtx").string()) + " " + q((dir_ / "pipe.evtx").string()));
  EXPECT_EQ(c.exit_code, 3) << c.err;
  EXPECT_NE(c.err.find("pipe.evtx: cannot open: not a regular file"), std::string::npos) << c.err;
  EXPECT_FALSE(fs::exists(dir_ / "out.evtx"));
}

// convert -o: written under a name mkstemp makes (never a guessable one a
// planted link could sit at) and renamed over the target; a device or FIFO
// target is written into, never replaced. Regression test: convert wrote
// OUT.tmp-PID with fopen (following a link there) and renamed it over
// /dev/null.
TEST_F(Inputs, ConvertOutputNeverReplacesADeviceOrFollowsALink) {
  fs::path xml = fs::path(kSource) / "tests" / "scenarios" / "dcom" / "basic_chain.xml";
  fs::path out = dir_ / "out.evtx";
  ASSERT_EQ(run("convert -q -o " + q(out.string()) + " " + q(xml.string())).exit_code, 0);
  for (const auto& e : fs::directory_iterator(dir_)) EXPECT_EQ(e.path(), out);  // no temporary left
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(static_cast<mode_t>(fs::status(out).permissions()), 0666 & ~mask);  // as a new file, not mkstemp's 0600
  // A link at the old temporary name is neither followed nor touched.
  fs::path victim = dir_ / "victim";
  std::ofstream(victim) << "keep";
  for (int pid = 0; pid < 64; ++pid) {
    std::error_code ec;
    fs::create_symlink(victim, dir_ / ("again.evtx.tmp-" + std::to_string(getpid() + pid)), ec);
  }
  ASSERT_EQ(run("convert -q -o " + q((dir_ / "again.evtx").string()) + " " + q(xml.string())).exit_code, 0);
  EXPECT_EQ(support::run_command("cat " + q(victim.string())).out, "keep");
  // A device is written into, not replaced.
  support::CommandResult dev = run("convert -q -o /dev/null " + q(xml.string()));
  EXPECT_EQ(dev.exit_code, 0) << dev.err;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  // A FIFO target receives the whole file.
  fs::path fifo = dir_ / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  support::CommandResult piped =
      support::run_command("(cat " + q(fifo.string()) + " | wc -c) & " + support::evtxhunt_binary() +
                           " convert -q -o " + q(fifo.string()) + " " + q(xml.string()) + "; wait");
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(std::stoul(piped.out), fs::file_size(out));
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST_F(Inputs, UnreadableFileAndFolderAreWarnings) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads everything: permissions cannot make an input unreadable";
  fs::create_directories(dir_ / "locked");
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "System.evtx");
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/Security.evtx", dir_ / "Security.evtx");
  fs::permissions(dir_ / "Security.evtx", fs::perms::none);
  fs::permissions(dir_ / "locked", fs::perms::none);
  support::CommandResult r = run("scan " + q(dir_.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Security.evtx: cannot open: Permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("locked: cannot list folder"), std::string::npos) << r.err;
}

TEST_F(Inputs, TruncatedXmlExportKeepsItsCompleteEvents) {
  std::string xml = support::read_text(kSource + "/samples/scenario/WS01/Security.xml");
  size_t events = 0;
  for (size_t at = xml.find("</Event>"); at != std::string::npos; at = xml.find("</Event>", at + 1)) ++events;
  ASSERT_GT(events, 10u);
  // Cut in the middle of the 11th event.
  size_t cut = 0;
  for (int i = 0; i < 10; ++i) cut = xml.find("</Event>", cut + 1);
  cut = xml.find("<EventData", cut);
  std::ofstream(dir_ / "cut.xml", std::ios::binary) << xml.substr(0, cut);
  support::CommandResult r = run("inventory --format jsonl " + q((dir_ / "cut.xml").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows = jsonl(r.out);
  ASSERT_GE(rows.size(), 1u);
  EXPECT_EQ(rows[0]["kind"], "file");
  EXPECT_EQ(rows[0]["records"], 10);
  EXPECT_EQ(rows[0]["problems"], 1);
  EXPECT_NE(r.err.find("cut.xml: not well-formed XML"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("read the 10 complete events before it"), std::string::npos) << r.err;
}

TEST_F(Inputs, DumpTakesFoldersAndNamesEachRecordsFile) {
  fs::create_directories(dir_ / "a");
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "a" / "System.evtx");
  fs::copy_file(kSamples + "/DC01/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "b.evtx");
  support::CommandResult r = run("dump " + q(dir_.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows = jsonl(r.out);
  ASSERT_EQ(rows.size(), 15u + 13u);  // samples/README.md: WS02 System 15 records, DC01 System 13
  EXPECT_EQ(rows.front()["SourceFile"], (dir_ / "a" / "System.evtx").string());
  EXPECT_EQ(rows.back()["SourceFile"], (dir_ / "b.evtx").string());
  EXPECT_TRUE(rows.front()["Event"]["System"].is_object());
  // One file: the Rust evtx_dump shape, no extra key.
  support::CommandResult one = run("dump " + q((dir_ / "b.evtx").string()));
  EXPECT_FALSE(jsonl(one.out).front().contains("SourceFile"));
}

TEST_F(Inputs, ThreadsOutOfRangeIsAUsageError) {
  EXPECT_EQ(run("scan --threads 100000 " + seed_samples()).exit_code, 2);
  EXPECT_EQ(run("timeline --threads -1 " + seed_samples()).exit_code, 2);
  EXPECT_EQ(run("dump --threads 100000 " + q(kSamples)).exit_code, 2);
  EXPECT_EQ(run("normalize --memory 0 " + q(kSamples)).exit_code, 2);
}

TEST_F(Inputs, NormalizeDropsDuplicatesAsScanDoes) {
  fs::copy_file(kSamples + "/WS01/C/Windows/System32/winevt/Logs/Security.evtx", dir_ / "Security.evtx");
  fs::copy_file(kSamples + "/WS01/C/Windows/System32/winevt/Logs/Security.evtx", dir_ / "Security-copy.evtx");
  support::CommandResult once = run("normalize " + q((dir_ / "Security.evtx").string()));
  support::CommandResult twice = run("normalize " + q(dir_.string()));
  ASSERT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_EQ(support::split_lines(once.out).size(), support::split_lines(twice.out).size());
  EXPECT_NE(twice.err.find(std::to_string(support::split_lines(once.out).size()) + " duplicate events dropped"),
            std::string::npos)
      << twice.err;
}

TEST_F(Inputs, OutputFileIsWrittenWholeAndNeverOverAnInput) {
  fs::path out = dir_ / "timeline.csv";
  support::CommandResult r = run("timeline --format csv -o " + q(out.string()) + " " + seed_samples());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(support::split_lines(support::run_command("cat " + q(out.string())).out).size(), 464u);
  for (const auto& e : fs::directory_iterator(dir_)) EXPECT_EQ(e.path(), out);  // no temporary left
  fs::copy_file(kSamples + "/WS02/C/Windows/System32/winevt/Logs/System.evtx", dir_ / "System.evtx");
  auto size = fs::file_size(dir_ / "System.evtx");
  support::CommandResult refused = run("scan -o " + q((dir_ / "System.evtx").string()) + " " + q(dir_.string()));
  EXPECT_EQ(refused.exit_code, 6);
  EXPECT_NE(refused.err.find("is one of the inputs"), std::string::npos) << refused.err;
  EXPECT_EQ(fs::file_size(dir_ / "System.evtx"), size);
  // A device is written to, not replaced.
  EXPECT_EQ(run("scan -o /dev/null " + seed_samples()).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(run("scan -o " + q(dir_.string()) + " " + seed_samples()).exit_code, 6);  // a folder
}

TEST(Install, InstalledBinaryFindsItsRules) {
  fs::path build = fs::path(kBinary).parent_path().parent_path();
  fs::path prefix = fs::temp_directory_path() / ("evtxhunt-install-" + std::to_string(getpid()));
  fs::remove_all(prefix);
  support::CommandResult inst =
      support::run_command("cmake --install " + q(build.string()) + " --prefix " + q(prefix.string()) + " >/dev/null");
  ASSERT_EQ(inst.exit_code, 0) << inst.err;
  EXPECT_TRUE(fs::exists(prefix / "share/evtxhunt/rules/ff-t1021.003-dcom.yml"));
  EXPECT_TRUE(fs::exists(prefix / "share/evtxhunt/rules/lists/dcom-surrogates-vetted.txt"));
  support::CommandResult r = support::run_command("env -u EVTXHUNT_RULES " + q((prefix / "bin/evtxhunt").string()) +
                                                  " scan --format jsonl " + q(kSamples));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The same findings as with the source tree's rules.
  EXPECT_EQ(r.out, run("scan --format jsonl --rules " + q(kSource + "/rules") + " " + q(kSamples)).out);
  EXPECT_EQ(support::split_lines(r.out).size(), 7u);
  support::CommandResult help = support::run_command(q((prefix / "bin/evtxhunt").string()) + " scan --help");
  EXPECT_NE(help.out.find((prefix / "share/evtxhunt/rules").string()), std::string::npos);
  EXPECT_NE(help.out.find("8 nothing readable among the inputs"), std::string::npos);
  support::CommandResult version = support::run_command(q((prefix / "bin/evtxhunt").string()) + " --version");
  EXPECT_EQ(version.out.rfind("evtxhunt ", 0), 0u);
  fs::remove_all(prefix);
}

TEST(Rules, ABrokenRuleFileIsAWarningUnlessStrict) {
  fs::path dir = fs::temp_directory_path() / ("evtxhunt-rules-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kSource + "/rules/ff-t1021.003-dcom.yml", dir / "dcom.yml");
  std::ofstream(dir / "broken.yml") << "id: broken\ntitle: [unclosed\n";
  support::CommandResult r = run("scan --format jsonl --rules " + q(dir.string()) + " " + seed_samples());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(support::split_lines(r.out).size(), 1u);
  EXPECT_NE(r.err.find("rule skipped: " + (dir / "broken.yml").string() + ":"), std::string::npos) << r.err;
  support::CommandResult strict = run("scan --strict --rules " + q(dir.string()) + " " + seed_samples());
  EXPECT_EQ(strict.exit_code, 7) << strict.err;
  fs::remove_all(dir);
}

// Rule inputs are hostile too: a FIFO, a device, an oversized file, dangling
// and looping links in a rules folder are each named and skipped, never read
// (a FIFO would block, /dev/zero would read until memory runs out).
TEST(Rules, SpecialAndBrokenRuleInputsAreNamedNotRead) {
  fs::path dir = fs::temp_directory_path() / ("evtxhunt-rules-special-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kSource + "/rules/ff-t1021.003-dcom.yml", dir / "dcom.yml");
  ASSERT_EQ(::mkfifo((dir / "pipe.yml").c_str(), 0600), 0);
  fs::create_symlink(dir / "nowhere.yml", dir / "dangling.yml");
  fs::create_symlink(dir / "loop.yml", dir / "loop.yml");
  std::ofstream(dir / "huge.yml") << "# " << std::string(5 << 20, 'x') << "\n";
  support::CommandResult r =
      run("scan --format jsonl --rules " + q(dir.string()) + " --rules /dev/zero " + seed_samples());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(support::split_lines(r.out).size(), 1u);  // the seed rule still runs
  for (const std::string& named :
       {(dir / "pipe.yml").string() + ": not a regular file",
        (dir / "dangling.yml").string() + ": broken symbolic link", (dir / "loop.yml").string() + ": ",
        (dir / "huge.yml").string() + ": 5242883 bytes, larger than a rule file",
        std::string("/dev/zero: not a regular file")})
    EXPECT_NE(r.err.find("rule skipped: " + named), std::string::npos) << named << "\n" << r.err;
  fs::remove_all(dir);
}

// Invalid UTF-8 in an XML export (a Latin-1 byte) is replaced in JSON output
// (U+FFFD), as EVTX strings are, never copied: the output stays valid UTF-8.
TEST_F(Inputs, InvalidUtf8FromAnXmlExportIsReplaced) {
  std::string ev =
      "<Events><Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
      "Name=\"Microsoft-Windows-Sysmon\"/><EventID>1</EventID><TimeCreated SystemTime=\"2024-01-01T00:00:00Z\"/>"
      "<EventRecordID>1</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>H</Computer>"
      "</System><EventData><Data Name=\"Image\">C:\\a.exe</Data><Data Name=\"CommandLine\">caf\xe9 \xff</Data>"
      "</EventData></Event></Events>";
  std::ofstream(dir_ / "latin1.xml", std::ios::binary) << ev;
  support::CommandResult r = run("normalize --format jsonl " + q((dir_ / "latin1.xml").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json row = json::parse(r.out);  // throws on invalid UTF-8
  EXPECT_EQ(row["ProcessCommandLine"], "caf\xef\xbf\xbd \xef\xbf\xbd");
}

// An XML export nested 31,000 elements deep (10,000 overflowed the stack of
// the sanitizer build): the nesting is cut at 256 levels with a warning, and
// normalize, scan and convert go on.
TEST_F(Inputs, DeeplyNestedXmlExportIsCutNotACrash) {
  std::string deep =
      "<Events><Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"P\"/>"
      "<EventID>1</EventID><TimeCreated SystemTime=\"2024-01-01T00:00:00Z\"/><EventRecordID>1</EventRecordID>"
      "<Channel>C</Channel><Computer>H</Computer></System><EventData>";
  for (int i = 0; i < 31000; ++i) deep += "<a>";
  for (int i = 0; i < 31000; ++i) deep += "</a>";
  deep += "</EventData></Event></Events>";
  std::ofstream(dir_ / "deep.xml") << deep;
  std::string in = q((dir_ / "deep.xml").string());
  for (const std::string& cmd :
       {"normalize " + in, "scan " + in, "convert -q -o " + q((dir_ / "deep.evtx").string()) + " " + in}) {
    SCOPED_TRACE(cmd);
    support::CommandResult r = run(cmd);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 8) << r.exit_code << " " << r.err;  // 8: no event to hunt in
    if (cmd.rfind("convert", 0) != 0) {
      EXPECT_NE(r.err.find("elements nested deeper than 256 levels left out"), std::string::npos) << r.err;
    }
  }
}
