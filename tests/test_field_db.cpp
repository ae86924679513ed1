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
#include "support/temp_dir.h"

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

namespace {

// A large literal set (a field of many rules), its atoms numbered from `first`:
// "*tok<i>-*" for each i, and the same literal again as a prefix for i < 3.
sigma::FieldDb large_set(const std::vector<int>& tokens, const std::vector<std::string>& more, uint32_t first) {
  sigma::FieldDb d;
  d.field = "CommandLine";
  uint32_t atom = first;
  for (int i : tokens) {
    d.add(atom++, "*tok" + std::to_string(i) + "-*", false);
    if (i < 3) d.add(atom++, "tok" + std::to_string(i) + "-*", false);
  }
  for (const std::string& g : more) d.add(atom++, g, false);
  return d;
}

// A rule edit changes one pattern of a large set: the field's database
// compiled before stands in (its patterns the set lost ignored, those it
// lacks compiled alone), and marks what one compiled from the new set marks.
TEST_F(FieldDbTest, AnEditedLargeSetIsMatchedByItsFieldsEarlierDatabase) {
  support::TempDir tmp("earlier");
  setenv("EVTXHUNT_CACHE", (tmp / "cache").c_str(), 1);
  std::vector<int> all;
  for (int i = 0; i < 1200; ++i) all.push_back(i);
  std::vector<std::string> warnings;
  sigma::FieldDb before = large_set(all, {}, 0);
  sigma::CompileStats first = sigma::compile_field_dbs({&before}, warnings);
  EXPECT_EQ(first.from_cache + first.from_earlier, 0u);

  // The edit: tok5 and tok6 gone, two new literals (one a suffix), the atoms
  // numbered otherwise (the other rules moved).
  std::vector<int> edited(all.rbegin(), all.rend());
  edited.erase(std::remove_if(edited.begin(), edited.end(), [](int i) { return i == 5 || i == 6; }), edited.end());
  const std::vector<std::string> more = {"*newone*", "*.tmp"};
  sigma::FieldDb after = large_set(edited, more, 7);
  sigma::CompileStats second = sigma::compile_field_dbs({&after}, warnings);
  EXPECT_EQ(second.from_earlier, 1u);
  EXPECT_EQ(second.added, 2u);
  // The earlier database's ids: the two patterns the set lost read no atom.
  ASSERT_EQ(after.literals.atoms.size(), before.literals.atoms.size());
  EXPECT_EQ(std::count(after.literals.atoms.begin(), after.literals.atoms.end(), sigma::kNoAtom), 2);
  ASSERT_TRUE(after.added.db);

  setenv("EVTXHUNT_CACHE", "off", 1);
  sigma::FieldDb fresh = large_set(edited, more, 7);
  sigma::CompileStats full = sigma::compile_field_dbs({&fresh}, warnings);
  EXPECT_EQ(full.from_earlier, 0u);
  scratch = sigma::scratch_for({&before, &after, &fresh}, nullptr);
  size_t atoms = 7 + edited.size() + 3 + more.size();
  for (std::string_view text :
       {"run tok5- tok6-", "tok1- and newone", "x tok1-", "TOK1199- a.tmp", "tok0-", "a.tmp x"}) {
    EXPECT_EQ(marked(after, scratch, text, atoms), marked(fresh, scratch, text, atoms)) << text;
  }
  EXPECT_EQ(marked(after, scratch, "tok5-", atoms), V{});          // a pattern the set lost marks nothing
  EXPECT_EQ(marked(after, scratch, "tok1- x", atoms).size(), 2u);  // both atoms of one literal

  // Too many patterns it lacks: compiled whole, as a new set.
  setenv("EVTXHUNT_CACHE", (tmp / "cache").c_str(), 1);
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) many.push_back("*other" + std::to_string(i) + "*");
  sigma::FieldDb changed = large_set(all, many, 0);
  EXPECT_EQ(sigma::compile_field_dbs({&changed}, warnings).from_earlier, 0u);
  EXPECT_TRUE(warnings.empty());
}

}  // namespace
