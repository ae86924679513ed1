// Details in every finding (details/event_details.h): the matched record's key
// fields, who, what and from where, in each output format, on named records of
// the shared corpus; the key-field tables checked against the corpus's records.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "details/key_fields.h"
#include "support/command.h"
#include "support/corpus.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::string q(const std::string& s) { return support::shell_quote(s); }

// The records (each picked out by a rule written here, on its own values):
// 1102: a-jbrown (3B) cleared the Security log of 01566s-win16-ir.
const fs::path kCleared = corpus::attack_sample("Credential Access/kerberos_pwd_spray_4771.evtx");
// 4625: RDP logon failure of Administrator from 23.94.153.202 on "temporal".
const fs::path kFailed = corpus::rs_sample("Security_short_selected.evtx");
// 4624: a-jbrown's network logon from 172.16.66.142 (04246W-WIN10).
const fs::path kLogon = corpus::attack_sample("Lateral Movement/remote task update 4624 4702 same logonid.evtx");
// 4688 #329921: lsass.exe started under lsass.exe (MalSeclogon); no 4688 of
// the corpus records its command line (the policy was off on every host).
const fs::path kProcess = corpus::attack_sample("Credential Access/tutto_malseclogon.evtx");
// Sysmon 1 #400702: explorer.exe /root,"C:\Windows\System32\calc.exe".
const fs::path kExplorer = corpus::attack_sample("Execution/susp_explorer_exec_root_cmdline_@rimpq_@CyberRaiju.evtx");

std::string sigma_rule(const std::string& id, const std::string& logsource, const std::string& selection) {
  return "title: " + id + " finding\nid: " + id + "\nstatus: test\nlogsource:\n" + logsource +
         "level: high\ntags:\n  - attack.t1070.001\ndetection:\n  sel:\n" + selection + "  condition: sel\n---\n";
}

const std::string kRules = sigma_rule("cleared", "  product: windows\n  service: security\n", "    EventID: 1102\n") +
                           sigma_rule("failed", "  product: windows\n  service: security\n",
                                      "    EventID: 4625\n    IpAddress: 23.94.153.202\n") +
                           sigma_rule("logon", "  product: windows\n  service: security\n",
                                      "    EventID: 4624\n    IpAddress: 172.16.66.142\n") +
                           sigma_rule("lsass", "  product: windows\n  category: process_creation\n",
                                      "    Image|endswith: '\\lsass.exe'\n    ParentImage|endswith: '\\lsass.exe'\n") +
                           sigma_rule("explorer", "  product: windows\n  category: process_creation\n",
                                      "    CommandLine|contains: '/root,'\n");

struct Out {
  std::string text, err;
};

Out scan(const std::string& options) {
  support::TempDir tmp("details");
  std::ofstream(tmp / "rules.yml") << kRules;
  support::CommandResult r = support::run_evtxhunt(
      "scan --rules " + q((tmp / "rules.yml").string()) + " " + options + " " + q(kCleared.string()) + " " +
      q(kFailed.string()) + " " + q(kLogon.string()) + " " + q(kProcess.string()) + " " + q(kExplorer.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return {r.out, r.err};
}

// rule id -> the first finding of that rule (jsonl or timesketch lines).
std::map<std::string, json> by_rule(const std::string& text, const char* key) {
  std::map<std::string, json> out;
  for (const std::string& line : support::split_lines(text))
    if (!line.empty()) {
      json j = json::parse(line);
      out.emplace(j[key].get<std::string>(), j);
    }
  return out;
}

TEST(Details, JsonlHoldsWhoWhatAndFromWhere) {
  std::map<std::string, json> f = by_rule(scan("--format jsonl").text, "rule_id");
  ASSERT_EQ(f.size(), 5u);
  // 1102: who cleared the log.
  const json& cleared = f["cleared"]["details"];
  EXPECT_EQ(cleared["SubjectUserName"], "a-jbrown");
  EXPECT_EQ(cleared["SubjectDomainName"], "3B");
  EXPECT_EQ(cleared["SubjectUserSid"], "S-1-5-21-308926384-506822093-3341789130-1106");
  EXPECT_EQ(cleared["SubjectLogonId"], "0x3a17a");
  // 4625: the account tried, why it failed, and from where.
  const json& failed = f["failed"]["details"];
  EXPECT_EQ(failed["TargetUserName"], "Administrator");
  EXPECT_EQ(failed["IpAddress"], "23.94.153.202");
  EXPECT_EQ(failed["IpPort"], "60167");
  EXPECT_EQ(failed["LogonType"], "10");
  EXPECT_EQ(failed["Status"], "0xc000006d");
  EXPECT_EQ(failed["SubStatus"], "0xc000006a");
  EXPECT_FALSE(failed.contains("KeyLength"));  // boilerplate stays out
  // 4624: who logged on, how, from where.
  const json& logon = f["logon"]["details"];
  EXPECT_EQ(logon["TargetUserName"], "a-jbrown");
  EXPECT_EQ(logon["TargetDomainName"], "3B");
  EXPECT_EQ(logon["LogonType"], "3");
  EXPECT_EQ(logon["AuthenticationPackageName"], "NTLM");
  EXPECT_EQ(logon["IpAddress"], "172.16.66.142");
  EXPECT_EQ(logon["IpPort"], "60726");
  EXPECT_EQ(logon["WorkstationName"], "04246W-WIN10");
  // 4688: the process, its parent, the account that started it.
  const json& lsass = f["lsass"]["details"];
  EXPECT_EQ(lsass["NewProcessName"], "C:\\Windows\\System32\\lsass.exe");
  EXPECT_EQ(lsass["ParentProcessName"], "C:\\Windows\\System32\\lsass.exe");
  EXPECT_EQ(lsass["NewProcessId"], "0x1494");
  EXPECT_TRUE(lsass.contains("SubjectUserName"));
  // Sysmon 1: the command line and its parent.
  const json& explorer = f["explorer"]["details"];
  EXPECT_EQ(explorer["CommandLine"], "explorer.exe  /root,\"c:\\windows\\System32\\calc.exe\"");
  EXPECT_EQ(explorer["Image"], "C:\\Windows\\explorer.exe");
  EXPECT_TRUE(explorer.contains("User"));
  EXPECT_TRUE(explorer.contains("ParentImage"));
  // The order: who first, then what, then from where.
  std::vector<std::string> keys;
  for (const auto& [k, v] : logon.items()) keys.push_back(k);
  EXPECT_EQ(keys.front(), "TargetUserName");
}

TEST(Details, CsvAndTableHaveADetailsColumn) {
  Out csv = scan("--format csv");
  std::vector<std::string> lines = support::split_lines(csv.text);
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind("Timestamp,DeviceName,Level,RuleId,Title,Details,Confidence,", 0), 0u) << lines[0];
  bool found = false;
  for (const std::string& l : lines)
    if (l.find(",cleared,") != std::string::npos) {
      found = true;
      EXPECT_NE(l.find(",SubjectUserName: a-jbrown \xC2\xA6 SubjectDomainName: 3B \xC2\xA6 SubjectUserSid: "),
                std::string::npos)
          << l;
    }
  EXPECT_TRUE(found) << csv.text;
  Out table = scan("--format table");
  EXPECT_NE(table.text.find("failed finding | TargetUserName: Administrator"), std::string::npos) << table.text;
}

TEST(Details, TimesketchHasFlatFieldsAndReadableTags) {
  std::map<std::string, json> f = by_rule(scan("--format timesketch").text, "rule_id");
  const json& logon = f["logon"];
  EXPECT_EQ(logon["TargetUserName"], "a-jbrown");
  EXPECT_EQ(logon["IpAddress"], "172.16.66.142");
  EXPECT_NE(logon["message"].get<std::string>().find("[high] logon finding on 01566s-win16-ir.threebeesco.com: "
                                                     "TargetUserName: a-jbrown"),
            std::string::npos)
      << logon["message"];
  EXPECT_EQ(logon["tag"], (json{"rule:logon finding", "level:high", "attack.t1070.001", "T1070.001"}));
}

TEST(Details, AllFieldsWritesEveryFieldOfTheRecord) {
  std::map<std::string, json> f = by_rule(scan("--format jsonl --all-fields").text, "rule_id");
  const json& failed = f["failed"]["details"];
  // Every data field of the 4625, "-" values too.
  EXPECT_EQ(failed.size(), 21u) << failed.dump();
  EXPECT_EQ(failed["KeyLength"], "0");
  EXPECT_EQ(failed["TransmittedServices"], "-");
  EXPECT_EQ(failed["IpAddress"], "23.94.153.202");
}

// A chain: each evidence step carries its own record's details.
TEST(Details, EachStepOfAChainHasItsDetails) {
  support::CommandResult r = support::run_evtxhunt(
      "scan --format jsonl --rule dcom-mmc20-application " +
      q(corpus::attack_sample("Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = support::split_lines(r.out);
  ASSERT_FALSE(lines.empty());
  json f = json::parse(lines[0]);
  ASSERT_EQ(f["evidence"].size(), 5u);
  EXPECT_EQ(f["evidence"][0]["stage"], "dcom");
  EXPECT_EQ(f["evidence"][0]["details"]["CommandLine"], "C:\\Windows\\system32\\mmc.exe -Embedding");
  EXPECT_EQ(f["evidence"][1]["stage"], "inbound");
  EXPECT_EQ(f["evidence"][1]["details"]["SourceIp"], "10.0.2.18");
  EXPECT_EQ(f["evidence"][1]["details"]["DestinationIp"], "10.0.2.19");
  EXPECT_EQ(f["evidence"][4]["stage"], "child");
  EXPECT_EQ(f["evidence"][4]["details"]["CommandLine"],
            "\"C:\\Windows\\System32\\cmd.exe\" /Q /c whoami /all 1> \\\\127.0.0.1\\ADMIN$\\__1556656511.61 2>&1");
  EXPECT_EQ(f["details"], f["evidence"][0]["details"]);
}

// The tables parse, and every field they name for an event the corpus holds
// is a field of that event in some record (versions differ; computed names
// excepted).
TEST(KeyFieldTables, NameFieldsOfRealRecords) {
  const details::KeyFieldTable& table = details::key_field_table();
  EXPECT_GT(table.size(), 250u);
  std::map<std::pair<std::string, uint16_t>, std::set<std::string>> seen;
  for (const fs::path& p : corpus::list_evtx()) {
    corpus::ReadResult r;
    try {
      r = corpus::read_file(p);
    } catch (const std::exception&) {
      continue;  // damaged on purpose
    }
    for (const corpus::ReadRecord& rec : r.records) {
      std::string provider = rec.provider_name;
      for (char& c : provider) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::set<std::string>& names = seen[{provider, rec.event_id}];
      for (const evtx::DataField& d : rec.data) {
        std::string n = d.name.empty() ? "Data" : d.name;
        n.erase(std::remove(n.begin(), n.end(), ' '), n.end());
        names.insert(n);
      }
    }
  }
  size_t checked = 0;
  for (const auto& [key, fields] : table) {
    auto it = seen.find(key);
    if (it == seen.end()) continue;
    ++checked;
    for (const auto* group : {&fields.who, &fields.what, &fields.where})
      for (const std::string& name : *group) {
        if (name == "User" || name == "Security_UserID") continue;
        EXPECT_TRUE(it->second.count(name))
            << fields.source << ": " << key.first << " " << key.second << " has no " << name;
      }
  }
  EXPECT_GT(checked, 150u);
}

TEST(KeyFieldTables, AMistakeNamesItsLine) {
  details::KeyFieldTable t;
  auto error = [&](const std::string& text) {
    try {
      details::parse_key_fields(text, "t.txt", t);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("4624 | A | B | C\n"), "t.txt:1: an event line before any 'provider NAME' line");
  EXPECT_EQ(error("provider P\n# c\n4624 | A | B\n"), "t.txt:3: not 'ID | WHO | WHAT | FROM WHERE'");
  EXPECT_EQ(error("provider P\n4x | A | B | C\n"), "t.txt:2: not an event id: 4x");
  EXPECT_EQ(error("provider P\n70000 | A | B | C\n"), "t.txt:2: not an event id: 70000");
  EXPECT_EQ(error("provider P\n1 | A | - | -\nprovider p\n1 | B | - | -  # again\n"),
            "t.txt:4: event 1 of this provider is already at t.txt:2");
  details::KeyFieldTable ok;
  details::parse_key_fields("provider Some Provider\n7 | A B | - | C  # comment\n", "ok.txt", ok);
  const details::KeyFields& k = ok.at({"some provider", 7});
  EXPECT_EQ(k.who, (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(k.what.empty());
  EXPECT_EQ(k.where, (std::vector<std::string>{"C"}));
}

}  // namespace
