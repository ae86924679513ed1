// KQL (Kusto Query Language) as hunters write it for Defender's Advanced
// Hunting: the syntax tree the parser (parser.h) builds. One node type for
// every construct, told apart by its kind; positions are 1-based line and
// column in the query's text, so every error can say where.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kql {

struct Pos {
  uint32_t line = 1, column = 1;
};

// A query that cannot be read, or a construct evtxhunt does not run: the
// message names it, the position says where.
class QueryError : public std::runtime_error {
 public:
  QueryError(Pos pos, const std::string& message);
  Pos pos;
  std::string message;  // without the position
};

struct Node {
  enum class Kind : uint8_t {
    Query,      // kids: statements; the last one not a Let is the result
    Let,        // text: the name; kids[0]: its value (an expression, a pipeline or a Lambda)
    Lambda,     // kids: Param..., then the body (a Query)
    Param,      // text: name; kids[0]: its type (TypeName); kids[1] (optional): default value
    TypeName,   // text: "string", "long", ... or "(*)" / "(a:string, ...)" for a table
    Pipeline,   // kids[0]: the source (an expression, a Datatable, or an Operator with no input); then Operators
    Operator,   // text: the operator ("where", "project-away", "join", ...); kids: its parts (below)
    Option,     // text: the option ("kind", "hint.strategy", "withsource"); kids[0]: its value
    By,         // kids: the grouping (summarize) or sort keys (order, top)
    On,         // kids: join / lookup / mv-apply keys or subquery
    SortKey,    // kids[0]: the expression; text: "asc" or "desc" ("" when not said); extra: "first" / "last" for nulls
    Assign,     // text: the column name ("" when none); extra: "(a,b)" names of a tuple assignment; kids[0]: value
    ParseWith,  // parse: kids[0] the source expression, then pattern parts (Literal strings, Names with extra=type,
                // Star)
    Datatable,  // kids: Params (the schema), then the values (Literals)
    Literal,    // text: the value as written (strings unquoted); extra: "string", "long", "real", "bool",
                // "timespan", "datetime", "dynamic", "guid", "null"
    Name,       // text: an identifier ($left, $right, a column, a let name); extra: "*" for a wildcard (Foo*)
    Call,       // text: the function; kids: its arguments
    Unary,      // text: "-", "+"; kids[0]
    Binary,     // text: the operator ("and", "==", "has", "!in~", "matches regex", "+", ...); kids[0], kids[1]
    Between,    // text: "between" or "!between"; kids: value, low, high
    Member,     // kids[0].text
    Index,      // kids[0][kids[1]]
    List,       // (a, b, c): the right side of in / has_any / has_all, or arguments of union
    Star,       // * (all columns, arg_max(t, *), a parse wildcard)
  };
  Kind kind = Kind::Name;
  std::string text, extra;
  Pos pos;
  std::vector<Node> kids;
};

}  // namespace kql
