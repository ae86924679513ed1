// evtxhunt query: the seed's KQL exactly as FalconForce published it, over
// the tables of samples/, finds the seed chain; SecurityEvent on real
// records (counts checked against python-evtx); every output format; now();
// and mistakes said at their line and column before any evidence is read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/corpus.h"
#include "support/files.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string q(const fs::path& p) { return support::shell_quote(p); }

const fs::path kSamples = fs::path(EVTXHUNT_SOURCE_DIR) / "samples";
const fs::path kSeed = fs::path(EVTXHUNT_CORPUS).parent_path() / "kql" / "falconfriday" / "T1021-WIN-002.kql";
const fs::path kSecurity = corpus::rs_sample("security.evtx");
const fs::path kRule = fs::path(EVTXHUNT_SOURCE_DIR) / "rules" / "ff-t1021.003-dcom.kql";

std::vector<json> rows(const support::CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out;
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST(QueryCli, TheSeedQueryAsPublishedFindsTheSeedChain) {
  std::vector<json> r = rows(support::run_evtxhunt("query -q --format jsonl -f " + q(kSeed) + " " + q(kSamples)));
  ASSERT_EQ(r.size(), 1u);
  const json& row = r[0];
  EXPECT_EQ(row["DeviceName"], "WS01.corp.local");
  EXPECT_EQ(row["LocalIP"], "10.10.20.11");
  EXPECT_EQ(row["RemoteIP"], "10.10.20.12");
  EXPECT_EQ(row["InitiatingProcessId"], 4416);
  EXPECT_EQ(row["DCOMCmdLine"], "C:\\Windows\\system32\\mmc.exe -Embedding");
  EXPECT_EQ(row["TimestampNetwEventExact"], "2024-03-12T10:47:13.4120000Z");
  EXPECT_EQ(row["LastBootTime"], "2024-03-12T07:58:00.2040000Z");
  EXPECT_EQ(
      row["set_ProcessCommandLine"],
      json::parse(
          R"(["\"C:\\Windows\\system32\\cmd.exe\" /c whoami", "\"C:\\Windows\\system32\\cmd.exe\" /c ipconfig /all",
                           "\"C:\\Windows\\system32\\cmd.exe\" /c net group \"domain admins\" /domain"])"));
}

// Sentinel's SecurityEvent: 4624 logons of a real Security log by type (the
// same counts python-evtx reads from the file: 40, 84, 39, 416, 4).
TEST(QueryCli, SecurityEventColumnsFromEventData) {
  std::vector<json> r = rows(support::run_evtxhunt(
      "query -q --format jsonl 'SecurityEvent | where EventID == 4624 | summarize n = count() by LogonType "
      "| order by LogonType asc' " +
      q(kSecurity)));
  ASSERT_EQ(r.size(), 5u);
  std::vector<std::pair<std::string, int>> got;
  for (const json& x : r) got.emplace_back(x["LogonType"], x["n"]);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, int>>{{"0", 40}, {"2", 84}, {"3", 39}, {"5", 416}, {"7", 4}}));
  // Account is the logon's target; Activity names the event; == 3 compares the text as a number.
  std::vector<json> one = rows(support::run_evtxhunt(
      "query -q --format jsonl 'SecurityEvent | where EventID == 4624 and LogonType == 3 | take 1 | project Account, "
      "AccountType, Activity, Computer' " +
      q(kSecurity)));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["Activity"].get<std::string>().rfind("4624 - ", 0), 0u) << one[0];
  EXPECT_FALSE(one[0]["Account"].get<std::string>().empty());
}

// DeviceRegistryEvents from Sysmon 12 and 13: reg.exe (PID 3788) turns UAC
// off (#18618 creates the key, #18619 sets EnableLUA to DWORD (0x00000000)).
TEST(QueryCli, RegistryEventsFromSysmon) {
  std::vector<json> r = rows(support::run_evtxhunt(
      "query -q --format jsonl 'DeviceRegistryEvents | project ActionType, RegistryKey, RegistryValueName, "
      "RegistryValueType, RegistryValueData, InitiatingProcessFileName, InitiatingProcessId, ReportId' " +
      q(corpus::attack_sample("Defense Evasion/DE_UAC_Disabled_Sysmon_12_13.evtx"))));
  ASSERT_EQ(r.size(), 2u);
  const std::string key = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\policies\\system";
  EXPECT_EQ(r[0]["ActionType"], "RegistryKeyCreated");
  EXPECT_EQ(r[0]["RegistryKey"], key);
  EXPECT_EQ(r[0]["ReportId"], 18618);
  EXPECT_EQ(r[1]["ActionType"], "RegistryValueSet");
  EXPECT_EQ(r[1]["RegistryKey"], key);
  EXPECT_EQ(r[1]["RegistryValueName"], "EnableLUA");
  EXPECT_EQ(r[1]["RegistryValueType"], "Dword");
  EXPECT_EQ(r[1]["RegistryValueData"], "0");
  EXPECT_EQ(r[1]["InitiatingProcessFileName"], "reg.exe");
  EXPECT_EQ(r[1]["InitiatingProcessId"], 3788);
  EXPECT_EQ(r[1]["ReportId"], 18619);
}

TEST(QueryCli, FormatsAndNow) {
  const std::string query =
      "'DeviceProcessEvents | where FileName =~ \"cmd.exe\" | project Timestamp, DeviceName, "
      "ProcessCommandLine | order by Timestamp asc | take 2' ";
  support::CommandResult csv = support::run_evtxhunt("query -q --format csv " + query + q(kSamples));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "Timestamp,DeviceName,ProcessCommandLine\r");
  std::vector<json> sketch = rows(support::run_evtxhunt("query -q --format timesketch " + query + q(kSamples)));
  ASSERT_EQ(sketch.size(), 2u);
  EXPECT_EQ(sketch[0]["timestamp_desc"], "Timestamp");
  EXPECT_EQ(sketch[0]["datetime"], sketch[0]["Timestamp"]);
  EXPECT_NE(sketch[0]["message"].get<std::string>().find("DeviceName="), std::string::npos);
  // now() is the latest event read; --now sets it.
  support::CommandResult now = support::run_evtxhunt("query --format csv 'print now()' " + q(kSamples));
  EXPECT_EQ(now.out, "Column1\r\n2024-03-12T12:22:23.8600706Z\r\n") << now.err;
  EXPECT_NE(now.err.find("now() is 2024-03-12T12:22:23.8600706Z (the latest event read)"), std::string::npos);
  support::CommandResult set = support::run_evtxhunt(
      "query -q --format csv --now 2024-03-12T10:50:00Z 'DeviceProcessEvents | where Timestamp > ago(5m) | count' " +
      q(kSamples));
  // After 10:45: 19 Sysmon process GUIDs on WS01 and WS02 (their 4688 records
  // the same runs) and DC01's one MpCmdRun.exe (4688 only).
  EXPECT_EQ(set.out, "Count\r\n20\r\n") << set.err;
}

TEST(QueryCli, MistakesAreSaidWhereTheyAre) {
  support::CommandResult bad = support::run_evtxhunt("query 'DeviceProcessEvents\n| where Nope == 1' " + q(kSamples));
  EXPECT_EQ(bad.exit_code, 7);
  EXPECT_NE(bad.err.find("query:2:9: no column or value named 'Nope'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("| where Nope == 1\nevtxhunt query:           ^"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("EVTX files"), std::string::npos) << "said before reading: " << bad.err;
  support::CommandResult syntax = support::run_evtxhunt("query 'DeviceProcessEvents | where' " + q(kSamples));
  EXPECT_EQ(syntax.exit_code, 7);
  EXPECT_NE(syntax.err.find("query:1:"), std::string::npos) << syntax.err;
  support::CommandResult other = support::run_evtxhunt("query 'EmailEvents | take 1' " + q(kSamples));
  EXPECT_EQ(other.exit_code, 7);
  EXPECT_NE(other.err.find("the table EmailEvents holds mail that Windows event logs do not record"), std::string::npos)
      << other.err;
  EXPECT_EQ(support::run_evtxhunt("query 'print 1'").exit_code, 2);
  support::CommandResult no_file = support::run_evtxhunt("query -f /nonexistent.kql " + q(kSamples));
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_NE(no_file.err.find("-f /nonexistent.kql: cannot read the file"), std::string::npos) << no_file.err;
  support::CommandResult sketch = support::run_evtxhunt("query --format timesketch 'print x = 1' " + q(kSamples));
  EXPECT_EQ(sketch.exit_code, 2);
  EXPECT_NE(sketch.err.find("--format timesketch needs a datetime column"), std::string::npos) << sketch.err;
}

// The seed's KQL as published beside the stage rule on every DCOM scenario:
// the same chains, except where the rule's two documented deviations
// (rules/ff-t1021.003-dcom.yml) differ from the published query. Note 3, the
// boot: the query takes the latest services.exe start of the whole log, so a
// host without one (System or Security markers only, or none) loses every
// row, and so does activity before a later reboot; note 4, the pairing: the
// query pairs a child with the DCOM object by PIDs alone, so a reused PID
// pairs unrelated processes. (With its boot filter removed the query finds
// the rule's chain in each of the first five.)
TEST(QueryCli, TheSeedQueryBesideTheStageRuleOnEveryScenario) {
  const std::map<std::string, std::pair<int, int>> differ = {
      {"boot_markers_system_log", {0, 2}},             // note 3
      {"no_boot_marker", {0, 1}},                      // note 3
      {"security_only", {0, 1}},                       // note 3 (Security 4608 only)
      {"pid_reuse_security_with_real_child", {0, 1}},  // note 3 (Security 4608 only)
      {"two_boots_chain_between", {0, 1}},             // note 3
      {"pid_reuse_sysmon", {1, 0}},                    // note 4
  };
  size_t scenarios = 0, same = 0;
  for (const auto& e : fs::directory_iterator(fs::path(EVTXHUNT_SOURCE_DIR) / "tests" / "scenarios" / "dcom")) {
    if (e.path().extension() != ".xml") continue;
    ++scenarios;
    std::string name = e.path().stem().string();
    size_t kql = rows(support::run_evtxhunt("query -q --format jsonl -f " + q(kSeed) + " " + q(e.path()))).size();
    size_t stage = rows(support::run_evtxhunt("scan -q --format jsonl --rule ff-t1021.003-dcom " + q(e.path()))).size();
    // The same query as a rule of scan (rules/ff-t1021.003-dcom.kql): a finding per row.
    size_t rule =
        rows(support::run_evtxhunt("scan -q --format jsonl --rule ff-t1021.003-dcom-kql " + q(e.path()))).size();
    EXPECT_EQ(rule, kql) << name;
    auto d = differ.find(name);
    if (d == differ.end()) {
      EXPECT_EQ(kql, stage) << name;
      same += kql == stage;
    } else {
      EXPECT_EQ(kql, static_cast<size_t>(d->second.first)) << name;
      EXPECT_EQ(stage, static_cast<size_t>(d->second.second)) << name;
    }
  }
  EXPECT_EQ(scenarios, 29u);
  EXPECT_EQ(same, 23u);
}

// --provenance: each row names the records behind it, through the query's
// joins and summarize: on the seed chain, the RPC connection, the DCOM
// process, its three children and the boot (services.exe) LastBootTime came from.
TEST(QueryCli, ProvenanceNamesTheRecordsBehindEachRow) {
  std::vector<json> r =
      rows(support::run_evtxhunt("query -q --provenance --format jsonl -f " + q(kSeed) + " " + q(kSamples / "triage")));
  ASSERT_EQ(r.size(), 1u);
  std::vector<std::string> got;
  for (const json& rec : r[0]["Records"]) {
    std::string s = rec.get<std::string>();
    got.push_back(s.substr(s.rfind('/') + 1));
  }
  const std::string sysmon = "Microsoft-Windows-Sysmon%4Operational.evtx#";
  EXPECT_EQ(got, (std::vector<std::string>{sysmon + "52015", sysmon + "52095", sysmon + "52094", sysmon + "52097",
                                           sysmon + "52101", sysmon + "52105"}));
  // Bounded per row, and said so; a column of that name already there is kept.
  std::vector<json> all = rows(support::run_evtxhunt(
      "query -q --provenance --format jsonl 'DeviceProcessEvents | summarize Records = count()' " +
      q(kSamples / "triage")));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["Records"], 107);
  ASSERT_EQ(all[0]["Records_"].size(), 65u);
  EXPECT_EQ(all[0]["Records_"][64], "and more (the latest 64 records are listed)");
}

// A process run logged by Sysmon 1 and Security 4688 is one
// DeviceProcessEvents row, and its 4688 stays a SecurityEvent row when a
// query reads both tables: samples/triage's Security logs hold 17 + 48 + 24
// records of 4688 (python-evtx).
TEST(QueryCli, AProcessRunLoggedTwiceIsOneProcessRowAndItsSecurityEventRow) {
  std::vector<json> r = rows(support::run_evtxhunt(
      "query -q --format jsonl 'union (SecurityEvent | where EventID == 4688 | summarize n = count() by T = "
      "\"4688\"), (DeviceProcessEvents | summarize n = count() by T = \"process\") | order by T asc' " +
      q(kSamples / "triage")));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["n"], 89);
  EXPECT_EQ(r[1]["n"], 107);
}

// --memory bounds the tables: past a quarter of it a table is kept in files
// (said in the summary) and read back chunk by chunk, and a summarize's
// groups and a join's sides go to partitions; the rows and their records are
// the same.
TEST(QueryCli, TablesPastMemoryAreReadFromFilesWithTheSameRows) {
  const std::string query =
      "'SecurityEvent | where EventID in (4624, 4672, 4688) | summarize count(), make_set(TargetUserName, 5), "
      "arg_max(TimeGenerated, SubjectLogonId) by Computer, EventID, IpAddress | order by EventID asc'";
  support::CommandResult small =
      support::run_evtxhunt("query --memory 1 --provenance --format csv " + query + " " + q(kSecurity));
  support::CommandResult big =
      support::run_evtxhunt("query --memory 512 --provenance --format csv " + query + " " + q(kSecurity));
  ASSERT_EQ(small.exit_code, 0) << small.err;
  ASSERT_EQ(big.exit_code, 0) << big.err;
  EXPECT_EQ(small.out, big.out);
  std::vector<std::string> lines = support::split_lines(small.out);
  ASSERT_EQ(lines.size(), 7u) << small.out;  // the header, 2 hosts' 4624 by address (4 groups), 4672 (2)
  EXPECT_EQ(lines[3].substr(0, 82),
            "WIN-03DLIIOFRRA,4624,127.0.0.1,82,\"[\"\"fsir\"\"]\",2017-04-14T01:20:59.1075261Z,0x3e7,");
  EXPECT_NE(small.err.find("SecurityEvent 2224 (in files: past a quarter of --memory)"), std::string::npos)
      << small.err;
  EXPECT_NE(big.err.find("SecurityEvent 2224\n"), std::string::npos) << big.err;
  // A join whose right side passes the memory: both sides in partitions by
  // key, the same 3,164 rows (each 4624 of a logon id with its 4672s) in the same order.
  const std::string join =
      "'SecurityEvent | where EventID == 4624 and TargetLogonId != \"0x3e7\" | join kind=inner (SecurityEvent | "
      "where EventID == 4672) on $left.TargetLogonId == $right.SubjectLogonId | project TimeGenerated, Computer, "
      "TargetUserName, TargetLogonId, PrivilegeList1'";
  support::CommandResult small_join =
      support::run_evtxhunt("query --memory 1 --provenance --format jsonl " + join + " " + q(kSecurity));
  support::CommandResult big_join =
      support::run_evtxhunt("query -q --memory 512 --provenance --format jsonl " + join + " " + q(kSecurity));
  ASSERT_EQ(small_join.exit_code, 0) << small_join.err;
  EXPECT_EQ(small_join.out, big_join.out);
  EXPECT_EQ(rows(small_join).size(), 3164u);
  EXPECT_NE(small_join.err.find("3164 rows; rows of the tables read: SecurityEvent 2224 (in files"), std::string::npos)
      << small_join.err;
}

// rules/ff-t1021.003-dcom.kql is the published query, unchanged, under
// FalconForce's notice; as a rule of scan its finding on the seed chain is
// the query's row, its evidence the row's records (the boot last: context
// before the row's time), its time the row's first.
TEST(QueryCli, TheSeedQueryAsARuleOfScan) {
  std::string rule = support::read_text(kRule), published = support::read_text(kSeed);
  ASSERT_NE(rule.find("\n\n" + published), std::string::npos);
  EXPECT_EQ(rule.substr(rule.size() - published.size()), published);
  EXPECT_NE(rule.find("// Copyright (c) 2020, FalconForce"), std::string::npos);
  std::vector<json> f =
      rows(support::run_evtxhunt("scan -q --format jsonl --rule ff-t1021.003-dcom-kql " + q(kSamples / "triage")));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["title"], "DCOM lateral movement (FalconFriday T1021.003, KQL as published)");
  EXPECT_EQ(f[0]["level"], "high");
  EXPECT_EQ(f[0]["DeviceName"], "WS01.corp.local");
  EXPECT_EQ(f[0]["Timestamp"], "2024-03-12T10:47:13.4120000Z");
  EXPECT_EQ(f[0]["tags"], json::parse(R"(["attack.t1021.003", "attack.lateral-movement"])"));
  std::vector<std::string> evidence;
  for (const json& e : f[0]["evidence"])
    evidence.push_back(e["stage"].get<std::string>() + " " + std::to_string(e["EventRecordID"].get<int>()));
  EXPECT_EQ(evidence, (std::vector<std::string>{"DeviceNetworkEvents 52095", "DeviceProcessEvents 52094",
                                                "DeviceProcessEvents 52097", "DeviceProcessEvents 52101",
                                                "DeviceProcessEvents 52105", "DeviceProcessEvents 52015"}));
  EXPECT_EQ(f[0]["fields"]["RemoteIP"], "10.10.20.12");
  EXPECT_EQ(f[0]["fields"]["InitiatingProcessId"], 4416);
  EXPECT_EQ(f[0]["collected"]["set_ProcessCommandLine"].size(), 3u);
  // timeline does not run KQL rules, and says so when one is asked for.
  support::CommandResult t =
      support::run_evtxhunt("timeline -q --rule ff-t1021.003-dcom-kql -f jsonl " + q(kSamples / "triage"));
  EXPECT_EQ(t.exit_code, 7);
  EXPECT_NE(t.err.find("1 KQL rules not run (timeline runs the project's and Sigma rules; scan runs KQL rules)"),
            std::string::npos)
      << t.err;
}

// A .kql file is a rule only with its header; what is wrong in one is said at
// its line and column and the rule is skipped (--strict: exit 7).
TEST(QueryCli, KqlRuleFilesAndTheirMistakes) {
  support::TempDir tmp("kql-rules");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(tmp / name) << text;
    return q(tmp / name);
  };
  std::string good = write("good.kql",
                           "// id: test-cmd\n// title: cmd runs\n// level: low\n// tags: a.b, c.d\n\n"
                           "DeviceProcessEvents | where FileName =~ 'cmd.exe' | project Timestamp, DeviceName, "
                           "ProcessCommandLine\n");
  std::vector<json> f = rows(support::run_evtxhunt("scan -q -f jsonl --rules " + good + " " + q(kSamples / "triage")));
  ASSERT_EQ(f.size(), 7u);  // the Sysmon 1 records of cmd.exe python-evtx reads: 6 on WS01, 1 on WS02
  EXPECT_EQ(f[0]["rule_id"], "test-cmd");
  EXPECT_EQ(f[0]["level"], "low");
  EXPECT_EQ(f[0]["tags"], json::parse(R"(["a.b", "c.d"])"));
  EXPECT_EQ(f[0]["evidence"].size(), 1u);
  EXPECT_EQ(f[0]["evidence"][0]["stage"], "DeviceProcessEvents");
  // A rule over SecurityEvent shows its records as SecurityEvent rows, a 4688
  // (which DeviceProcessEvents also maps) among them.
  std::string security = write("security.kql",
                               "// id: test-4688\n// title: cmd runs (Security)\n\nSecurityEvent | where EventID == "
                               "4688 and NewProcessName endswith '\\\\cmd.exe' | project TimeGenerated, Computer\n");
  std::vector<json> s =
      rows(support::run_evtxhunt("scan -q -f jsonl --rules " + security + " " + q(kSamples / "triage")));
  ASSERT_EQ(s.size(), 7u);  // python-evtx: 6 on WS01, 1 on WS02
  EXPECT_EQ(s[0]["evidence"][0]["stage"], "SecurityEvent");
  EXPECT_EQ(s[0]["evidence"][0]["EventID"], 4688);
  std::remove((tmp / "security.kql").c_str());
  // Mistakes: a bad level, no title, a query that does not parse, a column that does not exist.
  write("level.kql", "// id: a\n// title: a\n// level: severe\nprint 1\n");
  write("title.kql", "// id: b\nprint 1\n");
  write("syntax.kql", "// id: c\n// title: c\n\nDeviceProcessEvents\n| where (FileName\n");
  write("column.kql", "// id: d\n// title: d\nDeviceProcessEvents | where NoSuchColumn == 1\n");
  write("plain.kql", "DeviceProcessEvents | take 1\n");
  support::CommandResult r =
      support::run_evtxhunt("scan -q -f jsonl --rules " + q(tmp.path()) + " " + q(kSamples / "triage"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(support::split_lines(r.out).size(), 7u);  // good.kql's
  EXPECT_NE(r.err.find("level.kql:3:1: level: 'severe' is not a level"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("title.kql:1:1: a KQL rule needs a title"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("syntax.kql:6:1: expected ')' (found the end of the query)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("column.kql:3:29: rule d did not run: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("plain.kql"), std::string::npos) << r.err;  // not a rule, named with --strict
  support::CommandResult strict =
      support::run_evtxhunt("scan -q -f jsonl --strict --rules " + q(tmp.path()) + " " + q(kSamples / "triage"));
  EXPECT_EQ(strict.exit_code, 7) << strict.err;
  EXPECT_NE(strict.err.find("plain.kql: not a rule (a hunt without a `// id:` header)"), std::string::npos)
      << strict.err;
}
