// Which rules can match a record, decided from which atoms (field globs)
// matched in it: RE2's FilteredRE2 idea applied to Sigma conditions. For each
// rule up to eight clauses, each a set of atoms of which one must match for
// the rule to hold (its triggers: "Image ends with \\cmd.exe and CommandLine
// holds -enc" needs an atom of both); a rule no atom decides (a negation, a
// regex without literals, a number, a field the process table may supply) is
// evaluated on every record of its kind. No matching engine here: the atoms
// are found by field_db.h.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/compiled_rule.h"

namespace sigma {

struct Prefilter {
  // rule -> its clauses, each the atoms (ascending) of which one must match;
  // none: untriggered; one empty clause: the rule never holds.
  std::vector<std::vector<std::vector<uint32_t>>> clauses;
  std::vector<std::vector<uint32_t>> clauses_of_atom;  // atom -> rule << 3 | clause, ascending
  std::vector<uint8_t> all_met;                        // rule -> the bits of all its clauses
  std::vector<uint32_t> untriggered;                   // rules evaluated on every record (ascending)
};

// How likely an atom is to match, for choosing the clauses a rule keeps when
// it would have more than eight: 1 / the glob's literal bytes, so short
// literals ("\\", ".exe"), which match most records, cost most.
float atom_cost(std::string_view glob);

// Literals of which at least one occurs (ASCII case ignored) in any text a
// regular expression matches, from RE2's FilteredRE2 analysis: the regex need
// not run on a text holding none of them. nullopt when it may match without
// any (".*", "[a-f0-9]{64}"), or when ASCII case folding cannot find them for
// sure (a non-ASCII literal). Under (?i) a literal is cut to its longest run
// without k or s, which RE2 also folds with the Kelvin sign and the long s.
std::optional<std::vector<std::string>> regex_literals(const std::string& pattern, const RE2::Options& options);

// `cost` holds atom_cost of each atom (1 where unknown). A test's atoms are
// its globs', or a regular expression test's literals (regex_literals) when
// every one of its expressions has some.
Prefilter build_prefilter(const std::vector<CompiledRule>& rules, const std::vector<float>& cost);

}  // namespace sigma
