// Internal: the nodes a compiled expression is made of. Built once by the
// parser (parser.cpp), evaluated per event (evaluate.cpp, functions.cpp),
// inspected by the time-window analysis (time_window.cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "rules/expression.h"
#include "rules/value.h"

namespace rules::detail {

enum class NodeKind : uint8_t {
  Literal,
  Field,
  And,
  Or,
  Not,
  Compare,
  StringOp,
  In,
  Between,
  Regex,
  Arith,
  Neg,
  Call,
  DatetimeDiff,
  Bin,
};

struct Node {
  explicit Node(NodeKind k) : kind(k) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual Value eval(const EvalContext& ctx) const = 0;

  NodeKind kind;
  Type type = Type::Unknown;  // static result type
  bool is_const = false;      // no field reference below: folded at compile time
  size_t begin = 0, end = 0;  // source text range
};
using NodePtr = std::unique_ptr<Node>;

struct LiteralNode final : Node {
  explicit LiteralNode(Value v);
  Value eval(const EvalContext&) const override;
  Value value;
  std::string storage;  // a string literal's text; value.view points here
};

struct FieldNode final : Node {
  FieldNode() : Node(NodeKind::Field) {}
  Value eval(const EvalContext& ctx) const override;
  std::optional<size_t> stage;  // nullopt: current event
  normalize::Field field = normalize::Field::Timestamp;
  UnknownSet bit = 0;
};

struct LogicNode final : Node {
  explicit LogicNode(NodeKind k) : Node(k) {}  // And / Or
  Value eval(const EvalContext& ctx) const override;
  std::vector<NodePtr> kids;
};

struct NotNode final : Node {
  NotNode() : Node(NodeKind::Not) {}
  Value eval(const EvalContext& ctx) const override;
  NodePtr kid;
};

enum class CmpOp : uint8_t { Eq, Ne, EqCi, NeCi, Lt, Le, Gt, Ge };

struct CompareNode final : Node {
  CompareNode() : Node(NodeKind::Compare) {}
  Value eval(const EvalContext& ctx) const override;
  CmpOp op = CmpOp::Eq;
  NodePtr l, r;
  bool r_folded = false;  // =~ / !~ with a constant string: `folded` is r, fold_case()d once
  std::string folded;
};

enum class StrOp : uint8_t { Contains, Has, StartsWith, EndsWith };

struct StringOpNode final : Node {
  StringOpNode() : Node(NodeKind::StringOp) {}
  Value eval(const EvalContext& ctx) const override;
  StrOp op = StrOp::Contains;
  bool case_sensitive = false;
  bool negate = false;
  NodePtr l, r;
  bool r_const = false;  // r is a constant string: `needle` holds it (fold_case()d unless case-sensitive)
  std::string needle;
};

struct InNode final : Node {
  InNode() : Node(NodeKind::In) {}
  Value eval(const EvalContext& ctx) const override;
  bool case_insensitive = false;
  bool negate = false;
  NodePtr l;
  std::vector<NodePtr> items;
  // Every item a constant string: `consts` holds them (fold_case()d for in~),
  // compared without evaluating the item nodes.
  bool const_strings = false;
  std::vector<std::string> consts;
};

struct BetweenNode final : Node {
  BetweenNode() : Node(NodeKind::Between) {}
  Value eval(const EvalContext& ctx) const override;
  bool negate = false;
  NodePtr l, lo, hi;
};

struct RegexNode final : Node {
  RegexNode() : Node(NodeKind::Regex) {}
  Value eval(const EvalContext& ctx) const override;
  NodePtr l;
  std::string pattern;
  std::shared_ptr<const re2::RE2> re;  // RE2: linear time, no recursion, whatever the input
};

// extract(regex, group, text): the text of capture group `group` (0: the
// whole match) of the first match, "" when nothing matches (as Kusto).
struct ExtractNode final : Node {
  ExtractNode() : Node(NodeKind::Call) {}
  Value eval(const EvalContext& ctx) const override;
  NodePtr text;
  int group = 0;
  std::shared_ptr<const re2::RE2> re;
};

enum class ArithOp : uint8_t { Add, Sub, Mul, Div, Mod };

struct ArithNode final : Node {
  ArithNode() : Node(NodeKind::Arith) {}
  Value eval(const EvalContext& ctx) const override;
  ArithOp op = ArithOp::Add;
  NodePtr l, r;
};

struct NegNode final : Node {
  NegNode() : Node(NodeKind::Neg) {}
  Value eval(const EvalContext& ctx) const override;
  NodePtr kid;
};

enum class Fn : uint8_t { ToLower, ToUpper, IsEmpty, IsNotEmpty, StrLen };

struct CallNode final : Node {
  CallNode() : Node(NodeKind::Call) {}
  Value eval(const EvalContext& ctx) const override;
  Fn fn = Fn::ToLower;
  NodePtr arg;
};

enum class Period : uint8_t {
  Year,
  Quarter,
  Month,
  Week,
  Day,
  Hour,
  Minute,
  Second,
  Millisecond,
  Microsecond,
  Nanosecond
};

struct DatetimeDiffNode final : Node {
  DatetimeDiffNode() : Node(NodeKind::DatetimeDiff) {}
  Value eval(const EvalContext& ctx) const override;
  Period period = Period::Second;
  NodePtr a, b;
};

struct BinNode final : Node {
  BinNode() : Node(NodeKind::Bin) {}
  Value eval(const EvalContext& ctx) const override;
  NodePtr x;
  Value size;  // constant, > 0
};

// --- shared evaluation helpers (evaluate.cpp / functions.cpp) ---

// Equality with KQL's rules; a and b known.
bool values_equal(const Value& a, const Value& b, bool case_insensitive);
// -1 / 0 / 1, or nullopt when the two cannot be ordered; a and b known.
std::optional<int> values_order(const Value& a, const Value& b);
// A known value as text (strings as they are, numbers in decimal, datetimes ISO 8601).
std::string value_text(const Value& v);

std::optional<Period> period_by_name(std::string_view name);  // case-insensitive
int64_t datetime_diff(Period p, normalize::Ticks a, normalize::Ticks b);
// Fixed-length periods (week and shorter): ticks per period and the origin
// shift that puts period boundaries at multiples of the length (weeks start on
// Sunday). Nullopt for month / quarter / year, and for nanosecond (a count of
// 100 per tick, not a boundary count).
struct PeriodUnit {
  normalize::Ticks unit;
  normalize::Ticks origin;
};
std::optional<PeriodUnit> period_unit(Period p);

// bin(): floor to a multiple of size; datetimes from 0001-01-01 as Kusto does.
Value bin_value(const Value& x, const Value& size);

// Calls fn on each direct operand of n.
void for_each_operand(const Node& n, const std::function<void(const Node&)>& fn);

struct Program {
  std::string text;
  NodePtr root;
  std::vector<FieldRef> refs;
  std::vector<std::string> stage_names;
  std::vector<const Node*> selecting;  // Expression::selects
};

}  // namespace rules::detail
