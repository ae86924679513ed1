// evtxhunt logons (logons/logon_summary.h) on real records: a folder's failed
// logons with Microsoft's reasons, a Kerberos password spray by account and
// source, Remote Desktop authentications, a published LocalSessionManager
// record, a log read twice, and mistakes on the command line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support/command.h"
#include "support/corpus.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string q(const fs::path& p) { return support::shell_quote(p); }

const fs::path kSizeT = corpus::rs_sample("Security_with_size_t.evtx");
const fs::path kSpray = corpus::attack_sample("Credential Access/kerberos_pwd_spray_4771.evtx");
const fs::path kRdp1149 = corpus::attack_sample(
    "Command and Control/DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx");

std::vector<json> logons(const std::string& args) {
  support::CommandResult r = support::run_evtxhunt("logons -q -f jsonl " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out;
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

std::string text(const json& v) { return v.is_null() ? "" : v.get<std::string>(); }

// (count, account, logon type, source address, workstation, package, reason)
using Failure = std::tuple<int, std::string, std::string, std::string, std::string, std::string, std::string>;

}  // namespace

// The 15 4625 records of Security_with_size_t.evtx (EventRecordID 59-478),
// grouped; the reason from SubStatus where it is not 0x0 (#452: 0xc000006d /
// 0xc0000064), else from Status (#59: 0xc0000224 / 0x0).
TEST(LogonsCli, FailedLogonsWithMicrosoftsReasons) {
  std::vector<json> rows = logons("--failed " + q(kSizeT));
  std::vector<Failure> got;
  for (const json& r : rows) {
    EXPECT_EQ(r["event_id"], 4625);
    EXPECT_EQ(r["event"], "LogonFailed");
    EXPECT_EQ(r["result"], "failure");
    EXPECT_EQ(r["host"], "win-l0zzq76pmuf");
    got.emplace_back(r["count"].get<int>(), text(r["account"]), text(r["logon_type"]), text(r["source_ip"]),
                     text(r["source_workstation"]), text(r["auth_package"]), text(r["failure_reason"]));
  }
  std::vector<Failure> want = {
      {4, "IT104-3\\Student", "Network", "10.20.0.118", "IT104-3", "NTLM", "User name does not exist"},
      {4, "WIN-L0ZZQ76PMUF\\Guest", "Network", "", "WIN-L0ZZQ76PMUF", "Negotiate", "Account disabled"},
      {2, "WIN-L0ZZQ76PMUF\\Administrator", "Interactive", "127.0.0.1", "WIN-L0ZZQ76PMUF", "Negotiate",
       "Password must be changed at next logon"},
      {2, "WIN-L0ZZQ76PMUF\\Administrator", "Network", "", "WIN-L0ZZQ76PMUF", "NTLM",
       "Bad user name or authentication information"},
      {2, "WIN-L0ZZQ76PMUF\\Administrator", "Interactive", "127.0.0.1", "WIN-L0ZZQ76PMUF", "Negotiate",
       "Wrong password"},
      {1, "Administrator", "Interactive", "", "WIN-L0ZZQ76PMUF", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
       "Wrong password"},
  };
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // The Student group: first #452, 4 records in 63 ms.
  for (const json& r : rows)
    if (r["account"] == "IT104-3\\Student") {
      EXPECT_EQ(r["first_record_id"], 452);
      EXPECT_EQ(r["first_time"], "2015-08-23T10:53:26.1378630Z");
      EXPECT_EQ(r["last_time"], "2015-08-23T10:53:26.2003630Z");
    }
}

// 4648 (explicit credentials): the credentials used are the account, the
// server and the Subject who used them the target; 4672 (admin logon): the
// Subject (Security_with_size_t.evtx).
TEST(LogonsCli, ExplicitCredentialsAndAdminLogons) {
  std::vector<json> rows = logons("--event-id 4648 --event-id 4672 " + q(kSizeT));
  bool explicit_seen = false, admin_seen = false;
  for (const json& r : rows) {
    if (r["event"] == "ExplicitCredentials" && r["account"] == "WIN-L0ZZQ76PMUF\\Administrator" &&
        r["target"] == "localhost (127.0.0.1) by WORKGROUP\\WIN-L0ZZQ76PMUF$") {
      explicit_seen = true;
      EXPECT_EQ(r["count"], 19);
      EXPECT_EQ(r["event_id"], 4648);
    }
    if (r["event"] == "AdminLogon" && r["account"] == "WIN-L0ZZQ76PMUF\\Administrator") {
      admin_seen = true;
      EXPECT_EQ(r["count"], 21);
    }
    EXPECT_NE(r["event_id"], 4624);
  }
  EXPECT_TRUE(explicit_seen);
  EXPECT_TRUE(admin_seen);
}

// kerberos_pwd_spray_4771.evtx: from 172.16.66.1, TGT requests for seven
// names the DC does not know (4768 Status 0x6) and wrong passwords for two
// that exist (4771 Status 0x18); the two TGTs issued to "normal" are no failure.
TEST(LogonsCli, KerberosSprayByAccountAndSource) {
  std::vector<json> rows = logons("--failed " + q(kSpray));
  std::set<std::string> unknown, wrong_password;
  for (const json& r : rows) {
    EXPECT_EQ(r["count"], 1);
    EXPECT_EQ(r["source_ip"], "172.16.66.1");
    EXPECT_EQ(r["auth_package"], "Kerberos");
    EXPECT_EQ(r["host"], "01566s-win16-ir.threebeesco.com");
    if (r["event_id"] == 4768) {
      EXPECT_EQ(r["failure_reason"], "Client not found in Kerberos database (unknown user)");
      unknown.insert(text(r["account"]));
    } else {
      EXPECT_EQ(r["event_id"], 4771);
      EXPECT_EQ(r["failure_reason"], "Pre-authentication failed (wrong password)");
      wrong_password.insert(text(r["account"]));
    }
  }
  EXPECT_EQ(unknown, (std::set<std::string>{"THREEBEESCO.COM\\HD01", "THREEBEESCO.COM\\HD02", "THREEBEESCO.COM\\admin",
                                            "THREEBEESCO.COM\\admin02", "THREEBEESCO.COM\\bob",
                                            "THREEBEESCO.COM\\svc-01", "THREEBEESCO.COM\\svc-02"}));
  EXPECT_EQ(wrong_password, (std::set<std::string>{"Administrator", "backdoor"}));
  std::vector<json> ok = logons("--successful " + q(kSpray));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0]["account"], "THREEBEESCO.COM\\normal");
  EXPECT_EQ(ok[0]["event"], "KerberosTGT");
  EXPECT_EQ(ok[0]["count"], 2);
  EXPECT_EQ(ok[0]["target"], "krbtgt");
}

// RemoteConnectionManager 1149: Param1 user, Param2 domain, Param3 address.
TEST(LogonsCli, RemoteDesktopAuthentications) {
  std::vector<json> rows = logons(q(kRdp1149));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0]["count"], 6);
  EXPECT_EQ(rows[0]["account"], "example\\admin01");
  EXPECT_EQ(rows[0]["source_ip"], "10.0.2.15");
  EXPECT_EQ(rows[0]["host"], "pc01.example.corp");
  EXPECT_EQ(rows[0]["event"], "RdpAuthenticated");
  EXPECT_EQ(rows[0]["first_record_id"], 126);
  EXPECT_EQ(rows[1]["count"], 2);
  EXPECT_EQ(rows[1]["account"], "ie11win7\\administrator");
  EXPECT_EQ(rows[1]["source_ip"], "10.0.2.16");
}

// A LocalSessionManager 24 as published from a Windows 10 19044 host
// (EventXML User, SessionID, Address); the corpus has none.
TEST(LogonsCli, LocalSessionManagerDisconnect) {
  support::TempDir dir("logons");
  std::ofstream(dir / "lsm.xml")
      << "<Events><Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"
         "<Provider Name=\"Microsoft-Windows-TerminalServices-LocalSessionManager\" "
         "Guid=\"{5d896912-022d-40aa-a3a8-4fa5515c76d7}\"/><EventID>24</EventID><Version>0</Version><Level>4</Level>"
         "<Task>0</Task><Opcode>0</Opcode><Keywords>0x1000000000000000</Keywords>"
         "<TimeCreated SystemTime=\"2023-07-12T12:46:43.1684648Z\"/><EventRecordID>1544</EventRecordID>"
         "<Correlation ActivityID=\"{f4207ac4-a73b-4efa-b345-178e7e530000}\"/>"
         "<Execution ProcessID=\"1440\" ThreadID=\"7996\"/>"
         "<Channel>Microsoft-Windows-TerminalServices-LocalSessionManager/Operational</Channel>"
         "<Computer>HLPC01</Computer><Security UserID=\"S-1-5-18\"/></System>"
         "<UserData><EventXML xmlns=\"Event_NS\"><User>HLPC01\\john.doe</User><SessionID>4</SessionID>"
         "<Address>192.168.180.57</Address></EventXML></UserData></Event></Events>\n";
  std::vector<json> rows = logons(q(dir / "lsm.xml"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["event"], "RdpDisconnect");
  EXPECT_EQ(rows[0]["result"], "end");
  EXPECT_EQ(rows[0]["account"], "HLPC01\\john.doe");
  EXPECT_EQ(rows[0]["source_ip"], "192.168.180.57");
  EXPECT_EQ(rows[0]["host"], "hlpc01");
  EXPECT_TRUE(logons("--failed " + q(dir / "lsm.xml")).empty());
  EXPECT_TRUE(logons("--successful " + q(dir / "lsm.xml")).empty());
}

// The same log collected twice counts once; CSV has the same rows as JSON.
TEST(LogonsCli, ALogReadTwiceCountsOnceAndCsvMatches) {
  support::TempDir dir("logons");
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  fs::copy_file(kSizeT, dir / "a" / "Security.evtx");
  fs::copy_file(kSizeT, dir / "b" / "Security.evtx");
  std::vector<json> once = logons(q(kSizeT));
  std::vector<json> twice = logons(q(dir.path()));
  ASSERT_EQ(once.size(), twice.size());
  for (size_t i = 0; i < once.size(); ++i) EXPECT_EQ(once[i]["count"], twice[i]["count"]) << i;
  support::CommandResult csv = support::run_evtxhunt("logons -q -f csv " + q(kSizeT));
  ASSERT_EQ(csv.exit_code, 0);
  std::vector<std::string> lines = support::split_lines(csv.out);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  ASSERT_EQ(lines.size(), once.size() + 1);
  EXPECT_EQ(lines[0],
            "Count,Host,EventID,Event,Result,Account,LogonType,SourceIP,SourceWorkstation,AuthPackage,Target,"
            "FailureReason,FirstTime,LastTime,FirstFile,FirstRecordID");
  for (size_t i = 0; i < once.size(); ++i)
    EXPECT_EQ(lines[i + 1].substr(0, lines[i + 1].find(',')), std::to_string(once[i]["count"].get<int>()));
}

// Mistakes say so (exit 2), never an empty summary.
TEST(LogonsCli, CommandLineMistakesAreSaid) {
  support::CommandResult both = support::run_evtxhunt("logons --failed --successful " + q(kSizeT));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--failed and --successful exclude each other"), std::string::npos) << both.err;
  support::CommandResult id = support::run_evtxhunt("logons --event-id 4688 " + q(kSizeT));
  EXPECT_EQ(id.exit_code, 2);
  EXPECT_NE(id.err.find("--event-id 4688 is not a logon event"), std::string::npos) << id.err;
  support::CommandResult none =
      support::run_evtxhunt("logons " + q(corpus::attack_sample("Lateral Movement/LM_ImageLoad_NFSH_Sysmon_7.evtx")));
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.err.find("no logon event among the records read"), std::string::npos) << none.err;
}
