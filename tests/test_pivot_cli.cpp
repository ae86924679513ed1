// evtxhunt pivot (pivot/pivots.h): what the findings touch, on SigmaHQ's
// rules over the corpus's lateral movement samples, checked against the
// findings scan writes for the same run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "support/command.h"
#include "support/corpus.h"
#include "support/lines.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string q(const std::string& s) { return support::shell_quote(s); }

const fs::path kSigmaHQ = fs::path(EVTXHUNT_CORPUS).parent_path() / "sigma";
const fs::path kLateral = corpus::attack_sample("Lateral Movement");

std::string rules() {
  return "--rules " + q((kSigmaHQ / "rules").string()) + " --rules " + q((kSigmaHQ / "rules-threat-hunting").string());
}

std::vector<json> run(const std::string& command, const std::string& options, std::string* err = nullptr) {
  support::CommandResult r =
      support::run_evtxhunt(command + " -f jsonl " + rules() + " " + options + " " + q(kLateral.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (err) *err = r.err;
  std::vector<json> out;
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

const json* find(const std::vector<json>& pivots, const std::string& kind, const std::string& value) {
  for (const json& p : pivots)
    if (p["kind"] == kind && p["value"] == value) return &p;
  return nullptr;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Findings (scan's) one of whose records has a key field equal to `value`
// (letters' case ignored).
size_t findings_naming(const std::vector<json>& findings, const std::string& value) {
  auto names = [&](const json& details) {
    for (const auto& [name, v] : details.items())
      if (v.is_string() && lower(v.get<std::string>()) == lower(value)) return true;
    return false;
  };
  return std::count_if(findings.begin(), findings.end(), [&](const json& f) {
    if (f.contains("details") && names(f["details"])) return true;  // the first record's
    for (const json& step : f["evidence"])                          // a chain's, each step's
      if (step.contains("details") && names(step["details"])) return true;
    return false;
  });
}

class Pivot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pivots_ = new std::vector<json>(run("pivot", "", &err_));
    findings_ = new std::vector<json>(run("scan", "--min-level high"));
  }
  static void TearDownTestSuite() {
    delete pivots_;
    delete findings_;
  }
  static std::vector<json>* pivots_;
  static std::vector<json>* findings_;
  static std::string err_;
};
std::vector<json>* Pivot::pivots_ = nullptr;
std::vector<json>* Pivot::findings_ = nullptr;
std::string Pivot::err_;

// The default: findings at or above high (88 of them here).
TEST_F(Pivot, EachPivotCountsTheFindingsThatNameIt) {
  ASSERT_EQ(findings_->size(), 88u);
  EXPECT_NE(err_.find("pivots (accounts, hosts, addresses, processes, command lines, hashes, services, tasks) from the "
                      "findings at or above high"),
            std::string::npos)
      << err_;
  const json* ip = find(*pivots_, "address", "10.0.2.16");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ((*ip)["findings"], 7);
  EXPECT_EQ((*ip)["findings"].get<size_t>(), findings_naming(*findings_, "10.0.2.16"));
  EXPECT_EQ((*ip)["hosts"], json::array({"IEWIN7"}));
  // An account with its domain, from the 1102 and the 4702 of a-jbrown.
  const json* jbrown = find(*pivots_, "account", "3B\\a-jbrown");
  ASSERT_NE(jbrown, nullptr);
  EXPECT_EQ((*jbrown)["findings"], 2);
  EXPECT_EQ((*jbrown)["rules"], json::array({"Security Eventlog Cleared", "Suspicious Scheduled Task Update"}));
  EXPECT_EQ((*jbrown)["first_time"], "2020-09-02T11:47:39.4991064Z");
  // Hashes one per algorithm, as Sysmon's Hashes lists them.
  const json* mmc = find(*pivots_, "hash", "SHA256=40E2B83F07771D54CE4E45B76A14883D042766FF4E1E7872E482EC91E81E9484");
  ASSERT_NE(mmc, nullptr);
  EXPECT_EQ((*mmc)["rules"], json::array({"MMC20 Lateral Movement"}));
  // A path in two cases is one pivot (Windows compares paths without case),
  // written as its first finding (in time) writes it.
  const json* upper = find(*pivots_, "process", "C:\\Windows\\System32\\services.exe");
  const json* lower_case = find(*pivots_, "process", "C:\\Windows\\system32\\services.exe");
  ASSERT_TRUE((upper == nullptr) != (lower_case == nullptr));
  const json* services = upper ? upper : lower_case;
  EXPECT_EQ((*services)["findings"], 5);
  // Every finding's host is a pivot with all of its findings.
  const json* iewin7 = find(*pivots_, "host", "IEWIN7");
  ASSERT_NE(iewin7, nullptr);
  EXPECT_EQ((*iewin7)["findings"].get<size_t>(),
            static_cast<size_t>(std::count_if(findings_->begin(), findings_->end(),
                                              [](const json& f) { return f["DeviceName"] == "IEWIN7"; })));
}

TEST_F(Pivot, NoLeadsLeftOutAndOrdered) {
  for (const json& p : *pivots_) {
    std::string v = lower(p["value"].get<std::string>());
    if (p["kind"] == "account") {
      EXPECT_NE(v, "system") << p.dump();
      EXPECT_NE(v, "nt authority\\system") << p.dump();
    }
    EXPECT_NE(v.rfind("127.", 0), 0u) << p.dump();
    EXPECT_NE(v, "-") << p.dump();
  }
  // By kind (accounts first), then the most findings first.
  for (size_t i = 1; i < pivots_->size(); ++i) {
    const json &a = (*pivots_)[i - 1], &b = (*pivots_)[i];
    if (a["kind"] == b["kind"]) {
      EXPECT_GE(a["findings"], b["findings"]) << a.dump() << b.dump();
    }
  }
  EXPECT_EQ(pivots_->front()["kind"], "account");
}

TEST_F(Pivot, MinLevelAndFormats) {
  // The one critical finding: a named pipe created by System on IEWIN7.
  support::CommandResult csv =
      support::run_evtxhunt("pivot -q -f csv " + rules() + " --min-level critical " + q(kLateral.string()));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::vector<std::string> lines = support::split_lines(csv.out);
  ASSERT_EQ(lines.size(), 3u) << csv.out;
  EXPECT_EQ(lines[0], "Kind,Value,Findings,Rules,Hosts,FirstTime,LastTime");
  EXPECT_EQ(
      lines[1],
      "host,IEWIN7,1,Malicious Named Pipe Created,IEWIN7,2019-04-29T20:59:14.4473138Z,2019-04-29T20:59:14.4473138Z");
  EXPECT_EQ(lines[2],
            "process,System,1,Malicious Named Pipe Created,IEWIN7,2019-04-29T20:59:14.4473138Z,"
            "2019-04-29T20:59:14.4473138Z");
  support::CommandResult bad = support::run_evtxhunt("pivot -f timesketch " + q(kLateral.string()));
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
