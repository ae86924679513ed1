// The FalconFriday DCOM lateral movement hunt (rules/ff-t1021.003-dcom.yml,
// T1021.003) end to end: `evtxhunt scan --format jsonl` over the readable XML
// scenarios in tests/scenarios/dcom (one file per scenario, a comment at the top
// of each says what it shows and what must be found), asserting the exact
// findings: their count, and for each its host, confidence, assumptions,
// summarize-by fields, collected child command lines and evidence records.
//
// Semantics under test: DESIGN.md "Replay" and "Fidelity notes" (datetime_diff
// counts second boundaries; KQL case rules; bin(Timestamp, 5s) > LastBootTime
// + 5m with the latest boot at or before the event; unknown boot reported as an
// assumption; child paired by process instance, not PID).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/corpus.h"
#include "support/json.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using support::at;
using support::Json;

const fs::path kScenarios = fs::path(EVTXHUNT_SOURCE_DIR) / "tests" / "scenarios" / "dcom";
const std::string kRuleId = "ff-t1021.003-dcom";
const std::string kCollect = "make_set(child.ProcessCommandLine)";

const std::string kWS01 = "WS01.corp.local";
const std::string kBoot0900 = "2024-03-05T09:00:00.0000000Z";
const std::string kMmcCmd = "C:\\Windows\\system32\\mmc.exe -Embedding";
const std::string kWhoami = "cmd.exe /Q /c whoami";
const std::string kIpconfig = "cmd.exe /Q /c ipconfig /all";

fs::path scenario(const std::string& name) { return kScenarios / name; }

std::string ts(const std::string& hms) { return "2024-03-05T" + hms + "Z"; }  // "10:00:01.2000000"

struct Evidence {
  std::string stage;
  int64_t record;
  int64_t event_id;
  std::string timestamp;
};

struct Expected {
  std::string device_name = kWS01;
  std::string device_id = "ws01.corp.local";
  std::string confidence = "high";
  std::vector<std::string> assumptions;
  std::string timestamp;  // the finding's Timestamp: its earliest evidence (empty: rpc_ts)
  std::string rpc_ts;
  std::string dcom_ts;
  int64_t dcom_pid = 1234;
  std::string local_ip = "10.0.0.5";
  std::string remote_ip = "10.0.0.66";
  std::optional<std::string> last_boot = kBoot0900;  // nullopt: JSON null
  std::string dcom_cmd = kMmcCmd;
  std::vector<std::string> children;  // compared as a set
  std::vector<Evidence> evidence;     // in order: rpc, dcom, children by time
};

struct ScanResult {
  support::CommandResult cmd;
  std::vector<Json> findings;
};

std::string quote(const fs::path& p) { return support::shell_quote(p.string()); }

ScanResult scan(const std::vector<fs::path>& files, const std::string& extra = "") {
  ScanResult res;
  std::string command = support::evtxhunt_binary() + " scan --format jsonl --rule " + kRuleId + " --rules " +
                        quote(fs::path(EVTXHUNT_SOURCE_DIR) / "rules") + (extra.empty() ? "" : " " + extra);
  for (const fs::path& f : files) command += " " + quote(f);
  res.cmd = support::run_command(command);
  EXPECT_EQ(res.cmd.exit_code, 0) << command << "\n" << res.cmd.err;
  for (const std::string& line : support::split_lines(res.cmd.out)) {
    if (line.empty()) continue;
    std::string err;
    std::optional<Json> j = support::parse_json(line, &err);
    if (!j) {
      ADD_FAILURE() << "not JSON (" << err << "): " << line;
      continue;
    }
    res.findings.push_back(std::move(*j));
  }
  return res;
}

std::string text_of(const Json& j) {
  if (j.is_structured()) return "<composite>";
  return support::scalar_text(j);
}

int64_t int_of(const Json& j) {
  if (!j.is_number_integer()) {
    ADD_FAILURE() << "not an integer: " << text_of(j);
    return -1;
  }
  return j.get<int64_t>();
}

std::vector<std::string> strings_of(const Json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) {
    ADD_FAILURE() << "not an array";
    return out;
  }
  for (const Json& item : j) {
    EXPECT_TRUE(item.is_string()) << text_of(item);
    out.push_back(text_of(item));
  }
  return out;
}

std::multiset<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

void expect_string(const Json& j, const std::string& want, const std::string& what) {
  EXPECT_TRUE(j.is_string()) << what << " is not a string: " << text_of(j);
  EXPECT_EQ(text_of(j), want) << what;
}

// A one-line description of a finding for failure messages.
std::string describe(const Json& f) {
  std::string s = text_of(at(f, "DeviceName")) + " rpc=" + text_of(at(f, "fields", "rpc.Timestamp")) + " " +
                  text_of(at(f, "fields", "rpc.RemoteIP")) + " dcom=" + text_of(at(f, "fields", "dcom.Timestamp")) +
                  " evidence=";
  const Json& evidence = at(f, "evidence");
  if (evidence.is_array())
    for (const Json& e : evidence) s += text_of(at(e, "stage")) + "#" + text_of(at(e, "EventRecordID")) + " ";
  return s;
}

std::string describe_all(const std::vector<Json>& findings) {
  std::string s;
  for (const Json& f : findings) s += "\n  " + describe(f);
  return s;
}

// Asserts one finding exactly. files: the SourceFile values evidence may name.
void expect_finding(const Json& f, const Expected& e, const std::vector<fs::path>& files) {
  SCOPED_TRACE(describe(f));
  ASSERT_TRUE(f.is_object());
  expect_string(at(f, "rule_id"), kRuleId, "rule_id");
  EXPECT_TRUE(at(f, "title").is_string() && !text_of(at(f, "title")).empty()) << "title";
  EXPECT_TRUE(at(f, "level").is_string() && !text_of(at(f, "level")).empty()) << "level";
  expect_string(at(f, "confidence"), e.confidence, "confidence");
  expect_string(at(f, "DeviceName"), e.device_name, "DeviceName");
  expect_string(at(f, "Timestamp"), e.timestamp.empty() ? e.rpc_ts : e.timestamp, "Timestamp");
  EXPECT_EQ(as_set(strings_of(at(f, "assumptions"))), as_set(e.assumptions)) << "assumptions";

  // fields: exactly the summarize-by columns of the rule.
  const Json& fields = at(f, "fields");
  ASSERT_TRUE(fields.is_object()) << "fields";
  std::vector<std::string> key_list = support::keys_of(fields);
  std::set<std::string> keys(key_list.begin(), key_list.end());
  EXPECT_EQ(keys, (std::set<std::string>{"rpc.Timestamp", "dcom.Timestamp", "DeviceId", "DeviceName", "dcom.ProcessId",
                                         "rpc.LocalIP", "rpc.RemoteIP", "LastBootTime", "dcom.ProcessCommandLine"}));
  expect_string(at(fields, "rpc.Timestamp"), e.rpc_ts, "rpc.Timestamp");
  expect_string(at(fields, "dcom.Timestamp"), e.dcom_ts, "dcom.Timestamp");
  expect_string(at(fields, "DeviceId"), e.device_id, "DeviceId");
  expect_string(at(fields, "DeviceName"), e.device_name, "fields.DeviceName");
  EXPECT_EQ(int_of(at(fields, "dcom.ProcessId")), e.dcom_pid) << "dcom.ProcessId";
  expect_string(at(fields, "rpc.LocalIP"), e.local_ip, "rpc.LocalIP");
  expect_string(at(fields, "rpc.RemoteIP"), e.remote_ip, "rpc.RemoteIP");
  if (e.last_boot)
    expect_string(at(fields, "LastBootTime"), *e.last_boot, "LastBootTime");
  else
    EXPECT_TRUE(support::has_member(fields, "LastBootTime") && at(fields, "LastBootTime").is_null())
        << "LastBootTime must be null, is " << text_of(at(fields, "LastBootTime"));
  expect_string(at(fields, "dcom.ProcessCommandLine"), e.dcom_cmd, "dcom.ProcessCommandLine");

  // collected: the set of child command lines.
  const Json& collected = at(f, "collected");
  ASSERT_TRUE(collected.is_object()) << "collected";
  EXPECT_EQ(collected.size(), 1u);
  EXPECT_EQ(as_set(strings_of(at(collected, kCollect))), as_set(e.children)) << kCollect;

  // evidence: stage, record, event id, time and source file of each step.
  const Json& ev = at(f, "evidence");
  ASSERT_TRUE(ev.is_array()) << "evidence";
  ASSERT_EQ(ev.size(), e.evidence.size()) << "evidence count";
  for (size_t i = 0; i < e.evidence.size(); ++i) {
    SCOPED_TRACE("evidence[" + std::to_string(i) + "]");
    const Json& item = ev[i];
    expect_string(at(item, "stage"), e.evidence[i].stage, "stage");
    EXPECT_EQ(int_of(at(item, "EventRecordID")), e.evidence[i].record) << "EventRecordID";
    EXPECT_EQ(int_of(at(item, "EventID")), e.evidence[i].event_id) << "EventID";
    expect_string(at(item, "Timestamp"), e.evidence[i].timestamp, "evidence Timestamp");
    std::string src = text_of(at(item, "SourceFile"));
    bool known = std::any_of(files.begin(), files.end(), [&](const fs::path& p) { return p.string() == src; });
    EXPECT_TRUE(known) << "SourceFile " << src;
  }
}

// Scans the files and asserts exactly these findings, in this order.
void expect_findings(const std::vector<fs::path>& files, const std::vector<Expected>& want,
                     const std::vector<fs::path>& sources = {}) {
  ScanResult r = scan(files);
  ASSERT_EQ(r.findings.size(), want.size()) << "findings:" << describe_all(r.findings) << "\nstderr:\n" << r.cmd.err;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("finding " + std::to_string(i));
    expect_finding(r.findings[i], want[i], sources.empty() ? files : sources);
  }
}

void expect_no_findings(const std::vector<fs::path>& files) {
  ScanResult r = scan(files);
  EXPECT_TRUE(r.findings.empty()) << "findings:" << describe_all(r.findings) << "\nstderr:\n" << r.cmd.err;
}

// The basic Sysmon chain of most scenarios: rpc at rpc_hms, dcom at dcom_hms,
// one child "cmd.exe /Q /c whoami" (records: rpc 1005, dcom 1004, child 1006
// unless given).
Expected sysmon_chain(const std::string& rpc_hms, const std::string& dcom_hms, const std::string& child_hms,
                      int64_t rpc_rec = 1005, int64_t dcom_rec = 1004, int64_t child_rec = 1006) {
  Expected e;
  e.rpc_ts = ts(rpc_hms);
  e.dcom_ts = ts(dcom_hms);
  e.children = {kWhoami};
  e.evidence = {
      {"rpc", rpc_rec, 3, e.rpc_ts}, {"dcom", dcom_rec, 1, e.dcom_ts}, {"child", child_rec, 1, ts(child_hms)}};
  return e;
}

// ---------------------------------------------------------------------------

TEST(DcomScenarios, BasicChain) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  expect_findings({scenario("basic_chain.xml")}, {e});
}

TEST(DcomScenarios, TwoChildrenInOneFinding) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:03.0000000");
  e.children = {kWhoami, kIpconfig};  // not the grandchild whoami.exe (record 1007)
  e.evidence.push_back({"child", 1008, 1, ts("10:00:04.0000000")});
  expect_findings({scenario("two_children.xml")}, {e});
}

TEST(DcomScenarios, Gap2point8sCrossingTwoSecondBoundariesIsFound) {
  // datetime_diff("second", 10:00:02.900, 10:00:00.100) == 2
  Expected e = sysmon_chain("10:00:00.1000000", "10:00:02.9000000", "10:00:03.5000000", 1004, 1005, 1006);
  expect_findings({scenario("gap_2_8s_seconds_differ_by_2.xml")}, {e});
}

TEST(DcomScenarios, Gap2point1sCrossingThreeSecondBoundariesIsNotFound) {
  // datetime_diff("second", 10:00:03.050, 10:00:00.950) == 3
  expect_no_findings({scenario("gap_2_1s_seconds_differ_by_3.xml")});
}

TEST(DcomScenarios, DcomHalfSecondBeforeRpcInTheSameSecondIsFound) {
  // datetime_diff("second", 10:00:00.200, 10:00:00.700) == 0
  Expected e = sysmon_chain("10:00:00.7000000", "10:00:00.2000000", "10:00:01.5000000", 1006, 1004, 1005);
  e.timestamp = e.dcom_ts;  // the finding's time is its chronologically first evidence
  expect_findings({scenario("dcom_before_rpc_same_second.xml")}, {e});
}

TEST(DcomScenarios, DcomHalfSecondBeforeRpcAcrossASecondBoundaryIsNotFound) {
  // datetime_diff("second", 10:00:00.800, 10:00:01.300) == -1
  expect_no_findings({scenario("dcom_before_rpc_across_second.xml")});
}

TEST(DcomScenarios, WhitelistedDcomObjectsAreNotFound) {
  expect_no_findings({scenario("whitelisted_dcom_objects.xml")});  // dllhost.exe, WmiPrvSE.exe, SppExtComObj.Exe
}

TEST(DcomScenarios, WhitelistIsCaseSensitive) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  e.dcom_cmd = "C:\\Windows\\system32\\DLLHOST.EXE /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}";
  expect_findings({scenario("whitelist_is_case_sensitive.xml")}, {e});
}

TEST(DcomScenarios, CscChildInAnyLetterCaseIsNotCollected) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:03.0000000", 1005, 1004, 1009);
  expect_findings({scenario("csc_child_any_case.xml")}, {e});  // csc.exe 1006, CSC.EXE 1007, Csc.Exe 1008 left out
}

TEST(DcomScenarios, DcomWhoseOnlyChildrenAreCscIsNotFound) { expect_no_findings({scenario("csc_only_children.xml")}); }

TEST(DcomScenarios, BootGraceAtTheEdgeOfItsBinIsNotFound) {
  // boot 09:55:00.000; bin(10:00:04.999, 5s) = 10:00:00 = boot + 5m, not >
  expect_no_findings({scenario("boot_grace_bin_edge_not_found.xml")});
}

TEST(DcomScenarios, BootGraceNextBinIsFound) {
  // boot 09:55:00.000; bin(10:00:05.000, 5s) = 10:00:05 > boot + 5m
  Expected e = sysmon_chain("10:00:04.1000000", "10:00:05.0000000", "10:00:06.0000000");
  e.last_boot = ts("09:55:00.0000000");
  expect_findings({scenario("boot_grace_bin_edge_found.xml")}, {e});
}

TEST(DcomScenarios, NoBootMarkerIsReportedWithLastBootTimeAssumed) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000", 1004, 1003, 1005);
  e.last_boot = std::nullopt;
  e.assumptions = {"LastBootTime"};
  e.confidence = "medium";
  expect_findings({scenario("no_boot_marker.xml")}, {e});
}

TEST(DcomScenarios, TwoBootsChainBetweenUsesTheEarlierBoot) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  e.last_boot = kBoot0900;  // not the 11:00:00 boot (record 1007)
  expect_findings({scenario("two_boots_chain_between.xml")}, {e});
}

TEST(DcomScenarios, BootMarkersFromTheSystemLog) {
  // 6005 at 06:00, Kernel-General 12 at 09:00, chain 1 at 10:00, 6005 at 10:30, chain 2 at 11:00
  Expected first = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000", 1004, 1003, 1005);
  first.last_boot = ts("09:00:00.0000000");
  Expected second = sysmon_chain("11:00:01.2000000", "11:00:02.0000000", "11:00:02.5000000", 1009, 1008, 1010);
  second.last_boot = ts("10:30:00.0000000");
  second.dcom_pid = 2345;
  second.children = {kIpconfig};
  expect_findings({scenario("boot_markers_system_log.xml")}, {first, second});
}

TEST(DcomScenarios, PidReuseAfterDcomExitIsNotAChildSysmon) { expect_no_findings({scenario("pid_reuse_sysmon.xml")}); }

TEST(DcomScenarios, PidReuseAfterDcomExitIsNotAChildSecurity) {
  expect_no_findings({scenario("pid_reuse_security.xml")});
}

TEST(DcomScenarios, PidReuseWithoutExitEventIsNotAChildSecurity) {
  // No 4689: the new 4688 with the same PID ends the older instance.
  expect_no_findings({scenario("pid_reuse_security_no_exit_event.xml")});
}

TEST(DcomScenarios, PidReuseSecurityCollectsOnlyTheRealChild) {
  Expected e;
  e.rpc_ts = ts("10:00:01.2000000");
  e.dcom_ts = ts("10:00:02.0000000");
  e.children = {kWhoami};  // not "cmd.exe /Q /c ipconfig /all" (record 2009, child of the later mmc.exe with PID 0x4d2)
  e.evidence = {
      {"rpc", 2004, 5156, e.rpc_ts}, {"dcom", 2005, 4688, e.dcom_ts}, {"child", 2006, 4688, ts("10:00:03.0000000")}};
  expect_findings({scenario("pid_reuse_security_with_real_child.xml")}, {e});
}

TEST(DcomScenarios, LoopbackRpcIsNotFound) {
  fs::path file = scenario("loopback_rpc.xml");
  // Guard: the rpc event is otherwise a match (inbound, local port 135), so
  // only LocalIP !~ RemoteIP excludes it.
  support::CommandResult norm = support::run_evtxhunt("normalize " + quote(file));
  ASSERT_EQ(norm.exit_code, 0) << norm.err;
  bool seen = false;
  for (const std::string& line : support::split_lines(norm.out)) {
    std::string err;
    std::optional<Json> parsed = support::parse_json(line, &err);
    ASSERT_TRUE(parsed) << err << ": " << line;
    const Json& j = *parsed;
    if (text_of(at(j, "EventRecordID")) != "1005") continue;
    seen = true;
    EXPECT_EQ(text_of(at(j, "ActionType")), "InboundConnectionAccepted");
    EXPECT_EQ(text_of(at(j, "LocalIP")), "127.0.0.1");
    EXPECT_EQ(text_of(at(j, "RemoteIP")), "127.0.0.1");
    EXPECT_EQ(text_of(at(j, "LocalPort")), "135");
  }
  EXPECT_TRUE(seen);
  expect_no_findings({file});
}

TEST(DcomScenarios, SecurityOnlyLogs) {
  Expected e;
  e.rpc_ts = ts("10:00:01.2000000");
  e.dcom_ts = ts("10:00:02.0000000");
  e.children = {kWhoami};
  e.evidence = {
      {"rpc", 2004, 5156, e.rpc_ts}, {"dcom", 2005, 4688, e.dcom_ts}, {"child", 2006, 4688, ts("10:00:02.5000000")}};
  expect_findings({scenario("security_only.xml")}, {e});
}

TEST(DcomScenarios, SameProcessesInSysmonAndSecurityGiveOneFinding) {
  // Each process is logged by Sysmon 1 (UtcTime t) and 4688 (t + 5 ms): one
  // instance; the Sysmon record comes first in replay order.
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  expect_findings({scenario("sysmon_and_security_same_processes.xml")}, {e});
}

TEST(DcomScenarios, OlderSysmonLocalEndpointAsSource) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  expect_findings({scenario("sysmon_direction_old.xml")}, {e});
}

TEST(DcomScenarios, NewerSysmonLocalEndpointAsDestination) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  expect_findings({scenario("sysmon_direction_new.xml")}, {e});
}

TEST(DcomScenarios, TwoHostsInOneFileDoNotMix) {
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  expect_findings({scenario("two_hosts_one_file.xml")}, {e});
}

TEST(DcomScenarios, TwoHostsInOneFileSameOutputForAnyThreadCount) {
  fs::path file = scenario("two_hosts_one_file.xml");
  ScanResult one = scan({file}, "--threads 1");
  ScanResult two = scan({file}, "--threads 2");
  EXPECT_EQ(one.cmd.out, two.cmd.out);
  EXPECT_EQ(one.findings.size(), 1u);
}

TEST(DcomScenarios, SameLogTwiceCountsOnce) {
  fs::path file = scenario("same_log_twice.xml");
  support::TempDir tmp("dcom-twice");
  fs::path copy = tmp / "same_log_twice_copy.xml";
  fs::copy_file(file, copy);
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000");
  expect_findings({file, copy}, {e});
}

TEST(DcomScenarios, NetworkEventWritten4sAfterItsUtcTime) {
  // rpc record 1006 is written at 10:00:05.200, after dcom (1004) and child (1005)
  Expected e = sysmon_chain("10:00:01.2000000", "10:00:02.0000000", "10:00:02.5000000", 1006, 1004, 1005);
  expect_findings({scenario("network_event_written_4s_late.xml")}, {e});
}

TEST(DcomScenarios, TwoRpcSourcesInTheWindowGiveTwoFindings) {
  Expected first = sysmon_chain("10:00:01.0000000", "10:00:02.0000000", "10:00:02.5000000", 1004, 1005, 1007);
  Expected second = sysmon_chain("10:00:01.5000000", "10:00:02.0000000", "10:00:02.5000000", 1006, 1005, 1007);
  second.remote_ip = "10.0.0.67";
  expect_findings({scenario("two_rpc_sources.xml")}, {first, second});
}

TEST(DcomScenarios, DcomWithoutChildrenIsNotFound) { expect_no_findings({scenario("dcom_without_children.xml")}); }

// Every scenario, written to EVTX by `evtxhunt convert`, gives the same
// findings as its XML export (only SourceFile differs).
TEST(DcomScenarios, EvtxOfEachScenarioGivesTheSameFindings) {
  support::TempDir tmp("dcom-evtx");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kScenarios))
    if (entry.path().extension() == ".xml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 20u);
  for (const fs::path& xml : files) {
    SCOPED_TRACE(xml.filename().string());
    fs::path evtx = tmp / (xml.stem().string() + ".evtx");
    support::CommandResult conv = support::run_evtxhunt("convert -q -o " + quote(evtx) + " " + quote(xml));
    ASSERT_EQ(conv.exit_code, 0) << conv.err;
    std::string from_xml = scan({xml}).cmd.out;
    std::string from_evtx = scan({evtx}).cmd.out;
    for (size_t at = 0; (at = from_xml.find(xml.string(), at)) != std::string::npos; at += evtx.string().size())
      from_xml.replace(at, xml.string().size(), evtx.string());
    EXPECT_EQ(from_xml, from_evtx);
  }
}

}  // namespace
