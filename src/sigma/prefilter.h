// Which rules can match a record, decided from which atoms (field globs)
// matched in it: RE2's FilteredRE2 idea applied to Sigma conditions. For each
// rule a set of atoms of which at least one must match for the rule to hold
// (its triggers); a rule no such set decides (a negation, a regex, a number,
// a field the process table may supply) is evaluated on every record of its
// kind. No matching engine here: the atoms are found by field_db.h.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sigma/compiled_rule.h"

namespace sigma {

struct Prefilter {
  std::vector<std::vector<uint32_t>> rules_of_atom;  // atom -> rules it triggers (ascending)
  std::vector<uint32_t> untriggered;                 // rules evaluated on every record (ascending)
};

// How likely an atom is to match, for choosing between two trigger sets that
// would do (the tests of an AND): 1 / the glob's literal bytes, so short
// literals ("\\", ".exe"), which match most records, cost most.
float atom_cost(std::string_view glob);

// `cost` holds atom_cost of each of the `atoms` atoms (1 where unknown).
Prefilter build_prefilter(const std::vector<CompiledRule>& rules, const std::vector<float>& cost);

}  // namespace sigma
