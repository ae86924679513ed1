// Recursive-descent parser: tokens -> typed nodes, with names resolved
// (fields to normalize::Field, stage names to stage indexes), types checked and
// constant sub-expressions folded, so evaluation does no lookups.
//
// Precedence, loosest first: or; and; comparison and string / list / range
// operators (not chainable); + -; * / %; unary -; primary.
#include <algorithm>
#include <cstring>

#include "rules/ast.h"
#include "rules/field_types.h"
#include "rules/parser.h"
#include "rules/regex.h"
#include "rules/text_match.h"

namespace rules::detail {
namespace {

bool numeric(Type t) { return t == Type::Int || t == Type::Real; }

bool equatable(Type a, Type b) {
  if (a == b) return true;
  if (numeric(a) && numeric(b)) return true;
  return (a == Type::Int && b == Type::String) || (a == Type::String && b == Type::Int);
}

bool orderable(Type a, Type b) {
  if (numeric(a) && numeric(b)) return true;
  if (a == b) return a == Type::DateTime || a == Type::Timespan || a == Type::String;
  return (a == Type::Int && b == Type::String) || (a == Type::String && b == Type::Int);
}

std::optional<Type> arith_type(ArithOp op, Type a, Type b) {
  if (numeric(a) && numeric(b)) return (a == Type::Int && b == Type::Int) ? Type::Int : Type::Real;
  switch (op) {
    case ArithOp::Add:
      if ((a == Type::DateTime && b == Type::Timespan) || (a == Type::Timespan && b == Type::DateTime))
        return Type::DateTime;
      if (a == Type::Timespan && b == Type::Timespan) return Type::Timespan;
      break;
    case ArithOp::Sub:
      if (a == Type::DateTime && b == Type::Timespan) return Type::DateTime;
      if (a == Type::DateTime && b == Type::DateTime) return Type::Timespan;
      if (a == Type::Timespan && b == Type::Timespan) return Type::Timespan;
      break;
    case ArithOp::Mul:
      if ((a == Type::Timespan && numeric(b)) || (numeric(a) && b == Type::Timespan)) return Type::Timespan;
      break;
    case ArithOp::Div:
      if (a == Type::Timespan && b == Type::Timespan) return Type::Real;
      if (a == Type::Timespan && numeric(b)) return Type::Timespan;
      break;
    case ArithOp::Mod:
      if (a == Type::Timespan && b == Type::Timespan) return Type::Timespan;
      break;
  }
  return std::nullopt;
}

const char* arith_symbol(ArithOp op) {
  switch (op) {
    case ArithOp::Add: return "+";
    case ArithOp::Sub: return "-";
    case ArithOp::Mul: return "*";
    case ArithOp::Div: return "/";
    case ArithOp::Mod: return "%";
  }
  return "?";
}

constexpr const char* kAggregates[] = {"make_set", "make_list",   "count",        "dcount",   "countif",
                                       "sum",      "min",         "max",          "avg",      "arg_max",
                                       "arg_min",  "make_set_if", "make_list_if", "take_any", "any"};

struct WordOp {
  const char* word;
  enum Kind { Str, In, Between, Matches } kind;
  StrOp op;
  bool cs;
};
constexpr WordOp kWordOps[] = {
    {"contains", WordOp::Str, StrOp::Contains, false},
    {"contains_cs", WordOp::Str, StrOp::Contains, true},
    {"has", WordOp::Str, StrOp::Has, false},
    {"has_cs", WordOp::Str, StrOp::Has, true},
    {"startswith", WordOp::Str, StrOp::StartsWith, false},
    {"startswith_cs", WordOp::Str, StrOp::StartsWith, true},
    {"endswith", WordOp::Str, StrOp::EndsWith, false},
    {"endswith_cs", WordOp::Str, StrOp::EndsWith, true},
    {"in", WordOp::In, StrOp::Contains, true},
    {"between", WordOp::Between, StrOp::Contains, false},
    {"matches", WordOp::Matches, StrOp::Contains, true},
};

const WordOp* word_op(const std::string& w) {
  for (const WordOp& op : kWordOps)
    if (w == op.word) return &op;
  return nullptr;
}

class Parser {
 public:
  Parser(std::string_view text, const Scope& scope, Program& prog)
      : text_(text), scope_(scope), prog_(prog), toks_(tokenize(text)) {}

  NodePtr parse_all() {
    NodePtr n = parse_or();
    if (peek().kind != Tok::End) {
      const Token& t = peek();
      if (t.kind == Tok::Ident || t.kind == Tok::BangWord)
        fail(t.offset, "expected 'and', 'or' or the end of the expression, found '" + describe(t) + "'");
      fail(t.offset, std::string("expected 'and', 'or' or the end of the expression, found ") + token_name(t.kind));
    }
    return n;
  }

 private:
  [[noreturn]] void fail(size_t at, std::string msg) const { throw CompileError{at, std::move(msg)}; }

  const Token& peek(size_t k = 0) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    last_end_ = t.offset + t.length;
    return t;
  }
  bool at_ident(const char* w) const { return peek().kind == Tok::Ident && peek().text == w; }
  void expect(Tok k, const char* what) {
    if (peek().kind != k) fail(peek().offset, std::string("expected ") + what + ", found " + describe(peek()));
    next();
  }

  std::string describe(const Token& t) const {
    if (t.kind == Tok::Ident) return "'" + t.text + "'";
    if (t.kind == Tok::BangWord) return "'!" + t.text + "'";
    if (t.kind == Tok::End) return token_name(t.kind);
    return std::string(token_name(t.kind)) + " '" + std::string(text_.substr(t.offset, t.length)) + "'";
  }

  std::string snippet(const Node& n) const { return std::string(text_.substr(n.begin, n.end - n.begin)); }

  template <class N>
  std::unique_ptr<N> make(size_t begin) {
    auto n = std::make_unique<N>();
    n->begin = begin;
    return n;
  }

  NodePtr finish(NodePtr n) {
    n->end = last_end_;
    if (n->is_const && n->kind != NodeKind::Literal) {
      Value v = n->eval(EvalContext{});
      if (v.known()) {
        auto lit = std::make_unique<LiteralNode>(std::move(v));
        lit->begin = n->begin;
        lit->end = n->end;
        return lit;
      }
    }
    return n;
  }

  void require_bool(const Node& n, const char* what) const {
    if (n.type != Type::Bool)
      fail(n.begin, std::string(what) + " needs a boolean operand, but '" + snippet(n) + "' is a " + type_name(n.type));
  }

  // Nesting (parentheses, function arguments, unary minus) is bounded: the
  // parser and the evaluator recurse once per level, and a rule file is input.
  static constexpr int kMaxNesting = 100;
  struct Nest {
    explicit Nest(Parser& p, size_t at) : p_(p) {
      if (++p_.nesting_ > kMaxNesting)
        p_.fail(at, "expression nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    ~Nest() { --p_.nesting_; }
    Parser& p_;
  };

  // --- logic ---
  NodePtr parse_or() {
    Nest nest(*this, peek().offset);
    size_t begin = peek().offset;
    NodePtr first = parse_and();
    if (!at_ident("or")) return first;
    auto n = std::make_unique<LogicNode>(NodeKind::Or);
    n->begin = begin;
    require_bool(*first, "'or'");
    n->kids.push_back(std::move(first));
    while (at_ident("or")) {
      next();
      NodePtr k = parse_and();
      require_bool(*k, "'or'");
      n->kids.push_back(std::move(k));
    }
    return finish_logic(std::move(n));
  }

  NodePtr parse_and() {
    size_t begin = peek().offset;
    NodePtr first = parse_cmp();
    if (!at_ident("and")) return first;
    auto n = std::make_unique<LogicNode>(NodeKind::And);
    n->begin = begin;
    require_bool(*first, "'and'");
    n->kids.push_back(std::move(first));
    while (at_ident("and")) {
      next();
      NodePtr k = parse_cmp();
      require_bool(*k, "'and'");
      n->kids.push_back(std::move(k));
    }
    return finish_logic(std::move(n));
  }

  NodePtr finish_logic(std::unique_ptr<LogicNode> n) {
    n->type = Type::Bool;
    n->is_const = std::all_of(n->kids.begin(), n->kids.end(), [](const NodePtr& k) { return k->is_const; });
    return finish(std::move(n));
  }

  // --- comparisons ---
  NodePtr parse_cmp() {
    size_t begin = peek().offset;
    NodePtr l = parse_add();
    NodePtr out = parse_cmp_tail(std::move(l), begin);
    if (is_cmp_start())
      fail(peek().offset, "comparisons cannot be chained: combine them with 'and' (or add parentheses)");
    return out;
  }

  bool is_cmp_start() const {
    switch (peek().kind) {
      case Tok::EqEq:
      case Tok::NotEq:
      case Tok::EqTilde:
      case Tok::NotTilde:
      case Tok::Less:
      case Tok::LessEq:
      case Tok::Greater:
      case Tok::GreaterEq: return true;
      case Tok::BangWord: return true;
      case Tok::Ident: return word_op(peek().text) != nullptr;
      default: return false;
    }
  }

  NodePtr parse_cmp_tail(NodePtr l, size_t begin) {
    const Token& t = peek();
    std::optional<CmpOp> cmp;
    switch (t.kind) {
      case Tok::EqEq: cmp = CmpOp::Eq; break;
      case Tok::NotEq: cmp = CmpOp::Ne; break;
      case Tok::EqTilde: cmp = CmpOp::EqCi; break;
      case Tok::NotTilde: cmp = CmpOp::NeCi; break;
      case Tok::Less: cmp = CmpOp::Lt; break;
      case Tok::LessEq: cmp = CmpOp::Le; break;
      case Tok::Greater: cmp = CmpOp::Gt; break;
      case Tok::GreaterEq: cmp = CmpOp::Ge; break;
      default: break;
    }
    if (cmp) return parse_compare(std::move(l), *cmp, begin);
    if (t.kind == Tok::Ident || t.kind == Tok::BangWord) {
      const WordOp* w = word_op(t.text);
      bool negate = t.kind == Tok::BangWord;
      if (w == nullptr || (negate && w->kind == WordOp::Matches)) {
        if (negate) fail(t.offset, "unknown operator '!" + t.text + "'");
        if (t.text == "and" || t.text == "or") return l;
        fail(t.offset, "expected an operator, 'and', 'or' or the end of the expression, found '" + t.text + "'");
      }
      size_t op_offset = t.offset;
      size_t op_end = t.offset + t.length;
      next();
      switch (w->kind) {
        case WordOp::Str: return parse_string_op(std::move(l), *w, negate, begin, op_offset);
        case WordOp::In: {
          bool ci = false;
          if (peek().kind == Tok::Tilde && peek().offset == op_end) {
            next();
            ci = true;
          }
          return parse_in(std::move(l), ci, negate, begin);
        }
        case WordOp::Between: return parse_between(std::move(l), negate, begin, op_offset);
        case WordOp::Matches: return parse_regex(std::move(l), begin);
      }
    }
    return l;
  }

  NodePtr parse_compare(NodePtr l, CmpOp op, size_t begin) {
    size_t op_offset = peek().offset;
    next();
    NodePtr r = parse_add();
    bool ci = op == CmpOp::EqCi || op == CmpOp::NeCi;
    bool eq = ci || op == CmpOp::Eq || op == CmpOp::Ne;
    if (ci) {
      if (l->type == Type::Bool || r->type == Type::Bool || l->type == Type::DateTime || r->type == Type::DateTime ||
          l->type == Type::Timespan || r->type == Type::Timespan)
        fail(op_offset, std::string("=~ and !~ compare strings; cannot compare ") + type_name(l->type) + " with " +
                            type_name(r->type));
    } else if (eq ? !equatable(l->type, r->type) : !orderable(l->type, r->type)) {
      fail(op_offset, std::string("cannot compare ") + type_name(l->type) + " ('" + snippet(*l) + "') with " +
                          type_name(r->type) + " ('" + snippet(*r) + "')");
    }
    auto n = make<CompareNode>(begin);
    n->op = op;
    n->type = Type::Bool;
    n->is_const = l->is_const && r->is_const;
    if (ci && r->kind == NodeKind::Literal && r->type == Type::String) {
      n->r_folded = true;
      n->folded = fold_case(static_cast<const LiteralNode&>(*r).value.str());
    }
    n->l = std::move(l);
    n->r = std::move(r);
    return finish(std::move(n));
  }

  NodePtr parse_string_op(NodePtr l, const WordOp& w, bool negate, size_t begin, size_t op_offset) {
    NodePtr r = parse_add();
    if (r->type != Type::String)
      fail(r->begin, std::string("'") + (negate ? "!" : "") + w.word + "' needs a string on its right, but '" +
                         snippet(*r) + "' is a " + type_name(r->type));
    if (l->type == Type::Bool) fail(op_offset, std::string("'") + w.word + "' cannot search a bool");
    auto n = make<StringOpNode>(begin);
    n->op = w.op;
    n->case_sensitive = w.cs;
    n->negate = negate;
    n->type = Type::Bool;
    n->is_const = l->is_const && r->is_const;
    if (r->kind == NodeKind::Literal) {
      n->r_const = true;
      std::string_view s = static_cast<const LiteralNode&>(*r).value.str();
      n->needle = w.cs ? std::string(s) : fold_case(s);
    }
    n->l = std::move(l);
    n->r = std::move(r);
    return finish(std::move(n));
  }

  // An item of an `in` list that names one of the rule's lists (`lists:`):
  // its values; consumes the name. Null when the next token is not one.
  const std::vector<std::string>* named_list() {
    if (!scope_.lists || peek().kind != Tok::Ident) return nullptr;
    auto it = scope_.lists->find(peek().text);
    if (it == scope_.lists->end()) return nullptr;
    if (peek(1).kind == Tok::Dot || peek(1).kind == Tok::LParen) return nullptr;
    next();
    return &it->second;
  }

  NodePtr parse_in(NodePtr l, bool ci, bool negate, size_t begin) {
    if (peek().kind != Tok::LParen)
      fail(peek().offset,
           "expected '(' and a list of values after '" + std::string(negate ? "!" : "") + "in" + (ci ? "~" : "") + "'");
    next();
    auto n = make<InNode>(begin);
    if (peek().kind == Tok::RParen) fail(peek().offset, "the list of 'in' is empty");
    for (;;) {
      if (const std::vector<std::string>* list = named_list()) {
        for (const std::string& v : *list) {
          auto item = std::make_unique<LiteralNode>(Value::borrowed(v));
          item->begin = n->begin;
          n->items.push_back(std::move(item));
        }
        if (!ci && !equatable(l->type, Type::String))
          fail(n->begin, std::string("cannot compare ") + type_name(l->type) + " with a list of strings");
        if (peek().kind == Tok::Comma) {
          next();
          continue;
        }
        expect(Tok::RParen, "',' or ')' in the list");
        break;
      }
      NodePtr item = parse_add();
      if (ci ? (item->type != Type::String && item->type != Type::Int) : !equatable(l->type, item->type))
        fail(item->begin, std::string("cannot compare ") + type_name(l->type) + " ('" + snippet(*l) + "') with " +
                              type_name(item->type) + " ('" + snippet(*item) + "')");
      n->items.push_back(std::move(item));
      if (peek().kind == Tok::Comma) {
        next();
        continue;
      }
      expect(Tok::RParen, "',' or ')' in the list");
      break;
    }
    n->case_insensitive = ci;
    n->negate = negate;
    n->type = Type::Bool;
    n->is_const =
        l->is_const && std::all_of(n->items.begin(), n->items.end(), [](const NodePtr& k) { return k->is_const; });
    bool all_const_strings = std::all_of(n->items.begin(), n->items.end(), [](const NodePtr& k) {
      return k->kind == NodeKind::Literal && k->type == Type::String;
    });
    if (all_const_strings) {
      n->const_strings = true;
      for (const NodePtr& k : n->items) {
        std::string_view item = static_cast<const LiteralNode&>(*k).value.str();
        n->consts.push_back(ci ? fold_case(item) : std::string(item));
      }
    }
    n->l = std::move(l);
    return finish(std::move(n));
  }

  NodePtr parse_between(NodePtr l, bool negate, size_t begin, size_t op_offset) {
    if (peek().kind != Tok::LParen) fail(peek().offset, "expected '(' after 'between', as in between (0 .. 2)");
    next();
    NodePtr lo = parse_add();
    expect(Tok::DotDot, "'..' between the bounds");
    NodePtr hi = parse_add();
    expect(Tok::RParen, "')' after the bounds");
    Type t = l->type;
    bool ok = false;
    if (numeric(t))
      ok = numeric(lo->type) && numeric(hi->type);
    else if (t == Type::DateTime)
      ok = lo->type == Type::DateTime && (hi->type == Type::DateTime || hi->type == Type::Timespan);
    else if (t == Type::Timespan)
      ok = lo->type == Type::Timespan && hi->type == Type::Timespan;
    if (!ok)
      fail(op_offset, std::string("'between' needs numbers, datetimes or timespans of one kind: '") + snippet(*l) +
                          "' is a " + type_name(t) + ", the bounds are " + type_name(lo->type) + " and " +
                          type_name(hi->type));
    auto n = make<BetweenNode>(begin);
    n->negate = negate;
    n->type = Type::Bool;
    n->is_const = l->is_const && lo->is_const && hi->is_const;
    n->l = std::move(l);
    n->lo = std::move(lo);
    n->hi = std::move(hi);
    return finish(std::move(n));
  }

  NodePtr parse_regex(NodePtr l, size_t begin) {
    if (!at_ident("regex")) fail(peek().offset, "expected 'regex' after 'matches'");
    next();
    if (peek().kind != Tok::String) fail(peek().offset, "'matches regex' needs a string literal pattern");
    const Token& p = next();
    auto n = make<RegexNode>(begin);
    n->pattern = p.text;
    n->re = compile_re2(p.text, p.offset);
    n->type = Type::Bool;
    n->is_const = l->is_const;
    n->l = std::move(l);
    return finish(std::move(n));
  }

  // RE2 syntax, as Kusto's: linear time in the text, no backtracking, no
  // recursion; (?i) ignores case. A pattern RE2 cannot express (back
  // references, look-around) is an error here, at load time.
  std::shared_ptr<const re2::RE2> compile_re2(const std::string& pattern, size_t at) {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    std::shared_ptr<const re2::RE2> re = make_regex(pattern, opts);
    if (!re->ok()) fail(at, "invalid regular expression (RE2 syntax): " + re->error());
    if (re->ProgramSize() > kMaxRegexProgram)
      fail(at, "regular expression too large: " + std::to_string(re->ProgramSize()) + " RE2 instructions (at most " +
                   std::to_string(kMaxRegexProgram) + ")");
    return re;
  }

  // --- arithmetic ---
  NodePtr parse_add() {
    size_t begin = peek().offset;
    NodePtr l = parse_mul();
    while (peek().kind == Tok::Plus || peek().kind == Tok::Minus) {
      ArithOp op = peek().kind == Tok::Plus ? ArithOp::Add : ArithOp::Sub;
      size_t at = peek().offset;
      next();
      l = make_arith(op, std::move(l), parse_mul(), begin, at);
    }
    return l;
  }

  NodePtr parse_mul() {
    size_t begin = peek().offset;
    NodePtr l = parse_unary();
    while (peek().kind == Tok::Star || peek().kind == Tok::Slash || peek().kind == Tok::Percent) {
      ArithOp op = peek().kind == Tok::Star ? ArithOp::Mul : peek().kind == Tok::Slash ? ArithOp::Div : ArithOp::Mod;
      size_t at = peek().offset;
      next();
      l = make_arith(op, std::move(l), parse_unary(), begin, at);
    }
    return l;
  }

  NodePtr make_arith(ArithOp op, NodePtr l, NodePtr r, size_t begin, size_t at) {
    std::optional<Type> t = arith_type(op, l->type, r->type);
    if (!t)
      fail(at, std::string("cannot compute ") + type_name(l->type) + " " + arith_symbol(op) + " " + type_name(r->type) +
                   " ('" + snippet(*l) + "' " + arith_symbol(op) + " '" + snippet(*r) + "')");
    auto n = make<ArithNode>(begin);
    n->op = op;
    n->type = *t;
    n->is_const = l->is_const && r->is_const;
    n->l = std::move(l);
    n->r = std::move(r);
    return finish(std::move(n));
  }

  NodePtr parse_unary() {
    if (peek().kind == Tok::Minus) {
      Nest nest(*this, peek().offset);
      size_t begin = peek().offset;
      next();
      NodePtr k = parse_unary();
      if (k->type != Type::Int && k->type != Type::Real && k->type != Type::Timespan)
        fail(begin, std::string("cannot negate a ") + type_name(k->type));
      auto n = make<NegNode>(begin);
      n->type = k->type;
      n->is_const = k->is_const;
      n->kid = std::move(k);
      return finish(std::move(n));
    }
    return parse_primary();
  }

  // --- primaries ---
  NodePtr literal(Value v, const Token& t) {
    auto n = std::make_unique<LiteralNode>(std::move(v));
    n->begin = t.offset;
    n->end = t.offset + t.length;
    return n;
  }

  NodePtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::String: next(); return literal(Value::borrowed(t.text), t);
      case Tok::Int: next(); return literal(Value::integer(t.i), t);
      case Tok::Real: next(); return literal(Value::real(t.r), t);
      case Tok::DateTime: next(); return literal(Value::datetime(t.i), t);
      case Tok::Timespan: next(); return literal(Value::timespan(t.i), t);
      case Tok::LParen: {
        size_t begin = t.offset;
        next();
        NodePtr inner = parse_or();
        expect(Tok::RParen, "')'");
        inner->begin = begin;  // the parentheses belong to the operand's text
        inner->end = last_end_;
        return inner;
      }
      case Tok::Ident: return parse_name();
      default: break;
    }
    fail(t.offset, "expected a value (a field, a literal, a function call or '('), found " + describe(t));
  }

  NodePtr parse_name() {
    const Token& t = next();
    const std::string name = t.text;
    const size_t begin = t.offset;
    if (peek().kind == Tok::LParen) return parse_call(name, begin);
    if (name == "not") fail(begin, "'not' is a function: write not(condition)");
    if (name == "true" || name == "True" || name == "TRUE") return literal(Value::boolean(true), t);
    if (name == "false" || name == "False" || name == "FALSE") return literal(Value::boolean(false), t);
    if (peek().kind == Tok::Dot) {
      next();
      if (peek().kind != Tok::Ident) fail(peek().offset, "expected a field name after '" + name + ".'");
      const Token& f = next();
      return field_ref(std::optional<std::string>(name), f.text, begin, f.offset);
    }
    return field_ref(std::nullopt, name, begin, begin);
  }

  NodePtr field_ref(const std::optional<std::string>& stage_name, const std::string& field_name, size_t begin,
                    size_t field_offset) {
    std::optional<size_t> stage;
    if (stage_name) {
      auto it = std::find(scope_.stages.begin(), scope_.stages.end(), *stage_name);
      if (it == scope_.stages.end()) {
        if (normalize::field_by_name(*stage_name))
          fail(begin,
               "'" + *stage_name + "' is a field, not a stage: write " + *stage_name + " or stage." + *stage_name);
        fail(begin, "unknown stage '" + *stage_name + "'" + stage_list());
      }
      size_t idx = static_cast<size_t>(it - scope_.stages.begin());
      if (scope_.all_stages_visible) {
        stage = idx;
      } else if (idx > scope_.current) {
        fail(begin, "stage '" + *stage_name + "' comes after stage '" + scope_.stages[scope_.current] +
                        "': a stage can only refer to earlier stages");
      } else if (idx < scope_.current) {
        stage = idx;
      }  // idx == current: the current event itself
    } else if (std::find(scope_.stages.begin(), scope_.stages.end(), field_name) != scope_.stages.end()) {
      fail(begin, "'" + field_name + "' is a stage: name one of its fields, e.g. " + field_name + ".Timestamp");
    }
    std::optional<normalize::Field> f = normalize::field_by_name(field_name);
    if (!f) fail(field_offset, "unknown field '" + field_name + "'" + suggestion(field_name));
    std::string ref_name = stage ? scope_.stages[*stage] + "." + field_name : field_name;
    if (!stage_name && static_cast<size_t>(*f) < scope_.unqualified_field_stage.size())
      stage = scope_.unqualified_field_stage[static_cast<size_t>(*f)];
    auto n = make<FieldNode>(begin);
    n->stage = stage;
    n->field = *f;
    n->type = field_type(*f);
    n->bit = register_ref(stage, *f, ref_name, begin);
    n->end = last_end_;
    return n;
  }

  std::string stage_list() const {
    if (scope_.stages.empty()) return " (this expression has no stages)";
    std::string s = " (stages: ";
    for (size_t i = 0; i < scope_.stages.size(); ++i) s += (i ? ", " : "") + scope_.stages[i];
    return s + ")";
  }

  // The closest field name (same letters in another case, or at most two
  // edits away), as a hint.
  static std::string suggestion(const std::string& name) {
    std::string folded = fold_case(name);
    std::string best;
    size_t best_distance = 3;
    for (size_t i = 0; i < normalize::kFieldCount; ++i) {
      std::string candidate = fold_case(normalize::field_name(static_cast<normalize::Field>(i)));
      size_t d = edit_distance(folded, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = normalize::field_name(static_cast<normalize::Field>(i));
      }
    }
    return best.empty() ? "" : " (did you mean " + best + "?)";
  }

  UnknownSet register_ref(std::optional<size_t> stage, normalize::Field f, const std::string& name, size_t at) {
    for (size_t i = 0; i < prog_.refs.size(); ++i)
      if (prog_.refs[i].stage == stage && prog_.refs[i].field == f) return UnknownSet{1} << i;
    if (prog_.refs.size() >= 64) fail(at, "too many distinct fields in one expression (at most 64)");
    prog_.refs.push_back(FieldRef{stage, f, name});
    return UnknownSet{1} << (prog_.refs.size() - 1);
  }

  std::vector<NodePtr> parse_args() {
    expect(Tok::LParen, "'('");
    std::vector<NodePtr> args;
    if (peek().kind == Tok::RParen) {
      next();
      return args;
    }
    for (;;) {
      args.push_back(parse_or());
      if (peek().kind == Tok::Comma) {
        next();
        continue;
      }
      expect(Tok::RParen, "',' or ')' after the argument");
      return args;
    }
  }

  NodePtr parse_call(const std::string& name, size_t begin) {
    auto arity = [&](const std::vector<NodePtr>& args, size_t n) {
      if (args.size() != n)
        fail(begin, name + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
                        std::to_string(args.size()));
    };
    for (const char* agg : kAggregates)
      if (name == agg) fail(begin, "'" + name + "' is an aggregation: it belongs in summarize.collect");
    if (name == "not") {
      std::vector<NodePtr> args = parse_args();
      arity(args, 1);
      require_bool(*args[0], "not()");
      auto n = make<NotNode>(begin);
      n->type = Type::Bool;
      n->is_const = args[0]->is_const;
      n->kid = std::move(args[0]);
      return finish(std::move(n));
    }
    struct Simple {
      const char* name;
      Fn fn;
      Type result;
    };
    static constexpr Simple kSimple[] = {{"tolower", Fn::ToLower, Type::String},
                                         {"toupper", Fn::ToUpper, Type::String},
                                         {"isempty", Fn::IsEmpty, Type::Bool},
                                         {"isnotempty", Fn::IsNotEmpty, Type::Bool},
                                         {"strlen", Fn::StrLen, Type::Int}};
    for (const Simple& s : kSimple) {
      if (name != s.name) continue;
      std::vector<NodePtr> args = parse_args();
      arity(args, 1);
      if (args[0]->type == Type::Bool && s.fn != Fn::IsEmpty && s.fn != Fn::IsNotEmpty)
        fail(args[0]->begin, name + "() needs a string");
      auto n = make<CallNode>(begin);
      n->fn = s.fn;
      n->type = s.result;
      n->is_const = args[0]->is_const;
      n->arg = std::move(args[0]);
      return finish(std::move(n));
    }
    if (name == "datetime_diff") {
      std::vector<NodePtr> args = parse_args();
      arity(args, 3);
      if (args[0]->kind != NodeKind::Literal || args[0]->type != Type::String)
        fail(args[0]->begin, "datetime_diff() needs the period as a string literal, e.g. \"second\"");
      std::string_view pname = static_cast<const LiteralNode&>(*args[0]).value.str();
      std::optional<Period> p = period_by_name(pname);
      if (!p)
        fail(args[0]->begin, "unknown datetime_diff period \"" + std::string(pname) +
                                 "\" (year, quarter, month, week, day, hour, minute, second, millisecond, "
                                 "microsecond, nanosecond)");
      for (size_t k = 1; k < 3; ++k)
        if (args[k]->type != Type::DateTime)
          fail(args[k]->begin,
               "datetime_diff() compares datetimes, but '" + snippet(*args[k]) + "' is a " + type_name(args[k]->type));
      auto n = make<DatetimeDiffNode>(begin);
      n->period = *p;
      n->type = Type::Int;
      n->is_const = args[1]->is_const && args[2]->is_const;
      n->a = std::move(args[1]);
      n->b = std::move(args[2]);
      return finish(std::move(n));
    }
    if (name == "extract") {
      std::vector<NodePtr> args = parse_args();
      arity(args, 3);
      if (args[0]->kind != NodeKind::Literal || args[0]->type != Type::String)
        fail(args[0]->begin, "extract() needs the regular expression as a string literal");
      if (args[1]->kind != NodeKind::Literal || args[1]->type != Type::Int)
        fail(args[1]->begin, "extract() needs the capture group as an integer literal");
      if (args[2]->type == Type::Bool) fail(args[2]->begin, "extract() searches a string");
      auto n = make<ExtractNode>(begin);
      n->re = compile_re2(std::string(static_cast<const LiteralNode&>(*args[0]).value.str()), args[0]->begin);
      int64_t g = static_cast<const LiteralNode&>(*args[1]).value.i;
      if (g < 0 || g > n->re->NumberOfCapturingGroups())
        fail(args[1]->begin, "extract(): the expression has " + std::to_string(n->re->NumberOfCapturingGroups()) +
                                 " capture group(s), not " + std::to_string(g));
      n->group = static_cast<int>(g);
      n->type = Type::String;
      n->is_const = args[2]->is_const;
      n->text = std::move(args[2]);
      return finish(std::move(n));
    }
    if (name == "bin" || name == "floor") {
      std::vector<NodePtr> args = parse_args();
      arity(args, 2);
      const Node& x = *args[0];
      const Node& size = *args[1];
      if (size.kind != NodeKind::Literal) fail(size.begin, name + "() needs a constant bin size, e.g. 5s");
      const Value& sv = static_cast<const LiteralNode&>(size).value;
      bool ok = (numeric(x.type) && numeric(sv.type)) ||
                ((x.type == Type::DateTime || x.type == Type::Timespan) && sv.type == Type::Timespan);
      if (!ok)
        fail(size.begin, name + "() of a " + type_name(x.type) + " needs a " +
                             (x.type == Type::DateTime || x.type == Type::Timespan ? "timespan" : "number") +
                             " bin size, got " + type_name(sv.type));
      bool positive = sv.type == Type::Real ? sv.r > 0 : sv.i > 0;
      if (!positive) fail(size.begin, name + "() needs a bin size above zero");
      auto n = make<BinNode>(begin);
      n->type = x.type == Type::Int && sv.type == Type::Int ? Type::Int : numeric(x.type) ? Type::Real : x.type;
      n->is_const = x.is_const;
      n->size = sv;
      n->x = std::move(args[0]);
      return finish(std::move(n));
    }
    fail(begin, "unknown function '" + name + "'");
  }

  std::string_view text_;
  const Scope& scope_;
  Program& prog_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  size_t last_end_ = 0;
  int nesting_ = 0;
};

}  // namespace

NodePtr parse(std::string_view text, const Scope& scope, Program& prog) {
  return Parser(text, scope, prog).parse_all();
}

}  // namespace rules::detail
