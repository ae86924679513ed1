// evtxhunt search (search/search_query.h): keywords, regexes and field
// conditions over every record of the shared corpus's attack samples, checked
// against the records themselves (dump's JSON of every record, searched here
// by hand), the Matched column on named records, --count, and the mistakes
// that must not read as "nothing found".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "support/command.h"
#include "support/corpus.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string q(const std::string& s) { return support::shell_quote(s); }

const fs::path kAttacks = fs::path(EVTXHUNT_CORPUS) / "evtx-attack-samples";

using Key = std::tuple<std::string, std::string, uint64_t>;  // host, channel, record id

std::vector<json> search(const std::string& options, const fs::path& evidence = kAttacks) {
  support::CommandResult r = support::run_evtxhunt("search -q -f jsonl " + options + " " + q(evidence.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows;
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

std::set<Key> keys(const std::vector<json>& rows) {
  std::set<Key> out;
  for (const json& r : rows) out.emplace(r["DeviceName"], r["Channel"], r["EventRecordID"].get<uint64_t>());
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Whether any string value under `j` (EventData / UserData, nested) holds `word`.
bool holds(const json& j, const std::string& word) {
  if (j.is_string()) return lower(j.get<std::string>()).find(word) != std::string::npos;
  if (j.is_object() || j.is_array())
    for (const json& v : j)
      if (holds(v, word)) return true;
  return false;
}

// The records of the attack samples (or `evidence`) whose data holds `word`,
// found in dump's JSON without the search engine.
std::set<Key> records_holding(const std::string& word, const fs::path& evidence = kAttacks) {
  support::CommandResult r = support::run_evtxhunt("dump --format jsonl " + q(evidence.string()));
  std::set<Key> out;
  for (const std::string& line : support::split_lines(r.out)) {
    if (line.empty()) continue;
    json e = json::parse(line)["Event"];
    bool hit = (e.contains("EventData") && holds(e["EventData"], word)) ||
               (e.contains("UserData") && holds(e["UserData"], word));
    if (hit) out.emplace(e["System"]["Computer"], e["System"]["Channel"], e["System"]["EventRecordID"].get<uint64_t>());
  }
  return out;
}

// Every record that holds "mimikatz" (any case) and no other: 12 events on
// four hosts (a Sysmon 10 CallTrace, nine 5145 share accesses, a 4703).
TEST(Search, AKeywordFindsTheRecordsThatHoldItAndNoOthers) {
  std::vector<json> rows = search("-k mimikatz");
  EXPECT_EQ(keys(rows), records_holding("mimikatz"));
  EXPECT_EQ(rows.size(), 12u);
  std::map<std::string, std::vector<std::string>> matched;  // "host/record" -> fields
  for (const json& r : rows)
    matched[r["DeviceName"].get<std::string>() + "/" + std::to_string(r["EventRecordID"].get<uint64_t>())] =
        r["Matched"].get<std::vector<std::string>>();
  EXPECT_EQ(matched["MSEDGEWIN10/11983"], (std::vector<std::string>{"ProcessName"}));
  EXPECT_EQ(matched["PC01.example.corp/437648"], (std::vector<std::string>{"RelativeTargetName"}));
  EXPECT_EQ(matched["PC04.example.corp/4807"], (std::vector<std::string>{"SourceImage", "CallTrace"}));
  // The same words as a regular expression, and case counting with --case.
  EXPECT_EQ(keys(search("-r 'mimi[k]atz'")), keys(rows));
  EXPECT_TRUE(search("-k MIMIKATZ --case").empty());
  EXPECT_EQ(keys(search("-k MIMIKATZ")), keys(rows));
}

// One file whose chunks come from many logs (../shared/tools/evtx-mosaic.py):
// record ids repeat in it, and a row is still the record that matched (rows
// were once keyed by record id: 230 rows for 45 matching records).
TEST(Search, RecordIdsRepeatedInOneFile) {
  support::TempDir tmp("mosaic");
  const fs::path mosaic = tmp / "mosaic.evtx";
  support::CommandResult made =
      support::run_command("python3 " + q((fs::path(EVTXHUNT_CORPUS).parent_path() / "tools/evtx-mosaic.py").string()) +
                           " " + q(mosaic.string()) + " 8 " + q(kAttacks.string()));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::vector<json> rows = search("-k rundll32", mosaic);
  ASSERT_FALSE(rows.empty());
  for (const json& r : rows) EXPECT_TRUE(holds(r["Details"], "rundll32")) << r.dump();
  EXPECT_EQ(keys(rows), records_holding("rundll32", mosaic));
}

TEST(Search, TermsAllHoldUnlessAny) {
  std::set<Key> mimikatz = keys(search("-k mimikatz")), lsass = keys(search("-k lsass.exe"));
  std::set<Key> both, either;
  std::set_intersection(mimikatz.begin(), mimikatz.end(), lsass.begin(), lsass.end(),
                        std::inserter(both, both.begin()));
  std::set_union(mimikatz.begin(), mimikatz.end(), lsass.begin(), lsass.end(), std::inserter(either, either.begin()));
  EXPECT_EQ(both.size(), 1u);  // the Sysmon 10 of mimikatz opening lsass.exe
  EXPECT_EQ(keys(search("-k mimikatz -k lsass.exe")), both);
  EXPECT_EQ(keys(search("-k mimikatz -k lsass.exe --any")), either);
}

// Field conditions: Sigma's equality with wildcards, and RE2; a System field
// (Computer) named as Sigma names it. The 4625 of Administrator from
// 23.94.153.202 (Security_short_selected.evtx, the RDP brute force).
TEST(Search, FieldConditions) {
  const fs::path failed = corpus::rs_sample("Security_short_selected.evtx");
  std::vector<json> rows = search("-F EventID=4625 -F 'Ip Address=23.94.*'", failed);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["Details"]["TargetUserName"], "Administrator");
  EXPECT_EQ(rows[0]["Matched"], (std::vector<std::string>{"IpAddress", "EventID"}));
  EXPECT_EQ(search("-F 'IpAddress~^23\\.94\\.153\\.20[0-9]$'", failed).size(), 1u);
  EXPECT_EQ(keys(search("-k mimikatz -F Computer=pc01*")).size(), 9u);
}

TEST(Search, CountByHostChannelAndEventId) {
  support::CommandResult r = support::run_evtxhunt("search -q --count -f csv -k mimikatz " + q(kAttacks.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = support::split_lines(r.out);
  ASSERT_GE(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "DeviceName,Channel,Provider,EventID,Count,FirstTime,LastTime");
  EXPECT_NE(r.out.find("PC01.example.corp,Security,Microsoft-Windows-Security-Auditing,5145,9,"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("MSEDGEWIN10,Security,Microsoft-Windows-Security-Auditing,4703,1,2019-08-14T12:48:15.9215075Z,"
                       "2019-08-14T12:48:15.9215075Z"),
            std::string::npos)
      << r.out;
  // The summary says what was asked and how much matched.
  r = support::run_evtxhunt("search -f csv -k mimikatz -k lsass.exe --any " + q(kAttacks.string()));
  EXPECT_NE(r.err.find("hosts matched keyword 'mimikatz' or keyword 'lsass.exe'"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(",SourceFile,EventRecordID,Matched\n"), std::string::npos);
}

TEST(Search, MistakesSaySo) {
  struct Case {
    std::string options, says;
  };
  for (const Case& c : std::vector<Case>{
           {"", "nothing to search for: give -k WORD, -r RE or -F Field=value"},
           {"-k ''", "-k: an empty keyword matches everything"},
           {"-r 'a(b'", "-r 'a(b': not a regular expression (RE2): missing )"},
           {"-F Image", "-F 'Image': not Field=value or Field~RE"},
           {"-F '=x'", "-F '=x': not Field=value or Field~RE"},
           {"--count -f timesketch -k x", "--count writes jsonl, csv or table"},
       }) {
    support::CommandResult r = support::run_evtxhunt("search " + c.options + " " + q(kAttacks.string()));
    EXPECT_EQ(r.exit_code, 2) << c.options;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.options << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.options;
  }
}

}  // namespace
