// Loading Sigma rules: YAML documents (several per file) told apart from the
// project's own rules by content (a `detection`, `correlation` or `filter`
// section, not `stages`). A document that cannot be loaded is reported with
// file:line and the reason, and skipped; rules of other products than Windows
// load but are counted as not applicable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_error.h"
#include "sigma/sigma_rule.h"

namespace sigma {

// A document that cannot be loaded: the rule language's error (file, line,
// column, message), every error of the document listed.
using LoadError = rules::RuleError;

struct LoadResult {
  std::vector<Rule> rules;
  std::vector<LoadError> errors;
};

// True if a line of the YAML text starts with `key` (a top-level key).
bool has_top_key(std::string_view yaml_text, std::string_view key);
// True if a YAML text holds a Sigma document (detection, correlation or filter).
bool looks_like_sigma(std::string_view yaml_text);

// Every document of a file; `file` names it in errors.
LoadResult load_sigma_text(std::string_view yaml_text, const std::string& file);

// A condition expression ("selection and not 1 of filter_*"); throws
// std::runtime_error with the reason.
std::unique_ptr<Condition> parse_condition(std::string_view text);

}  // namespace sigma
