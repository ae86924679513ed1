// scan --report: the HTML report's data (parsed from the page) and the page in
// headless Chromium (Debian's chromium, installed by scripts/setup.sh): it
// loads without script errors, shows the finding and its chain, and text from
// the logs that looks like markup stays text.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "report/report.h"
#include "support/command.h"
#include "support/corpus.h"
#include "support/files.h"
#include "support/json.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using support::Json;
using support::shell_quote;

const fs::path kSource = EVTXHUNT_SOURCE_DIR;
const char* kDataOpen = "<script type=\"application/json\" id=\"data\">";

// The data document inside a report page.
Json report_data(const std::string& page) {
  size_t begin = page.find(kDataOpen);
  EXPECT_NE(begin, std::string::npos);
  begin += std::string(kDataOpen).size();
  size_t end = page.find("</script>", begin);
  std::string error;
  std::optional<Json> j = support::parse_json<Json>(std::string_view(page).substr(begin, end - begin), &error);
  EXPECT_TRUE(j) << error;
  return j ? *j : Json();
}

// The number (#finding=N) of the first finding of a rule that carries its chain.
int mark_of(const Json& data, const std::string& rule_id) {
  for (size_t k = 0; k < data["marks"].size(); ++k) {
    const Json& m = data["marks"][k];
    if (data["rules"][m[3].get<size_t>()]["id"] == rule_id && m[4].get<int>() >= 0) return static_cast<int>(k);
  }
  return -1;
}

// The chain of finding `mark`.
const Json& chain_of(const Json& data, int mark) {
  return data["details"][data["marks"][static_cast<size_t>(mark)][4].get<size_t>()];
}

// A chain step's text field (its strings are named by index), "" when absent.
std::string step_text(const Json& data, const Json& step, const std::string& key) {
  if (!step["t"].contains(key)) return {};
  return data["strings"][step["t"][key].get<size_t>()].get<std::string>();
}

// `evtxhunt scan` of `input` with its report written to `page`.
support::CommandResult scan_with_report(const fs::path& input, const fs::path& page) {
  return support::run_evtxhunt("scan -q -f jsonl --report " + shell_quote(page.string()) + " " +
                               shell_quote(input.string()));
}

// tests/scenarios/dcom/basic_chain.xml with the DCOM server's first child's
// command line replaced by `command_line` (XML text, escaped as written).
std::string chain_with_command_line(const std::string& command_line) {
  std::string xml = support::read_text(kSource / "tests/scenarios/dcom/basic_chain.xml");
  const std::string child = "<Data Name=\"CommandLine\">cmd.exe /Q /c whoami</Data>";
  size_t at = xml.find(child);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) xml.replace(at, child.size(), "<Data Name=\"CommandLine\">" + command_line + "</Data>");
  return xml;
}

std::string chromium() {
  for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(c)) return c;
  return {};
}

// The DOM after the page's script ran (--dump-dom), for `page` opened at `hash`.
std::string rendered_dom(const fs::path& page, const std::string& hash) {
  std::string browser = chromium();
  if (browser.empty()) return {};
  // --enable-logging: the console's messages (an uncaught error among them) on stderr.
  support::CommandResult r = support::run_command(
      "timeout 120 " + browser + " --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --dump-dom " +
      shell_quote("file://" + fs::absolute(page).string() + hash));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Uncaught"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Refused to"), std::string::npos) << r.err;  // a request the page's policy blocked
  return r.out;
}

// Scans `input` with --report `page`, opens the page at the seed rule's
// finding and returns the DOM after the script ran (empty on failure); seed
// is that finding's index. Checks the script finished without an error.
std::string open_seed_chain(const fs::path& input, const fs::path& page, int& seed) {
  support::CommandResult r = scan_with_report(input, page);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  seed = mark_of(report_data(support::read_text(page)), "ff-t1021.003-dcom");
  EXPECT_GE(seed, 0);
  if (r.exit_code != 0 || seed < 0) return {};
  std::string dom = rendered_dom(page, "#finding=" + std::to_string(seed));
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
  EXPECT_EQ(dom.find("id=\"report-error\""), std::string::npos) << dom.substr(0, 2000);
  return dom;
}

TEST(Report, SamplesTriageData) {
  support::TempDir tmp("report");
  fs::path page = tmp / "report.html";
  support::CommandResult r = scan_with_report(kSource / "samples/triage", page);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = support::read_text(page);
  // One file, nothing fetched: no external script, style, image or link (the
  // rules' reference URLs are text), and the page's policy forbids any request.
  for (const char* external : {"<link", " src=", "@import", "url(http", "url(//"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  EXPECT_NE(html.find("content=\"default-src 'none';"), std::string::npos);
  Json d = report_data(html);
  EXPECT_EQ(d["command"], "scan");
  EXPECT_EQ(d["stats"]["findings"], 7);  // the timeline's six and the KQL rule's (scan runs .kql rules)
  EXPECT_EQ(d["stats"]["evtx_files"], 9);
  EXPECT_EQ(d["stats"]["records"], 463);
  std::vector<std::string> hosts;
  for (const Json& h : d["hosts"]) hosts.push_back(h["key"]);
  EXPECT_EQ(hosts, (std::vector<std::string>{"dc01.corp.local", "ws01.corp.local", "ws02.corp.local"}));
  // Every record with a time is in its host's volume.
  int64_t charted = 0;
  for (const Json& h : d["hosts"])
    for (const Json& n : h["volume"]) charted += n.get<int64_t>();
  EXPECT_EQ(charted, 463);
  // The seed rule's finding: its chain of five steps, the DCOM server and its
  // three children hanging under it by process id.
  int seed = mark_of(d, "ff-t1021.003-dcom");
  ASSERT_GE(seed, 0);
  const Json& chain = chain_of(d, seed)["steps"];
  ASSERT_EQ(chain.size(), 5u);
  EXPECT_EQ(step_text(d, chain[0], "stage"), "rpc");
  EXPECT_EQ(step_text(d, chain[1], "image"), "mmc.exe");
  EXPECT_EQ(chain[1]["n"]["pid"], 4416);
  std::vector<std::string> children;
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(chain[i]["n"]["parent_pid"], 4416);
    EXPECT_EQ(step_text(d, chain[i], "parent_puid"), step_text(d, chain[1], "puid"));
    children.push_back(step_text(d, chain[i], "cmd"));
  }
  EXPECT_EQ(children,
            (std::vector<std::string>{"\"C:\\Windows\\system32\\cmd.exe\" /c whoami",
                                      "\"C:\\Windows\\system32\\cmd.exe\" /c ipconfig /all",
                                      "\"C:\\Windows\\system32\\cmd.exe\" /c net group \"domain admins\" /domain"}));
  // Each step carries its record's key fields (name, value; as `scan` writes "details").
  std::map<std::string, std::string> key_fields;
  const Json& kv = chain[2]["d"];
  for (size_t i = 0; i + 1 < kv.size(); i += 2)
    key_fields[d["strings"][kv[i].get<size_t>()]] = d["strings"][kv[i + 1].get<size_t>()];
  EXPECT_EQ(key_fields["CommandLine"], "\"C:\\Windows\\system32\\cmd.exe\" /c whoami");
  EXPECT_EQ(key_fields["ParentImage"], "C:\\Windows\\System32\\mmc.exe");
  // The movement: WS02 to WS01, three rules' findings linked to their source end.
  ASSERT_EQ(d["movements"].size(), 3u);
  for (const Json& m : d["movements"]) {
    EXPECT_EQ(d["hosts"][m["from"].get<size_t>()]["key"], "ws02.corp.local");
    EXPECT_EQ(d["hosts"][m["to"].get<size_t>()]["key"], "ws01.corp.local");
    EXPECT_EQ(m["process"], "powershell.exe (PID 6240)");
  }
  // Rule metadata travels with the findings.
  for (const Json& rule : d["rules"])
    if (rule["id"] == "ff-t1021.003-dcom") {
      EXPECT_EQ(rule["techniques"], Json::array({"T1021.003"}));
      EXPECT_FALSE(rule["false_positives"].empty());
    }
}

TEST(Report, TimelineWritesOneToo) {
  support::TempDir tmp("report-timeline");
  fs::path page = tmp / "report.html";
  support::CommandResult r =
      support::run_evtxhunt("timeline -q -f jsonl -o " + shell_quote((tmp / "rows.jsonl").string()) + " --report " +
                            shell_quote(page.string()) + " " + shell_quote((kSource / "samples/triage").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json d = report_data(support::read_text(page));
  EXPECT_EQ(d["command"], "timeline");
  EXPECT_EQ(d["stats"]["findings"], 6);
  EXPECT_EQ(d["movements"].size(), 3u);
}

// The logs' integrity (evtxhunt metrics' checks) as a section: the cleared
// Security log of the spray sample (1102, EventRecordID 887106) and the
// cleared System log of DE_104_system_log_cleared (104, #27736).
TEST(Report, LogIntegritySection) {
  support::TempDir tmp("report-integrity");
  fs::path page = tmp / "report.html";
  const fs::path spray = corpus::attack_sample("Credential Access/kerberos_pwd_spray_4771.evtx");
  const fs::path system = corpus::attack_sample("Defense Evasion/DE_104_system_log_cleared.evtx");
  support::CommandResult r = support::run_evtxhunt("scan -q -f jsonl -o " + shell_quote((tmp / "f.jsonl").string()) +
                                                   " --report " + shell_quote(page.string()) + " " +
                                                   shell_quote(spray.string()) + " " + shell_quote(system.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json d = report_data(support::read_text(page));
  std::map<int64_t, std::string> cleared;
  for (const Json& i : d["integrity"]["issues"])
    if (i["kind"] == "log_cleared") cleared[i["record"].get<int64_t>()] = i["details"].get<std::string>();
  ASSERT_EQ(cleared.size(), 2u);
  EXPECT_EQ(cleared[887106].rfind("the Security log was cleared; SubjectUserName: a-jbrown;", 0), 0u)
      << cleared[887106];
  EXPECT_EQ(cleared[27736],
            "an event log was cleared; SubjectUserName: user01; SubjectDomainName: EXAMPLE; Channel: System");
}

TEST(Report, NeedsAFileOfItsOwn) {
  support::TempDir tmp("report-refused");
  std::string input = shell_quote((kSource / "samples/triage").string());
  support::CommandResult to_stdout = support::run_evtxhunt("scan -q -f jsonl --report - " + input);
  EXPECT_EQ(to_stdout.exit_code, 6) << to_stdout.err;
  EXPECT_NE(to_stdout.err.find("--report: needs a file of its own, not stdout"), std::string::npos) << to_stdout.err;
  std::string out = shell_quote((tmp / "same.html").string());
  support::CommandResult same = support::run_evtxhunt("scan -q -f jsonl -o " + out + " --report " + out + " " + input);
  EXPECT_EQ(same.exit_code, 6) << same.err;
  EXPECT_FALSE(fs::exists(tmp / "same.html"));
  // An input file, even one found inside a folder given, is never overwritten
  // by the report (a copy: a regression must not damage the samples).
  fs::create_directory(tmp / "evidence");
  fs::path log = tmp / "evidence" / "Security.evtx";
  fs::copy_file(kSource / "samples/triage/WS01/C/Windows/System32/winevt/Logs/Security.evtx", log);
  std::vector<uint8_t> before = support::read_bytes(log);
  support::CommandResult over = scan_with_report(tmp / "evidence", log);
  EXPECT_EQ(over.exit_code, 6) << over.err;
  EXPECT_NE(over.err.find("is one of the inputs; refusing to overwrite evidence"), std::string::npos) << over.err;
  EXPECT_EQ(support::read_bytes(log), before);
}

TEST(Report, HostileTextInTheDataCannotCloseTheScript) {
  // A command line ending the data element would let the rest run as markup.
  support::TempDir tmp("report-data");
  support::write_text(
      tmp / "hostile.xml",
      chain_with_command_line("&lt;/script&gt;&lt;script&gt;document.body.setAttribute('data-pwned','1')"
                              "&lt;/script&gt; &amp;amp; &lt;!-- "));
  fs::path page = tmp / "report.html";
  support::CommandResult r = scan_with_report(tmp / "hostile.xml", page);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = support::read_text(page);
  size_t data = html.find(kDataOpen);
  ASSERT_NE(data, std::string::npos);
  size_t data_end = html.find("</script>", data);
  std::string island = html.substr(data, data_end - data);
  EXPECT_EQ(island.find('<', 1), std::string::npos);  // only the opening tag's own '<'
  Json d = report_data(html);
  int seed = mark_of(d, "ff-t1021.003-dcom");
  ASSERT_GE(seed, 0);
  EXPECT_EQ(step_text(d, chain_of(d, seed)["steps"][2], "cmd"),
            "</script><script>document.body.setAttribute('data-pwned','1')</script> &amp; <!-- ");
}

// 2024-03-12T00:00:00Z.
constexpr normalize::Ticks kMarch12 = (1710201600 + 11644473600LL) * normalize::kTicksPerSecond;

// An evidence step: a process event of `image` running `cmd`, with its key fields.
replay::EvidenceStep step(const std::string& stage, normalize::Ticks t, const std::string& image,
                          const std::string& cmd, std::vector<std::pair<std::string, std::string>> details) {
  auto e = std::make_shared<normalize::NormalizedEvent>();
  e->table = normalize::Table::Process;
  (*e)[normalize::Field::Timestamp] = normalize::FieldValue::time(t);
  (*e)[normalize::Field::FileName] = normalize::FieldValue::str(image);
  (*e)[normalize::Field::ProcessCommandLine] = normalize::FieldValue::str(cmd);
  (*e)[normalize::Field::SourceFile] =
      normalize::FieldValue::str("C:/triage/WS01/Microsoft-Windows-Sysmon%4Operational.evtx");
  (*e)[normalize::Field::EventRecordID] = normalize::FieldValue::integer(52000);
  return {stage, e, 0, std::move(details)};
}

replay::Finding finding(const std::string& rule, rules::Level level, const std::string& host, normalize::Ticks t) {
  replay::Finding f;
  f.rule_id = rule;
  f.title = "Title of " + rule;
  f.level = level;
  f.device_name = host;
  f.timestamp = t;
  return f;
}

std::string render(const std::vector<replay::Finding>& findings) {
  pipeline::Evidence ev{store::StoreOptions{}};
  report::ReportInput in;
  in.command = "scan";
  in.evidence = &ev;
  in.findings = &findings;
  return report::render_html(in);
}

// 100,000 findings of five-step chains on 50 hosts, two rules, 1,000 of them
// high or critical.
std::vector<replay::Finding> hundred_thousand_findings() {
  std::vector<replay::Finding> findings;
  std::vector<replay::EvidenceStep> chain;  // the events shared (cheap to build)
  for (int n = 0; n < 5; ++n)
    chain.push_back(
        step(n ? "child" : "dcom", kMarch12 + n, "cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" /c whoami", {}));
  for (int i = 0; i < 100000; ++i) {
    rules::Level level = i % 1000 == 0  ? rules::Level::Critical
                         : i % 100 == 0 ? rules::Level::High
                         : i % 2        ? rules::Level::Medium
                                        : rules::Level::Low;
    replay::Finding f = finding(i % 3 ? "ff-t1021.003-dcom" : "dcom-mmc20-application", level,
                                "WS" + std::to_string(i % 50) + ".corp.local",
                                kMarch12 + static_cast<normalize::Ticks>(i) * normalize::kTicksPerSecond);
    f.evidence = chain;
    f.evidence[0].details = {{"CommandLine", "cmd.exe /c whoami"}, {"ProcessId", std::to_string(4000 + i % 5000)}};
    findings.push_back(std::move(f));
  }
  return findings;
}

// The page stays a few MB and says what it left out: the list in level, then
// time order; every high and critical finding with its chain, the others' up
// to kChainBytes; each rule's findings on a host one group.
TEST(Report, HundredThousandFindingsStayAFewMegabytes) {
  std::vector<replay::Finding> findings = hundred_thousand_findings();
  std::string page = render(findings);
  EXPECT_LT(page.size(), 8u << 20) << page.size();
  std::printf("report of 100,000 findings: %zu bytes\n", page.size());
  Json d = report_data(page);
  EXPECT_EQ(d["stats"]["findings"], 100000);
  ASSERT_EQ(d["marks"].size(), report::kMarkedFindings);
  size_t urgent = 0, with_chain = 0, below_high_with_chain = 0;
  for (size_t k = 0; k < d["marks"].size(); ++k) {
    const Json& m = d["marks"][k];
    if (k > 0) {  // level, then time
      const Json& p = d["marks"][k - 1];
      ASSERT_GE(p[2].get<int>(), m[2].get<int>()) << k;
      if (p[2] == m[2]) {
        ASSERT_LE(p[1].get<int64_t>(), m[1].get<int64_t>()) << k;
      }
    }
    bool chained = m[4].get<int>() >= 0;
    if (m[2].get<int>() >= static_cast<int>(rules::Level::High)) {
      ++urgent;
      EXPECT_TRUE(chained) << k;
    } else if (chained) {
      ++below_high_with_chain;
    }
    if (chained) {
      EXPECT_EQ(d["details"][m[4].get<size_t>()]["mark"], k);
      ++with_chain;
    }
    EXPECT_GE(m[5].get<int>(), 0) << k;  // every (host, rule) fired 1,000 times or so
  }
  EXPECT_EQ(urgent, 1000u);
  EXPECT_GT(below_high_with_chain, 1000u);  // the others' share, up to kChainBytes
  EXPECT_LT(with_chain, 100000u);
  EXPECT_EQ(d["details"].size(), with_chain);
  // The first: the earliest critical one (finding 0 of the scan's order).
  EXPECT_EQ(d["marks"][0][2], static_cast<int>(rules::Level::Critical));
  EXPECT_EQ(d["marks"][0][6], 0);
  // The chain's steps carry their key fields.
  const Json& first = chain_of(d, 0)["steps"][0];
  EXPECT_EQ(step_text(d, first, "cmd"), "\"C:\\Windows\\system32\\cmd.exe\" /c whoami");
  ASSERT_EQ(first["d"].size(), 4u);
  EXPECT_EQ(d["strings"][first["d"][0].get<size_t>()], "CommandLine");
  EXPECT_EQ(d["strings"][first["d"][3].get<size_t>()], "4000");
  // 50 hosts x 2 rules: 100 groups holding every finding.
  ASSERT_EQ(d["groups"].size(), 100u);
  int64_t grouped = 0;
  for (const Json& g : d["groups"]) {
    EXPECT_GT(g["count"].get<size_t>(), report::kGroupFindings);
    grouped += g["count"].get<int64_t>();
  }
  EXPECT_EQ(grouped, 100000);
  EXPECT_EQ(d["by_rule"].size(), 2u);
  ASSERT_EQ(d["notes"].size(), 1u);
  EXPECT_NE(d["notes"][0].get<std::string>().find(std::to_string(100000 - with_chain) +
                                                  " findings below high carry no evidence chain here"),
            std::string::npos)
      << d["notes"][0];
}

// The list's order, the chains and the groups on a small run, value by value.
TEST(Report, ListOrderChainsAndNoisyGroups) {
  std::vector<replay::Finding> findings;
  // In the scan's order (host, then time).
  for (int i = 0; i < 60; ++i)  // 60 > kGroupFindings: one group
    findings.push_back(finding("noisy", rules::Level::Low, "A.corp.local", kMarch12 + i * normalize::kTicksPerSecond));
  findings.push_back(
      finding("lateral", rules::Level::High, "A.corp.local", kMarch12 + 100 * normalize::kTicksPerSecond));
  findings.back().evidence.push_back(
      step("logon", kMarch12, "svchost.exe", "svchost.exe -k netsvcs", {{"TargetUserName", "eve"}}));
  for (int i = 0; i < 50; ++i)  // exactly kGroupFindings: no group
    findings.push_back(finding("noisy", rules::Level::Low, "B.corp.local", kMarch12 + i * normalize::kTicksPerSecond));
  findings.push_back(
      finding("dcom", rules::Level::Critical, "C.corp.local", kMarch12 + 500 * normalize::kTicksPerSecond));
  findings.push_back(finding("info", rules::Level::Informational, "C.corp.local", kMarch12));
  Json d = report_data(render(findings));
  ASSERT_EQ(d["marks"].size(), 113u);
  // Critical, high, then the 110 low ones by time (A's and B's interleaved), then the informational one.
  EXPECT_EQ(d["marks"][0][6], 111);
  EXPECT_EQ(d["marks"][1][6], 60);
  EXPECT_EQ(d["marks"][2][6], 0);   // A at 0 s
  EXPECT_EQ(d["marks"][3][6], 61);  // B at 0 s
  EXPECT_EQ(d["marks"][112][6], 112);
  for (size_t k = 2; k < 112; ++k) EXPECT_EQ(d["marks"][k][2], static_cast<int>(rules::Level::Low));
  // Every finding carries its chain here (far under kChainBytes); the high one's step its key field.
  for (const Json& m : d["marks"]) EXPECT_GE(m[4].get<int>(), 0);
  const Json& logon = chain_of(d, 1)["steps"][0];
  EXPECT_EQ(step_text(d, logon, "image"), "svchost.exe");
  EXPECT_EQ(d["strings"][logon["d"][0].get<size_t>()], "TargetUserName");
  EXPECT_EQ(d["strings"][logon["d"][1].get<size_t>()], "eve");
  // One group: noisy on A, 60 findings over the first minute.
  ASSERT_EQ(d["groups"].size(), 1u);
  const Json& g = d["groups"][0];
  EXPECT_EQ(g["count"], 60);
  EXPECT_EQ(g["host_name"], "A.corp.local");
  EXPECT_EQ(d["rules"][g["rule"].get<size_t>()]["id"], "noisy");
  EXPECT_EQ(g["first"], "2024-03-12T00:00:00.0000000Z");
  EXPECT_EQ(g["last"], "2024-03-12T00:00:59.0000000Z");
  size_t in_group = 0;
  for (const Json& m : d["marks"]) in_group += m[5].get<int>() == 0;
  EXPECT_EQ(in_group, 60u);
  EXPECT_TRUE(d["notes"].empty()) << d["notes"];
}

TEST(ReportInBrowser, SamplesTriageLoadsAndShowsTheChain) {
  ASSERT_FALSE(chromium().empty()) << "chromium not installed (scripts/setup.sh installs it)";
  support::TempDir tmp("report-browser");
  fs::path page = tmp / "report.html";
  int seed = -1;
  std::string dom = open_seed_chain(kSource / "samples/triage", page, seed);
  ASSERT_FALSE(dom.empty());
  EXPECT_NE(dom.find("DCOM lateral movement (FalconFriday T1021.003)"), std::string::npos);
  for (const char* child :
       {"\"C:\\Windows\\system32\\cmd.exe\" /c whoami", "\"C:\\Windows\\system32\\cmd.exe\" /c ipconfig /all",
        "\"C:\\Windows\\system32\\cmd.exe\" /c net group \"domain admins\" /domain"})
    EXPECT_NE(dom.find(std::string("<code>") + child + "</code>"), std::string::npos) << child;
  EXPECT_NE(dom.find("ws02.corp.local"), std::string::npos);
  EXPECT_NE(dom.find("<h2>Log integrity</h2>"), std::string::npos);
  // A screenshot beside the test binary, for a person to look at.
  fs::path shot = fs::absolute("report-samples-triage.png");
  std::error_code ec;
  fs::remove(shot, ec);
  support::CommandResult s =
      support::run_command("timeout 120 " + chromium() +
                           " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,2400 " +
                           "--screenshot=" + shell_quote(shot.string()) + " " +
                           shell_quote("file://" + fs::absolute(page).string() + "#finding=" + std::to_string(seed)));
  EXPECT_EQ(s.exit_code, 0) << s.err;
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 10000u);
}

TEST(ReportInBrowser, MarkupInTheLogsStaysText) {
  ASSERT_FALSE(chromium().empty()) << "chromium not installed (scripts/setup.sh installs it)";
  support::TempDir tmp("report-hostile");
  const std::string command_line =
      "&lt;script&gt;alert(1)&lt;/script&gt;&lt;script&gt;document.body.setAttribute('data-pwned','script')"
      "&lt;/script&gt;";
  std::string xml = chain_with_command_line(command_line);
  const std::string user = "<Data Name=\"User\">CORP\\admin</Data>";
  size_t at = xml.find(user, xml.find(command_line));
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, user.size(),
              "<Data Name=\"User\">\"&gt;&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"&gt;"
              "</Data>");
  support::write_text(tmp / "hostile.xml", xml);
  fs::path page = tmp / "report.html";
  int seed = -1;
  std::string dom = open_seed_chain(tmp / "hostile.xml", page, seed);
  ASSERT_FALSE(dom.empty());
  // The payloads' text holds "data-pwned"; run, they would set it as an attribute.
  EXPECT_EQ(dom.find("data-pwned=\""), std::string::npos) << "text from the logs ran as markup";
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  // Shown, as text.
  EXPECT_NE(dom.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("&lt;img src=x onerror="), std::string::npos);
}

}  // namespace

// Any report opens in seconds: 100,000 hosts (29 MB that never finished
// drawing before) and 64 KiB host names on 200 findings (58 MB). The page
// draws the 1,000 hosts that matter most and counts the others; names are cut
// with their length stated.
TEST(ReportInBrowser, HundredThousandHostsAndHugeNamesOpen) {
  ASSERT_FALSE(chromium().empty()) << "chromium not installed (scripts/setup.sh installs it)";
  support::TempDir tmp("report-many");
  {
    std::string xml = "<Events>\n";
    for (int i = 0; i < 100000; ++i)
      xml +=
          "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
          "Name=\"Microsoft-Windows-Security-Auditing\"/><EventID>4624</EventID><TimeCreated "
          "SystemTime=\"2024-03-12T10:00:00Z\"/><EventRecordID>" +
          std::to_string(i) + "</EventRecordID><Channel>Security</Channel><Computer>host" + std::to_string(i) +
          ".corp.local</Computer></System><EventData><Data Name=\"LogonType\">3</Data></EventData></Event>\n";
    support::write_text(tmp / "forwarded.xml", xml + "</Events>\n");
  }
  fs::path page = tmp / "many.html";
  support::CommandResult r = scan_with_report(tmp / "forwarded.xml", page);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = support::read_text(page);
  EXPECT_LT(html.size(), 8u << 20) << html.size();
  Json d = report_data(html);
  EXPECT_EQ(d["hosts"].size(), report::kListedHosts);
  EXPECT_EQ(d["stats"]["hosts"], 100000);
  std::string dom = rendered_dom(page, "");
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
  EXPECT_NE(dom.find("100000 hosts: the 1000 with findings"), std::string::npos);

  pipeline::Evidence ev{store::StoreOptions{}};
  std::vector<replay::Finding> findings;
  for (int i = 0; i < 200; ++i) {
    replay::Finding f;
    f.rule_id = "r";
    f.title = "t";
    f.device_name = std::string(65536, static_cast<char>('a' + i % 26));
    f.timestamp = 133'550'000'000'000'000 + i;
    findings.push_back(std::move(f));
  }
  report::ReportInput in;
  in.command = "scan";
  in.evidence = &ev;
  in.findings = &findings;
  std::string big = report::render_html(in);
  EXPECT_LT(big.size(), 2u << 20) << big.size();
  EXPECT_NE(big.find("aaaa \xE2\x80\xA6 (65536 bytes)"), std::string::npos);
  support::write_text(tmp / "names.html", big);
  dom = rendered_dom(tmp / "names.html", "");
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
}

// More than 5,000 findings, the list drawing its first 5,000 rows: a finding
// past them opens (#finding=N) with its chain and key fields, a noisy rule's
// group expands to the finding asked for, and the chart zooms (#zoom=) to bars
// of 5 minutes, filtering the list together with the level filter.
TEST(ReportInBrowser, SixThousandFindingsOpenZoomAndFilter) {
  ASSERT_FALSE(chromium().empty()) << "chromium not installed (scripts/setup.sh installs it)";
  std::vector<replay::Finding> findings;
  // 6,000 findings a minute apart on 150 hosts, 20 per host and rule (no group).
  for (int i = 0; i < 6000; ++i) {
    rules::Level level = i % 500 == 0  ? rules::Level::Critical
                         : i % 50 == 0 ? rules::Level::High
                         : i % 5 == 0  ? rules::Level::Medium
                                       : rules::Level::Low;
    findings.push_back(finding((i / 150) % 2 ? "spread-b" : "spread-a", level,
                               "WS" + std::to_string(i % 150) + ".corp.local",
                               kMarch12 + static_cast<normalize::Ticks>(i) * 60 * normalize::kTicksPerSecond));
    findings.back().evidence.push_back(step("run", findings.back().timestamp, "cmd.exe",
                                            "cmd.exe /c echo " + std::to_string(i),
                                            {{"CommandLine", "cmd.exe /c echo " + std::to_string(i)}}));
  }
  // 400 of one rule on WS7, 30 s apart: one group.
  for (int j = 0; j < 400; ++j) {
    findings.push_back(finding("noisy-logon", rules::Level::Informational, "WS7.corp.local",
                               kMarch12 + static_cast<normalize::Ticks>(j) * 30 * normalize::kTicksPerSecond));
    findings.back().evidence.push_back(
        step("logon", findings.back().timestamp, "lsass.exe", "", {{"TargetUserName", "svc" + std::to_string(j)}}));
  }
  // The last of the list: informational, the latest, alone on its host.
  replay::Finding last =
      finding("lonely", rules::Level::Informational, "LAST-HOST.corp.local", kMarch12 + 120 * pipeline::kTicksPerHour);
  last.title = "Lonely logon on the last host";
  last.evidence.push_back(step("logon", last.timestamp, "winlogon.exe", "winlogon.exe",
                               {{"TargetUserName", "eve"}, {"IpAddress", "10.9.8.7"}}));
  last.evidence.push_back(step("run", last.timestamp + normalize::kTicksPerSecond, "whoami.exe", "whoami /all",
                               {{"ParentImage", "C:\\Windows\\explorer.exe"}}));
  findings.push_back(last);

  support::TempDir tmp("report-six-thousand");
  fs::path page = tmp / "report.html";
  std::string html = render(findings);
  support::write_text(page, html);
  std::printf("report of %zu findings: %zu bytes\n", findings.size(), html.size());
  Json d = report_data(html);
  ASSERT_EQ(d["marks"].size(), 6401u);
  ASSERT_EQ(d["groups"].size(), 1u);
  EXPECT_EQ(d["marks"][6400][6], 6400);  // the lonely one: the scan's last, the list's last
  for (size_t k = 6000; k < 6400; ++k) ASSERT_EQ(d["marks"][k][5], 0) << k;

  // The status line of the list, for a failure's message.
  auto status = [](const std::string& dom) {
    size_t at = dom.find("id=\"list-status\"");
    return at == std::string::npos ? std::string("(no status)") : dom.substr(at, 300);
  };

  // Finding 6400: row 6,002 of the list, past the 5,000 drawn; shown at the top with its chain.
  std::string dom = rendered_dom(page, "#finding=6400");
  ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
  EXPECT_EQ(dom.find("id=\"report-error\""), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("6,401 of 6,401 findings match; 5,000 rows drawn (5,000 findings, 0 noisy groups, 0 collapsed); "
                     "1,002 more rows not drawn"),
            std::string::npos)
      << status(dom);
  EXPECT_NE(dom.find("class=\"finding pinned open\" data-mark=\"6400\""), std::string::npos);
  size_t detail = dom.find("id=\"finding-detail\" data-mark=\"6400\"");
  ASSERT_NE(detail, std::string::npos);
  std::string box = dom.substr(detail, dom.find("</td>", detail) - detail);
  EXPECT_NE(box.find("<h3>Lonely logon on the last host</h3>"), std::string::npos) << box;
  EXPECT_NE(box.find("rule lonely (?), confidence high, host LAST-HOST.corp.local, 2024-03-17T00:00:00.0000000Z"),
            std::string::npos)
      << box;
  EXPECT_NE(box.find("<b>TargetUserName: </b><code>eve</code>"), std::string::npos) << box;
  EXPECT_NE(box.find("<b>IpAddress: </b><code>10.9.8.7</code>"), std::string::npos) << box;
  EXPECT_NE(box.find("<b>ParentImage: </b><code>C:\\Windows\\explorer.exe</code>"), std::string::npos) << box;
  EXPECT_NE(box.find("<code>whoami /all</code>"), std::string::npos) << box;
  // The whole run, 120 hours: one bar = 30 minutes.
  EXPECT_NE(dom.find("whole run 2024-03-12T00:00Z .. 2024-03-17T00:00Z \xC2\xB7 one bar = 30 min (records: per 1 h)"),
            std::string::npos);

  // Finding 6100, the 101st of the noisy group: the rule filter draws the
  // group's row, which opens to its findings (up to 500 drawn), 6100 among them.
  dom = rendered_dom(page, "#rule=noisy-logon&finding=6100");
  ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
  EXPECT_NE(dom.find("\xE2\x96\xBE noisy-logon on ws7.corp.local: 400 findings (2024-03-12T00:00:00.000Z .. "
                     "2024-03-12T03:19:30.000Z)"),
            std::string::npos);
  EXPECT_NE(dom.find("class=\"finding member open\" data-mark=\"6100\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"finding-detail\" data-mark=\"6100\""), std::string::npos);
  EXPECT_NE(dom.find("<b>TargetUserName: </b><code>svc100</code>"), std::string::npos);
  EXPECT_NE(dom.find("400 of 6,401 findings match; 401 rows drawn (400 findings, 1 noisy groups, 0 collapsed)"),
            std::string::npos)
      << status(dom);
  EXPECT_EQ(dom.find("class=\"finding pinned"), std::string::npos);

  // Zoomed to the first day with level medium or higher: the findings every
  // 5 minutes, a bar each; finding 6400, outside both, still opens.
  size_t expected = 0;
  for (const replay::Finding& f : findings)
    expected += f.level >= rules::Level::Medium && f.timestamp <= kMarch12 + 24 * pipeline::kTicksPerHour;
  ASSERT_EQ(expected, 289u);
  dom = rendered_dom(page, "#zoom=2024-03-12T00:00:00Z,2024-03-13T00:00:00Z&level=medium&finding=6400");
  ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
  EXPECT_NE(dom.find("zoomed to 2024-03-12T00:00Z .. 2024-03-13T00:00Z \xC2\xB7 one bar = 5 min (records: per 1 h)"),
            std::string::npos);
  EXPECT_NE(dom.find(">one bar = 5 min (records: per 1 h)</text>"), std::string::npos);
  EXPECT_NE(dom.find("289 of 6,401 findings match in 2024-03-12T00:00Z .. 2024-03-13T00:00Z; 289 rows drawn (289 "
                     "findings, 0 noisy groups, 0 collapsed)"),
            std::string::npos)
      << status(dom);
  size_t dots = 0;
  for (size_t at = dom.find("<circle"); at != std::string::npos; at = dom.find("<circle", at + 1)) ++dots;
  EXPECT_EQ(dots, 289u);
  EXPECT_NE(dom.find("class=\"finding pinned open\" data-mark=\"6400\""), std::string::npos);
  EXPECT_NE(dom.find("<b>TargetUserName: </b><code>eve</code>"), std::string::npos);
}

// A finding past the chains' bound says where its chain is.
TEST(ReportInBrowser, AFindingWithoutItsChainSaysWhereItIs) {
  ASSERT_FALSE(chromium().empty()) << "chromium not installed (scripts/setup.sh installs it)";
  std::vector<replay::Finding> findings;
  const std::string filler(4096, 'x');  // 1,200 chains of 4 KiB: past kChainBytes
  for (int i = 0; i < 1200; ++i) {
    findings.push_back(finding("big", rules::Level::Low, "WS1.corp.local", kMarch12 + i * normalize::kTicksPerSecond));
    findings.back().evidence.push_back(
        step("run", findings.back().timestamp, "cmd.exe", "cmd.exe", {{"Payload", std::to_string(i) + filler}}));
  }
  std::string html = render(findings);
  Json d = report_data(html);
  ASSERT_EQ(d["marks"][1199][4], -1);
  ASSERT_GE(d["marks"][0][4], 0);
  support::TempDir tmp("report-no-chain");
  support::write_text(tmp / "report.html", html);
  std::string dom = rendered_dom(tmp / "report.html", "#finding=1199");
  ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not finish";
  EXPECT_NE(dom.find("id=\"finding-detail\" data-mark=\"1199\""), std::string::npos);
  EXPECT_NE(dom.find("This finding's chain is not in this report"), std::string::npos);
  EXPECT_NE(dom.find("Its chain is finding 1200 of the scan's output (evtxhunt scan -f jsonl"), std::string::npos);
}
