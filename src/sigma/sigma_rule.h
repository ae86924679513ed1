// Sigma rules as loaded (specification 2.x, ../shared/sigma/specification):
// detection rules, correlation rules and filters. Values keep their modifiers
// resolved: every string test is a set of glob patterns (wildcards `*` `?`,
// escapes done), a regular expression, a number comparison, or a special
// test (exists, null, field reference, CIDR).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/level.h"

namespace sigma {

struct LogSource {
  std::string product, category, service;
};

// One test of one field (or of any field: keywords).
struct FieldTest {
  enum class Op : uint8_t {
    Glob,   // value patterns (contains / startswith / endswith are globs with *)
    Regex,  // RE2 syntax, flags applied
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,       // numeric (Eq: the time modifiers' default)
    Exists,    // exists: true / false (in `expected`)
    Null,      // the field is absent or empty
    FieldRef,  // equals (or with neq: differs from) another field's value
    Cidr,      // an IP in one of the networks
  };
  std::string field;  // "" for a keyword search (any field's value)
  Op op = Op::Glob;
  // Time modifiers: the field is a date, the test reads this part of it.
  enum class TimePart : uint8_t { None, Minute, Hour, Day, Week, Month, Year } part = TimePart::None;
  bool all = false;                       // every value must match (|all); else any
  bool cased = false;                     // case-sensitive (|cased, or |re without |i)
  bool negate = false;                    // |neq: the test holds when no value matches
  bool expected = true;                   // Exists
  std::vector<std::string> values;        // globs, regexes, numbers, field names or networks
  std::vector<std::string> placeholders;  // |expand: the %name%s in values, filled by placeholders.h
};

// A search identifier: a map (its tests AND-ed) or a list of maps / keywords
// (OR-ed). alternatives[i] is one AND group.
struct Selection {
  std::string name;
  std::vector<std::vector<FieldTest>> alternatives;
};

// The condition, parsed.
struct Condition {
  enum class Kind : uint8_t { Ref, And, Or, Not, OneOf, AllOf } kind = Kind::Ref;
  std::string name;  // Ref: a selection; OneOf/AllOf: a pattern ("them": "*")
  std::vector<std::unique_ptr<Condition>> args;
};

struct Correlation {
  enum class Type : uint8_t { EventCount, ValueCount, Temporal, TemporalOrdered } type = Type::EventCount;
  std::vector<std::string> rules;     // ids or names
  std::vector<std::string> group_by;  // fields or aliases
  int64_t timespan = 0;               // ticks (100 ns)
  // condition: each present bound applies (AND)
  std::optional<int64_t> gt, gte, lt, lte, eq, neq;
  std::string field;  // value_count
  // aliases[alias][rule name or id] = field
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> aliases;
  bool generate = false;  // the referenced rules also alert on their own
};

struct Rule {
  enum class Kind : uint8_t { Detection, Correlation, Filter } kind = Kind::Detection;
  std::string id, name, title, description, author, status;
  std::optional<rules::Level> level;  // none when the rule has no level
  std::vector<std::string> tags, references, falsepositives;
  std::string file;  // where it was loaded from
  int line = 0;
  LogSource logsource;
  std::vector<Selection> selections;
  std::vector<std::unique_ptr<Condition>> conditions;  // a list is OR-ed
  Correlation correlation;                             // Kind::Correlation
  std::vector<std::string> filter_rules;               // Kind::Filter: the rules it applies to
};

}  // namespace sigma
