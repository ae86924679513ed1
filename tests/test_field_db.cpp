// The pattern databases of a field (src/sigma/field_db.h): globs of every
// shape compiled with Hyperscan and scanned, checking which atoms each text
// marks (the anchors Hyperscan's literal matcher cannot express are decided
// from where a match ends), and that identical pattern sets share a database.
#include <gtest/gtest.h>

#include <hs/hs.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sigma/field_db.h"

namespace {

// The atoms a text marks, sorted.
std::vector<uint32_t> marked(const sigma::FieldDb& d, hs_scratch_t* scratch, std::string_view text, size_t atoms) {
  sigma::AtomHits hits;
  hits.stamp.assign(atoms, 0);
  std::vector<uint32_t> rules;
  hits.start(rules);
  sigma::scan_field(d, text, scratch, hits);
  std::vector<uint32_t> out = hits.fired;
  std::sort(out.begin(), out.end());
  for (uint32_t a = 0; a < atoms; ++a) EXPECT_EQ(hits.hit(a), std::count(out.begin(), out.end(), a) == 1);
  return out;
}

class FieldDbTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("EVTXHUNT_CACHE", "off", 1); }  // never the user's cache folder
  void TearDown() override {
    if (scratch) hs_free_scratch(scratch);
  }
  hs_scratch_t* scratch = nullptr;
};

using V = std::vector<uint32_t>;

TEST_F(FieldDbTest, EachGlobShapeMarksItsAtomExactlyWhereItMatches) {
  sigma::FieldDb d;
  d.field = "CommandLine";
  const std::vector<std::pair<std::string, bool>> globs = {
      {"*cmd.exe*", false},           // 0 anywhere
      {"C:\\\\Windows\\\\*", false},  // 1 prefix
      {"*.exe", false},               // 2 suffix (the last occurrence decides)
      {"whoami.exe", false},          // 3 the whole text
      {"*a?b*", false},               // 4 an inner wildcard: a regular expression
      {"*", false},                   // 5 any text, the empty one too
      {"", false},                    // 6 the empty text only
      {"*CMD*", true},                // 7 |cased
      {"a*z", false},                 // 8 anchored both ends with a star inside
  };
  for (uint32_t i = 0; i < globs.size(); ++i) d.add(i, globs[i].first, globs[i].second);
  std::vector<std::string> warnings;
  sigma::compile_field_dbs({&d}, warnings);
  EXPECT_TRUE(warnings.empty());
  scratch = sigma::scratch_for({&d}, nullptr);
  ASSERT_NE(scratch, nullptr);
  size_t n = globs.size();
  EXPECT_EQ(marked(d, scratch, "c:\\windows\\system32\\CMD.EXE /c x", n), (V{0, 1, 5, 7}));
  EXPECT_EQ(marked(d, scratch, "C:\\Windows\\cmd.exe", n), (V{0, 1, 2, 5}));
  EXPECT_EQ(marked(d, scratch, "whoami.exe", n), (V{2, 3, 5}));
  EXPECT_EQ(marked(d, scratch, "WHOAMI.EXE", n), (V{2, 3, 5}));
  EXPECT_EQ(marked(d, scratch, "x whoami.exe", n), (V{2, 5}));
  EXPECT_EQ(marked(d, scratch, "whoami.exe /all", n), (V{5}));
  EXPECT_EQ(marked(d, scratch, "a.exe b.exe", n), (V{2, 5}));     // a suffix after an earlier occurrence
  EXPECT_EQ(marked(d, scratch, "d:\\c:\\windows\\", n), (V{5}));  // a prefix not at the start
  EXPECT_EQ(marked(d, scratch, "xaYbx", n), (V{4, 5}));
  EXPECT_EQ(marked(d, scratch, "a..z", n), (V{5, 8}));
  EXPECT_EQ(marked(d, scratch, "a..zz!", n), (V{5}));
  EXPECT_EQ(marked(d, scratch, "", n), (V{5, 6}));
}

TEST_F(FieldDbTest, FieldsWithTheSamePatternsShareOneDatabase) {
  sigma::FieldDb a, b, c;
  for (sigma::FieldDb* d : {&a, &b, &c}) d->field = "Image";
  a.add(0, "*\\\\rundll32.exe", false);
  b.add(3, "*\\\\rundll32.exe", false);  // another bucket, another atom number
  c.add(0, "*\\\\rundll32.exe", true);   // |cased: another database
  std::vector<std::string> warnings;
  sigma::compile_field_dbs({&a, &b, &c}, warnings);
  ASSERT_TRUE(a.literals.db);
  EXPECT_EQ(a.literals.db, b.literals.db);
  EXPECT_NE(a.literals.db, c.literals.db);
  EXPECT_TRUE(a.literals.patterns.empty());  // building state released
  scratch = sigma::scratch_for({&a, &b, &c}, nullptr);
  EXPECT_EQ(marked(b, scratch, "C:\\Windows\\RUNDLL32.EXE", 4), (V{3}));
  EXPECT_EQ(marked(c, scratch, "C:\\Windows\\RUNDLL32.EXE", 1), (V{}));
  EXPECT_EQ(marked(c, scratch, "C:\\Windows\\rundll32.exe", 1), (V{0}));
}

TEST_F(FieldDbTest, TheGenerationWrapClearsOldStamps) {
  sigma::AtomHits hits;
  hits.stamp.assign(2, 0);
  std::vector<uint32_t> seen = {7, 7};
  hits.gen = UINT32_MAX - 1;
  hits.start(seen);
  hits.mark(0);
  EXPECT_TRUE(hits.hit(0));
  hits.start(seen);  // wraps to 0: starts over at 1 with every stamp cleared
  EXPECT_EQ(hits.gen, 1u);
  EXPECT_FALSE(hits.hit(0));
  EXPECT_FALSE(hits.hit(1));
  EXPECT_EQ(seen, (std::vector<uint32_t>{0, 0}));
  EXPECT_TRUE(hits.fired.empty());
}

}  // namespace

namespace {

// The atoms a record's values mark through scan_values (a keyword database).
std::vector<uint32_t> marked_values(const sigma::FieldDb& d, hs_scratch_t* scratch,
                                    const std::vector<std::string_view>& values, size_t atoms) {
  sigma::AtomHits hits;
  hits.stamp.assign(atoms, 0);
  std::vector<uint32_t> rules;
  hits.start(rules);
  std::string joined;
  sigma::scan_values(d, values, joined, scratch, hits);
  std::vector<uint32_t> out = hits.fired;
  std::sort(out.begin(), out.end());
  return out;
}

// Keywords are found in all of a record's values at once (joined by NUL):
// as one scan per value would find them, never across two values.
TEST_F(FieldDbTest, KeywordsAreFoundInAllValuesAtOnceButNeverAcrossTwo) {
  sigma::FieldDb kw;  // keywords: found anywhere in a value
  kw.add(0, "*mimikatz*", false);
  kw.add(1, "*sekurlsa::*", false);
  kw.add(2, "*", false);  // any value present
  kw.add(3, "", false);   // an empty value
  sigma::FieldDb anchored;
  anchored.add(0, "*.exe", false);  // a suffix: where a value ends, not where the joined text does
  std::vector<std::string> warnings;
  sigma::compile_field_dbs({&kw, &anchored}, warnings);
  EXPECT_TRUE(kw.joinable());
  EXPECT_FALSE(anchored.joinable());
  scratch = sigma::scratch_for({&kw, &anchored}, nullptr);
  EXPECT_EQ(marked_values(kw, scratch, {"mimi", "katz"}, 4), (V{2}));  // not across two values
  EXPECT_EQ(marked_values(kw, scratch, {"a", "MIMIKATZ.exe", "", "x sekurlsa::logonpasswords"}, 4), (V{0, 1, 2, 3}));
  EXPECT_EQ(marked_values(kw, scratch, {"", ""}, 4), (V{2, 3}));
  EXPECT_EQ(marked_values(kw, scratch, {}, 4), (V{}));
  EXPECT_EQ(marked_values(anchored, scratch, {"a.exe", "b"}, 1), (V{0}));
  EXPECT_EQ(marked_values(anchored, scratch, {"a.exe x", "b"}, 1), (V{}));
  // Each value scanned alone marks the same atoms as the joined scan.
  const std::vector<std::string_view> values = {"cmd.exe", "privilege::debug sekurlsa::", "", "Mimikatz"};
  sigma::AtomHits one;
  one.stamp.assign(4, 0);
  std::vector<uint32_t> rules;
  one.start(rules);
  for (std::string_view v : values) sigma::scan_field(kw, v, scratch, one);
  std::vector<uint32_t> each = one.fired;
  std::sort(each.begin(), each.end());
  EXPECT_EQ(marked_values(kw, scratch, values, 4), each);
}

}  // namespace
