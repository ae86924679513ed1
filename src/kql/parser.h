// KQL text into its syntax tree (syntax.h): statements (let with scalars,
// tables and functions with parameters), pipelines of tabular operators
// (where, project and its kin, extend, summarize, join, lookup, union,
// distinct, top, order/sort, take/limit, count, mv-expand, mv-apply, parse,
// evaluate, invoke, as, serialize, render) and expressions with KQL's
// precedence and its string operators. What it cannot read is a QueryError
// at its line and column, never a guess.
//
// Hostile text is bounded: at most kMaxQueryBytes of text and kMaxDepth
// levels of nesting.
#pragma once

#include <cstddef>
#include <string_view>

#include "kql/syntax.h"

namespace kql {

constexpr size_t kMaxQueryBytes = size_t{1} << 20;
constexpr int kMaxDepth = 200;

// The query's tree (kind Query). Throws QueryError.
Node parse(std::string_view text);

// The tree as compact text, for tests and error reports:
// where(Binary(==, Name(a), Literal(long 1))).
std::string to_text(const Node& node);

}  // namespace kql
