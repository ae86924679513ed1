// Scalar expressions compiled to closures over a row: names resolved to
// column indexes (or let values) once, literals parsed once, list operands
// of in / has_any hashed once when they do not depend on the row.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "kql/runner.h"
#include "rules/regex.h"
#include "rules/text_match.h"
#include "rules/time_format.h"

namespace kql {
namespace {

using K = Node::Kind;

Value null_bool() { return Value::null_of(Type::Bool); }

Value literal(const Node& n) {
  const std::string& t = n.extra;
  try {
    if (t == "string" || t == "guid") return Value::string(n.text);
    if (n.text == "null" && (t == "long" || t == "real" || t == "bool")) return Value::null_of(*type_by_name(t));
    if (t == "bool") {
      if (n.text != "true" && n.text != "false") fail(n, "not a bool: " + n.text);
      return Value::boolean(n.text == "true");
    }
    if (t == "null") return Value();
    if (t == "long") {
      if (n.text.rfind("0x", 0) == 0 || n.text.rfind("0X", 0) == 0)
        return Value::integer(static_cast<int64_t>(std::stoull(n.text.substr(2), nullptr, 16)));
      return Value::integer(std::stoll(n.text));
    }
    if (t == "real") return Value::real(std::stod(n.text));
    if (t == "timespan") {
      if (auto ticks = rules::parse_timespan(n.text)) return Value::timespan(*ticks);
      fail(n, "not a timespan: " + n.text);
    }
    if (t == "datetime") {
      if (n.text.empty() || n.text == "null") return Value::null_of(Type::DateTime);
      if (auto ticks = rules::parse_datetime(n.text)) return Value::datetime(*ticks);
      fail(n, "not a datetime: " + n.text);
    }
    if (t == "dynamic") {
      if (n.text.empty()) return Value();
      return Value::dynamic(parse_dynamic_literal(n.text));
    }
  } catch (const QueryError&) {
    throw;
  } catch (const std::exception&) {
    fail(n, "not a " + t + " literal: " + n.text);
  }
  fail(n, "a literal of type " + t + " is not supported");
}

bool numeric(const Value& v) { return v.type == Type::Long || v.type == Type::Real; }
double real_of(const Value& v) { return v.type == Type::Real ? v.r : static_cast<double>(v.i); }

Value arithmetic(char op, Value a, Value b) {
  a = scalarize(std::move(a));
  b = scalarize(std::move(b));
  if (a.null || b.null) {
    Type t = a.type == Type::DateTime || b.type == Type::DateTime ? Type::DateTime
             : numeric(a) && numeric(b) ? (a.type == Type::Real || b.type == Type::Real ? Type::Real : Type::Long)
             : a.null                   ? b.type
                                        : a.type;
    return Value::null_of(t == Type::String ? Type::Dynamic : t);
  }
  Type ta = a.type, tb = b.type;
  if (ta == Type::Long && tb == Type::Long) {
    int64_t r = 0;
    switch (op) {
      case '+': return __builtin_add_overflow(a.i, b.i, &r) ? Value::null_of(Type::Long) : Value::integer(r);
      case '-': return __builtin_sub_overflow(a.i, b.i, &r) ? Value::null_of(Type::Long) : Value::integer(r);
      case '*': return __builtin_mul_overflow(a.i, b.i, &r) ? Value::null_of(Type::Long) : Value::integer(r);
      case '/':
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return Value::null_of(Type::Long);
        return Value::integer(a.i / b.i);
      case '%':
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return Value::null_of(Type::Long);
        return Value::integer(a.i % b.i);
    }
  }
  if (numeric(a) && numeric(b)) {
    double x = real_of(a), y = real_of(b);
    switch (op) {
      case '+': return Value::real(x + y);
      case '-': return Value::real(x - y);
      case '*': return Value::real(x * y);
      case '/': return Value::real(x / y);
      case '%': return y == 0 ? Value::null_of(Type::Real) : Value::real(std::fmod(x, y));
    }
  }
  auto checked = [](int64_t r, bool overflow, Type t) {
    return overflow ? Value::null_of(t) : t == Type::DateTime ? Value::datetime(r) : Value::timespan(r);
  };
  int64_t r = 0;
  if (ta == Type::DateTime && tb == Type::Timespan && (op == '+' || op == '-'))
    return checked(r, op == '+' ? __builtin_add_overflow(a.i, b.i, &r) : __builtin_sub_overflow(a.i, b.i, &r),
                   Type::DateTime);
  if (ta == Type::Timespan && tb == Type::DateTime && op == '+')
    return checked(r, __builtin_add_overflow(a.i, b.i, &r), Type::DateTime);
  if (ta == Type::DateTime && tb == Type::DateTime && op == '-')
    return checked(r, __builtin_sub_overflow(a.i, b.i, &r), Type::Timespan);
  if (ta == Type::Timespan && tb == Type::Timespan) {
    if (op == '+' || op == '-')
      return checked(r, op == '+' ? __builtin_add_overflow(a.i, b.i, &r) : __builtin_sub_overflow(a.i, b.i, &r),
                     Type::Timespan);
    if (op == '/')
      return b.i == 0 ? Value::null_of(Type::Real) : Value::real(static_cast<double>(a.i) / static_cast<double>(b.i));
  }
  if (ta == Type::Timespan && numeric(b) && (op == '*' || op == '/')) {
    double y = real_of(b);
    double x = op == '*' ? static_cast<double>(a.i) * y : (y == 0 ? NAN : static_cast<double>(a.i) / y);
    if (!std::isfinite(x) || std::abs(x) > 9.2e18) return Value::null_of(Type::Timespan);
    return Value::timespan(static_cast<int64_t>(x));
  }
  if (numeric(a) && tb == Type::Timespan && op == '*') return arithmetic('*', b, a);
  return Value::null_of(Type::Dynamic);
}

// ==, !=, <, <=, >, >= with Kusto's nulls: a comparison with null is null.
Value compare_op(const std::string& op, Value a, Value b) {
  a = scalarize(std::move(a));
  b = scalarize(std::move(b));
  if (a.null || b.null) return null_bool();
  if (op == "==") return Value::boolean(equal(a, b));
  if (op == "!=") return Value::boolean(!equal(a, b));
  int c = compare(a, b);
  if (op == "<") return Value::boolean(c < 0);
  if (op == "<=") return Value::boolean(c <= 0);
  if (op == ">") return Value::boolean(c > 0);
  return Value::boolean(c >= 0);
}

bool term_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u);
}

// hasprefix / hassuffix: a term that begins (ends) with the needle.
bool has_affix(std::string_view s, std::string_view needle, bool prefix) {
  if (needle.empty()) return true;
  for (size_t at = s.find(needle); at != std::string_view::npos; at = s.find(needle, at + 1)) {
    if (prefix && (at == 0 || !term_char(s[at - 1]))) return true;
    size_t end = at + needle.size();
    if (!prefix && (end == s.size() || !term_char(s[end]))) return true;
  }
  return false;
}

// A string operator of the has / contains / startswith families.
using TextTest = std::function<bool(const std::string&, const std::string&)>;
TextTest text_test(std::string_view bare, bool& case_sensitive) {
  case_sensitive = bare.size() > 3 && bare.substr(bare.size() - 3) == "_cs";
  std::string_view base = case_sensitive ? bare.substr(0, bare.size() - 3) : bare;
  if (base == "has")
    return [cs = case_sensitive](const std::string& s, const std::string& n) { return rules::has_term(s, n, cs); };
  if (base == "contains")
    return [](const std::string& s, const std::string& n) { return s.find(n) != std::string::npos; };
  if (base == "startswith") return [](const std::string& s, const std::string& n) { return s.rfind(n, 0) == 0; };
  if (base == "endswith")
    return [](const std::string& s, const std::string& n) {
      return s.size() >= n.size() && s.compare(s.size() - n.size(), n.size(), n) == 0;
    };
  if (base == "hasprefix") return [](const std::string& s, const std::string& n) { return has_affix(s, n, true); };
  if (base == "hassuffix") return [](const std::string& s, const std::string& n) { return has_affix(s, n, false); };
  return nullptr;
}

// The items of the right side of in / has_any / has_all: constants hashed
// once (a subquery's first column, a dynamic array's elements, literals),
// items that depend on the row evaluated per row.
struct ListOperand {
  std::vector<Value> constants;
  std::vector<Scalar> per_row;
};

void add_constant(ListOperand& list, const Value& v) {
  if (v.type == Type::Dynamic && v.d && v.d->is_array()) {
    for (const Json& e : *v.d) list.constants.push_back(from_json(e));
    return;
  }
  list.constants.push_back(v);
}

void add_item(ListOperand& list, const Node& item, const CompileScope& scope) {
  if (item.kind == K::List) {
    for (const Node& k : item.kids) add_item(list, k, scope);
    return;
  }
  if (scope.runner->is_tabular(item, scope.env)) {
    TablePtr t = scope.runner->tabular(item, scope.env);
    if (t->columns.empty()) return;
    for (const Row& r : t->rows) add_constant(list, r[0]);
    return;
  }
  // Constant when it compiles without the row's columns.
  CompileScope constant_scope{nullptr, scope.runner, scope.env};
  Scalar f;
  try {
    f = compile_scalar(item, constant_scope);
  } catch (const QueryError&) {
    list.per_row.push_back(compile_scalar(item, scope));
    return;
  }
  add_constant(list, f(Row{}));
}

ListOperand list_operand(const Node& right, const CompileScope& scope) {
  ListOperand list;
  add_item(list, right, scope);
  return list;
}

std::string key_of(const Value& v, bool fold) {
  Value s = scalarize(v);
  if (fold && s.type == Type::String) return "\x01s" + rules::fold_case(s.s);
  std::string k;
  append_key(k, s);
  return k;
}

Scalar compile_in(const Node& n, bool negated, bool fold, const CompileScope& scope) {
  Scalar left = compile_scalar(n.kids[0], scope);
  auto list = std::make_shared<ListOperand>(list_operand(n.kids[1], scope));
  auto keys = std::make_shared<std::unordered_set<std::string>>();
  for (const Value& v : list->constants)
    if (!v.null || v.type == Type::String) keys->insert(key_of(v, fold));
  return [=](const Row& r) {
    Value x = left(r);
    if (x.null) return null_bool();
    std::string k = key_of(x, fold);
    bool found = keys->count(k) > 0;
    for (size_t i = 0; !found && i < list->per_row.size(); ++i) {
      Value item = list->per_row[i](r);
      if (item.type == Type::Dynamic && item.d && item.d->is_array()) {
        for (const Json& e : *item.d)
          if (key_of(from_json(e), fold) == k) found = true;
      } else if (key_of(item, fold) == k) {
        found = true;
      }
    }
    return Value::boolean(found != negated);
  };
}

Scalar compile_has_any(const Node& n, bool all, bool negated, const CompileScope& scope) {
  Scalar left = compile_scalar(n.kids[0], scope);
  auto list = std::make_shared<ListOperand>(list_operand(n.kids[1], scope));
  if (!list->per_row.empty()) fail(n.kids[1], std::string(all ? "has_all" : "has_any") + " needs constant values");
  auto terms = std::make_shared<std::vector<std::string>>();
  for (const Value& v : list->constants) terms->push_back(rules::fold_case(text_of(scalarize(v))));
  return [=](const Row& r) {
    Value x = left(r);
    if (x.null) return null_bool();
    std::string s = text_of(x);
    bool result = all;
    for (const std::string& t : *terms) {
      bool has = rules::has_term(s, t, false);
      if (all && !has) {
        result = false;
        break;
      }
      if (!all && has) {
        result = true;
        break;
      }
    }
    return Value::boolean(result != negated);
  };
}

Scalar compile_binary(const Node& n, const CompileScope& scope) {
  const std::string& op = n.text;
  if (op == "and" || op == "or") {
    Scalar a = compile_scalar(n.kids[0], scope), b = compile_scalar(n.kids[1], scope);
    bool is_and = op == "and";
    return [a, b, is_and](const Row& r) {
      Value x = a(r);
      bool xnull = x.null || x.type != Type::Bool;
      if (!xnull && (x.i != 0) != is_and) return Value::boolean(!is_and);  // short circuit
      Value y = b(r);
      bool ynull = y.null || y.type != Type::Bool;
      if (!ynull && (y.i != 0) != is_and) return Value::boolean(!is_and);
      if (xnull || ynull) return null_bool();
      return Value::boolean(is_and);
    };
  }
  bool negated = op[0] == '!' && op != "!=" && op != "!~";
  std::string bare = negated ? op.substr(1) : op;
  if (bare == "in" || bare == "in~") return compile_in(n, negated, bare == "in~", scope);
  if (bare == "has_any" || bare == "has_all") return compile_has_any(n, bare == "has_all", negated, scope);
  Scalar a = compile_scalar(n.kids[0], scope);
  if (bare == "matches regex") {
    // The pattern is a constant (a literal or a let): compiled once.
    const Node& pat = n.kids[1];
    Value p;
    try {
      p = scalarize(compile_scalar(pat, CompileScope{nullptr, scope.runner, scope.env})(Row{}));
    } catch (const QueryError&) {
      fail(pat, "matches regex needs a constant pattern (a string or a let), not a column");
    }
    if (p.type != Type::String) fail(pat, "matches regex needs a string pattern");
    std::shared_ptr<RE2> re = compile_regex(pat, p.s);
    return [a, re, negated](const Row& r) {
      Value x = a(r);
      if (x.null) return null_bool();
      return Value::boolean(RE2::PartialMatch(text_of(x), *re) != negated);
    };
  }
  Scalar b = compile_scalar(n.kids[1], scope);
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=")
    return [a, b, op](const Row& r) { return compare_op(op, a(r), b(r)); };
  if (op == "=~" || op == "!~") {
    bool want = op == "=~";
    return [a, b, want](const Row& r) {
      Value x = scalarize(a(r)), y = scalarize(b(r));
      if (x.null || y.null) return null_bool();
      return Value::boolean((rules::fold_case(text_of(x)) == rules::fold_case(text_of(y))) == want);
    };
  }
  if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%") {
    char c = op[0];
    return [a, b, c](const Row& r) { return arithmetic(c, a(r), b(r)); };
  }
  bool cs = false;
  TextTest test = text_test(bare, cs);
  if (!test) fail(n, "the operator '" + op + "' is not supported");
  return [a, b, test, cs, negated](const Row& r) {
    Value x = scalarize(a(r)), y = scalarize(b(r));
    if (x.null || y.null) return null_bool();
    std::string s = text_of(x), needle = text_of(y);
    if (!cs) {
      s = rules::fold_case(s);
      needle = rules::fold_case(needle);
    }
    return Value::boolean(test(s, needle) != negated);
  };
}

Scalar compile_between(const Node& n, const CompileScope& scope) {
  Scalar x = compile_scalar(n.kids[0], scope), lo = compile_scalar(n.kids[1], scope),
         hi = compile_scalar(n.kids[2], scope);
  bool negated = n.text[0] == '!';
  return [x, lo, hi, negated](const Row& r) {
    Value v = scalarize(x(r)), a = scalarize(lo(r)), b = scalarize(hi(r));
    if (v.type == Type::DateTime && a.type == Type::DateTime && b.type == Type::Timespan) b = arithmetic('+', a, b);
    if (v.null || a.null || b.null) return null_bool();
    bool in = compare(v, a) >= 0 && compare(v, b) <= 0;
    return Value::boolean(in != negated);
  };
}

Value member_of(const Value& base, const Value& key) {
  Value b = base;
  if (b.type == Type::String) {  // a JSON text used as dynamic
    if (nests_too_deep(b.s)) return Value();
    Json j = Json::parse(b.s, nullptr, false);
    if (j.is_discarded()) return Value();
    b = Value::dynamic(std::move(j));
  }
  if (b.null || !b.d) return Value();
  const Json& j = *b.d;
  if (j.is_object()) {
    if (key.type != Type::String) return Value();
    auto it = j.find(key.s);
    return it == j.end() ? Value() : from_json(*it);
  }
  if (j.is_array() && key.type == Type::Long && !key.null) {
    int64_t i = key.i < 0 ? static_cast<int64_t>(j.size()) + key.i : key.i;
    if (i < 0 || i >= static_cast<int64_t>(j.size())) return Value();
    return from_json(j[static_cast<size_t>(i)]);
  }
  return Value();
}

// A user function called in an expression: its scalar parameters are slots
// the call sets before the body (compiled once) is evaluated.
Scalar compile_user_call(const Node& call, const Binding& fn, const CompileScope& scope) {
  const Node& lambda = *fn.node;
  auto env = std::make_shared<Env>();
  env->parent = fn.env;
  std::vector<std::shared_ptr<Value>> slots;
  std::vector<Scalar> args;
  size_t params = lambda.kids.size() - 1;
  if (call.kids.size() > params) fail(call, call.text + "() takes " + std::to_string(params) + " arguments");
  for (size_t i = 0; i < params; ++i) {
    const Node& p = lambda.kids[i];
    if (p.kids[0].text.rfind('(', 0) == 0)
      fail(call, call.text + "() takes a table: call it as a table (T | invoke " + call.text + "())");
    Binding b;
    b.kind = Binding::Kind::Slot;
    b.slot = std::make_shared<Value>();
    slots.push_back(b.slot);
    env->names[p.text] = b;
    if (i < call.kids.size())
      args.push_back(compile_scalar(call.kids[i].kind == K::Assign ? call.kids[i].kids[0] : call.kids[i], scope));
    else if (p.kids.size() > 1)
      args.push_back(compile_scalar(p.kids[1], CompileScope{nullptr, scope.runner, fn.env}));
    else
      fail(call, call.text + "() needs its argument " + p.text);
  }
  const Node& body = lambda.kids.back();
  // The body: lets, then one scalar expression.
  for (size_t i = 0; i + 1 < body.kids.size(); ++i) {
    const Node& let = body.kids[i];
    if (let.kind != K::Let) fail(let, "a function body has lets and then one result");
    Binding b;
    b.kind = Binding::Kind::LazyTable;
    b.node = &let.kids[0];
    b.env = env;
    if (!scope.runner->is_tabular(let.kids[0], env)) {
      b.kind = Binding::Kind::Scalar;
      b.value = scope.runner->constant(let.kids[0], env);
    }
    env->names[let.text] = b;
  }
  if (body.kids.empty()) fail(call, call.text + "() has an empty body");
  Scalar result = compile_scalar(body.kids.back(), CompileScope{nullptr, scope.runner, env});
  return [slots, args, result](const Row& r) {
    std::vector<Value> values;
    for (const Scalar& a : args) values.push_back(a(r));
    for (size_t i = 0; i < slots.size(); ++i) *slots[i] = values[i];
    return result(Row{});
  };
}

const std::unordered_set<std::string_view>& aggregate_names() {
  static const std::unordered_set<std::string_view> names = {
      "count",          "countif",  "dcount",     "dcountif",    "make_set",   "make_set_if", "make_list",
      "make_list_if",   "min",      "max",        "sum",         "avg",        "arg_min",     "arg_max",
      "take_any",       "any",      "minif",      "maxif",       "sumif",      "avgif",       "make_bag",
      "stdev",          "variance", "percentile", "percentiles", "take_anyif", "anyif",       "make_bag_if",
      "count_distinct", "hll"};
  return names;
}

Scalar compile_call(const Node& n, const CompileScope& scope) {
  const std::string& name = n.text;
  auto arity = [&](size_t lo, size_t hi) {
    if (n.kids.size() < lo || n.kids.size() > hi)
      fail(n, name + "() takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                  " arguments, not " + std::to_string(n.kids.size()));
  };
  if (const Binding* b = scope.env ? scope.env->find(name) : nullptr; b && b->kind == Binding::Kind::Function)
    return compile_user_call(n, *b, scope);
  if (name == "iff" || name == "iif") {
    arity(3, 3);
    Scalar c = compile_scalar(n.kids[0], scope), a = compile_scalar(n.kids[1], scope),
           b = compile_scalar(n.kids[2], scope);
    return [c, a, b](const Row& r) { return c(r).truthy() ? a(r) : b(r); };
  }
  if (name == "case") {
    if (n.kids.size() < 3 || n.kids.size() % 2 == 0)
      fail(n, "case() takes pairs of condition and value, then a default");
    std::vector<Scalar> parts;
    for (const Node& k : n.kids) parts.push_back(compile_scalar(k, scope));
    return [parts](const Row& r) {
      for (size_t i = 0; i + 1 < parts.size(); i += 2)
        if (parts[i](r).truthy()) return parts[i + 1](r);
      return parts.back()(r);
    };
  }
  if (name == "coalesce") {
    if (n.kids.empty()) fail(n, "coalesce() needs arguments");
    std::vector<Scalar> parts;
    for (const Node& k : n.kids) parts.push_back(compile_scalar(k, scope));
    return [parts](const Row& r) {
      Value v;
      for (const Scalar& p : parts) {
        v = p(r);
        if (!v.null && !(v.type == Type::String && v.s.empty())) return v;
      }
      return v;
    };
  }
  if (name == "toscalar") {
    arity(1, 1);
    Runner* runner = scope.runner;
    EnvPtr env = scope.env;
    const Node* q = &n.kids[0];
    auto cache = std::make_shared<std::optional<Value>>();
    if (!runner->is_tabular(*q, env)) return compile_scalar(*q, scope);
    return [runner, env, q, cache](const Row&) {
      if (!*cache) {
        TablePtr t = runner->tabular(*q, env);
        *cache = t->rows.empty() || t->columns.empty()
                     ? Value::null_of(t->columns.empty() ? Type::Dynamic : t->columns[0].type)
                     : t->rows[0][0];
      }
      return **cache;
    };
  }
  if (name == "now") {
    arity(0, 1);
    Value now = Value::datetime(scope.runner->now());
    if (n.kids.empty()) return [now](const Row&) { return now; };
    Scalar off = compile_scalar(n.kids[0], scope);
    return [now, off](const Row& r) { return arithmetic('+', now, off(r)); };
  }
  if (name == "ago") {
    arity(1, 1);
    Value now = Value::datetime(scope.runner->now());
    Scalar span = compile_scalar(n.kids[0], scope);
    return [now, span](const Row& r) { return arithmetic('-', now, span(r)); };
  }
  if (name == "ingestion_time") {
    // Evidence has no ingestion: the event's own time (README, KQL hunts).
    arity(0, 0);
    for (const char* col : {"Timestamp", "TimeGenerated"})
      if (auto i = scope.column(col)) return [i = *i](const Row& r) { return r[i]; };
    return [](const Row&) { return Value::null_of(Type::DateTime); };
  }
  if (name == "pack_all") {
    // The row as a bag: each column's name and value (nulls left out unless asked).
    arity(0, 1);
    bool keep_nulls = !n.kids.empty() && scope.runner->constant(n.kids[0], scope.env).truthy();
    std::vector<std::string> names;
    if (scope.columns)
      for (const Column& c : *scope.columns) names.push_back(c.name);
    return [names, keep_nulls](const Row& r) {
      Json bag = Json::object();
      for (size_t i = 0; i < names.size() && i < r.size(); ++i)
        if (!r[i].null || keep_nulls) bag[names[i]] = to_json(r[i]);
      return Value::dynamic(std::move(bag));
    };
  }
  if (name == "column_ifexists") {
    arity(2, 2);
    if (n.kids[0].kind != K::Literal) fail(n.kids[0], "column_ifexists() needs the column name as a string");
    if (auto i = scope.column(n.kids[0].text)) return [i = *i](const Row& r) { return r[i]; };
    return compile_scalar(n.kids[1], scope);
  }
  if (aggregate_names().count(name)) fail(n, name + "() is an aggregation: it can be used only in summarize");
  Function fn = scalar_function(n, scope);
  std::vector<Scalar> args;
  for (const Node& k : n.kids) {
    if (k.kind == K::Star) fail(k, "'*' is not an argument of " + name + "()");
    args.push_back(compile_scalar(k.kind == K::Assign ? k.kids[0] : k, scope));
  }
  Pos pos = n.pos;
  return [fn, args, pos, name](const Row& r) {
    std::vector<Value> values;
    values.reserve(args.size());
    for (const Scalar& a : args) values.push_back(a(r));
    Value v = fn(values);
    if (v.type == Type::String && v.s.size() > kMaxString)
      throw QueryError(pos, name + "() makes a string longer than " + std::to_string(kMaxString >> 20) + " MiB");
    return v;
  };
}

}  // namespace

std::shared_ptr<RE2> compile_regex(const Node& at, const std::string& pattern) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  std::shared_ptr<RE2> re = rules::make_regex(pattern, o);  // 64 MB already: as given
  if (!re->ok()) fail(at, "not a regular expression RE2 can run: " + re->error());
  if (re->ProgramSize() > rules::kMaxRegexProgram)
    fail(at, "the regular expression is too large (" + std::to_string(re->ProgramSize()) +
                 " RE2 instructions; at most " + std::to_string(rules::kMaxRegexProgram) + ")");
  return re;
}

Scalar compile_scalar(const Node& n, const CompileScope& scope) {
  switch (n.kind) {
    case K::Literal: {
      Value v = literal(n);
      return [v](const Row&) { return v; };
    }
    case K::TypeName: {
      Value v = Value::string(n.text);
      return [v](const Row&) { return v; };
    }
    case K::Name: {
      if (auto i = scope.column(n.text)) return [i = *i](const Row& r) { return r[i]; };
      if (const Binding* b = scope.env ? scope.env->find(n.text) : nullptr) {
        if (b->kind == Binding::Kind::Scalar) return [v = b->value](const Row&) { return v; };
        if (b->kind == Binding::Kind::Slot) return [slot = b->slot](const Row&) { return *slot; };
        fail(n, "'" + n.text + "' is a table, not a value (use toscalar(), or in (" + n.text + "))");
      }
      fail(n, "no column or value named '" + n.text + "'");
    }
    case K::Unary: {
      Scalar x = compile_scalar(n.kids[0], scope);
      if (n.text == "+") return x;
      return [x](const Row& r) {
        Value v = scalarize(x(r));
        if (v.type == Type::Real) return v.null ? v : Value::real(-v.r);
        if (v.type == Type::Long || v.type == Type::Timespan) {
          if (v.null || v.i == INT64_MIN) return Value::null_of(v.type);
          v.i = -v.i;
          return v;
        }
        return Value::null_of(Type::Long);
      };
    }
    case K::Binary: return compile_binary(n, scope);
    case K::Between: return compile_between(n, scope);
    case K::Call: return compile_call(n, scope);
    case K::Member: {
      Scalar base = compile_scalar(n.kids[0], scope);
      Value key = Value::string(n.text);
      return [base, key](const Row& r) { return member_of(base(r), key); };
    }
    case K::Index: {
      Scalar base = compile_scalar(n.kids[0], scope), key = compile_scalar(n.kids[1], scope);
      return [base, key](const Row& r) { return member_of(base(r), scalarize(key(r))); };
    }
    case K::Pipeline:
    case K::Datatable: fail(n, "a table where a value is expected (use toscalar())");
    case K::List: fail(n, "a list of values is only the right side of in, has_any or has_all");
    case K::Star: fail(n, "'*' where a value is expected");
    default: fail(n, "not a value");
  }
}

std::string default_name(const Node& n) {
  if (n.kind == K::Name) return n.text;
  if (n.kind == K::Call && (n.text == "bin" || n.text == "floor") && !n.kids.empty() && n.kids[0].kind == K::Name)
    return n.kids[0].text;
  if (n.kind == K::Member) {
    std::string base = default_name(n.kids[0]);
    return base.empty() ? "" : base + "_" + n.text;
  }
  return "";
}

Type infer_type(const std::vector<Row>& rows, size_t i, Type fallback) {
  for (const Row& r : rows)
    if (!r[i].null) return r[i].type;
  return fallback;
}

}  // namespace kql
