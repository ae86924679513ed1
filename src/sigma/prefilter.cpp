#include "sigma/prefilter.h"

#include <re2/filtered_re2.h>

#include <algorithm>
#include <optional>

#include "text/glob.h"

namespace sigma {
namespace {

// Atoms of which at least one must match for a node to hold; nullopt when it
// may hold with none.
using AtomSet = std::optional<std::vector<uint32_t>>;

struct Triggers {
  const std::vector<float>& cost;

  float score(const std::vector<uint32_t>& atoms) const {
    float s = 0;
    for (uint32_t a : atoms) s += cost[a];
    return s;
  }
  // Of two sets that would both do (an AND), the one likely to match least.
  AtomSet cheaper(AtomSet a, AtomSet b) const {
    if (!a) return b;
    if (!b) return a;
    return score(*a) <= score(*b) ? a : b;
  }
  // Either may hold (an OR): one of all of them must match.
  static AtomSet united(AtomSet a, const AtomSet& b) {
    if (!a || !b) return std::nullopt;
    a->insert(a->end(), b->begin(), b->end());
    return a;
  }
  static AtomSet of_test(const CompiledTest& t) {
    bool atoms_decide = t.op == FieldTest::Op::Glob || t.op == FieldTest::Op::Regex;
    if (!atoms_decide || t.negate || t.deferrable || t.atoms.empty()) return std::nullopt;
    return t.atoms;  // any: one of them; all: each, so any one of them too
  }
  AtomSet of_selection(const CompiledSelection& sel) const {
    AtomSet out = std::vector<uint32_t>{};
    for (const auto& alt : sel.alternatives) {  // OR of ANDs
      AtomSet one;
      for (const CompiledTest& t : alt) one = cheaper(one, of_test(t));
      out = united(out, one);
      if (!out) return out;
    }
    return out;
  }
  AtomSet of_node(const ConditionNode& n, const CompiledRule& c) const {
    switch (n.kind) {
      case Condition::Kind::Ref:
        if (n.sels.empty()) return std::vector<uint32_t>{};  // never holds
        return of_selection(c.sels[n.sels[0]]);
      case Condition::Kind::And: {
        AtomSet out;
        for (const ConditionNode& a : n.args) out = cheaper(out, of_node(a, c));
        return out;
      }
      case Condition::Kind::Or: {
        AtomSet out = std::vector<uint32_t>{};
        for (const ConditionNode& a : n.args) out = united(out, of_node(a, c));
        return out;
      }
      case Condition::Kind::Not: return std::nullopt;
      case Condition::Kind::OneOf: {
        AtomSet out = std::vector<uint32_t>{};
        for (int i : n.sels) out = united(out, of_selection(c.sels[i]));
        return out;
      }
      case Condition::Kind::AllOf: {
        if (n.sels.empty()) return std::vector<uint32_t>{};
        AtomSet out;
        for (int i : n.sels) out = cheaper(out, of_selection(c.sels[i]));
        return out;
      }
    }
    return std::nullopt;
  }
};

// Whether a pattern turns case folding on anywhere ("(?i)", "(?si:...)").
bool folds_case(std::string_view pattern) {
  for (size_t at = pattern.find("(?"); at != std::string_view::npos; at = pattern.find("(?", at + 2)) {
    for (size_t i = at + 2; i < pattern.size() && pattern[i] != ':' && pattern[i] != ')'; ++i)
      if (pattern[i] == 'i') return true;
  }
  return false;
}

// The literals of a regular expression at least one of which each of its
// matches holds (lower case), the analysis ignoring literals shorter than
// `min_length`; nullopt when it may match with none.
std::optional<std::vector<std::string>> filter_literals(const std::string& pattern, const RE2::Options& options,
                                                        int min_length) {
  re2::FilteredRE2 filter(min_length);
  int id = 0;
  if (filter.Add(pattern, options, &id) != RE2::NoError) return std::nullopt;
  std::vector<std::string> literals;
  filter.Compile(&literals);
  if (literals.empty()) return std::nullopt;
  std::vector<int> without_any;
  filter.AllPotentials({}, &without_any);
  if (!without_any.empty()) return std::nullopt;
  return literals;
}

// The longest run of a literal without k or s: what ASCII case folding finds
// for sure where RE2's folding also takes the Kelvin sign and the long s.
std::string without_k_and_s(const std::string& l) {
  std::string best, run;
  for (char c : l + 'k') {
    if (c == 'k' || c == 's') {
      if (run.size() > best.size()) best = run;
      run.clear();
    } else {
      run += c;
    }
  }
  return best;
}

}  // namespace

std::optional<std::vector<std::string>> regex_literals(const std::string& pattern, const RE2::Options& options) {
  // Literals of 3 bytes and more decide most ("\\" or ".e" would be in nearly
  // every text); a regex without them may still need a rare byte (a backtick).
  std::optional<std::vector<std::string>> literals = filter_literals(pattern, options, 3);
  if (!literals) literals = filter_literals(pattern, options, 1);
  if (!literals) return std::nullopt;
  bool folding = !options.case_sensitive() || folds_case(pattern);
  for (std::string& l : *literals) {
    for (char c : l)
      if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (folding) l = without_k_and_s(l);
    if (l.empty()) return std::nullopt;
  }
  return literals;
}

float atom_cost(std::string_view glob) {
  return 1.0f / static_cast<float>(std::max<size_t>(text::glob_literal_bytes(glob), 1));
}

Prefilter build_prefilter(const std::vector<CompiledRule>& rules, const std::vector<float>& cost) {
  Triggers triggers{cost};
  Prefilter out;
  out.rules_of_atom.assign(cost.size(), {});
  for (uint32_t ci = 0; ci < rules.size(); ++ci) {
    const CompiledRule& c = rules[ci];
    AtomSet all = std::vector<uint32_t>{};
    for (const ConditionNode& n : c.conditions)
      all = Triggers::united(all, triggers.of_node(n, c));  // conditions are OR-ed
    if (!all) {
      out.untriggered.push_back(ci);
      continue;
    }
    std::sort(all->begin(), all->end());
    all->erase(std::unique(all->begin(), all->end()), all->end());
    for (uint32_t a : *all) out.rules_of_atom[a].push_back(ci);
  }
  return out;
}

}  // namespace sigma
