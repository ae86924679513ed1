// Values for Sigma's |expand placeholders (%name% in a value): deployment
// facts such as the known domain controllers, which no log holds. The
// specification says a rule whose placeholders have no values must not run;
// --placeholders FILE gives them (YAML: name -> list of values, as pySigma's
// placeholder pipelines take them), and each value is matched as literal text
// where the placeholder stands, with the test's other modifiers (contains).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/sigma_rule.h"

namespace sigma {

// Placeholder name (without %) -> its values.
using Placeholders = std::map<std::string, std::vector<std::string>>;

// Reads a placeholder file: a YAML map of names (with or without the %
// signs) to a list of values (or one value). Throws std::runtime_error
// naming the file, the line and what is wrong.
Placeholders load_placeholders(const std::string& path);

// The placeholders of a value, in order, with their % signs ("%known_cdcs%").
std::vector<std::string> placeholder_names(std::string_view value);

// Fills the |expand tests of a rule (detection or filter) with the values.
// Returns the placeholders that have no values ("%known_cdcs%", ...): the rule
// must not run then, and is left unchanged.
std::vector<std::string> expand_placeholders(Rule& rule, const Placeholders& values);

}  // namespace sigma
