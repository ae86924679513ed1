// The prefilter (src/sigma/prefilter.h): which atoms a rule needs, on
// condition trees built by hand, so that each rule of the tree shapes is
// checked: a clause a record can hold without would leave the rule
// unevaluated (a lost finding), a rule left untriggered is evaluated on every
// record.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sigma/prefilter.h"

namespace {

using sigma::CompiledRule;
using sigma::CompiledSelection;
using sigma::CompiledTest;
using sigma::ConditionNode;
using Kind = sigma::Condition::Kind;

CompiledTest glob_test(std::vector<uint32_t> atoms, bool all = false) {
  CompiledTest t;
  t.field = "CommandLine";
  t.atoms = std::move(atoms);
  t.all = all;
  return t;
}

// The tests of one map of a selection (AND-ed); CompiledTest is move-only.
template <typename... T>
std::vector<CompiledTest> tests(T... t) {
  std::vector<CompiledTest> v;
  (v.push_back(std::move(t)), ...);
  return v;
}

// A selection of one or more maps (OR-ed alternatives).
template <typename... A>
CompiledSelection selection(std::string name, A... alternatives) {
  CompiledSelection s;
  s.name = std::move(name);
  (s.alternatives.push_back(std::move(alternatives)), ...);
  return s;
}

ConditionNode ref(int sel) {
  ConditionNode n;
  n.kind = Kind::Ref;
  n.sels = {sel};
  return n;
}

ConditionNode node(Kind kind, std::vector<ConditionNode> args) {
  ConditionNode n;
  n.kind = kind;
  n.args = std::move(args);
  return n;
}

ConditionNode of_sels(Kind kind, std::vector<int> sels) {
  ConditionNode n;
  n.kind = kind;
  n.sels = std::move(sels);
  return n;
}

template <typename... S>
CompiledRule rule(ConditionNode cond, S... sels) {
  CompiledRule r;
  (r.sels.push_back(std::move(sels)), ...);
  r.conditions.push_back(std::move(cond));
  return r;
}

// A rule's clauses: each the atoms one of which must match.
using Clauses = std::vector<std::vector<uint32_t>>;

TEST(Prefilter, AtomCostFavoursLongLiterals) {
  EXPECT_FLOAT_EQ(sigma::atom_cost("*\\\\*"), 1.0f);  // a backslash: nearly every path
  EXPECT_FLOAT_EQ(sigma::atom_cost("*.exe"), 0.25f);
  EXPECT_FLOAT_EQ(sigma::atom_cost("*mimikatz*"), 0.125f);
  EXPECT_FLOAT_EQ(sigma::atom_cost("*"), 1.0f);  // no literal: as costly as one byte
}

TEST(Prefilter, EachConditionShapeGetsTheAtomsThatMustMatch) {
  std::vector<float> cost(10, 0.5f);
  cost[2] = 1.0f;  // "\\": matches most records
  cost[3] = 0.1f;  // a long literal
  std::vector<CompiledRule> rules;
  // 0: one selection, any of two values: either atom triggers it.
  rules.push_back(rule(ref(0), selection("s", tests(glob_test({0, 1})))));
  // 1: a AND b: only the cheaper side's atoms (a record without them cannot match).
  rules.push_back(rule(node(Kind::And, {ref(0), ref(1)}), selection("a", tests(glob_test({2}))),
                       selection("b", tests(glob_test({3})))));
  // 2: a AND b within one selection (two tests of one map): the cheaper test.
  rules.push_back(rule(ref(0), selection("s", tests(glob_test({2}), glob_test({3})))));
  // 3: a OR b: both.
  rules.push_back(rule(node(Kind::Or, {ref(0), ref(1)}), selection("a", tests(glob_test({4}))),
                       selection("b", tests(glob_test({5})))));
  // 4: 1 of them: every selection's atoms; all of them: one selection's.
  rules.push_back(
      rule(of_sels(Kind::OneOf, {0, 1}), selection("a", tests(glob_test({6}))), selection("b", tests(glob_test({7})))));
  rules.push_back(
      rule(of_sels(Kind::AllOf, {0, 1}), selection("a", tests(glob_test({3}))), selection("b", tests(glob_test({8})))));
  // 6: a list of maps (alternatives): one atom set per alternative, united.
  rules.push_back(rule(ref(0), selection("s", tests(glob_test({0})), tests(glob_test({9}, true)))));
  // 7: every value of a |all: each atom a clause; (a AND b) OR c: a or c, and b or c.
  rules.push_back(rule(ref(0), selection("s", tests(glob_test({4, 5}, true)))));
  rules.push_back(rule(node(Kind::Or, {ref(0), ref(1)}), selection("a", tests(glob_test({4}), glob_test({5}))),
                       selection("b", tests(glob_test({6})))));
  sigma::Prefilter p = sigma::build_prefilter(rules, cost);
  ASSERT_EQ(p.clauses.size(), rules.size());
  EXPECT_TRUE(p.untriggered.empty());
  EXPECT_EQ(p.clauses[0], (Clauses{{0, 1}}));
  EXPECT_EQ(p.clauses[1], (Clauses{{3}, {2}}));  // both sides, the least likely first
  EXPECT_EQ(p.clauses[2], (Clauses{{3}, {2}}));
  EXPECT_EQ(p.clauses[3], (Clauses{{4, 5}}));
  EXPECT_EQ(p.clauses[4], (Clauses{{6, 7}}));
  EXPECT_EQ(p.clauses[5], (Clauses{{3}, {8}}));
  EXPECT_EQ(p.clauses[6], (Clauses{{0, 9}}));
  EXPECT_EQ(p.clauses[7], (Clauses{{4}, {5}}));
  EXPECT_EQ(p.clauses[8], (Clauses{{4, 6}, {5, 6}}));
  // The run-time index: each atom names (rule, clause); a rule is queued when
  // all its clause bits are met.
  ASSERT_EQ(p.clauses_of_atom.size(), 10u);
  EXPECT_EQ(p.clauses_of_atom[2], (std::vector<uint32_t>{1 << 3 | 1, 2 << 3 | 1}));
  EXPECT_EQ(p.clauses_of_atom[6], (std::vector<uint32_t>{4 << 3, 8 << 3, 8 << 3 | 1}));
  EXPECT_EQ(p.all_met[0], 1);
  EXPECT_EQ(p.all_met[8], 3);
}

// A rule keeps at most eight clauses (bits of a byte): the least likely to
// be met, so what is left out only lets more records through.
TEST(Prefilter, ARuleKeepsItsEightLeastLikelyClauses) {
  std::vector<float> cost(10);
  for (size_t i = 0; i < cost.size(); ++i) cost[i] = 1.0f / static_cast<float>(i + 1);  // atom 9 the least likely
  std::vector<CompiledRule> rules;
  rules.push_back(rule(ref(0), selection("s", tests(glob_test({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, true)))));
  // Three two-clause sides OR-ed would make eight pairs, then sixteen: cut.
  rules.push_back(rule(of_sels(Kind::OneOf, {0, 1, 2}), selection("a", tests(glob_test({0, 1}, true))),
                       selection("b", tests(glob_test({2, 3}, true))), selection("c", tests(glob_test({4, 5}, true)))));
  sigma::Prefilter p = sigma::build_prefilter(rules, cost);
  EXPECT_EQ(p.clauses[0], (Clauses{{9}, {8}, {7}, {6}, {5}, {4}, {3}, {2}}));
  EXPECT_EQ(p.all_met[0], 0xff);
  ASSERT_FALSE(p.clauses[1].empty());
  EXPECT_LE(p.clauses[1].size(), 8u);
  // Each kept clause holds an atom of every side (what a match needs).
  for (const auto& c : p.clauses[1]) {
    auto has_one = [&](uint32_t x, uint32_t y) {
      return std::find(c.begin(), c.end(), x) != c.end() || std::find(c.begin(), c.end(), y) != c.end();
    };
    EXPECT_TRUE(has_one(0, 1) && has_one(2, 3) && has_one(4, 5));
  }
}

TEST(Prefilter, RulesThatMayHoldWithoutAnAtomAreEvaluatedOnEveryRecord) {
  std::vector<float> cost(4, 0.5f);
  std::vector<CompiledRule> rules;
  // 0: not a: holds on records with no atom.
  rules.push_back(rule(node(Kind::Not, {ref(0)}), selection("a", tests(glob_test({0})))));
  // 1: a OR (a regex test): the regex decides alone.
  CompiledTest regex;
  regex.field = "CommandLine";
  regex.op = sigma::FieldTest::Op::Regex;
  rules.push_back(rule(node(Kind::Or, {ref(0), ref(1)}), selection("a", tests(glob_test({1}))),
                       selection("r", tests(std::move(regex)))));
  // 2: a negated value (|contains something, negated by the loader).
  CompiledTest negated = glob_test({2});
  negated.negate = true;
  rules.push_back(rule(ref(0), selection("n", tests(std::move(negated)))));
  // 3: a field the process table may fill in later (a 4688's parent).
  CompiledTest deferred = glob_test({3});
  deferred.deferrable = true;
  rules.push_back(rule(ref(0), selection("d", tests(std::move(deferred)))));
  // 4: a AND not b: the positive side triggers.
  rules.push_back(rule(node(Kind::And, {ref(0), node(Kind::Not, {ref(1)})}), selection("a", tests(glob_test({1}))),
                       selection("b", tests(glob_test({2})))));
  // 5: a reference to no selection never holds: neither triggered nor evaluated.
  ConditionNode none;
  none.kind = Kind::Ref;
  rules.push_back(rule(std::move(none), selection("a", tests(glob_test({0})))));
  sigma::Prefilter p = sigma::build_prefilter(rules, cost);
  EXPECT_EQ(p.untriggered, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(p.clauses[0], Clauses{});
  EXPECT_EQ(p.clauses[4], (Clauses{{1}}));
  EXPECT_EQ(p.clauses[5], (Clauses{{}}));  // never holds: no atom names it
  EXPECT_EQ(p.clauses_of_atom[1], (std::vector<uint32_t>{4 << 3}));
  EXPECT_EQ(p.clauses_of_atom[0], (std::vector<uint32_t>{}));
  EXPECT_EQ(p.clauses_of_atom[2], (std::vector<uint32_t>{}));
}

}  // namespace

namespace {

RE2::Options sigma_options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_dot_nl(false);
  return o;
}

// A regex needs one of its literals: those RE2's FilteredRE2 finds, lower case.
TEST(RegexLiterals, ARegexNeedsOneOfItsLiterals) {
  auto lits = sigma::regex_literals("cmd.{0,5}(?:/c|/r).+Powershell.+noexit", sigma_options());
  ASSERT_TRUE(lits);
  for (const std::string& l : *lits) {
    EXPECT_EQ(l.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos) << l;
    // Each literal is in the regex (case ignored): any of them may be asked for.
    EXPECT_TRUE(RE2::PartialMatch("cmd.{0,5}(?:/c|/r).+powershell.+noexit", RE2::QuoteMeta(l))) << l;
  }
  EXPECT_NE(std::find(lits->begin(), lits->end(), "powershell"), lits->end());
}

TEST(RegexLiterals, RegexesThatMatchWithoutALiteralHaveNone) {
  for (const char* re : {".{1000,}", "a*", "^[A-Za-z0-9]{16}$"})
    EXPECT_FALSE(sigma::regex_literals(re, sigma_options())) << re;
  // Either side of an alternation; a rare byte when no literal of 3 is needed.
  auto either = sigma::regex_literals("x|.y", sigma_options());
  ASSERT_TRUE(either);
  std::sort(either->begin(), either->end());
  EXPECT_EQ(*either, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(*sigma::regex_literals("\\w+`(?:\\w+|-|.)`", sigma_options()), (std::vector<std::string>{"`"}));
}

// Under (?i) RE2 folds k with the Kelvin sign (U+212A) and s with the long s
// (U+017F), which ASCII case folding would not find: such literals are cut
// to their longest run without k or s.
TEST(RegexLiterals, FoldedLiteralsLeaveOutKAndS) {
  RE2 kelvin("(?i)workstation");
  EXPECT_TRUE(RE2::PartialMatch("wor\xE2\x84\xAA\xC5\xBFtation", kelvin));  // why
  auto lits = sigma::regex_literals("(?i)\\.exe\\s+werfaultsecure\\.exe", sigma_options());
  ASSERT_TRUE(lits);
  for (const std::string& l : *lits) EXPECT_EQ(l.find_first_of("ks"), std::string::npos) << l;
  EXPECT_NE(std::find(lits->begin(), lits->end(), "ecure.exe"), lits->end());
  // Case-sensitive: the literal whole (found with ASCII case folding, a superset).
  auto cased = sigma::regex_literals("Workstation\\d", sigma_options());
  ASSERT_TRUE(cased);
  EXPECT_EQ(cased->size(), 10u);  // workstation0 .. workstation9
  for (const std::string& l : *cased) EXPECT_EQ(l.substr(0, 11), "workstation") << l;
  RE2::Options folding = sigma_options();
  folding.set_case_sensitive(false);
  auto folded = sigma::regex_literals("Workstation\\d", folding);
  ASSERT_TRUE(folded);
  for (const std::string& l : *folded) EXPECT_EQ(l.substr(0, 6), "tation");
  EXPECT_FALSE(sigma::regex_literals("(?i)kss", sigma_options()));
  EXPECT_FALSE(sigma::regex_literals("(?i)\xC3\xA9t\xC3\xA9", sigma_options()));  // non-ASCII: not for ASCII folding
}

// A regex test triggers its rule by its literals when each expression has some.
TEST(Prefilter, RegexTestsWithLiteralsTriggerTheirRule) {
  CompiledTest with;
  with.op = sigma::FieldTest::Op::Regex;
  with.atoms = {0, 1};
  CompiledTest without;
  without.op = sigma::FieldTest::Op::Regex;
  // |all of two expressions: one literal of each.
  CompiledTest each;
  each.op = sigma::FieldTest::Op::Regex;
  each.all = true;
  each.atoms = {0, 1, 2};
  each.regex_atoms = {{0, 1}, {2}};
  std::vector<CompiledRule> rules;
  rules.push_back(rule(ref(0), selection("r", tests(std::move(with)))));
  rules.push_back(rule(ref(0), selection("r", tests(std::move(without)))));
  rules.push_back(rule(ref(0), selection("r", tests(std::move(each)))));
  sigma::Prefilter p = sigma::build_prefilter(rules, std::vector<float>(3, 0.5f));
  EXPECT_EQ(p.clauses[0], (Clauses{{0, 1}}));
  EXPECT_EQ(p.clauses_of_atom[0], (std::vector<uint32_t>{0, 2 << 3 | 1}));
  EXPECT_EQ(p.untriggered, (std::vector<uint32_t>{1}));
  EXPECT_EQ(p.clauses[2], (Clauses{{2}, {0, 1}}));
}

}  // namespace
