// A KQL hunt as a rule of scan: a .kql file whose leading comment lines name
// it (`// id:`, `// title:`, `// level:`, `// tags:`, `// description:`,
// `// author:`; other comment lines, e.g. a licence notice, are kept out of
// it). Each row of its result is a finding whose evidence is the records
// behind the row (kql_findings.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kql/syntax.h"
#include "rules/level.h"

namespace tables {

struct KqlRule {
  std::string id, title, description, author;
  rules::Level level = rules::Level::Medium;  // when the header names none
  std::vector<std::string> tags;              // as written, comma or space separated
  std::string file;
  std::string text;                 // the whole file: the query as written
  kql::Node query;                  // parsed
  std::vector<std::string> tables;  // the evidence tables it names
};

struct KqlRuleError {
  std::string file;
  uint32_t line = 0, column = 0;
  std::string reason;
  std::string str() const;  // "file:line:column: reason"
};

// Whether the text is a KQL rule: a header with `// id:` before the query.
bool looks_like_kql_rule(std::string_view text);

// The rule, or an error at its line and column: a header without an id or
// title, an unknown level, a query that does not parse.
struct KqlRuleLoad {
  std::optional<KqlRule> rule;
  std::optional<KqlRuleError> error;
};
KqlRuleLoad load_kql_rule(std::string text, const std::string& file);

}  // namespace tables
