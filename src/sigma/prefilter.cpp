#include "sigma/prefilter.h"

#include <re2/filtered_re2.h>

#include <algorithm>
#include <optional>

#include "text/glob.h"

namespace sigma {
namespace {

// What a node needs of the atoms a record matched, in conjunctive form: each
// clause needs one of its atoms (sorted). No clauses: the node may hold with
// none; an empty clause: it never holds. A rule's clauses are all checked
// (FilteredRE2's AND of ORs), so "\\cmd.exe and -enc" waits for both.
using Clause = std::vector<uint32_t>;
using Cnf = std::vector<Clause>;

// Clauses kept per node: a rule's clauses are bits of one byte at run time.
// Leaving a clause out keeps a condition that must hold (only weaker).
constexpr size_t kMaxClauses = 8;

struct Triggers {
  const std::vector<float>& cost;

  // How likely a clause is to be met: its atoms' odds, summed.
  float score(const Clause& c) const {
    float s = 0;
    for (uint32_t a : c) s += cost[a];
    return s;
  }
  static bool never(const Cnf& f) {
    return std::any_of(f.begin(), f.end(), [](const Clause& c) { return c.empty(); });
  }
  // Duplicates and clauses implied by another (a superset) out; then the
  // kMaxClauses least likely to be met, in a fixed order.
  Cnf tidy(Cnf f) const {
    if (never(f)) return Cnf{Clause{}};
    for (Clause& c : f) {
      std::sort(c.begin(), c.end());
      c.erase(std::unique(c.begin(), c.end()), c.end());
    }
    std::sort(f.begin(), f.end(), [&](const Clause& a, const Clause& b) {
      float sa = score(a), sb = score(b);
      return sa != sb ? sa < sb : a < b;
    });
    Cnf out;
    for (Clause& c : f) {
      bool implied = std::any_of(out.begin(), out.end(), [&](const Clause& o) {
        return std::includes(c.begin(), c.end(), o.begin(), o.end());
      });
      if (!implied && out.size() < kMaxClauses) out.push_back(std::move(c));
    }
    return out;
  }
  Cnf both(Cnf a, const Cnf& b) const {
    a.insert(a.end(), b.begin(), b.end());
    return tidy(std::move(a));
  }
  // Either may hold: every pair of clauses, one of each, united (the least
  // likely ones first when all pairs would be too many).
  Cnf either(Cnf a, Cnf b) const {
    if (a.empty() || b.empty()) return {};
    if (never(a)) return b;
    if (never(b)) return a;
    while (a.size() * b.size() > kMaxClauses) (a.size() >= b.size() ? a : b).pop_back();
    Cnf out;
    for (const Clause& x : a)
      for (const Clause& y : b) {
        Clause u = x;
        u.insert(u.end(), y.begin(), y.end());
        out.push_back(std::move(u));
      }
    return tidy(std::move(out));
  }
  Cnf of_test(const CompiledTest& t) const {
    if (t.negate || t.deferrable) return {};
    if (t.op == FieldTest::Op::Glob) {
      if (t.atoms.empty()) return {};
      if (!t.all) return Cnf{t.atoms};
      Cnf each;  // every value must match: each atom is needed
      for (uint32_t a : t.atoms) each.push_back(Clause{a});
      return tidy(std::move(each));
    }
    if (t.op != FieldTest::Op::Regex) return {};
    if (!t.all) return t.atoms.empty() ? Cnf{} : Cnf{t.atoms};
    Cnf each;  // every expression must match: one of each one's literals is needed
    for (const auto& literals : t.regex_atoms)
      if (!literals.empty()) each.push_back(literals);
    return tidy(std::move(each));
  }
  Cnf of_selection(const CompiledSelection& sel) const {
    Cnf out{Clause{}};
    for (const auto& alt : sel.alternatives) {  // OR of ANDs
      Cnf one;
      for (const CompiledTest& t : alt) one = both(std::move(one), of_test(t));
      out = either(std::move(out), std::move(one));
      if (out.empty()) return out;
    }
    return out;
  }
  Cnf of_node(const ConditionNode& n, const CompiledRule& c) const {
    switch (n.kind) {
      case Condition::Kind::Ref:
        if (n.sels.empty()) return Cnf{Clause{}};  // never holds
        return of_selection(c.sels[n.sels[0]]);
      case Condition::Kind::And: {
        Cnf out;
        for (const ConditionNode& a : n.args) out = both(std::move(out), of_node(a, c));
        return out;
      }
      case Condition::Kind::Or: {
        Cnf out{Clause{}};
        for (const ConditionNode& a : n.args) out = either(std::move(out), of_node(a, c));
        return out;
      }
      case Condition::Kind::Not: return {};
      case Condition::Kind::OneOf: {
        Cnf out{Clause{}};
        for (int i : n.sels) out = either(std::move(out), of_selection(c.sels[i]));
        return out;
      }
      case Condition::Kind::AllOf: {
        if (n.sels.empty()) return Cnf{Clause{}};
        Cnf out;
        for (int i : n.sels) out = both(std::move(out), of_selection(c.sels[i]));
        return out;
      }
    }
    return {};
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
  static_assert(kMaxClauses <= 8, "a rule's clauses are the bits of one byte");
  Triggers triggers{cost};
  Prefilter out;
  out.clauses_of_atom.assign(cost.size(), {});
  out.all_met.assign(rules.size(), 0);
  for (uint32_t ci = 0; ci < rules.size(); ++ci) {
    const CompiledRule& c = rules[ci];
    Cnf need{Clause{}};
    for (const ConditionNode& n : c.conditions) need = triggers.either(std::move(need), triggers.of_node(n, c));
    need = triggers.tidy(std::move(need));
    if (need.empty()) out.untriggered.push_back(ci);
    for (uint32_t k = 0; k < need.size(); ++k)
      for (uint32_t a : need[k]) out.clauses_of_atom[a].push_back(ci << 3 | k);
    out.all_met[ci] = static_cast<uint8_t>((1u << need.size()) - 1);
    out.clauses.push_back(std::move(need));
  }
  return out;
}

}  // namespace sigma
