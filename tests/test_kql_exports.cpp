// KQL operators over the evidence's own tables: a small XML event export
// (written below, nine records of two hosts) converted to EVTX with
// `evtxhunt convert`, then queried with `evtxhunt query`; each expected row
// worked out by hand from the records and Kusto's documented semantics
// (innerunique joins, has on whole terms, nulls, dynamic bags, times counted
// from the evidence's now(): its latest event, 11:00:02 here).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::ordered_json;  // the columns in the query's order

std::string event(const std::string& provider, int id, const std::string& time, int record, const std::string& channel,
                  const std::string& computer, const std::vector<std::pair<std::string, std::string>>& data) {
  std::string x = "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"" +
                  provider + "\"/><EventID>" + std::to_string(id) +
                  "</EventID><Version>5</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>"
                  "<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime=\"2024-03-05T" +
                  time + "Z\"/><EventRecordID>" + std::to_string(record) +
                  "</EventRecordID><Correlation/><Execution ProcessID=\"4\" ThreadID=\"8\"/><Channel>" + channel +
                  "</Channel><Computer>" + computer + "</Computer><Security/></System><EventData>";
  for (const auto& [k, v] : data) x += "<Data Name=\"" + k + "\">" + v + "</Data>";
  return x + "</EventData></Event>\n";
}

std::string guid(int pid) { return "{0E5B0001-6A1C-65E6-0000-00100000" + std::to_string(1000 + pid % 9000) + "}"; }

// Sysmon 1: a process start.
std::string start(const std::string& host, int record, const std::string& time, int pid, const std::string& image,
                  const std::string& cmd, int ppid, const std::string& parent, const std::string& user) {
  return event("Microsoft-Windows-Sysmon", 1, time + "0000", record, "Microsoft-Windows-Sysmon/Operational", host,
               {{"RuleName", "-"},
                {"UtcTime", "2024-03-05 " + time.substr(0, 12)},
                {"ProcessGuid", guid(pid)},
                {"ProcessId", std::to_string(pid)},
                {"Image", image},
                {"CommandLine", cmd},
                {"CurrentDirectory", "C:\\Windows\\system32\\"},
                {"User", user},
                {"LogonId", "0x3e7"},
                {"IntegrityLevel", "High"},
                {"Hashes", "SHA256=00"},
                {"ParentProcessGuid", guid(ppid)},
                {"ParentProcessId", std::to_string(ppid)},
                {"ParentImage", parent},
                {"ParentCommandLine", parent}});
}

std::string logon(int record, const std::string& time, const std::string& user, int type, const std::string& ip) {
  return event("Microsoft-Windows-Security-Auditing", 4624, time + "0000", record, "Security", "WS01.corp.local",
               {{"SubjectUserSid", "S-1-0-0"},
                {"SubjectUserName", "-"},
                {"SubjectDomainName", "-"},
                {"SubjectLogonId", "0x0"},
                {"TargetUserSid", "S-1-5-21-1-2-3-1104"},
                {"TargetUserName", user},
                {"TargetDomainName", "CORP"},
                {"TargetLogonId", "0x5a1f0" + std::to_string(record % 10)},
                {"LogonType", std::to_string(type)},
                {"LogonProcessName", "NtLmSsp"},
                {"AuthenticationPackageName", "NTLM"},
                {"WorkstationName", "-"},
                {"ProcessId", "0x0"},
                {"ProcessName", "-"},
                {"IpAddress", ip},
                {"IpPort", "-"}});
}

class KqlExports : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir("kql-exports");
    const std::string ws1 = "WS01.corp.local", sys = "C:\\Windows\\System32\\";
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n";
    xml += start(ws1, 1, "09:00:00.000", 600, sys + "services.exe", sys + "services.exe", 480, sys + "wininit.exe",
                 "NT AUTHORITY\\SYSTEM");
    xml += start(ws1, 2, "10:00:00.000", 1000, sys + "cmd.exe", "cmd.exe /c whoami", 900, "C:\\Windows\\explorer.exe",
                 "CORP\\alice");
    xml += start(ws1, 3, "10:00:05.000", 1001, sys + "whoami.exe", "whoami /all", 1000, sys + "cmd.exe", "CORP\\alice");
    xml += start(ws1, 4, "10:30:00.000", 1002, sys + "cmd.exe", "cmd.exe /c who-is-there.bat", 900,
                 "C:\\Windows\\explorer.exe", "CORP\\alice");
    xml += start(ws1, 5, "11:00:00.000", 1003, sys + "WindowsPowerShell\\v1.0\\powershell.exe",
                 "powershell -c Get-Process", 1000, sys + "cmd.exe", "CORP\\bob");
    xml += event("Microsoft-Windows-Sysmon", 17, "11:00:01.0000000", 6, "Microsoft-Windows-Sysmon/Operational", ws1,
                 {{"RuleName", "-"},
                  {"EventType", "CreatePipe"},
                  {"UtcTime", "2024-03-05 11:00:01.000"},
                  {"ProcessGuid", guid(1003)},
                  {"ProcessId", "1003"},
                  {"PipeName", "\\PSHost.1234"},
                  {"Image", sys + "WindowsPowerShell\\v1.0\\powershell.exe"},
                  {"User", "CORP\\bob"}});
    xml += logon(7, "10:59:00.000", "bob", 3, "10.0.0.9");
    xml += logon(8, "11:00:02.000", "svc_backup", 5, "-");
    xml += start("WS02.corp.local", 9, "10:15:00.000", 2000, sys + "cmd.exe", "cmd /c whoami", 1900,
                 "C:\\Windows\\explorer.exe", "CORP\\carol");
    xml += "</Events>\n";
    std::ofstream(*dir_ / "export.xml") << xml;
    support::CommandResult c = support::run_evtxhunt("convert " + support::shell_quote(*dir_ / "export.xml") + " -o " +
                                                     support::shell_quote(*dir_ / "export.evtx"));
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  static void TearDownTestSuite() { delete dir_; }

  // The query's rows over the converted log, each row's cells joined by " | ".
  static std::vector<std::string> query(const std::string& kql) {
    support::CommandResult r = support::run_evtxhunt("query -q --format jsonl " + support::shell_quote(kql) + " " +
                                                     support::shell_quote(*dir_ / "export.evtx"));
    EXPECT_EQ(r.exit_code, 0) << kql << "\n" << r.err;
    std::vector<std::string> out;
    for (const std::string& line : support::split_lines(r.out)) {
      if (line.empty()) continue;
      std::string cells;
      const json row = json::parse(line);
      for (const auto& [k, v] : row.items())
        cells += (cells.empty() ? "" : " | ") + (v.is_string() ? v.get<std::string>() : v.dump());
      out.push_back(cells);
    }
    return out;
  }

  static support::TempDir* dir_;
};
support::TempDir* KqlExports::dir_ = nullptr;

using Rows = std::vector<std::string>;

TEST_F(KqlExports, HasMatchesWholeTerms) {
  // "whoami" is a term of "cmd.exe /c whoami" and "whoami /all", not of "who-is-there.bat";
  // "who" is a term only of the last.
  EXPECT_EQ(query("DeviceProcessEvents | where ProcessCommandLine has 'whoami' | project DeviceName, ProcessId"),
            (Rows{"WS01.corp.local | 1000", "WS01.corp.local | 1001", "WS02.corp.local | 2000"}));
  EXPECT_EQ(query("DeviceProcessEvents | where ProcessCommandLine has 'who' | project ProcessId"), (Rows{"1002"}));
  EXPECT_EQ(query("DeviceProcessEvents | where ProcessCommandLine contains 'who' | count"), (Rows{"4"}));
}

TEST_F(KqlExports, InneruniqueKeepsTheFirstLeftRowOfEachKey) {
  // Left (WS01, in time order) by InitiatingProcessId: 480 services, 900 cmd, 1000 whoami,
  // 900 cmd, 1000 powershell; innerunique keeps 480, 900 and 1000 (whoami) once each. Only
  // 1000 is a logged process (cmd.exe): one row; kind=inner pairs both children of 1000.
  const std::string q =
      "DeviceProcessEvents | where DeviceName == 'WS01.corp.local' | project Child = FileName, InitiatingProcessId"
      " | join KIND (DeviceProcessEvents | project Parent = FileName, InitiatingProcessId = ProcessId)"
      " on InitiatingProcessId | project Child, Parent | order by Child asc";
  auto with = [&](const std::string& kind) {
    return q.substr(0, q.find("KIND")) + kind + q.substr(q.find("KIND") + 4);
  };
  EXPECT_EQ(query(with("")), (Rows{"whoami.exe | cmd.exe"}));
  EXPECT_EQ(query(with("kind=inner")), (Rows{"powershell.exe | cmd.exe", "whoami.exe | cmd.exe"}));
  // leftanti: the left rows whose parent was not logged (wininit.exe 480, explorer.exe 900).
  EXPECT_EQ(query("DeviceProcessEvents | where DeviceName == 'WS01.corp.local' | join kind=leftanti"
                  " (DeviceProcessEvents | project InitiatingProcessId = ProcessId) on InitiatingProcessId"
                  " | project FileName | order by FileName asc"),
            (Rows{"cmd.exe", "cmd.exe", "services.exe"}));
}

TEST_F(KqlExports, NullsInComparisonsAndAggregates) {
  // The second logon's IpAddress is "-": no address, so RemoteIP is empty (a
  // string is never null) and isempty() is true; dcountif counts the other.
  EXPECT_EQ(
      query("DeviceLogonEvents | project AccountName, RemoteIP, E = isempty(RemoteIP) | order by AccountName asc"),
      (Rows{"bob | 10.0.0.9 | false", "svc_backup |  | true"}));
  EXPECT_EQ(query("DeviceLogonEvents | summarize n = count(), ips = dcountif(RemoteIP, isnotempty(RemoteIP)), "
                  "types = make_set(LogonType)"),
            (Rows{"2 | 1 | [\"Network\",\"Service\"]"}));
}

TEST_F(KqlExports, DynamicBagsOfDeviceEvents) {
  EXPECT_EQ(
      query("DeviceEvents | where ActionType == 'NamedPipeEvent' | project Pipe = tostring(AdditionalFields.PipeName),"
            " Op = AdditionalFields['FileOperation'], N = array_length(bag_keys(AdditionalFields))"),
      (Rows{"\\PSHost.1234 | File created | 2"}));
}

TEST_F(KqlExports, TimesCountFromTheEvidencesNow) {
  // now() is the latest event read: the svc_backup logon at 11:00:02.
  EXPECT_EQ(query("print now()"), (Rows{"2024-03-05T11:00:02.0000000Z"}));
  EXPECT_EQ(query("DeviceProcessEvents | where Timestamp > ago(1h) | project ProcessId | order by ProcessId asc"),
            (Rows{"1001", "1002", "1003", "2000"}));  // after 10:00:02
  EXPECT_EQ(query("DeviceProcessEvents | summarize n = count() by bin(Timestamp, 1h) | order by Timestamp asc"),
            (Rows{"2024-03-05T09:00:00.0000000Z | 1", "2024-03-05T10:00:00.0000000Z | 4",
                  "2024-03-05T11:00:00.0000000Z | 1"}));
  EXPECT_EQ(query("DeviceProcessEvents | where FileName == 'powershell.exe' | project "
                  "d = datetime_diff('minute', now(), Timestamp), w = toint(dayofweek(Timestamp) / 1d)"),
            (Rows{"0 | 2"}));  // 11:00:00 to 11:00:02; 2024-03-05 is a Tuesday
}

TEST_F(KqlExports, TopParseAndDistinct) {
  EXPECT_EQ(query("DeviceProcessEvents | top 2 by Timestamp desc | project ProcessId"), (Rows{"1003", "1002"}));
  EXPECT_EQ(query("DeviceProcessEvents | where FileName =~ 'CMD.EXE' | parse ProcessCommandLine with * '/c ' Script"
                  " | project Script"),
            (Rows{"whoami", "who-is-there.bat", "whoami"}));
  EXPECT_EQ(query("DeviceProcessEvents | distinct InitiatingProcessFileName | order by InitiatingProcessFileName asc"),
            (Rows{"cmd.exe", "explorer.exe", "wininit.exe"}));
}

}  // namespace
