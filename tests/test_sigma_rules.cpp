// Sigma semantics on real records: modifiers, conditions, keywords, filters,
// correlations, Security 4688 field names, rule loading. The rules are
// written here; the records are the corpus's, and each expectation names the
// record and value that decide it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include <hs/hs.h>

#include <cstring>

#include "sigma/hs_cache.h"
#include "sigma/sigma_loader.h"
#include "support/command.h"
#include "support/corpus.h"
#include "support/files.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kBinary = EVTXHUNT_BINARY;

std::string q(const std::string& s) { return support::shell_quote(s); }

support::CommandResult run(const std::string& args) { return support::run_command(q(kBinary) + " " + args); }

std::vector<json> jsonl(const std::string& text) {
  std::vector<json> out;
  for (const std::string& line : support::split_lines(text))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// Scans `evidence` with `rules` (YAML text in one file); the findings.
std::vector<json> scan(const std::string& rules, const std::vector<fs::path>& evidence, std::string* err = nullptr,
                       const std::string& extra = "") {
  support::TempDir tmp("sigma");
  fs::path file = tmp / "rules.yml";
  std::ofstream(file) << rules;
  std::string args = "scan --format jsonl --rules " + q(file.string()) + " " + extra;
  for (const fs::path& p : evidence) args += " " + q(p.string());
  support::CommandResult r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (err) *err = r.err;
  return jsonl(r.out);
}

// Rule ids with a finding whose evidence includes record `record_id`.
std::set<std::string> fired_on(const std::vector<json>& findings, int64_t record_id) {
  std::set<std::string> out;
  for (const json& f : findings)
    for (const json& e : f["evidence"])
      if (e["EventRecordID"] == record_id) out.insert(f["rule_id"].get<std::string>());
  return out;
}

std::string rule(const std::string& id, const std::string& detection,
                 const std::string& logsource = "    category: process_creation\n    product: windows\n") {
  return "title: " + id + "\nid: " + id + "\nlevel: high\nlogsource:\n" + logsource + "detection:\n" + detection +
         "---\n";
}

// Sysmon 1, record 400702 on win10.ecorp.com:
//   Image C:\Windows\explorer.exe, OriginalFileName EXPLORER.EXE,
//   CommandLine explorer.exe  /root,"c:\windows\System32\calc.exe",
//   ParentImage C:\Windows\System32\cmd.exe, ParentProcessId 6292,
//   ProcessId 6860, TerminalSessionId 1, RuleName empty,
//   Hashes ...,MD5=6A65873EA949C5CCC72DDEF9E9780AA5,...
const fs::path kExplorer = corpus::attack_sample("Execution/susp_explorer_exec_root_cmdline_@rimpq_@CyberRaiju.evtx");
constexpr int64_t kExplorerRecord = 400702;

TEST(SigmaModifiers, EachModifierOnARealProcessCreation) {
  std::string rules =
      rule("contains", "  sel:\n    CommandLine|contains: '/root,'\n  condition: sel\n") +
      rule("startswith-any-case", "  sel:\n    Image|startswith: 'c:\\windows\\EXPLORER'\n  condition: sel\n") +
      rule("endswith", "  sel:\n    ParentImage|endswith: '\\cmd.exe'\n  condition: sel\n") +
      rule("equals-any-case", "  sel:\n    OriginalFileName: explorer.exe\n  condition: sel\n") +
      rule("equals-is-whole", "  sel:\n    OriginalFileName: explorer\n  condition: sel\n") +
      rule("contains-all", "  sel:\n    CommandLine|contains|all: [explorer, calc.exe]\n  condition: sel\n") +
      rule("contains-all-one-missing",
           "  sel:\n    CommandLine|contains|all: [explorer, notepad]\n  condition: sel\n") +
      rule("re", "  sel:\n    CommandLine|re: 'explorer\\.exe\\s+/root,\"[a-z]:\\\\'\n  condition: sel\n") +
      rule("re-is-cased", "  sel:\n    CommandLine|re: 'SYSTEM32'\n  condition: sel\n") +
      rule("re-i", "  sel:\n    CommandLine|re|i: 'SYSTEM32\\\\CALC'\n  condition: sel\n") +
      rule("windash", "  sel:\n    CommandLine|windash|contains: ' -root,'\n  condition: sel\n") +
      rule("inner-wildcard", "  sel:\n    Hashes|contains: 'MD5=6A65*AA5,'\n  condition: sel\n") +
      rule("question-mark", "  sel:\n    Image: 'C:\\Windows\\explor?r.exe'\n  condition: sel\n") +
      rule("escaped-star", "  sel:\n    Image|contains: 'explorer\\*'\n  condition: sel\n") +
      rule("exists", "  sel:\n    ParentCommandLine|exists: true\n  condition: sel\n") +
      rule("not-exists", "  sel:\n    NoSuchField|exists: false\n  condition: sel\n") +
      rule("exists-absent", "  sel:\n    NoSuchField|exists: true\n  condition: sel\n") +
      rule("lt", "  sel:\n    TerminalSessionId|lt: 2\n  condition: sel\n") +
      rule("gt-false", "  sel:\n    ProcessId|gt: 6860\n  condition: sel\n") +
      rule("gte", "  sel:\n    ProcessId|gte: 6860\n  condition: sel\n") +
      rule("fieldref-differs", "  sel:\n    Image|fieldref: ParentImage\n  condition: sel\n") +
      rule("fieldref-same", "  sel:\n    ProcessId|fieldref: ProcessId\n  condition: sel\n") +
      rule("null-value", "  sel:\n    RuleName: null\n  condition: sel\n") +
      rule("cased", "  sel:\n    Image|cased: 'C:\\Windows\\explorer.exe'\n  condition: sel\n") +
      rule("cased-wrong-case", "  sel:\n    Image|cased: 'c:\\windows\\explorer.exe'\n  condition: sel\n") +
      rule("keyword", "  keywords:\n    - 'System32\\calc'\n  condition: keywords\n") +
      rule("keyword-absent", "  keywords:\n    - mimikatz\n  condition: keywords\n") +
      rule("base64offset-absent", "  sel:\n    CommandLine|base64offset|contains: calc.exe\n  condition: sel\n");
  std::vector<json> f = scan(rules, {kExplorer});
  std::set<std::string> fired = fired_on(f, kExplorerRecord);
  std::set<std::string> expected = {
      "contains",      "startswith-any-case", "endswith",      "equals-any-case", "contains-all", "re", "re-i",
      "windash",       "inner-wildcard",      "question-mark", "exists",          "not-exists",   "lt", "gte",
      "fieldref-same", "null-value",          "cased",         "keyword"};
  EXPECT_EQ(fired, expected);
}

TEST(SigmaModifiers, TimePartsOfADateField) {
  // UtcTime of record 400702: 2020-07-03 09:05:58.268, a Friday of ISO week 27.
  std::string rules = rule("hour", "  sel:\n    UtcTime|hour: 9\n  condition: sel\n") +
                      rule("minute", "  sel:\n    UtcTime|minute: 5\n  condition: sel\n") +
                      rule("day-month-year",
                           "  sel:\n    UtcTime|day: 3\n  m:\n    UtcTime|month: 7\n  y:\n"
                           "    UtcTime|year: 2020\n  condition: all of them\n") +
                      rule("week", "  sel:\n    UtcTime|week: 27\n  condition: sel\n") +
                      rule("hour-gte", "  sel:\n    UtcTime|hour|gte: 10\n  condition: sel\n") +
                      rule("year-wrong", "  sel:\n    UtcTime|year: 2019\n  condition: sel\n");
  EXPECT_EQ(fired_on(scan(rules, {kExplorer}), kExplorerRecord),
            (std::set<std::string>{"hour", "minute", "day-month-year", "week"}));
}

// What the encoding modifiers make of a value, as the appendix describes.
std::vector<std::string> values_of(const std::string& key, const std::string& value) {
  sigma::LoadResult r =
      sigma::load_sigma_text("title: t\nid: t\nlogsource:\n  product: windows\ndetection:\n  sel:\n    " + key + ": '" +
                                 value + "'\n  condition: sel\n",
                             "inline");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].str());
  if (r.rules.empty()) return {};
  return r.rules[0].selections[0].alternatives[0][0].values;
}

TEST(SigmaModifiers, EncodingsAsTheAppendixDescribes) {
  // base64offset: the three shifts of the value inside a longer base64 text
  // (SigmaHQ's own example for http://).
  EXPECT_EQ(values_of("CommandLine|base64offset|contains", "http://"),
            (std::vector<std::string>{"*aHR0cDovL*", "*h0dHA6Ly*", "*odHRwOi8v*"}));
  EXPECT_EQ(values_of("CommandLine|base64", "cmd"), (std::vector<std::string>{"Y21k"}));
  EXPECT_EQ(values_of("Data|utf16le|contains", "cmd"), (std::vector<std::string>{std::string("*c\0m\0d\0*", 8)}));
  EXPECT_EQ(values_of("Data|wide|base64offset|contains", "ping")[0], "*cABpAG4AZw*");  // p\0i\0n\0g\0
  EXPECT_EQ(values_of("Data|utf16be", "cmd"), (std::vector<std::string>{std::string("\0c\0m\0d", 6)}));
  EXPECT_EQ(values_of("Data|utf16", "cmd"), (std::vector<std::string>{std::string("\xFF\xFE"
                                                                                  "c\0m\0d\0",
                                                                                  8)}));
  // windash: each of - / en dash, em dash, horizontal bar.
  EXPECT_EQ(values_of("CommandLine|windash|contains", " -s").size(), 5u);
  // Escapes: \* is a literal star; a backslash before anything else is a
  // literal backslash (kept escaped in the canonical glob).
  EXPECT_EQ(values_of("Image", "C:\\x\\*.exe"), (std::vector<std::string>{"C:\\\\x\\*.exe"}));
}

// A Sigma document's errors are the rule language's (file:line:column:
// reason), and every one a run can find is listed, not only the first.
TEST(SigmaErrors, EveryErrorOfADocumentWithItsLineAndColumn) {
  sigma::LoadResult r = sigma::load_sigma_text(
      "title: t\n"
      "id: broken\n"
      "level: severe\n"
      "logsource:\n"
      "  product: windows\n"
      "detection:\n"
      "  sel:\n"
      "    Image|nosuchmodifier: x\n"
      "  other:\n"
      "    CommandLine: y\n"
      "  condition: sel or other or missing\n",
      "r.yml");
  EXPECT_TRUE(r.rules.empty());
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].str(), "r.yml:3:8: rule broken: unknown level 'severe'");
  EXPECT_EQ(r.errors[1].str(), "r.yml:8:27: rule broken: modifier 'nosuchmodifier' is not supported");
  EXPECT_EQ(r.errors[2].str(), "r.yml:7:3: rule broken: condition names 'missing', which is not a search identifier");
}

TEST(SigmaConditions, BooleanOperatorsAndSelectionPatterns) {
  std::string rules = rule("and-not",
                           "  sel:\n    Image|endswith: '\\explorer.exe'\n  filter:\n    ParentImage|endswith: "
                           "'\\cmd.exe'\n  condition: sel and not filter\n") +
                      rule("or",
                           "  a:\n    Image|endswith: '\\nothing.exe'\n  b:\n    Image|endswith: '\\explorer.exe'\n  "
                           "condition: a or b\n") +
                      rule("one-of",
                           "  sel_a:\n    Image|endswith: '\\nothing.exe'\n  sel_b:\n    CommandLine|contains: calc\n  "
                           "condition: 1 of sel_*\n") +
                      rule("all-of",
                           "  sel_a:\n    Image|endswith: '\\nothing.exe'\n  sel_b:\n    CommandLine|contains: calc\n  "
                           "condition: all of sel_*\n") +
                      rule("all-of-them",
                           "  a:\n    Image|endswith: '\\explorer.exe'\n  b:\n    CommandLine|contains: calc\n  "
                           "condition: all of them\n") +
                      rule("parentheses",
                           "  a:\n    Image|endswith: '\\nothing.exe'\n  b:\n    CommandLine|contains: calc\n  c:\n  "
                           "  ParentImage|endswith: '\\cmd.exe'\n  condition: (a or b) and c\n") +
                      rule("precedence",
                           "  a:\n    Image|endswith: '\\nothing.exe'\n  b:\n    CommandLine|contains: calc\n  c:\n  "
                           "  ParentImage|endswith: '\\nothing.exe'\n  condition: a or b and c\n") +
                      rule("list-is-or",
                           "  sel:\n    Image|endswith:\n      - '\\nothing.exe'\n      - '\\explorer.exe'\n  "
                           "condition: sel\n") +
                      rule("list-of-maps-is-or",
                           "  sel:\n    - Image|endswith: '\\nothing.exe'\n    - CommandLine|contains: "
                           "calc\n  condition: sel\n");
  std::set<std::string> fired = fired_on(scan(rules, {kExplorer}), kExplorerRecord);
  EXPECT_EQ(fired,
            (std::set<std::string>{"or", "one-of", "all-of-them", "parentheses", "list-is-or", "list-of-maps-is-or"}));
}

TEST(SigmaFilters, AFilterConditionIsAndedWithTheRules) {
  // pySigma's semantics: rule condition AND filter condition, so a filter
  // written `not selection` suppresses what its selection matches.
  std::string base = rule("explorer", "  sel:\n    Image|endswith: '\\explorer.exe'\n  condition: sel\n") +
                     rule("calc", "  sel:\n    CommandLine|contains: calc\n  condition: sel\n");
  std::string filter =
      "title: admins are fine\nid: f1\nlogsource:\n    category: process_creation\n    product: windows\n"
      "filter:\n  rules:\n    - explorer\n  selection:\n    User|startswith: 'ECORP\\'\n  condition: not selection\n";
  std::set<std::string> fired = fired_on(scan(base + filter, {kExplorer}), kExplorerRecord);
  EXPECT_EQ(fired, (std::set<std::string>{"calc"}));  // User is ECORP\Administrator
  std::string any =
      "title: all\nid: f2\nlogsource:\n    product: windows\nfilter:\n  rules: any\n  selection:\n"
      "    IntegrityLevel: High\n  condition: not selection\n";
  EXPECT_TRUE(fired_on(scan(base + any, {kExplorer}), kExplorerRecord).empty());
  // A filter for another log source leaves the rules alone, and is reported.
  std::string other =
      "title: other\nid: f3\nlogsource:\n    category: file_event\n    product: windows\nfilter:\n"
      "  rules: any\n  selection:\n    IntegrityLevel: High\n  condition: not selection\n";
  std::string err;
  EXPECT_EQ(fired_on(scan(base + other, {kExplorer}, &err), kExplorerRecord).size(), 2u);
  EXPECT_NE(err.find("filter applies to no loaded rule"), std::string::npos) << err;
  // A filter that cannot be compiled is named once with its reason, not once
  // per rule and kind of record (process_creation is Sysmon 1 and Security 4688).
  std::string broken =
      "title: broken\nid: f4\nlogsource:\n    category: process_creation\n    product: windows\nfilter:\n"
      "  rules: any\n  selection:\n    CommandLine|re: 'x(unclosed'\n  condition: not selection\n";
  err.clear();
  EXPECT_EQ(fired_on(scan(base + broken, {kExplorer}, &err), kExplorerRecord).size(), 2u);
  size_t first = err.find("'x(unclosed' is not RE2 syntax");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("'x(unclosed' is not RE2 syntax", first + 1), std::string::npos) << err;
  EXPECT_EQ(err.find("filter applies to no loaded rule"), std::string::npos) << err;
}

// Security, 01566s-win16-ir.threebeesco.com: seven 4768 with Status 0x6
// (unknown principal) from 172.16.66.1 at 20:29:36.414-.416 (records
// 887107-887113, users HD01 admin svc-02 HD02 svc-01 bob admin02), two 4771,
// then two 4768 for "normal" with Status 0x0 (887116 from 172.16.66.1,
// 887117 from ::ffff:172.16.66.1).
const fs::path kSpray = corpus::attack_sample("Credential Access/kerberos_pwd_spray_4771.evtx");

const char* kUnknownPrincipal =
    "title: TGT for an unknown principal\nname: unknown_principal\nid: base-6\nlevel: low\n"
    "logsource:\n    product: windows\n    service: security\n"
    "detection:\n  sel:\n    EventID: 4768\n    Status: '0x6'\n  condition: sel\n---\n";

TEST(SigmaCorrelations, ValueCountFindsTheSprayOnceWithItsFullCount) {
  std::string rules = std::string(kUnknownPrincipal) +
                      "title: Kerberos user enumeration\nid: spray\nlevel: high\ncorrelation:\n  type: value_count\n"
                      "  rules: [unknown_principal]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition:\n"
                      "    gte: 5\n    field: TargetUserName\n";
  std::vector<json> f = scan(rules, {kSpray});
  ASSERT_EQ(f.size(), 1u);  // the base rule does not alert on its own (generate: false)
  EXPECT_EQ(f[0]["rule_id"], "spray");
  EXPECT_EQ(f[0]["level"], "high");
  EXPECT_EQ(f[0]["fields"]["IpAddress"], "172.16.66.1");
  EXPECT_EQ(f[0]["fields"]["distinct TargetUserName"], 7);
  ASSERT_EQ(f[0]["evidence"].size(), 7u);
  EXPECT_EQ(f[0]["evidence"][0]["EventRecordID"], 887107);
  EXPECT_EQ(f[0]["evidence"][6]["EventRecordID"], 887113);
  EXPECT_EQ(f[0]["evidence"][0]["stage"], "unknown_principal");
  EXPECT_EQ(f[0]["Timestamp"], "2020-07-22T20:29:36.4148271Z");  // FILETIME 100 ns
  // Eight distinct users never come: no finding.
  std::string more = rules;
  more.replace(more.find("gte: 5"), 6, "gte: 8");
  EXPECT_TRUE(scan(more, {kSpray}).empty());
}

TEST(SigmaCorrelations, EventCountGroupsByUser) {
  std::string rules =
      "title: TGT issued\nname: tgt\nid: base-0\nlevel: low\nlogsource:\n    product: windows\n    service: security\n"
      "detection:\n  sel:\n    EventID: 4768\n  condition: sel\n---\n"
      "title: two TGTs for one user\nid: twice\ncorrelation:\n  type: event_count\n  rules: [tgt]\n"
      "  group-by: [TargetUserName]\n  timespan: 10s\n  condition:\n    gte: 2\n";
  std::vector<json> f = scan(rules, {kSpray});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["fields"]["TargetUserName"], "normal");
  EXPECT_EQ(f[0]["fields"]["count"], 2);
  EXPECT_EQ(f[0]["level"], "low");  // none given: the highest of its rules
  EXPECT_EQ(f[0]["evidence"][1]["EventRecordID"], 887117);
}

TEST(SigmaCorrelations, CidrCoversIpv4MappedAddresses) {
  std::string rules = rule("net",
                           "  sel:\n    EventID: 4768\n    Status: '0x0'\n    IpAddress|cidr: 172.16.0.0/12\n"
                           "  condition: sel\n",
                           "    product: windows\n    service: security\n");
  std::vector<json> f = scan(rules, {kSpray});
  EXPECT_EQ(fired_on(f, 887116), (std::set<std::string>{"net"}));
  EXPECT_EQ(fired_on(f, 887117), (std::set<std::string>{"net"}));  // ::ffff:172.16.66.1
}

// WIN-77LTAPHIQ1R.example.corp: Security 5145 (svcctl pipe, record 568342,
// 00:41:28.961) in one file, System 7045 "remotesvc" (record 6045,
// 00:41:29.008) in another; two older 7045s on 2019-03-03.
const fs::path kPipe = corpus::attack_sample("Lateral Movement/LM_Remote_Service01_5145_svcctl.evtx");
const fs::path kService = corpus::attack_sample("Lateral Movement/LM_Remote_Service02_7045.evtx");

std::string remote_service_rules(const std::string& type, const std::string& order) {
  return "title: svcctl pipe\nname: pipe\nid: b-pipe\nlevel: medium\nlogsource:\n    product: windows\n"
         "    service: security\ndetection:\n  sel:\n    EventID: 5145\n    RelativeTargetName: svcctl\n"
         "  condition: sel\n---\n"
         "title: service installed\nname: service\nid: b-service\nlevel: medium\nlogsource:\n    product: windows\n"
         "    service: system\ndetection:\n  sel:\n    EventID: 7045\n  condition: sel\n---\n"
         "title: remote service\nid: remote-service\nlevel: high\ncorrelation:\n  type: " +
         type + "\n  rules: [" + order + "]\n  timespan: 10s\n";
}

TEST(SigmaCorrelations, TemporalOrderedAcrossTwoFilesOfOneHost) {
  std::vector<json> f = scan(remote_service_rules("temporal_ordered", "pipe, service"), {kPipe, kService});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["rule_id"], "remote-service");
  ASSERT_EQ(f[0]["evidence"].size(), 2u);
  EXPECT_EQ(f[0]["evidence"][0]["EventRecordID"], 568342);
  EXPECT_EQ(f[0]["evidence"][0]["stage"], "pipe");
  EXPECT_EQ(f[0]["evidence"][1]["EventRecordID"], 6045);
  EXPECT_NE(f[0]["evidence"][1]["SourceFile"].get<std::string>().find("7045"), std::string::npos);
  // The other order never happens within 10 s.
  EXPECT_TRUE(scan(remote_service_rules("temporal_ordered", "service, pipe"), {kPipe, kService}).empty());
  // Unordered: found either way.
  EXPECT_EQ(scan(remote_service_rules("temporal", "service, pipe"), {kPipe, kService}).size(), 1u);
  // One file alone: nothing.
  EXPECT_TRUE(scan(remote_service_rules("temporal", "service, pipe"), {kService}).empty());
}

// Security 4688 version 1, WIN-77LTAPHIQ1R: #563298 creates WmiPrvSE.exe
// (PID 0xae8); #563299 is calc.exe created by PID 0xae8, its record naming
// no parent image. Sigma's process_creation fields map to the record's names
// (Image -> NewProcessName); the parent image comes from the process table.
const fs::path kWmi = corpus::attack_sample("Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx");

TEST(Sigma4688, FieldNamesAndParentsFromTheProcessTable) {
  std::string rules = rule("image", "  sel:\n    Image|endswith: '\\calc.exe'\n  condition: sel\n") +
                      rule("wmi-child", "  sel:\n    ParentImage|endswith: '\\WmiPrvSE.exe'\n  condition: sel\n") +
                      rule("parent-user", "  sel:\n    ParentUser: 'EXAMPLE\\WIN-77LTAPHIQ1R$'\n  condition: sel\n") +
                      rule("no-user", "  sel:\n    User|exists: false\n  condition: sel\n") +
                      rule("pid", "  sel:\n    ParentProcessId: '0xae8'\n  condition: sel\n");
  std::vector<json> f = scan(rules, {kWmi});
  EXPECT_EQ(fired_on(f, 563299), (std::set<std::string>{"image", "wmi-child", "parent-user", "no-user", "pid"}));
  EXPECT_EQ(fired_on(f, 563298), (std::set<std::string>{"parent-user", "no-user"}));
  for (const json& x : f)
    if (x["rule_id"] == "wmi-child") {
      EXPECT_EQ(x["fields"]["ParentImage"], "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe");
      ASSERT_EQ(x["notes"].size(), 1u);
      EXPECT_EQ(x["notes"][0], "ParentProcessName from the process table (4688 of the parent, PID 2792)");
    }
}

// Security_with_size_t.evtx #119 is a 1108 (the event log service could not
// process an event) whose UserData carries the EventID of that event, 4647.
// EventID in a rule is the System field.
TEST(SigmaFields, SystemNamesWinOverDataFieldsOfTheSameName) {
  const fs::path file = corpus::rs_sample("Security_with_size_t.evtx");
  std::string rules =
      rule("system-id", "  sel:\n    EventID: 1108\n  condition: sel\n",
           "    product: windows\n    service: security\n") +
      rule("data-id", "  sel:\n    EventID: 4647\n  condition: sel\n", "    product: windows\n    service: security\n");
  std::vector<json> f = scan(rules, {file});
  EXPECT_EQ(fired_on(f, 119), (std::set<std::string>{"system-id"}));
  EXPECT_EQ(fired_on(f, 598), (std::set<std::string>{"data-id"}));  // a real 4647
}

// SigmaHQ's own rules, as published, on one evidence file; the findings.
const fs::path kSigmaHQ = fs::path(EVTXHUNT_CORPUS).parent_path() / "sigma";

std::vector<json> scan_sigmahq(const std::vector<std::string>& rules, const fs::path& evidence) {
  std::string args = "scan --format jsonl";
  for (const std::string& r : rules) args += " --rules " + q((kSigmaHQ / r).string());
  support::CommandResult r = run(args + " " + q(evidence.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return jsonl(r.out);
}

// Records (EventRecordIDs) a rule title fired on.
std::set<int64_t> records_of(const std::vector<json>& findings, const std::string& title) {
  std::set<int64_t> out;
  for (const json& f : findings)
    if (f["title"] == title)
      for (const json& e : f["evidence"]) out.insert(e["EventRecordID"].get<int64_t>());
  return out;
}

// Classic events carry their payload as unnamed <Data> items; SigmaHQ tests
// them as the field Data (35 rules). ESENT 325-327 on a DC (#1969-#1972): item
// 5 is the database path, item 1 "NTDS".
const fs::path kNtds = corpus::attack_sample("Credential Access/dc_applog_ntdsutil_dfir_325_326_327.evtx");

TEST(SigmaData, SigmaHQRulesOnClassicEventsReadTheUnnamedItems) {
  const std::string app = "rules/windows/builtin/application/";
  std::vector<json> f = scan_sigmahq({app + "esent/win_esent_ntdsutil_abuse.yml"}, kNtds);
  EXPECT_EQ(records_of(f, "Ntdsutil Abuse"), (std::set<int64_t>{1969, 1970, 1971, 1972}));
  for (const json& x : f) {  // a list field shows every item
    if (x["evidence"][0]["EventRecordID"] == 1970) {
      EXPECT_EQ(
          x["fields"]["Data"].get<std::string>().rfind(
              "NTDS | 3392 |  | 2 | C:\\Users\\bob\\Desktop\\test\\Folder\\ntds\\Active Directory\\ntds.dit | 0 | [1] ",
              0),
          0u)
          << x["fields"]["Data"];
    }
  }
  // MSSQL 15457 (xp_cmdshell changed: "xp_cmdshell | 0 | 1", then back) and
  // the 33205 audit record of an xp_cmdshell execution.
  f = scan_sigmahq(
      {app + "mssqlserver/win_mssql_xp_cmdshell_change.yml", app + "mssqlserver/win_mssql_xp_cmdshell_audit_log.yml"},
      corpus::attack_sample("Lateral Movement/LM_xp_cmdshell_MSSQL_Events.evtx"));
  EXPECT_EQ(records_of(f, "MSSQL XPCmdshell Option Change"), (std::set<int64_t>{9692, 9696}));
  EXPECT_EQ(records_of(f, "MSSQL XPCmdshell Suspicious Execution"), (std::set<int64_t>{9693}));
  // MsiInstaller 1040 / 1042, item 1 "http://officemysuppbox.com/staterepository".
  f = scan_sigmahq({app + "msiinstaller/win_msi_install_from_web.yml"},
                   corpus::attack_sample("Execution/rogue_msi_url_1040_1042.evtx"));
  EXPECT_EQ(records_of(f, "MSI Installation From Web"), (std::set<int64_t>{3734, 3735}));
  // Ten failed MSSQL logons, each "[CLIENT: 10.0.2.17]": internal, so the
  // rule's filter holds and the external-network rule stays silent (an absent
  // Data made `not filter` always true).
  f = scan_sigmahq({app + "mssqlserver/win_mssql_failed_logon.yml",
                    app + "mssqlserver/win_mssql_failed_logon_from_external_network.yml"},
                   corpus::attack_sample("Credential Access/MSSQL_multiple_failed_logon_EventID_18456.evtx"));
  EXPECT_EQ(records_of(f, "MSSQL Server Failed Logon").size(), 10u);
  EXPECT_TRUE(records_of(f, "MSSQL Server Failed Logon From External Network").empty());
}

TEST(SigmaData, EachItemIsAValueOfTheListAndNamedDataIsNotData) {
  const std::string esent = "    product: windows\n    service: application\n";
  std::string rules =
      rule("all-across-items", "  sel:\n    Data|contains|all: ['NTDS', 'ntds.dit']\n  condition: sel\n", esent) +
      rule("one-item-equals", "  sel:\n    Data: 'ntds'\n  condition: sel\n", esent) +
      rule("joined-is-no-item", "  sel:\n    Data: 'NTDS | 3392'\n  condition: sel\n", esent) +
      rule("item-endswith", "  sel:\n    Data|endswith: '\\ntds.dit'\n  condition: sel\n", esent) +
      rule("item-regex", "  sel:\n    Data|re: '^\\d{4}$'\n  condition: sel\n", esent) +
      rule("number", "  sel:\n    Data|gte: 3000\n  condition: sel\n", esent) +
      rule("not-any-item",
           "  sel:\n    EventID: 327\n  f:\n    Data|contains: 'Active Directory'\n"
           "  condition: sel and not f\n",
           esent);
  std::vector<json> f = scan(rules, {kNtds});
  std::set<std::string> all = {"all-across-items", "one-item-equals", "item-endswith", "item-regex", "number"};
  EXPECT_EQ(fired_on(f, 1969), all);
  EXPECT_EQ(fired_on(f, 1970), all);
  // 327 #1971 names "...\ntds\Active Directory\ntds.dit": the filter holds;
  // #1972 names the snapshot's path: no item contains it.
  EXPECT_EQ(fired_on(f, 1971), all);
  all.insert("not-any-item");
  EXPECT_EQ(fired_on(f, 1972), all);
  // A record of named EventData has no Data (the Sysmon explorer.exe record).
  std::vector<json> g =
      scan(rule("data-on-named", "  sel:\n    Data|contains: 'explorer'\n  condition: sel\n"), {kExplorer});
  EXPECT_TRUE(fired_on(g, kExplorerRecord).empty());
}

// Event Viewer's names of Defender's data items have spaces ("Threat Name",
// "Process Name"); SigmaHQ writes them without. Defender 1116 #37 and 1117
// #101: Trojan:PowerShell/Powersploit.M in powershell.exe, severity 5.
TEST(SigmaFields, SpacedRecordNamesAnswerTheNamesSigmaWrites) {
  const std::string defender = "    product: windows\n    service: windefend\n";
  std::string rules =
      rule("no-spaces",
           "  sel:\n    ThreatName|contains: 'Powersploit'\n    ProcessName|endswith: '\\powershell.exe'\n"
           "  condition: sel\n",
           defender) +
      rule("literal", "  sel:\n    Threat Name|startswith: 'Trojan:'\n  condition: sel\n", defender) +
      rule("number", "  sel:\n    SeverityID|gt: 4\n  condition: sel\n", defender) +
      rule("other-name", "  sel:\n    ThreatNames|contains: 'Powersploit'\n  condition: sel\n", defender);
  std::vector<json> f =
      scan(rules, {corpus::attack_sample("AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx")});
  for (int64_t record : {37, 101})
    EXPECT_EQ(fired_on(f, record), (std::set<std::string>{"no-spaces", "literal", "number"})) << record;
  for (const json& x : f) {
    if (x["rule_id"] == "no-spaces") {
      EXPECT_EQ(x["fields"]["ThreatName"], "Trojan:PowerShell/Powersploit.M");
    }
  }
}

// |expand placeholders are deployment values: without them the rule does not
// run (the specification); --placeholders gives them.
TEST(SigmaPlaceholders, RulesWithoutValuesDoNotRunAndValuesMakeThemWork) {
  const fs::path cve = kSigmaHQ / "rules-emerging-threats/2026/Exploits/CVE-2026-54121";
  support::CommandResult r = run("rules check " + q(cve.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 Sigma rules"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 not run for want of placeholder values"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not run: " + (cve / "win_security_adcs_certighost_cdc_chase_request.yml").string() +
                       ":1: rule c4a1f389-2e6b-4d9a-8f0c-b73e5a12d947: not run: placeholder %known_cdcs% has no "
                       "values (|expand; give them with --placeholders FILE)"),
            std::string::npos)
      << r.out;
  support::TempDir tmp("placeholders");
  std::ofstream(tmp / "values.yml") << "known_cdcs: [dc01.corp.local, 10.0.0.5]\n'%shells%': [calc.exe, notepad]\n";
  std::string values = " --placeholders " + q((tmp / "values.yml").string());
  r = run("rules check" + values + " " + q(cve.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 Sigma rules"), std::string::npos) << r.out;
  // On a real record: explorer.exe /root,"c:\windows\System32\calc.exe".
  std::string rules =
      rule("expanded", "  sel:\n    CommandLine|contains|expand: '%shells%'\n  condition: sel\n") +
      rule("filtered",
           "  sel:\n    Image|endswith: '\\explorer.exe'\n  f:\n    CommandLine|endswith|expand: '\\%shells%\"'\n"
           "  condition: sel and not f\n");
  std::string err;
  EXPECT_EQ(fired_on(scan(rules, {kExplorer}, &err, values), kExplorerRecord), (std::set<std::string>{"expanded"}));
  // Without values no rule runs: exit 7, saying why (not "0 findings").
  std::ofstream(tmp / "rules.yml") << rules;
  r = run("scan --rules " + q((tmp / "rules.yml").string()) + " " + q(kExplorer.string()));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("rule expanded: not run: placeholder %shells% has no values"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no rule to run from " + (tmp / "rules.yml").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 not run for want of placeholder values): nothing to look for"), std::string::npos) << r.err;
  // A placeholder file that is not one: the command stops (exit 7), naming it.
  std::ofstream(tmp / "bad.yml") << "shells:\n  nested: [a]\n";
  r = run("scan --placeholders " + q((tmp / "bad.yml").string()) + " " + q(kExplorer.string()));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find((tmp / "bad.yml").string() + ":2: 'shells' needs a list of values"), std::string::npos) << r.err;
  // A placeholder inside an encoded value could never be filled: a load error.
  std::string encoded = rule("encoded", "  sel:\n    CommandLine|base64|expand: '%shells%'\n  condition: sel\n");
  scan(encoded + rules, {kExplorer}, &err, values);
  EXPECT_NE(err.find("rule encoded: expand takes plain values"), std::string::npos) << err;
}

// MalSeclogon's lsass.exe (4688 #329921) names lsass.exe as its parent under
// PID 636; the process table's PID 636 is a svchost.exe of April 2020 (another
// sample of the same host name): not its parent, so no parent command line.
TEST(Sigma4688, AParentOfAnotherImageLendsNothing) {
  std::string rules = rule("parent-cmd", "  sel:\n    ParentCommandLine|contains: 'svchost'\n  condition: sel\n") +
                      rule("parent-image", "  sel:\n    ParentImage|endswith: '\\lsass.exe'\n  condition: sel\n");
  std::vector<json> f =
      scan(rules, {corpus::attack_sample("Credential Access/tutto_malseclogon.evtx"),
                   corpus::attack_sample("Privilege Escalation/privesc_unquoted_svc_sysmon_1_11.evtx")});
  EXPECT_EQ(fired_on(f, 329921), (std::set<std::string>{"parent-image"}));
}

// Scans the explorer sample with the rules in `file` under `env`; the
// findings, and in `note` the summary's line on how the patterns were had.
std::string scan_explorer(const std::string& env, const fs::path& file, std::string& note) {
  support::CommandResult r = support::run_command(env + " " + q(kBinary) + " scan --format jsonl --rules " +
                                                  q(file.string()) + " " + q(kExplorer.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t at = r.err.find("Sigma patterns: ");
  note = at == std::string::npos ? "" : r.err.substr(at, r.err.find('\n', at) - at);
  return r.out;
}

TEST(SigmaLoading, TheDatabaseCacheNeverChangesFindings) {
  support::TempDir cache("hscache");
  std::string rules = rule("contains", "  sel:\n    CommandLine|contains: '/root,'\n  condition: sel\n") +
                      rule("re", "  sel:\n    CommandLine|re: 'calc\\.exe'\n  condition: sel\n") +
                      rule("inner", "  sel:\n    Hashes|contains: 'MD5=6A65*AA5,'\n  condition: sel\n");
  std::string note;
  auto findings = [&](const std::string& env) {
    support::TempDir tmp("cached");
    std::ofstream(tmp / "r.yml") << rules;
    return scan_explorer(env, tmp / "r.yml", note);
  };
  std::string env = "EVTXHUNT_CACHE=" + q(cache.path().string());
  std::string cold = findings(env);
  EXPECT_NE(note.find(" databases compiled in "), std::string::npos) << note;
  EXPECT_NE(note.find("(a rule set not run before on this machine; kept in " + cache.path().string()),
            std::string::npos)
      << note;
  EXPECT_EQ(fired_on(jsonl(cold), kExplorerRecord), (std::set<std::string>{"contains", "re", "inner"}));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(cache.path())) files += e.path().extension() == ".db";
  EXPECT_GE(files, 2u);            // literals and the inner-wildcard pattern
  EXPECT_EQ(findings(env), cold);  // warm
  EXPECT_NE(note.find(" databases from the cache in " + cache.path().string() + " ("), std::string::npos) << note;
  // Damaged files (a flipped byte, a truncation) are recompiled, not trusted.
  bool truncate = false;
  for (const auto& e : fs::directory_iterator(cache.path())) {
    std::vector<uint8_t> bytes = support::read_bytes(e.path());
    if (truncate)
      bytes.resize(bytes.size() / 2);
    else
      bytes[bytes.size() - 5] ^= 0x55;
    truncate = !truncate;
    support::write_bytes(e.path(), bytes);
  }
  EXPECT_EQ(findings(env), cold);
  EXPECT_NE(note.find(" databases compiled in "), std::string::npos) << note;
  EXPECT_EQ(findings("EVTXHUNT_CACHE=off"), cold);
  EXPECT_NE(note.find(" databases compiled in "), std::string::npos) << note;
  EXPECT_NE(note.find("(no cache in use: every run compiles them)"), std::string::npos) << note;
}

// A rule edited in a large pattern set (SigmaHQ's command lines: 11,266
// literals, 0.2 s to compile) reads the field's earlier database, the
// patterns added since compiled alone: the findings of a full compile.
TEST(SigmaLoading, AnEditedLargeSetReadsItsEarlierDatabaseWithTheSameFindings) {
  support::TempDir cache("hscache-edit"), tmp("edit");
  std::string many;
  for (int i = 0; i < 1100; ++i) many += "      - 'tok" + std::to_string(i) + "-'\n";
  std::string note;
  auto findings = [&](const std::string& env, const std::string& value) {
    std::ofstream(tmp / "r.yml", std::ios::trunc)
        << rule("many", "  sel:\n    CommandLine|contains:\n" + many + "      - '" + value + "'\n  condition: sel\n");
    return scan_explorer(env, tmp / "r.yml", note);
  };
  std::string env = "EVTXHUNT_CACHE=" + q(cache.path().string());
  std::string first = findings(env, "/root,");
  EXPECT_NE(note.find(" databases compiled in "), std::string::npos) << note;
  EXPECT_EQ(fired_on(jsonl(first), kExplorerRecord), (std::set<std::string>{"many"}));
  for (const std::string value : {"calc.exe\"", "zzz-in-no-command-line"}) {
    std::string edited = findings(env, value);
    EXPECT_NE(
        note.find("1 of them was compiled before the rules changed, with the 1 pattern added since compiled alone"),
        std::string::npos)
        << note;
    EXPECT_EQ(edited, findings("EVTXHUNT_CACHE=off", value)) << value;
  }
  EXPECT_TRUE(fired_on(jsonl(findings(env, "zzz-in-no-command-line")), kExplorerRecord).empty());
  EXPECT_FALSE(fired_on(jsonl(findings(env, "calc.exe\"")), kExplorerRecord).empty());
}

// A correlation reported skipped never runs (one naming itself fired nine
// identical findings per event); a cycle of correlations is named and none
// of it runs, nor what uses it. security.evtx: 4624 logons.
TEST(SigmaCorrelations, SkippedAndCyclicCorrelationsNeverRun) {
  const fs::path security = corpus::rs_sample("security.evtx");
  std::string base = rule("base-logon", "  sel:\n    EventID: 4624\n  condition: sel\n",
                          "    product: windows\n    service: security\n");
  base.insert(base.find("level:"), "name: base_logon\n");
  auto correlation = [](const std::string& id, const std::string& body) {
    return "title: " + id + "\nid: " + id + "\nname: " + id + "\nlevel: high\ncorrelation:\n" + body + "---\n";
  };
  std::string rules =
      base +
      correlation("self_temporal",
                  "    type: temporal\n    rules: [self_temporal, base_logon]\n    group-by: [TargetUserName]\n"
                  "    timespan: 1h\n") +
      correlation("cyc_a", "    type: event_count\n    rules: [cyc_b]\n    timespan: 1h\n    condition: {gte: 1}\n") +
      correlation("cyc_b", "    type: event_count\n    rules: [cyc_a]\n    timespan: 1h\n    condition: {gte: 1}\n") +
      correlation("uses_cycle",
                  "    type: event_count\n    rules: [cyc_a]\n    timespan: 1h\n    condition: {gte: 1}\n") +
      correlation("eons",
                  "    type: event_count\n    rules: [base_logon]\n    timespan: 99999999999999d\n"
                  "    condition: {gte: 1}\n");
  std::string err;
  std::vector<json> f = scan(rules, {security}, &err);
  std::set<std::string> ids;
  for (const json& x : f) ids.insert(x["rule_id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"base-logon"}));  // no correlation runs, so the base alerts alone
  EXPECT_NE(err.find("rule self_temporal: correlation refers to itself ('self_temporal')"), std::string::npos) << err;
  EXPECT_NE(err.find("rule cyc_a: correlation cycle: cyc_a -> cyc_b -> cyc_a"), std::string::npos) << err;
  EXPECT_NE(err.find("rule cyc_b: correlation cycle: cyc_a -> cyc_b -> cyc_a"), std::string::npos) << err;
  EXPECT_NE(err.find("rule uses_cycle: correlation refers to 'cyc_a', which does not run"), std::string::npos) << err;
  EXPECT_NE(err.find("timespan: not a number: 99999999999999d"), std::string::npos) << err;  // ticks would overflow
  EXPECT_NE(err.find("0 Sigma correlations"), std::string::npos) << err;
}

// value_count counts a field's values: events without the field add none,
// so `gte: 1` on a field no record has fires nowhere.
TEST(SigmaCorrelations, AnAbsentFieldContributesNoValue) {
  const fs::path security = corpus::rs_sample("security.evtx");
  std::string base = rule("base-logon", "  sel:\n    EventID: 4624\n  condition: sel\n",
                          "    product: windows\n    service: security\n");
  base.insert(base.find("level:"), "name: base_logon\n");
  auto value_count = [](const std::string& id, const std::string& field) {
    return "title: " + id + "\nid: " + id +
           "\nlevel: high\ncorrelation:\n    type: value_count\n"
           "    rules: [base_logon]\n    timespan: 1d\n    condition: {gte: 1, field: " +
           field + "}\n---\n";
  };
  std::vector<json> f =
      scan(base + value_count("absent", "NoSuchField") + value_count("present", "TargetUserName"), {security});
  std::set<std::string> ids;
  for (const json& x : f) ids.insert(x["rule_id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"present"}));
}

// Rules that would cost without bound are refused at load, named: one
// anchored list of 10,000 values reused 1,000 times (107 KB of YAML, ten
// million values: 145 s and 5.8 GB before), and regular expressions of large
// bounded repeats (1.7 s per 30,000-character command line before).
TEST(SigmaLoading, RulesThatWouldExpandWithoutBoundAreRefused) {
  support::TempDir tmp("big");
  {
    std::ofstream y(tmp / "anchors.yml");
    y << "title: anchors\nid: anchors\nlevel: high\nlogsource:\n    category: process_creation\n    product: "
         "windows\ndetection:\n    base:\n        CommandLine|contains: &list\n";
    for (int i = 0; i < 10000; ++i) y << "            - v" << i << "\n";
    for (int i = 0; i < 1000; ++i) y << "    s" << i << ":\n        Image|endswith: *list\n";
    y << "    condition: base or 1 of s*\n";
  }
  support::CommandResult r =
      support::run_command("timeout 120 " + q(kBinary) + " rules check " + q((tmp / "anchors.yml").string()));
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("rule anchors: rule too large: more than 100000 values"), std::string::npos) << r.err;
  std::string big = "(?:ab|cd){1000}(?:ef|gh){1000}(?:ij|kl){1000}(?:mn|op){1000}(?:qr|st){1000}";
  std::string rules = rule("repeats", "  sel:\n    CommandLine|re: '" + big + "'\n  condition: sel\n") +
                      rule("largest-sigmahq", "  sel:\n    CommandLine|re: '.{1000,}'\n  condition: sel\n");
  std::string err;
  scan(rules, {kExplorer}, &err);
  EXPECT_NE(err.find("regular expressions too large: more than 20000 RE2 instructions in one rule"), std::string::npos)
      << err;
  EXPECT_NE(err.find("1 Sigma rules"), std::string::npos) << err;  // the other loads
}

// ---- the compiled-pattern cache (sigma/hs_cache.h) ------------------------------

sigma::CachedDb compiled(const std::vector<std::string>& literals) {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    exprs.push_back(literals[i].c_str());
    lens.push_back(literals[i].size());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  EXPECT_EQ(hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                                 static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db, &err),
            HS_SUCCESS);
  sigma::CachedDb c;
  c.db.reset(db, hs_free_database);
  for (uint32_t i = 0; i < literals.size(); ++i) c.kept.push_back(i);
  return c;
}

TEST(PatternCache, AFileIsTakenOnlyForThePatternsItWasCompiledFrom) {
  sigma::CachedDb a = compiled({"mimikatz", "psexesvc"});
  std::string bytes = sigma::cache_file_bytes("key-a", a);
  ASSERT_FALSE(bytes.empty());
  EXPECT_TRUE(sigma::cache_file_database(bytes, "key-a", 2));
  // Copied under another rule set's name: refused, so it is compiled again.
  EXPECT_FALSE(sigma::cache_file_database(bytes, "key-b", 2));
  EXPECT_FALSE(sigma::cache_file_database(bytes, "key-a", 1));  // fewer patterns than it holds
}

TEST(PatternCache, CountsAndIndicesAreCheckedEvenUnderAValidChecksum) {
  std::string good = sigma::cache_file_bytes("k", compiled({"a1", "b2", "c3"}));
  constexpr size_t kCount = 32, kFirstIndex = 40;  // after magic, checksum, key hash
  auto edited = [&](size_t at, uint32_t value, size_t width) {
    std::string b = good;
    std::memcpy(b.data() + at, &value, width);
    sigma::seal_cache_file(b);
    return sigma::cache_file_database(b, "k", 3);
  };
  EXPECT_TRUE(edited(kFirstIndex, 0, 4));               // unchanged
  EXPECT_FALSE(edited(kFirstIndex, 7, 4));              // an index past the patterns (crashed the run)
  EXPECT_FALSE(edited(kFirstIndex + 4, 0, 4));          // indices not ascending
  EXPECT_FALSE(edited(kCount, 1000000, 4));             // a count past the file
  EXPECT_FALSE(edited(kCount, 0, 4));                   // no pattern at all
  std::string cut = good.substr(0, good.size() - 100);  // Hyperscan's bytes cut short
  sigma::seal_cache_file(cut);
  EXPECT_FALSE(sigma::cache_file_database(cut, "k", 3));
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;  // without sealing: the checksum
  EXPECT_FALSE(sigma::cache_file_database(flipped, "k", 3));
}

// A field's earlier keys (where an edited large set finds its database):
// read back as written; a length past the file, a count past the limit, bytes
// left over or a damaged checksum give none.
TEST(PatternCache, AFieldsEarlierKeysAreReadOnlyWhenWhole) {
  const std::vector<std::string> keys = {"m09/4:abcd", std::string("m0\0x", 4)};
  std::string good = sigma::earlier_keys_bytes(keys);
  EXPECT_EQ(sigma::earlier_keys_of(good), keys);
  auto edited = [&](size_t at, uint64_t value) {
    std::string b = good;
    std::memcpy(b.data() + at, &value, 8);
    sigma::seal_cache_file(b);
    return sigma::earlier_keys_of(b);
  };
  constexpr size_t kCount = 16, kFirstLength = 24;  // after magic and checksum
  EXPECT_EQ(edited(kCount, 2), keys);
  EXPECT_FALSE(edited(kCount, 1));                 // bytes left over
  EXPECT_FALSE(edited(kCount, 5));                 // more than kEarlierKeys
  EXPECT_FALSE(edited(kFirstLength, 1u << 30));    // a length past the file
  EXPECT_FALSE(edited(kFirstLength, UINT64_MAX));  // one that wraps
  std::string flipped = good;
  flipped.back() ^= 1;
  EXPECT_FALSE(sigma::earlier_keys_of(flipped));
  // Stored per field, the latest first, at most kEarlierKeys.
  support::TempDir dir("keys");
  sigma::HsCache cache(dir / "c");
  for (int i = 0; i < 6; ++i) cache.add_earlier_key("CommandLine", "key" + std::to_string(i));
  cache.add_earlier_key("CommandLine", "key3");
  EXPECT_EQ(cache.earlier_keys("CommandLine"), (std::vector<std::string>{"key3", "key5", "key4", "key2"}));
  EXPECT_TRUE(cache.earlier_keys("Image").empty());
}

TEST(PatternCache, FilesAreWrittenFreshAndAPlantedLinkIsReplacedNotFollowed) {
  support::TempDir dir("cache");
  fs::path folder = dir / "c";
  sigma::HsCache cache(folder);
  EXPECT_EQ(cache.warning(), "");
  sigma::CachedDb db = compiled({"x1"});
  cache.store("key", db);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);  // no temporary file left
  EXPECT_EQ(fs::status(folder).permissions() & fs::perms::all, fs::perms::owner_all);
  // A link planted where the database goes, to a victim file.
  fs::path victim = dir / "victim";
  std::ofstream(victim) << "precious";
  fs::remove(files[0]);
  fs::create_symlink(victim, files[0]);
  EXPECT_FALSE(cache.load("key", 1));  // never read through the link
  cache.store("key", db);
  EXPECT_EQ(support::read_text(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(files[0]));
  EXPECT_TRUE(cache.load("key", 1));
}

TEST(PatternCache, AFolderOthersCanWriteIsNotUsed) {
  support::TempDir dir("shared");
  fs::path folder = dir / "shared-cache";
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms::all);  // 0777, not sticky
  sigma::HsCache cache(folder);
  EXPECT_NE(cache.warning().find("shared-cache is writable by others (mode 0777): not used"), std::string::npos)
      << cache.warning();
  cache.store("key", compiled({"x1"}));
  EXPECT_TRUE(fs::is_empty(folder));
  // Sticky and ours (as /tmp is root's): used.
  fs::permissions(folder, fs::perms::all | fs::perms::sticky_bit);
  EXPECT_EQ(sigma::HsCache(folder).warning(), "");
  // Through the command: said once, findings as without a cache.
  fs::permissions(folder, fs::perms::all);
  std::string r = rule("contains", "  sel:\n    CommandLine|contains: '/root,'\n  condition: sel\n");
  std::ofstream(dir / "r.yml") << r;
  support::CommandResult res =
      support::run_command("EVTXHUNT_CACHE=" + q(folder.string()) + " " + q(kBinary) + " scan --format jsonl --rules " +
                           q((dir / "r.yml").string()) + " " + q(kExplorer.string()));
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(fired_on(jsonl(res.out), kExplorerRecord), (std::set<std::string>{"contains"}));
  EXPECT_NE(res.err.find("is writable by others (mode 0777): not used (files there could be planted)"),
            std::string::npos)
      << res.err;
}

TEST(SigmaLoading, BadRulesAreNamedAndTheRestRun) {
  std::string rules = rule("good", "  sel:\n    CommandLine|contains: calc\n  condition: sel\n") +
                      rule("bad-modifier", "  sel:\n    CommandLine|sometimes: calc\n  condition: sel\n") +
                      rule("bad-condition", "  sel:\n    CommandLine: calc\n  condition: sel and (\n") +
                      rule("unknown-selection", "  sel:\n    CommandLine: calc\n  condition: other\n") +
                      rule("bad-regex", "  sel:\n    CommandLine|re: '(?<=x)calc'\n  condition: sel\n") +
                      rule("linux", "  sel:\n    CommandLine: calc\n  condition: sel\n",
                           "    category: process_creation\n    product: linux\n");
  std::string err;
  std::vector<json> f = scan(rules, {kExplorer}, &err);
  EXPECT_EQ(fired_on(f, kExplorerRecord), (std::set<std::string>{"good"}));
  EXPECT_NE(err.find("sometimes"), std::string::npos) << err;
  EXPECT_NE(err.find("bad-condition"), std::string::npos) << err;
  EXPECT_NE(err.find("'other'"), std::string::npos) << err;
  EXPECT_NE(err.find("RE2"), std::string::npos) << err;
  EXPECT_NE(err.find("1 Sigma rules"), std::string::npos) << err;
  EXPECT_NE(err.find("4 skipped"), std::string::npos) << err;
  EXPECT_NE(err.find("1 not applicable"), std::string::npos) << err;
  // --strict: the same rules are an error (exit 7).
  support::TempDir tmp("strict");
  std::ofstream(tmp / "r.yml") << rules;
  EXPECT_EQ(run("scan --strict --rules " + q((tmp / "r.yml").string()) + " " + q(kExplorer.string())).exit_code, 7);
}

}  // namespace

namespace {

// Every SigmaHQ rule on the corpus's lateral-movement logs (158 findings on
// 30 hosts) at --memory 1: the findings leave memory once each host is
// replayed (a quarter of the budget: 256 KiB, then a spill file) and are read
// back in the same order as at --memory 512, by host or by time, in every format.
TEST(ScanMemory, FindingsPastMemoryAreReadBackInTheSameOrder) {
  const std::string inputs = " --rules " + q((kSigmaHQ / "rules").string()) + " --rules " +
                             q((fs::path(EVTXHUNT_SOURCE_DIR) / "rules").string()) + " " +
                             q(corpus::attack_sample("Lateral Movement").string());
  for (std::string how : {"-f jsonl", "-f csv --sort time", "-f timesketch --sort time"}) {
    support::CommandResult small = run("scan " + how + " --memory 1" + inputs);
    support::CommandResult roomy = run("scan " + how + " --memory 512" + inputs);
    ASSERT_EQ(small.exit_code, 0) << small.err;
    EXPECT_GE(support::split_lines(small.out).size(), 150u) << how;
    EXPECT_EQ(small.out, roomy.out) << how;
    EXPECT_NE(small.err.find("findings past memory: "), std::string::npos) << small.err;
    EXPECT_EQ(roomy.err.find("findings past memory: "), std::string::npos) << roomy.err;
  }
  support::CommandResult pivot_small = run("pivot --memory 1" + inputs),
                         pivot_roomy = run("pivot --memory 512" + inputs);
  EXPECT_EQ(pivot_small.out, pivot_roomy.out);
}

}  // namespace

namespace {

// Every SigmaHQ rule: the second run takes the parsed files from the cache
// (one rules-*.bin for the set) and gives the same rule list and findings;
// editing one rule file parses the set again.
TEST(SigmaLoading, ParsedRuleFilesKeptBetweenRunsGiveTheSameRulesAndFindings) {
  support::TempDir cache("rule-cache"), rules("rule-copy");
  fs::copy(kSigmaHQ / "rules" / "windows" / "process_creation", rules / "pc", fs::copy_options::recursive);
  const std::string env = "EVTXHUNT_CACHE=" + q(cache.path().string()) + " ";
  const std::string list = "rules list -f jsonl --rules " + q(rules.path().string());
  const std::string scan =
      "scan -f jsonl --rules " + q(rules.path().string()) + " " + q(corpus::attack_sample("Lateral Movement").string());
  auto with = [&](const std::string& e, const std::string& args) {
    support::CommandResult r = support::run_command(e + q(kBinary) + " " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  auto slots = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(cache.path()))
      n += e.path().filename().string().rfind("rules-", 0) == 0;
    return n;
  };
  std::string listed = with(env, list), found = with(env, scan);
  EXPECT_GT(support::split_lines(listed).size(), 1000u);
  EXPECT_GT(support::split_lines(found).size(), 10u);
  EXPECT_EQ(slots(), 1u);
  EXPECT_EQ(with(env, list), listed);  // from the cache
  EXPECT_EQ(with(env, scan), found);
  EXPECT_EQ(with("EVTXHUNT_CACHE=off ", list), listed);
  // One rule edited: its new title is listed (the set is parsed again).
  fs::path one;
  for (const auto& e : fs::recursive_directory_iterator(rules.path()))
    if (e.path().extension() == ".yml") one = e.path();
  std::string text = support::read_text(one);
  size_t at = text.find("title: ");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 7, "EDITED ");
  std::ofstream(one, std::ios::trunc) << text;
  EXPECT_NE(with(env, list).find("\"title\":\"EDITED "), std::string::npos);
  EXPECT_EQ(slots(), 1u);  // the set's slot, replaced
}

}  // namespace
