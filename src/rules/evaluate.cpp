// Evaluation of the operator nodes, with three-valued logic: an Unknown
// operand makes the result Unknown and passes on the fields that caused it.
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "rules/ast.h"
#include "rules/field_types.h"
#include "rules/text_match.h"

namespace rules::detail {
namespace {

bool numeric(Type t) { return t == Type::Int || t == Type::Real; }
double as_real(const Value& v) { return v.type == Type::Real ? v.r : static_cast<double>(v.i); }

// A string that spells an integer (decimal, or 0x hex as Security logs write PIDs).
std::optional<int64_t> parse_integer(std::string_view s) {
  if (s.empty() || s.size() > 24) return std::nullopt;
  std::string t(s);
  errno = 0;
  char* end = nullptr;
  long long v = (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) ? std::strtoll(t.c_str() + 2, &end, 16)
                                                                              : std::strtoll(t.c_str(), &end, 10);
  if (errno == ERANGE || end == nullptr || *end != '\0' || end == t.c_str()) return std::nullopt;
  return v;
}

// Unknown operands' fields, or 0 when all are known.
UnknownSet unknown_of(const Value& v) { return v.known() ? 0 : v.unknowns; }

template <class T>
int sign(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

std::string value_text(const Value& v) { return format_value(v); }

void for_each_operand(const Node& n, const std::function<void(const Node&)>& fn) {
  auto each = [&](const NodePtr& p) {
    if (p) fn(*p);
  };
  switch (n.kind) {
    case NodeKind::Literal:
    case NodeKind::Field: break;
    case NodeKind::And:
    case NodeKind::Or:
      for (const NodePtr& k : static_cast<const LogicNode&>(n).kids) each(k);
      break;
    case NodeKind::Not: each(static_cast<const NotNode&>(n).kid); break;
    case NodeKind::Compare:
      each(static_cast<const CompareNode&>(n).l);
      each(static_cast<const CompareNode&>(n).r);
      break;
    case NodeKind::StringOp:
      each(static_cast<const StringOpNode&>(n).l);
      each(static_cast<const StringOpNode&>(n).r);
      break;
    case NodeKind::In:
      each(static_cast<const InNode&>(n).l);
      for (const NodePtr& k : static_cast<const InNode&>(n).items) each(k);
      break;
    case NodeKind::Between:
      each(static_cast<const BetweenNode&>(n).l);
      each(static_cast<const BetweenNode&>(n).lo);
      each(static_cast<const BetweenNode&>(n).hi);
      break;
    case NodeKind::Regex: each(static_cast<const RegexNode&>(n).l); break;
    case NodeKind::Arith:
      each(static_cast<const ArithNode&>(n).l);
      each(static_cast<const ArithNode&>(n).r);
      break;
    case NodeKind::Neg: each(static_cast<const NegNode&>(n).kid); break;
    case NodeKind::Call:
      if (const auto* e = dynamic_cast<const ExtractNode*>(&n))
        each(e->text);
      else
        each(static_cast<const CallNode&>(n).arg);
      break;
    case NodeKind::DatetimeDiff:
      each(static_cast<const DatetimeDiffNode&>(n).a);
      each(static_cast<const DatetimeDiffNode&>(n).b);
      break;
    case NodeKind::Bin: each(static_cast<const BinNode&>(n).x); break;
  }
}

bool values_equal(const Value& a, const Value& b, bool ci) {
  if (a.type == Type::String && b.type == Type::String)
    return ci ? iequals(a.str(), fold_case(b.str())) : a.str() == b.str();
  if (numeric(a.type) && numeric(b.type)) {
    if (a.type == Type::Int && b.type == Type::Int) return a.i == b.i;
    return as_real(a) == as_real(b);
  }
  if (a.type == b.type) return a.i == b.i;  // bool, datetime, timespan
  if (a.type == Type::Int && b.type == Type::String) {
    if (auto n = parse_integer(b.str())) return *n == a.i;
  } else if (a.type == Type::String && b.type == Type::Int) {
    if (auto n = parse_integer(a.str())) return *n == b.i;
  }
  // Mixed kinds the compiler could not foresee (a field carrying another
  // kind than its declared type): compare the text forms.
  if (a.type == Type::String || b.type == Type::String) {
    std::string at = value_text(a), bt = value_text(b);
    return ci ? iequals(at, fold_case(bt)) : at == bt;
  }
  return false;
}

std::optional<int> values_order(const Value& a, const Value& b) {
  if (numeric(a.type) && numeric(b.type)) {
    if (a.type == Type::Int && b.type == Type::Int) return sign(a.i, b.i);
    double x = as_real(a), y = as_real(b);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return sign(x, y);
  }
  if (a.type == b.type) {
    if (a.type == Type::String) {
      int c = a.str().compare(b.str());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    return sign(a.i, b.i);  // bool, datetime, timespan
  }
  if (a.type == Type::Int && b.type == Type::String) {
    if (auto n = parse_integer(b.str())) return sign(a.i, *n);
  } else if (a.type == Type::String && b.type == Type::Int) {
    if (auto n = parse_integer(a.str())) return sign(*n, b.i);
  }
  return std::nullopt;
}

LiteralNode::LiteralNode(Value v) : Node(NodeKind::Literal) {
  type = v.type;
  is_const = true;
  if (v.type == Type::String) {
    storage = std::string(v.str());
    value = Value::borrowed(storage);
  } else {
    value = std::move(v);
  }
}

Value LiteralNode::eval(const EvalContext&) const { return value; }

Value FieldNode::eval(const EvalContext& ctx) const {
  const normalize::NormalizedEvent* ev = ctx.current;
  if (stage) ev = *stage < ctx.stages.size() ? ctx.stages[*stage] : nullptr;
  if (ev == nullptr) return Value::unknown(bit);
  return field_value((*ev)[field], bit);
}

Value LogicNode::eval(const EvalContext& ctx) const {
  const bool is_and = kind == NodeKind::And;
  bool any_unknown = false;
  UnknownSet u = 0;
  for (const NodePtr& k : kids) {
    Value v = k->eval(ctx);
    if (v.type == Type::Bool) {
      if (is_and && v.i == 0) return Value::boolean(false);  // False dominates `and`
      if (!is_and && v.i != 0) return Value::boolean(true);  // True dominates `or`
    } else {
      any_unknown = true;
      u |= unknown_of(v);
    }
  }
  return any_unknown ? Value::unknown(u) : Value::boolean(is_and);
}

Value NotNode::eval(const EvalContext& ctx) const {
  Value v = kid->eval(ctx);
  if (v.type != Type::Bool) return Value::unknown(unknown_of(v));
  return Value::boolean(v.i == 0);
}

Value CompareNode::eval(const EvalContext& ctx) const {
  Value a = l->eval(ctx);
  if (r_folded) {
    if (!a.known()) return Value::unknown(a.unknowns);
    bool eq = a.type == Type::String ? iequals(a.str(), folded) : iequals(value_text(a), folded);
    return Value::boolean(op == CmpOp::EqCi ? eq : !eq);
  }
  Value b = r->eval(ctx);
  if (!a.known() || !b.known()) return Value::unknown(unknown_of(a) | unknown_of(b));
  switch (op) {
    case CmpOp::Eq: return Value::boolean(values_equal(a, b, false));
    case CmpOp::Ne: return Value::boolean(!values_equal(a, b, false));
    case CmpOp::EqCi: return Value::boolean(values_equal(a, b, true));
    case CmpOp::NeCi: return Value::boolean(!values_equal(a, b, true));
    default: break;
  }
  std::optional<int> o = values_order(a, b);
  if (!o) return Value::boolean(false);
  switch (op) {
    case CmpOp::Lt: return Value::boolean(*o < 0);
    case CmpOp::Le: return Value::boolean(*o <= 0);
    case CmpOp::Gt: return Value::boolean(*o > 0);
    case CmpOp::Ge: return Value::boolean(*o >= 0);
    default: return Value::boolean(false);
  }
}

Value StringOpNode::eval(const EvalContext& ctx) const {
  Value a = l->eval(ctx);
  Value b;
  if (!r_const) b = r->eval(ctx);
  if (!a.known() || (!r_const && !b.known())) return Value::unknown(unknown_of(a) | (r_const ? 0 : unknown_of(b)));
  std::string hay_text;
  std::string_view hay;
  if (a.type == Type::String) {
    hay = a.str();
  } else {
    hay_text = value_text(a);
    hay = hay_text;
  }
  std::string needle_text;
  std::string_view n;
  if (r_const) {
    n = needle;
  } else {
    needle_text = b.type == Type::String ? std::string(b.str()) : value_text(b);
    if (!case_sensitive) needle_text = fold_case(needle_text);
    n = needle_text;
  }
  bool hit = false;
  switch (op) {
    case StrOp::Contains: hit = case_sensitive ? hay.find(n) != std::string_view::npos : icontains(hay, n); break;
    case StrOp::StartsWith: hit = case_sensitive ? hay.starts_with(n) : istarts_with(hay, n); break;
    case StrOp::EndsWith: hit = case_sensitive ? hay.ends_with(n) : iends_with(hay, n); break;
    case StrOp::Has: hit = has_term(hay, n, case_sensitive); break;
  }
  return Value::boolean(hit != negate);
}

Value InNode::eval(const EvalContext& ctx) const {
  Value a = l->eval(ctx);
  if (!a.known()) return Value::unknown(a.unknowns);
  if (const_strings && (a.type == Type::String || case_insensitive)) {
    std::string text;
    std::string_view s;
    if (a.type == Type::String) {
      s = a.str();
    } else {
      text = value_text(a);
      s = text;
    }
    for (const std::string& c : consts)
      if (case_insensitive ? iequals(s, c) : s == c) return Value::boolean(!negate);
    return Value::boolean(negate);
  }
  bool any_unknown = false;
  UnknownSet u = 0;
  for (const NodePtr& item : items) {
    Value b = item->eval(ctx);
    if (!b.known()) {
      any_unknown = true;
      u |= b.unknowns;
      continue;
    }
    if (values_equal(a, b, case_insensitive)) return Value::boolean(!negate);
  }
  if (any_unknown) return Value::unknown(u);
  return Value::boolean(negate);
}

Value BetweenNode::eval(const EvalContext& ctx) const {
  Value x = l->eval(ctx);
  Value a = lo->eval(ctx);
  Value b = hi->eval(ctx);
  if (!x.known() || !a.known() || !b.known()) return Value::unknown(unknown_of(x) | unknown_of(a) | unknown_of(b));
  if (a.type == Type::DateTime && b.type == Type::Timespan) b = Value::datetime(a.i + b.i);  // (start .. length)
  std::optional<int> o1 = values_order(a, x);
  std::optional<int> o2 = values_order(x, b);
  bool inside = o1 && o2 && *o1 <= 0 && *o2 <= 0;
  return Value::boolean(inside != negate);
}

Value RegexNode::eval(const EvalContext& ctx) const {
  Value a = l->eval(ctx);
  if (!a.known()) return Value::unknown(a.unknowns);
  if (a.type == Type::String) return Value::boolean(re2::RE2::PartialMatch(a.str(), *re));
  return Value::boolean(re2::RE2::PartialMatch(value_text(a), *re));
}

Value ArithNode::eval(const EvalContext& ctx) const {
  Value a = l->eval(ctx);
  Value b = r->eval(ctx);
  if (!a.known() || !b.known()) return Value::unknown(unknown_of(a) | unknown_of(b));
  const Type ta = a.type, tb = b.type;
  int64_t out = 0;
  auto int_result = [&](bool overflow, Type t) {
    return overflow ? Value::unknown(0)
                    : (t == Type::Int        ? Value::integer(out)
                       : t == Type::DateTime ? Value::datetime(out)
                                             : Value::timespan(out));
  };
  if (ta == Type::Int && tb == Type::Int) {
    switch (op) {
      case ArithOp::Add: return int_result(__builtin_add_overflow(a.i, b.i, &out), Type::Int);
      case ArithOp::Sub: return int_result(__builtin_sub_overflow(a.i, b.i, &out), Type::Int);
      case ArithOp::Mul: return int_result(__builtin_mul_overflow(a.i, b.i, &out), Type::Int);
      case ArithOp::Div:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return Value::unknown(0);
        return Value::integer(a.i / b.i);
      case ArithOp::Mod:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return Value::unknown(0);
        return Value::integer(a.i % b.i);
    }
  }
  if (numeric(ta) && numeric(tb)) {
    double x = as_real(a), y = as_real(b);
    switch (op) {
      case ArithOp::Add: return Value::real(x + y);
      case ArithOp::Sub: return Value::real(x - y);
      case ArithOp::Mul: return Value::real(x * y);
      case ArithOp::Div: return Value::real(x / y);
      case ArithOp::Mod: return Value::real(std::fmod(x, y));
    }
  }
  // datetime / timespan arithmetic, in ticks
  if (op == ArithOp::Add) {
    if (ta == Type::DateTime && tb == Type::Timespan)
      return int_result(__builtin_add_overflow(a.i, b.i, &out), Type::DateTime);
    if (ta == Type::Timespan && tb == Type::DateTime)
      return int_result(__builtin_add_overflow(a.i, b.i, &out), Type::DateTime);
    if (ta == Type::Timespan && tb == Type::Timespan)
      return int_result(__builtin_add_overflow(a.i, b.i, &out), Type::Timespan);
  }
  if (op == ArithOp::Sub) {
    if (ta == Type::DateTime && tb == Type::Timespan)
      return int_result(__builtin_sub_overflow(a.i, b.i, &out), Type::DateTime);
    if (ta == Type::DateTime && tb == Type::DateTime)
      return int_result(__builtin_sub_overflow(a.i, b.i, &out), Type::Timespan);
    if (ta == Type::Timespan && tb == Type::Timespan)
      return int_result(__builtin_sub_overflow(a.i, b.i, &out), Type::Timespan);
  }
  if (op == ArithOp::Mul) {
    if (ta == Type::Timespan && numeric(tb))
      return Value::timespan(static_cast<int64_t>(std::llround(static_cast<double>(a.i) * as_real(b))));
    if (numeric(ta) && tb == Type::Timespan)
      return Value::timespan(static_cast<int64_t>(std::llround(as_real(a) * static_cast<double>(b.i))));
  }
  if (op == ArithOp::Div) {
    if (ta == Type::Timespan && tb == Type::Timespan) {
      if (b.i == 0) return Value::unknown(0);
      return Value::real(static_cast<double>(a.i) / static_cast<double>(b.i));
    }
    if (ta == Type::Timespan && numeric(tb)) {
      double y = as_real(b);
      if (y == 0) return Value::unknown(0);
      return Value::timespan(static_cast<int64_t>(std::llround(static_cast<double>(a.i) / y)));
    }
  }
  if (op == ArithOp::Mod && ta == Type::Timespan && tb == Type::Timespan) {
    if (b.i == 0) return Value::unknown(0);
    return Value::timespan(a.i % b.i);
  }
  return Value::unknown(0);
}

Value NegNode::eval(const EvalContext& ctx) const {
  Value v = kid->eval(ctx);
  switch (v.type) {
    case Type::Int: return v.i == INT64_MIN ? Value::unknown(0) : Value::integer(-v.i);
    case Type::Real: return Value::real(-v.r);
    case Type::Timespan: return v.i == INT64_MIN ? Value::unknown(0) : Value::timespan(-v.i);
    case Type::Unknown: return v;
    default: return Value::unknown(0);
  }
}

}  // namespace rules::detail
