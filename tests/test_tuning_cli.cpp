// Tuning a run's findings (replay/tuning.h) and saying so: each option and the
// tuning file on SigmaHQ's rules over the corpus's lateral movement samples,
// the shipped noisy list with what it leaves out of the whole corpus, and the
// command-line mistakes that must not read as "nothing found".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "support/command.h"
#include "support/corpus.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string q(const std::string& s) { return support::shell_quote(s); }

const fs::path kSigmaHQ = fs::path(EVTXHUNT_CORPUS).parent_path() / "sigma";
const fs::path kRules = fs::path(EVTXHUNT_SOURCE_DIR) / "rules";
const fs::path kLateral = corpus::attack_sample("Lateral Movement");

struct ScanRun {
  int exit_code = 0;
  std::vector<json> findings;
  std::string err;
  size_t count(const std::string& title) const {
    return std::count_if(findings.begin(), findings.end(), [&](const json& f) { return f["title"] == title; });
  }
  bool says(const std::string& text) const { return err.find(text) != std::string::npos; }
};

// SigmaHQ's rules and threat-hunting rules over the lateral movement samples.
ScanRun scan(const std::string& options, const fs::path& evidence = kLateral) {
  support::CommandResult r = support::run_evtxhunt("scan --format jsonl --rules " + q((kSigmaHQ / "rules").string()) +
                                                   " --rules " + q((kSigmaHQ / "rules-threat-hunting").string()) + " " +
                                                   options + " " + q(evidence.string()));
  ScanRun out{r.exit_code, {}, r.err};
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) out.findings.push_back(json::parse(line));
  return out;
}

std::map<std::string, size_t> by_title(const ScanRun& r) {
  std::map<std::string, size_t> out;
  for (const json& f : r.findings) ++out[f["title"].get<std::string>()];
  return out;
}

bool has_tag(const json& f, const std::string& prefix) {
  for (const json& t : f["tags"])
    if (t.get<std::string>().rfind(prefix, 0) == 0) return true;
  return false;
}

class TuningOptions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { base_ = new ScanRun(scan("")); }
  static void TearDownTestSuite() { delete base_; }
  static const ScanRun& base() { return *base_; }

 private:
  static ScanRun* base_;
};
ScanRun* TuningOptions::base_ = nullptr;

// What the untuned run finds (counted on these 13 files): the options below
// are checked against it.
TEST_F(TuningOptions, TheUntunedRun) {
  ASSERT_EQ(base().exit_code, 0) << base().err;
  EXPECT_EQ(base().findings.size(), 181u);
  EXPECT_EQ(base().count("RunMRU Registry Key Deletion - Registry"), 21u);
  EXPECT_EQ(base().count("Security Eventlog Cleared"), 5u);
  // The shipped noisy list left out 2 (cmd.exe started by cmd.exe).
  EXPECT_TRUE(
      base().says("tuning: 2 findings of noisy rule 'Potential Executable Run Itself As Sacrificial Process' "
                  "(bafd07c6-3ea5-454a-b4be-058fbb073de7) left out (a threat-hunting rule"))
      << base().err;
}

TEST_F(TuningOptions, ExcludeRuleByTitleOrIdGlob) {
  ScanRun r = scan("--exclude-rule 'RunMRU*'");
  EXPECT_EQ(r.findings.size(), base().findings.size() - 21);
  EXPECT_EQ(r.count("RunMRU Registry Key Deletion - Registry"), 0u);
  EXPECT_TRUE(r.says("tuning: 21 findings left out by --exclude-rule 'RunMRU*'")) << r.err;
  ScanRun by_id = scan("--exclude-rule '3a9b8c1e-*'");  // the same rule by its id
  EXPECT_EQ(by_title(by_id), by_title(r));
}

TEST_F(TuningOptions, TagKeepsOnlyFindingsWithAMatchingTag) {
  ScanRun r = scan("--tag 'attack.t1021*'");
  ASSERT_FALSE(r.findings.empty());
  size_t expected = std::count_if(base().findings.begin(), base().findings.end(),
                                  [](const json& f) { return has_tag(f, "attack.t1021"); });
  EXPECT_EQ(r.findings.size(), expected);
  for (const json& f : r.findings) EXPECT_TRUE(has_tag(f, "attack.t1021")) << f.dump();
  EXPECT_TRUE(r.says("tuning: " + std::to_string(base().findings.size() - expected) +
                     " findings without a tag --tag asks for left out"))
      << r.err;
}

TEST_F(TuningOptions, ExcludeTag) {
  ScanRun r = scan("--exclude-tag attack.t1047");
  EXPECT_EQ(r.findings.size(), base().findings.size() - 28);
  for (const json& f : r.findings) EXPECT_FALSE(has_tag(f, "attack.t1047")) << f.dump();
  EXPECT_TRUE(r.says("tuning: 28 findings left out by --exclude-tag 'attack.t1047'")) << r.err;
}

TEST_F(TuningOptions, ExcludeHost) {
  ScanRun r = scan("--exclude-host 'iewin*'");  // host names match without case
  size_t iewin7 = std::count_if(base().findings.begin(), base().findings.end(),
                                [](const json& f) { return f["DeviceName"] == "IEWIN7"; });
  EXPECT_EQ(iewin7, 81u);
  EXPECT_EQ(r.findings.size(), base().findings.size() - iewin7);
  for (const json& f : r.findings) EXPECT_NE(f["DeviceName"], "IEWIN7");
  // Exclusions are counted first: IEWIN7's 81 and the 2 the noisy list took.
  EXPECT_TRUE(r.says("tuning: 83 findings left out by --exclude-host 'iewin*'")) << r.err;
}

TEST_F(TuningOptions, LevelOverride) {
  ScanRun r = scan("--level 'Security Eventlog Cleared=critical' --min-level critical");
  EXPECT_EQ(r.count("Security Eventlog Cleared"), 5u);
  for (const json& f : r.findings)
    if (f["title"] == "Security Eventlog Cleared") {
      EXPECT_EQ(f["level"], "critical");
    }
  EXPECT_TRUE(r.says("tuning: 5 findings of rule 'Security Eventlog Cleared' reported as critical")) << r.err;
  ScanRun bad = scan("--level 'Security Eventlog Cleared=urgent'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(bad.says("--level: 'Security Eventlog Cleared=urgent' is not RULE=LEVEL")) << bad.err;
}

// --sort time: the same findings, in time order across the 10 hosts.
// Rules are named by title; --rule-ids adds the id where only the title shows.
TEST(RuleNames, RuleIdsOnRequest) {
  const std::string cleared =
      q((kSigmaHQ / "rules/windows/builtin/security/win_security_audit_log_cleared.yml").string());
  support::CommandResult r =
      support::run_evtxhunt("scan -f table --rule-ids --rules " + cleared + " " + q(kLateral.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Security Eventlog Cleared [d99b79d2-0a6f-4f46-ad8b-260b6e17f982]"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("by rule: Security Eventlog Cleared [d99b79d2-0a6f-4f46-ad8b-260b6e17f982] (5)"),
            std::string::npos)
      << r.err;
  support::CommandResult plain = support::run_evtxhunt("scan -f table --rules " + cleared + " " + q(kLateral.string()));
  EXPECT_EQ(plain.out.find("d99b79d2"), std::string::npos) << plain.out;
  EXPECT_NE(plain.err.find("by rule: Security Eventlog Cleared (5)"), std::string::npos) << plain.err;
}

TEST_F(TuningOptions, SortTimeOrdersAcrossHosts) {
  ScanRun r = scan("--sort time");
  ASSERT_EQ(r.findings.size(), base().findings.size());
  std::multiset<std::string> a, b;
  for (const json& f : r.findings) a.insert(f.dump());
  for (const json& f : base().findings) b.insert(f.dump());
  EXPECT_EQ(a, b);
  for (size_t i = 1; i < r.findings.size(); ++i)
    EXPECT_LE(r.findings[i - 1]["Timestamp"].get<std::string>(), r.findings[i]["Timestamp"].get<std::string>());
  // The default (host, then time) is not in time order here.
  bool ordered = true;
  for (size_t i = 1; i < base().findings.size(); ++i)
    ordered = ordered && base().findings[i - 1]["Timestamp"] <= base().findings[i]["Timestamp"];
  EXPECT_FALSE(ordered);
}

// A rule's status (deprecated, unsupported left out by default) on the
// MMC20 record of the lateral movement samples.
TEST(TuningStatus, DeprecatedRulesAreLeftOutUnlessAsked) {
  support::TempDir tmp("status");
  auto rule = [](const std::string& id, const std::string& status) {
    return "title: mmc " + status + "\nid: " + id + "\nstatus: " + status +
           "\nlogsource:\n  product: windows\n  category: process_creation\nlevel: high\ndetection:\n  sel:\n"
           "    ParentImage|endswith: '\\mmc.exe'\n  condition: sel\n---\n";
  };
  std::ofstream(tmp / "r.yml") << rule("mmc-stable", "stable") << rule("mmc-test", "test")
                               << rule("mmc-deprecated", "deprecated") << rule("mmc-unsupported", "unsupported");
  auto ids = [&](const std::string& options) {
    support::CommandResult r = support::run_evtxhunt("scan --format jsonl --rules " + q((tmp / "r.yml").string()) +
                                                     " " + options + " " + q(kLateral.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> out;
    for (const std::string& line : support::split_lines(r.out))
      if (!line.empty()) out.insert(json::parse(line)["rule_id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(ids(""), (std::set<std::string>{"mmc-stable", "mmc-test"}));
  EXPECT_EQ(ids("--status deprecated --status stable"), (std::set<std::string>{"mmc-stable", "mmc-deprecated"}));
  EXPECT_EQ(ids("--status unsupported"), (std::set<std::string>{"mmc-unsupported"}));
  support::CommandResult r = support::run_evtxhunt("scan --status beta " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--status: 'beta' is not a Sigma status (stable, test, experimental, deprecated, unsupported)"),
            std::string::npos)
      << r.err;
}

TEST_F(TuningOptions, TuningFile) {
  support::TempDir tmp("tuning");
  fs::path file = tmp / "site.yml";
  std::ofstream(file) << "tuning:\n"
                         "  exclude:\n"
                         "    - rule: 'CMD Shell Output Redirect'\n"
                         "      reason: our admin scripts log to files\n"
                         "    - host: msedgewin10\n"
                         "      since: 2019-01-01\n"
                         "      until: 2030-12-31\n"
                         "      reason: the red team's box\n"
                         "  noisy:\n"
                         "    - {rule: 'WmiPrvSE Spawned A Process', reason: SCCM inventory}\n"
                         "  levels:\n"
                         "    - {rule: 'Local Accounts Discovery', level: high, reason: never on our servers}\n";
  ScanRun r = scan("--tuning " + q(file.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.count("CMD Shell Output Redirect"), 0u);
  EXPECT_EQ(r.count("WmiPrvSE Spawned A Process"), 0u);
  for (const json& f : r.findings) EXPECT_NE(f["DeviceName"], "MSEDGEWIN10") << f.dump();
  ASSERT_GT(r.count("Local Accounts Discovery"), 0u);
  for (const json& f : r.findings)
    if (f["title"] == "Local Accounts Discovery") {
      EXPECT_EQ(f["level"], "high");
    }
  // Each entry's count, reason and line in the summary.
  EXPECT_TRUE(r.says("findings left out by rule 'CMD Shell Output Redirect' (our admin scripts log to files) [" +
                     file.string() + ":3]"))
      << r.err;
  EXPECT_TRUE(
      r.says("findings left out by host 'msedgewin10' from 2019-01-01T00:00:00.0000000Z until "
             "2030-12-31T23:59:59.9999999Z (the red team's box) [" +
             file.string() + ":5]"))
      << r.err;
  EXPECT_TRUE(
      r.says("findings of noisy rule 'WmiPrvSE Spawned A Process' left out (SCCM inventory); --include-noisy "
             "keeps them [" +
             file.string() + ":10]"))
      << r.err;
  EXPECT_TRUE(r.says("findings of rule 'Local Accounts Discovery' reported as high (never on our servers) [" +
                     file.string() + ":12]"))
      << r.err;
  // --include-noisy brings back the noisy ones (and the shipped list's).
  ScanRun noisy = scan("--include-noisy --tuning " + q(file.string()));
  EXPECT_EQ(noisy.count("WmiPrvSE Spawned A Process"), 3u);  // 10, 7 of them on MSEDGEWIN10
  EXPECT_EQ(noisy.count("Potential Executable Run Itself As Sacrificial Process"), 2u);
  // A time window on every host: the findings of April 2019 out (66, all IEWIN7's).
  std::ofstream(tmp / "window.yml") << "tuning:\n  exclude:\n    - since: 2019-04-01\n      until: 2019-04-30\n"
                                       "      reason: the exercise\n";
  ScanRun window = scan("--tuning " + q((tmp / "window.yml").string()));
  size_t in_window = 0;
  for (const json& f : base().findings) in_window += f["Timestamp"].get<std::string>().rfind("2019-04", 0) == 0;
  ASSERT_EQ(in_window, 66u);
  EXPECT_EQ(window.findings.size(), base().findings.size() - in_window);
  // Parts of one entry all must match: a rule on one host only. Security
  // Eventlog Cleared fires on four hosts, twice on PC01.
  ASSERT_EQ(base().count("Security Eventlog Cleared"), 5u);
  std::ofstream(tmp / "pair.yml") << "tuning:\n  exclude:\n    - rule: Security Eventlog Cleared\n"
                                     "      host: pc01*\n      reason: its build script clears the logs\n";
  ScanRun pair = scan("--tuning " + q((tmp / "pair.yml").string()));
  EXPECT_EQ(pair.count("Security Eventlog Cleared"), 3u);
  EXPECT_EQ(pair.findings.size(), base().findings.size() - 2);
  EXPECT_TRUE(
      pair.says("tuning: 2 findings left out by rule 'Security Eventlog Cleared' on host 'pc01*' (its build "
                "script clears the logs)"))
      << pair.err;
}

// A tuning file that cannot be used stops the command (exit 7) naming the
// file, the line and what is wrong.
TEST(TuningFileErrors, NameFileLineAndWhat) {
  support::TempDir tmp("badtuning");
  auto error = [&](const std::string& text) {
    std::ofstream(tmp / "t.yml") << text;
    support::CommandResult r =
        support::run_evtxhunt("scan --tuning " + q((tmp / "t.yml").string()) + " " + q(kLateral.string()));
    EXPECT_EQ(r.exit_code, 7) << r.err;
    EXPECT_TRUE(r.out.empty());
    return r.err;
  };
  std::string f = (tmp / "t.yml").string();
  EXPECT_NE(error("tuning:\n  exclude:\n    - rule: x\n").find(f + ":3: every entry says why: add a reason"),
            std::string::npos);
  EXPECT_NE(error("tuning:\n  exclude:\n    - {rule: x, reson: typo}\n").find(f + ":3: unknown key 'reson'"),
            std::string::npos);
  EXPECT_NE(error("tuning:\n  ignore: []\n").find(f + ":2: unknown section 'ignore' (exclude, noisy, levels)"),
            std::string::npos);
  EXPECT_NE(error("exclude: []\n").find(f + ": not a tuning file"), std::string::npos);
  EXPECT_NE(error("tuning:\n  levels:\n    - {rule: x, level: urgent, reason: r}\n")
                .find(f + ":3: level must be informational, low, medium, high or critical"),
            std::string::npos);
  EXPECT_NE(error("tuning:\n  exclude:\n    - {host: x, since: yesterday, reason: r}\n")
                .find(f + ":3: 'since': not a time: yesterday"),
            std::string::npos);
  EXPECT_NE(
      error("tuning:\n  exclude:\n    - {reason: r}\n")
          .find(f + ":3: an entry names a rule, a tag, a host or a time range (since, until), or several of them"),
      std::string::npos);
  EXPECT_NE(error("tuning:\n  noisy:\n    - {host: x, reason: r}\n").find(f + ":3: a noisy entry names its rule"),
            std::string::npos);
  EXPECT_NE(error("tuning: [a, b").find(f + ":"), std::string::npos);
  support::CommandResult r =
      support::run_evtxhunt("scan --tuning " + q((tmp / "absent.yml").string()) + " " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find((tmp / "absent.yml").string() + ": cannot be read"), std::string::npos) << r.err;
  // A device that never ends is read up to the bound, not forever.
  r = support::run_command("timeout 60 " + q(EVTXHUNT_BINARY) + " scan --tuning /dev/zero " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find("/dev/zero: larger than a tuning file (4 MiB)"), std::string::npos) << r.err;
}

// The shipped list (rules/tuning/noisy.yml): what each entry leaves out of
// every SigmaHQ rule's findings over the whole corpus, as its reason says.
TEST(Tuning, TheShippedNoisyListAndItsCounts) {
  std::string rules;
  for (const char* d : {"rules", "rules-threat-hunting", "rules-emerging-threats"})
    rules += " --rules " + q((kSigmaHQ / d).string());
  auto run = [&](const std::string& options) {
    support::CommandResult r =
        support::run_evtxhunt("scan --format jsonl" + rules + " " + options + " " + q(corpus::root().string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, size_t> out;
    for (const std::string& line : support::split_lines(r.out))
      if (!line.empty()) ++out[json::parse(line)["rule_id"].get<std::string>()];
    return std::pair{out, r.err};
  };
  auto [all, all_err] = run("--include-noisy");
  auto [tuned, tuned_err] = run("");
  const std::map<std::string, size_t> noisy = {{"0badd08f-c6a3-4630-90d3-6875cca440be", 68},
                                               {"e9faba72-4974-4ab2-a4c5-46e25ad59e9b", 62},
                                               {"bafd07c6-3ea5-454a-b4be-058fbb073de7", 84},
                                               {"acfa2210-0d71-4eeb-b477-afab494d596c", 17}};
  size_t left_out = 0;
  for (const auto& [id, n] : noisy) {
    EXPECT_EQ(all[id], n) << id;
    EXPECT_EQ(tuned.count(id), 0u) << id;
    EXPECT_NE(tuned_err.find("tuning: " + std::to_string(n) + " findings of noisy rule '"), std::string::npos)
        << tuned_err;
    left_out += n;
  }
  size_t total_all = 0, total_tuned = 0;
  for (const auto& [id, n] : all) total_all += n;
  for (const auto& [id, n] : tuned) total_tuned += n;
  EXPECT_EQ(total_all, 1778u);
  EXPECT_EQ(total_tuned, total_all - left_out);
  EXPECT_NE(tuned_err.find("1547 findings:"), std::string::npos) << tuned_err;
}

// Mistakes on the command line say so (and how to fix them) instead of
// printing "0 findings".
TEST(FailLoudly, NoRuleLoadedIsExit7WithTheReason) {
  support::CommandResult r = support::run_evtxhunt("scan --rules /nonexistent/rules " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("rule skipped: /nonexistent/rules: no such file or folder"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no rule to run from /nonexistent/rules"), std::string::npos) << r.err;
  support::TempDir empty("norules");
  r = support::run_evtxhunt("timeline --rules " + q(empty.path().string()) + " " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find("no rule to run from " + empty.path().string()), std::string::npos) << r.err;
}

TEST(FailLoudly, AHostNoEvidenceHasIsNamedWithTheHostsThereAre) {
  for (const char* command : {"scan", "timeline"}) {
    support::CommandResult r =
        support::run_evtxhunt(std::string(command) + " --host nosuchhost --exclude-host 'dc9*' " +
                              q(corpus::attack_sample("Lateral Movement/LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx")));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("0 hosts matched --host 'nosuchhost': the hosts read are IEWIN7"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("0 hosts matched --exclude-host 'dc9*': the hosts read are IEWIN7"), std::string::npos)
        << r.err;
    // The summary says it too, beside the count.
    EXPECT_NE(r.err.find(std::string("evtxhunt ") + command + ": 0 hosts matched --host 'nosuchhost'\n"),
              std::string::npos)
        << r.err;
  }
}

TEST(FailLoudly, ARuleOrTagNoRuleHasNamesTheClosest) {
  ScanRun r = scan("--rule 'Security Eventlog Clear'");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_TRUE(
      r.says("no rule matches 'Security Eventlog Clear' (closest: 'Security Eventlog Cleared' "
             "(d99b79d2-0a6f-4f46-ad8b-260b6e17f982)"))
      << r.err;
  r = scan("--exclude-rule 'Security Eventlog Clear' --tag attack.t9999 --exclude-tag attack.lateral_movement");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      r.says("--exclude-rule 'Security Eventlog Clear' matches no rule loaded (closest: 'Security Eventlog "
             "Cleared'"))
      << r.err;
  EXPECT_TRUE(r.says("--tag 'attack.t9999' matches no tag of the rules loaded, so nothing can be found")) << r.err;
  EXPECT_TRUE(r.says("--exclude-tag 'attack.lateral_movement' matches no tag of the rules loaded")) << r.err;
  EXPECT_TRUE(r.findings.empty());
}

TEST(FailLoudly, ATimeThatDoesNotParseListsTheFormsAccepted) {
  support::CommandResult r = support::run_evtxhunt("scan --since 'last tuesday' " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--since: not a time: last tuesday (accepted: 2021-04-26, 2021-04-26T09:00, "
                       "2021-04-26 09:00:00.123, 2021-04-26T09:00:00Z, 2021-04-26 09:00:00 +02:00, -2d or -36h "
                       "before the evidence's last event)"),
            std::string::npos)
      << r.err;
}

// What runs, named before a scan: `rules list` and `rules show` on SigmaHQ's
// rule for Security log clearing (one file, one rule) and the project's rules.
TEST(RulesCommand, ListNamesEachRuleWithItsFileAndLine) {
  const fs::path cleared = kSigmaHQ / "rules/windows/builtin/security/win_security_audit_log_cleared.yml";
  support::CommandResult r = support::run_evtxhunt("rules list --rules " + q(cleared.string()) + " -f jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = support::split_lines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  json rule = json::parse(lines[0]);
  EXPECT_EQ(rule["id"], "d99b79d2-0a6f-4f46-ad8b-260b6e17f982");
  EXPECT_EQ(rule["title"], "Security Eventlog Cleared");
  EXPECT_EQ(rule["level"], "high");
  EXPECT_EQ(rule["kind"], "sigma");
  EXPECT_EQ(rule["file"], cleared.string());
  EXPECT_EQ(rule["line"], 1);
  EXPECT_EQ(rule["logsource"], "windows/security");
  EXPECT_NE(r.err.find("1 rules listed"), std::string::npos) << r.err;
  // Without a path: the project's own rules, each with its table; --rule narrows by title.
  r = support::run_evtxhunt("rules list -f csv --rule '*DCOM*'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = support::split_lines(r.out);
  ASSERT_GE(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "Id,Title,Level,Status,Kind,Tags,LogSource,File");
  size_t kql = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    bool ours = lines[i].find(",evtxhunt,") != std::string::npos;
    kql += lines[i].find(",kql,") != std::string::npos;
    EXPECT_TRUE(ours || lines[i].find("rules/ff-t1021.003-dcom.kql") != std::string::npos) << lines[i];
  }
  EXPECT_EQ(kql, 1u);  // the seed's KQL as published, with the tables it reads
}

TEST(RulesCommand, ShowPrintsTheRuleAsWrittenAndNamesTheClosestWhenNoneMatches) {
  support::CommandResult r =
      support::run_evtxhunt("rules show --rules " + q((kSigmaHQ / "rules").string()) + " 'Security Eventlog Cleared'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("id:          d99b79d2-0a6f-4f46-ad8b-260b6e17f982\ntitle:       Security Eventlog Cleared\n"),
            std::string::npos)
      << r.out;
  // The YAML as written, its newlines kept (not escaped as a message's would be).
  EXPECT_NE(r.out.find("\ntitle: Security Eventlog Cleared\nid: d99b79d2-0a6f-4f46-ad8b-260b6e17f982\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    selection_517:\n        EventID: 517\n        Provider_Name: Security\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("\\x0a"), std::string::npos);
  r = support::run_evtxhunt("rules show --rules " + q((kSigmaHQ / "rules").string()) + " 'Security Eventlog Clear'");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_NE(r.err.find("no rule matches 'Security Eventlog Clear' (closest: 'Security Eventlog Cleared'"),
            std::string::npos)
      << r.err;
}

// Without --rules a run takes SigmaHQ's rules where scripts/update-sigma.sh
// put them, and says which; without them it says only the project's ran.
TEST(DefaultRules, SigmaHQRulesInstalledByTheScriptRunWithoutRules) {
  support::TempDir tmp("sigmahome");
  const fs::path home = tmp / "sigma";
  // The script compiles the new set's patterns into the cache: the first scan finds them there.
  const std::string cache = "EVTXHUNT_CACHE=" + q((tmp / "cache").string()) + " ";
  support::CommandResult r =
      support::run_command(cache + "EVTXHUNT=" + q(EVTXHUNT_BINARY) + " bash " +
                           q((fs::path(EVTXHUNT_SOURCE_DIR) / "scripts/update-sigma.sh").string()) +
                           " --commit 8eaafff " + q(kSigmaHQ.string()) + " " + q(home.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream version(home / "SIGMAHQ_VERSION");
  std::string first;
  std::getline(version, first);
  EXPECT_EQ(first, "commit 8eaafff");
  // rules/windows and rules-threat-hunting/windows whole; of the 473
  // emerging-threats rules the 323 for Windows logs.
  EXPECT_TRUE(fs::exists(home / "LICENSE"));
  EXPECT_TRUE(fs::exists(home / "rules-threat-hunting/windows"));
  EXPECT_NE(r.out.find("2858 rule files of SigmaHQ commit 8eaafff in " + home.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("update-sigma: Sigma patterns: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" databases compiled in "), std::string::npos) << r.out;

  const std::string evidence = q(kLateral.string());
  support::CommandResult with = support::run_command(cache + "EVTXHUNT_SIGMA=" + q(home.string()) + " " +
                                                     q(EVTXHUNT_BINARY) + " scan -f jsonl " + evidence);
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_NE(with.err.find(" databases from the cache in " + (tmp / "cache").string()), std::string::npos) << with.err;
  EXPECT_NE(with.err.find("SigmaHQ rules from " + home.string() + " (commit 8eaafff) with the project's"),
            std::string::npos)
      << with.err;
  support::CommandResult same = support::run_evtxhunt("scan -f jsonl --rules " + q(kRules.string()) + " --rules " +
                                                      q(home.string()) + " " + evidence);
  EXPECT_EQ(with.out, same.out);
  support::CommandResult alone = support::run_evtxhunt("scan -f jsonl " + evidence);
  EXPECT_GT(support::split_lines(with.out).size(), support::split_lines(alone.out).size() + 100);
  EXPECT_NE(alone.err.find("only the project's rules ran (EVTXHUNT_SIGMA is empty"), std::string::npos) << alone.err;
  support::CommandResult missing =
      support::run_command("EVTXHUNT_SIGMA=/nonexistent/sigma " + q(EVTXHUNT_BINARY) + " rules list -q -f csv");
  EXPECT_EQ(missing.exit_code, 0) << missing.err;
  missing = support::run_command("EVTXHUNT_SIGMA=/nonexistent/sigma " + q(EVTXHUNT_BINARY) + " rules list -f csv");
  EXPECT_NE(missing.err.find("only the project's rules ran: no SigmaHQ rules at EVTXHUNT_SIGMA=/nonexistent/sigma "
                             "(scripts/update-sigma.sh SIGMAHQ_CHECKOUT installs them there"),
            std::string::npos)
      << missing.err;
}

}  // namespace
