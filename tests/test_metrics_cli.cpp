// evtxhunt metrics (metrics/record_metrics.h) on real records: counts with
// the events' names, a record-id gap cut with the project's own writer into a
// copy of a real log, cleared Security and System logs, a clock that jumps,
// the output formats parsed back, and mistakes on the command line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/corpus.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string q(const fs::path& p) { return support::shell_quote(p); }

const fs::path kSpray = corpus::attack_sample("Credential Access/kerberos_pwd_spray_4771.evtx");
const fs::path kSystemCleared = corpus::attack_sample("Defense Evasion/DE_104_system_log_cleared.evtx");
const fs::path kSizeT = corpus::rs_sample("Security_with_size_t.evtx");

std::vector<json> metrics(const std::string& args) {
  support::CommandResult r = support::run_evtxhunt("metrics -q -f jsonl " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out;
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

std::vector<json> of_kind(const std::vector<json>& rows, const std::string& kind) {
  std::vector<json> out;
  for (const json& r : rows)
    if (r["kind"] == kind) out.push_back(r);
  return out;
}

}  // namespace

// The spray file's 12 records: 9 4768, 2 4771 and the 1102 that cleared the
// log first, named from the key-field tables.
TEST(MetricsCli, CountsPerEventWithItsName) {
  std::vector<json> rows = metrics("--counts " + q(kSpray));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["event_id"], 4768);
  EXPECT_EQ(rows[0]["count"], 9);
  EXPECT_EQ(rows[0]["name"], "a Kerberos TGT was requested");
  EXPECT_EQ(rows[0]["host"], "01566s-win16-ir.threebeesco.com");
  EXPECT_EQ(rows[0]["channel"], "Security");
  EXPECT_EQ(rows[0]["first_time"], "2020-07-22T20:29:36.4148271Z");
  EXPECT_EQ(rows[1]["event_id"], 4771);
  EXPECT_EQ(rows[1]["count"], 2);
  EXPECT_EQ(rows[2]["event_id"], 1102);
  EXPECT_EQ(rows[2]["provider"], "Microsoft-Windows-Eventlog");
  EXPECT_EQ(rows[2]["count"], 1);
}

// The cleared Security log: 1102 is its first record (EventRecordID 887106),
// naming who cleared it; the log is whole from there.
TEST(MetricsCli, ClearedSecurityLogIsNamed) {
  std::vector<json> rows = metrics("--integrity " + q(kSpray));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["kind"], "sequence");
  EXPECT_EQ(rows[0]["records"], 12);
  EXPECT_EQ(rows[0]["first_record_id"], 887106);
  EXPECT_EQ(rows[0]["last_record_id"], 887117);
  EXPECT_EQ(rows[0]["missing_records"], 0);
  EXPECT_EQ(rows[1]["kind"], "log_cleared");
  EXPECT_EQ(rows[1]["record_id"], 887106);
  EXPECT_EQ(rows[1]["event_id"], 1102);
  EXPECT_EQ(rows[1]["time"], "2020-07-22T20:29:27.3217697Z");
  EXPECT_EQ(rows[1]["details"],
            "the Security log was cleared; SubjectUserName: a-jbrown; SubjectDomainName: 3B; SubjectUserSid: "
            "S-1-5-21-308926384-506822093-3341789130-1106; SubjectLogonId: 0x3a17a");
  // System 104: the System log cleared by user01.
  std::vector<json> system = of_kind(metrics("--integrity " + q(kSystemCleared)), "log_cleared");
  ASSERT_EQ(system.size(), 1u);
  EXPECT_EQ(system[0]["record_id"], 27736);
  EXPECT_EQ(system[0]["channel"], "System");
  EXPECT_EQ(system[0]["details"],
            "an event log was cleared; SubjectUserName: user01; SubjectDomainName: EXAMPLE; Channel: System");
}

// 4719 names what changed in words (Microsoft's event-4719 page): %%8449
// Success added, %%8451 Failure added.
TEST(MetricsCli, AuditPolicyChangeInWords) {
  std::vector<json> rows =
      of_kind(metrics("--integrity " +
                      q(corpus::attack_sample("Credential Access/ACL_ForcePwd_SPNAdd_User_Computer_Accounts.evtx"))),
              "audit_policy_changed");
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0]["record_id"], 198238054);
  EXPECT_EQ(rows[0]["details"],
            "system audit policy was changed; SubjectUserName: DC1$; SubjectDomainName: insecurebank; SubjectLogonId: "
            "0x3e7; CategoryId: %%8273; SubcategoryId: %%12544; AuditPolicyChanges: Success added, Failure added "
            "(%%8449, %%8451)");
}

// Records #887109-#887111 cut out of a copy of the spray log (dumped as XML,
// written back with evtxhunt convert, which keeps each EventRecordID): one
// gap of 3 between #887108 and #887112, with their times.
TEST(MetricsCli, RecordsCutOutAreAGap) {
  support::TempDir dir("metrics");
  support::CommandResult xml = support::run_evtxhunt("dump -f xml " + q(kSpray));
  ASSERT_EQ(xml.exit_code, 0) << xml.err;
  // Events one after another; drop the three.
  std::string text = xml.out, cut;
  size_t dropped = 0;
  for (size_t at = 0;;) {
    size_t start = text.find("<Event xmlns", at);
    if (start == std::string::npos) {
      cut += text.substr(at);
      break;
    }
    cut += text.substr(at, start - at);
    size_t end = text.find("</Event>", start) + 8;
    std::string ev = text.substr(start, end - start);
    bool drop = false;
    for (const char* id : {"887109", "887110", "887111"})
      drop = drop || ev.find(std::string("<EventRecordID>") + id + "<") != std::string::npos;
    if (drop)
      ++dropped;
    else
      cut += ev;
    at = end;
  }
  ASSERT_EQ(dropped, 3u);
  std::ofstream(dir / "cut.xml") << cut;
  support::CommandResult conv =
      support::run_evtxhunt("convert -q -o " + q(dir / "cut.evtx") + " " + q(dir / "cut.xml"));
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  std::vector<json> rows = metrics("--integrity " + q(dir / "cut.evtx"));
  std::vector<json> seq = of_kind(rows, "sequence"), gaps = of_kind(rows, "record_gap");
  ASSERT_EQ(seq.size(), 1u);
  EXPECT_EQ(seq[0]["records"], 9);
  EXPECT_EQ(seq[0]["missing_records"], 3);
  EXPECT_EQ(seq[0]["record_gaps"], 1);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0]["before_record_id"], 887108);
  EXPECT_EQ(gaps[0]["record_id"], 887112);
  EXPECT_EQ(gaps[0]["missing"], 3);
  EXPECT_EQ(gaps[0]["before_time"], "2020-07-22T20:29:36.4148565Z");
  EXPECT_EQ(gaps[0]["time"], "2020-07-22T20:29:36.4150502Z");
  EXPECT_EQ(gaps[0]["details"],
            "records #887109-#887111 missing (3) between #887108 (2020-07-22T20:29:36.4148565Z) and #887112 "
            "(2020-07-22T20:29:36.4150502Z)");
  // The whole log has none.
  EXPECT_TRUE(of_kind(metrics("--integrity " + q(kSpray)), "record_gap").empty());
}

// Security_with_size_t.evtx: a machine renamed after record 32 (two logs of
// one file, each whole), and a clock that jumps by about 10 hours at boots:
// #408 is dated 9 h 59 min before #407, written before it. Steps back of
// less than a second (#39 of security.evtx, 0.48 s) are a log's jitter.
TEST(MetricsCli, ClockJumpsAndSilences) {
  std::vector<json> rows = metrics("--integrity " + q(kSizeT));
  std::vector<json> seq = of_kind(rows, "sequence");
  ASSERT_EQ(seq.size(), 2u);
  EXPECT_EQ(seq[0]["host"], "26l2233b1-02");
  EXPECT_EQ(seq[0]["first_record_id"], 1);
  EXPECT_EQ(seq[0]["last_record_id"], 32);
  EXPECT_EQ(seq[1]["host"], "win-l0zzq76pmuf");
  EXPECT_EQ(seq[1]["first_record_id"], 33);
  EXPECT_EQ(seq[1]["last_record_id"], 636);
  EXPECT_EQ(seq[1]["missing_records"], 0);
  EXPECT_EQ(seq[1]["time_order"], 12);
  EXPECT_EQ(seq[1]["time_gaps"], 17);
  bool found = false;
  for (const json& r : of_kind(rows, "time_order"))
    if (r["record_id"] == 408) {
      found = true;
      EXPECT_EQ(r["before_record_id"], 407);
      EXPECT_EQ(r["details"],
                "#408 (2015-08-23T10:29:50.1827500Z) is dated 9 h 59 min before #407 "
                "(2015-08-23T20:29:36.7500000Z), written before it");
    }
  EXPECT_TRUE(found);
  // A longer --gap leaves only the silences longer than it.
  std::vector<json> long_gaps = of_kind(metrics("--integrity --gap 2d " + q(kSizeT)), "time_gap");
  ASSERT_EQ(long_gaps.size(), 2u);
  EXPECT_EQ(long_gaps[0]["record_id"], 456);
  EXPECT_EQ(long_gaps[1]["record_id"], 560);
  for (const json& r : of_kind(metrics("--integrity " + q(corpus::rs_sample("security.evtx"))), "time_order"))
    EXPECT_NE(r["record_id"], 39);
}

// CSV and table carry the same rows as JSON lines.
TEST(MetricsCli, FormatsCarryTheSameRows) {
  std::vector<json> rows = metrics(q(kSizeT));
  support::CommandResult csv = support::run_evtxhunt("metrics -q -f csv " + q(kSizeT));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::vector<std::string> lines = support::split_lines(csv.out);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  ASSERT_EQ(lines.size(), rows.size() + 1);
  EXPECT_EQ(lines[0], "Kind,Host,Channel,Provider,EventID,Name,Count,FirstTime,LastTime,File,RecordID,Details");
  for (size_t i = 0; i < rows.size(); ++i)
    EXPECT_EQ(lines[i + 1].substr(0, lines[i + 1].find(',')), rows[i]["kind"].get<std::string>()) << i;
  support::CommandResult table = support::run_evtxhunt("metrics -q -f table " + q(kSizeT));
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("\nLog integrity\n"), std::string::npos);
  EXPECT_NE(table.out.find("an account failed to log on"), std::string::npos);
}

// Mistakes say so (exit 2).
TEST(MetricsCli, CommandLineMistakesAreSaid) {
  for (const char* args : {"--counts --integrity", "--gap soon", "--gap 0s", "--since -2d"}) {
    support::CommandResult r = support::run_evtxhunt(std::string("metrics ") + args + " " + q(kSpray));
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_NE(r.err.find("evtxhunt metrics: "), std::string::npos) << r.err;
  }
}
