// What the tools responders import into get: every CSV evtxhunt writes parses
// with Python's csv module with the header's column count on every row (and
// one line per row with --single-line, for grep and Timeline Explorer); the
// timeline's columns are Timeline Explorer's fixed version-2 header with
// RecordLevel beside RuleLevel; Timesketch files must be named .jsonl and a
// finding carries its record's place, command line and account as fields.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using support::shell_quote;

const fs::path kSource = EVTXHUNT_SOURCE_DIR;
const fs::path kCorpus = EVTXHUNT_CORPUS;

// samples/triage and a PowerShell 4104 log whose script blocks span lines.
std::string inputs() {
  return shell_quote(kSource / "samples" / "triage") + " " +
         shell_quote(kCorpus / "evtx-attack-samples" / "Credential Access" /
                     "phish_windows_credentials_powershell_scriptblockLog_4104.evtx");
}

struct CsvCheck {
  size_t rows = 0, lines = 0, columns = 0;
  bool same_columns = false;
};

// Python's csv module reads the file: rows (header included), physical
// lines, the header's columns, and whether every row has that many.
CsvCheck python_csv(const fs::path& file) {
  const char* script =
      "import csv, sys\n"
      "data = open(sys.argv[1], newline='', encoding='utf-8').read()\n"
      "rows = list(csv.reader(data.splitlines(True)))\n"
      "print(len(rows), len(data.splitlines()), len(rows[0]) if rows else 0,\n"
      "      int(all(len(r) == len(rows[0]) for r in rows)))\n";
  support::CommandResult r =
      support::run_command("python3 -c " + shell_quote(std::string(script)) + " " + shell_quote(file));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  CsvCheck c;
  int same = 0;
  std::istringstream(r.out) >> c.rows >> c.lines >> c.columns >> same;
  c.same_columns = same == 1;
  return c;
}

TEST(CsvImport, EveryCsvParsesWithTheHeadersColumnCountOnEveryRow) {
  support::TempDir tmp("csv");
  const std::string kql = shell_quote(kSource / "rules" / "ff-t1021.003-dcom.kql");
  const std::vector<std::pair<std::string, std::string>> commands = {
      {"timeline", inputs()},  {"scan", inputs()},      {"search -k powershell", inputs()},
      {"inventory", inputs()}, {"pivot", inputs()},     {"logons", inputs()},
      {"metrics", inputs()},   {"normalize", inputs()}, {"query -f " + kql, inputs()},
      {"rules list", ""}};
  for (const auto& [command, args] : commands) {
    for (bool single : {false, true}) {
      fs::path out = tmp / "out.csv";
      support::CommandResult r = support::run_evtxhunt(
          command + " -q --format csv " + (single ? "--single-line " : "") + "-o " + shell_quote(out) + " " + args);
      ASSERT_EQ(r.exit_code, 0) << command << ": " << r.err;
      CsvCheck c = python_csv(out);
      EXPECT_GE(c.rows, 2u) << command;
      EXPECT_GE(c.columns, 2u) << command;
      EXPECT_TRUE(c.same_columns) << command << (single ? " --single-line" : "");
      if (single) {
        EXPECT_EQ(c.lines, c.rows) << command << " --single-line: a row over several lines";
      }
    }
  }
  // The script blocks do span lines without it: the check above is not empty.
  fs::path plain = tmp / "plain.csv";
  ASSERT_EQ(support::run_evtxhunt("timeline -q --format csv -o " + shell_quote(plain) + " " + inputs()).exit_code, 0);
  CsvCheck c = python_csv(plain);
  EXPECT_GT(c.lines, c.rows);
}

TEST(CsvImport, TimelineExplorersColumnsAreFixed) {
  support::CommandResult r = support::run_evtxhunt("timeline -q --format csv " + inputs());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string header = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(header,
            "Timestamp,DeviceName,Channel,Provider,EventID,RecordLevel,Details,ActionType,FileName,FolderPath,"
            "ProcessId,ProcessCommandLine,InitiatingProcessId,InitiatingProcessFileName,InitiatingProcessCommandLine,"
            "InitiatingProcessParentFileName,AccountDomain,AccountName,LocalIP,LocalPort,RemoteIP,RemotePort,Protocol,"
            "SourceFile,EventRecordID,RuleIds,RuleTitles,RuleLevel");
  // The backslash of a value is kept; only line breaks become \r / \n.
  support::CommandResult single = support::run_evtxhunt("timeline -q --format csv --single-line " + inputs());
  EXPECT_NE(single.out.find("\\n"), std::string::npos);
  EXPECT_NE(single.out.find("C:\\Windows\\"), std::string::npos);
}

TEST(TimesketchImport, FilesMustBeNamedJsonlAndFindingsCarryTheirRecord) {
  support::TempDir tmp("sketch");
  support::CommandResult bad =
      support::run_evtxhunt("scan -q -f timesketch -o " + shell_quote(tmp / "out.json") + " " + inputs());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("Timesketch imports JSON lines only from a file named .jsonl: -o " +
                         (tmp / "out.json").string() + " (name it " + (tmp / "out.jsonl").string() + ")"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(tmp / "out.json"));
  support::CommandResult ok =
      support::run_evtxhunt("scan -q -f timesketch -o " + shell_quote(tmp / "out.jsonl") + " " + inputs());
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::ifstream in(tmp / "out.jsonl");
  bool mmc = false;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json f = nlohmann::json::parse(line);
    if (f["rule_id"] != "dcom-mmc20-application") continue;
    mmc = true;
    // The first evidence: mmc.exe -Embedding started by the DCOM launcher on WS01.
    EXPECT_EQ(f["EventID"], 1);
    EXPECT_EQ(f["EventRecordID"], 52094);
    EXPECT_EQ(f["Channel"], "Microsoft-Windows-Sysmon/Operational");
    EXPECT_NE(f["SourceFile"].get<std::string>().find("WS01"), std::string::npos);
    EXPECT_EQ(f["ProcessCommandLine"], "C:\\Windows\\system32\\mmc.exe -Embedding");
    EXPECT_EQ(f["AccountName"], "bob");
    EXPECT_EQ(f["AccountDomain"], "CORP");
  }
  EXPECT_TRUE(mmc);
}

}  // namespace
