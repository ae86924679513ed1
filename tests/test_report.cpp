// scan --report: the HTML report's data (parsed from the page) and the page in
// headless Chromium (Debian's chromium, installed by scripts/setup.sh): it
// loads without script errors, shows the finding and its chain, and text from
// the logs that looks like markup stays text.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "report/report.h"
#include "support/command.h"
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

// The detail index of the first finding of a rule.
int detail_of(const Json& data, const std::string& rule_id) {
  for (const Json& m : data["marks"])
    if (data["rules"][m[3].get<size_t>()]["id"] == rule_id && m[4].get<int>() >= 0) return m[4].get<int>();
  return -1;
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
  seed = detail_of(report_data(support::read_text(page)), "ff-t1021.003-dcom");
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
  EXPECT_EQ(d["stats"]["findings"], 6);
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
  int seed = detail_of(d, "ff-t1021.003-dcom");
  ASSERT_GE(seed, 0);
  const Json& chain = d["details"][seed]["steps"];
  ASSERT_EQ(chain.size(), 5u);
  EXPECT_EQ(chain[0]["stage"], "rpc");
  EXPECT_EQ(chain[1]["image"], "mmc.exe");
  EXPECT_EQ(chain[1]["pid"], 4416);
  std::vector<std::string> children;
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(chain[i]["parent_pid"], 4416);
    EXPECT_EQ(chain[i]["parent_puid"], chain[1]["puid"]);
    children.push_back(chain[i]["cmd"]);
  }
  EXPECT_EQ(children,
            (std::vector<std::string>{"\"C:\\Windows\\system32\\cmd.exe\" /c whoami",
                                      "\"C:\\Windows\\system32\\cmd.exe\" /c ipconfig /all",
                                      "\"C:\\Windows\\system32\\cmd.exe\" /c net group \"domain admins\" /domain"}));
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
  int seed = detail_of(d, "ff-t1021.003-dcom");
  ASSERT_GE(seed, 0);
  EXPECT_EQ(d["details"][seed]["steps"][2]["cmd"],
            "</script><script>document.body.setAttribute('data-pwned','1')</script> &amp; <!-- ");
}

// 100,000 findings of five-step chains on 50 hosts: the page stays a few MB
// and says what it left out.
TEST(Report, HundredThousandFindingsStayAFewMegabytes) {
  pipeline::Evidence ev{store::StoreOptions{}};
  std::vector<replay::Finding> findings;
  const norm::Ticks t0 = 133'550'000'000'000'000;  // 2024-03-12
  for (int i = 0; i < 100000; ++i) {
    replay::Finding f;
    f.rule_id = i % 3 ? "ff-t1021.003-dcom" : "dcom-mmc20-application";
    f.title = "DCOM lateral movement";
    f.level = i % 7 ? rules::Level::High : rules::Level::Critical;
    f.device_name = "WS" + std::to_string(i % 50) + ".corp.local";
    f.timestamp = t0 + static_cast<norm::Ticks>(i) * norm::kTicksPerSecond;
    for (int step = 0; step < 5; ++step) {
      auto e = std::make_shared<norm::NormalizedEvent>();
      (*e)[norm::Field::Timestamp] = norm::FieldValue::time(f.timestamp + step);
      (*e)[norm::Field::FileName] = norm::FieldValue::str("cmd.exe");
      (*e)[norm::Field::ProcessCommandLine] = norm::FieldValue::str("\"C:\\Windows\\system32\\cmd.exe\" /c whoami");
      (*e)[norm::Field::SourceFile] =
          norm::FieldValue::str("C:/triage/WS01/Microsoft-Windows-Sysmon%4Operational.evtx");
      (*e)[norm::Field::EventRecordID] = norm::FieldValue::integer(52000 + step);
      f.evidence.push_back({step ? "child" : "dcom", e, static_cast<size_t>(step), {}});
    }
    findings.push_back(std::move(f));
  }
  report::ReportInput in;
  in.command = "scan";
  in.evidence = &ev;
  in.findings = &findings;
  std::string page = report::render_html(in);
  EXPECT_LT(page.size(), 8u << 20) << page.size();
  std::printf("report of 100,000 findings: %zu bytes\n", page.size());
  Json d = report_data(page);
  EXPECT_EQ(d["stats"]["findings"], 100000);
  EXPECT_EQ(d["marks"].size(), report::kMarkedFindings);
  ASSERT_EQ(d["details"].size(), report::kDetailedFindings);
  EXPECT_EQ(d["details"][0]["mark"], 0);  // the first critical one
  EXPECT_EQ(d["by_rule"].size(), 2u);
  ASSERT_EQ(d["notes"].size(), 1u);
  EXPECT_NE(d["notes"][0].get<std::string>().find("100000 findings: the 500 of the highest levels"), std::string::npos);
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
