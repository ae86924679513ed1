// A Sigma rule compiled against one kind of record (a bucket of rule_set.cpp):
// its string tests reduced to atoms (globs of one field, numbered per bucket
// and scanned for by field_db.h), its other tests ready to evaluate, and its
// condition as a tree over its selections.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sigma/sigma_rule.h"
#include "sigma/typed_values.h"

namespace sigma {

struct CompiledTest {
  std::string field;  // the record's name ("" keywords)
  FieldTest::Op op = FieldTest::Op::Glob;
  FieldTest::TimePart part = FieldTest::TimePart::None;
  bool all = false, negate = false, expected = true, cased = false;
  bool deferrable = false;  // the process table may supply it (4688 parents)
  bool data_only = false;   // only data items answer the field (not a System or derived name)
  uint32_t field_id = 0;    // the field's number in the rule set
  // Glob: one per value. Regex: every expression's literals (prefilter.h),
  // when each has some; empty otherwise.
  std::vector<uint32_t> atoms;
  std::vector<std::shared_ptr<const RE2>> regexes;  // shared by the kinds of record a rule reads
  std::vector<std::vector<uint32_t>> regex_atoms;   // per regex: one of these must match first (empty: none known)
  std::vector<int64_t> numbers;
  std::vector<Network> networks;
  std::vector<std::string> refs;  // FieldRef: the other fields
};

struct CompiledSelection {
  std::string name;
  std::vector<std::vector<CompiledTest>> alternatives;  // OR of ANDs
};

struct ConditionNode {
  Condition::Kind kind = Condition::Kind::Ref;
  std::vector<int> sels;  // Ref: one; OneOf / AllOf: the matching ones
  std::vector<ConditionNode> args;
};

struct CompiledRule {
  uint32_t rule = 0;  // index in the rule set
  std::vector<CompiledSelection> sels;
  std::vector<ConditionNode> conditions;  // OR-ed
  std::vector<CompiledRule> filters;      // Sigma filters: each one's condition must hold too (AND-ed, as pySigma)
};

}  // namespace sigma
