// The parsed-rule cache (src/sigma/rule_cache.h): every SigmaHQ rule file of
// ../shared/sigma, plus a correlation and two filters (SigmaHQ's set has
// none), parsed and read back from a cache file field by field; a cache file
// taken only for exactly the files it was made from; damaged or crafted
// files refused, never trusted.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sigma/hs_cache.h"
#include "sigma/rule_cache.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSigmaHQ = fs::path(EVTXHUNT_CORPUS).parent_path() / "sigma";

const char* kCorrelationAndFilters = R"(title: Failed logon
id: failed-logon
name: failed_logon
status: test
level: low
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
    TargetUserName|cased: Admin
    IpAddress|cidr: [10.0.0.0/8, 'fe80::/10']
    LogonType|gte: 3
  keywords: ['mimi*katz', 'lsa\?ss']
  condition: (selection and not 1 of filter_*) or all of them
  filter_a:
    WorkstationName|re|i: '^ws\d+$'
    Status|exists: false
---
title: Many failed logons
id: many-failed
level: high
correlation:
  type: value_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 10m
  condition:
    field: TargetUserName
    gte: 5
    lt: 100
  generate: true
  aliases:
    ip:
      failed_logon: IpAddress
---
title: Not the scanner
id: not-scanner
logsource:
  product: windows
filter:
  rules: [failed-logon, many-failed]
  selection:
    IpAddress: 10.0.0.9
  condition: not selection
)";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Files {
  std::vector<std::string> texts;
  std::vector<sigma::FileText> list;
  std::vector<sigma::ParsedFile> parsed;
};

// Parsed once for every test of the file (3,000 files: seconds under the sanitizers).
const Files& every_rule() {
  static const Files files = [] {
    Files f;
    std::vector<fs::path> paths;
    for (const char* folder : {"rules", "rules-threat-hunting", "rules-emerging-threats"})
      for (const auto& e : fs::recursive_directory_iterator(kSigmaHQ / folder))
        if (e.path().extension() == ".yml") paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const fs::path& p : paths) f.texts.push_back(read(p));
    f.texts.push_back(kCorrelationAndFilters);
    paths.push_back("correlation.yml");
    for (size_t i = 0; i < paths.size(); ++i) {
      f.list.emplace_back(paths[i].string(), f.texts[i]);
      sigma::ParsedFile& p = f.parsed.emplace_back();
      p.rule = true;
      p.result = sigma::load_sigma_text(f.texts[i], paths[i].string());
    }
    f.parsed.emplace_back().rule = false;  // YAML that is no rule
    f.list.emplace_back("config.yml", "key: value\n");
    f.parsed.back().result.errors.push_back({"config.yml", 3, 7, "a reason"});
    return f;
  }();
  return files;
}

void same_condition(const sigma::Condition& a, const sigma::Condition& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.args.size(), b.args.size());
  for (size_t i = 0; i < a.args.size(); ++i) same_condition(*a.args[i], *b.args[i]);
}

void same_rule(const sigma::Rule& a, const sigma::Rule& b) {
  SCOPED_TRACE(a.file + ": " + a.id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(std::tie(a.id, a.name, a.title, a.description, a.author, a.status),
            std::tie(b.id, b.name, b.title, b.description, b.author, b.status));
  EXPECT_EQ(a.level, b.level);
  EXPECT_EQ(std::tie(a.tags, a.references, a.falsepositives, a.file, a.line),
            std::tie(b.tags, b.references, b.falsepositives, b.file, b.line));
  EXPECT_EQ(std::tie(a.logsource.product, a.logsource.category, a.logsource.service),
            std::tie(b.logsource.product, b.logsource.category, b.logsource.service));
  ASSERT_EQ(a.selections.size(), b.selections.size());
  for (size_t s = 0; s < a.selections.size(); ++s) {
    EXPECT_EQ(a.selections[s].name, b.selections[s].name);
    ASSERT_EQ(a.selections[s].alternatives.size(), b.selections[s].alternatives.size());
    for (size_t k = 0; k < a.selections[s].alternatives.size(); ++k) {
      const auto& x = a.selections[s].alternatives[k];
      const auto& y = b.selections[s].alternatives[k];
      ASSERT_EQ(x.size(), y.size());
      for (size_t t = 0; t < x.size(); ++t) {
        EXPECT_EQ(std::tie(x[t].field, x[t].op, x[t].part, x[t].all, x[t].cased, x[t].negate, x[t].expected),
                  std::tie(y[t].field, y[t].op, y[t].part, y[t].all, y[t].cased, y[t].negate, y[t].expected));
        EXPECT_EQ(x[t].values, y[t].values);
        EXPECT_EQ(x[t].placeholders, y[t].placeholders);
      }
    }
  }
  ASSERT_EQ(a.conditions.size(), b.conditions.size());
  for (size_t c = 0; c < a.conditions.size(); ++c) same_condition(*a.conditions[c], *b.conditions[c]);
  const sigma::Correlation &p = a.correlation, &q = b.correlation;
  EXPECT_EQ(std::tie(p.type, p.rules, p.group_by, p.timespan, p.field, p.aliases, p.generate),
            std::tie(q.type, q.rules, q.group_by, q.timespan, q.field, q.aliases, q.generate));
  EXPECT_EQ(std::tie(p.gt, p.gte, p.lt, p.lte, p.eq, p.neq), std::tie(q.gt, q.gte, q.lt, q.lte, q.eq, q.neq));
  EXPECT_EQ(a.filter_rules, b.filter_rules);
}

TEST(RuleCache, EveryRuleReadsBackFieldByField) {
  const Files& f = every_rule();
  ASSERT_GT(f.list.size(), 3000u);
  size_t rules = 0, correlations = 0, filters = 0;
  std::vector<std::optional<sigma::ParsedFile>> back =
      sigma::rule_cache_parsed(sigma::rule_cache_bytes(f.list, f.parsed), f.list);
  ASSERT_EQ(back.size(), f.parsed.size());
  for (size_t i = 0; i < f.parsed.size(); ++i) {
    ASSERT_TRUE(back[i]) << f.list[i].first;
    EXPECT_EQ(back[i]->rule, f.parsed[i].rule);
    const sigma::LoadResult &a = f.parsed[i].result, &b = back[i]->result;
    ASSERT_EQ(a.rules.size(), b.rules.size()) << f.list[i].first;
    for (size_t r = 0; r < a.rules.size(); ++r) {
      same_rule(a.rules[r], b.rules[r]);
      ++rules;
      correlations += a.rules[r].kind == sigma::Rule::Kind::Correlation;
      filters += a.rules[r].kind == sigma::Rule::Kind::Filter;
    }
    ASSERT_EQ(a.errors.size(), b.errors.size()) << f.list[i].first;
    for (size_t e = 0; e < a.errors.size(); ++e) EXPECT_EQ(a.errors[e].str(), b.errors[e].str());
  }
  EXPECT_GT(rules, 3000u);
  EXPECT_EQ(correlations, 1u);
  EXPECT_EQ(filters, 1u);
}

// Each file's parse is taken only for the path and text it was made from: an
// edited or renamed file is parsed again alone.
TEST(RuleCache, AParseIsTakenOnlyForThePathAndTextItWasMadeFrom) {
  const std::string a = "title: a\n", b = "title: b\n", edited = "title: c\n";
  std::vector<sigma::FileText> files = {{"a.yml", a}, {"b.yml", b}};
  std::vector<sigma::ParsedFile> parsed(2);
  parsed[1].rule = true;
  std::string bytes = sigma::rule_cache_bytes(files, parsed);
  auto present = [&](const std::vector<sigma::FileText>& now) {
    std::vector<bool> out;
    for (const auto& p : sigma::rule_cache_parsed(bytes, now)) out.push_back(p.has_value());
    return out;
  };
  EXPECT_EQ(present(files), (std::vector<bool>{true, true}));
  EXPECT_EQ(present({{"a.yml", a}, {"b.yml", edited}}), (std::vector<bool>{true, false}));  // a rule changed
  EXPECT_EQ(present({{"a.yml", a}, {"c.yml", b}}), (std::vector<bool>{true, false}));       // renamed
  EXPECT_EQ(present({{"b.yml", b}}), (std::vector<bool>{true}));                            // one less
  EXPECT_EQ(present({{"b.yml", b}, {"d.yml", a}}), (std::vector<bool>{true, false}));       // one more
  EXPECT_TRUE(sigma::rule_cache_parsed(bytes, files)[1]->rule);
}

TEST(RuleCache, DamagedOrCraftedFilesAreRefused) {
  const Files& f = every_rule();
  std::string good = sigma::rule_cache_bytes(f.list, f.parsed);
  auto taken = [&](const std::string& bytes) {
    size_t n = 0;
    for (const auto& p : sigma::rule_cache_parsed(bytes, f.list)) n += p.has_value();
    return n;
  };
  EXPECT_EQ(taken(good), f.list.size());
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x20;
  EXPECT_EQ(taken(flipped), 0u);              // the checksum
  EXPECT_EQ(taken(good.substr(0, 100)), 0u);  // cut short
  // Edits under a valid checksum (the file is the user's own: one who can
  // write it can change any rule): never read past the bytes or take more
  // memory than they can hold (ASan and UBSan run this); an entry whose
  // bytes do not decode whole is parsed again.
  std::string crafted = good;
  crafted[16] = '\x7f';             // the entries' count (two bytes for 3,000 files) cut to one: the rest misread
  sigma::seal_cache_file(crafted);  // same layout as a pattern cache file: magic, then the checksum of the rest
  EXPECT_LT(taken(crafted), 128u);
  size_t refused = 0;
  for (size_t at = 16; at < good.size(); at += good.size() / 40) {
    crafted = good;
    crafted[at] = '\xff';
    sigma::seal_cache_file(crafted);
    refused += taken(crafted) < f.list.size();
  }
  EXPECT_GT(refused, 0u);
}

// The cache folder round trip: stored under the set's slot, loaded back.
TEST(RuleCache, AStoredSetLoadsBackFromItsSlot) {
  support::TempDir dir("rule-cache");
  sigma::RuleCache cache{sigma::CacheFolder(dir.path())};
  const Files& f = every_rule();
  EXPECT_FALSE(cache.load("sigma\0rules", f.list)[0]);
  cache.store("sigma\0rules", f.list, f.parsed);
  std::vector<std::optional<sigma::ParsedFile>> back = cache.load("sigma\0rules", f.list);
  ASSERT_EQ(back.size(), f.parsed.size());
  EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](const auto& p) { return p.has_value(); }));
  EXPECT_FALSE(cache.load("another set", f.list)[0]);
}

}  // namespace
