// The KQL parser: a recursive-descent Parser over the lexer's tokens, one method per level:
// statements and lets (a lambda told by `(name:` or `() {`), pipelines and each tabular
// operator's arguments and options, then expressions from `or` down to primary values (typed
// literals such as datetime(...) kept as their source text). Each nested level counts against
// kMaxDepth, so hostile nesting is a QueryError, not a stack overflow. to_text() prints a tree
// for tests. Called by `evtxhunt query` and the KQL rule loader (tables/kql_rule.cpp).
#include "kql/parser.h"

#include <algorithm>
#include <array>

#include "kql/lexer.h"

namespace kql {
namespace {

using K = Node::Kind;
using T = Token::Kind;

// String operators written as words, each also negated (!has) unless said.
constexpr std::array<std::string_view, 20> kWordOperators = {
    "has",        "has_cs",        "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "contains", "contains_cs",
    "startswith", "startswith_cs", "endswith",  "endswith_cs",  "like",      "like_cs",      "has_any",  "has_all",
    "in",         "in~",           "between",   "matches"};

template <size_t N>
bool among(const std::array<std::string_view, N>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

Node make(K kind, Pos pos, std::string text = {}, std::string extra = {}) {
  Node n;
  n.kind = kind;
  n.pos = pos;
  n.text = std::move(text);
  n.extra = std::move(extra);
  return n;
}

class Parser {
 public:
  Parser(std::string_view src, std::vector<Token> tokens) : src_(src), t_(std::move(tokens)) {}

  Node query(bool in_braces) {
    Deeper d(*this);
    Node q = make(K::Query, cur().pos);
    while (!at_end() && !(in_braces && is("}"))) {
      if (is(";")) {
        advance();
        continue;
      }
      q.kids.push_back(statement());
      if (!at_end() && !is(";") && !(in_braces && is("}"))) fail("expected ';' or the end of the query");
    }
    return q;
  }

  bool at_end() const { return cur().kind == T::End; }

 private:
  // Counts nesting; past kMaxDepth the query is refused.
  struct Deeper {
    explicit Deeper(Parser& p) : p(p) {
      if (++p.depth_ > kMaxDepth) p.fail("the query nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ~Deeper() { --p.depth_; }
    Parser& p;
  };

  const Token& cur() const { return t_[k_]; }
  const Token& peek(size_t n = 1) const { return t_[std::min(k_ + n, t_.size() - 1)]; }
  void advance() {
    if (k_ + 1 < t_.size()) ++k_;
  }
  bool is(std::string_view punct) const { return cur().kind == T::Punct && cur().text == punct; }
  bool is_word(std::string_view w) const { return cur().kind == T::Ident && cur().text == w; }
  static bool is_punct(const Token& t, std::string_view p) { return t.kind == T::Punct && t.text == p; }

  [[noreturn]] void fail(const std::string& what) const { throw QueryError(cur().pos, what + found()); }
  std::string found() const {
    switch (cur().kind) {
      case T::End: return " (found the end of the query)";
      case T::String: return " (found a string)";
      default: return " (found '" + cur().text + "')";
    }
  }
  void expect(std::string_view punct) {
    if (!is(punct)) fail("expected '" + std::string(punct) + "'");
    advance();
  }
  void expect_word(std::string_view w) {
    if (!is_word(w)) fail("expected '" + std::string(w) + "'");
    advance();
  }
  std::string ident(const char* what) {
    if (cur().kind != T::Ident) fail(std::string("expected ") + what);
    std::string s = cur().text;
    advance();
    return s;
  }

  // ---- statements ------------------------------------------------------------
  Node statement() {
    if (is_word("let")) {
      Pos pos = cur().pos;
      advance();
      Node let = make(K::Let, pos, ident("a name after let"));
      expect("=");
      let.kids.push_back(looks_like_lambda() ? lambda() : tabular());
      return let;
    }
    return tabular();
  }

  bool looks_like_lambda() const {
    if (!is("(")) return false;
    if (is_punct(peek(), ")")) return is_punct(peek(2), "{");
    return peek().kind == T::Ident && is_punct(peek(2), ":");
  }

  Node lambda() {
    Node fn = make(K::Lambda, cur().pos);
    expect("(");
    while (!is(")")) {
      Node p = make(K::Param, cur().pos, ident("a parameter name"));
      expect(":");
      p.kids.push_back(type_name());
      if (is("=")) {
        advance();
        p.kids.push_back(expr());
      }
      fn.kids.push_back(std::move(p));
      if (!is(")")) expect(",");
    }
    advance();
    expect("{");
    fn.kids.push_back(query(true));
    expect("}");
    return fn;
  }

  // string, long, dynamic, ...; (*) or (a:string, b:long) for a table.
  Node type_name() {
    Node n = make(K::TypeName, cur().pos);
    if (is("(")) {
      size_t open = cur().offset;
      int level = 0;
      do {
        if (is("(")) ++level;
        if (is(")")) --level;
        if (at_end()) fail("a table type that does not end");
        advance();
      } while (level > 0);
      n.text = std::string(src_.substr(open, t_[k_ - 1].end - open));
      return n;
    }
    n.text = ident("a type");
    return n;
  }

  // ---- tabular expressions -------------------------------------------------------
  Node tabular() {
    Deeper d(*this);
    Pos pos = cur().pos;
    Node source;
    if (cur().kind == T::Ident &&
        (is_word("union") || ((is_word("print") || is_word("range")) && !is_punct(peek(), "("))) &&
        !is_punct(peek(), "="))
      source = op();
    else
      source = expr();
    if (!is("|")) return source;
    Node p = make(K::Pipeline, pos);
    p.kids.push_back(std::move(source));
    while (is("|")) {
      advance();
      p.kids.push_back(op());
    }
    return p;
  }

  // name=value options before an operator's arguments, of the names given
  // (hint.* always).
  void options(Node& into, std::initializer_list<std::string_view> names) {
    for (;;) {
      if (is_word("hint") && is_punct(peek(), ".")) {
        Pos pos = cur().pos;
        advance();
        advance();
        Node o = make(K::Option, pos, "hint." + ident("a hint name"));
        expect("=");
        o.kids.push_back(option_value());
        into.kids.push_back(std::move(o));
        continue;
      }
      if (cur().kind == T::Ident && is_punct(peek(), "=") &&
          std::find(names.begin(), names.end(), cur().text) != names.end()) {
        Node o = make(K::Option, cur().pos, cur().text);
        advance();
        advance();
        o.kids.push_back(option_value());
        into.kids.push_back(std::move(o));
        continue;
      }
      return;
    }
  }
  Node option_value() {
    if (cur().kind == T::Ident) {
      Node n = make(K::Name, cur().pos, cur().text);
      advance();
      return n;
    }
    return primary();
  }

  // a = expr, b, (c, d) = expr, ...
  void assignments(Node& into) {
    for (;;) {
      into.kids.push_back(assignment());
      if (!is(",")) return;
      advance();
    }
  }
  Node assignment() {
    Pos pos = cur().pos;
    if (cur().kind == T::Ident && is_punct(peek(), "=")) {
      Node a = make(K::Assign, pos, cur().text);
      advance();
      advance();
      a.kids.push_back(expr());
      return a;
    }
    if (is("(") && peek().kind == T::Ident && (is_punct(peek(2), ",") || is_punct(peek(2), ")"))) {
      // (a, b) = f(): a tuple assignment, told from a parenthesized expression by its '='.
      size_t save = k_;
      advance();
      std::string names;
      while (cur().kind == T::Ident) {
        names += (names.empty() ? "" : ",") + cur().text;
        advance();
        if (!is(",")) break;
        advance();
      }
      if (is(")") && is_punct(peek(), "=")) {
        advance();
        advance();
        Node a = make(K::Assign, pos, "", names);
        a.kids.push_back(expr());
        return a;
      }
      k_ = save;
    }
    Node a = make(K::Assign, pos);
    a.kids.push_back(expr());
    return a;
  }

  // Column names, each possibly a wildcard (Foo*), for project-away / keep / reorder.
  void columns(Node& into, bool sort_keys) {
    for (;;) {
      Pos pos = cur().pos;
      Node n;
      if (is("*")) {
        n = make(K::Name, pos, "", "*");
        advance();
      } else {
        n = make(K::Name, pos, ident("a column name"));
        if (is("*") && cur().offset == t_[k_ - 1].end) {
          n.extra = "*";
          advance();
        }
      }
      if (sort_keys && (is_word("asc") || is_word("desc") || is_word("granny-asc") || is_word("granny-desc"))) {
        Node key = make(K::SortKey, pos, cur().text);
        advance();
        key.kids.push_back(std::move(n));
        n = std::move(key);
      }
      into.kids.push_back(std::move(n));
      if (!is(",")) return;
      advance();
    }
  }

  Node sort_key() {
    Node key = make(K::SortKey, cur().pos);
    key.kids.push_back(expr());
    if (is_word("asc") || is_word("desc")) {
      key.text = cur().text;
      advance();
    }
    if (is_word("nulls")) {
      advance();
      if (!is_word("first") && !is_word("last")) fail("expected 'first' or 'last' after nulls");
      key.extra = cur().text;
      advance();
    }
    return key;
  }

  // A table operand: (subquery) or a name (a table, a let, with a wildcard).
  Node table_operand() {
    if (is("(")) {
      advance();
      Node q = tabular();
      expect(")");
      return q;
    }
    Node n = make(K::Name, cur().pos, ident("a table"));
    if (is("*") && cur().offset == t_[k_ - 1].end) {
      n.extra = "*";
      advance();
    }
    if (is("(")) {  // a function returning a table
      Node call = make(K::Call, n.pos, n.text);
      arguments(call);
      return call;
    }
    return n;
  }

  Node op() {
    Deeper d(*this);
    if (cur().kind != T::Ident) fail("expected a tabular operator after '|'");
    Node o = make(K::Operator, cur().pos, cur().text);
    const std::string name = cur().text;
    advance();
    if (name == "where" || name == "filter") {
      o.text = "where";
      o.kids.push_back(expr());
    } else if (name == "extend" || name == "project" || name == "project-rename" || name == "distinct") {
      if (name == "distinct" && is("*")) {
        o.kids.push_back(make(K::Star, cur().pos));
        advance();
      } else {
        assignments(o);
      }
    } else if (name == "serialize") {
      if (!is("|") && !is(";") && !is(")") && !at_end()) assignments(o);
    } else if (name == "project-away" || name == "project-keep") {
      columns(o, false);
    } else if (name == "project-reorder") {
      columns(o, true);
    } else if (name == "summarize") {
      options(o, {});
      if (!is_word("by")) assignments(o);
      if (is_word("by")) {
        Node by = make(K::By, cur().pos);
        advance();
        assignments(by);
        o.kids.push_back(std::move(by));
      }
    } else if (name == "join" || name == "lookup") {
      options(o, {"kind", "withsource"});
      o.kids.push_back(table_operand());
      Node on = make(K::On, cur().pos);
      expect_word("on");
      for (;;) {
        on.kids.push_back(expr());
        if (!is(",")) break;
        advance();
      }
      o.kids.push_back(std::move(on));
    } else if (name == "union") {
      options(o, {"kind", "withsource", "isfuzzy"});
      for (;;) {
        o.kids.push_back(table_operand());
        if (!is(",")) break;
        advance();
      }
    } else if (name == "top") {
      o.kids.push_back(expr());
      Node by = make(K::By, cur().pos);
      expect_word("by");
      by.kids.push_back(sort_key());
      o.kids.push_back(std::move(by));
    } else if (name == "order" || name == "sort") {
      o.text = "order";
      Node by = make(K::By, cur().pos);
      expect_word("by");
      for (;;) {
        by.kids.push_back(sort_key());
        if (!is(",")) break;
        advance();
      }
      o.kids.push_back(std::move(by));
    } else if (name == "take" || name == "limit" || name == "sample") {
      if (name == "limit") o.text = "take";
      o.kids.push_back(expr());
    } else if (name == "count" || name == "getschema") {
    } else if (name == "mv-expand" || name == "mv-apply") {
      options(o, {"bagexpansion", "with_itemindex", "kind"});
      for (;;) {
        Node item = assignment();
        if (is_word("to")) {
          advance();
          expect_word("typeof");
          expect("(");
          item.extra = ident("a type");
          expect(")");
        }
        o.kids.push_back(std::move(item));
        if (!is(",")) break;
        advance();
      }
      if (is_word("limit")) {
        Node limit = make(K::Option, cur().pos, "limit");
        advance();
        limit.kids.push_back(expr());
        o.kids.push_back(std::move(limit));
      }
      if (name == "mv-apply") {
        Node on = make(K::On, cur().pos);
        expect_word("on");
        expect("(");
        Node sub = make(K::Pipeline, cur().pos);
        sub.kids.push_back(make(K::Star, cur().pos));  // the rows of each expanded value
        for (;;) {
          sub.kids.push_back(op());
          if (!is("|")) break;
          advance();
        }
        expect(")");
        on.kids.push_back(std::move(sub));
        o.kids.push_back(std::move(on));
      }
    } else if (name == "parse" || name == "parse-where") {
      options(o, {"kind", "flags"});
      Node with = make(K::ParseWith, cur().pos);
      with.kids.push_back(expr());
      expect_word("with");
      while (!is("|") && !is(";") && !is(")") && !at_end()) {
        if (cur().kind == T::String) {
          with.kids.push_back(make(K::Literal, cur().pos, cur().text, "string"));
          advance();
        } else if (is("*")) {
          with.kids.push_back(make(K::Star, cur().pos));
          advance();
        } else {
          Node col = make(K::Name, cur().pos, ident("a column name, a string or '*'"));
          if (is(":")) {
            advance();
            col.extra = ident("a type");
          }
          with.kids.push_back(std::move(col));
        }
      }
      o.kids.push_back(std::move(with));
    } else if (name == "evaluate" || name == "invoke") {
      options(o, {});
      o.kids.push_back(postfix());
    } else if (name == "as") {
      options(o, {});
      o.kids.push_back(make(K::Name, cur().pos, ident("a name")));
    } else if (name == "render") {
      // A chart: nothing to compute. Its options run to the next operator.
      while (!is("|") && !is(";") && !is(")") && !at_end()) advance();
    } else if (name == "print") {
      assignments(o);
    } else {
      throw QueryError(o.pos, "the tabular operator '" + name + "' is not supported");
    }
    return o;
  }

  // ---- expressions ------------------------------------------------------------------
  Node expr() {
    Deeper d(*this);
    return or_expr();
  }

  Node or_expr() {
    Node left = and_expr();
    while (is_word("or")) {
      Node b = make(K::Binary, cur().pos, "or");
      advance();
      b.kids.push_back(std::move(left));
      b.kids.push_back(and_expr());
      left = std::move(b);
    }
    return left;
  }

  Node and_expr() {
    Node left = comparison();
    while (is_word("and")) {
      Node b = make(K::Binary, cur().pos, "and");
      advance();
      b.kids.push_back(std::move(left));
      b.kids.push_back(comparison());
      left = std::move(b);
    }
    return left;
  }

  bool at_comparison() const {
    if (cur().kind == T::Punct)
      return cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" || cur().text == ">" ||
             cur().text == ">=" || cur().text == "=~" || cur().text == "!~" || cur().text == "<>";
    if (cur().kind != T::Ident) return false;
    std::string_view w = cur().text;
    if (w == "notcontains" || w == "notcontains_cs" || w == "notbetween") return true;  // older spellings
    if (!w.empty() && w[0] == '!') w.remove_prefix(1);
    return among(kWordOperators, w);
  }

  Node comparison() {
    Node left = additive();
    while (at_comparison()) {
      Pos pos = cur().pos;
      std::string op = cur().text;
      advance();
      if (op == "<>") op = "!=";
      if (op.rfind("not", 0) == 0) op = "!" + op.substr(3);  // notcontains is !contains
      if (op == "between" || op == "!between") {
        Node b = make(K::Between, pos, op);
        b.kids.push_back(std::move(left));
        expect("(");
        b.kids.push_back(additive());
        expect("..");
        b.kids.push_back(additive());
        expect(")");
        left = std::move(b);
        continue;
      }
      if (op == "matches" || op == "!matches") {
        expect_word("regex");
        op += " regex";
      }
      Node b = make(K::Binary, pos, op);
      b.kids.push_back(std::move(left));
      std::string_view bare = op[0] == '!' ? std::string_view(op).substr(1) : std::string_view(op);
      if ((bare == "in" || bare == "in~" || bare == "has_any" || bare == "has_all") && is("("))
        b.kids.push_back(list());
      else
        b.kids.push_back(additive());
      left = std::move(b);
    }
    return left;
  }

  // (a, b, (T | project x)): each element an expression or a subquery.
  Node list() {
    Node l = make(K::List, cur().pos);
    expect("(");
    while (!is(")")) {
      l.kids.push_back(tabular());
      if (!is(")")) expect(",");
    }
    advance();
    return l;
  }

  Node additive() {
    Node left = multiplicative();
    while (is("+") || is("-")) {
      Node b = make(K::Binary, cur().pos, cur().text);
      advance();
      b.kids.push_back(std::move(left));
      b.kids.push_back(multiplicative());
      left = std::move(b);
    }
    return left;
  }

  Node multiplicative() {
    Node left = unary();
    while (is("*") || is("/") || is("%")) {
      Node b = make(K::Binary, cur().pos, cur().text);
      advance();
      b.kids.push_back(std::move(left));
      b.kids.push_back(unary());
      left = std::move(b);
    }
    return left;
  }

  Node unary() {
    if (is("-") || is("+")) {
      Deeper d(*this);
      Node u = make(K::Unary, cur().pos, cur().text);
      advance();
      u.kids.push_back(unary());
      return u;
    }
    return postfix();
  }

  Node postfix() {
    Node n = primary();
    for (;;) {
      if (is(".") && peek().kind == T::Ident) {
        Node m = make(K::Member, cur().pos);
        advance();
        m.text = cur().text;
        advance();
        m.kids.push_back(std::move(n));
        n = std::move(m);
      } else if (is("[")) {
        Node i = make(K::Index, cur().pos);
        advance();
        i.kids.push_back(std::move(n));
        i.kids.push_back(expr());
        expect("]");
        n = std::move(i);
      } else {
        return n;
      }
    }
  }

  void arguments(Node& call) {
    expect("(");
    while (!is(")")) {
      if (is("*") && (is_punct(peek(), ")") || is_punct(peek(), ","))) {
        call.kids.push_back(make(K::Star, cur().pos));
        advance();
      } else if (cur().kind == T::Ident && is_punct(peek(), "=")) {
        call.kids.push_back(assignment());  // a named argument
      } else {
        call.kids.push_back(tabular());
      }
      if (!is(")")) expect(",");
    }
    advance();
  }

  // The source text of a literal written in parentheses: datetime(2021-04-26
  // 10:00), dynamic(["a", {"b": 1}]), guid(...), timespan(1d).
  std::string raw_parenthesized() {
    size_t open = cur().offset;
    if (!is("(")) fail("expected '('");
    int level = 0;
    char quote = 0;
    size_t i = open;
    for (; i < src_.size(); ++i) {
      char c = src_[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
        continue;
      }
      if (c == '"' || c == '\'') quote = c;
      if (c == '(' || c == '[' || c == '{') ++level;
      if (c == ')' || c == ']' || c == '}') --level;
      if (level == 0) break;
    }
    if (i >= src_.size()) fail("a literal whose parentheses do not close");
    while (!at_end() && cur().offset <= i) advance();
    std::string_view inner = src_.substr(open + 1, i - open - 1);
    while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.front()))) inner.remove_prefix(1);
    while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.back()))) inner.remove_suffix(1);
    return std::string(inner);
  }

  Node datatable(Pos pos) {
    Node dt = make(K::Datatable, pos);
    expect("(");
    while (!is(")")) {
      Node p = make(K::Param, cur().pos, ident("a column name"));
      expect(":");
      p.kids.push_back(type_name());
      dt.kids.push_back(std::move(p));
      if (!is(")")) expect(",");
    }
    advance();
    expect("[");
    while (!is("]")) {
      dt.kids.push_back(expr());
      if (!is("]")) expect(",");
    }
    advance();
    return dt;
  }

  Node primary() {
    Deeper d(*this);
    const Token& t = cur();
    Pos pos = t.pos;
    switch (t.kind) {
      case T::Number: {
        bool real = t.text.find_first_of(".eE") != std::string::npos && t.text.rfind("0x", 0) != 0;
        Node n = make(K::Literal, pos, t.text, real ? "real" : "long");
        advance();
        return n;
      }
      case T::Timespan: {
        Node n = make(K::Literal, pos, t.text, "timespan");
        advance();
        return n;
      }
      case T::String: {
        Node n = make(K::Literal, pos, "", "string");
        while (cur().kind == T::String) {  // "a" "b" is "ab"
          n.text += cur().text;
          advance();
        }
        return n;
      }
      case T::Punct:
        if (is("(")) {
          advance();
          Node first = tabular();
          if (is(")")) {
            advance();
            return first;
          }
          Node l = make(K::List, pos);
          l.kids.push_back(std::move(first));
          while (is(",")) {
            advance();
            l.kids.push_back(tabular());
          }
          expect(")");
          return l;
        }
        if (is("*")) {
          advance();
          return make(K::Star, pos);
        }
        if (is("[") && peek().kind == T::String && is_punct(peek(2), "]")) {  // ['column name']
          advance();
          Node n = make(K::Name, pos, cur().text);
          advance();
          advance();
          return n;
        }
        fail("expected a value, a name or '('");
      case T::Ident: break;
      case T::End: fail("expected a value");
    }
    std::string word = t.text;
    if (word == "true" || word == "false") {
      advance();
      return make(K::Literal, pos, word, "bool");
    }
    advance();
    if (is("(")) {
      if (word == "datetime" || word == "dynamic" || word == "guid" || word == "timespan" || word == "time")
        return make(K::Literal, pos, raw_parenthesized(), word == "time" ? "timespan" : word);
      // Typed literals: long(null), int(5), real(1.5), bool(true).
      if (word == "long" || word == "int" || word == "real" || word == "double" || word == "decimal" ||
          word == "bool" || word == "boolean")
        return make(K::Literal, pos, raw_parenthesized(),
                    word == "int"                           ? "long"
                    : word == "double" || word == "decimal" ? "real"
                    : word == "boolean"                     ? "bool"
                                                            : word);
      if (word == "typeof") {
        advance();
        Node n = type_name();
        expect(")");
        return n;
      }
      if (word == "datatable") return datatable(pos);
      Node call = make(K::Call, pos, word);
      arguments(call);
      return call;
    }
    return make(K::Name, pos, word);
  }

  std::string_view src_;
  std::vector<Token> t_;
  size_t k_ = 0;
  int depth_ = 0;
};

const char* kind_name(K k) {
  switch (k) {
    case K::Query: return "Query";
    case K::Let: return "Let";
    case K::Lambda: return "Lambda";
    case K::Param: return "Param";
    case K::TypeName: return "Type";
    case K::Pipeline: return "Pipeline";
    case K::Operator: return "Op";
    case K::Option: return "Option";
    case K::By: return "By";
    case K::On: return "On";
    case K::SortKey: return "Sort";
    case K::Assign: return "Assign";
    case K::ParseWith: return "ParseWith";
    case K::Datatable: return "Datatable";
    case K::Literal: return "Literal";
    case K::Name: return "Name";
    case K::Call: return "Call";
    case K::Unary: return "Unary";
    case K::Binary: return "Binary";
    case K::Between: return "Between";
    case K::Member: return "Member";
    case K::Index: return "Index";
    case K::List: return "List";
    case K::Star: return "Star";
  }
  return "";
}

void append_text(std::string& out, const Node& n) {
  out += kind_name(n.kind);
  out += '(';
  bool any = false;
  auto sep = [&] {
    if (any) out += ", ";
    any = true;
  };
  if (!n.extra.empty() || n.kind == K::Literal) {
    sep();
    out += n.extra;
    out += ' ';
    out += n.text;
  } else if (!n.text.empty()) {
    sep();
    out += n.text;
  }
  for (const Node& k : n.kids) {
    sep();
    append_text(out, k);
  }
  out += ')';
}

}  // namespace

Node parse(std::string_view text) {
  if (text.size() > kMaxQueryBytes)
    throw QueryError({1, 1}, "the query is larger than " + std::to_string(kMaxQueryBytes >> 10) + " KiB");
  Parser p(text, tokenize(text));
  return p.query(false);
}

std::string to_text(const Node& node) {
  std::string out;
  append_text(out, node);
  return out;
}

}  // namespace kql
